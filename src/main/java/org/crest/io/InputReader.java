package org.crest.io;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.explode;
import static org.apache.spark.sql.functions.expr;
import static org.apache.spark.sql.functions.from_json;
import static org.apache.spark.sql.functions.input_file_name;
import static org.apache.spark.sql.functions.instr;
import static org.apache.spark.sql.functions.length;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.not;
import static org.apache.spark.sql.functions.regexp_replace;
import static org.apache.spark.sql.functions.trim;
import static org.apache.spark.sql.functions.when;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.LocatedFileStatus;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.RemoteIterator;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.crest.UsageException;
import org.crest.io.FileCheck.InputFile;
import org.crest.io.FileCheck.Shape;
import org.crest.io.FileCheck.Verdict;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads jsonl/json, csv or parquet from local paths, s3a:// or hdfs:// into a {@link Source}.
 *
 * <p>Every file is checked first ({@link FileCheck}); a file that is not data of the format (not
 * gzip, UTF-16, a broken Parquet footer, ...) is refused by name, or with --skip-corrupt-files left
 * out and listed. Spark's own ignoreCorruptFiles is forced off on every read: a file the check could
 * not judge fails the job, and {@link ReadFailures} names it.
 */
public final class InputReader {
    private static final Logger LOG = LoggerFactory.getLogger(InputReader.class);
    /** Spark setting behind --skip-corrupt-files. */
    public static final String SKIP_CORRUPT_FILES = "spark.crest.skipCorruptFiles";

    public static final String INVALID_UTF8 = "invalid_utf8";
    public static final String NUL_BYTE = "nul_byte";
    private static final int SHOW = 5;

    private InputReader() {}

    /** A listing of the inputs: data files with sizes, and the hidden or _-prefixed names left out. */
    record Listing(List<InputFile> files, List<String> ignored, boolean singleDirectory) {
        List<String> paths() {
            return files.stream().map(InputFile::path).toList();
        }
    }

    /**
     * @param stringCols columns that must be read as strings whatever the file says (the text or
     *     messages column), so their raw JSON type can be checked per row
     */
    public static Source read(SparkSession spark, List<String> inputs, InputFormat requested, List<String> stringCols) {
        return read(spark, inputs, requested, stringCols, false);
    }

    /**
     * The label path's read: Spark reads exactly the listed files (glob characters escaped, no partition
     * discovery: crest adds key=value folder columns itself when the layout is uniform and the data holds
     * no such column), JSON is read by {@link JsonRecords} without schema inference, every row carries
     * {@link Source#FILE_COL}, and the Source carries the per-file ledger.
     */
    public static Source readExact(
            SparkSession spark, List<String> inputs, InputFormat requested, List<String> stringCols) {
        return read(spark, inputs, requested, stringCols, true);
    }

    private static Source read(
            SparkSession spark, List<String> inputs, InputFormat requested, List<String> stringCols, boolean exact) {
        Listing listing = list(spark, inputs);
        InputFormat format = requested == InputFormat.AUTO ? detect(inputs, listing.paths()) : requested;
        if (requested != InputFormat.AUTO) {
            List<String> odd = listing.paths().stream()
                    .filter(f -> InputFormat.ofFileName(f.substring(f.lastIndexOf('/') + 1)) != requested)
                    .toList();
            if (!odd.isEmpty()) {
                LOG.warn(
                        "--format {}: reading {} file(s) whose extension says otherwise as {}, e.g. {}",
                        requested,
                        odd.size(),
                        requested,
                        odd.get(0));
            }
        }
        boolean skip = skipRequested(spark);
        List<Verdict> verdicts = FileCheck.scan(spark, listing.files(), format, skip, stringCols);
        List<FileProblem> problems = verdicts.stream()
                .filter(v -> v.problem() != null)
                .map(Verdict::problem)
                .toList();
        if (!problems.isEmpty() && !skip) {
            throw new BadInputException(
                    problems.get(0).file(),
                    problems.get(0).reason(),
                    "Cannot read input: "
                            + describe(problems) + "; fix or remove " + (problems.size() == 1 ? "it" : "them")
                            + ", or pass --skip-corrupt-files to label the rest (the exit code then says rows were lost)",
                    null);
        }
        List<Verdict> usable =
                verdicts.stream().filter(v -> v.problem() == null).toList();
        if (usable.isEmpty()) {
            throw new BadInputException(
                    problems.get(0).file(),
                    problems.get(0).reason(),
                    "Cannot read input: every one " + "of its " + problems.size() + " file(s) is corrupt: "
                            + describe(problems),
                    null);
        }
        if (usable.stream().allMatch(v -> v.shape() == Shape.EMPTY)) {
            throw new BadInputException(
                    usable.get(0).path(),
                    "no_records",
                    "Cannot read input " + inputs + ": its " + usable.size()
                            + " data file(s) are all empty (0 bytes), e.g. "
                            + usable.get(0).path(),
                    null);
        }
        if (format == InputFormat.PARQUET) {
            checkParquetTypes(usable, stringCols);
        }
        if (!problems.isEmpty()) {
            LOG.warn(
                    "Skipping {} corrupt input file(s) as asked; their rows are not labeled: {}",
                    problems.size(),
                    describe(problems));
            SkippedFiles.record(problems);
        }
        if (!listing.ignored().isEmpty()) {
            LOG.info(
                    "Ignored {} hidden or _-prefixed input file(s), as Spark does, e.g. {}",
                    listing.ignored().size(),
                    listing.ignored()
                            .subList(0, Math.min(SHOW, listing.ignored().size())));
        }
        Map<String, Long> ledger = new LinkedHashMap<>();
        for (Verdict v : usable) {
            ledger.put(v.path(), v.records());
        }
        int emptyFiles =
                (int) usable.stream().filter(v -> v.shape() == Shape.EMPTY).count();
        InputCheck inputCheck = new InputCheck(
                emptyFiles,
                listing.ignored().size(),
                listing.ignored().subList(0, Math.min(SHOW, listing.ignored().size())),
                problems);
        if (exact) {
            return readExact(spark, inputs, format, usable, stringCols, ledger, inputCheck);
        }
        boolean explicit = !problems.isEmpty() || usable.stream().anyMatch(v -> v.shape() == Shape.JSON_ARRAY);
        Map<String, String> base = new TreeMap<>();
        base.put("ignoreCorruptFiles", "false"); // corrupt files are found above, never dropped by Spark unsaid
        if (explicit && listing.singleDirectory()) {
            base.put("basePath", inputs.get(0)); // keeps partition columns (dt=...) when reading a list of files
        }
        String[] paths =
                explicit ? usable.stream().map(Verdict::path).toArray(String[]::new) : inputs.toArray(new String[0]);
        Dataset<Row> rows;
        switch (format) {
            case JSON:
                rows = readJson(spark, inputs, usable, explicit ? paths : null, paths, base, stringCols);
                break;
            case CSV:
                rows = withIssue(readCsv(spark, paths, base), stringCols, false);
                break;
            case PARQUET:
                Map<String, String> pq = new TreeMap<>(base);
                pq.put(
                        "mergeSchema",
                        "true"); // a column added in later files is kept, not dropped with a random footer
                rows = withIssue(
                        spark.read()
                                .options(pq)
                                .parquet(paths)
                                .withColumn(Source.RAW_COL, lit(null).cast(DataTypes.StringType)),
                        stringCols,
                        true);
                break;
            default:
                throw new IllegalStateException("unreachable: " + format);
        }
        int empty = (int) usable.stream().filter(v -> v.shape() == Shape.EMPTY).count();
        InputCheck check = new InputCheck(
                empty,
                listing.ignored().size(),
                listing.ignored().subList(0, Math.min(SHOW, listing.ignored().size())),
                problems);
        return new Source(rows, format, usable.stream().map(Verdict::path).toList(), check);
    }

    private static Source readExact(
            SparkSession spark,
            List<String> inputs,
            InputFormat format,
            List<Verdict> usable,
            List<String> stringCols,
            Map<String, Long> ledger,
            InputCheck inputCheck) {
        if (ledger.values().stream().mapToLong(Long::longValue).sum() == 0) {
            // as an empty text input: nothing to label is a refusal naming the files, never an exit 0 with 0 rows
            List<String> named = usable.stream().map(Verdict::path).limit(SHOW).toList();
            String which = usable.size() == 1
                    ? named.get(0) + " holds"
                    : "its " + usable.size() + " data files (" + String.join(", ", named)
                            + (usable.size() > SHOW ? ", ..." : "") + ") hold";
            String why =
                    switch (format) {
                        case JSON -> "no JSON records (only blank lines)";
                        case CSV -> "no CSV records (only blank lines or a header)";
                        default -> "no records (every Parquet footer says 0 rows)";
                    };
            throw new BadInputException(
                    usable.get(0).path(), "no_records", "Cannot read input " + inputs + ": " + which + " " + why, null);
        }
        Partitions parts =
                Partitions.of(inputs, usable.stream().map(Verdict::path).toList());
        List<String> files = usable.stream().map(Verdict::path).toList();
        Dataset<Row> rows;
        switch (format) {
            case JSON:
                JsonRecords.refuseIfNoObjects(spark.sparkContext().hadoopConfiguration(), inputs, usable);
                rows = JsonRecords.read(spark, usable, stringCols, parts.values(), parts.keys());
                break;
            case CSV:
                rows = withPaths(CsvRecords.read(spark, inputs, usable, parts.values(), parts.keys()), stringCols);
                break;
            case PARQUET: {
                Map<String, String> pq = new TreeMap<>();
                pq.put("ignoreCorruptFiles", "false");
                pq.put("mergeSchema", "true");
                String[] paths = files.stream().map(InputReader::escapeGlob).toArray(String[]::new);
                ParquetInputs.refuseHiddenNames(files);
                Dataset<Row> pqRows;
                try {
                    pqRows = spark.read().options(pq).parquet(paths);
                } catch (Exception e) { // SparkException, thrown unchecked by Scala: rethrown as it is
                    // Spark's schema merge names the two types, never the column or a file
                    BadInputException named =
                            ParquetInputs.mergeFailure(spark.sparkContext().hadoopConfiguration(), files, e);
                    if (named != null) {
                        throw named;
                    }
                    throw e;
                }
                rows = parts.addTo(withIssue(
                                withPaths(
                                        pqRows.withColumn(
                                                Source.RAW_COL, lit(null).cast(DataTypes.StringType)),
                                        stringCols),
                                stringCols,
                                true)
                        .withColumn(Source.FILE_COL, fileKey()));
                break;
            }
            default:
                throw new IllegalStateException("unreachable: " + format);
        }
        return new Source(rows, format, files, inputCheck, ledger);
    }

    /**
     * For each of {@code cols} that names a path ({@link ColumnPath}: a.b, `a.b`) and is not a top-level column, a
     * column of that name holding the nested field (Parquet structs; CSV only the backquoted literal); a path that does
     * not resolve adds nothing, and the missing column is reported where it is used.
     */
    private static Dataset<Row> withPaths(Dataset<Row> rows, List<String> cols) {
        for (String c : cols) {
            List<String> path = ColumnPath.parse(c);
            if (List.of(rows.columns()).contains(c) || !ColumnPath.isPath(c)) {
                continue;
            }
            try {
                rows = rows.withColumn(c, rows.col(ColumnPath.sparkPath(path)));
            } catch (Exception e) { // AnalysisException: no such field; Scala does not declare it

                LOG.debug("No nested field {} in the input: {}", c, e.getMessage());
            }
        }
        return rows;
    }

    private static Column fileKey() {
        return org.apache
                .spark
                .sql
                .functions
                .udf((org.apache.spark.sql.api.java.UDF1<String, String>) InputReader::uriKey, DataTypes.StringType)
                .apply(input_file_name());
    }

    /** A path whose glob characters ({@code * ? [ ] { } \}) are escaped, so Hadoop reads exactly that file. */
    static String escapeGlob(String path) {
        StringBuilder s = new StringBuilder(path.length() + 8);
        for (char c : path.toCharArray()) {
            if ("*?[]{}\\".indexOf(c) >= 0) {
                s.append('\\');
            }
            s.append(c);
        }
        return s.toString();
    }

    /** The decoded path part of a listed path or of Spark's input_file_name(), to match the two. */
    public static String pathKey(String p) {
        if (p == null) {
            return null;
        }
        try {
            return new Path(p).toUri().getPath();
        } catch (RuntimeException e) {
            return p;
        }
    }

    /** The decoded path part of Spark's input_file_name() (a URI string). */
    public static String uriKey(String u) {
        if (u == null) {
            return null;
        }
        try {
            return java.net.URI.create(u).getPath();
        } catch (RuntimeException e) {
            return pathKey(u);
        }
    }

    /** True when the user asked to skip corrupt files: --skip-corrupt-files or Spark's ignoreCorruptFiles. */
    static boolean skipRequested(SparkSession spark) {
        boolean crest = Boolean.parseBoolean(
                spark.conf().get(SKIP_CORRUPT_FILES, "false").trim());
        boolean sparks = Boolean.parseBoolean(
                spark.conf().get("spark.sql.files.ignoreCorruptFiles", "false").trim());
        if (sparks && !crest) {
            LOG.warn(
                    "spark.sql.files.ignoreCorruptFiles=true: crest finds the corrupt files itself, skips them and lists "
                            + "them (as with --skip-corrupt-files) instead of letting Spark drop them unsaid");
        }
        return crest || sparks;
    }

    private static String describe(List<FileProblem> problems) {
        String shown = problems.stream().limit(SHOW).map(FileProblem::describe).collect(Collectors.joining(", "));
        return problems.size() + " corrupt file(s): " + shown
                + (problems.size() > SHOW ? " and " + (problems.size() - SHOW) + " more" : "");
    }

    /** Refuses Parquet files whose text column types disagree, naming one file of each type. */
    private static void checkParquetTypes(List<Verdict> files, List<String> stringCols) {
        for (String c : stringCols) {
            Map<String, String> firstFileOfType = new LinkedHashMap<>();
            for (Verdict v : files) {
                String t = v.columns().get(c);
                if (t != null) {
                    firstFileOfType.putIfAbsent(t, v.path());
                }
            }
            if (firstFileOfType.size() > 1) {
                String which = firstFileOfType.entrySet().stream()
                        .map(e -> "'" + e.getKey() + "' in " + e.getValue())
                        .collect(Collectors.joining(", "));
                throw new BadInputException(
                        firstFileOfType.values().iterator().next(),
                        "incompatible_parquet_types",
                        "Cannot read input: column '" + c + "' has incompatible Parquet types across files: " + which
                                + "; rewrite the odd files with one type",
                        null);
            }
        }
    }

    /** Adds {@link Source#ISSUE_COL}: invalid UTF-8 or NUL bytes in {@code cols} (those present as strings). */
    private static Dataset<Row> withIssue(Dataset<Row> rows, List<String> cols, boolean bytesKept) {
        Column issue = lit(null).cast(DataTypes.StringType);
        for (String c : cols) {
            if (!List.of(rows.columns()).contains(c)
                    || !rows.schema().apply(c).dataType().equals(DataTypes.StringType)) {
                continue;
            }
            // Parquet keeps the bytes, so UTF-8 can be checked exactly; the CSV reader has already decoded them
            // and put U+FFFD where a byte sequence was not UTF-8
            Column badUtf8 = bytesKept
                    ? not(expr("is_valid_utf8(`" + c + "`)"))
                    : instr(col(c), "\uFFFD").gt(0);
            issue = when(badUtf8, lit(INVALID_UTF8))
                    .when(instr(col(c), "\u0000").gt(0), lit(NUL_BYTE))
                    .otherwise(issue);
        }
        return rows.withColumn(Source.ISSUE_COL, issue);
    }

    private static Dataset<Row> readJson(
            SparkSession spark,
            List<String> inputs,
            List<Verdict> files,
            String[] explicit,
            String[] paths,
            Map<String, String> base,
            List<String> stringCols) {
        Dataset<Row> lines;
        if (explicit == null) {
            lines = spark.read().options(base).text(paths);
        } else {
            String[] lineFiles = files.stream()
                    .filter(v -> v.shape() != Shape.JSON_ARRAY)
                    .map(Verdict::path)
                    .toArray(String[]::new);
            String[] arrayFiles = files.stream()
                    .filter(v -> v.shape() == Shape.JSON_ARRAY)
                    .map(Verdict::path)
                    .toArray(String[]::new);
            lines = lineFiles.length == 0 ? null : spark.read().options(base).text(lineFiles);
            if (arrayFiles.length > 0) {
                Dataset<Row> arrays = arrayElements(
                        spark.read().options(base).option("wholetext", "true").text(arrayFiles));
                lines = lines == null ? arrays : lines.unionByName(arrays, true);
            }
        }
        // bytes first: once a line is a Java string, invalid UTF-8 has become U+FFFD
        lines = lines.withColumn(
                        Source.ISSUE_COL,
                        when(not(expr("is_valid_utf8(value)")), lit(INVALID_UTF8))
                                .when(instr(col("value"), "\u0000").gt(0), lit(NUL_BYTE)))
                .withColumn("value", regexp_replace(col("value"), "^\uFEFF", ""))
                // blank lines are not records in JSON Lines; Spark's JSON reader skips them too
                .where(length(trim(col("value"))).gt(0));
        StructType inferred =
                spark.read().json(lines.select("value").as(Encoders.STRING())).schema();
        List<String> partitionCols = new ArrayList<>(Arrays.asList(lines.columns()));
        partitionCols.remove("value");
        partitionCols.remove(Source.ISSUE_COL);
        List<StructField> fields = new ArrayList<>();
        for (StructField f : inferred.fields()) {
            if (f.name().equals("_corrupt_record") || partitionCols.contains(f.name())) {
                continue;
            }
            fields.add(
                    stringCols.contains(f.name())
                            ? DataTypes.createStructField(f.name(), DataTypes.StringType, true)
                            : f);
        }
        if (fields.isEmpty()) {
            refuseNoRecords(inputs, lines, inferred);
        }
        StructType schema = DataTypes.createStructType(fields);
        List<Column> select = new ArrayList<>();
        select.add(from_json(col("value"), schema, Map.of("mode", "PERMISSIVE")).as("_crest_parsed"));
        select.add(col("value").as(Source.RAW_COL));
        select.add(col(Source.ISSUE_COL));
        for (String p : partitionCols) {
            select.add(col(p));
        }
        Dataset<Row> parsed = lines.select(select.toArray(new Column[0]));
        List<Column> flat = new ArrayList<>();
        for (StructField f : fields) {
            flat.add(col("_crest_parsed").getField(f.name()).as(f.name()));
        }
        for (String p : partitionCols) {
            flat.add(col(p));
        }
        flat.add(col(Source.RAW_COL));
        flat.add(col(Source.ISSUE_COL));
        return parsed.select(flat.toArray(new Column[0]));
    }

    /**
     * A .json file holding one array, read whole: one row per element, the element's JSON text as
     * {@code value}. A document that does not parse as an array stays one row (quarantined as malformed
     * JSON, with its text); a null element becomes the text {@code null} (not an object), so nothing is
     * dropped.
     */
    private static Dataset<Row> arrayElements(Dataset<Row> docs) {
        Column doc = regexp_replace(col("value"), "^\uFEFF", "");
        Column parsed = from_json(doc, DataTypes.createArrayType(DataTypes.StringType), Map.of("mode", "PERMISSIVE"));
        Column elements = when(parsed.isNull(), expr("array(value)"))
                .otherwise(expr("transform(from_json(regexp_replace(value, '^\uFEFF', ''), 'array<string>'), "
                        + "x -> coalesce(x, 'null'))"));
        List<Column> cols = new ArrayList<>();
        cols.add(explode(elements).as("value"));
        for (String c : docs.columns()) {
            if (!c.equals("value")) {
                cols.add(col(c));
            }
        }
        return docs.select(cols.toArray(new Column[0]));
    }

    private static void refuseNoRecords(List<String> inputs, Dataset<Row> lines, StructType inferred) {
        if (!List.of(inferred.fieldNames()).contains("_corrupt_record")) {
            throw new BadInputException(
                    String.valueOf(inputs.get(0)),
                    "no_records",
                    "Cannot read input " + inputs + ": its files hold no JSON records (only blank lines)",
                    null);
        }
        Row first = lines.select(input_file_name(), col("value")).first();
        String line = first.getString(1);
        String file = first.getString(0);
        throw new BadInputException(
                file,
                "no_json_objects",
                "Cannot read input " + inputs + ": none of its lines is a "
                        + "JSON object, e.g. " + file + " starts with '"
                        + (line.length() > 60 ? line.substring(0, 60) + "..." : line)
                        + "'; crest reads JSON Lines (one object per line) or .json files holding one array of objects",
                null);
    }

    private static Dataset<Row> readCsv(SparkSession spark, String[] paths, Map<String, String> base) {
        Map<String, String> opts = new TreeMap<>(base);
        opts.put("header", "true");
        opts.put("multiLine", "true"); // chat text has newlines inside quoted fields
        opts.put("escape", "\""); // RFC 4180: a quote inside a quoted field is doubled
        opts.put("mode", "PERMISSIVE");
        // every file's header must match the first one's: by default Spark maps later files by position
        opts.put("enforceSchema", "false");
        StructType header = spark.read().options(opts).csv(paths).schema();
        StructType schema = header.add(Source.RAW_COL, DataTypes.StringType, true);
        opts.put("columnNameOfCorruptRecord", Source.RAW_COL);
        return spark.read().options(opts).schema(schema).csv(paths);
    }

    /** Data files under the inputs, skipping hidden and _-prefixed names as Spark does. */
    static Listing list(SparkSession spark, List<String> inputs) {
        Configuration conf = spark.sparkContext().hadoopConfiguration();
        List<InputFile> out = new ArrayList<>();
        List<String> ignored = new ArrayList<>();
        boolean singleDirectory = false;
        for (int i = 0; i < inputs.size(); i++) {
            String in = inputs.get(i);
            if (in.isBlank()) {
                throw new UsageException("Cannot read input: --input holds an empty path ('" + in
                        + "'); give the files or folders to read");
            }
            Path p = new Path(in);
            try {
                FileSystem fs = p.getFileSystem(conf);
                FileStatus st;
                try {
                    st = fs.getFileStatus(p);
                } catch (java.io.FileNotFoundException e) {
                    throw new UsageException("Cannot read input: " + in + " does not exist" + commaHint(fs, inputs, i));
                }
                if (st.isFile()) {
                    out.add(new InputFile(st.getPath().toString(), st.getLen()));
                    continue;
                }
                singleDirectory = inputs.size() == 1;
                refuseSymlinkLoops(p);
                RemoteIterator<LocatedFileStatus> it = fs.listFiles(p, true);
                String root = st.getPath().toUri().getPath();
                while (it.hasNext()) {
                    LocatedFileStatus f = it.next();
                    String rel = f.getPath().toUri().getPath().substring(root.length());
                    if (Arrays.stream(rel.split("/"))
                            .noneMatch(s -> s.startsWith(".") || s.startsWith("_") && !s.contains("="))) {
                        out.add(new InputFile(f.getPath().toString(), f.getLen()));
                    } else {
                        ignored.add(f.getPath().toString());
                    }
                }
            } catch (IOException e) {
                throw new UsageException("Cannot read input: cannot list " + in + " (" + e.getMessage() + ")", e);
            }
        }
        out = canonical(out);
        for (InputFile f : out) {
            String name = f.path().substring(f.path().lastIndexOf('/') + 1);
            if (name.endsWith("._COPYING_") || name.endsWith(".crdownload") || name.endsWith(".partial")) {
                throw new UsageException("Cannot read input: " + f.path()
                        + " is a copy still in flight (its name ends in " + name.substring(name.lastIndexOf('.'))
                        + "); wait until it is complete, or move it out of the input");
            }
        }
        if (out.isEmpty()) {
            throw new UsageException("Cannot read input: no data files in " + inputs
                    + (ignored.isEmpty()
                            ? ""
                            : ": only " + ignored.size() + " hidden or _-prefixed file(s), which are "
                                    + "ignored as Spark ignores them, e.g. " + ignored.get(0)));
        }
        return new Listing(out, ignored, singleDirectory);
    }

    /** For an input that does not exist: whether it and a neighbour joined by a comma (--input splits on commas) do. */
    private static String commaHint(FileSystem fs, List<String> inputs, int i) {
        for (int j = Math.max(0, i - 1); j <= i && j + 1 < inputs.size(); j++) {
            String joined = inputs.get(j) + "," + inputs.get(j + 1);
            try {
                if (fs.exists(new Path(joined))) {
                    return "; " + joined + " exists, but --input splits its value on commas: give the folder that "
                            + "holds it, or rename it";
                }
            } catch (IOException | RuntimeException e) {
                // no hint
            }
        }
        return "";
    }

    /**
     * One entry per file: the same file given twice, or a folder and a file inside it (also through a
     * symbolic link), is read once, with a WARN naming it.
     */
    static List<InputFile> canonical(List<InputFile> files) {
        Map<String, InputFile> seen = new LinkedHashMap<>();
        for (InputFile f : files) {
            String key = realPath(f.path());
            InputFile first = seen.putIfAbsent(key, f);
            if (first != null) {
                LOG.warn(
                        "Input file {} is listed more than once (also as {}): it is read once", first.path(), f.path());
            }
        }
        return new ArrayList<>(seen.values());
    }

    private static String realPath(String path) {
        try {
            java.net.URI u = new Path(path).toUri();
            if (u.getScheme() == null || u.getScheme().equals("file")) {
                return java.nio.file.Paths.get(u.getPath()).toRealPath().toString();
            }
        } catch (IOException | RuntimeException e) {
            // not a local file: the path as listed
        }
        return new Path(path).toString();
    }

    /** Refuses a local folder whose sub-folders loop through symbolic links, naming the link. */
    private static void refuseSymlinkLoops(Path p) {
        java.net.URI u = p.toUri();
        if (u.getScheme() != null && !u.getScheme().equals("file")) {
            return;
        }
        try {
            java.nio.file.Files.walkFileTree(
                    java.nio.file.Paths.get(u.getPath()),
                    java.util.EnumSet.of(java.nio.file.FileVisitOption.FOLLOW_LINKS),
                    Integer.MAX_VALUE,
                    new java.nio.file.SimpleFileVisitor<>() {
                        @Override
                        public java.nio.file.FileVisitResult visitFileFailed(java.nio.file.Path file, IOException e)
                                throws IOException {
                            if (e instanceof java.nio.file.FileSystemLoopException) {
                                throw new UsageException(
                                        "Cannot read input: " + file + " is a symbolic link that loops back to a "
                                                + "folder above it; remove the link or give the folders to read one by one");
                            }
                            return java.nio.file.FileVisitResult.CONTINUE;
                        }
                    });
        } catch (IOException e) {
            // listing below reports unreadable folders
        }
    }

    static InputFormat detect(List<String> inputs, List<String> files) {
        Map<InputFormat, Integer> seen = new TreeMap<>();
        List<String> unknown = new ArrayList<>();
        for (String f : files) {
            InputFormat fmt = InputFormat.ofFileName(f.substring(f.lastIndexOf('/') + 1));
            if (fmt == null) {
                unknown.add(f);
            } else {
                seen.merge(fmt, 1, Integer::sum);
            }
        }
        if (!unknown.isEmpty()) {
            throw new UsageException("Cannot tell the input format of " + unknown.get(0)
                    + (unknown.size() > 1 ? " and " + (unknown.size() - 1) + " other file(s)" : "")
                    + " from its extension (.jsonl, .json, .csv, .parquet, optionally .gz); pass --format");
        }
        if (seen.size() > 1) {
            throw new UsageException("Cannot read input " + inputs + ": it mixes formats " + seen
                    + "; pass one format per run (--input for each folder) or --format");
        }
        return seen.keySet().iterator().next();
    }
}
