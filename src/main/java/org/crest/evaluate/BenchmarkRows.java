package org.crest.evaluate;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.apache.spark.api.java.function.FlatMapFunction;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.crest.Columns;
import org.crest.LanguageCodes;
import org.crest.UsageException;
import org.crest.io.InputFormat;
import org.crest.io.RawJson;
import org.crest.io.Source;
import org.crest.io.Text;
import org.crest.io.Units;

/**
 * Turns the records of a benchmark file into normalised evaluation rows: the record's own columns plus
 * {@code eval_text}, {@code eval_label} (safe/unsafe, null when the value is unknown), {@code eval_label_raw},
 * {@code eval_lang}, {@code eval_dataset}, {@code eval_cluster} (Table 8), {@code eval_group} (in-domain ...),
 * {@code eval_file} and {@code eval_status}: {@code ok}; {@code quarantined} (cannot be scored: malformed
 * record, null, missing, non-string or empty text; reason in {@code crest_error}, original in
 * {@code crest_record}); or {@code excluded} (the preset leaves it out on purpose, e.g. HarmBench's
 * copyright behaviours; reason in {@code crest_error}). A record can give several rows (MultiJail: one per
 * language column). Nothing is dropped.
 */
public final class BenchmarkRows implements FlatMapFunction<Row, Row>, Serializable {
    private static final long serialVersionUID = 1L;
    /**
     * Internal: true on the first row a record gives (a record can give several: MultiJail, jbb-judge), so that
     * records can be counted per file against the ledger; dropped before anything is written.
     */
    public static final String FIRST = "\u0001eval_first";

    public static final String TEXT = "eval_text";
    public static final String LABEL = "eval_label";
    public static final String LABEL_RAW = "eval_label_raw";
    public static final String LANG = "eval_lang";
    public static final String DATASET = "eval_dataset";
    public static final String CLUSTER = "eval_cluster";
    public static final String GROUP = "eval_group";
    public static final String FILE = "eval_file";
    public static final String STATUS = "eval_status";
    public static final String OK = "ok";
    public static final String QUARANTINED = "quarantined";
    public static final String EXCLUDED = "excluded";
    public static final String EMPTY_TEXT = "empty_text";
    /** The gold label is null or blank: the row cannot be a benchmark row (quarantined, counted). */
    public static final String MISSING_LABEL = "missing_label";

    public static final String UNDETERMINED = "und";
    /** The column names of the rows this adds, in order (before crest_error, crest_record). */
    public static final List<String> EVAL_COLUMNS =
            List.of(TEXT, LABEL, LABEL_RAW, LANG, DATASET, CLUSTER, GROUP, FILE, STATUS);
    /** MultiJail's language columns. */
    static final List<String> MULTIJAIL_LANGS = List.of("en", "zh", "it", "vi", "ar", "ko", "th", "bn", "sw", "jv");

    enum LabelRule {
        CONSTANT,
        COLUMN,
        TYPE_PREFIX,
        FILE_NAME
    }

    /** One text per record: columns joined by a blank line (the last is the primary one), with its language. */
    record TextSource(int[] columns, String lang) implements Serializable {}

    private final InputFormat format;
    private final StructType schema;
    private final int[] keep;
    private final int rawIndex;
    private final int fileIndex;
    private final int issueIndex;
    private final List<TextSource> texts;
    private final int langIndex;
    private final String langConst;
    private final int datasetIndex;
    private final String datasetConst;
    private final LabelRule labelRule;
    private final int labelIndex;
    private final String labelConst;
    private final int filterIndex;
    private final Set<String> filterAllowed;
    private final LabelMapping mapping;
    private final Map<String, Integer> clusters;
    private final Map<String, String> groups;
    private final String[] names; // input column names, for JSON field checks

    private BenchmarkRows(Builder b) {
        this.format = b.format;
        this.keep = b.keep;
        this.rawIndex = b.rawIndex;
        this.fileIndex = b.fileIndex;
        this.issueIndex = b.issueIndex;
        this.texts = List.copyOf(b.texts);
        this.langIndex = b.langIndex;
        this.langConst = b.langConst;
        this.datasetIndex = b.datasetIndex;
        this.datasetConst = b.datasetConst;
        this.labelRule = b.labelRule;
        this.labelIndex = b.labelIndex;
        this.labelConst = b.labelConst;
        this.filterIndex = b.filterIndex;
        this.filterAllowed = b.filterAllowed;
        this.mapping = b.mapping;
        this.clusters = Map.copyOf(b.clusters);
        this.groups = Map.copyOf(b.groups);
        this.names = b.in.fieldNames();
        this.schema = b.outSchema();
    }

    /** The schema of the rows {@link #call} returns. */
    public StructType schema() {
        return schema;
    }

    /** Columns of the input whose JSON values must be read as strings (text and label candidates). */
    public static List<String> stringColumns(BenchmarkOptions o) {
        List<String> c = new ArrayList<>(List.of(
                "text",
                "label",
                "prompt",
                "prompt_label",
                "Behavior",
                "ContextString",
                "context",
                "forbidden_prompt",
                "question",
                "goal",
                "Goal",
                "type",
                "csrt",
                "prompts_final"));
        c.addAll(MULTIJAIL_LANGS);
        for (String s : new String[] {o.textCol(), o.labelCol(), o.langCol(), o.datasetCol()}) {
            if (s != null) {
                c.add(s);
            }
        }
        return c;
    }

    /** Resolves the preset and the column options against the input's columns; fails with what is missing. */
    public static BenchmarkRows resolve(
            Source source,
            StructType in,
            BenchmarkOptions o,
            Map<String, Integer> clusters,
            Map<String, String> groups) {
        Builder b = new Builder(in, source.format(), o);
        b.clusters = clusters;
        b.groups = groups;
        b.mapping = LabelMapping.of(o.labelMap());
        Preset p = o.preset();
        applyPreset(b, p, o);
        if (p != Preset.GENERIC) {
            b.datasetConst = p.dataset();
        }
        applyColumnOptions(b, p, o);
        requireStringTexts(b.texts, in);
        return new BenchmarkRows(b);
    }

    /** Where the preset finds text, label, language and which rows it keeps. */
    private static void applyPreset(Builder b, Preset p, BenchmarkOptions o) {
        switch (p) {
            case GENERIC:
                b.text(b.require(o.textCol() == null ? "text" : o.textCol(), "--text-col"));
                b.labelColumn(b.require(o.labelCol() == null ? "label" : o.labelCol(), "--label-col"));
                b.langConst = UNDETERMINED;
                break;
            case AEGIS:
                b.text(b.require("prompt", "--text-col"));
                b.labelColumn(b.require("prompt_label", "--label-col"));
                break;
            case HARMBENCH: {
                int behavior = b.find("Behavior");
                if (behavior >= 0) {
                    b.text(b.find("ContextString"), behavior);
                    b.filterIndex = b.require("FunctionalCategory", "--text-col");
                    b.filterAllowed = Set.of("standard", "contextual");
                } else {
                    b.text(b.find("context"), b.require("prompt", "--text-col", "Behavior"));
                }
                break;
            }
            case STRONGREJECT:
                b.text(b.require("forbidden_prompt", "--text-col", "prompt"));
                break;
            case REDTEAM2K:
                b.text(b.require("question", "--text-col"));
                break;
            case JBB_BEHAVIORS:
                b.text(b.require("goal", "--text-col"));
                b.labelRule = LabelRule.FILE_NAME;
                break;
            case JBB_JUDGE:
                b.text(b.require("goal", "--text-col"));
                b.text(b.require("prompt", "--text-col"));
                break;
            case XSTEST:
                b.text(b.require("prompt", "--text-col"));
                b.labelRule = LabelRule.TYPE_PREFIX;
                b.labelIndex = b.require("type", "--label-col");
                break;
            case MULTIJAIL:
                for (String lang : MULTIJAIL_LANGS) {
                    int i = b.find(lang);
                    if (i >= 0) {
                        b.texts.add(new TextSource(new int[] {i}, lang));
                    }
                }
                if (b.texts.isEmpty() && o.textCol() == null) {
                    throw new UsageException(
                            "Cannot read the benchmark: preset multijail expects language columns " + MULTIJAIL_LANGS
                                    + " (columns: " + b.columns() + "); name the text with --text-col and --lang-col");
                }
                break;
            case CSRT:
                b.text(b.require("csrt", "--text-col", "prompt"));
                b.langConst = "mul";
                break;
            case SIMPLESAFETYTESTS:
                b.text(b.require("prompts_final", "--text-col", "prompt"));
                break;
            default:
                throw new IllegalStateException("unreachable: " + p);
        }
    }

    /** --text-col, --label-col, --lang-col and --dataset-col override the preset. */
    private static void applyColumnOptions(Builder b, Preset p, BenchmarkOptions o) {
        if (o.textCol() != null) {
            b.texts.clear();
            b.text(b.require(o.textCol(), "--text-col"));
        }
        if (o.labelCol() != null) {
            b.labelColumn(b.require(o.labelCol(), "--label-col"));
        }
        if (o.langCol() != null) {
            b.langIndex = b.require(o.langCol(), "--lang-col");
            b.langConst = null;
            if (p == Preset.MULTIJAIL && o.textCol() == null) {
                throw new UsageException(
                        "Cannot read the benchmark: --lang-col with preset multijail needs --text-col too "
                                + "(multijail takes the language from each text column's name)");
            }
        }
        if (o.datasetCol() != null) {
            b.datasetIndex = b.require(o.datasetCol(), "--dataset-col");
            b.datasetConst = null;
        }
    }

    /** Every text column must hold strings. */
    private static void requireStringTexts(List<TextSource> texts, StructType in) {
        for (TextSource t : texts) {
            int primary = t.columns()[t.columns().length - 1];
            DataType type = in.fields()[primary].dataType();
            if (!type.equals(DataTypes.StringType)) {
                throw new UsageException("Cannot read the benchmark: text column '" + in.fields()[primary].name()
                        + "' has type " + type.simpleString() + ", expected string; pick the text with --text-col");
            }
        }
    }

    @Override
    public Iterator<Row> call(Row row) {
        List<Row> out = rows(row);
        List<Row> flagged = new ArrayList<>(out.size());
        for (int i = 0; i < out.size(); i++) {
            Object[] v = new Object[schema.size()];
            for (int j = 0; j < v.length - 1; j++) {
                v[j] = out.get(i).get(j);
            }
            v[v.length - 1] = i == 0;
            flagged.add(RowFactory.create(v));
        }
        return flagged.iterator();
    }

    /** The rows of one record, without {@link #FIRST}. */
    private List<Row> rows(Row row) {
        List<Row> out = new ArrayList<>();
        String raw = rawIndex >= 0 && !row.isNullAt(rawIndex) ? row.getString(rawIndex) : null;
        String file = fileIndex >= 0 && !row.isNullAt(fileIndex) ? row.getString(fileIndex) : null;
        String dataset = datasetId(
                datasetIndex >= 0
                        ? string(row.get(datasetIndex))
                        : datasetConst != null ? datasetConst : fileStem(file));
        // a reason the reader gave the record's bytes (invalid UTF-8, NUL, CSV quote or column count, too long...)
        String issue = issueIndex >= 0 && !row.isNullAt(issueIndex) ? row.getString(issueIndex) : null;
        String recordError = issue != null ? issue : recordError(raw);
        if (recordError != null) {
            out.add(unit(
                    row,
                    null,
                    null,
                    null,
                    null,
                    dataset,
                    file,
                    QUARANTINED,
                    recordError,
                    raw != null ? raw : record(row)));
            return out;
        }
        if (filterIndex >= 0) {
            String v = string(row.get(filterIndex));
            if (v == null || !filterAllowed.contains(v.trim().toLowerCase(Locale.ROOT))) {
                out.add(unit(
                        row,
                        null,
                        null,
                        null,
                        null,
                        dataset,
                        file,
                        EXCLUDED,
                        "excluded:" + names[filterIndex] + "=" + v,
                        record(row)));
                return out;
            }
        }
        String[] labels = label(row, file);
        String labelRaw = labels[0];
        String label = labels[1];
        for (TextSource t : texts) {
            String lang = t.lang() != null ? t.lang() : langIndex >= 0 ? string(row.get(langIndex)) : langConst;
            lang = lang == null || lang.isBlank() ? UNDETERMINED : LanguageCodes.normalise(lang);
            String[] textOrError = text(row, t, raw);
            String text = textOrError[0];
            String error = textOrError[1];
            if (error == null
                    && (labelRule == LabelRule.COLUMN || labelRule == LabelRule.TYPE_PREFIX)
                    && Text.isBlank(labelRaw)) {
                // no gold label: the row cannot be a benchmark row; quarantined and counted, not refused
                error = MISSING_LABEL;
            }
            if (error != null) {
                out.add(unit(
                        row,
                        null,
                        label,
                        labelRaw,
                        lang,
                        dataset,
                        file,
                        QUARANTINED,
                        error,
                        raw != null ? raw : record(row)));
            } else {
                out.add(unit(row, text, label, labelRaw, lang, dataset, file, OK, null, null));
            }
        }
        if (texts.isEmpty()) {
            out.add(unit(
                    row, null, label, labelRaw, null, dataset, file, QUARANTINED, Units.MISSING_TEXT, record(row)));
        }
        return out;
    }

    /** Why the record as a whole cannot be read (malformed JSON or CSV, not an object), or null. */
    private String recordError(String raw) {
        String recordError = null;
        if (format == InputFormat.JSON) {
            RawJson.Kind kind = RawJson.kindOf(raw, texts.isEmpty() ? "" : names[primary(texts.get(0))]);
            if (kind == RawJson.Kind.MALFORMED) {
                recordError = Units.MALFORMED_JSON;
            } else if (kind == RawJson.Kind.NOT_OBJECT) {
                recordError = Units.NOT_AN_OBJECT;
            }
        } else if (raw != null) {
            recordError = Units.MALFORMED_CSV;
        }
        return recordError;
    }

    /** {raw label, normalised label} by the preset's label rule. */
    private String[] label(Row row, String file) {
        String labelRaw;
        String label;
        switch (labelRule) {
            case COLUMN:
                Object v = row.get(labelIndex);
                labelRaw = v == null ? null : v.toString();
                label = mapping.normalise(v);
                break;
            case TYPE_PREFIX:
                labelRaw = string(row.get(labelIndex));
                label = labelRaw == null
                        ? null
                        : labelRaw.trim().toLowerCase(Locale.ROOT).startsWith("contrast_")
                                ? LabelMapping.UNSAFE
                                : LabelMapping.SAFE;
                break;
            case FILE_NAME: {
                String name = file == null ? null : file.substring(file.lastIndexOf('/') + 1);
                labelRaw = name;
                String n = name == null ? "" : name.toLowerCase(Locale.ROOT);
                label = n.startsWith("harmful")
                        ? LabelMapping.UNSAFE
                        : n.startsWith("benign") ? LabelMapping.SAFE : mapping.normalise(name);
                break;
            }
            default:
                labelRaw = labelConst;
                label = labelConst;
        }
        return new String[] {labelRaw, label};
    }

    /** {the text of {@code t} (its columns joined by a blank line), or null; the reason code when there is none}. */
    private String[] text(Row row, TextSource t, String raw) {
        int p = primary(t);
        String error = null;
        if (format == InputFormat.JSON) {
            RawJson.Kind kind = RawJson.kindOf(raw, names[p]);
            if (kind == RawJson.Kind.MISSING) {
                error = Units.MISSING_TEXT;
            } else if (kind == RawJson.Kind.NULL) {
                error = Units.NULL_TEXT;
            } else if (kind != RawJson.Kind.STRING) {
                error = Units.NON_STRING_TEXT;
            }
        }
        String text = null;
        if (error == null) {
            String primaryText = row.isNullAt(p) ? null : row.getString(p);
            if (primaryText == null) {
                error = Units.NULL_TEXT;
            } else if (Text.isBlank(primaryText)) {
                error = EMPTY_TEXT;
            } else {
                StringBuilder sb = new StringBuilder();
                for (int c : t.columns()) {
                    String s = c < 0 || row.isNullAt(c) ? null : row.get(c).toString();
                    if (!Text.isBlank(s)) {
                        sb.append(sb.length() == 0 ? "" : "\n\n").append(s);
                    }
                }
                text = sb.toString();
                if (text.indexOf('\u0000') >= 0) {
                    // decoded from an escape: the same as a raw NUL byte, which the reader quarantines
                    text = null;
                    error = Units.NUL_BYTE;
                }
            }
        }
        return new String[] {text, error};
    }

    private static int primary(TextSource t) {
        return t.columns()[t.columns().length - 1];
    }

    private Row unit(
            Row row,
            String text,
            String label,
            String labelRaw,
            String lang,
            String dataset,
            String file,
            String status,
            String error,
            String record) {
        Object[] v = new Object[schema.size()];
        for (int i = 0; i < keep.length; i++) {
            v[i] = row.get(keep[i]);
        }
        int k = keep.length;
        String key = LanguageCodes.base(lang);
        v[k] = text;
        v[k + 1] = label;
        v[k + 2] = labelRaw;
        v[k + 3] = lang;
        v[k + 4] = dataset == null ? "unknown" : dataset;
        v[k + 5] = lang == null ? null : clusters.get(key);
        v[k + 6] = lang == null ? null : groups.getOrDefault(key, Paper.OUT_OF_DOMAIN);
        v[k + 7] = file;
        v[k + 8] = status;
        v[k + 9] = error;
        v[k + 10] = record;
        v[k + 11] = false; // set by call()
        return RowFactory.create(v);
    }

    private String record(Row row) {
        StringBuilder sb = new StringBuilder("{");
        for (int i = 0; i < keep.length; i++) {
            Object v = row.get(keep[i]);
            sb.append(i == 0 ? "" : ", ")
                    .append('"')
                    .append(names[keep[i]].replace("\"", "\\\""))
                    .append("\": ");
            sb.append(
                    v == null
                            ? "null"
                            : '"'
                                    + v.toString()
                                            .replace("\\", "\\\\")
                                            .replace("\"", "\\\"")
                                            .replace("\n", "\\n")
                                    + '"');
        }
        return sb.append('}').toString();
    }

    private static String string(Object v) {
        return v == null ? null : v.toString();
    }

    /** Dataset ids are normalised as language codes are: trimmed and lower-cased; blank is none (unknown). */
    static String datasetId(String v) {
        return v == null || v.isBlank() ? null : v.trim().toLowerCase(Locale.ROOT);
    }

    /** File name without folders and extensions: /x/harmful-behaviors.csv.gz → harmful-behaviors. */
    static String fileStem(String file) {
        if (file == null) {
            return null;
        }
        String n = file.substring(file.lastIndexOf('/') + 1);
        int dot = n.indexOf('.');
        return dot > 0 ? n.substring(0, dot) : n;
    }

    private static final class Builder {
        final StructType in;
        final InputFormat format;
        final BenchmarkOptions o;
        final List<TextSource> texts = new ArrayList<>();
        int[] keep;
        int rawIndex;
        int fileIndex;
        int issueIndex;
        int langIndex = -1;
        String langConst = "en";
        int datasetIndex = -1;
        String datasetConst;
        LabelRule labelRule = LabelRule.CONSTANT;
        int labelIndex = -1;
        String labelConst = LabelMapping.UNSAFE;
        int filterIndex = -1;
        Set<String> filterAllowed = Set.of();
        LabelMapping mapping;
        Map<String, Integer> clusters;
        Map<String, String> groups;

        Builder(StructType in, InputFormat format, BenchmarkOptions o) {
            this.in = in;
            this.format = format;
            this.o = o;
            List<Integer> k = new ArrayList<>();
            for (int i = 0; i < in.fields().length; i++) {
                String n = in.fields()[i].name();
                if (!Source.isInternal(n)) {
                    if (EVAL_COLUMNS.contains(n) || n.equals(Columns.ERROR_COL) || n.equals(Columns.RECORD_COL)) {
                        throw new UsageException("Cannot read the benchmark: it already has a column named " + n
                                + ", which evaluate adds (columns: " + columns() + ")");
                    }
                    k.add(i);
                }
            }
            keep = k.stream().mapToInt(Integer::intValue).toArray();
            rawIndex = List.of(in.fieldNames()).indexOf(Source.RAW_COL);
            fileIndex = List.of(in.fieldNames()).indexOf(Source.FILE_COL);
            issueIndex = List.of(in.fieldNames()).indexOf(Source.ISSUE_COL);
        }

        void text(int... columns) {
            texts.add(new TextSource(columns, null));
        }

        void labelColumn(int index) {
            labelRule = LabelRule.COLUMN;
            labelIndex = index;
        }

        /** Index of the first column named like one of {@code names} (case-insensitive, BOM ignored), or -1. */
        int find(String... names) {
            for (String want : names) {
                for (int i = 0; i < in.fields().length; i++) {
                    if (clean(in.fields()[i].name()).equals(want)) {
                        return i;
                    }
                }
                for (int i = 0; i < in.fields().length; i++) {
                    if (clean(in.fields()[i].name()).equalsIgnoreCase(want)) {
                        return i;
                    }
                }
            }
            return -1;
        }

        int require(String name, String flag, String... alternatives) {
            String[] all = new String[alternatives.length + 1];
            all[0] = name;
            System.arraycopy(alternatives, 0, all, 1, alternatives.length);
            int i = find(all);
            if (i < 0) {
                throw new UsageException("Cannot read the benchmark: preset " + o.preset() + " expects a column "
                        + String.join(" or ", all) + " (columns: " + columns() + "); name it with " + flag);
            }
            return i;
        }

        List<String> columns() {
            List<String> c = new ArrayList<>();
            for (StructField f : in.fields()) {
                if (!Source.isInternal(f.name())) {
                    c.add(clean(f.name()));
                }
            }
            return c;
        }

        StructType outSchema() {
            List<StructField> fields = new ArrayList<>();
            for (int i : keep) {
                StructField f = in.fields()[i];
                fields.add(DataTypes.createStructField(clean(f.name()), f.dataType(), true, f.metadata()));
            }
            fields.add(DataTypes.createStructField(TEXT, DataTypes.StringType, true));
            fields.add(DataTypes.createStructField(LABEL, DataTypes.StringType, true));
            fields.add(DataTypes.createStructField(LABEL_RAW, DataTypes.StringType, true));
            fields.add(DataTypes.createStructField(LANG, DataTypes.StringType, true));
            fields.add(DataTypes.createStructField(DATASET, DataTypes.StringType, true));
            fields.add(DataTypes.createStructField(CLUSTER, DataTypes.IntegerType, true));
            fields.add(DataTypes.createStructField(GROUP, DataTypes.StringType, true));
            fields.add(DataTypes.createStructField(FILE, DataTypes.StringType, true));
            fields.add(DataTypes.createStructField(STATUS, DataTypes.StringType, false));
            fields.add(DataTypes.createStructField(Columns.ERROR_COL, DataTypes.StringType, true));
            fields.add(DataTypes.createStructField(Columns.RECORD_COL, DataTypes.StringType, true));
            fields.add(DataTypes.createStructField(FIRST, DataTypes.BooleanType, false));
            return DataTypes.createStructType(fields);
        }

        static String clean(String name) {
            return name.replace("\uFEFF", "").trim();
        }
    }
}
