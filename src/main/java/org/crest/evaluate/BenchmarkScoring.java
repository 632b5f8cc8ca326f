package org.crest.evaluate;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.sum;
import static org.apache.spark.sql.functions.when;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.storage.StorageLevel;
import org.crest.Columns;
import org.crest.ConservationException;
import org.crest.UsageException;
import org.crest.inference.ModelSession;
import org.crest.label.LabelJob;
import org.crest.label.LabelSummary;
import org.crest.model.ModelResolver;
import org.crest.spark.JobSupport;

/**
 * The common first half of {@code evaluate} and {@code relabel}: read the benchmark into normalised rows,
 * refuse unknown label values, write the rows that cannot be scored to {@code OUTPUT/_quarantine} and the
 * ones a preset leaves out to {@code OUTPUT/_excluded}, and score the rest with {@link LabelJob} into
 * {@code OUTPUT/<scored>}. Checks rows = scored + quarantined (here and by the label job) + excluded.
 */
public final class BenchmarkScoring {
    public static final String ROWS_DIR = "_eval_rows";
    public static final String QUARANTINE_DIR = "_quarantine";
    public static final String EXCLUDED_DIR = "_excluded";

    private BenchmarkScoring() {}

    /** Counts of one run: benchmark rows in, and where each went. */
    public record Scored(
            String output,
            String scoredDir,
            long rowsIn,
            long quarantined,
            Map<String, Long> quarantineReasons,
            long excluded,
            Map<String, Long> excludedReasons,
            LabelSummary label,
            List<FileCount> files) {

        /** Rows scored by the model. */
        public long scored() {
            return label.rowsLabeled();
        }

        /** The same counts for the output the run's staging folder became. */
        public Scored movedTo(String finalOutput) {
            return new Scored(
                    finalOutput,
                    new Path(finalOutput, new Path(scoredDir).getName()).toString(),
                    rowsIn,
                    quarantined,
                    quarantineReasons,
                    excluded,
                    excludedReasons,
                    label,
                    files);
        }

        /** Quarantined while reading the benchmark plus quarantined by the label job. */
        public long quarantinedTotal() {
            return quarantined + label.rowsQuarantined();
        }
    }

    public static Scored run(SparkSession spark, EvalOptions o, String scoredName, String command) {
        // the model is checked (kind, files, finite output) before anything is read or written
        ModelResolver.resolve(o.label().model(), ModelSession.Kind.CLASSIFIER);
        Path out = new Path(o.output());
        FileSystem fs = JobSupport.claimOutput(spark, o.output(), o.overwrite(), true);
        BenchmarkReader.Benchmark b = BenchmarkReader.read(spark, o.bench());
        Dataset<Row> rows = b.rows().persist(StorageLevel.MEMORY_AND_DISK());
        try {
            spark.sparkContext().setJobDescription("crest " + command + ": check labels");
            checkLabels(rows, o);
            String rowsDir = new Path(out, ROWS_DIR).toString();
            spark.sparkContext()
                    .setJobDescription(
                            "crest " + command + ": normalise " + o.bench().inputs());
            rows.where(col(BenchmarkRows.STATUS).equalTo(BenchmarkRows.OK))
                    .drop(BenchmarkRows.STATUS, Columns.ERROR_COL, Columns.RECORD_COL, BenchmarkRows.FIRST)
                    .write()
                    .parquet(rowsDir);
            rows.where(col(BenchmarkRows.STATUS).equalTo(BenchmarkRows.QUARANTINED))
                    .drop(BenchmarkRows.STATUS, BenchmarkRows.FIRST)
                    .write()
                    .parquet(new Path(out, QUARANTINE_DIR).toString());
            rows.where(col(BenchmarkRows.STATUS).equalTo(BenchmarkRows.EXCLUDED))
                    .drop(BenchmarkRows.STATUS, BenchmarkRows.FIRST)
                    .write()
                    .parquet(new Path(out, EXCLUDED_DIR).toString());
            Map<String, Long> quarantineReasons = new TreeMap<>();
            Map<String, Long> excludedReasons = new TreeMap<>();
            long rowsIn = 0;
            long ok = 0;
            Map<String, FileCount.Builder> perFile = new TreeMap<>();
            for (Row r : rows.groupBy(BenchmarkRows.FILE, BenchmarkRows.STATUS, Columns.ERROR_COL)
                    .agg(count(lit(1)), sum(when(col(BenchmarkRows.FIRST), 1L).otherwise(0L)))
                    .collectAsList()) {
                long n = r.getLong(3);
                rowsIn += n;
                String file = r.isNullAt(0) ? "" : r.getString(0);
                String status = r.getString(1);
                FileCount.Builder f = perFile.computeIfAbsent(file, FileCount.Builder::new);
                f.add(status, r.getString(2), n, r.getLong(4));
                if (status.equals(BenchmarkRows.OK)) {
                    ok += n;
                } else {
                    (status.equals(BenchmarkRows.EXCLUDED) ? excludedReasons : quarantineReasons)
                            .merge(r.getString(2), n, Long::sum);
                }
            }
            FileCount.checkLedger(perFile, b.source().ledger());
            long quarantined = quarantineReasons.values().stream()
                    .mapToLong(Long::longValue)
                    .sum();
            long excluded =
                    excludedReasons.values().stream().mapToLong(Long::longValue).sum();
            if (ok == 0) {
                throw new UsageException("Cannot " + command + ": no benchmark row can be scored (" + quarantined
                        + " quarantined " + quarantineReasons + ", " + excluded + " excluded " + excludedReasons
                        + ") in "
                        + String.join(", ", perFile.keySet().stream().limit(3).toList())
                        + (perFile.size() > 3 ? " and " + (perFile.size() - 3) + " more file(s)" : "")
                        + "; nothing was written (no metrics can come from zero rows)");
            }
            String scoredDir = new Path(out, scoredName).toString();
            LabelSummary label = LabelJob.runGuarded(spark, o.scoring(rowsDir, scoredDir)); // under the caller's guard
            if (label.rowsIn() != ok
                    || rowsIn != label.rowsLabeled() + label.rowsQuarantined() + quarantined + excluded) {
                throw new ConservationException(
                        "Cannot finish: benchmark rows = " + rowsIn + " but scored + quarantined + "
                                + "excluded = " + label.rowsLabeled() + " + " + (quarantined + label.rowsQuarantined())
                                + " + " + excluded
                                + " (rows to score " + ok + ", label job read " + label.rowsIn() + ")");
            }
            return new Scored(
                    o.output(),
                    scoredDir,
                    rowsIn,
                    quarantined,
                    quarantineReasons,
                    excluded,
                    excludedReasons,
                    label,
                    FileCount.finish(perFile, spark, scoredDir));
        } catch (ConservationException e) {
            throw e; // its output stays for inspection
        } catch (Exception | Error e) { // Spark's checked exceptions are thrown undeclared
            // the output is this run's own (claimOutput cleared it): a failed run, e.g. a model that gave no finite
            // score, leaves no partial output behind
            try {
                if (fs.exists(out) && fs.delete(out, true)) {
                    org.slf4j.LoggerFactory.getLogger(BenchmarkScoring.class)
                            .warn("Removed the partial output {} of the " + "failed run", out);
                }
            } catch (java.io.IOException cleanup) {
                e.addSuppressed(cleanup);
            }
            throw e;
        } finally {
            spark.sparkContext().setJobDescription(null);
            rows.unpersist();
        }
    }

    /** Unknown label values are an error that names them, with how many rows carry each. */
    static void checkLabels(Dataset<Row> rows, EvalOptions o) {
        List<Row> unknown = rows.where(col(BenchmarkRows.STATUS)
                        .equalTo(BenchmarkRows.OK)
                        .and(col(BenchmarkRows.LABEL).isNull()))
                .groupBy(BenchmarkRows.LABEL_RAW)
                .agg(count(lit(1)).as("n"))
                .orderBy(col("n").desc(), col(BenchmarkRows.LABEL_RAW))
                .collectAsList();
        if (unknown.isEmpty()) {
            return;
        }
        long total = 0;
        List<String> named = new ArrayList<>();
        for (Row r : unknown) {
            total += r.getLong(1);
            if (named.size() < 20) {
                named.add((r.isNullAt(0) ? "<null>" : "'" + r.getString(0) + "'") + " (" + r.getLong(1) + " row"
                        + (r.getLong(1) == 1 ? "" : "s") + ")");
            }
        }
        if (o.bench().preset() == Preset.JBB_BEHAVIORS && o.bench().labelCol() == null) {
            // the label comes from the file name, so an unknown value is a file that was renamed
            throw new UsageException(
                    "Cannot read the benchmark: preset jbb-behaviors takes the label from the file name "
                            + "(harmful*: unsafe, benign*: safe, as in harmful-behaviors.csv and benign-behaviors.csv), and "
                            + unknown.size() + " file name" + (unknown.size() == 1 ? "" : "s") + " in " + total + " row"
                            + (total == 1 ? "" : "s") + " match neither: " + String.join(", ", named)
                            + (unknown.size() > named.size() ? ", ..." : "")
                            + "; rename the file to start with harmful or benign, "
                            + "or map its name with --label-map NAME=safe|unsafe ("
                            + o.bench().inputs() + ")");
        }
        throw new UsageException("Cannot read the benchmark: " + unknown.size() + " unknown label value"
                + (unknown.size() == 1 ? "" : "s") + " in " + total + " row" + (total == 1 ? "" : "s") + ": "
                + String.join(", ", named) + (unknown.size() > named.size() ? ", ..." : "")
                + "; known: 0/1, false/true, safe/unsafe, benign/harmful (any case); map others with --label-map "
                + "VALUE=safe|unsafe (" + o.bench().inputs() + ")");
    }
}
