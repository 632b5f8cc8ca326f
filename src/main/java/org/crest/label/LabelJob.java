package org.crest.label;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.sum;
import static org.apache.spark.sql.functions.udf;
import static org.apache.spark.sql.functions.when;

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
import org.crest.Columns;
import org.crest.ConservationException;
import org.crest.ModelException;
import org.crest.inference.ModelBundle;
import org.crest.inference.ModelSession;
import org.crest.io.InputReader;
import org.crest.io.ReadFailures;
import org.crest.io.Source;
import org.crest.io.Units;
import org.crest.langid.DetectLanguage;
import org.crest.model.ModelResolver;
import org.crest.spark.JobSupport;
import org.crest.spark.OutputFiles;
import org.crest.spark.OutputGuard;
import org.crest.spark.S3Committers;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code crest label}: read → validate into units → score valid units in mapPartitions → write
 * Parquet; invalid units go to {@code OUTPUT/_quarantine} with a reason; {@code _crest_summary.json}
 * records the counts, and the job fails unless rows_in = rows_labeled + rows_quarantined.
 */
public final class LabelJob {
    private static final Logger LOG = LoggerFactory.getLogger(LabelJob.class);
    /** Spark setting behind --max-text-chars. */
    /** Above this many input files the per-file ledger goes to _crest_files.parquet instead of the summary. */
    static final int FILES_IN_SUMMARY = 1000;

    private LabelJob() {}

    /**
     * Runs the job; an input file Spark cannot read comes out as a BadInputException naming it. The output is
     * guarded by {@link OutputGuard}: no overlap with the input, a lock, and (local files, HDFS) written into a staging
     * folder that replaces the output only when complete, so a failed run leaves the previous output as it was.
     */
    public static LabelSummary run(SparkSession spark, LabelOptions o) {
        return run(spark, o, (TableOutput) null);
    }

    /**
     * As {@link #run(SparkSession, LabelOptions)}, with the labeled (and quarantined) rows appended to tables
     * ({@link TableOutput}, {@code --output-table}) instead of Parquet in {@code o.output()}, which then holds the summary;
     * null: no tables.
     */
    public static LabelSummary run(SparkSession spark, LabelOptions o, TableOutput tables) {
        long t0 = System.nanoTime();
        String startedAt = Instant.now().toString();
        // s3a:// output goes through the S3A committers (docs/S3.md); other outputs are left as they are
        try (S3Committers.Applied s3 = S3Committers.apply(spark, o.output());
                OutputGuard guard = OutputGuard.claim(spark, "label", o.output(), o.overwrite(), reads(o))) {
            if (tables != null) {
                tables.checkLocations(spark, reads(o), o.output());
            }
            TableOutput.Bound table = tables == null ? null : tables.bind(spark, guard.runId(), null);
            LabelSummary s;
            try {
                s = guard.run(() -> ReadFailures.translating(
                        () -> run(spark, o, guard.writePath(), resolveModel(spark, o), t0, startedAt, table)));
            } catch (ConservationException e) {
                guard.commit(); // its output and summary stay for inspection
                throw e;
            }
            guard.commit();
            return s;
        }
    }

    /**
     * The same run without a guard of its own, for a job that holds the {@link OutputGuard} of the folder
     * {@code o.output()} lies in (evaluate and relabel score into their staging folder).
     */
    public static LabelSummary runGuarded(SparkSession spark, LabelOptions o) {
        long t0 = System.nanoTime();
        String startedAt = Instant.now().toString();
        try (S3Committers.Applied s3 = S3Committers.apply(spark, o.output())) {
            return ReadFailures.translating(
                    () -> run(spark, o, o.output(), resolveModel(spark, o), t0, startedAt, null));
        }
    }

    /** What a label run reads: the inputs, and the model folder when it is one. */
    public static List<OutputGuard.Input> reads(LabelOptions o) {
        List<OutputGuard.Input> in = new java.util.ArrayList<>(OutputGuard.Input.of("--input", o.inputs()));
        in.addAll(OutputGuard.Input.ifLocalFolder("--model", o.model()));
        return in;
    }

    /**
     * The bundle {@code --model} names, checked on the driver (kind, files, finite output) before Spark starts. A
     * remote bundle (s3a://, hdfs://, dbfs:/, an archive) is left to {@link #resolveModel(SparkSession, LabelOptions)},
     * which fetches it with the session's Hadoop settings; then this returns null.
     */
    public static ModelBundle resolveModel(LabelOptions o) {
        if (org.crest.model.RemoteBundles.handles(o.model())) {
            return null;
        }
        return ModelResolver.resolve(o.model(), ModelSession.Kind.CLASSIFIER); // the job WARNs about the demo model
    }

    /**
     * The bundle {@code --model} names, checked (kind, files, finite output), with a WARN when it is the demo model;
     * a remote one is fetched with the session's Hadoop settings (org.crest.spark.Models).
     */
    public static ModelBundle resolveModel(SparkSession spark, LabelOptions o) {
        return org.crest.spark.Models.resolve(spark, o.model(), ModelSession.Kind.CLASSIFIER);
    }

    /**
     * One labeling run into {@code o.output()} with an already resolved bundle (ResumableLabel calls this once per
     * dt= partition, so the model is resolved and hashed once per run).
     */
    public static LabelSummary run(SparkSession spark, LabelOptions o, ModelBundle bundle) {
        return run(spark, o, bundle, null);
    }

    /** As {@link #run(SparkSession, LabelOptions, ModelBundle)}, writing the rows into tables when {@code table} is not null. */
    public static LabelSummary run(SparkSession spark, LabelOptions o, ModelBundle bundle, TableOutput.Bound table) {
        return run(
                spark, o, o.output(), bundle, System.nanoTime(), Instant.now().toString(), table);
    }

    /** One run that writes into {@code writeTo} (the output, or its staging folder); the summary names the output. */
    private static LabelSummary run(
            SparkSession spark,
            LabelOptions o,
            String writeTo,
            ModelBundle bundle,
            long t0,
            String startedAt,
            TableOutput.Bound table) {
        int unsafeIndex = bundle.unsafeIndex(o.unsafeLabel());
        ScoringSettings settings = new ScoringSettings(
                o.maxTokens(),
                o.windowStride(),
                o.batchTokens(),
                o.maxBatchSize(),
                o.chunkRows(),
                o.device(),
                JobSupport.intraOpThreads(spark, o.intraOpThreads()),
                unsafeIndex,
                o.threshold());

        Path out = new Path(writeTo);
        FileSystem fs = JobSupport.claimOutput(spark, writeTo, o.overwrite(), false);

        String field = o.messagesCol() == null ? o.textCol() : o.messagesCol();
        spark.sparkContext().setJobDescription("crest label: read and check " + o.inputs());
        Source source = InputReader.readExact(spark, o.inputs(), o.format(), List.of(field));
        Units units = (o.messagesCol() == null
                        ? Units.flat(source, o.textCol())
                        : Units.messages(source, o.messagesCol(), o.roles()))
                .withMaxTextChars(o.maxTextChars());
        // the units are kept (memory, spilling to disk) so that the input is read once for labeling: the
        // quarantine and the per-file counts come from the kept units, not from a new read
        Dataset<Row> unitRows = source.rows()
                .flatMap(units, Encoders.row(units.schema()))
                .persist(org.apache.spark.storage.StorageLevel.MEMORY_AND_DISK_SER());
        try {
            return score(spark, o, writeTo, bundle, t0, startedAt, settings, out, fs, source, units, unitRows, table);
        } finally {
            unitRows.unpersist();
        }
    }

    private static LabelSummary score(
            SparkSession spark,
            LabelOptions o,
            String writeTo,
            ModelBundle bundle,
            long t0,
            String startedAt,
            ScoringSettings settings,
            Path out,
            FileSystem fs,
            Source source,
            Units units,
            Dataset<Row> unitRows,
            TableOutput.Bound table) {
        int unsafeIndex = settings.unsafeIndex();
        Dataset<Row> good = unitRows.where(
                        col(Columns.ERROR_COL).isNull().and(col(Units.SKIP_COL).isNull()))
                .drop(Columns.ERROR_COL, Columns.RECORD_COL)
                .drop(Units.internalColumns());
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
        ScorePartition scorer = new ScorePartition(
                bundle,
                JobSupport.ship(spark, bundle),
                settings,
                good.schema().fieldIndex(units.textColumn()),
                metrics,
                ScorePartition.Prefetch.parse(spark.conf().get(ScorePartition.PREFETCH_CONF, "auto")));
        spark.sparkContext()
                .setJobDescription(
                        "crest label: score " + source.files().size() + " file(s) with " + bundle.id() + " and write "
                                + (table == null
                                        ? o.output()
                                        : "table " + table.tables().table()));
        long tl = System.nanoTime();
        Dataset<Row> scored = good.mapPartitions(scorer, Encoders.row(outSchema));
        if (o.detectLanguage()) {
            scored = scored.withColumn(
                    Columns.LANG_COL,
                    udf(new DetectLanguage(), DataTypes.StringType)
                            .apply(scored.col("`" + units.textColumn().replace("`", "``") + "`")));
        }
        if (table == null) {
            scored.write()
                    .mode(o.overwrite() ? SaveMode.Overwrite : SaveMode.ErrorIfExists)
                    .parquet(writeTo);
        } else {
            table.writeLabeled(scored);
        }
        double labelSeconds = (System.nanoTime() - tl) / 1e9;

        spark.sparkContext().setJobDescription("crest label: write the quarantine");
        String qdir = new Path(out, Columns.QUARANTINE_DIR).toString();
        Dataset<Row> rejected =
                unitRows.where(col(Columns.ERROR_COL).isNotNull()).drop(Units.internalColumns());
        // rows whose model output was NaN or infinite: never labeled, quarantined as non_finite_score (ScorePartition)
        List<Row> nonFinite = nonFiniteRows(bundle, metrics);
        if (!nonFinite.isEmpty()) {
            StructType nfSchema = good.schema()
                    .add(Columns.ERROR_COL, DataTypes.StringType, true)
                    .add(Columns.RECORD_COL, DataTypes.StringType, true);
            rejected = rejected.unionByName(spark.createDataFrame(nonFinite, nfSchema));
        }
        boolean quarantineTable = table != null && table.hasQuarantineTable();
        if (quarantineTable) {
            table.writeQuarantine(rejected);
        } else {
            rejected.write().mode(SaveMode.Overwrite).parquet(qdir);
        }
        // what is counted is read back from where it was written: the Parquet folders, or the tables
        Dataset<Row> labeledBack = table == null ? spark.read().parquet(writeTo) : table.labeledRows();
        Dataset<Row> quarantinedBack =
                quarantineTable ? table.quarantineRows() : spark.read().parquet(qdir);

        spark.sparkContext().setJobDescription("crest label: count input and check conservation");
        FileLedger ledger = FileLedger.count(spark, source, unitRows, units.isMessages());
        long rowsIn = units.isMessages() ? ledger.unitsOut() : ledger.recordsIn();
        Row agg = labeledBack
                .agg(
                        count(lit(1)),
                        sum(when(col(Columns.LABEL_COL).equalTo("unsafe"), 1).otherwise(0)),
                        sum(col(Columns.WINDOWS_COL).cast(DataTypes.LongType)),
                        sum(col(Columns.TOKENS_COL).cast(DataTypes.LongType)))
                .first();
        long labeled = agg.getLong(0);
        long unsafe = agg.isNullAt(1) ? 0 : agg.getLong(1);
        long windows = agg.isNullAt(2) ? 0 : agg.getLong(2);
        long tokens = agg.isNullAt(3) ? 0 : agg.getLong(3);
        if (labeled == 0 && !nonFinite.isEmpty()) {
            throw new ModelException(
                    "Cannot label with model " + bundle.id() + " (" + bundle.dir() + "): it gave a NaN or "
                            + "infinite score for every row it scored (" + nonFinite.size()
                            + "); the model is broken (NaN or infinite "
                            + "weights, or a float16 overflow), so nothing was labeled");
        }
        Map<String, Long> reasons = new TreeMap<>();
        long quarantined = 0;
        for (Row r : quarantinedBack.groupBy(Columns.ERROR_COL).count().collectAsList()) {
            reasons.put(r.getString(0), r.getLong(1));
            quarantined += r.getLong(1);
        }
        Map<String, Long> languages = null;
        if (o.detectLanguage()) {
            spark.sparkContext().setJobDescription("crest label: count languages");
            languages = new TreeMap<>();
            for (Row r : labeledBack.groupBy(Columns.LANG_COL).count().collectAsList()) {
                languages.put(r.isNullAt(0) ? DetectLanguage.UNDETERMINED : r.getString(0), r.getLong(1));
            }
        }
        spark.sparkContext().setJobDescription(null);

        double elapsed = (System.nanoTime() - t0) / 1e9;
        long real = metrics.realTokens.value();
        long computed = metrics.computedTokens.value();
        // the ledger counts a non-finite row as a unit to label (its file's sum is the same either way); the output
        // holds it in the quarantine instead
        long nonFiniteCount = nonFinite.size();
        String problem = ledger.problem(labeled + nonFiniteCount, quarantined - nonFiniteCount);
        boolean conserved = rowsIn == labeled + quarantined && problem == null;
        String filesParquet = null;
        List<FileLedger.FileCount> perFile = ledger.files();
        if (perFile.size() > FILES_IN_SUMMARY) {
            filesParquet = new Path(out, Columns.FILES_LEDGER).toString();
            ledger.write(spark, filesParquet);
            perFile = null;
        }
        LabelSummary summary = LabelSummary.builder()
                .status(
                        conserved
                                ? "ok"
                                : "failed: "
                                        + (problem != null ? problem : "rows_in != rows_labeled + rows_quarantined"))
                .rowsIn(rowsIn)
                .rowsLabeled(labeled)
                .rowsQuarantined(quarantined)
                .unsafe(unsafe)
                .safe(labeled - unsafe)
                .threshold(o.threshold())
                .model(bundle.id())
                .modelIsDemo(bundle.isDemo())
                .unsafeLabel(bundle.labels().get(unsafeIndex))
                .input(o.inputs())
                .inputFormat(source.format().toString())
                .inputFiles(source.files().size())
                .output(o.output())
                .mode(o.overwrite() ? "overwrite" : "error-if-exists")
                .windows(windows)
                .contentTokens(tokens)
                .modelTokens(real)
                .computedTokens(computed)
                .paddingEfficiency(computed == 0 ? 1.0 : (double) real / computed)
                .batches(metrics.batches.value())
                .chunksTokenizedAhead(metrics.tokenizedAhead.value())
                .sessionsCreated(metrics.sessions.value())
                .sessionsPerExecutor(metrics.sessionsPerExecutor(bundle.id()))
                .quarantineReasons(reasons)
                .labelSeconds(round(labelSeconds))
                .elapsedSeconds(round(elapsed))
                .rowsPerSecond(round(labeled / Math.max(labelSeconds, 1e-9)))
                .tokensPerSecond(round(real / Math.max(labelSeconds, 1e-9)))
                .startedAt(startedAt)
                .finishedAt(Instant.now().toString())
                .languages(languages)
                .inputCheck(source.check())
                .recordsIn(ledger.recordsIn())
                .notSelected(ledger.notSelected())
                .files(perFile)
                .filesLedger(filesParquet)
                .build();
        if (table == null) {
            writeSummary(fs, new Path(out, Columns.SUMMARY_FILE), summary);
        } else {
            OutputFiles.writeJson(
                    fs, new Path(out, Columns.SUMMARY_FILE), table.tables().annotate(summary, table.runId()));
        }
        if (!conserved) {
            throw new ConservationException("Cannot finish: "
                    + (problem != null
                            ? problem
                            : "rows_in = " + rowsIn
                                    + " but rows_labeled + rows_quarantined = " + labeled + " + " + quarantined + " = "
                                    + (labeled + quarantined))
                    + (table == null
                            ? ""
                            : " (counted in table " + table.tables().table()
                                    + (quarantineTable
                                            ? " and " + table.tables().quarantineTable()
                                            : "")
                                    + " after the write, rows with " + TableOutput.RUN_ID_COL + " = " + table.runId()
                                    + ")")
                    + "; see " + new Path(o.output(), Columns.SUMMARY_FILE));
        }
        LOG.info(
                "Labeled {} rows ({} unsafe), quarantined {} {}, in {} s; summary at {}",
                labeled,
                unsafe,
                quarantined,
                reasons,
                round(elapsed),
                new Path(o.output(), Columns.SUMMARY_FILE));
        return summary;
    }

    /**
     * The rows whose score was NaN or infinite ({@link ScorePartition}): never labeled, they join the quarantine
     * with reason {@link Units#NON_FINITE_SCORE}. A model that gives more than {@link ScorePartition#MAX_NON_FINITE_ROWS}
     * of them in one task is broken: the run stops, naming it.
     */
    private static List<Row> nonFiniteRows(ModelBundle bundle, ScorePartition.Metrics metrics) {
        long n = metrics.nonFinite.value();
        List<Row> rows = metrics.nonFiniteRows.value();
        if (n > rows.size()) {
            throw new ModelException(
                    "Cannot label with model " + bundle.id() + " (" + bundle.dir() + "): it gave a NaN or "
                            + "infinite score for " + n + " rows, more than " + ScorePartition.MAX_NON_FINITE_ROWS
                            + " in one task; "
                            + "the model is broken (NaN or infinite weights, or a float16 overflow), so nothing was labeled");
        }
        if (n > 0) {
            LOG.warn(
                    "Model {} gave a NaN or infinite score for {} row(s): they are not labeled, but quarantined as {}",
                    bundle.id(),
                    n,
                    Units.NON_FINITE_SCORE);
        }
        return rows;
    }

    static void writeSummary(FileSystem fs, Path file, LabelSummary summary) {
        OutputFiles.writeJson(fs, file, summary);
    }

    private static double round(double v) {
        return Math.round(v * 1000) / 1000.0;
    }
}
