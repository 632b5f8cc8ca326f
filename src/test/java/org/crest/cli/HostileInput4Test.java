package org.crest.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import java.util.zip.GZIPOutputStream;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.StructType;
import org.crest.Columns;
import org.crest.Fixtures;
import org.crest.SparkTestSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Fourth round of hostile input (docs/MALFORMED.md): kinds the first three rounds did not try, each run through the
 * real command line ({@link Main#execute}) on the shared local[2] session with the test bundle. For every kind the test
 * knows which records it wrote (each carries a token kNNN) and asserts the rule: every record out exactly once
 * (labeled, or quarantined with the expected reason), the ledger equal to what was written, the input bytes unchanged,
 * and a refused input exit 2 with one stderr line naming the file and the problem.
 */
class HostileInput4Test {
    private static final String BUNDLE = Fixtures.INDEPENDENT.resolve("bundle").toString();
    private static final Pattern TOKEN = Pattern.compile("k\\d{3}");
    private static final String LABELED = "labeled";
    private static final List<String> TABLE = new ArrayList<>();
    private static SparkSession spark;

    @BeforeAll
    static void setUp() {
        spark = SparkTestSession.get();
    }

    @AfterAll
    static void printTable() {
        TABLE.forEach(System.out::println);
    }

    static Path write(Path p, byte[] bytes) {
        try {
            Files.createDirectories(p.getParent());
            Files.write(p, bytes);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return p;
    }

    static Path write(Path p, String s) {
        return write(p, s.getBytes(StandardCharsets.UTF_8));
    }

    static String line(String id, String text) {
        return "{\"id\":\"" + id + "\",\"text\":\"" + text + "\"}\n";
    }

    static byte[] gzip(byte[] data) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(b)) {
            gz.write(data);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return b.toByteArray();
    }

    static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    static void parquet(Path dir, StructType schema, List<Row> rows) {
        spark.createDataFrame(rows, schema).coalesce(1).write().parquet(dir.toString());
    }

    record Run(int rc, String err, Path out) {
        JsonNode summary() {
            try {
                return new ObjectMapper()
                        .readTree(out.resolve(Columns.SUMMARY_FILE).toFile());
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        Map<String, String> outcomes() {
            Map<String, String> seen = new TreeMap<>();
            if (Files.exists(out)) {
                for (Row r : spark.read().parquet(out.toString()).collectAsList()) {
                    Matcher m = TOKEN.matcher(r.mkString("|"));
                    assertThat(m.find())
                            .as("token in labeled row %s", r.mkString("|"))
                            .isTrue();
                    assertThat(seen.put(m.group(), LABELED))
                            .as("%s out once", m.group())
                            .isNull();
                }
            }
            Path q = out.resolve(Columns.QUARANTINE_DIR);
            if (Files.exists(q)) {
                for (Row r : spark.read().parquet(q.toString()).collectAsList()) {
                    String record = r.getString(r.fieldIndex(Columns.RECORD_COL));
                    Matcher m = TOKEN.matcher(record);
                    assertThat(m.find()).as("token in %s", record).isTrue();
                    assertThat(seen.put(m.group(), r.getString(r.fieldIndex(Columns.ERROR_COL))))
                            .as("%s out once", m.group())
                            .isNull();
                }
            }
            return seen;
        }
    }

    static Map<String, String> hashes(Path dir) {
        return org.crest.Fixtures.fileHashes(dir);
    }

    static Run cli(Path root, Path out, String... args) {
        Map<String, String> before = hashes(root);
        picocli.CommandLine cl = CrestCommand.commandLine();
        StringWriter err = new StringWriter();
        cl.setErr(new PrintWriter(err, true));
        cl.setOut(new PrintWriter(new StringWriter(), true));
        int rc = Main.execute(cl, args);
        assertThat(hashes(root)).as("input bytes unchanged").isEqualTo(before);
        return new Run(rc, err.toString(), out);
    }

    static Run label(Path root, Path out, String... args) {
        List<String> all =
                new ArrayList<>(List.of("label", "--output", out.toString(), "--model", BUNDLE, "--device", "cpu"));
        all.addAll(Arrays.asList(args));
        return cli(root, out, all.toArray(new String[0]));
    }

    static byte[] deflate(byte[] data) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        try (java.util.zip.DeflaterOutputStream d = new java.util.zip.DeflaterOutputStream(b)) {
            d.write(data);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return b.toByteArray();
    }

    static byte[] hadoop(String ext, byte[] data) {
        try {
            org.apache.hadoop.conf.Configuration conf = new org.apache.hadoop.conf.Configuration();
            org.apache.hadoop.io.compress.CompressionCodec c =
                    new org.apache.hadoop.io.compress.CompressionCodecFactory(conf)
                            .getCodec(new org.apache.hadoop.fs.Path("x" + ext));
            ByteArrayOutputStream b = new ByteArrayOutputStream();
            try (OutputStream o = c.createOutputStream(b)) {
                o.write(data);
            }
            return b.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    // ------------------------------------------------------------------ expectations

    /** Exit 0 and exactly these tokens out (labeled or with the reason); the ledger counts them, file by file. */
    static Run expectLabeled(Run run, Map<String, String> expected) {
        assertThat(run.rc()).as("exit code; stderr: %s", run.err()).isEqualTo(0);
        Map<String, String> got = run.outcomes();
        TABLE.add("        exit 0: " + got);
        assertThat(got).isEqualTo(new TreeMap<>(expected));
        JsonNode s = run.summary();
        assertThat(s.get("records_in").asLong()).isEqualTo(expected.size());
        long sum = 0;
        for (JsonNode f : s.get("files")) {
            assertThat(f.get("records_read").asLong())
                    .as(f.toString())
                    .isEqualTo(f.get("records").asLong());
            assertThat(f.get("labeled").asLong() + f.get("quarantined").asLong())
                    .as(f.toString())
                    .isEqualTo(f.get("records").asLong());
            sum += f.get("records").asLong();
        }
        assertThat(sum).isEqualTo(expected.size());
        return run;
    }

    /** Exit 2, one line on stderr naming the file and the problem, nothing written. */
    static void expectRefused(Run run, String file, String... problem) {
        assertThat(run.rc()).as("exit code; stderr: %s", run.err()).isEqualTo(2);
        List<String> lines = run.err().lines().filter(l -> !l.isBlank()).toList();
        assertThat(lines).as("one line on stderr").hasSize(1);
        assertThat(lines.get(0)).contains(file).contains(problem);
        TABLE.add("        refused: " + lines.get(0));
        assertThat(run.out()).doesNotExist();
    }

    static Map<String, String> all(String outcome, String... tokens) {
        return Arrays.stream(tokens).collect(Collectors.toMap(Function.identity(), t -> outcome));
    }

    /** Runs each kind, keeps going after a failed one, and fails at the end listing every kind that failed. */
    static final class Kinds {
        private final Map<String, String> failed = new LinkedHashMap<>();

        void check(String kind, Runnable r) {
            try {
                r.run();
                TABLE.add("ok      | " + kind);
            } catch (AssertionError | RuntimeException e) {
                String m = String.valueOf(e.getMessage()).replaceAll("\\s+", " ");
                m = m.length() > 400 ? m.substring(0, 400) + "..." : m;
                failed.put(kind, m);
                TABLE.add("FAILED  | " + kind + " | " + m);
            }
        }

        void done() {
            assertThat(failed).as("kinds that break the rule").isEmpty();
        }
    }

    static String two(String a, String b) {
        return line(a, "hello") + line(b, "world");
    }

    // ------------------------------------------------------------------ compression

    @Test
    void compressedInputsNeverLoseRecordsSilently(@TempDir Path dir) {
        Kinds k = new Kinds();
        k.check(
                "plain text named .jsonl.snappy beside a good file: refused (before: exit 0, its 2 records lost)",
                () -> {
                    Path in = dir.resolve("c1");
                    write(in.resolve("good.jsonl"), line("k001", "a"));
                    write(in.resolve("x.jsonl.snappy"), utf8(two("k002", "k003")));
                    expectRefused(label(in, dir.resolve("o1"), "--input", in.toString()), "x.jsonl.snappy", "snappy");
                });
        k.check("Hadoop .jsonl.snappy cut short beside a good file: refused (before: exit 0, records lost)", () -> {
            Path in = dir.resolve("c2");
            byte[] sn = hadoop(".snappy", utf8(two("k004", "k005") + two("k006", "k007")));
            write(in.resolve("good.jsonl"), line("k008", "a"));
            write(in.resolve("x.jsonl.snappy"), Arrays.copyOf(sn, sn.length - 5));
            expectRefused(label(in, dir.resolve("o2"), "--input", in.toString()), "x.jsonl.snappy", "truncated");
        });
        k.check("plain CSV named .csv.lz4: refused (before: `holds no CSV records`)", () -> {
            Path in = dir.resolve("c3");
            write(in.resolve("x.csv.lz4"), "id,text\nk009,a\n");
            expectRefused(label(in, dir.resolve("o3"), "--input", in.toString()), "x.csv.lz4", "not Hadoop lz4 data");
        });
        k.check("plain text named .jsonl.bz2 beside a good file: refused (before: exit 0, its 2 records lost)", () -> {
            Path in = dir.resolve("c3b");
            write(in.resolve("good.jsonl"), line("k029", "a"));
            write(in.resolve("x.jsonl.bz2"), utf8(two("k030", "k031")));
            expectRefused(label(in, dir.resolve("o3b"), "--input", in.toString()), "x.jsonl.bz2", "not bzip2 data");
        });
        k.check(".json.gz array cut short: refused (the ledger now counts .json arrays streaming)", () -> {
            Path in = dir.resolve("c3c");
            byte[] gz = gzip(utf8(
                    "[" + line("k032", "a").trim() + "," + line("k033", "b").trim() + "]"));
            write(in.resolve("x.json.gz"), Arrays.copyOf(gz, gz.length - 12));
            expectRefused(label(in, dir.resolve("o3c"), "--input", in.toString()), "x.json.gz", "truncated or corrupt");
        });
        k.check("Hadoop .jsonl.snappy whole: labeled", () -> {
            Path in = dir.resolve("c4");
            write(in.resolve("x.jsonl.snappy"), hadoop(".snappy", utf8(two("k010", "k011"))));
            expectLabeled(label(in, dir.resolve("o4"), "--input", in.toString()), all(LABELED, "k010", "k011"));
        });
        k.check(
                "gzip of a gzip named .jsonl.gz: refused `compressed twice` (before: `bytes are NUL ... UTF-16`)",
                () -> {
                    Path in = dir.resolve("c5");
                    write(in.resolve("x.jsonl.gz"), gzip(gzip(utf8(two("k012", "k013")))));
                    expectRefused(
                            label(in, dir.resolve("o5"), "--input", in.toString()), "x.jsonl.gz", "compressed twice");
                });
        k.check(".jsonl.deflate (zlib): labeled; cut short: refused", () -> {
            Path in = dir.resolve("c6");
            write(in.resolve("x.jsonl.deflate"), deflate(utf8(two("k014", "k015"))));
            expectLabeled(label(in, dir.resolve("o6"), "--input", in.toString()), all(LABELED, "k014", "k015"));
            Path cut = dir.resolve("c6b");
            byte[] d = deflate(utf8(two("k016", "k017") + two("k018", "k019")));
            write(cut.resolve("x.jsonl.deflate"), Arrays.copyOf(d, d.length - 5));
            expectRefused(label(cut, dir.resolve("o6b"), "--input", cut.toString()), "x.jsonl.deflate", "deflate");
        });
        k.check("two bzip2 streams concatenated, .jsonl.bz2: both labeled", () -> {
            Path in = dir.resolve("c7");
            ByteArrayOutputStream cat = new ByteArrayOutputStream();
            cat.writeBytes(hadoop(".bz2", utf8(line("k020", "a"))));
            cat.writeBytes(hadoop(".bz2", utf8(line("k021", "b"))));
            write(in.resolve("x.jsonl.bz2"), cat.toByteArray());
            expectLabeled(label(in, dir.resolve("o7"), "--input", in.toString()), all(LABELED, "k020", "k021"));
        });
        k.check("upper-case UP.JSONL.GZ and a .json.gz array: labeled", () -> {
            Path in = dir.resolve("c8");
            write(in.resolve("UP.JSONL.GZ"), gzip(utf8(two("k022", "k023"))));
            expectLabeled(label(in, dir.resolve("o8"), "--input", in.toString()), all(LABELED, "k022", "k023"));
            Path arr = dir.resolve("c8b");
            write(
                    arr.resolve("x.json.gz"),
                    gzip(utf8("[{\"id\":\"k024\",\"text\":\"a\"},{\"id\":\"k025\",\"text\":\"b\"}]")));
            expectLabeled(label(arr, dir.resolve("o8b"), "--input", arr.toString()), all(LABELED, "k024", "k025"));
        });
        k.check("--skip-corrupt-files with plain text named .snappy: exit 3, listed, the good file labeled", () -> {
            Path in = dir.resolve("c9");
            write(in.resolve("good.jsonl"), line("k026", "a"));
            write(in.resolve("x.jsonl.snappy"), utf8(two("k027", "k028")));
            Run run;
            try {
                run = label(in, dir.resolve("o9"), "--input", in.toString(), "--skip-corrupt-files");
            } finally {
                spark.conf().unset(org.crest.io.InputReader.SKIP_CORRUPT_FILES);
            }
            assertThat(run.rc()).as(run.err()).isEqualTo(3);
            assertThat(run.outcomes()).isEqualTo(Map.of("k026", LABELED));
            assertThat(run.summary().get("skipped_files").toString()).contains("x.jsonl.snappy", "corrupt_compressed");
        });
        k.done();
    }

    // ------------------------------------------------------------------ Parquet

    @Test
    void parquetFilesSparkCannotMergeOrSeeAreNamed(@TempDir Path dir) {
        Kinds k = new Kinds();
        Path mixed = dir.resolve("p1");
        parquet(
                mixed.resolve("a"),
                new StructType().add("id", "long").add("text", "string").add("label", "string"),
                List.of(RowFactory.create(17L, "k101", "safe")));
        parquet(
                mixed.resolve("b"),
                new StructType().add("id", "string").add("text", "string").add("label", "string"),
                List.of(RowFactory.create("k102", "k102", "unsafe")));
        k.check(
                "Parquet: id int64 in one file, string in another: refused naming the column and both files "
                        + "(before: exit 1, CANNOT_MERGE_INCOMPATIBLE_DATA_TYPE, no file named)",
                () -> {
                    Run run = label(mixed, dir.resolve("o1"), "--input", mixed.toString());
                    expectRefused(run, "column 'id'", "'int64' in ", "'binary (UTF8)' in ", "/a/part-", "/b/part-");
                });
        k.check("evaluate and cluster over the same files: the same refusal", () -> {
            Path eo = dir.resolve("o1e");
            expectRefused(
                    cli(
                            mixed,
                            eo,
                            "evaluate",
                            "--input",
                            mixed.toString(),
                            "--output",
                            eo.toString(),
                            "--model",
                            BUNDLE,
                            "--device",
                            "cpu"),
                    "column 'id'",
                    "incompatible Parquet types");
            Path co = dir.resolve("o1c");
            expectRefused(
                    cli(
                            mixed,
                            co,
                            "cluster",
                            "--input",
                            mixed.toString(),
                            "--output",
                            co.toString(),
                            "--embedder",
                            "demo-embedder",
                            "--k",
                            "2",
                            "--device",
                            "cpu"),
                    "column 'id'",
                    "incompatible Parquet types");
        });
        Path hidden = dir.resolve("p2");
        parquet(
                hidden.resolve("src"),
                new StructType().add("id", "string").add("text", "string"),
                List.of(RowFactory.create("k103", "a")));
        Path file;
        try (Stream<Path> s = Files.list(hidden.resolve("src"))) {
            Path part =
                    s.filter(p -> p.toString().endsWith(".parquet")).findFirst().orElseThrow();
            file = Files.copy(part, hidden.resolve("_export.parquet"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        k.check(
                "Parquet file named _export.parquet given by name: refused (before: exit 1, UNABLE_TO_INFER_SCHEMA)",
                () -> expectRefused(
                        label(hidden, dir.resolve("o2"), "--input", file.toString()),
                        "_export.parquet",
                        "starts with '_'"));
        k.check("relabel of the same file: the same refusal", () -> {
            Path ro = dir.resolve("o2r");
            expectRefused(
                    cli(
                            hidden,
                            ro,
                            "relabel",
                            "--input",
                            file.toString(),
                            "--output",
                            ro.toString(),
                            "--model",
                            BUNDLE,
                            "--device",
                            "cpu",
                            "--label-col",
                            "id"),
                    "_export.parquet",
                    "starts with '_'");
        });
        k.check("Parquet: id int32 in one file, int64 in another: refused naming both types", () -> {
            Path in = dir.resolve("p4");
            parquet(
                    in.resolve("a"),
                    new StructType().add("id", "int").add("text", "string"),
                    List.of(RowFactory.create(1, "k105")));
            parquet(
                    in.resolve("b"),
                    new StructType().add("id", "long").add("text", "string"),
                    List.of(RowFactory.create(2L, "k106")));
            expectRefused(label(in, dir.resolve("o4"), "--input", in.toString()), "column 'id'", "'int32' in ");
        });
        k.check("Parquet: 3,000 rows in many row groups; text required in one file, nullable in another", () -> {
            Path in = dir.resolve("p5");
            List<Row> rows = new ArrayList<>();
            for (int i = 0; i < 3000; i++) {
                rows.add(RowFactory.create("k" + (107 + i % 3), "text " + i));
            }
            spark.createDataFrame(rows, new StructType().add("id", "string").add("text", "string", false))
                    .coalesce(1)
                    .write()
                    .option("parquet.block.size", "4096")
                    .option("parquet.page.size", "1024")
                    .parquet(in.resolve("a").toString());
            parquet(
                    in.resolve("b"),
                    new StructType().add("id", "string").add("text", "string", true),
                    List.of(RowFactory.create("k110", null)));
            Run run = label(in, dir.resolve("o5"), "--input", in.toString());
            assertThat(run.rc()).as(run.err()).isEqualTo(0);
            JsonNode s = run.summary();
            assertThat(s.get("records_in").asLong()).isEqualTo(3001);
            assertThat(s.get("rows_labeled").asLong()).isEqualTo(3000);
            assertThat(s.get("quarantine_reasons").toString()).isEqualTo("{\"null_text\":1}");
            for (JsonNode f : s.get("files")) {
                assertThat(f.get("records_read").asLong())
                        .isEqualTo(f.get("records").asLong());
            }
        });
        k.check("Parquet folder _data/ given by name (its part files' names are ordinary): labeled", () -> {
            Path in = dir.resolve("p3");
            parquet(
                    in.resolve("_data"),
                    new StructType().add("id", "string").add("text", "string"),
                    List.of(RowFactory.create("k104", "a")));
            expectLabeled(
                    label(in, dir.resolve("o3"), "--input", in.resolve("_data").toString()), all(LABELED, "k104"));
        });
        k.done();
    }

    // ------------------------------------------------------------------ CSV

    @Test
    void csvLineEndsQuotedHeadersAndMarks(@TempDir Path dir) {
        Kinds k = new Kinds();
        k.check(
                "CSV: CR CR LF line ends (Python's csv on Windows): labeled, no CR in a text "
                        + "(before: refused, `no column 'text' (columns: [id, text])`: the header's last name was text\\r)",
                () -> {
                    Path in = dir.resolve("v1");
                    write(in.resolve("a.csv"), "id,text\r\r\nk201,a\r\r\nk202,b\r\r\n");
                    Run run = expectLabeled(
                            label(in, dir.resolve("o1"), "--input", in.toString()), all(LABELED, "k201", "k202"));
                    assertThat(spark.read().parquet(run.out().toString()).collectAsList())
                            .allSatisfy(r -> assertThat(r.<String>getAs("text")).matches("[ab]"));
                });
        k.check(
                "CSV: header quoted in one file (\"id\",\"text\"), bare in another: both labeled "
                        + "(before: refused, `header differs (id, text vs id, text)`)",
                () -> {
                    Path in = dir.resolve("v2");
                    write(in.resolve("a.csv"), "id,text\nk203,a\n");
                    write(in.resolve("b.csv"), "\"id\",\"text\"\nk204,b\n");
                    expectLabeled(label(in, dir.resolve("o2"), "--input", in.toString()), all(LABELED, "k203", "k204"));
                });
        k.check(
                "CSV: a byte order mark alone on the first line, then the header: labeled "
                        + "(before: refused, `no column 'text' (columns: [_c0])`)",
                () -> {
                    Path in = dir.resolve("v3");
                    write(in.resolve("a.csv"), "\uFEFF\r\nid,text\r\nk205,a\r\n");
                    expectLabeled(label(in, dir.resolve("o3"), "--input", in.toString()), all(LABELED, "k205"));
                });
        k.check(
                "CSV: inch marks inside unquoted fields (5\" screen, 10\" tv): every record its own "
                        + "(before: the first mark opened a quote up to the second, k209 and k210 merged into k208's text)",
                () -> {
                    Path in = dir.resolve("v5");
                    write(in.resolve("a.csv"), "id,text\nk208,5\" screen\nk209,normal\nk210,10\" tv\nk211,ok\n");
                    Run run = expectLabeled(
                            label(in, dir.resolve("o5"), "--input", in.toString()),
                            all(LABELED, "k208", "k209", "k210", "k211"));
                    assertThat(spark.read().parquet(run.out().toString()).collectAsList().stream()
                                    .map(r -> r.<String>getAs("text"))
                                    .sorted()
                                    .toList())
                            .containsExactly("10\" tv", "5\" screen", "normal", "ok");
                });
        k.check("CSV: blanks before a quoted field, doubled quotes and a newline inside quotes: as before", () -> {
            Path in = dir.resolve("v6");
            write(in.resolve("a.csv"), "id,text\nk212, \"a,b\"\nk213,\"say \"\"hi\"\"\nnow\"\nk214,x\n");
            Run run = expectLabeled(
                    label(in, dir.resolve("o6"), "--input", in.toString()), all(LABELED, "k212", "k213", "k214"));
            assertThat(spark.read().parquet(run.out().toString()).collectAsList().stream()
                            .map(r -> r.<String>getAs("text"))
                            .sorted()
                            .toList())
                    .containsExactly(" a,b", "say \"hi\"\nnow", "x");
        });
        k.check("evaluate over CR CR LF and a quoted header: every record scored, per-file ledger balances", () -> {
            Path in = dir.resolve("v4");
            write(in.resolve("a.csv"), "id,text,label\r\r\nk206,a,safe\r\r\n");
            write(in.resolve("b.csv"), "\"id\",\"text\",\"label\"\nk207,b,unsafe\n");
            Path out = dir.resolve("o4");
            Run run = cli(
                    in,
                    out,
                    "evaluate",
                    "--input",
                    in.toString(),
                    "--output",
                    out.toString(),
                    "--model",
                    BUNDLE,
                    "--device",
                    "cpu");
            assertThat(run.rc()).as(run.err()).isEqualTo(0);
            long records = 0;
            long scored = 0;
            try {
                for (JsonNode f : new ObjectMapper()
                        .readTree(out.resolve("metrics.json").toFile())
                        .get("files")) {
                    records += f.get("records").asLong();
                    scored += f.get("rows_scored").asLong();
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            assertThat(records).isEqualTo(2);
            assertThat(scored).isEqualTo(2);
        });
        k.done();
    }

    // ------------------------------------------------------------------ JSON keys

    @Test
    void jsonKeysWithoutAUtf8FormAreQuarantined(@TempDir Path dir) {
        Kinds k = new Kinds();
        k.check(
                "JSONL: a key with a lone surrogate escape (\"a\\ud800\"): invalid_utf8 "
                        + "(before: labeled, the output column named `a?`)",
                () -> {
                    Path in = dir.resolve("j1");
                    write(
                            in.resolve("x.jsonl"),
                            "{\"id\":\"k301\",\"text\":\"a\",\"a\\ud800\":\"x\"}\n" + line("k302", "b"));
                    Run run = expectLabeled(
                            label(in, dir.resolve("o1"), "--input", in.toString()),
                            Map.of("k301", "invalid_utf8", "k302", LABELED));
                    assertThat(spark.read().parquet(run.out().toString()).columns())
                            .doesNotContain("a?");
                });
        k.check("JSONL: such a key after the sample (a crest_extra key before): invalid_utf8", () -> {
            Path in = dir.resolve("j2");
            write(
                    in.resolve("x.jsonl"),
                    line("k303", "b") + "{\"id\":\"k304\",\"text\":\"a\",\"t\\udc00\":\"x\",\"text\":\"y\"}\n");
            expectLabeled(
                    label(in, dir.resolve("o2"), "--input", in.toString()),
                    Map.of("k303", LABELED, "k304", "invalid_utf8"));
        });
        k.check(
                "JSONL: text given twice, null first / a number first / null second: the first one decides "
                        + "(before: {\"text\":null,\"text\":\"x\"} failed the whole run, exit 1, NullPointerException)",
                () -> {
                    Path in = dir.resolve("j5");
                    write(
                            in.resolve("x.jsonl"),
                            "{\"id\":\"k308\",\"text\":null,\"text\":\"real\"}\n"
                                    + "{\"id\":\"k309\",\"text\":1,\"text\":\"a\"}\n"
                                    + "{\"id\":\"k310\",\"text\":\"b\",\"text\":null}\n");
                    expectLabeled(
                            label(in, dir.resolve("o5"), "--input", in.toString()),
                            Map.of("k308", "null_text", "k309", "non_string_text", "k310", LABELED));
                });
        k.check(
                "a 65 MB .json array of records: labeled (before: refused, `no column 'text' (columns: [])`: "
                        + "array files over 64 MB were not sampled for columns)",
                () -> {
                    Path in = dir.resolve("j6");
                    byte[] head = utf8("[{\"id\":\"k311\",\"text\":\"a\"},");
                    byte[] tail = utf8("{\"id\":\"k312\",\"text\":\"b\"}]\n");
                    byte[] all = new byte[head.length + (65 << 20) + tail.length];
                    Arrays.fill(all, (byte) ' ');
                    System.arraycopy(head, 0, all, 0, head.length);
                    System.arraycopy(tail, 0, all, all.length - tail.length, tail.length);
                    write(in.resolve("big.json"), all);
                    expectLabeled(label(in, dir.resolve("o6"), "--input", in.toString()), all(LABELED, "k311", "k312"));
                });
        k.check("JSONL: keys with space , ; { } = ` ( ): labeled, kept", () -> {
            Path in = dir.resolve("j3");
            write(
                    in.resolve("x.jsonl"),
                    "{\"id\":\"k305\",\"text\":\"a\",\"a b\":1,\"a,b\":2,\"a;b\":3,\"a{b}\":4,\"a=b\":5,"
                            + "\"a`b\":6,\"(x)\":7}\n");
            Run run = expectLabeled(label(in, dir.resolve("o3"), "--input", in.toString()), all(LABELED, "k305"));
            assertThat(spark.read().parquet(run.out().toString()).columns())
                    .contains("a b", "a,b", "a;b", "a{b}", "a=b", "a`b", "(x)");
        });
        k.check("JSONL: CR CR LF line ends: labeled", () -> {
            Path in = dir.resolve("j4");
            write(in.resolve("x.jsonl"), two("k306", "k307").replace("\n", "\r\r\n"));
            expectLabeled(label(in, dir.resolve("o4"), "--input", in.toString()), all(LABELED, "k306", "k307"));
        });
        k.done();
    }

    // ------------------------------------------------------------------ options

    @Test
    void emptyAndUnwritablePathsAreUsageErrors(@TempDir Path dir) {
        Kinds k = new Kinds();
        Path in = dir.resolve("in");
        write(in.resolve("a.jsonl"), line("k401", "a"));
        k.check("--input '' : exit 2, one line (before: exit 1, `Can not create a Path from an empty string`)", () -> {
            Run run = label(in, dir.resolve("o1"), "--input", "");
            assertThat(run.rc()).as(run.err()).isEqualTo(2);
            assertThat(run.err()).contains("--input holds an empty path").hasLineCount(1);
        });
        k.check("--output '' : exit 2, one line (before: exit 1, `Can not create a Path from an empty string`)", () -> {
            for (String cmd : List.of("label", "evaluate")) {
                Run run = cli(
                        in,
                        dir.resolve("o2"),
                        cmd,
                        "--input",
                        in.toString(),
                        "--output",
                        "",
                        "--model",
                        BUNDLE,
                        "--device",
                        "cpu");
                assertThat(run.rc()).as(cmd + ": " + run.err()).isEqualTo(2);
                assertThat(run.err()).contains("--output is empty").hasLineCount(1);
            }
        });
        k.check(
                "--output out[1] and --output out:x: exit 2, one line, nothing written "
                        + "(before: exit 1, `PATH_NOT_FOUND .out[1].crest-staging-...` / `URISyntaxException`)",
                () -> {
                    for (String name : List.of("out[1]", "out:x", "out*")) {
                        Path out = dir.resolve(name);
                        Run run = label(in, out, "--input", in.toString());
                        assertThat(run.rc()).as(name + ": " + run.err()).isEqualTo(2);
                        assertThat(run.err())
                                .contains("Cannot write: --output", name)
                                .hasLineCount(1);
                        assertThat(out).doesNotExist();
                    }
                });
        k.check(
                "--input 'a.jsonl,' (trailing comma): labeled; --text-col '', --max-text-chars 0, --format tsv: "
                        + "exit 2, one line",
                () -> {
                    expectLabeled(
                            label(in, dir.resolve("o3"), "--input", in.resolve("a.jsonl") + ","), all(LABELED, "k401"));
                    for (List<String> opt : List.of(
                            List.of("--text-col", ""), List.of("--max-text-chars", "0"), List.of("--format", "tsv"))) {
                        Run run = label(in, dir.resolve("o4"), "--input", in.toString(), opt.get(0), opt.get(1));
                        assertThat(run.rc()).as(opt + ": " + run.err()).isEqualTo(2);
                        assertThat(run.err())
                                .as(opt.toString())
                                .contains(opt.get(0))
                                .hasLineCount(1);
                    }
                });
        k.check(
                "--output with a space, '#', '%41', 'ü 日本' in its name: labeled",
                () -> expectLabeled(
                        label(in, dir.resolve("o #1 %41 ü 日本"), "--input", in.toString()), all(LABELED, "k401")));
        k.done();
    }

    /**
     * A 128 MB JSON Lines file: one line of spaces longer than the 64 MiB line limit, then a record that straddles the
     * 128 MB split boundary (two tasks read the file). Before, the long blank line was read as a line_too_long record
     * the ledger (rightly) did not count: exit 1, ConservationException.
     */
    @Test
    void aLongBlankLineAndARecordAcrossTheSplitAreCountedAlike(@TempDir Path dir) {
        Path in = dir.resolve("in");
        byte[] k1 = utf8(line("k801", "a"));
        byte[] k2 = utf8(line("k802", "straddles the split"));
        byte[] k3 = utf8(line("k803", "c"));
        int pad = (int) ((128L << 20) - k1.length - 1 - 5); // k2 starts 5 bytes before the split
        byte[] all = new byte[k1.length + pad + 1 + k2.length + k3.length];
        System.arraycopy(k1, 0, all, 0, k1.length);
        Arrays.fill(all, k1.length, k1.length + pad, (byte) ' ');
        all[k1.length + pad] = '\n';
        System.arraycopy(k2, 0, all, k1.length + pad + 1, k2.length);
        System.arraycopy(k3, 0, all, all.length - k3.length, k3.length);
        write(in.resolve("big.jsonl"), all);
        expectLabeled(label(in, dir.resolve("out"), "--input", in.toString()), all(LABELED, "k801", "k802", "k803"));
    }

    /**
     * A .json array file over 2 GiB (a sparse file: no disk used): refused by its size before anything reads it. Before,
     * the check read it whole into one byte array: an OutOfMemoryError in a task, which ends the JVM in local mode.
     */
    @Test
    void aJsonArrayFileOverTwoGibIsRefusedBeforeItIsRead(@TempDir Path dir) throws IOException {
        Path in = dir.resolve("in");
        write(in.resolve("good.jsonl"), line("k901", "a"));
        Path big = in.resolve("dump.json");
        try (java.io.RandomAccessFile f = new java.io.RandomAccessFile(big.toFile(), "rw")) {
            f.write(utf8("[" + " ".repeat(4095)));
            f.setLength((2L << 30) + 4096);
        }
        long size = Files.size(big);
        Path nothingElse = Files.createDirectories(dir.resolve("hash-root"));
        Path out = dir.resolve("out");
        Run run = cli(
                nothingElse,
                out,
                "label",
                "--input",
                in.toString(),
                "--output",
                out.toString(),
                "--model",
                BUNDLE,
                "--device",
                "cpu");
        expectRefused(run, "dump.json", "json array of " + size + " bytes", "convert it to JSON Lines");
        assertThat(Files.size(big)).isEqualTo(size);
    }
}
