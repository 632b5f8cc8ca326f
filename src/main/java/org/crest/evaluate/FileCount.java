package org.crest.evaluate;

import static org.apache.spark.sql.functions.col;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.crest.Columns;
import org.crest.ConservationException;
import org.crest.io.InputReader;
import org.crest.spark.JobSupport;

/**
 * One benchmark file's line in {@code metrics.json} / {@code relabel.json}: how many records it holds (counted from
 * its bytes, the reader's ledger) and where its benchmark rows went: scored, quarantined (by reason, the label job's
 * own quarantine included) or excluded by the preset. A record can give several rows (MultiJail, jbb-judge), so
 * rows &gt;= records for those presets; rows = scored + quarantined + excluded always.
 */
public record FileCount(
        String file,
        long records,
        long rows,
        long scored,
        long quarantined,
        Map<String, Long> quarantineReasons,
        long excluded,
        Map<String, Long> excludedReasons) {

    /** The line as written to JSON. */
    public Map<String, Object> json() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("file", file);
        m.put("records", records);
        m.put("rows", rows);
        m.put("rows_scored", scored);
        m.put("rows_quarantined", quarantined);
        m.put("quarantine_reasons", quarantineReasons);
        m.put("rows_excluded", excluded);
        m.put("excluded_reasons", excludedReasons);
        return m;
    }

    /** Counts of one file while the rows are tallied. */
    static final class Builder {
        private final String file;
        private long records;
        private long rows;
        private long ok;
        private final Map<String, Long> quarantine = new TreeMap<>();
        private final Map<String, Long> excluded = new TreeMap<>();

        Builder(String file) {
            this.file = file;
        }

        /** {@code n} rows of one status and reason, {@code first} of them the first row of their record. */
        void add(String status, String error, long n, long first) {
            rows += n;
            records += first;
            if (status.equals(BenchmarkRows.OK)) {
                ok += n;
            } else if (status.equals(BenchmarkRows.EXCLUDED)) {
                excluded.merge(String.valueOf(error), n, Long::sum);
            } else {
                quarantine.merge(String.valueOf(error), n, Long::sum);
            }
        }
    }

    /**
     * Fails (exit 1, naming the file) unless every listed file gave exactly as many records as its bytes hold; files
     * with no records get a line too.
     */
    static void checkLedger(Map<String, Builder> perFile, Map<String, Long> ledger) {
        Map<String, Long> expected = new LinkedHashMap<>();
        ledger.forEach((k, v) -> expected.merge(InputReader.pathKey(k), v, Long::sum));
        for (Map.Entry<String, Long> e : expected.entrySet()) {
            Builder b = perFile.computeIfAbsent(e.getKey(), Builder::new);
            if (b.records != e.getValue()) {
                throw new ConservationException("Cannot finish: " + e.getKey() + " holds " + e.getValue()
                        + " records (counted from its bytes) but " + b.records + " were read as benchmark records");
            }
        }
        for (String f : perFile.keySet()) {
            if (!expected.containsKey(f)) {
                throw new ConservationException(
                        "Cannot finish: benchmark rows from " + f + ", which is not among the listed input files");
            }
        }
    }

    /** The lines, with the rows the label job quarantined itself (scored/_quarantine) moved from scored. */
    static List<FileCount> finish(Map<String, Builder> perFile, SparkSession spark, String scoredDir) {
        Map<String, Map<String, Long>> labelQuarantine = new HashMap<>();
        Path q = new Path(scoredDir, Columns.QUARANTINE_DIR);
        try {
            FileSystem fs = JobSupport.fileSystem(spark, q);
            if (fs.exists(q)) {
                for (Row r : spark.read()
                        .parquet(q.toString())
                        .groupBy(col(BenchmarkRows.FILE), col(Columns.ERROR_COL))
                        .count()
                        .collectAsList()) {
                    labelQuarantine
                            .computeIfAbsent(r.isNullAt(0) ? "" : r.getString(0), k -> new TreeMap<>())
                            .merge(String.valueOf(r.get(1)), r.getLong(2), Long::sum);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        List<FileCount> out = new ArrayList<>();
        for (Builder b : perFile.values()) {
            Map<String, Long> reasons = new TreeMap<>(b.quarantine);
            long byLabel = 0;
            for (Map.Entry<String, Long> e :
                    labelQuarantine.getOrDefault(b.file, Map.of()).entrySet()) {
                reasons.merge(e.getKey(), e.getValue(), Long::sum);
                byLabel += e.getValue();
            }
            long quarantined =
                    reasons.values().stream().mapToLong(Long::longValue).sum();
            long excluded =
                    b.excluded.values().stream().mapToLong(Long::longValue).sum();
            out.add(new FileCount(
                    b.file,
                    b.records,
                    b.rows,
                    b.ok - byLabel,
                    quarantined,
                    java.util.Collections.unmodifiableMap(reasons),
                    excluded,
                    java.util.Collections.unmodifiableMap(b.excluded)));
        }
        return out;
    }
}
