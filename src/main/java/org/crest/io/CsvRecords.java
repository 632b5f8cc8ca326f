package org.crest.io;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
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
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.api.java.function.FlatMapFunction;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.crest.io.FileCheck.ConfBytes;
import org.crest.io.FileCheck.Shape;
import org.crest.io.FileCheck.Verdict;

/**
 * The label path's CSV reader (comma-separated, RFC 4180 quoting, header in every file), one task per
 * file. Every field is a string; an unquoted empty field is null. A record whose field count differs
 * from the header's is quarantined as malformed_csv (any number of columns, no crash). A quote that is
 * still open at the end of the file (or after {@link JsonRecords#MAX_LINE_BYTES}) does not swallow the
 * rest: the physical line it opened on is quarantined as unbalanced_quote and reading resumes on the next
 * line. {@link Ledger} counts records by the same rules from the bytes, independently.
 */
final class CsvRecords {
    static final int CAP = JsonRecords.MAX_LINE_BYTES;

    private CsvRecords() {}

    static Dataset<Row> read(
            SparkSession spark,
            List<String> inputs,
            List<Verdict> files,
            Map<String, Map<String, String>> partitionValues,
            List<String> partitionCols) {
        Configuration conf = spark.sparkContext().hadoopConfiguration();
        List<Verdict> nonEmpty =
                files.stream().filter(v -> v.shape() != Shape.EMPTY).toList();
        JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
        ConfBytes cb = new ConfBytes(conf);
        List<String> paths = nonEmpty.stream().map(Verdict::path).toList();
        List<String> headers = jsc.parallelize(paths, Math.max(1, Math.min(paths.size(), jsc.defaultParallelism() * 4)))
                .map(p -> headerOf(cb.get(), p))
                .collect();
        String first = null;
        for (int i = 0; i < paths.size(); i++) {
            String h = headers.get(i);
            if (h == null) {
                continue;
            }
            if (first == null) {
                first = h;
            } else if (!first.equals(h) && !parse(first, false).equals(parse(h, false))) {
                // the same names quoted in one file and not in another ("id","text" and id,text) are the same header
                throw new BadInputException(
                        paths.get(i),
                        "csv_header_mismatch",
                        "Cannot read input: " + paths.get(i)
                                + ": its CSV header differs from the first file's ("
                                + String.join(", ", parse(h, false)) + " vs "
                                + String.join(", ", parse(first, false))
                                + "); crest never maps columns by position: give such files "
                                + "the same header",
                        null);
            }
        }
        List<String> names = columnNames(first == null ? List.of("text") : parse(first, false));
        List<String> parts = new ArrayList<>();
        for (String p : partitionCols) {
            if (names.stream().noneMatch(n -> n.equalsIgnoreCase(p))) {
                parts.add(p);
            }
        }
        List<StructField> fields = new ArrayList<>();
        for (String n : names) {
            fields.add(DataTypes.createStructField(n, DataTypes.StringType, true));
        }
        for (String p : parts) {
            fields.add(DataTypes.createStructField(p, DataTypes.StringType, true));
        }
        fields.add(DataTypes.createStructField(Source.FILE_COL, DataTypes.StringType, false));
        fields.add(DataTypes.createStructField(Source.RAW_COL, DataTypes.StringType, true));
        fields.add(DataTypes.createStructField(Source.ISSUE_COL, DataTypes.StringType, true));
        JavaRDD<Row> rows = jsc.parallelize(paths, Math.max(1, paths.size()))
                .flatMap(new Parse(cb, names.size(), parts, partitionValues));
        return spark.createDataFrame(rows, DataTypes.createStructType(fields));
    }

    /** Header names: a UTF-8 byte order mark stripped, empty ones named _cN, repeated ones (any case) suffixed N. */
    static List<String> columnNames(List<String> header) {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < header.size(); i++) {
            String h = header.get(i) == null ? "" : header.get(i);
            if (i == 0 && h.startsWith("\uFEFF")) {
                h = h.substring(1);
            }
            String n = h.isEmpty() ? "_c" + i : h;
            final String cand = n;
            if (out.stream().anyMatch(o -> o.equalsIgnoreCase(cand))) {
                n = n + i;
            }
            out.add(n);
        }
        return out;
    }

    /** The first record of a file, as text, or null when it has none. */
    static String headerOf(Configuration conf, String path) throws IOException {
        try (Records r = new Records(conf, path)) {
            if (!r.next()) {
                return null;
            }
            return r.text.startsWith("\uFEFF") ? r.text.substring(1) : r.text;
        }
    }

    /** Fields of one record (its terminator removed): quotes removed, "" inside quotes a quote, CRLF inside quotes \n. */
    static List<String> parse(String rec, boolean nullForEmpty) {
        List<String> fields = new ArrayList<>();
        StringBuilder cur = new StringBuilder();
        boolean q = false;
        boolean quoted = false;
        boolean start = true; // nothing but spaces or tabs in the field so far: a quote here opens quoting
        for (int i = 0; i < rec.length(); i++) {
            char c = rec.charAt(i);
            if (q) {
                if (c == '"') {
                    if (i + 1 < rec.length() && rec.charAt(i + 1) == '"') {
                        cur.append('"');
                        i++;
                    } else {
                        q = false;
                    }
                } else if (c == '\r' && i + 1 < rec.length() && rec.charAt(i + 1) == '\n') {
                    // CRLF inside quotes becomes \n
                } else {
                    cur.append(c);
                }
            } else if (c == '"' && start && !quoted) {
                q = true;
                quoted = true;
                start = false;
            } else if (c == ',') {
                fields.add(value(cur, quoted, nullForEmpty));
                cur.setLength(0);
                quoted = false;
                start = true;
            } else {
                cur.append(c); // a quote inside an unquoted field is an ordinary character (5" screen)
                start = start && (c == ' ' || c == '\t' || c == '\uFEFF');
            }
        }
        fields.add(value(cur, quoted, nullForEmpty));
        return fields;
    }

    private static String value(StringBuilder cur, boolean quoted, boolean nullForEmpty) {
        return cur.length() == 0 && !quoted && nullForEmpty ? null : cur.toString();
    }

    /**
     * Splits a file into CSV records: a newline outside quotes ends one (a CR before it is dropped); an
     * empty record (blank line) is skipped; a quote still open at the end of the file or after CAP bytes
     * makes the physical line it opened on one record (unbalanced) and reading resumes after that line.
     */
    static final class Records implements AutoCloseable {
        private final Configuration conf;
        private final String path;
        private InputStream in;
        private long pos; // offset of the next byte to read
        private final byte[] buf = new byte[1 << 16];
        private int len;
        private int at;
        private final ByteArrayOutputStream rec = new ByteArrayOutputStream();
        private final CsvQuotes quotes = new CsvQuotes();
        String text;
        boolean unbalanced;
        boolean tooLong;
        boolean invalidUtf8;

        Records(Configuration conf, String path) throws IOException {
            this.conf = conf;
            this.path = path;
            this.in = JsonRecords.open(conf, path);
        }

        private int read() throws IOException {
            if (at == len) {
                len = in.read(buf, 0, buf.length);
                at = 0;
                if (len <= 0) {
                    len = 0;
                    return -1;
                }
            }
            pos++;
            return buf[at++] & 0xff;
        }

        /** Reopens the file at {@code offset} (compressed files are decompressed again up to it). */
        private void resumeAt(long offset) throws IOException {
            in.close();
            in = JsonRecords.open(conf, path);
            in.skipNBytes(offset);
            pos = offset;
            at = 0;
            len = 0;
        }

        boolean next() throws IOException {
            while (true) {
                rec.reset();
                unbalanced = false;
                tooLong = false;
                long start = pos;
                long firstNl = -1;
                long size = 0;
                quotes.reset();
                boolean badClose = false;
                boolean any = false;
                int b;
                boolean ended = false;
                while ((b = read()) >= 0) {
                    any = true;
                    if (b == '\n' && firstNl < 0) {
                        firstNl = pos - 1;
                    }
                    boolean wasQuoted = quotes.feed(b, pos - 1 < 3 && (byte) b == Ledger.BOM[(int) (pos - 1)]);
                    if (b == '\n' && !wasQuoted) {
                        ended = true;
                        break;
                    }
                    if (quotes.badClose() && firstNl >= 0) {
                        badClose = true; // a quote that spanned lines closed without a delimiter: unbalanced
                        break;
                    }
                    size++;
                    if (size <= CAP) {
                        rec.write(b);
                    } else if (quotes.inQuotes() && firstNl >= 0) {
                        break; // a quote open for more than CAP bytes: unbalanced
                    } else {
                        tooLong = true;
                    }
                }
                if (!any) {
                    return false;
                }
                boolean q = quotes.inQuotes() || badClose;
                if (!ended && q && firstNl >= 0) {
                    // the quote never closed: the line it opened on is the record; resume after it
                    byte[] all = rec.toByteArray();
                    int lineLen = (int) Math.min(all.length, firstNl - start);
                    rec.reset();
                    rec.write(all, 0, lineLen);
                    unbalanced = true;
                    resumeAt(firstNl + 1);
                } else if (!ended && q) {
                    unbalanced = true;
                }
                byte[] bytes = rec.toByteArray();
                int n = bytes.length;
                while (n > 0 && bytes[n - 1] == '\r') {
                    n--; // CRLF, and CRCRLF (a CRLF file written again in text mode on Windows)
                }
                boolean blank = true;
                for (int i = 0; i < n && blank; i++) {
                    // the file's UTF-8 byte order mark is not content: a mark alone on the first line is a blank line
                    blank = bytes[i] == '\r' || start == 0 && i < 3 && bytes[i] == Ledger.BOM[i];
                }
                if (blank && !unbalanced) {
                    continue; // a blank line (nothing but CRs) is not a record, as the ledger counts
                }
                try {
                    text = StandardCharsets.UTF_8
                            .newDecoder()
                            .onMalformedInput(CodingErrorAction.REPORT)
                            .onUnmappableCharacter(CodingErrorAction.REPORT)
                            .decode(ByteBuffer.wrap(bytes, 0, n))
                            .toString();
                    invalidUtf8 = false;
                } catch (CharacterCodingException e) {
                    text = new String(bytes, 0, n, StandardCharsets.UTF_8);
                    invalidUtf8 = true;
                }
                return true;
            }
        }

        @Override
        public void close() throws IOException {
            in.close();
        }
    }

    /** Executor side: one file in, its records out (the header skipped). */
    static final class Parse implements FlatMapFunction<String, Row> {
        private static final long serialVersionUID = 1L;
        private final ConfBytes conf;
        private final int columns;
        private final List<String> parts;
        private final Map<String, Map<String, String>> partitionValues;

        Parse(ConfBytes conf, int columns, List<String> parts, Map<String, Map<String, String>> partitionValues) {
            this.conf = conf;
            this.columns = columns;
            this.parts = parts;
            this.partitionValues = new LinkedHashMap<>(partitionValues);
        }

        @Override
        public Iterator<Row> call(String path) throws IOException {
            Records r = new Records(conf.get(), path);
            Map<String, String> pv = partitionValues.getOrDefault(path, Map.of());
            String key = InputReader.pathKey(path);
            boolean header = r.next(); // the header record
            String headerText = header ? withoutBom(r.text) : null;
            return new Iterator<>() {
                private Row nextRow;
                private boolean done = !header;

                @Override
                public boolean hasNext() {
                    if (nextRow != null) {
                        return true;
                    }
                    if (done) {
                        return false;
                    }
                    try {
                        if (r.next()) {
                            nextRow = row(r, key, pv, headerText);
                            return true;
                        }
                        done = true;
                        r.close();
                        return false;
                    } catch (IOException e) {
                        throw new java.io.UncheckedIOException("Cannot read " + path + ": " + e.getMessage(), e);
                    }
                }

                @Override
                public Row next() {
                    if (!hasNext()) {
                        throw new NoSuchElementException();
                    }
                    Row x = nextRow;
                    nextRow = null;
                    return x;
                }
            };
        }

        private Row row(Records r, String file, Map<String, String> pv, String header) {
            Object[] v = new Object[columns + parts.size() + 3];
            String issue = null;
            String raw = null;
            try {
                if (r.tooLong) {
                    issue = Units.LINE_TOO_LONG;
                    raw = r.text.substring(0, Math.min(r.text.length(), JsonRecords.KEEP_PREFIX)) + "...";
                } else if (r.unbalanced) {
                    issue = Units.UNBALANCED_QUOTE;
                    raw = r.text;
                } else if (r.invalidUtf8) {
                    issue = Units.INVALID_UTF8;
                    raw = r.text;
                } else if (r.text.indexOf('\u0000') >= 0) {
                    issue = Units.NUL_BYTE;
                    raw = r.text;
                } else if (withoutBom(r.text).equals(header)) {
                    issue = Units.REPEATED_HEADER;
                    raw = r.text;
                } else {
                    List<String> f = parse(r.text, true);
                    if (f.size() != columns) {
                        issue = Units.MALFORMED_CSV;
                        raw = r.text;
                    } else {
                        for (int i = 0; i < columns; i++) {
                            v[i] = f.get(i);
                        }
                    }
                }
            } catch (RuntimeException | StackOverflowError | OutOfMemoryError e) {
                issue = Units.RECORD_ERROR;
                raw = r.text;
            }
            int i = columns;
            for (String p : parts) {
                v[i++] = pv.get(p);
            }
            v[i++] = file;
            v[i++] = raw;
            v[i] = issue;
            return RowFactory.create(v);
        }
    }

    private static String withoutBom(String s) {
        return s.startsWith("\uFEFF") ? s.substring(1) : s;
    }

    static String lower(String s) {
        return s.toLowerCase(Locale.ROOT);
    }
}
