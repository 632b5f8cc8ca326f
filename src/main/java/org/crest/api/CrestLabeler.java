package org.crest.api;

import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.spark.ml.Transformer;
import org.apache.spark.ml.param.DoubleParam;
import org.apache.spark.ml.param.IntParam;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.ml.param.StringArrayParam;
import org.apache.spark.ml.util.DefaultParamsReader;
import org.apache.spark.ml.util.DefaultParamsWritable;
import org.apache.spark.ml.util.Identifiable;
import org.apache.spark.ml.util.MLReader;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.crest.Columns;
import org.crest.UsageException;
import org.crest.inference.Device;
import org.crest.inference.ModelBundle;
import org.crest.label.ScoringSettings;
import org.crest.spark.JobSupport;
import org.crest.spark.Models;

/**
 * CREST as a Spark ML {@link Transformer}: adds crest_score, crest_label, crest_windows, crest_tokens, crest_model
 * and crest_error to every row of a DataFrame, scored as {@code crest label} scores (the same per-executor session
 * cache, windows and length-sorted batches). A row that cannot be scored (null text, NUL byte, empty
 * conversation...) keeps its place with null scores and a reason code in crest_error; rows out = rows in.
 *
 * <pre>{@code
 * Dataset<Row> labeled = new CrestLabeler().setModel("s3a://bucket/models/crest-base-onnx")
 *     .setTextCol("text").setThreshold(0.5).transform(df);
 * }</pre>
 *
 * <p>{@code model} takes any {@code --model} form (demo, hf:ORG/NAME, a bundle folder, a Hadoop URI, an archive).
 * The model is resolved on the driver when {@link #transform} is called and shipped to executors as {@code label}
 * ships it; the result is lazy like any DataFrame. Saved and loaded with {@link #save}/{@link #load} (parameters
 * only, the model is resolved again by its {@code model} value).
 */
public final class CrestLabeler extends Transformer implements DefaultParamsWritable {
    private static final long serialVersionUID = 1L;

    private final String uid;
    private final Param<String> model;
    private final Param<String> textCol;
    private final Param<String> messagesCol;
    private final StringArrayParam roles;
    private final Param<String> unsafeLabel;
    private final DoubleParam threshold;
    private final IntParam maxTokens;
    private final IntParam windowStride;
    private final IntParam batchTokens;
    private final IntParam maxBatchSize;
    private final IntParam chunkRows;
    private final Param<String> device;
    private final IntParam intraOpThreads;

    /** Resolved on the driver, per model value (not serialized). */
    private transient ModelBundle resolved;

    private transient String resolvedFor;

    public CrestLabeler() {
        this(Identifiable.randomUID("crestLabeler"));
    }

    public CrestLabeler(String uid) {
        this.uid = uid;
        model = new Param<>(
                this,
                "model",
                "model bundle: demo, hf:ORG/NAME[@REV], a folder, a Hadoop URI (s3a://, "
                        + "hdfs://, dbfs:/) or a .zip/.tar.gz archive of a bundle");
        textCol = new Param<>(this, "textCol", "string column holding the text to score");
        messagesCol = new Param<>(
                this,
                "messagesCol",
                "array<struct<role, content>> column: score the conversation "
                        + "(maximum over its selected messages); empty = use textCol");
        roles = new StringArrayParam(this, "roles", "with messagesCol: roles to score; empty = all");
        unsafeLabel = new Param<>(
                this,
                "unsafeLabel",
                "the unsafe class: a label name from config.json id2label or "
                        + "an index; empty = the label named unsafe, else index 1");
        threshold = new DoubleParam(this, "threshold", "crest_label is unsafe when crest_score >= threshold");
        maxTokens = new IntParam(this, "maxTokens", "longest window the model sees, <s> and </s> included");
        windowStride =
                new IntParam(this, "windowStride", "longer texts are split into windows starting every N tokens");
        batchTokens = new IntParam(this, "batchTokens", "token budget of one model batch");
        maxBatchSize = new IntParam(this, "maxBatchSize", "most windows in one model batch");
        chunkRows = new IntParam(this, "chunkRows", "rows a task sorts by length before batching");
        device = new Param<>(this, "device", "auto, cpu or cuda");
        intraOpThreads = new IntParam(this, "intraOpThreads", "ONNX Runtime threads per task; 0 = spark.task.cpus");
        setDefault(model, "demo");
        setDefault(textCol, "text");
        setDefault(messagesCol, "");
        setDefault(roles, new String[0]);
        setDefault(unsafeLabel, "");
        setDefault(threshold, 0.5);
        setDefault(maxTokens, 512);
        setDefault(windowStride, 256);
        setDefault(batchTokens, 4096);
        setDefault(maxBatchSize, 64);
        setDefault(chunkRows, 4096);
        setDefault(device, "auto");
        setDefault(intraOpThreads, 0);
    }

    @Override
    public String uid() {
        return uid;
    }

    public Param<String> model() {
        return model;
    }

    public Param<String> textCol() {
        return textCol;
    }

    public Param<String> messagesCol() {
        return messagesCol;
    }

    public StringArrayParam roles() {
        return roles;
    }

    public Param<String> unsafeLabel() {
        return unsafeLabel;
    }

    public DoubleParam threshold() {
        return threshold;
    }

    public IntParam maxTokens() {
        return maxTokens;
    }

    public IntParam windowStride() {
        return windowStride;
    }

    public IntParam batchTokens() {
        return batchTokens;
    }

    public IntParam maxBatchSize() {
        return maxBatchSize;
    }

    public IntParam chunkRows() {
        return chunkRows;
    }

    public Param<String> device() {
        return device;
    }

    public IntParam intraOpThreads() {
        return intraOpThreads;
    }

    public CrestLabeler setModel(String v) {
        set(model, v);
        return this;
    }

    public CrestLabeler setTextCol(String v) {
        set(textCol, v);
        return this;
    }

    public CrestLabeler setMessagesCol(String v) {
        set(messagesCol, v == null ? "" : v);
        return this;
    }

    public CrestLabeler setRoles(String... v) {
        set(roles, v);
        return this;
    }

    public CrestLabeler setUnsafeLabel(String v) {
        set(unsafeLabel, v == null ? "" : v);
        return this;
    }

    public CrestLabeler setThreshold(double v) {
        set(threshold, v);
        return this;
    }

    public CrestLabeler setMaxTokens(int v) {
        set(maxTokens, v);
        return this;
    }

    public CrestLabeler setWindowStride(int v) {
        set(windowStride, v);
        return this;
    }

    public CrestLabeler setBatchTokens(int v) {
        set(batchTokens, v);
        return this;
    }

    public CrestLabeler setMaxBatchSize(int v) {
        set(maxBatchSize, v);
        return this;
    }

    public CrestLabeler setChunkRows(int v) {
        set(chunkRows, v);
        return this;
    }

    public CrestLabeler setDevice(String v) {
        Device.parse(v); // refuse a bad value at once
        set(device, v);
        return this;
    }

    public CrestLabeler setIntraOpThreads(int v) {
        set(intraOpThreads, v);
        return this;
    }

    /** The six columns this transformer adds, in order. */
    public static List<String> outputColumns() {
        return List.of(
                Columns.SCORE_COL,
                Columns.LABEL_COL,
                Columns.WINDOWS_COL,
                Columns.TOKENS_COL,
                Columns.MODEL_COL,
                Columns.ERROR_COL);
    }

    private int intOf(IntParam p) {
        return (Integer) $(p);
    }

    private boolean messagesMode() {
        return !$(messagesCol).isBlank();
    }

    @Override
    public StructType transformSchema(StructType schema) {
        List<String> names = List.of(schema.fieldNames());
        String col = messagesMode() ? $(messagesCol) : $(textCol);
        if (!names.contains(col)) {
            throw new UsageException("Cannot label: the DataFrame has no column '" + col + "' (columns: " + names
                    + "); " + "set " + (messagesMode() ? "messagesCol" : "textCol") + " to the right one");
        }
        DataType t = schema.apply(col).dataType();
        if (messagesMode()) {
            if (!(t instanceof ArrayType a
                    && a.elementType() instanceof StructType el
                    && List.of(el.fieldNames()).contains("content")
                    && el.apply("content").dataType().equals(DataTypes.StringType))) {
                throw new UsageException("Cannot label: messages column '" + col + "' has type " + t.simpleString()
                        + ", expected an array of {role, content} structs with string content (parse JSON text first with "
                        + "from_json)");
            }
        } else if (!t.equals(DataTypes.StringType)) {
            throw new UsageException(
                    "Cannot label: text column '" + col + "' has type " + t.simpleString() + ", expected string");
        }
        for (String c : outputColumns()) {
            if (names.contains(c)) {
                throw new UsageException("Cannot label: the DataFrame already has a column '" + c
                        + "' (drop or rename it " + "first; crest adds " + outputColumns() + ")");
            }
        }
        return schema.add(Columns.SCORE_COL, DataTypes.DoubleType, true)
                .add(Columns.LABEL_COL, DataTypes.StringType, true)
                .add(Columns.WINDOWS_COL, DataTypes.IntegerType, true)
                .add(Columns.TOKENS_COL, DataTypes.IntegerType, true)
                .add(Columns.MODEL_COL, DataTypes.StringType, false)
                .add(Columns.ERROR_COL, DataTypes.StringType, true);
    }

    @Override
    public Dataset<Row> transform(Dataset<?> dataset) {
        StructType out = transformSchema(dataset.schema());
        SparkSession spark = dataset.sparkSession();
        ModelBundle bundle = bundle(spark);
        String ul = $(unsafeLabel);
        int unsafeIndex = bundle.unsafeIndex(ul.isBlank() ? null : ul);
        ScoringSettings settings = new ScoringSettings(
                intOf(maxTokens),
                intOf(windowStride),
                intOf(batchTokens),
                intOf(maxBatchSize),
                intOf(chunkRows),
                Device.parse($(device)),
                JobSupport.intraOpThreads(spark, intOf(intraOpThreads)),
                unsafeIndex,
                (Double) $(threshold));
        StructType in = dataset.schema();
        Set<String> lower =
                Stream.of($(roles)).map(r -> r.trim().toLowerCase(Locale.ROOT)).collect(Collectors.toSet());
        RowScorer scorer = new RowScorer(
                bundle,
                JobSupport.ship(spark, bundle),
                settings,
                messagesMode() ? -1 : in.fieldIndex($(textCol)),
                messagesMode() ? in.fieldIndex($(messagesCol)) : -1,
                lower);
        return dataset.toDF().mapPartitions(scorer, Encoders.row(out));
    }

    /** The bundle {@code model} names, resolved once per value on this driver. */
    private synchronized ModelBundle bundle(SparkSession spark) {
        String spec = $(model);
        if (resolved == null || !spec.equals(resolvedFor)) {
            resolved = Models.resolve(spark, spec);
            resolvedFor = spec;
        }
        return resolved;
    }

    @Override
    public CrestLabeler copy(ParamMap extra) {
        return defaultCopy(extra);
    }

    /** Reads a transformer written by {@link #save} (its parameters). */
    public static MLReader<CrestLabeler> read() {
        return new DefaultParamsReader<>();
    }

    public static CrestLabeler load(String path) {
        return read().load(path);
    }
}
