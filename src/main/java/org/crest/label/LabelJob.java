package org.crest.label;

import org.crest.Columns;

import org.crest.ConservationException;
import org.crest.io.Units;
import org.crest.label.resume.ResumableLabel;
import org.crest.langid.DetectLanguage;
import org.crest.spark.JobSupport;
import org.crest.spark.OutputFiles;
import org.crest.spark.S3Committers;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.sum;
import static org.apache.spark.sql.functions.udf;
import static org.apache.spark.sql.functions.when;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.crest.inference.ModelBundle;
import org.crest.model.ModelResolver;
import org.crest.io.InputReader;
import org.crest.io.ReadFailures;
import org.crest.io.Source;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code crest label}: read → validate into units → score valid units in mapPartitions → write
 * Parquet; invalid units go to {@code OUTPUT/_quarantine} with a reason; {@code _crest_summary.json}
 * records the counts, and the job fails unless rows_in = rows_labeled + rows_quarantined.
 */
public final class LabelJob {
  private static final Logger LOG = LoggerFactory.getLogger(LabelJob.class);

  private LabelJob() {}

  /** Runs the job; an input file Spark cannot read comes out as a BadInputException naming it. */
  public static LabelSummary run(SparkSession spark, LabelOptions o) {
    // s3a:// output goes through the S3A committers (docs/S3.md); other outputs are left as they are
    try (S3Committers.Applied s3 = S3Committers.apply(spark, o.output())) {
      return ReadFailures.translating(() -> label(spark, o));
    }
  }

  private static LabelSummary label(SparkSession spark, LabelOptions o) {
    long t0 = System.nanoTime();
    String startedAt = Instant.now().toString();
    Path out = new Path(o.output());
    FileSystem fs = JobSupport.fileSystem(spark, out);
    boolean fresh;
    try {
      fresh = !fs.exists(out);
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot check output " + out, e);
    }
    try {
      return run(spark, o, resolveModel(o), t0, startedAt);
    } catch (ConservationException e) {
      throw e; // its output and summary stay for inspection
    } catch (Exception | Error e) { // Spark's exceptions are checked ones that Scala throws undeclared
      if (fresh) {
        // a failed run leaves no half-written output behind, so the same command can simply run again
        try {
          if (fs.exists(out) && fs.delete(out, true)) {
            LOG.warn("Removed the partial output {} of the failed run", out);
          }
        } catch (IOException cleanup) {
          e.addSuppressed(cleanup);
        }
      }
      throw e;
    }
  }

  /** The bundle {@code --model} names, with a WARN when it is the demo model. */
  public static ModelBundle resolveModel(LabelOptions o) {
    ModelBundle bundle = ModelResolver.resolve(o.model());
    if (bundle.isDemo()) {
      LOG.warn("Using the bundled demo model {}: a tiny random-weight test fixture, its labels mean nothing. "
          + "For real labels pass --model DIR with an ONNX export of repelloai/CREST-Base (see README).", bundle.id());
    }
    return bundle;
  }

  /**
   * One labeling run into {@code o.output()} with an already resolved bundle (ResumableLabel calls this once per
   * dt= partition, so the model is resolved and hashed once per run).
   */
  public static LabelSummary run(SparkSession spark, LabelOptions o, ModelBundle bundle) {
    return run(spark, o, bundle, System.nanoTime(), Instant.now().toString());
  }

  private static LabelSummary run(SparkSession spark, LabelOptions o, ModelBundle bundle, long t0, String startedAt) {
    int unsafeIndex = bundle.unsafeIndex(o.unsafeLabel());
    ScoringSettings settings = new ScoringSettings(o.maxTokens(), o.windowStride(), o.batchTokens(),
        o.maxBatchSize(), o.chunkRows(), o.device(), JobSupport.intraOpThreads(spark, o.intraOpThreads()), unsafeIndex, o.threshold());

    Path out = new Path(o.output());
    FileSystem fs = JobSupport.claimOutput(spark, o.output(), o.overwrite(), false);

    String field = o.messagesCol() == null ? o.textCol() : o.messagesCol();
    Source source = InputReader.read(spark, o.inputs(), o.format(), List.of(field));
    Units units = o.messagesCol() == null ? Units.flat(source, o.textCol())
        : Units.messages(source, o.messagesCol(), o.roles());
    Dataset<Row> unitRows = source.rows().flatMap(units, Encoders.row(units.schema()));

    Dataset<Row> good = unitRows.where(col(Columns.ERROR_COL).isNull()).drop(Columns.ERROR_COL, Columns.RECORD_COL);
    if (o.repartition() > 0) {
      good = good.repartition(o.repartition());
    }
    StructType outSchema = good.schema()
        .add(Columns.SCORE_COL, DataTypes.DoubleType, false)
        .add(Columns.LABEL_COL, DataTypes.StringType, false)
        .add(Columns.WINDOWS_COL, DataTypes.IntegerType, false)
        .add(Columns.TOKENS_COL, DataTypes.IntegerType, false)
        .add(Columns.MODEL_COL, DataTypes.StringType, false);
    ScorePartition.Metrics metrics = new ScorePartition.Metrics(spark.sparkContext());
    ScorePartition scorer = new ScorePartition(bundle, JobSupport.ship(spark, bundle), settings,
        good.schema().fieldIndex(units.textColumn()), metrics);
    spark.sparkContext().setJobDescription("crest label: score " + o.inputs() + " with " + bundle.id());
    long tl = System.nanoTime();
    Dataset<Row> scored = good.mapPartitions(scorer, Encoders.row(outSchema));
    if (o.detectLanguage()) {
      scored = scored.withColumn(Columns.LANG_COL, udf(new DetectLanguage(), DataTypes.StringType)
          .apply(scored.col(units.textColumn())));
    }
    scored.write().mode(o.overwrite() ? SaveMode.Overwrite : SaveMode.ErrorIfExists).parquet(o.output());
    double labelSeconds = (System.nanoTime() - tl) / 1e9;

    spark.sparkContext().setJobDescription("crest label: quarantine");
    String qdir = new Path(out, Columns.QUARANTINE_DIR).toString();
    unitRows.where(col(Columns.ERROR_COL).isNotNull()).write().mode(SaveMode.Overwrite).parquet(qdir);

    spark.sparkContext().setJobDescription("crest label: count input and check conservation");
    long rowsIn = unitRows.count();
    Row agg = spark.read().parquet(o.output())
        .agg(count(lit(1)), sum(when(col(Columns.LABEL_COL).equalTo("unsafe"), 1).otherwise(0)),
            sum(col(Columns.WINDOWS_COL).cast(DataTypes.LongType)), sum(col(Columns.TOKENS_COL).cast(DataTypes.LongType)))
        .first();
    long labeled = agg.getLong(0);
    long unsafe = agg.isNullAt(1) ? 0 : agg.getLong(1);
    long windows = agg.isNullAt(2) ? 0 : agg.getLong(2);
    long tokens = agg.isNullAt(3) ? 0 : agg.getLong(3);
    Map<String, Long> reasons = new TreeMap<>();
    long quarantined = 0;
    for (Row r : spark.read().parquet(qdir).groupBy(Columns.ERROR_COL).count().collectAsList()) {
      reasons.put(r.getString(0), r.getLong(1));
      quarantined += r.getLong(1);
    }
    Map<String, Long> languages = null;
    if (o.detectLanguage()) {
      spark.sparkContext().setJobDescription("crest label: count languages");
      languages = new TreeMap<>();
      for (Row r : spark.read().parquet(o.output()).groupBy(Columns.LANG_COL).count().collectAsList()) {
        languages.put(r.isNullAt(0) ? DetectLanguage.UNDETERMINED : r.getString(0), r.getLong(1));
      }
    }
    spark.sparkContext().setJobDescription(null);

    double elapsed = (System.nanoTime() - t0) / 1e9;
    long real = metrics.realTokens.value();
    long computed = metrics.computedTokens.value();
    boolean conserved = rowsIn == labeled + quarantined;
    LabelSummary summary = LabelSummary.builder()
        .status(conserved ? "ok" : "failed: rows_in != rows_labeled + rows_quarantined")
        .rowsIn(rowsIn).rowsLabeled(labeled).rowsQuarantined(quarantined).unsafe(unsafe).safe(labeled - unsafe)
        .threshold(o.threshold()).model(bundle.id()).modelIsDemo(bundle.isDemo())
        .unsafeLabel(bundle.labels().get(unsafeIndex)).input(o.inputs()).inputFormat(source.format().toString())
        .inputFiles(source.files().size()).output(o.output()).mode(o.overwrite() ? "overwrite" : "error-if-exists")
        .windows(windows).contentTokens(tokens).modelTokens(real).computedTokens(computed)
        .paddingEfficiency(computed == 0 ? 1.0 : (double) real / computed).batches(metrics.batches.value())
        .sessionsCreated(metrics.sessions.value()).sessionsPerExecutor(metrics.sessionsPerExecutor(bundle.id()))
        .quarantineReasons(reasons).labelSeconds(round(labelSeconds)).elapsedSeconds(round(elapsed))
        .rowsPerSecond(round(labeled / Math.max(labelSeconds, 1e-9)))
        .tokensPerSecond(round(real / Math.max(labelSeconds, 1e-9))).startedAt(startedAt)
        .finishedAt(Instant.now().toString()).languages(languages).inputCheck(source.check())
        .build();
    writeSummary(fs, new Path(out, Columns.SUMMARY_FILE), summary);
    if (!conserved) {
      throw new ConservationException("Cannot finish: rows_in = " + rowsIn + " but rows_labeled + rows_quarantined = "
          + labeled + " + " + quarantined + " = " + (labeled + quarantined) + "; see " + new Path(out, Columns.SUMMARY_FILE));
    }
    LOG.info("Labeled {} rows ({} unsafe), quarantined {} {}, in {} s; summary at {}", labeled, unsafe, quarantined,
        reasons, round(elapsed), new Path(out, Columns.SUMMARY_FILE));
    return summary;
  }

  static void writeSummary(FileSystem fs, Path file, LabelSummary summary) {
    OutputFiles.writeJson(fs, file, summary);
  }

  private static double round(double v) {
    return Math.round(v * 1000) / 1000.0;
  }
}
