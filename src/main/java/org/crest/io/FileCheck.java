package org.crest.io;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataInputStream;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.io.compress.CompressionCodec;
import org.apache.hadoop.io.compress.CompressionCodecFactory;
import org.apache.hadoop.io.compress.GzipCodec;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.hadoop.util.HadoopInputFile;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.api.java.function.FlatMapFunction;
import org.apache.spark.sql.SparkSession;

/**
 * Looks at every input file before Spark reads it, in parallel on the executors, so that a file that
 * is not data of the expected format is named up front instead of failing a task deep in the job (or,
 * with Spark's ignoreCorruptFiles, vanishing without a word).
 *
 * <p>The quick check (always) reads a few bytes per file: gzip magic of .gz files, UTF-16 byte order
 * marks and binary content in text files, Parquet magic at both ends and the Parquet footer. The deep
 * check (--skip-corrupt-files) also decompresses text files to the end, which finds truncated or
 * corrupt gzip streams; it costs one extra read of the input.
 */
public final class FileCheck {
    /** Reason codes of {@link FileProblem}. */
    public static final String NOT_GZIP = "not_gzip";

    public static final String CORRUPT_COMPRESSED = "corrupt_compressed";
    public static final String UTF16 = "utf16";
    public static final String BINARY = "binary_in_text";
    public static final String PARQUET_AS_TEXT = "parquet_as_text";
    public static final String ZERO_BYTE_PARQUET = "zero_byte_parquet";
    public static final String NOT_PARQUET = "not_parquet";
    public static final String CORRUPT_PARQUET_FOOTER = "corrupt_parquet_footer";
    public static final String UNREADABLE = "unreadable";
    /** Compressed bytes (gzip, lz4, zstd, bzip2, xz, zip) in a file whose name says plain text, or LZ4 frames. */
    public static final String COMPRESSED_AS_TEXT = "compressed_as_text";

    public static final String LZ4_FRAME = "lz4_frame";
    /** A .json array file over 2 GiB (decompressed): it is read whole into one byte array. */
    public static final String JSON_ARRAY_TOO_LARGE = "json_array_too_large";
    /** Text whose lines end in a lone CR (classic Mac OS): crest splits records on LF only. */
    public static final String CR_LINE_ENDS = "cr_line_ends";
    /** A Parquet column of a type (UUID, TIMESTAMP(NANOS), INTERVAL) or codec (brotli, lzo) Spark cannot read. */
    public static final String UNSUPPORTED_PARQUET = "unsupported_parquet";

    /** Parquet top-level columns whose names differ only in case (text, Text): Spark cannot tell them apart. */
    public static final String CASE_VARIANT_COLUMNS = "case_variant_columns";

    /** What one file holds, as far as the check could see. */
    public enum Shape {
        /** zero bytes of a text format: no records */
        EMPTY,
        /** text lines (JSON Lines, CSV) */
        LINES,
        /** a .json file holding one top-level JSON array */
        JSON_ARRAY,
        PARQUET,
        /** see the problem */
        BAD
    }

    /** The check's verdict on one file; {@code problem} is null unless the shape is BAD. */
    public record Verdict(
            String path,
            long bytes,
            Shape shape,
            FileProblem problem,
            java.util.Map<String, String> columns,
            long records)
            implements Serializable {
        Verdict(String path, long bytes, Shape shape, FileProblem problem) {
            this(path, bytes, shape, problem, java.util.Map.of(), shape == Shape.EMPTY ? 0 : -1);
        }

        Verdict(String path, long bytes, Shape shape, FileProblem problem, java.util.Map<String, String> columns) {
            this(path, bytes, shape, problem, columns, -1);
        }

        /** The same verdict with the ledger's record count. */
        Verdict withRecords(long n) {
            return new Verdict(path, bytes, shape, problem, columns, n);
        }
    }

    private static final int SNIFF_BYTES = 4096;
    private static final byte[] PAR1 = {'P', 'A', 'R', '1'};

    private FileCheck() {}

    /** Checks {@code files} (path and size) on the executors, one task per few files; verdicts in input order. */
    public static List<Verdict> scan(
            SparkSession spark, List<InputFile> files, InputFormat format, boolean deep, List<String> columns) {
        if (files.isEmpty()) {
            return List.of();
        }
        JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
        int slices = Math.min(files.size(), Math.max(1, jsc.defaultParallelism() * 4));
        ConfBytes conf = new ConfBytes(spark.sparkContext().hadoopConfiguration());
        spark.sparkContext()
                .setJobDescription("crest: check " + files.size() + " input file(s)"
                        + (deep ? ", decompressing them to the end" : ""));
        try {
            return jsc.parallelize(files, slices)
                    .mapPartitions(new Check(conf, format, deep, columns))
                    .collect();
        } finally {
            spark.sparkContext().setJobDescription(null);
        }
    }

    /** One input file as listed on the driver. */
    public record InputFile(String path, long bytes) implements Serializable {}

    private static final class Check implements FlatMapFunction<Iterator<InputFile>, Verdict> {
        private static final long serialVersionUID = 1L;
        private final ConfBytes conf;
        private final InputFormat format;
        private final boolean deep;
        private final List<String> columns;

        Check(ConfBytes conf, InputFormat format, boolean deep, List<String> columns) {
            this.conf = conf;
            this.format = format;
            this.deep = deep;
            this.columns = List.copyOf(columns);
        }

        @Override
        public Iterator<Verdict> call(Iterator<InputFile> files) {
            List<Verdict> out = new ArrayList<>();
            while (files.hasNext()) {
                out.add(check(conf.get(), files.next(), format, deep, columns));
            }
            return out.iterator();
        }
    }

    /**
     * The file system to read an input file's bytes from: for local files the raw one, without Hadoop's checksum
     * layer. That layer looks for a {@code .NAME.crc} beside every file it opens, which fails for a name with a colon
     * ({@code a:b.jsonl}: "Relative path in absolute URI") and for a file whose stale .crc no longer matches it; crest
     * reads input bytes as they are and never writes a .crc.
     */
    static FileSystem dataFileSystem(Path path, Configuration conf) throws IOException {
        FileSystem fs = path.getFileSystem(conf);
        return fs instanceof org.apache.hadoop.fs.LocalFileSystem local ? local.getRawFileSystem() : fs;
    }

    /** The verdict on one file; never throws for a bad file. */
    static Verdict check(Configuration conf, InputFile f, InputFormat format, boolean deep, List<String> columns) {
        Path path = new Path(f.path());
        try {
            FileSystem fs = dataFileSystem(path, conf);
            if (format == InputFormat.PARQUET) {
                return checkParquet(conf, fs, path, f, columns);
            }
            if (f.bytes() == 0) {
                return new Verdict(f.path(), 0, Shape.EMPTY, null);
            }
            CompressionCodec codec = new CompressionCodecFactory(conf).getCodec(path);
            if (codec != null && f.path().toLowerCase(Locale.ROOT).endsWith(".lz4")) {
                byte[] head = new byte[4];
                try (FSDataInputStream in = fs.open(path)) {
                    int n = readFully(in, head);
                    if (n == 4
                            && (head[0] & 0xff) == 0x04
                            && (head[1] & 0xff) == 0x22
                            && (head[2] & 0xff) == 0x4d
                            && (head[3] & 0xff) == 0x18) {
                        return bad(
                                f,
                                LZ4_FRAME,
                                "LZ4 frame data (the lz4 command's format, magic 04 22 4d 18); Hadoop's lz4 "
                                        + "codec reads only its own block format: decompress it first (lz4 -d) or recompress with gzip");
                    }
                }
            }
            if (codec instanceof org.apache.hadoop.io.compress.BZip2Codec) {
                // Hadoop's bzip2 stream reads bytes without the BZh header as an empty stream: records lost unsaid
                byte[] head = new byte[4];
                try (FSDataInputStream in = fs.open(path)) {
                    int n = readFully(in, head);
                    if (n < 4 || head[0] != 'B' || head[1] != 'Z' || head[2] != 'h' || head[3] < '1' || head[3] > '9') {
                        return bad(
                                f,
                                CORRUPT_COMPRESSED,
                                "named .bz2 but not bzip2 data: it starts with " + hex(head, n) + ", not BZh");
                    }
                }
            }
            if (codec instanceof GzipCodec) {
                byte[] head = new byte[2];
                try (FSDataInputStream in = fs.open(path)) {
                    int n = readFully(in, head);
                    if (n < 2 || (head[0] & 0xff) != 0x1f || (head[1] & 0xff) != 0x8b) {
                        return bad(f, NOT_GZIP, "named .gz but not gzip data: it starts with " + hex(head, n));
                    }
                }
            }
            try (InputStream in =
                    codec == null ? fs.open(path) : StrictBlockStream.open(codec, fs.open(path), f.bytes())) {
                byte[] head = new byte[SNIFF_BYTES];
                int n = readFully(in, head);
                Verdict v = sniffText(f, head, n, format, codec != null);
                if (v.shape() == Shape.BAD) {
                    return v;
                }
                // the ledger: records counted from the bytes, independently of the reader that labels them
                Ledger.Counter counter = Ledger.counter(format, v.shape());
                if (v.shape() == Shape.JSON_ARRAY) {
                    // a .json array file is read whole into one byte array when labeled: Java cannot hold more than
                    // 2 GiB in one, and one too large for the heap dies with an OutOfMemoryError that ends the JVM
                    if (codec == null && f.bytes() > maxJsonArrayBytes()) {
                        return tooLargeArray(f, f.bytes());
                    }
                    // counted streaming (never held whole here), then drained to the end to measure it decompressed
                    long[] total = {0};
                    InputStream counted =
                            new java.io.FilterInputStream(
                                    new java.io.SequenceInputStream(new java.io.ByteArrayInputStream(head, 0, n), in)) {
                                @Override
                                public int read() throws IOException {
                                    int b = super.read();
                                    total[0] += b >= 0 ? 1 : 0;
                                    return b;
                                }

                                @Override
                                public int read(byte[] b, int off, int len) throws IOException {
                                    int r = super.read(b, off, len);
                                    total[0] += Math.max(0, r);
                                    return r;
                                }
                            };
                    long records = Ledger.jsonArrayRecords(counted);
                    counted.transferTo(java.io.OutputStream.nullOutputStream());
                    return total[0] > maxJsonArrayBytes() ? tooLargeArray(f, total[0]) : v.withRecords(records);
                }
                counter.feed(head, n);
                byte[] buf = new byte[1 << 16];
                int r;
                InputStream cur = in;
                try {
                    while (true) {
                        // resumeAt() only at the end of the data: asked between reads, it took a quoted field that
                        // spans two reads (a multi-line CSV text) for an unclosed quote and miscounted the ledger
                        while (!counter.stopped() && (r = cur.read(buf)) >= 0) {
                            counter.feed(buf, r); // to the end: a truncated or corrupt stream throws here
                        }
                        long at = counter.resumeAt();
                        if (at < 0) {
                            break;
                        }
                        // an unbalanced CSV quote: count again from the line after the one it opened on
                        if (cur != in) {
                            cur.close();
                        }
                        cur = JsonRecords.open(conf, f.path());
                        cur.skipNBytes(at);
                        counter.restartAt(at);
                    }
                } finally {
                    if (cur != in) {
                        cur.close();
                    }
                }
                return v.withRecords(counter.records());
            } catch (IOException | RuntimeException e) {
                if (codec != null) {
                    return bad(
                            f,
                            CORRUPT_COMPRESSED,
                            "truncated or corrupt "
                                    + codec.getDefaultExtension().substring(1) + " data: " + ReadFailures.describe(e));
                }
                throw e;
            }
        } catch (IOException | RuntimeException e) {
            return bad(f, UNREADABLE, "cannot read it: " + ReadFailures.describe(e));
        }
    }

    /**
     * The largest .json array file (decompressed) crest reads: it is held whole, with its elements as strings beside
     * it, so at most a quarter of this JVM's heap, and never more than one Java byte array holds (2 GiB).
     */
    static long maxJsonArrayBytes() {
        return Math.min(Integer.MAX_VALUE - 8, Runtime.getRuntime().maxMemory() / 4);
    }

    private static Verdict tooLargeArray(InputFile f, long bytes) {
        return bad(
                f,
                JSON_ARRAY_TOO_LARGE,
                "a .json array of " + bytes + " bytes" + (bytes != f.bytes() ? " decompressed" : "")
                        + "; crest reads a .json array file whole, up to " + maxJsonArrayBytes()
                        + " bytes here (a quarter of the memory, at most 2 GiB): convert it to JSON Lines, "
                        + "e.g. jq -c '.[]' FILE > FILE.jsonl");
    }

    private static Verdict sniffText(InputFile f, byte[] head, int n, InputFormat format, boolean decompressed) {
        String magic = compressionMagic(head, n);
        if (magic != null && decompressed) {
            // gzip of a gzip: read once decompressed, its bytes are still compressed, not records
            return bad(
                    f,
                    COMPRESSED_AS_TEXT,
                    "compressed twice: decompressed once it is still " + magic + " compressed data, not " + format
                            + " text; decompress it once more");
        }
        if (magic != null) {
            return bad(
                    f,
                    COMPRESSED_AS_TEXT,
                    magic + " compressed data in a file named as plain " + format
                            + "; give it the right extension (e.g. .gz) or decompress it");
        }
        if (n >= 2
                && ((head[0] & 0xff) == 0xff && (head[1] & 0xff) == 0xfe
                        || (head[0] & 0xff) == 0xfe && (head[1] & 0xff) == 0xff)) {
            return bad(
                    f,
                    UTF16,
                    "UTF-16 text (byte order mark " + hex(head, 2) + "); crest reads UTF-8: convert it, "
                            + "e.g. iconv -f UTF-16 -t UTF-8");
        }
        if (n >= 4 && head[0] == PAR1[0] && head[1] == PAR1[1] && head[2] == PAR1[2] && head[3] == PAR1[3]) {
            return bad(
                    f,
                    PARQUET_AS_TEXT,
                    "a Parquet file read as " + format + "; pass --format parquet or give it " + "a .parquet name");
        }
        int nul = 0;
        for (int i = 0; i < n; i++) {
            nul += head[i] == 0 ? 1 : 0;
        }
        if (nul * 10 > n) {
            return bad(
                    f,
                    BINARY,
                    nul + " of its first " + n + " bytes are NUL: binary data or UTF-16 without a byte "
                            + "order mark, not UTF-8 text");
        }
        if (crLineEnds(head, n, format) && !(format == InputFormat.JSON && firstNonBlank(head, n) == '[')) {
            return bad(
                    f,
                    CR_LINE_ENDS,
                    "its lines end in a lone CR (classic Mac line ends) and crest splits records on LF only: "
                            + "convert it, e.g. tr '\\r' '\\n' < OLD > NEW");
        }
        if (format == InputFormat.JSON && f.path().toLowerCase(Locale.ROOT).matches(".*\\.json(\\.[a-z0-9]+)?$")) {
            int i = 0;
            if (n >= 3 && (head[0] & 0xff) == 0xef && (head[1] & 0xff) == 0xbb && (head[2] & 0xff) == 0xbf) {
                i = 3;
            }
            while (i < n && Character.isWhitespace(head[i])) {
                i++;
            }
            if (i < n && head[i] == '[') {
                return new Verdict(f.path(), f.bytes(), Shape.JSON_ARRAY, null);
            }
        }
        return new Verdict(f.path(), f.bytes(), Shape.LINES, null);
    }

    /**
     * True when the head holds no LF but a CR that separates records: for CSV a CR followed by more bytes (without
     * an LF the whole file would be one header), for JSON Lines a CR between {@code }} and {@code {}.
     */
    static boolean crLineEnds(byte[] head, int n, InputFormat format) {
        for (int i = 0; i < n; i++) {
            if (head[i] == '\n') {
                return false;
            }
        }
        for (int i = 0; i + 1 < n; i++) {
            if (head[i] != '\r' || head[i + 1] == '\r') {
                continue;
            }
            if (format == InputFormat.CSV) {
                return true;
            }
            if (format == InputFormat.JSON && i > 0 && head[i - 1] == '}' && head[i + 1] == '{') {
                return true;
            }
        }
        return false;
    }

    private static int firstNonBlank(byte[] head, int n) {
        int i = n >= 3 && (head[0] & 0xff) == 0xef && (head[1] & 0xff) == 0xbb && (head[2] & 0xff) == 0xbf ? 3 : 0;
        while (i < n && Character.isWhitespace(head[i])) {
            i++;
        }
        return i < n ? head[i] : -1;
    }

    /** Why Spark cannot read a Parquet leaf type, or null when it can. */
    static String unsupportedType(org.apache.parquet.schema.PrimitiveType t) {
        org.apache.parquet.schema.LogicalTypeAnnotation a = t.getLogicalTypeAnnotation();
        if (a instanceof org.apache.parquet.schema.LogicalTypeAnnotation.UUIDLogicalTypeAnnotation) {
            return "UUID";
        }
        if (a instanceof org.apache.parquet.schema.LogicalTypeAnnotation.TimestampLogicalTypeAnnotation
                && ((org.apache.parquet.schema.LogicalTypeAnnotation.TimestampLogicalTypeAnnotation) a).getUnit()
                        == org.apache.parquet.schema.LogicalTypeAnnotation.TimeUnit.NANOS) {
            return "TIMESTAMP(NANOS)";
        }
        if (a instanceof org.apache.parquet.schema.LogicalTypeAnnotation.IntervalLogicalTypeAnnotation) {
            return "INTERVAL";
        }
        return null;
    }

    /** The compression format whose magic bytes start {@code head}, or null. */
    static String compressionMagic(byte[] h, int n) {
        int[] b = new int[Math.min(n, 6)];
        for (int i = 0; i < b.length; i++) {
            b[i] = h[i] & 0xff;
        }
        if (n >= 2 && b[0] == 0x1f && b[1] == 0x8b) {
            return "gzip";
        }
        if (n >= 4 && b[0] == 0x04 && b[1] == 0x22 && b[2] == 0x4d && b[3] == 0x18) {
            return "lz4 frame";
        }
        if (n >= 4 && b[0] == 0x28 && b[1] == 0xb5 && b[2] == 0x2f && b[3] == 0xfd) {
            return "zstd";
        }
        if (n >= 4 && b[0] == 'B' && b[1] == 'Z' && b[2] == 'h' && b[3] >= '1' && b[3] <= '9') {
            return "bzip2";
        }
        if (n >= 6 && b[0] == 0xfd && b[1] == '7' && b[2] == 'z' && b[3] == 'X' && b[4] == 'Z' && b[5] == 0) {
            return "xz";
        }
        if (n >= 4 && b[0] == 'P' && b[1] == 'K' && b[2] == 3 && b[3] == 4) {
            return "zip";
        }
        return null;
    }

    private static Verdict checkParquet(Configuration conf, FileSystem fs, Path path, InputFile f, List<String> columns)
            throws IOException {
        if (f.bytes() == 0) {
            return bad(
                    f, ZERO_BYTE_PARQUET, "a zero-byte file is not Parquet (a writer probably died before closing it)");
        }
        if (f.bytes() < 12) {
            return bad(f, NOT_PARQUET, "only " + f.bytes() + " bytes, too short for Parquet");
        }
        byte[] head = new byte[4];
        byte[] tail = new byte[4];
        try (FSDataInputStream in = fs.open(path)) {
            in.readFully(0, head);
            in.readFully(f.bytes() - 4, tail);
        }
        if (!java.util.Arrays.equals(head, PAR1)) {
            return bad(f, NOT_PARQUET, "not Parquet: it starts with " + hex(head, 4) + ", not PAR1");
        }
        if (!java.util.Arrays.equals(tail, PAR1)) {
            return bad(
                    f,
                    CORRUPT_PARQUET_FOOTER,
                    "no PAR1 magic at its end (" + hex(tail, 4) + "): truncated, or its footer is damaged");
        }
        java.util.Map<String, String> types = new java.util.TreeMap<>();
        long rows = 0;
        try (ParquetFileReader r = ParquetFileReader.open(HadoopInputFile.fromPath(path, conf))) {
            for (org.apache.parquet.hadoop.metadata.BlockMetaData b :
                    r.getFooter().getBlocks()) {
                rows += b.getRowCount();
                for (org.apache.parquet.hadoop.metadata.ColumnChunkMetaData c : b.getColumns()) {
                    String codec = c.getCodec().name();
                    if (codec.equals("BROTLI") || codec.equals("LZO")) {
                        return bad(
                                f,
                                UNSUPPORTED_PARQUET,
                                "column '" + c.getPath().toDotString() + "' is compressed with "
                                        + codec.toLowerCase(Locale.ROOT)
                                        + ", a codec this build cannot read; rewrite the file with "
                                        + "snappy, gzip or zstd");
                    }
                }
            }
            for (org.apache.parquet.column.ColumnDescriptor c :
                    r.getFooter().getFileMetaData().getSchema().getColumns()) {
                String why = unsupportedType(c.getPrimitiveType());
                if (why != null) {
                    return bad(
                            f,
                            UNSUPPORTED_PARQUET,
                            "column '" + String.join(".", c.getPath()) + "' has Parquet type " + why
                                    + ", which Spark cannot read; drop the column or convert it (e.g. to string or microseconds)");
                }
            }
            org.apache.parquet.schema.MessageType schema =
                    r.getFooter().getFileMetaData().getSchema();
            java.util.Map<String, String> byLowerCase = new java.util.HashMap<>();
            for (org.apache.parquet.schema.Type t : schema.getFields()) {
                String other = byLowerCase.putIfAbsent(t.getName().toLowerCase(Locale.ROOT), t.getName());
                if (other != null) {
                    return bad(
                            f,
                            CASE_VARIANT_COLUMNS,
                            "columns '" + other + "' and '" + t.getName() + "' differ only in case, which Spark "
                                    + "reads as one name; rewrite the file with distinct column names");
                }
            }
            for (String c : columns) {
                if (schema.containsField(c)) {
                    types.put(c, typeKey(schema.getType(c)));
                }
            }
        } catch (IOException | RuntimeException e) {
            return bad(f, CORRUPT_PARQUET_FOOTER, "corrupt Parquet footer: " + ReadFailures.describe(e));
        }
        return new Verdict(f.path(), f.bytes(), Shape.PARQUET, null, types, rows);
    }

    /**
     * A column's Parquet type as far as it decides compatibility: the primitive type (binary, int32, ...)
     * or "group"; not its repetition (optional/required) or its string annotation (UTF8 or STRING).
     */
    static String typeKey(org.apache.parquet.schema.Type t) {
        if (!t.isPrimitive()) {
            return t.getLogicalTypeAnnotation() == null ? "group" : "group (" + t.getLogicalTypeAnnotation() + ")";
        }
        return t.asPrimitiveType().getPrimitiveTypeName().name().toLowerCase(Locale.ROOT);
    }

    private static Verdict bad(InputFile f, String reason, String detail) {
        return new Verdict(f.path(), f.bytes(), Shape.BAD, new FileProblem(f.path(), f.bytes(), reason, detail));
    }

    private static int readFully(InputStream in, byte[] buf) throws IOException {
        int n = 0;
        while (n < buf.length) {
            int r = in.read(buf, n, buf.length - n);
            if (r < 0) {
                break;
            }
            n += r;
        }
        return n;
    }

    private static String hex(byte[] b, int n) {
        StringBuilder s = new StringBuilder();
        for (int i = 0; i < Math.min(n, 4); i++) {
            s.append(i == 0 ? "" : " ").append(String.format("%02x", b[i] & 0xff));
        }
        return n == 0 ? "nothing" : s.toString();
    }

    /** A Hadoop Configuration that travels to executors (it is Writable, not Serializable). */
    static final class ConfBytes implements Serializable {
        private static final long serialVersionUID = 1L;
        private transient Configuration conf;

        ConfBytes(Configuration conf) {
            this.conf = conf;
        }

        Configuration get() {
            return conf;
        }

        private void writeObject(ObjectOutputStream out) throws IOException {
            out.defaultWriteObject();
            conf.write(new DataOutputStream(out));
        }

        private void readObject(ObjectInputStream in) throws IOException, ClassNotFoundException {
            in.defaultReadObject();
            conf = new Configuration(false);
            conf.readFields(new DataInputStream(in));
        }
    }
}
