package org.crest.io;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonFactoryBuilder;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import com.fasterxml.jackson.core.io.JsonStringEncoder;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.Serializable;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.NoSuchElementException;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataInputStream;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.io.compress.CompressionCodec;
import org.apache.hadoop.io.compress.CompressionCodecFactory;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.api.java.function.FlatMapFunction;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.crest.Columns;
import org.crest.io.FileCheck.ConfBytes;
import org.crest.io.FileCheck.Shape;
import org.crest.io.FileCheck.Verdict;

/**
 * The label path's JSON reader: no whole-input schema inference, no Hadoop globbing, no partition
 * discovery. Files are read by crest itself, split on {@code \n} only (a raw CR inside a string never
 * splits a record), one task per file or per 128 MB of an uncompressed file. Each record is parsed
 * with Jackson's streaming parser into the columns of a schema sampled from the first records, plus
 * {@link Columns#EXTRA_COL} (a JSON object with every top-level field that is not a column: keys unseen
 * in the sample, empty, differing only by case from a column, repeated, or of a type the column cannot
 * hold), the file, the original line and an issue code. No key can fail the job.
 */
final class JsonRecords {
    /** Records sampled per file and in all, to pick the columns. */
    static final int SAMPLE_RECORDS = 2000;

    static final int SAMPLE_FILES = 16;
    /** Lines longer than this are quarantined as line_too_long (without being held in memory). */
    static final int MAX_LINE_BYTES = 64 << 20;
    /** Objects/arrays nested deeper than this are quarantined as too_deep. */
    static final int MAX_DEPTH = 1000;
    /** How much of a line that is too long is kept in crest_record. */
    static final int KEEP_PREFIX = 4096;

    static final long SPLIT_BYTES = 128L << 20;

    static final JsonFactory FACTORY = new JsonFactoryBuilder()
            .streamReadConstraints(StreamReadConstraints.builder()
                    .maxNestingDepth(MAX_DEPTH)
                    .maxStringLength(Integer.MAX_VALUE)
                    .maxNumberLength(100_000)
                    .maxNameLength(1 << 20)
                    .build())
            .enable(com.fasterxml.jackson.core.json.JsonReadFeature.ALLOW_UNESCAPED_CONTROL_CHARS)
            .build();

    private JsonRecords() {}

    /** Column type kinds found in the sample. */
    enum Kind {
        STRING,
        LONG,
        DOUBLE,
        BOOLEAN,
        JSON
    }

    /** One piece of work: a byte range of a file (the whole file when not splittable). */
    record Split(String path, long start, long end, boolean whole, boolean array) implements Serializable {}

    static Dataset<Row> read(
            SparkSession spark,
            List<Verdict> files,
            List<String> stringCols,
            Map<String, Map<String, String>> partitionValues,
            List<String> partitionCols) {
        Configuration conf = spark.sparkContext().hadoopConfiguration();
        LinkedHashMap<String, Kind> columns = sample(conf, files, stringCols);
        for (String c : stringCols) {
            columns.computeIfPresent(c, (k, v) -> Kind.STRING);
            if (columns.keySet().stream().noneMatch(k -> k.equalsIgnoreCase(c)) && anyRecordHas(spark, files, c)) {
                // first seen after the sampled records: a column all the same (else a refusal for a key that is there)
                org.slf4j.LoggerFactory.getLogger(JsonRecords.class)
                        .warn("Column '{}' is not in the first {} records but later ones hold it", c, SAMPLE_RECORDS);
                columns.put(c, Kind.STRING);
            }
        }
        // partition columns never replace a column the data holds
        List<String> parts = new ArrayList<>();
        for (String p : partitionCols) {
            if (columns.keySet().stream().noneMatch(c -> c.equalsIgnoreCase(p))
                    && !p.equalsIgnoreCase(Columns.EXTRA_COL)) {
                parts.add(p);
            } else {
                org.slf4j.LoggerFactory.getLogger(JsonRecords.class)
                        .warn(
                                "The data holds a column '{}': its own values are "
                                        + "kept, the folder names {}=... are not used",
                                p,
                                p);
            }
        }
        List<StructField> fields = new ArrayList<>();
        columns.forEach((name, kind) -> fields.add(DataTypes.createStructField(name, typeOf(kind), true)));
        // a column option naming a path (a.b, `a.b`) that is not a top-level key: a string column of its own, named
        // as given, holding the nested value (a string's value, else its JSON text)
        List<String> derived = new ArrayList<>();
        for (String c : stringCols) {
            if (!columns.containsKey(c) && !derived.contains(c) && ColumnPath.isPath(c)) {
                derived.add(c);
                fields.add(DataTypes.createStructField(c, DataTypes.StringType, true));
            }
        }
        for (String p : parts) {
            fields.add(DataTypes.createStructField(p, DataTypes.StringType, true));
        }
        fields.add(DataTypes.createStructField(Columns.EXTRA_COL, DataTypes.StringType, true));
        fields.add(DataTypes.createStructField(Source.FILE_COL, DataTypes.StringType, false));
        fields.add(DataTypes.createStructField(Source.RAW_COL, DataTypes.StringType, true));
        fields.add(DataTypes.createStructField(Source.ISSUE_COL, DataTypes.StringType, true));
        StructType schema = DataTypes.createStructType(fields);

        List<Split> splits = new ArrayList<>();
        CompressionCodecFactory codecs = new CompressionCodecFactory(conf);
        for (Verdict v : files) {
            if (v.shape() == Shape.EMPTY) {
                continue;
            }
            boolean array = v.shape() == Shape.JSON_ARRAY;
            boolean compressed = codecs.getCodec(new Path(v.path())) != null;
            if (array || compressed || v.bytes() <= SPLIT_BYTES) {
                splits.add(new Split(v.path(), 0, v.bytes(), true, array));
            } else {
                for (long s = 0; s < v.bytes(); s += SPLIT_BYTES) {
                    splits.add(new Split(v.path(), s, Math.min(v.bytes(), s + SPLIT_BYTES), false, false));
                }
            }
        }
        JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
        Parse parse = new Parse(
                new ConfBytes(conf),
                new ArrayList<>(columns.keySet()),
                new ArrayList<>(columns.values()),
                derived.stream().map(ColumnPath::parse).toList(),
                parts,
                partitionValues);
        JavaRDD<Row> rows = jsc.parallelize(splits, Math.max(1, splits.size())).flatMap(parse);
        return spark.createDataFrame(rows, schema);
    }

    /**
     * Whether any JSON Lines record holds the top-level key {@code col}: one more read of the files, done only when
     * the sample lacks the text (or messages) column, before refusing the input for want of it.
     */
    static boolean anyRecordHas(SparkSession spark, List<Verdict> files, String col) {
        List<String> paths = files.stream()
                .filter(v -> v.shape() == Shape.LINES)
                .map(Verdict::path)
                .toList();
        if (paths.isEmpty()) {
            return false;
        }
        JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
        ConfBytes cb = new ConfBytes(spark.sparkContext().hadoopConfiguration());
        return !jsc.parallelize(paths, paths.size())
                .filter(p -> fileHas(cb.get(), p, col))
                .isEmpty();
    }

    private static boolean fileHas(Configuration conf, String path, String col) throws IOException {
        String quoted = "\"" + col + "\"";
        try (LineReader lines = new LineReader(open(conf, path), 0, Long.MAX_VALUE, true)) {
            while (lines.next()) {
                if (lines.tooLong || lines.blank()) {
                    continue;
                }
                String t = lines.text();
                if (t.contains(quoted)) {
                    LinkedHashMap<String, Kind> keys = new LinkedHashMap<>();
                    sampleLine(t, keys);
                    if (keys.containsKey(col)) {
                        return true;
                    }
                }
            }
        }
        return false;
    }

    /**
     * Refuses input none of whose first lines is a JSON object (a pretty-printed object, a text file):
     * labeling it would quarantine every line. Looks at up to 200 non-blank lines of the first files.
     */
    static void refuseIfNoObjects(Configuration conf, List<String> inputs, List<Verdict> files) {
        String firstFile = null;
        String firstLine = null;
        String arrayFile = null;
        String arrayProblem = null;
        int looked = 0;
        int arrays = 0;
        for (Verdict v : files) {
            if (v.shape() == Shape.JSON_ARRAY) {
                if (arrays++ >= SAMPLE_FILES || v.bytes() >= (64 << 20)) {
                    return; // not judged here: read as usual
                }
                String problem;
                try (InputStream in = open(conf, v.path())) {
                    problem = arrayProblem(in.readAllBytes());
                } catch (IOException | RuntimeException e) {
                    return;
                }
                if (problem == null) {
                    return; // holds an object
                }
                if (!problem.isEmpty() && arrayProblem == null) {
                    arrayFile = v.path();
                    arrayProblem = problem;
                }
                continue;
            }
            if (v.shape() != Shape.LINES || looked >= 200) {
                continue;
            }
            try (LineReader lines = new LineReader(open(conf, v.path()), 0, Long.MAX_VALUE, true)) {
                while (looked < 200 && lines.next()) {
                    if (lines.blank()) {
                        continue;
                    }
                    looked++;
                    if (lines.tooLong) {
                        return;
                    }
                    String t = lines.text().strip();
                    RawJson.Kind k = RawJson.kindOf(t, "\u0000");
                    if (k != RawJson.Kind.MALFORMED && k != RawJson.Kind.NOT_OBJECT) {
                        return;
                    }
                    if (firstLine == null) {
                        firstFile = v.path();
                        firstLine = t;
                    }
                }
            } catch (IOException | RuntimeException e) {
                return;
            }
        }
        if (arrayProblem != null) {
            throw new BadInputException(
                    arrayFile,
                    "no_json_objects",
                    "Cannot read input " + inputs + ": " + arrayFile + " " + arrayProblem
                            + "; crest reads JSON Lines (one object per line) or .json files holding arrays of objects",
                    null);
        }
        if (firstLine != null) {
            throw new BadInputException(
                    firstFile,
                    "no_json_objects",
                    "Cannot read input " + inputs + ": none of its lines "
                            + "is a JSON object, e.g. " + firstFile + " starts with '"
                            + (firstLine.length() > 60 ? firstLine.substring(0, 60) + "..." : firstLine)
                            + "'; crest reads JSON Lines (one object per line) or "
                            + ".json files holding arrays of objects",
                    null);
        }
    }

    private static DataType typeOf(Kind k) {
        switch (k) {
            case LONG:
                return DataTypes.LongType;
            case DOUBLE:
                return DataTypes.DoubleType;
            case BOOLEAN:
                return DataTypes.BooleanType;
            default:
                return DataTypes.StringType;
        }
    }

    /**
     * Top-level keys of the first records, in order of first appearance, with a type. Keys that cannot be
     * columns (empty, internal names, a case variant of a key seen first) are left to crest_extra.
     */
    static LinkedHashMap<String, Kind> sample(Configuration conf, List<Verdict> files, List<String> stringCols) {
        LinkedHashMap<String, Kind> cols = new LinkedHashMap<>();
        int seen = 0;
        int nfiles = 0;
        for (Verdict v : files) {
            if (v.shape() != Shape.LINES || seen >= SAMPLE_RECORDS || nfiles++ >= SAMPLE_FILES) {
                continue;
            }
            try (LineReader lines = new LineReader(open(conf, v.path()), 0, Long.MAX_VALUE, true)) {
                int inFile = 0;
                while (seen < SAMPLE_RECORDS && inFile < SAMPLE_RECORDS / 4 + 1 && lines.next()) {
                    if (lines.tooLong || lines.blank()) {
                        continue;
                    }
                    inFile++;
                    seen++;
                    sampleLine(lines.text(), cols);
                }
            } catch (IOException | RuntimeException e) {
                // the sample is only a guess at the columns; FileCheck and the read name any real problem
            }
        }
        // the first array files' first records, when there are only array files (an empty array, `[]`, gives
        // no columns: the next array file is sampled)
        if (cols.isEmpty()) {
            int arrays = 0;
            for (Verdict v : files) {
                if (v.shape() == Shape.JSON_ARRAY) {
                    // streamed, whatever the file's size (before, files over 64 MB were not sampled and a large array
                    // of records was refused for want of a text column)
                    try (InputStream in = open(conf, v.path())) {
                        seen += sampleArray(in, cols, SAMPLE_RECORDS - seen);
                    } catch (IOException | RuntimeException e) {
                        // see above
                    }
                    if (!cols.isEmpty() || seen >= SAMPLE_RECORDS || ++arrays >= SAMPLE_FILES) {
                        break;
                    }
                }
            }
        }
        // one column per name up to case (Spark cannot hold Text and text both); crest's own columns (the text
        // or messages column) win over their case variants, else the first seen wins; the others go to crest_extra
        LinkedHashMap<String, Kind> kept = new LinkedHashMap<>();
        for (Map.Entry<String, Kind> e : cols.entrySet()) {
            String n = e.getKey();
            boolean crests = stringCols.contains(n);
            boolean variantOfCrests =
                    !crests && stringCols.stream().anyMatch(c -> c.equalsIgnoreCase(n) && cols.containsKey(c));
            boolean variantOfKept = kept.keySet().stream().anyMatch(k -> k.equalsIgnoreCase(n));
            // two of crest's own columns that differ only by case (evaluate asks for goal and Goal): the first wins
            if (crests ? !variantOfKept : !variantOfCrests && !variantOfKept) {
                kept.put(n, e.getValue() == null ? Kind.STRING : e.getValue());
            }
        }
        return kept;
    }

    /**
     * Samples the columns of the first {@code limit} values of a .json file's top-level arrays (and other top-level
     * values), streaming: the file is never held whole. Returns how many values it looked at.
     */
    static int sampleArray(InputStream in, LinkedHashMap<String, Kind> cols, int limit) throws IOException {
        int n = 0;
        try (JsonParser p = FACTORY.createParser(in)) {
            JsonToken t;
            while (n < limit && (t = p.nextToken()) != null) {
                if (t != JsonToken.START_ARRAY) {
                    sampleValue(p, cols);
                    n++;
                    continue;
                }
                while (n < limit && (t = p.nextToken()) != null && t != JsonToken.END_ARRAY) {
                    sampleValue(p, cols);
                    n++;
                }
            }
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            // a file that stops being JSON is quarantined whole when read; what was sampled stands
        }
        return n;
    }

    /** Samples one value (the parser at its first token): an object's keys, anything else skipped. */
    private static void sampleValue(JsonParser p, LinkedHashMap<String, Kind> cols) throws IOException {
        if (p.currentToken() == JsonToken.START_OBJECT) {
            sampleObject(p, cols);
        } else {
            p.skipChildren();
        }
    }

    private static void sampleLine(String line, LinkedHashMap<String, Kind> cols) {
        try (JsonParser p = FACTORY.createParser(RawJson.stripBom(line))) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                return;
            }
            sampleObject(p, cols);
        } catch (IOException | RuntimeException e) {
            // a malformed record has no say in the columns
        }
    }

    /** The keys of one object (the parser at its START_OBJECT) into {@code cols}; the parser ends at its END_OBJECT. */
    private static void sampleObject(JsonParser p, LinkedHashMap<String, Kind> cols) throws IOException {
        java.util.Set<String> inRecord = new java.util.HashSet<>();
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String name = p.currentName();
            JsonToken v = p.nextToken();
            p.skipChildren();
            if (!columnName(name) || !inRecord.add(name)) {
                continue;
            }
            Kind k = kindOf(v);
            if (cols.containsKey(name)) {
                if (k != null) {
                    cols.put(name, merge(cols.get(name), k));
                }
            } else if (cols.size() < 10_000) {
                cols.put(name, k); // null until a non-null value is seen
            }
        }
    }

    /** A key that can be a column: not empty, not an internal or crest output name. */
    static boolean columnName(String name) {
        return !name.isEmpty()
                && !Source.isInternal(name)
                && !name.equalsIgnoreCase(Columns.EXTRA_COL)
                && name.chars().noneMatch(ch -> ch < 0x20)
                && !Text.hasLoneSurrogate(name);
    }

    private static Kind kindOf(JsonToken v) {
        switch (v) {
            case VALUE_STRING:
                return Kind.STRING;
            case VALUE_NUMBER_INT:
                return Kind.LONG;
            case VALUE_NUMBER_FLOAT:
                return Kind.DOUBLE;
            case VALUE_TRUE:
            case VALUE_FALSE:
                return Kind.BOOLEAN;
            case VALUE_NULL:
                return null;
            default:
                return Kind.JSON;
        }
    }

    private static Kind merge(Kind a, Kind b) {
        if (a == null || a == b) {
            return b;
        }
        if (a == b) {
            return a;
        }
        if ((a == Kind.LONG && b == Kind.DOUBLE) || (a == Kind.DOUBLE && b == Kind.LONG)) {
            return Kind.DOUBLE;
        }
        return Kind.JSON; // mixed types: read as string (the JSON text of non-strings)
    }

    static InputStream open(Configuration conf, String file) throws IOException {
        Path path = new Path(file);
        FileSystem fs = FileCheck.dataFileSystem(path, conf);
        CompressionCodec codec = new CompressionCodecFactory(conf).getCodec(path);
        FSDataInputStream in = fs.open(path);
        return codec == null
                ? in
                : StrictBlockStream.open(codec, in, fs.getFileStatus(path).getLen());
    }

    /**
     * The elements of a .json file that holds one or more top-level arrays (or other values), each as its
     * JSON text; a file that does not parse to its end is one element: its whole text (malformed JSON).
     */
    static List<String> arrayElements(byte[] all) {
        int off = all.length >= 3 && (all[0] & 0xff) == 0xef && (all[1] & 0xff) == 0xbb && (all[2] & 0xff) == 0xbf
                ? 3
                : 0;
        List<String> out = new ArrayList<>();
        try (JsonParser p = FACTORY.createParser(all, off, all.length - off)) {
            JsonToken t;
            while ((t = p.nextToken()) != null) {
                if (t == JsonToken.START_ARRAY) {
                    while ((t = p.nextToken()) != JsonToken.END_ARRAY) {
                        if (t == null) {
                            throw new IOException("unterminated array");
                        }
                        out.add(slice(all, p, off));
                    }
                } else {
                    out.add(slice(all, p, off));
                }
            }
            return out;
        } catch (IOException | RuntimeException e) {
            return List.of(new String(all, off, all.length - off, StandardCharsets.UTF_8));
        }
    }

    /**
     * What keeps a .json file's arrays from giving records: null when some element (or top-level value) is an
     * object, "" when it holds no values at all (an empty array), else a description: where it stops being valid
     * JSON (junk after the array, a cut), or what its elements are instead of objects (arrays, strings, ...).
     */
    static String arrayProblem(byte[] all) {
        int off = all.length >= 3 && (all[0] & 0xff) == 0xef && (all[1] & 0xff) == 0xbb && (all[2] & 0xff) == 0xbf
                ? 3
                : 0;
        String firstOther = null;
        boolean any = false;
        boolean anyObject = false;
        try (JsonParser p = FACTORY.createParser(all, off, all.length - off)) {
            JsonToken t;
            while ((t = p.nextToken()) != null) {
                boolean inArray = t == JsonToken.START_ARRAY;
                if (inArray) {
                    t = p.nextToken();
                }
                while (t != null && t != JsonToken.END_ARRAY) {
                    any = true;
                    if (t == JsonToken.START_OBJECT) {
                        anyObject = true; // read on to the end: junk after the array is what makes it no records
                    } else if (firstOther == null) {
                        firstOther = (inArray ? "its arrays' elements are " : "it holds top-level ") + kindName(t);
                    }
                    p.skipChildren();
                    if (!inArray) {
                        break;
                    }
                    t = p.nextToken();
                }
                if (inArray && t == null) {
                    return "is cut short: an array is not closed";
                }
            }
        } catch (IOException | RuntimeException e) {
            String where =
                    e instanceof com.fasterxml.jackson.core.JsonProcessingException jpe && jpe.getLocation() != null
                            ? " at line " + jpe.getLocation().getLineNr() + ", column "
                                    + jpe.getLocation().getColumnNr()
                            : "";
            String msg = e instanceof com.fasterxml.jackson.core.JsonProcessingException jpe
                    ? jpe.getOriginalMessage()
                    : String.valueOf(e.getMessage());
            msg = msg == null ? "" : msg.lines().findFirst().orElse("");
            return "is not valid JSON" + where + " (" + (msg.length() > 120 ? msg.substring(0, 120) + "..." : msg)
                    + ")";
        }
        return anyObject ? null : any ? firstOther + ", not objects" : "";
    }

    private static String kindName(JsonToken t) {
        switch (t) {
            case START_ARRAY:
                return "arrays";
            case VALUE_STRING:
                return "strings";
            case VALUE_NUMBER_INT:
            case VALUE_NUMBER_FLOAT:
                return "numbers";
            case VALUE_TRUE:
            case VALUE_FALSE:
                return "booleans";
            case VALUE_NULL:
                return "nulls";
            default:
                return String.valueOf(t);
        }
    }

    /** True when {@code json} holds the JSON escape backslash-u0000 (a NUL once decoded), not an escaped backslash. */
    static boolean hasEscapedNul(String json) {
        int i = json.indexOf("\\u0000");
        while (i >= 0) {
            int backslashes = 0;
            for (int j = i - 1; j >= 0 && json.charAt(j) == '\\'; j--) {
                backslashes++;
            }
            if (backslashes % 2 == 0) {
                return true;
            }
            i = json.indexOf("\\u0000", i + 1);
        }
        return false;
    }

    /** The current value's JSON text (the parser is at its first token; afterwards at its last). */
    private static String slice(byte[] all, JsonParser p, int off) throws IOException {
        long start = p.currentTokenLocation().getByteOffset();
        p.skipChildren();
        long end = p.currentLocation().getByteOffset();
        if (p.currentToken() == JsonToken.VALUE_STRING && end < all.length - off) {
            // the location of a string token is after its closing quote only once it is read
            p.getText();
            end = p.currentLocation().getByteOffset();
        }
        return new String(all, (int) (off + start), (int) (end - start), StandardCharsets.UTF_8).trim();
    }

    /** Reads lines split on \n only from a byte range; a line is owned by the split its first byte falls in. */
    static final class LineReader implements AutoCloseable {
        private final InputStream in;
        private final long end;
        private long pos;
        private final byte[] buf = new byte[1 << 16];
        private int bufLen;
        private int bufPos;
        private final ByteArrayOutputStream line = new ByteArrayOutputStream();
        boolean tooLong;
        private boolean content;
        long lineBytes;
        private boolean first;

        LineReader(InputStream in, long start, long end, boolean whole) throws IOException {
            this.in = in;
            this.end = end;
            this.first = start == 0;
            if (start > 0) {
                ((FSDataInputStream) in).seek(start - 1);
                pos = start - 1;
                // skip the rest of the line the previous split owns (possibly just the \n before start)
                int b;
                while ((b = read()) >= 0 && b != '\n') {
                    // skipping
                }
            }
        }

        private int read() throws IOException {
            if (bufPos == bufLen) {
                bufLen = in.read(buf, 0, buf.length);
                bufPos = 0;
                if (bufLen <= 0) {
                    bufLen = 0;
                    return -1;
                }
            }
            pos++;
            return buf[bufPos++] & 0xff;
        }

        /** Reads the next line (without its \n); false at the end of the range. */
        boolean next() throws IOException {
            if (pos >= end && !(pos == 0 && end == 0)) {
                return false;
            }
            line.reset();
            tooLong = false;
            content = false;
            lineBytes = 0;
            int b;
            boolean any = false;
            while ((b = read()) >= 0) {
                any = true;
                if (b == '\n') {
                    break;
                }
                lineBytes++;
                content |= b > 0x20 && !(first && lineBytes <= 3 && (byte) b == Ledger.BOM[(int) lineBytes - 1]);
                if (lineBytes <= MAX_LINE_BYTES) {
                    line.write(b);
                } else if (!tooLong) {
                    tooLong = true;
                }
            }
            if (!any) {
                return false;
            }
            if (first) {
                first = false;
                byte[] l = line.toByteArray();
                if (l.length >= 3 && (l[0] & 0xff) == 0xef && (l[1] & 0xff) == 0xbb && (l[2] & 0xff) == 0xbf) {
                    line.reset();
                    line.write(l, 3, l.length - 3);
                }
            }
            return true;
        }

        byte[] bytes() {
            return line.toByteArray();
        }

        String text() {
            return line.toString(StandardCharsets.UTF_8);
        }

        /** Only bytes <= 0x20 (whitespace, control characters): not a record; the ledger counts the same way. */
        boolean blank() {
            if (tooLong) {
                // judged on every byte, also those past the kept prefix: a line of 65 MB of spaces is blank, as the
                // ledger counts it (before, it was read as a line_too_long record the ledger did not count: exit 1)
                return !content;
            }
            byte[] l = line.toByteArray();
            for (byte x : l) {
                if ((x & 0xff) > 0x20) {
                    return false;
                }
            }
            return true;
        }

        @Override
        public void close() throws IOException {
            in.close();
        }
    }

    /** Executor side: one split in, rows out. */
    static final class Parse implements FlatMapFunction<Split, Row> {
        private static final long serialVersionUID = 1L;
        private final ConfBytes conf;
        private final List<String> names;
        private final List<Kind> kinds;
        private final List<List<String>> derived;
        private final List<String> parts;
        private final Map<String, Map<String, String>> partitionValues;
        /** The last file and its {@link InputReader#pathKey}: a task reads one file's records in a row. */
        private transient String keyOf;

        private transient String key;

        Parse(
                ConfBytes conf,
                List<String> names,
                List<Kind> kinds,
                List<List<String>> derived,
                List<String> parts,
                Map<String, Map<String, String>> partitionValues) {
            this.conf = conf;
            this.names = names;
            this.kinds = kinds;
            this.derived = new ArrayList<>(derived);
            this.parts = parts;
            this.partitionValues = partitionValues;
        }

        @Override
        public Iterator<Row> call(Split s) throws IOException {
            Map<String, String> pv = partitionValues.getOrDefault(s.path(), Map.of());
            if (s.array()) {
                byte[] all;
                try (InputStream in = open(conf.get(), s.path())) {
                    all = in.readAllBytes();
                }
                List<Row> out = new ArrayList<>();
                for (String el : arrayElements(all)) {
                    out.add(safeRow(el, el.getBytes(StandardCharsets.UTF_8), false, s.path(), pv));
                }
                return out.iterator();
            }
            InputStream in = open(conf.get(), s.path());
            LineReader lines = new LineReader(in, s.start(), s.whole() ? Long.MAX_VALUE : s.end(), s.whole());
            return new Iterator<>() {
                private Row nextRow;
                private boolean done;

                @Override
                public boolean hasNext() {
                    if (nextRow != null) {
                        return true;
                    }
                    if (done) {
                        return false;
                    }
                    try {
                        while (lines.next()) {
                            if (lines.blank()) {
                                continue;
                            }
                            nextRow = safeRow(null, lines.bytes(), lines.tooLong, s.path(), pv);
                            return true;
                        }
                        done = true;
                        lines.close();
                        return false;
                    } catch (IOException e) {
                        throw new java.io.UncheckedIOException("Cannot read " + s.path() + ": " + e.getMessage(), e);
                    }
                }

                @Override
                public Row next() {
                    if (!hasNext()) {
                        throw new NoSuchElementException();
                    }
                    Row r = nextRow;
                    nextRow = null;
                    return r;
                }
            };
        }

        /** Never throws for a record: an Error or exception while parsing it becomes its issue. */
        private Row safeRow(String text, byte[] bytes, boolean tooLong, String file, Map<String, String> pv) {
            try {
                return row(text, bytes, tooLong, file, pv);
            } catch (StackOverflowError | OutOfMemoryError | RuntimeException e) {
                String raw = text != null ? text : prefix(bytes);
                return issueRow(raw, Units.RECORD_ERROR, file, pv);
            }
        }

        private Row row(String text, byte[] bytes, boolean tooLong, String file, Map<String, String> pv) {
            if (tooLong) {
                return issueRow(prefix(bytes) + "...", Units.LINE_TOO_LONG, file, pv);
            }
            String raw = text;
            String issue = null;
            if (raw == null) {
                try {
                    raw = StandardCharsets.UTF_8
                            .newDecoder()
                            .onMalformedInput(CodingErrorAction.REPORT)
                            .onUnmappableCharacter(CodingErrorAction.REPORT)
                            .decode(ByteBuffer.wrap(bytes))
                            .toString();
                } catch (CharacterCodingException e) {
                    raw = new String(bytes, StandardCharsets.UTF_8);
                    issue = Units.INVALID_UTF8;
                }
            }
            if (issue == null && (raw.indexOf('\u0000') >= 0 || hasEscapedNul(raw))) {
                // a NUL written as a JSON escape (backslash u0000) is the same character as a raw NUL byte once decoded
                issue = Units.NUL_BYTE;
            }
            // trailing \r of a CRLF file is not part of the record
            if (raw.endsWith("\r")) {
                raw = raw.substring(0, raw.length() - 1);
            }
            // a byte order mark at the start of a later line: files concatenated with cat, each with its mark
            if (raw.startsWith("\uFEFF")) {
                raw = raw.substring(1);
            }
            if (issue != null) {
                return issueRow(raw, issue, file, pv);
            }
            Object[] values = new Object[names.size() + derived.size() + parts.size() + 4];
            Map<String, String> extra = new LinkedHashMap<>();
            try (JsonParser p = FACTORY.createParser(raw)) {
                JsonToken t = p.nextToken();
                if (t == JsonToken.START_OBJECT) {
                    boolean[] set = new boolean[names.size()];
                    while ((t = p.nextToken()) == JsonToken.FIELD_NAME) {
                        String name = p.currentName();
                        if (Text.hasLoneSurrogate(name)) {
                            // a key like "a\ud800" has no UTF-8 form either: Spark would write it as "a?"
                            return issueRow(raw, Units.INVALID_UTF8, file, pv);
                        }
                        JsonToken v = p.nextToken();
                        int i = names.indexOf(name);
                        long start = p.currentTokenLocation().getCharOffset();
                        Object value;
                        String json;
                        if (v == JsonToken.START_OBJECT || v == JsonToken.START_ARRAY) {
                            p.skipChildren();
                            json = raw.substring(
                                    (int) start, (int) p.currentLocation().getCharOffset());
                            value = json;
                        } else if (v == JsonToken.VALUE_STRING) {
                            value = p.getText();
                            json = null;
                            if (Text.hasLoneSurrogate((String) value)) {
                                // an escape like "\ud800" has no UTF-8 form: Spark would write it as '?'
                                return issueRow(raw, Units.INVALID_UTF8, file, pv);
                            }
                        } else {
                            json = p.getText();
                            value = null;
                        }
                        if (i >= 0 && !set[i]) {
                            Object converted = convert(kinds.get(i), v, value, json, p);
                            if (converted != NO_FIT) {
                                values[i] = converted;
                                set[i] = true;
                                continue;
                            }
                        }
                        String jsonText = json != null ? json : quote((String) value);
                        extra.put(extra.containsKey(name) ? name + "#" + (extra.size() + 1) : name, jsonText);
                    }
                    if (t != JsonToken.END_OBJECT || p.nextToken() != null) {
                        return issueRow(raw, Units.MALFORMED_JSON, file, pv);
                    }
                } else {
                    // not an object: Units says not_an_object or malformed_json from the raw record
                    if (t != null) {
                        p.skipChildren();
                    }
                }
            } catch (StreamConstraintsException e) {
                return issueRow(
                        raw,
                        e.getMessage() != null && e.getMessage().contains("depth")
                                ? Units.TOO_DEEP
                                : Units.MALFORMED_JSON,
                        file,
                        pv);
            } catch (IOException e) {
                return issueRow(raw, Units.MALFORMED_JSON, file, pv);
            }
            for (int d = 0; d < derived.size(); d++) {
                values[names.size() + d] = RawJson.find(raw, derived.get(d)).value();
            }
            fill(values, extra, file, raw, null, pv);
            return RowFactory.create(values);
        }

        private static final Object NO_FIT = new Object();

        private static Object convert(Kind k, JsonToken v, Object value, String json, JsonParser p) {
            if (v == JsonToken.VALUE_NULL) {
                return null;
            }
            try {
                switch (k) {
                    case STRING:
                        // the text column: non-strings are kept as JSON text; Units quarantines them by the raw type
                        return value != null ? value : json;
                    case JSON:
                        return value != null ? value : json;
                    case LONG:
                        return v == JsonToken.VALUE_NUMBER_INT && p.getNumberType() != JsonParser.NumberType.BIG_INTEGER
                                ? (Object) p.getLongValue()
                                : NO_FIT;
                    case DOUBLE:
                        return v == JsonToken.VALUE_NUMBER_INT || v == JsonToken.VALUE_NUMBER_FLOAT
                                ? (Object) p.getDoubleValue()
                                : NO_FIT;
                    case BOOLEAN:
                        return v == JsonToken.VALUE_TRUE
                                ? Boolean.TRUE
                                : v == JsonToken.VALUE_FALSE ? Boolean.FALSE : NO_FIT;
                    default:
                        return NO_FIT;
                }
            } catch (IOException e) {
                return NO_FIT;
            }
        }

        private String fileKey(String file) {
            if (!java.util.Objects.equals(file, keyOf)) {
                key = InputReader.pathKey(file);
                keyOf = file;
            }
            return key;
        }

        private Row issueRow(String raw, String issue, String file, Map<String, String> pv) {
            Object[] values = new Object[names.size() + derived.size() + parts.size() + 4];
            fill(values, Map.of(), file, raw, issue, pv);
            return RowFactory.create(values);
        }

        private void fill(
                Object[] values,
                Map<String, String> extra,
                String file,
                String raw,
                String issue,
                Map<String, String> pv) {
            int i = names.size() + derived.size();
            for (String p : parts) {
                values[i++] = pv.get(p);
            }
            values[i++] = extra.isEmpty() ? null : extraJson(extra);
            values[i++] = fileKey(file);
            values[i++] = raw;
            values[i] = issue;
        }
    }

    private static String extraJson(Map<String, String> extra) {
        StringBuilder s = new StringBuilder("{");
        extra.forEach((k, v) ->
                s.append(s.length() > 1 ? "," : "").append(quote(k)).append(':').append(v));
        return s.append('}').toString();
    }

    static String quote(String s) {
        return "\"" + new String(JsonStringEncoder.getInstance().quoteAsString(s)) + "\"";
    }

    static String prefix(byte[] bytes) {
        return new String(bytes, 0, Math.min(bytes.length, KEEP_PREFIX), StandardCharsets.UTF_8);
    }

    static String lower(String s) {
        return s.toLowerCase(Locale.ROOT);
    }
}
