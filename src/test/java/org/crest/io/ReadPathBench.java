package org.crest.io;

import static org.apache.spark.sql.functions.col;

import java.io.BufferedWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.apache.hadoop.fs.FileSystem;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.crest.Columns;

/**
 * Not a test: measures the read side of {@code crest label} without the model, old path
 * ({@link InputReader#read}: schema inference, then the label, quarantine and count scans each reading
 * the input) against the new one ({@link InputReader#readExact}: ledger pass, then one read into kept
 * units). Usage: {@code java -cp ... org.crest.io.ReadPathBench DIR MB}; see docs/PERFORMANCE.md.
 */
public final class ReadPathBench {
    private ReadPathBench() {}

    public static void main(String[] args) throws Exception {
        Path dir = Path.of(args[0]);
        long mb = Long.parseLong(args[1]);
        Path file = dir.resolve("in/data.jsonl");
        if (!Files.exists(file)) {
            Files.createDirectories(file.getParent());
            try (BufferedWriter w = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
                long bytes = 0;
                for (long i = 0; bytes < mb << 20; i++) {
                    String l = "{\"id\":\"r" + i + "\",\"user\":\"u" + (i % 977) + "\",\"lang\":\"en\",\"n\":" + i
                            + ",\"text\":\"chat message number " + i
                            + " with some words to make it a typical short line of a log\"}\n";
                    w.write(l);
                    bytes += l.length();
                }
            }
        }
        SparkSession spark = SparkSession.builder()
                .master("local[2]")
                .appName("bench")
                .config("spark.ui.enabled", "false")
                .config("spark.driver.host", "127.0.0.1")
                .getOrCreate();
        spark.sparkContext().setLogLevel("WARN");
        String in = file.getParent().toString();
        for (String mode : new String[] {"old", "new", "old", "new"}) {
            FileSystem.clearStatistics();
            long t0 = System.nanoTime();
            Source s = mode.equals("old")
                    ? InputReader.read(spark, List.of(in), InputFormat.AUTO, List.of("text"))
                    : InputReader.readExact(spark, List.of(in), InputFormat.AUTO, List.of("text"));
            Units u = Units.flat(s, "text");
            Dataset<Row> units = s.rows().flatMap(u, Encoders.row(u.schema()));
            if (mode.equals("new")) {
                units = units.persist(org.apache.spark.storage.StorageLevel.MEMORY_AND_DISK_SER());
            }
            long good = units.where(col(Columns.ERROR_COL).isNull()).count(); // the label write's scan
            long bad = units.where(col(Columns.ERROR_COL).isNotNull()).count(); // the quarantine write's scan
            long all = units.count(); // rows_in
            double secs = (System.nanoTime() - t0) / 1e9;
            long read = FileSystem.getAllStatistics().stream()
                    .mapToLong(FileSystem.Statistics::getBytesRead)
                    .sum();
            System.out.printf(
                    "%s: %.1f s, %d rows (%d good, %d quarantined), bytes read %.2f x the input (%d / %d)%n",
                    mode, secs, all, good, bad, (double) read / Files.size(file), read, Files.size(file));
            units.unpersist();
        }
        spark.stop();
    }
}
