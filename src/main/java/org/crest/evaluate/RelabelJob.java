package org.crest.evaluate;

import static org.apache.spark.sql.functions.abs;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.sum;
import static org.apache.spark.sql.functions.when;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.crest.Columns;
import org.crest.io.Csv;
import org.crest.spark.JobSupport;
import org.crest.spark.OutputGuard;

/**
 * {@code crest relabel}: score a labeled dataset with the label job and write every row with its original
 * label ({@code eval_label}, normalised; {@code eval_label_raw}, as found), {@code crest_score},
 * {@code crest_label} and {@code crest_agrees} to {@code OUTPUT/rows/}; the disagreeing rows again, most
 * confident first (|crest_score - threshold| descending), in one file under {@code OUTPUT/disagreements/}; and
 * the disagreement rates per dataset × language in {@code OUTPUT/disagreements.csv}.
 */
public final class RelabelJob {
    public static final String SCORED_DIR = "_scored";
    public static final String ROWS_DIR = "rows";
    public static final String DISAGREEMENTS_DIR = "disagreements";
    public static final String DISAGREEMENTS_CSV = "disagreements.csv";
    /** Row counts and the per-file ledger of the run. */
    public static final String SUMMARY_JSON = "relabel.json";

    public static final String AGREES_COL = "crest_agrees";
    public static final String MARGIN_COL = "crest_margin";

    private RelabelJob() {}

    /** Disagreements of one dataset × language: model unsafe / label safe, and model safe / label unsafe. */
    public record Rate(
            String dataset,
            String lang,
            long n,
            long disagreements,
            long modelUnsafeLabelSafe,
            long modelSafeLabelUnsafe) {
        public double rate() {
            return n == 0 ? 0.0 : (double) disagreements / n;
        }
    }

    public record Result(BenchmarkScoring.Scored scored, List<Rate> rates) {
        public long disagreements() {
            return rates.stream().mapToLong(Rate::disagreements).sum();
        }
    }

    /**
     * Runs the job under {@link OutputGuard}: no overlap with the input, a lock on the output, and (local files, HDFS)
     * a staging folder that replaces the output only when the run is complete.
     */
    public static Result run(SparkSession spark, EvalOptions o) {
        try (OutputGuard guard = OutputGuard.claim(spark, "relabel", o.output(), o.overwrite(), o.reads())) {
            Result r = guard.run(() -> relabel(spark, o.writingTo(guard.writePath())));
            guard.commit();
            return new Result(r.scored().movedTo(o.output()), r.rates());
        }
    }

    private static Result relabel(SparkSession spark, EvalOptions o) {
        BenchmarkScoring.Scored s = BenchmarkScoring.run(spark, o, SCORED_DIR, "relabel");
        spark.sparkContext().setJobDescription("crest relabel: agreement");
        Dataset<Row> rows = spark.read()
                .parquet(s.scoredDir())
                .withColumn(AGREES_COL, col(BenchmarkRows.LABEL).equalTo(col(Columns.LABEL_COL)));
        rows.write().mode(SaveMode.ErrorIfExists).parquet(new Path(o.output(), ROWS_DIR).toString());
        Dataset<Row> written = spark.read().parquet(new Path(o.output(), ROWS_DIR).toString());
        written.where(col(AGREES_COL).equalTo(false))
                .withColumn(MARGIN_COL, abs(col(Columns.SCORE_COL).minus(o.threshold())))
                .orderBy(col(MARGIN_COL).desc(), col(BenchmarkRows.DATASET), col(BenchmarkRows.LANG))
                .coalesce(1)
                .write()
                .parquet(new Path(o.output(), DISAGREEMENTS_DIR).toString());
        List<Rate> rates = new ArrayList<>();
        for (Row r : written.groupBy(BenchmarkRows.DATASET, BenchmarkRows.LANG)
                .agg(
                        sum(lit(1L)),
                        sum(when(col(AGREES_COL), 0L).otherwise(1L)),
                        sum(when(
                                        col(AGREES_COL)
                                                .equalTo(false)
                                                .and(col(Columns.LABEL_COL).equalTo(LabelMapping.UNSAFE)),
                                        1L)
                                .otherwise(0L)),
                        sum(when(
                                        col(AGREES_COL)
                                                .equalTo(false)
                                                .and(col(Columns.LABEL_COL).equalTo(LabelMapping.SAFE)),
                                        1L)
                                .otherwise(0L)))
                .collectAsList()) {
            rates.add(new Rate(r.getString(0), r.getString(1), r.getLong(2), r.getLong(3), r.getLong(4), r.getLong(5)));
        }
        rates.sort(Comparator.comparing((Rate x) -> Metrics.datasetOrder(x.dataset()))
                .thenComparing(x -> Metrics.langOrder(x.lang())));
        spark.sparkContext().setJobDescription(null);
        StringBuilder csv = new StringBuilder(Csv.line(List.of(
                "dataset",
                "lang",
                "n",
                "disagreements",
                "disagreement_rate",
                "model_unsafe_label_safe",
                "model_safe_label_unsafe")));
        long n = 0;
        long d = 0;
        long us = 0;
        long su = 0;
        for (Rate r : rates) {
            csv.append(Csv.line(List.of(
                    r.dataset(),
                    r.lang(),
                    r.n(),
                    r.disagreements(),
                    r.rate(),
                    r.modelUnsafeLabelSafe(),
                    r.modelSafeLabelUnsafe())));
            n += r.n();
            d += r.disagreements();
            us += r.modelUnsafeLabelSafe();
            su += r.modelSafeLabelUnsafe();
        }
        Rate all = new Rate("all", "all", n, d, us, su);
        csv.append(Csv.line(List.of("all", "all", n, d, all.rate(), us, su)));
        FileSystem fs = JobSupport.fileSystem(spark, new Path(o.output()));
        org.crest.spark.OutputFiles.write(fs, new Path(o.output(), DISAGREEMENTS_CSV), csv.toString());
        org.crest.spark.OutputFiles.write(fs, new Path(o.output(), SUMMARY_JSON), summaryJson(s, o));
        return new Result(s, rates);
    }

    /** relabel.json: the input, the row counts (as metrics.json's rows) and the per-file ledger. */
    static String summaryJson(BenchmarkScoring.Scored s, EvalOptions o) {
        java.util.Map<String, Object> m = new java.util.LinkedHashMap<>();
        m.put("model", s.label().model());
        m.put("input", o.bench().inputs());
        m.put("preset", o.bench().preset().cliName());
        m.put("rows", EvaluateJob.rowCounts(s));
        m.put("files", s.files().stream().map(FileCount::json).toList());
        try {
            return new com.fasterxml.jackson.databind.ObjectMapper()
                            .enable(com.fasterxml.jackson.databind.SerializationFeature.INDENT_OUTPUT)
                            .writeValueAsString(m)
                    + "\n";
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
