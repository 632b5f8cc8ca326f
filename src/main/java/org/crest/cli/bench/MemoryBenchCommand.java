package org.crest.cli.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import org.apache.spark.api.java.function.MapFunction;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.SparkSession;
import org.crest.UsageException;
import org.crest.cli.options.ModelOptions;
import org.crest.cli.options.ScoringOptions;
import org.crest.cli.options.SparkOptions;
import org.crest.inference.Device;
import org.crest.inference.ModelBundle;
import org.crest.inference.ModelSession;
import org.crest.io.InputFormat;
import org.crest.label.LabelJob;
import org.crest.label.LabelOptions;
import org.crest.label.LabelSummary;
import org.crest.model.ModelResolver;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import scala.Tuple2;

/**
 * {@code crest bench-memory}: one partition of many rows, a share of them very long texts, labeled in
 * this JVM's heap (local mode: the driver is the executor). Prints the peak heap and peak RSS of the
 * label pass, so a bounded heap can be checked against the size of the partition's text.
 */
@Command(
        name = "bench-memory",
        mixinStandardHelpOptions = true,
        usageHelpAutoWidth = true,
        sortOptions = false,
        description = {
            "Label one partition of synthetic rows, some of them very long, and print peak heap and RSS.",
            "Run it with a small heap to check that rows stream in chunks, e.g.:",
            "  CREST_DRIVER_MEMORY=1g ./spark-submit.sh bench-memory --rows 1000000 --long-share 0.05 --long-tokens 20000",
            "The input is written once as one Parquet file (repeated texts compress well) and read as one partition."
        })
public final class MemoryBenchCommand implements Callable<Integer> {
    @Option(
            names = "--rows",
            defaultValue = "20000",
            paramLabel = "N",
            description = "Rows in the partition. Default: ${DEFAULT-VALUE}.")
    long rows;

    @Option(
            names = "--long-share",
            defaultValue = "0.05",
            paramLabel = "SHARE",
            description = "Share of rows that are long texts. Default: ${DEFAULT-VALUE}.")
    double longShare;

    @Option(
            names = "--long-tokens",
            defaultValue = "20000",
            paramLabel = "N",
            description = "Tokens of each long text (at least). Default: ${DEFAULT-VALUE}.")
    int longTokens;

    @Option(
            names = "--work-dir",
            paramLabel = "DIR",
            description = "Where the input and output go (default: a new temp folder).")
    Path workDir;

    @Option(names = "--report", paramLabel = "FILE", description = "Also write the figures as JSON to this file.")
    Path report;

    @Mixin
    ModelOptions model;

    @Mixin
    ScoringOptions scoring;

    @Mixin
    SparkOptions spark;

    private static final int LONG_VARIANTS = 4; // distinct long texts: they stay in one Parquet dictionary

    /** Refuses values the run cannot use, before anything is created. */
    void validate() {
        BenchArgs.atLeast("--rows", rows, 1);
        BenchArgs.atLeast("--long-tokens", longTokens, 1);
        BenchArgs.atLeast("--chunk-rows", scoring.batch().chunkRows(), 1);
        if (!(longShare >= 0 && longShare <= 1)) {
            throw new UsageException("Cannot use --long-share " + longShare + ": expected a share from 0 to 1 "
                    + "(e.g. 0.05 for 5 % long texts)");
        }
    }

    @Override
    public Integer call() throws Exception {
        validate();
        ModelBundle bundle = ModelResolver.resolve(model.model());
        Path dir =
                workDir != null ? Files.createDirectories(workDir) : Files.createTempDirectory("crest-bench-memory-");
        try {
            return run(bundle, dir);
        } finally {
            if (workDir == null) {
                BenchArgs.deleteTree(dir); // on every exit path; a --work-dir is kept
            }
        }
    }

    private int run(ModelBundle bundle, Path dir) throws IOException {
        List<String> longTexts = new ArrayList<>();
        long longTokenCount;
        try (ModelSession s = ModelSession.create(bundle, ModelSession.Kind.CLASSIFIER, Device.CPU, 1, -1)) {
            longTokenCount = 0;
            for (int v = 0; v < LONG_VARIANTS; v++) {
                StringBuilder sb = new StringBuilder();
                List<String> pool = SyntheticChats.messages(5000, 1000L + v);
                for (int i = 0; s.tokenize(sb.toString()).length < longTokens; i = (i + 1) % pool.size()) {
                    sb.append(pool.get(i)).append(' ');
                }
                longTexts.add(sb.toString());
                longTokenCount += s.tokenize(sb.toString()).length;
            }
            longTokenCount /= LONG_VARIANTS;
        }
        List<String> shortTexts = SyntheticChats.messages(2000, 7).stream()
                .filter(t -> t.length() < 400)
                .toList();
        long every = Math.max(1, Math.round(1 / Math.max(longShare, 1e-9)));
        long longRows = longShare <= 0 ? 0 : (rows + every - 1 - every / 2) / every;

        SparkSession.Builder builder = SparkSession.builder()
                .appName("crest bench-memory")
                .master(spark.master("local[2]"))
                .config("spark.driver.host", "127.0.0.1")
                .config("spark.driver.bindAddress", "127.0.0.1")
                .config("spark.ui.enabled", "false")
                // one file is one partition, however large
                .config("spark.sql.files.maxPartitionBytes", String.valueOf(Long.MAX_VALUE / 4));
        spark.conf().forEach(builder::config);
        SparkSession session = builder.getOrCreate();
        try {
            Path input = dir.resolve("input.parquet");
            long tg = System.nanoTime();
            session.range(rows)
                    .coalesce(1)
                    .map(
                            new MakeRow(shortTexts, longTexts, longShare <= 0 ? 0 : every),
                            Encoders.tuple(Encoders.STRING(), Encoders.STRING()))
                    .toDF("id", "text")
                    .write()
                    .option("parquet.dictionary.page.size", String.valueOf(8 << 20))
                    .parquet(input.toString());
            double genSeconds = (System.nanoTime() - tg) / 1e9;
            System.out.printf(
                    "crest bench-memory: %d rows in one partition, %d long texts of %d tokens (%.1f%%), "
                            + "model %s, heap max %d MB; input written in %.1f s (%s)%n",
                    rows,
                    longRows,
                    longTokenCount,
                    100.0 * longRows / rows,
                    bundle.id(),
                    Runtime.getRuntime().maxMemory() >> 20,
                    genSeconds,
                    size(input));

            System.gc();
            resetPeaks();
            Path out = dir.resolve("out");
            LabelSummary s = LabelJob.run(
                    session,
                    scoring.applyTo(model.applyTo(LabelOptions.builder()))
                            .model(bundle.dir().toString())
                            .inputs(List.of(input.toString()))
                            .format(InputFormat.PARQUET)
                            .output(out.toString())
                            .overwrite(true)
                            .build());
            long heapPeak = heapPeakBytes();
            String rss = BenchCommand.peakRss();
            long parts;
            try (Stream<Path> files = Files.list(out)) {
                parts = files.filter(p -> p.getFileName().toString().endsWith(".parquet"))
                        .count();
            }
            System.out.printf(
                    "rows in %d = labeled %d + quarantined %d; %d output part file(s)%n",
                    s.rowsIn(), s.rowsLabeled(), s.rowsQuarantined(), parts);
            System.out.printf(
                    "label pass %.1f s, %.0f rows/s, %.0f tokens/s, %d windows, padding %.3f%n",
                    s.labelSeconds(), s.rowsPerSecond(), s.tokensPerSecond(), s.windows(), s.paddingEfficiency());
            System.out.printf(
                    "peak heap during the job %d MB (sum of heap pool peaks, an upper bound) of %d MB max; "
                            + "peak RSS during the job %s%n",
                    heapPeak >> 20, Runtime.getRuntime().maxMemory() >> 20, rss);
            if (report != null) {
                Map<String, Object> r = new LinkedHashMap<>();
                r.put("rows", rows);
                r.put("long_rows", longRows);
                r.put("long_tokens", longTokenCount);
                r.put("chunk_rows", scoring.batch().chunkRows());
                r.put("model", bundle.id());
                r.put("heap_max_mb", Runtime.getRuntime().maxMemory() >> 20);
                r.put("heap_peak_mb", heapPeak >> 20);
                r.put("rss_peak", rss);
                r.put("label_seconds", s.labelSeconds());
                r.put("rows_per_second", s.rowsPerSecond());
                r.put("tokens_per_second", s.tokensPerSecond());
                r.put("output_files", parts);
                new ObjectMapper().writerWithDefaultPrettyPrinter().writeValue(report.toFile(), r);
            }
            return s.rowsIn() == s.rowsLabeled() + s.rowsQuarantined() ? 0 : 1;
        } finally {
            session.stop();
        }
    }

    /** Row i: a long text every {@code every} rows (0: never), else a short chat message. */
    static final class MakeRow implements MapFunction<Long, Tuple2<String, String>> {
        private static final long serialVersionUID = 1L;
        private final List<String> shortTexts;
        private final List<String> longTexts;
        private final long every;

        MakeRow(List<String> shortTexts, List<String> longTexts, long every) {
            this.shortTexts = new ArrayList<>(shortTexts);
            this.longTexts = new ArrayList<>(longTexts);
            this.every = every;
        }

        @Override
        public Tuple2<String, String> call(Long i) {
            boolean isLong = every > 0 && i % every == every / 2;
            String text = isLong
                    ? longTexts.get((int) ((i / every) % longTexts.size()))
                    : shortTexts.get((int) (i % shortTexts.size()));
            return new Tuple2<>("r" + i, text);
        }
    }

    private static void resetPeaks() {
        for (MemoryPoolMXBean p : ManagementFactory.getMemoryPoolMXBeans()) {
            if (p.getType() == MemoryType.HEAP) {
                p.resetPeakUsage();
            }
        }
        try {
            Files.writeString(Path.of("/proc/self/clear_refs"), "5"); // Linux: resets VmHWM to the current RSS
        } catch (IOException | RuntimeException e) {
            // not Linux, or not allowed: the RSS peak then covers the whole process
        }
    }

    private static long heapPeakBytes() {
        long sum = 0;
        for (MemoryPoolMXBean p : ManagementFactory.getMemoryPoolMXBeans()) {
            if (p.getType() == MemoryType.HEAP && p.getPeakUsage() != null) {
                sum += p.getPeakUsage().getUsed();
            }
        }
        return sum;
    }

    private static String size(Path p) throws IOException {
        try (Stream<Path> files = Files.walk(p)) {
            long b = files.filter(Files::isRegularFile)
                    .mapToLong(f -> f.toFile().length())
                    .sum();
            return (b >> 20) + " MB on disk";
        }
    }
}
