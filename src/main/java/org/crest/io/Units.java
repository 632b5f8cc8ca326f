package org.crest.io;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Collectors;
import org.apache.spark.api.java.function.FlatMapFunction;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.crest.Columns;
import org.crest.UsageException;

/**
 * Turns input records into scoring units: one per row (flat mode) or one per selected message of a
 * conversation (messages mode). A unit that cannot be scored carries {@code crest_error} (a reason
 * code) and {@code crest_record} (the original record); nothing is dropped.
 */
public final class Units implements FlatMapFunction<Row, Row>, Serializable {
    private static final long serialVersionUID = 1L;

    /** Reason codes written to {@code crest_error}. */
    public static final String MALFORMED_JSON = "malformed_json";

    public static final String NOT_AN_OBJECT = "not_an_object";
    public static final String MALFORMED_CSV = "malformed_csv";
    public static final String MISSING_TEXT = "missing_text";
    public static final String NULL_TEXT = "null_text";
    public static final String NON_STRING_TEXT = "non_string_text";
    /**
     * The text (or a message's content) is empty or only whitespace and invisible characters ({@link Text#isBlank}):
     * the model would score nothing, so there is no label to give.
     */
    public static final String EMPTY_TEXT = "empty_text";

    public static final String MESSAGES_MISSING = "messages_missing";
    public static final String MESSAGES_NOT_ARRAY = "messages_not_array";
    public static final String MESSAGES_NOT_JSON = "messages_not_json";
    public static final String EMPTY_CONVERSATION = "empty_conversation";
    public static final String MESSAGE_NOT_OBJECT = "message_not_object";
    public static final String MISSING_CONTENT = "missing_content";
    /** The record's bytes are not UTF-8 (e.g. Latin-1); JSON: anywhere in the line, else in the text. */
    public static final String INVALID_UTF8 = org.crest.io.InputReader.INVALID_UTF8;
    /** A NUL byte in the record (JSON) or the text: binary data or a UTF-16 fragment, not text. */
    public static final String NUL_BYTE = org.crest.io.InputReader.NUL_BYTE;
    /**
     * CSV: a record equal to the file's header (files concatenated with cat, each with its header): not data, so it
     * is not scored.
     */
    public static final String REPEATED_HEADER = "repeated_header";
    /** CSV: a quoted field that never closes; the rest of the file is in crest_record. */
    public static final String UNBALANCED_QUOTE = "unbalanced_quote";
    /**
     * The model's logit or probability for some window of the text was NaN or infinite (set by the label job after
     * scoring, not here): the row is not labeled.
     */
    public static final String NON_FINITE_SCORE = "non_finite_score";
    /** The text is longer than --max-text-chars. */
    public static final String TEXT_TOO_LONG = "text_too_long";
    /** Objects or arrays nested deeper than the JSON reader's limit (1000). */
    public static final String TOO_DEEP = "too_deep";
    /** A JSON line longer than the reader's cap (64 MiB); crest_record holds its first 4 KB. */
    public static final String LINE_TOO_LONG = "line_too_long";
    /** Anything else that went wrong with one record (an exception or Error while reading it). */
    public static final String RECORD_ERROR = "record_error";
    /** Not-selected reasons (counted in the summary, not quarantined): a message of a role not in --roles. */
    public static final String OTHER_ROLE = "other_role";
    /** Not selected: a conversation none of whose messages has a selected role. */
    public static final String NO_SELECTED_MESSAGE = "no_selected_message";
    /** Internal unit columns: the record's file, first unit of its record, not-selected reason. */
    public static final String FIRST_COL = "\u0001crest_first";

    public static final String SKIP_COL = "\u0001crest_skip";
    /** Default of --max-text-chars. */
    public static final int DEFAULT_MAX_TEXT_CHARS = 1_000_000;

    private static final ObjectMapper JSON = new ObjectMapper();

    private final InputFormat format;
    private final StructType unitSchema;
    private final int[] keep; // source positions of the kept columns, in unit order
    private final int rawIndex;
    private final int issueIndex; // source position of Source.ISSUE_COL, or -1
    private final int textIndex; // flat: source position of the text column
    private final int messagesIndex; // messages: source position of the messages column
    private final String field; // text or messages column name
    private final Set<String> roles; // lower case; empty = all
    private final int fileIndex; // source position of Source.FILE_COL, or -1
    private int maxTextChars = DEFAULT_MAX_TEXT_CHARS;

    private Units(
            InputFormat format,
            StructType unitSchema,
            int[] keep,
            int rawIndex,
            int issueIndex,
            int textIndex,
            int messagesIndex,
            String field,
            Set<String> roles) {
        this.format = format;
        this.unitSchema = unitSchema;
        this.keep = keep;
        this.rawIndex = rawIndex;
        this.issueIndex = issueIndex;
        this.textIndex = textIndex;
        this.messagesIndex = messagesIndex;
        this.field = field;
        this.roles = roles;
        this.fileIndex = -1;
    }

    private Units(Units u, int fileIndex) {
        this.format = u.format;
        this.unitSchema = u.unitSchema;
        this.keep = u.keep;
        this.rawIndex = u.rawIndex;
        this.issueIndex = u.issueIndex;
        this.textIndex = u.textIndex;
        this.messagesIndex = u.messagesIndex;
        this.field = u.field;
        this.roles = u.roles;
        this.fileIndex = fileIndex;
        this.maxTextChars = u.maxTextChars;
    }

    /** Texts longer than {@code n} characters are quarantined as text_too_long. */
    public Units withMaxTextChars(int n) {
        maxTextChars = n;
        return this;
    }

    /** Adds the internal columns (file, first unit of its record, not-selected reason) to every unit. */
    private static Units withInternal(Units u, StructType in) {
        return new Units(u, List.of(in.fieldNames()).indexOf(Source.FILE_COL));
    }

    /**
     * An input column's name in the output: crest_* names (an earlier crest output being relabeled) move to
     * crest_prev_* so that the new labels never collide with them; JSON's own crest_extra stays.
     */
    public static String outputName(String name, InputFormat format) {
        // case-insensitive, as Spark's duplicate-column check on write is: Crest_Label would collide too
        if (format == InputFormat.JSON && name.equals(Columns.EXTRA_COL)
                || !name.regionMatches(true, 0, "crest_", 0, 6)) {
            return name;
        }
        return Columns.PREV_PREFIX + name.substring("crest_".length());
    }

    private static StructField renamed(StructField f, InputFormat format) {
        return DataTypes.createStructField(outputName(f.name(), format), f.dataType(), f.nullable());
    }

    /** Flat rows: one unit per row, text in {@code textCol}. */
    public static Units flat(Source source, String textCol) {
        StructType in = source.rows().schema();
        requireColumn(source, textCol, "--text-col");
        DataType t = in.apply(textCol).dataType();
        if (!t.equals(DataTypes.StringType)) {
            throw new UsageException("Cannot label " + inputOf(source) + ": text column '" + textCol + "' has type "
                    + t.simpleString() + ", expected string; pick the right column with --text-col");
        }
        List<StructField> fields = new ArrayList<>();
        List<Integer> keep = new ArrayList<>();
        for (int i = 0; i < in.fields().length; i++) {
            if (!Source.isInternal(in.fields()[i].name())) {
                fields.add(renamed(in.fields()[i], source.format()));
                keep.add(i);
            }
        }
        addErrorColumns(fields);
        return withInternal(
                new Units(
                        source.format(),
                        DataTypes.createStructType(fields),
                        toArray(keep),
                        in.fieldIndex(Source.RAW_COL),
                        issueIndex(in),
                        in.fieldIndex(textCol),
                        -1,
                        textCol,
                        Set.of()),
                in);
    }

    /** Chat logs: one unit per message of {@code messagesCol} whose role is in {@code roles} (empty = all). */
    public static Units messages(Source source, String messagesCol, Set<String> roles) {
        StructType in = source.rows().schema();
        requireColumn(source, messagesCol, "--messages-col");
        DataType t = in.apply(messagesCol).dataType();
        if (!t.equals(DataTypes.StringType) && !isMessageArray(t)) {
            throw new UsageException("Cannot label " + inputOf(source) + ": messages column '" + messagesCol
                    + "' has type " + t.simpleString() + ", expected an array of {role, content} structs or JSON text");
        }
        List<StructField> fields = new ArrayList<>();
        List<Integer> keep = new ArrayList<>();
        for (int i = 0; i < in.fields().length; i++) {
            String n = in.fields()[i].name();
            if (!Source.isInternal(n) && !n.equals(messagesCol)) {
                fields.add(renamed(in.fields()[i], source.format()));
                keep.add(i);
            }
        }
        fields.add(DataTypes.createStructField(Columns.TURN_COL, DataTypes.IntegerType, true));
        fields.add(DataTypes.createStructField(Columns.ROLE_COL, DataTypes.StringType, true));
        fields.add(DataTypes.createStructField(Columns.TEXT_COL, DataTypes.StringType, true));
        addErrorColumns(fields);
        Set<String> lower =
                roles.stream().map(r -> r.trim().toLowerCase(Locale.ROOT)).collect(Collectors.toSet());
        if (lower.contains("")) {
            throw new UsageException(
                    "Cannot label: --roles holds an empty role (" + roles + "); name the roles to score, "
                            + "e.g. --roles user,assistant, or leave --roles out to score every message");
        }
        return withInternal(
                new Units(
                        source.format(),
                        DataTypes.createStructType(fields),
                        toArray(keep),
                        in.fieldIndex(Source.RAW_COL),
                        issueIndex(in),
                        -1,
                        in.fieldIndex(messagesCol),
                        messagesCol,
                        lower),
                in);
    }

    private static boolean isMessageArray(DataType t) {
        if (!(t instanceof ArrayType) || !(((ArrayType) t).elementType() instanceof StructType)) {
            return false;
        }
        StructType el = (StructType) ((ArrayType) t).elementType();
        return List.of(el.fieldNames()).contains("content");
    }

    private static int issueIndex(StructType in) {
        return List.of(in.fieldNames()).indexOf(Source.ISSUE_COL);
    }

    private static void requireColumn(Source source, String name, String flag) {
        StructType in = source.rows().schema();
        if (!List.of(in.fieldNames()).contains(name)) {
            List<String> cols = new ArrayList<>(List.of(in.fieldNames()));
            cols.removeIf(
                    c -> Source.isInternal(c) || c.equals(Columns.EXTRA_COL) && source.format() == InputFormat.JSON);
            String hint = "name the right one with " + flag;
            if (ColumnPath.isPath(name)) {
                hint = "'" + name + "' is read as a path into nested data: field by field through JSON objects or "
                        + "Parquet structs (backquote a name that holds a dot: `a.b`), and it leads nowhere in this "
                        + "input; " + hint;
            }
            if (source.format() == InputFormat.CSV && cols.size() == 1) {
                for (String d : new String[] {";", "\t", "|"}) {
                    if (cols.get(0).contains(d)) {
                        hint = "its header looks " + (d.equals("\t") ? "tab" : "'" + d + "'")
                                + "-separated, but crest reads " + "comma-separated CSV: convert the file, or " + hint;
                    }
                }
            }
            throw new UsageException("Cannot label " + inputOf(source) + ": the input has no column '" + name
                    + "' (columns: " + cols + "); " + hint);
        }
    }

    /** The input for messages: its only file, or its first file and how many more. */
    private static String inputOf(Source source) {
        List<String> files = source.files();
        return files.isEmpty()
                ? "the input"
                : files.size() == 1 ? files.get(0) : files.get(0) + " and " + (files.size() - 1) + " other file(s)";
    }

    private static void addErrorColumns(List<StructField> fields) {
        fields.add(DataTypes.createStructField(Columns.ERROR_COL, DataTypes.StringType, true));
        fields.add(DataTypes.createStructField(Columns.RECORD_COL, DataTypes.StringType, true));
        fields.add(DataTypes.createStructField(Source.FILE_COL, DataTypes.StringType, true));
        fields.add(DataTypes.createStructField(FIRST_COL, DataTypes.BooleanType, false));
        fields.add(DataTypes.createStructField(SKIP_COL, DataTypes.StringType, true));
    }

    /** The internal unit columns, to drop before writing. */
    public static String[] internalColumns() {
        return new String[] {Source.FILE_COL, FIRST_COL, SKIP_COL};
    }

    private static int[] toArray(List<Integer> l) {
        return l.stream().mapToInt(Integer::intValue).toArray();
    }

    /** Schema of the units: kept input columns (+ turn, role, text for messages), error, record. */
    public StructType schema() {
        return unitSchema;
    }

    /** Name of the column holding the text to score in {@link #schema()}. */
    public String textColumn() {
        return messagesIndex >= 0 ? Columns.TEXT_COL : outputName(field, format);
    }

    public boolean isMessages() {
        return messagesIndex >= 0;
    }

    @Override
    public Iterator<Row> call(Row row) {
        List<Row> units;
        try {
            units = messagesIndex >= 0 ? messageUnits(row) : List.of(flatUnit(row));
        } catch (RuntimeException | StackOverflowError | OutOfMemoryError e) {
            // one record never stops the run: whatever went wrong with it, it is quarantined
            String raw = rawIndex >= 0 && !row.isNullAt(rawIndex) ? row.getString(rawIndex) : null;
            String record = raw != null ? raw : safeRecordOf(row);
            units = List.of(
                    messagesIndex >= 0
                            ? messageRow(row, null, null, null, RECORD_ERROR, record)
                            : errorRow(row, RECORD_ERROR, record));
        }
        List<Row> out = new ArrayList<>(units.size());
        String file = fileIndex >= 0 && !row.isNullAt(fileIndex) ? row.getString(fileIndex) : null;
        boolean first = true;
        int n = unitSchema.size();
        for (Row u : units) {
            Object[] v = new Object[n];
            for (int i = 0; i < n - 3; i++) {
                v[i] = u.get(i);
            }
            v[n - 3] = file;
            v[n - 2] = first;
            v[n - 1] = u.get(n - 1);
            first = false;
            out.add(RowFactory.create(v));
        }
        return out.iterator();
    }

    private Row errorRow(Row row, String error, String record) {
        Object[] values = new Object[unitSchema.size()];
        for (int i = 0; i < keep.length; i++) {
            values[i] = row.get(keep[i]);
        }
        values[textIndexInUnits()] = null;
        values[keep.length] = error;
        values[keep.length + 1] = record;
        return RowFactory.create(values);
    }

    private static String safeRecordOf(Row row) {
        try {
            return recordOf(row);
        } catch (RuntimeException | StackOverflowError | OutOfMemoryError e) {
            return "(record not available: " + e.getClass().getSimpleName() + ")";
        }
    }

    private Row flatUnit(Row row) {
        String raw = row.isNullAt(rawIndex) ? null : row.getString(rawIndex);
        String text = row.isNullAt(textIndex) ? null : row.getString(textIndex);
        String error = null;
        String record = null;
        String issue = issueIndex >= 0 && !row.isNullAt(issueIndex) ? row.getString(issueIndex) : null;
        if (issue != null) {
            error = issue;
            record = raw != null ? raw : recordOf(row);
        } else if (format == InputFormat.JSON) {
            RawJson.Kind kind = RawJson.kindOf(raw, field);
            record = raw;
            switch (kind) {
                case STRING:
                    break;
                case MALFORMED:
                    error = MALFORMED_JSON;
                    break;
                case NOT_OBJECT:
                    error = NOT_AN_OBJECT;
                    break;
                case MISSING:
                    error = MISSING_TEXT;
                    break;
                case NULL:
                    error = NULL_TEXT;
                    break;
                default:
                    error = NON_STRING_TEXT;
            }
        } else if (raw != null) {
            error = csvError(raw);
            record = raw;
        } else if (text == null) {
            error = NULL_TEXT;
            record = recordOf(row);
        }
        if (error == null && text != null && text.length() > maxTextChars) {
            error = TEXT_TOO_LONG;
            record = raw != null ? raw : recordOf(row);
        }
        if (error == null && text != null && text.indexOf('\u0000') >= 0) {
            // a NUL that reached the text decoded (a JSON escape, a Parquet value): as a raw NUL byte
            error = NUL_BYTE;
            record = raw != null ? raw : recordOf(row);
        }
        if (error == null && text != null && Text.isBlank(text)) {
            error = EMPTY_TEXT;
            record = raw != null ? raw : recordOf(row);
        }
        Object[] values = new Object[unitSchema.size()];
        for (int i = 0; i < keep.length; i++) {
            values[i] = row.get(keep[i]);
        }
        if (error != null) {
            values[textIndexInUnits()] = null;
        }
        values[keep.length] = error;
        values[keep.length + 1] = error == null ? null : record;
        return RowFactory.create(values);
    }

    /** A CSV record Spark could not parse: an odd number of quotes means a quoted field never closed. */
    static String csvError(String raw) {
        long quotes = raw.chars().filter(c -> c == '"').count();
        return quotes % 2 == 1 ? UNBALANCED_QUOTE : MALFORMED_CSV;
    }

    private int textIndexInUnits() {
        return unitSchema.fieldIndex(outputName(field, format));
    }

    private List<Row> messageUnits(Row row) {
        String raw = row.isNullAt(rawIndex) ? null : row.getString(rawIndex);
        List<Row> out = new ArrayList<>();
        String issue = issueIndex >= 0 && !row.isNullAt(issueIndex) ? row.getString(issueIndex) : null;
        if (issue != null) {
            out.add(messageRow(row, null, null, null, issue, raw != null ? raw : recordOf(row)));
            return out;
        }
        if (format == InputFormat.JSON) {
            RawJson.Kind kind = RawJson.kindOf(raw, field);
            String error = null;
            switch (kind) {
                case ARRAY:
                    break;
                case MALFORMED:
                    error = MALFORMED_JSON;
                    break;
                case NOT_OBJECT:
                    error = NOT_AN_OBJECT;
                    break;
                case MISSING:
                case NULL:
                    error = MESSAGES_MISSING;
                    break;
                default:
                    error = MESSAGES_NOT_ARRAY;
            }
            if (error != null) {
                out.add(messageRow(row, null, null, null, error, raw));
                return out;
            }
        } else if (raw != null) {
            out.add(messageRow(row, null, null, null, csvError(raw), raw));
            return out;
        }
        if (row.isNullAt(messagesIndex)) {
            out.add(messageRow(row, null, null, null, MESSAGES_MISSING, raw != null ? raw : recordOf(row)));
            return out;
        }
        Object value = row.get(messagesIndex);
        if (value instanceof String) {
            JsonNode node;
            try {
                node = JSON.readTree((String) value);
            } catch (IOException e) {
                out.add(messageRow(row, null, null, null, MESSAGES_NOT_JSON, (String) value));
                return out;
            }
            if (node == null || !node.isArray()) {
                out.add(messageRow(row, null, null, null, MESSAGES_NOT_ARRAY, (String) value));
                return out;
            }
            if (node.isEmpty()) {
                out.add(messageRow(row, null, null, null, EMPTY_CONVERSATION, (String) value));
                return out;
            }
            int turn = 0;
            for (JsonNode m : node) {
                addJsonMessage(out, row, turn++, m);
            }
            return noneSelected(out, row, (String) value);
        }
        List<Row> messages = row.getList(messagesIndex);
        if (messages.isEmpty()) {
            out.add(messageRow(row, null, null, null, EMPTY_CONVERSATION, recordOf(row)));
            return out;
        }
        int turn = 0;
        for (Row m : messages) {
            int t = turn++;
            if (m == null) {
                out.add(messageRow(row, t, null, null, MESSAGE_NOT_OBJECT, "null"));
                continue;
            }
            String role = fieldAsString(m, "role");
            if (!selected(role)) {
                out.add(skipRow(row, t, role, OTHER_ROLE));
                continue;
            }
            int ci = m.fieldIndex("content");
            Object c = m.isNullAt(ci) ? null : m.get(ci);
            if (c == null) {
                out.add(messageRow(row, t, role, null, NULL_TEXT, safeRecordOf(m)));
            } else if (c instanceof String) {
                String text = (String) c;
                out.add(
                        text.length() > maxTextChars
                                ? messageRow(row, t, role, null, TEXT_TOO_LONG, safeRecordOf(m))
                                : textRow(row, t, role, text, () -> safeRecordOf(m)));
            } else {
                // content as a list of parts or a number: parts with type text are joined, anything else quarantined
                String parts = rowParts(c);
                out.add(
                        parts == null
                                ? messageRow(row, t, role, null, NON_STRING_TEXT, safeRecordOf(m))
                                : textRow(row, t, role, parts, () -> safeRecordOf(m)));
            }
        }
        return noneSelected(out, row, null);
    }

    private void addJsonMessage(List<Row> out, Row row, int turn, JsonNode m) {
        if (!m.isObject()) {
            out.add(messageRow(row, turn, null, null, MESSAGE_NOT_OBJECT, m.toString()));
            return;
        }
        JsonNode r = m.get("role");
        String role = r == null || r.isNull() ? null : r.isTextual() ? r.textValue() : r.toString();
        if (!selected(role)) {
            out.add(skipRow(row, turn, role, OTHER_ROLE));
            return;
        }
        JsonNode c = m.get("content");
        if (c == null) {
            out.add(messageRow(row, turn, role, null, MISSING_CONTENT, m.toString()));
        } else if (c.isNull()) {
            out.add(messageRow(row, turn, role, null, NULL_TEXT, m.toString()));
        } else if (c.isTextual()) {
            out.add(
                    c.textValue().length() > maxTextChars
                            ? messageRow(row, turn, role, null, TEXT_TOO_LONG, m.toString())
                            : textRow(row, turn, role, c.textValue(), m::toString));
        } else {
            String parts = textParts(c);
            if (parts == null) {
                out.add(messageRow(row, turn, role, null, NON_STRING_TEXT, m.toString()));
            } else {
                out.add(textRow(row, turn, role, parts, m::toString));
            }
        }
    }

    /** Content given as parts ([{"type":"text","text":"..."}, ...]): the text parts joined by newlines. */
    private static String textParts(JsonNode c) {
        if (!c.isArray()) {
            return null;
        }
        List<String> texts = new ArrayList<>();
        for (JsonNode p : c) {
            JsonNode type = p.get("type");
            JsonNode text = p.get("text");
            if (type != null && "text".equals(type.asText()) && text != null && text.isTextual()) {
                texts.add(text.textValue());
            }
        }
        return texts.isEmpty() ? null : String.join("\n", texts);
    }

    /** A message not scored because of its role: counted in the summary's not_selected, never written. */
    private Row skipRow(Row row, Integer turn, String role, String reason) {
        Object[] values = new Object[unitSchema.size()];
        for (int i = 0; i < keep.length; i++) {
            values[i] = row.get(keep[i]);
        }
        values[keep.length] = turn;
        values[keep.length + 1] = role;
        values[unitSchema.size() - 1] = reason;
        return RowFactory.create(values);
    }

    /** A conversation with no selected message gets one extra not-selected unit, so it is counted. */
    private List<Row> noneSelected(List<Row> out, Row row, String record) {
        boolean any = out.stream().anyMatch(u -> u.isNullAt(unitSchema.size() - 1));
        if (!any) {
            out.add(skipRow(row, null, null, NO_SELECTED_MESSAGE));
        }
        return out;
    }

    /** Parquet content given as parts (structs with type and text): the text parts joined, else null. */
    private static String rowParts(Object c) {
        List<?> list;
        if (c instanceof scala.collection.Seq) {
            list = scala.jdk.javaapi.CollectionConverters.asJava((scala.collection.Seq<?>) c);
        } else if (c instanceof List) {
            list = (List<?>) c;
        } else {
            return null;
        }
        List<String> texts = new ArrayList<>();
        for (Object p : list) {
            if (p instanceof Row) {
                Row r = (Row) p;
                String type = fieldAsString(r, "type");
                List<String> names = List.of(r.schema().fieldNames());
                if ("text".equals(type) && names.contains("text") && r.get(r.fieldIndex("text")) instanceof String) {
                    texts.add(r.getString(r.fieldIndex("text")));
                }
            } else if (p instanceof String) {
                texts.add((String) p);
            }
        }
        return texts.isEmpty() ? null : String.join("\n", texts);
    }

    private boolean selected(String role) {
        // " user " or "User" is the user: a role is compared as the --roles values are, trimmed and in lower case
        return roles.isEmpty() || (role != null && roles.contains(role.strip().toLowerCase(Locale.ROOT)));
    }

    private static String fieldAsString(Row m, String name) {
        if (!List.of(m.schema().fieldNames()).contains(name)) {
            return null;
        }
        Object v = m.get(m.fieldIndex(name));
        return v == null ? null : v.toString();
    }

    /** A message unit to score; one with nothing to score ({@link Text#isBlank}) is quarantined {@link #EMPTY_TEXT}. */
    private Row textRow(Row row, Integer turn, String role, String text, java.util.function.Supplier<String> record) {
        if (Text.isBlank(text)) {
            return messageRow(row, turn, role, null, EMPTY_TEXT, record.get());
        }
        if (text.indexOf('\u0000') >= 0) {
            return messageRow(row, turn, role, null, NUL_BYTE, record.get());
        }
        return Text.hasLoneSurrogate(text)
                ? messageRow(row, turn, role, null, INVALID_UTF8, record.get())
                : messageRow(row, turn, role, text, null, null);
    }

    private Row messageRow(Row row, Integer turn, String role, String text, String error, String record) {
        Object[] values = new Object[unitSchema.size()];
        for (int i = 0; i < keep.length; i++) {
            values[i] = row.get(keep[i]);
        }
        values[keep.length] = turn;
        values[keep.length + 1] = role;
        values[keep.length + 2] = text;
        values[keep.length + 3] = error;
        values[keep.length + 4] = record;
        return RowFactory.create(values);
    }

    private static String recordOf(Row row) {
        try {
            return row.json();
        } catch (RuntimeException e) {
            return row.toString();
        }
    }
}
