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
 * Third round of hostile input (docs/MALFORMED.md): kinds of input a new user meets, each run through the real
 * command line ({@link Main#execute}) on the shared local[2] session with the demo model. For every kind the test
 * knows from what it wrote which records the files hold (each carries a token kNNN), and asserts the rule: every
 * record comes out exactly once (labeled, or quarantined with the expected reason), the summary's ledger counts
 * what the test wrote, the input bytes are unchanged, and a refused file gives exit 2 and one line naming it.
 */
class HostileInput3Test {
    private static final String BUNDLE = Fixtures.INDEPENDENT.resolve("bundle").toString();
    private static final Pattern TOKEN = Pattern.compile("k\\d{3}");
    private static final String LABELED = "labeled";
    private static final List<String> TABLE = new ArrayList<>();
    private static SparkSession spark;

    @BeforeAll
    static void setUp() {
        spark = SparkTestSession.get(); // the command borrows it
    }

    @AfterAll
    static void printTable() {
        TABLE.forEach(System.out::println);
    }

    // ------------------------------------------------------------------ writing inputs

    private static Path write(Path p, byte[] bytes) {
        try {
            Files.createDirectories(p.getParent());
            Files.write(p, bytes);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return p;
    }

    private static Path write(Path p, String s) {
        return write(p, s.getBytes(StandardCharsets.UTF_8));
    }

    private static String line(String id, String text) {
        return "{\"id\":\"" + id + "\",\"text\":\"" + text + "\"}\n";
    }

    private static byte[] gzip(byte[] data) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(b)) {
            gz.write(data);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return b.toByteArray();
    }

    private static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            b.writeBytes(p);
        }
        return b.toByteArray();
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static void parquet(Path dir, StructType schema, List<Row> rows) {
        spark.createDataFrame(rows, schema).coalesce(1).write().parquet(dir.toString());
    }

    // ------------------------------------------------------------------ running the command line

    /** What one run of {@code crest label} gave. */
    record Run(int rc, String err, Path out) {
        JsonNode summary() {
            try {
                return new ObjectMapper()
                        .readTree(out.resolve(Columns.SUMMARY_FILE).toFile());
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        /** Token -> "labeled" or the quarantine reason; asserts each token comes out once. */
        Map<String, String> outcomes() {
            Map<String, String> seen = new TreeMap<>();
            if (Files.exists(out)) {
                for (Row r : spark.read().parquet(out.toString()).collectAsList()) {
                    Object id = r.schema().getFieldIndex("id").isDefined() ? r.getAs("id") : null;
                    String where = id != null ? id.toString() : r.mkString("|");
                    Matcher m = TOKEN.matcher(where);
                    assertThat(m.find()).as("token in labeled row %s", where).isTrue();
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
                    assertThat(m.find()).as("token in %s", cut(record)).isTrue();
                    assertThat(seen.put(m.group(), r.getString(r.fieldIndex(Columns.ERROR_COL))))
                            .as("%s out once", m.group())
                            .isNull();
                }
            }
            return seen;
        }

        /** File name -> ledger records; asserts records_read and labeled + quarantined + not selected agree. */
        Map<String, Long> ledger() {
            Map<String, Long> m = new TreeMap<>();
            for (JsonNode f : summary().get("files")) {
                String file = f.get("file").asText();
                m.put(
                        file.substring(file.lastIndexOf('/') + 1),
                        f.get("records").asLong());
                assertThat(f.get("records_read").asLong())
                        .as(file)
                        .isEqualTo(f.get("records").asLong());
            }
            return m;
        }
    }

    private static String cut(String s) {
        return s.length() > 200 ? s.substring(0, 200) + "..." : s;
    }

    /** sha-256 of every regular file under dir. */
    private static Map<String, String> hashes(Path dir) {
        return org.crest.Fixtures.fileHashes(dir);
    }

    /** Runs {@code crest label --output out --model BUNDLE --device cpu ARGS}; the bytes under root unchanged. */
    private static Run label(Path root, Path out, String... args) {
        Map<String, String> before = hashes(root);
        List<String> all = new ArrayList<>(List.of("label", "--output", out.toString(), "--model", BUNDLE));
        all.addAll(List.of("--device", "cpu"));
        all.addAll(Arrays.asList(args));
        picocli.CommandLine cl = CrestCommand.commandLine();
        StringWriter err = new StringWriter();
        cl.setErr(new PrintWriter(err, true));
        cl.setOut(new PrintWriter(new StringWriter(), true));
        int rc = Main.execute(cl, all.toArray(new String[0]));
        assertThat(hashes(root)).as("input bytes unchanged").isEqualTo(before);
        return new Run(rc, err.toString(), out);
    }

    // ------------------------------------------------------------------ expectations

    /** Runs each kind, keeps going after a failed one, and fails at the end listing every kind that failed. */
    private static final class Kinds {
        private final Map<String, String> failed = new LinkedHashMap<>();

        void check(String kind, Runnable r) {
            try {
                r.run();
                TABLE.add("ok      | " + kind);
            } catch (AssertionError | RuntimeException e) {
                String m = String.valueOf(e.getMessage()).replaceAll("\\s+", " ");
                failed.put(kind, cut(m));
                TABLE.add("FAILED  | " + kind + " | " + cut(m));
            }
        }

        void done() {
            assertThat(failed).as("kinds that break the rule").isEmpty();
        }
    }

    /** Exit 0 and exactly these tokens out (labeled or with the reason), ledger total = their number. */
    private static void expectLabeled(Run run, Map<String, String> expected) {
        assertThat(run.rc()).as("exit code; stderr: %s", run.err()).isEqualTo(0);
        Map<String, String> got = run.outcomes();
        TABLE.add("        exit 0: " + got);
        assertThat(got).isEqualTo(new TreeMap<>(expected));
        assertThat(run.summary().get("records_in").asLong()).isEqualTo(expected.size());
        run.ledger();
    }

    /** Exit 2, one line on stderr that names the file and says the problem. */
    private static void expectRefused(Run run, String file, String... problem) {
        assertThat(run.rc()).as("exit code; stderr: %s", run.err()).isEqualTo(2);
        List<String> lines = run.err().lines().filter(l -> !l.isBlank()).toList();
        assertThat(lines).as("one line on stderr").hasSize(1);
        assertThat(lines.get(0)).contains(file);
        if (problem.length > 0) {
            assertThat(lines.get(0)).contains(problem);
        }
        TABLE.add("        refused: " + lines.get(0));
        assertThat(run.out()).doesNotExist();
    }

    private static Map<String, String> all(String outcome, String... tokens) {
        return Arrays.stream(tokens).collect(Collectors.toMap(Function.identity(), t -> outcome));
    }

    private static Map<String, String> merge(Map<String, String> a, Map<String, String> b) {
        Map<String, String> m = new TreeMap<>(a);
        m.putAll(b);
        return m;
    }

    // ------------------------------------------------------------------ encodings and line ends

    @Test
    void encodingsAndLineEnds(@TempDir Path dir) {
        Kinds k = new Kinds();
        k.check("UTF-16BE without byte order mark, .jsonl: refused, file named", () -> {
            Path in = dir.resolve("e1");
            write(in.resolve("be.jsonl"), line("k001", "hello").getBytes(StandardCharsets.UTF_16BE));
            expectRefused(label(in, dir.resolve("o1"), "--input", in.toString()), "be.jsonl", "NUL");
        });
        k.check("UTF-16LE with byte order mark, .csv: refused, file named", () -> {
            Path in = dir.resolve("e2");
            byte[] body = "id,text\nk002,hello\n".getBytes(StandardCharsets.UTF_16LE);
            write(in.resolve("le.csv"), concat(new byte[] {(byte) 0xff, (byte) 0xfe}, body));
            expectRefused(label(in, dir.resolve("o2"), "--input", in.toString()), "le.csv", "UTF-16");
        });
        k.check("JSONL: byte order mark at the start of a later line (files concatenated): labeled", () -> {
            Path in = dir.resolve("e3");
            write(in.resolve("cat.jsonl"), line("k003", "a") + "\uFEFF" + line("k004", "b"));
            expectLabeled(label(in, dir.resolve("o3"), "--input", in.toString()), all(LABELED, "k003", "k004"));
        });
        k.check("CSV: header CRLF, rows LF, last row CRLF without final newline: text without CR", () -> {
            Path in = dir.resolve("e4");
            write(in.resolve("mixed.csv"), "id,text\r\nk005,a\nk006,b\r\nk007,c");
            Run run = label(in, dir.resolve("o4"), "--input", in.toString());
            expectLabeled(run, all(LABELED, "k005", "k006", "k007"));
            assertThat(spark.read().parquet(run.out().toString()).collectAsList())
                    .allSatisfy(r -> assertThat(r.<String>getAs("text")).matches("[abc]"));
        });
        k.check("JSONL: mixed CRLF / LF, no final newline: labeled", () -> {
            Path in = dir.resolve("e5");
            write(
                    in.resolve("m.jsonl"),
                    line("k008", "a").replace("\n", "\r\n")
                            + line("k009", "b")
                            + line("k010", "c").trim());
            expectLabeled(label(in, dir.resolve("o5"), "--input", in.toString()), all(LABELED, "k008", "k009", "k010"));
        });
        k.check("JSONL: form feed before a record and a form-feed-only line", () -> {
            Path in = dir.resolve("e6");
            write(in.resolve("ff.jsonl"), "\f\n" + line("k011", "a") + "\f" + line("k012", "b"));
            // a line of only a form feed is blank (not a record); a form feed before '{' is not JSON whitespace
            expectLabeled(
                    label(in, dir.resolve("o6"), "--input", in.toString()),
                    Map.of("k011", LABELED, "k012", "malformed_json"));
        });
        k.check("JSONL: U+2028 / U+2029 raw outside strings and inside: one record per LF line", () -> {
            Path in = dir.resolve("e7");
            write(
                    in.resolve("ls.jsonl"),
                    "{\"id\":\"k013\",\"text\":\"a\u2028b\u2029c\"}\n{\"id\":\"k014\",\u2028\"text\":\"d\"}\n");
            expectLabeled(
                    label(in, dir.resolve("o7"), "--input", in.toString()),
                    Map.of("k013", LABELED, "k014", "malformed_json"));
        });
        k.check("JSONL: noncharacters U+FFFE, U+FDD0, U+10FFFF in the text: labeled, kept", () -> {
            Path in = dir.resolve("e8");
            write(in.resolve("nc.jsonl"), line("k015", "a\uFFFEb\uFDD0c\uDBFF\uDFFF"));
            Run run = label(in, dir.resolve("o8"), "--input", in.toString());
            expectLabeled(run, all(LABELED, "k015"));
            assertThat(spark.read().parquet(run.out().toString()).first().<String>getAs("text"))
                    .isEqualTo("a\uFFFEb\uFDD0c\uDBFF\uDFFF");
        });
        k.check("CSV: Latin-1 byte in a column other than the text: quarantined invalid_utf8", () -> {
            Path in = dir.resolve("e9");
            write(
                    in.resolve("l1.csv"),
                    concat(utf8("id,user,text\nk016,Jos"), new byte[] {(byte) 0xe9}, utf8(",hello\nk017,ann,hi\n")));
            expectLabeled(
                    label(in, dir.resolve("o9"), "--input", in.toString()),
                    Map.of("k016", "invalid_utf8", "k017", LABELED));
        });
        k.check("CSV: overlong UTF-8 (c0 af) in the text: quarantined invalid_utf8", () -> {
            Path in = dir.resolve("e10");
            write(
                    in.resolve("ol.csv"),
                    concat(utf8("id,text\nk018,a"), new byte[] {(byte) 0xc0, (byte) 0xaf}, utf8("b\nk019,ok\n")));
            expectLabeled(
                    label(in, dir.resolve("o10"), "--input", in.toString()),
                    Map.of("k018", "invalid_utf8", "k019", LABELED));
        });
        k.check("text of only emoji, only RTL overrides: labeled / empty_text", () -> {
            Path in = dir.resolve("e11");
            write(in.resolve("x.jsonl"), line("k020", "\uD83D\uDE00\uD83D\uDE00") + line("k021", "\u202E\u202Dabc"));
            expectLabeled(label(in, dir.resolve("o11"), "--input", in.toString()), all(LABELED, "k020", "k021"));
        });
        k.done();
    }

    // ------------------------------------------------------------------ compression and containers

    @Test
    void compressionAndContainers(@TempDir Path dir) throws IOException {
        Kinds k = new Kinds();
        k.check("gzip: two members concatenated (cat a.gz b.gz): every record of both", () -> {
            Path in = dir.resolve("c1");
            write(in.resolve("multi.jsonl.gz"), concat(gzip(utf8(line("k101", "a"))), gzip(utf8(line("k102", "b")))));
            expectLabeled(label(in, dir.resolve("o1"), "--input", in.toString()), all(LABELED, "k101", "k102"));
        });
        k.check("gzip: garbage after the stream: refused or every record", () -> {
            Path in = dir.resolve("c2");
            write(in.resolve("tail.jsonl.gz"), concat(gzip(utf8(line("k103", "a"))), utf8("garbage after the end")));
            Run run = label(in, dir.resolve("o2"), "--input", in.toString());
            if (run.rc() == 2) {
                expectRefused(run, "tail.jsonl.gz");
            } else {
                expectLabeled(run, all(LABELED, "k103"));
            }
        });
        k.check("gzip: an empty stream (gzip of nothing) beside a good file: 0 records", () -> {
            Path in = dir.resolve("c3");
            write(in.resolve("empty.jsonl.gz"), gzip(new byte[0]));
            write(in.resolve("good.jsonl"), line("k104", "a"));
            Run run = label(in, dir.resolve("o3"), "--input", in.toString());
            expectLabeled(run, all(LABELED, "k104"));
            assertThat(run.ledger()).containsEntry("empty.jsonl.gz", 0L);
        });
        k.check("gzip: a zero-byte .jsonl.gz beside a good file: empty, not refused as not gzip", () -> {
            Path in = dir.resolve("c4");
            write(in.resolve("zero.jsonl.gz"), new byte[0]);
            write(in.resolve("good.jsonl"), line("k105", "a"));
            expectLabeled(label(in, dir.resolve("o4"), "--input", in.toString()), all(LABELED, "k105"));
        });
        k.check(".jsonl.zst (zstd frame): labeled or refused in one line naming it", () -> {
            Path in = dir.resolve("c5");
            ByteArrayOutputStream b = new ByteArrayOutputStream();
            try (OutputStream z = new com.github.luben.zstd.ZstdOutputStream(b)) {
                z.write(utf8(line("k106", "a")));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            write(in.resolve("a.jsonl.zst"), b.toByteArray());
            Run run = label(in, dir.resolve("o5"), "--input", in.toString());
            if (run.rc() == 2) {
                expectRefused(run, "a.jsonl.zst", "zst");
            } else {
                expectLabeled(run, all(LABELED, "k106"));
            }
        });
        k.check(".zip holding a .jsonl: refused in one line naming it", () -> {
            Path in = dir.resolve("c6");
            ByteArrayOutputStream b = new ByteArrayOutputStream();
            try (java.util.zip.ZipOutputStream z = new java.util.zip.ZipOutputStream(b)) {
                z.putNextEntry(new java.util.zip.ZipEntry("a.jsonl"));
                z.write(utf8(line("k107", "a")));
                z.closeEntry();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            write(in.resolve("logs.jsonl.zip"), b.toByteArray());
            expectRefused(label(in, dir.resolve("o6"), "--input", in.toString()), "logs.jsonl.zip");
        });
        k.check("a tar.gz named .jsonl.gz: refused, file named", () -> {
            Path in = dir.resolve("c7");
            byte[] header = new byte[512];
            byte[] name = utf8("a.jsonl");
            System.arraycopy(name, 0, header, 0, name.length);
            byte[] body = Arrays.copyOf(utf8(line("k108", "a")), 512);
            write(in.resolve("bundle.jsonl.gz"), gzip(concat(header, body, new byte[1024])));
            expectRefused(label(in, dir.resolve("o7"), "--input", in.toString()), "bundle.jsonl.gz");
        });
        k.check(".jsonl.bz2 cut short: refused, file named", () -> {
            Path in = dir.resolve("c8");
            ByteArrayOutputStream b = new ByteArrayOutputStream();
            org.apache.hadoop.io.compress.BZip2Codec codec = new org.apache.hadoop.io.compress.BZip2Codec();
            codec.setConf(new org.apache.hadoop.conf.Configuration());
            try (OutputStream z = codec.createOutputStream(b)) {
                for (int i = 0; i < 2000; i++) {
                    z.write(utf8(line("k109", "record " + i + " " + "x".repeat(i % 50))));
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            byte[] all = b.toByteArray();
            write(in.resolve("cut.jsonl.bz2"), Arrays.copyOf(all, all.length / 2));
            expectRefused(label(in, dir.resolve("o8"), "--input", in.toString()), "cut.jsonl.bz2");
        });
        k.check("a file of only spaces and tabs (no newline), alone: refused no records", () -> {
            Path in = dir.resolve("c9");
            write(in.resolve("ws.jsonl"), " \t  \t ");
            Run run = label(in, dir.resolve("o9"), "--input", in.toString());
            // names the input folder, not the file (the same message as a header-only CSV: fixed on branch datapath)
            expectRefused(run, "c9", "no JSON records");
        });
        k.check("Parquet named .parquet but holding CSV text: refused, file named", () -> {
            Path in = dir.resolve("c10");
            write(in.resolve("fake.parquet"), "id,text\nk110,a\n");
            expectRefused(label(in, dir.resolve("o10"), "--input", in.toString()), "fake.parquet");
        });
        k.done();
    }

    // ------------------------------------------------------------------ file system

    @Test
    void fileSystemShapes(@TempDir Path dir) throws IOException {
        Kinds k = new Kinds();
        k.check("file name with a colon, in a folder and given by name", () -> {
            Path in = dir.resolve("f1");
            Path f = write(in.resolve("a:b.jsonl"), line("k201", "a"));
            expectLabeled(label(in, dir.resolve("o1a"), "--input", in.toString()), all(LABELED, "k201"));
            expectLabeled(label(in, dir.resolve("o1b"), "--input", f.toString()), all(LABELED, "k201"));
        });
        k.check("file names with '*' and '?' given by name: only that file", () -> {
            Path in = dir.resolve("f2");
            Path star = write(in.resolve("a*.jsonl"), line("k202", "a"));
            write(in.resolve("ab.jsonl"), line("k203", "b"));
            Path q = write(in.resolve("c?.jsonl"), line("k204", "c"));
            write(in.resolve("cd.jsonl"), line("k205", "d"));
            expectLabeled(label(in, dir.resolve("o2"), "--input", star + "," + q), all(LABELED, "k202", "k204"));
        });
        k.check(
                "file name with a leading dash, '#', '%' and a space, given by name",
                () -> {
                    Path in = dir.resolve("f3");
                    Path f = write(in.resolve("-x #1 %41 y.jsonl"), line("k206", "a"));
                    expectLabeled(label(in, dir.resolve("o3"), "--input=" + f), all(LABELED, "k206"));
                });
        k.check("file name with a comma, given by name: refused, the hint names it; its folder reads it", () -> {
            Path in = dir.resolve("f4");
            Path f = write(in.resolve("a,b.jsonl"), line("k207", "a"));
            // --input splits on commas (documented); the refusal says that the joined name exists
            expectRefused(
                    label(in, dir.resolve("o4"), "--input", f.toString()), "a,b.jsonl", "splits its value on commas");
            expectLabeled(label(in, dir.resolve("o4b"), "--input", in.toString()), all(LABELED, "k207"));
        });
        k.check("a dangling symbolic link in the input folder: refused naming it, or left out and counted", () -> {
            Path in = dir.resolve("f5");
            write(in.resolve("good.jsonl"), line("k208", "a"));
            try {
                Files.createSymbolicLink(in.resolve("gone.jsonl"), in.resolve("nowhere.jsonl"));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            Run run = label(in, dir.resolve("o5"), "--input", in.toString());
            if (run.rc() == 2) {
                expectRefused(run, "gone.jsonl");
            } else {
                expectLabeled(run, all(LABELED, "k208"));
            }
        });
        k.check("a symbolic link to a file outside the input folder: read once", () -> {
            Path in = dir.resolve("f6");
            Path outside = write(dir.resolve("f6-outside").resolve("real.jsonl"), line("k209", "a"));
            try {
                Files.createDirectories(in);
                Files.createSymbolicLink(in.resolve("link.jsonl"), outside);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            expectLabeled(
                    label(dir.resolve("f6-outside"), dir.resolve("o6"), "--input", in.toString()),
                    all(LABELED, "k209"));
        });
        k.check("a hard link: two names of one file in the folder, each name's records once", () -> {
            Path in = dir.resolve("f7");
            Path a = write(in.resolve("a.jsonl"), line("k210", "a"));
            try {
                Files.createLink(in.resolve("b.jsonl"), a);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            Run run = label(in, dir.resolve("o7"), "--input", in.toString());
            assertThat(run.rc()).as(run.err()).isEqualTo(0);
            // the same inode under two names is read once (as a symbolic link is) or twice (two files): the ledger
            // must say which, and the output must match it
            long records = run.summary().get("records_in").asLong();
            long out = run.summary().get("rows_labeled").asLong();
            assertThat(out).isEqualTo(records);
        });
        k.check("a FIFO (named pipe) in the input folder: not read (would block), counted or refused", () -> {
            Path in = dir.resolve("f8");
            write(in.resolve("good.jsonl"), line("k211", "a"));
            try {
                int rc = new ProcessBuilder("mkfifo", in.resolve("pipe.jsonl").toString())
                        .start()
                        .waitFor();
                assertThat(rc).isZero();
            } catch (IOException | InterruptedException e) {
                throw new RuntimeException(e);
            }
            Run run = label(in, dir.resolve("o8"), "--input", in.toString());
            if (run.rc() == 2) {
                expectRefused(run, "pipe.jsonl");
            } else {
                expectLabeled(run, all(LABELED, "k211"));
            }
        });
        k.check("_SUCCESS, .crc, _temporary/ and .hidden/ beside data: only data read", () -> {
            Path in = dir.resolve("f9");
            write(in.resolve("part-0.jsonl"), line("k212", "a"));
            write(in.resolve("_SUCCESS"), "");
            write(in.resolve(".part-0.jsonl.crc"), "crc");
            write(in.resolve("_temporary/0/part-1.jsonl"), line("k299", "no"));
            write(in.resolve(".hidden/part-2.jsonl"), line("k298", "no"));
            Run run = label(in, dir.resolve("o9"), "--input", in.toString());
            expectLabeled(run, all(LABELED, "k212"));
            assertThat(run.summary().toString()).contains("input_files_ignored");
        });
        k.check("an input given as a glob pattern (quoted): refused in one line", () -> {
            Path in = dir.resolve("f10");
            write(in.resolve("a.jsonl"), line("k213", "a"));
            Run run = label(
                    in, dir.resolve("o10"), "--input", in.resolve("*.jsonl").toString());
            expectRefused(run, "*.jsonl");
        });
        k.check("an input file given with a trailing slash: read or refused in one line", () -> {
            Path in = dir.resolve("f11");
            Path f = write(in.resolve("a.jsonl"), line("k214", "a"));
            Run run = label(in, dir.resolve("o11"), "--input", f + "/");
            if (run.rc() == 2) {
                expectRefused(run, "a.jsonl");
            } else {
                expectLabeled(run, all(LABELED, "k214"));
            }
        });
        k.check("a stale .crc beside a file edited by hand (Hadoop's checksum file): read as it is", () -> {
            Path in = dir.resolve("f12");
            try {
                Files.createDirectories(in);
                org.apache.hadoop.fs.FileSystem local =
                        org.apache.hadoop.fs.FileSystem.getLocal(new org.apache.hadoop.conf.Configuration());
                try (OutputStream os = local.create(
                        new org.apache.hadoop.fs.Path(in.resolve("a.jsonl").toString()))) {
                    os.write(utf8(line("k215", "a")));
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            assertThat(in.resolve(".a.jsonl.crc")).exists();
            write(in.resolve("a.jsonl"), line("k215", "a") + line("k216", "b"));
            expectLabeled(label(in, dir.resolve("o12"), "--input", in.toString()), all(LABELED, "k215", "k216"));
        });
        k.done();
    }

    /** A file that grows after the check counted it and before it is read: never a silent extra or lost row. */
    @Test
    void aFileThatGrowsBetweenCheckAndReadIsNeverMiscounted(@TempDir Path dir) {
        Path in = dir.resolve("in");
        Path f = write(in.resolve("grow.jsonl"), line("k301", "a") + line("k302", "b"));
        org.apache.spark.scheduler.SparkListener grow = new org.apache.spark.scheduler.SparkListener() {
            private boolean done;

            @Override
            public synchronized void onJobEnd(org.apache.spark.scheduler.SparkListenerJobEnd end) {
                if (!done) {
                    done = true;
                    try {
                        Files.write(f, utf8(line("k303", "late")), java.nio.file.StandardOpenOption.APPEND);
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                }
            }
        };
        spark.sparkContext().addSparkListener(grow);
        Run run;
        try {
            List<String> all = List.of(
                    "label",
                    "--output",
                    dir.resolve("out").toString(),
                    "--model",
                    BUNDLE,
                    "--device",
                    "cpu",
                    "--input",
                    in.toString());
            picocli.CommandLine cl = CrestCommand.commandLine();
            StringWriter err = new StringWriter();
            cl.setErr(new PrintWriter(err, true));
            run = new Run(Main.execute(cl, all.toArray(new String[0])), err.toString(), dir.resolve("out"));
        } finally {
            spark.sparkContext().removeSparkListener(grow);
        }
        TABLE.add("grow    | rc " + run.rc() + " | " + run.err().replaceAll("\\s+", " "));
        if (run.rc() == 0) {
            Map<String, String> o = run.outcomes();
            assertThat(o.size()).isEqualTo(run.summary().get("records_in").asLong());
            run.ledger();
        } else {
            assertThat(run.err()).contains("grow.jsonl").contains("did it change while crest read it");
            assertThat(run.err().lines().filter(l -> !l.isBlank()).count()).isLessThanOrEqualTo(2);
        }
    }

    // ------------------------------------------------------------------ JSON quirks

    @Test
    void jsonQuirks(@TempDir Path dir) {
        Kinds k = new Kinds();
        k.check("JSONL: comments, trailing commas, single quotes, unquoted keys, bad escapes: malformed_json", () -> {
            Path in = dir.resolve("j1");
            write(
                    in.resolve("lax.jsonl"),
                    "// k401 a comment line\n"
                            + "{\"id\":\"k402\",\"text\":\"a\"} // trailing comment\n"
                            + "{\"id\":\"k403\",\"text\":\"a\",}\n"
                            + "{'id':'k404','text':'a'}\n"
                            + "{id:\"k405\",text:\"a\"}\n"
                            + "{\"id\":\"k406\",\"text\":\"\\x41\"}\n"
                            + "# k407 hash comment\n"
                            + line("k408", "fine"));
            Map<String, String> want =
                    new TreeMap<>(all("malformed_json", "k401", "k402", "k403", "k404", "k405", "k406", "k407"));
            want.put("k408", LABELED);
            expectLabeled(label(in, dir.resolve("o1"), "--input", in.toString()), want);
        });
        k.check("JSONL: the text column first seen after the schema sample (2,001 records without it): read", () -> {
            Path in = dir.resolve("j2");
            StringBuilder s = new StringBuilder();
            Map<String, String> want = new TreeMap<>();
            for (int i = 0; i < 2001; i++) {
                s.append("{\"id\":\"x").append(i).append("\",\"body\":\"k409\"}\n");
            }
            s.append(line("k410", "late text"));
            write(in.resolve("late.jsonl"), s.toString());
            Run run = label(in, dir.resolve("o2"), "--input", in.toString());
            assertThat(run.rc()).as(run.err()).isEqualTo(0);
            assertThat(run.summary().get("records_in").asLong()).isEqualTo(2002);
            assertThat(run.summary().get("rows_labeled").asLong())
                    .as("the late record with text")
                    .isEqualTo(1);
            assertThat(run.summary()
                            .get("quarantine_reasons")
                            .get("missing_text")
                            .asLong())
                    .isEqualTo(2001);
        });
        k.check("JSONL: --text-col naming a key no record has: refused naming the column", () -> {
            Path in = dir.resolve("j3");
            write(in.resolve("a.jsonl"), line("k411", "a") + line("k412", "b"));
            expectRefused(label(in, dir.resolve("o3"), "--input", in.toString(), "--text-col", "body"), "body");
        });
        k.check("JSONL: --text-col TEXT when the data says text: refused naming the column, or labeled", () -> {
            Path in = dir.resolve("j4");
            write(in.resolve("a.jsonl"), line("k413", "a"));
            Run run = label(in, dir.resolve("o4"), "--input", in.toString(), "--text-col", "TEXT");
            if (run.rc() == 2) {
                expectRefused(run, "TEXT");
            } else {
                expectLabeled(run, all(LABELED, "k413"));
            }
        });
        k.check("CSV: --text-col naming a missing column / a case variant: refused naming it", () -> {
            Path in = dir.resolve("j5");
            write(in.resolve("a.csv"), "id,text\nk414,a\n");
            expectRefused(label(in, dir.resolve("o5a"), "--input", in.toString(), "--text-col", "body"), "body");
            Run run = label(in, dir.resolve("o5b"), "--input", in.toString(), "--text-col", "Text");
            if (run.rc() == 2) {
                expectRefused(run, "Text");
            } else {
                expectLabeled(run, all(LABELED, "k414"));
            }
        });
        k.check("--text-col given twice: one wins or refused, never a silent mix", () -> {
            Path in = dir.resolve("j6");
            write(in.resolve("a.jsonl"), "{\"id\":\"k415\",\"text\":\"a\",\"body\":\"b\"}\n");
            Run run =
                    label(in, dir.resolve("o6"), "--input", in.toString(), "--text-col", "body", "--text-col", "text");
            if (run.rc() == 2) {
                assertThat(run.err().lines().filter(l -> !l.isBlank()).count()).isEqualTo(1);
                assertThat(run.err()).contains("--text-col");
            } else {
                expectLabeled(run, all(LABELED, "k415"));
            }
        });
        k.check("JSONL: a 12 MB line of 100,000 keys: labeled or quarantined, never lost", () -> {
            Path in = dir.resolve("j7");
            StringBuilder s = new StringBuilder("{\"id\":\"k416\",\"text\":\"a\"");
            for (int i = 0; i < 100_000; i++) {
                s.append(",\"key").append(i).append("\":").append(i);
            }
            s.append("}\n").append(line("k417", "b"));
            write(in.resolve("wide.jsonl"), s.toString());
            Run run = label(in, dir.resolve("o7"), "--input", in.toString());
            assertThat(run.rc()).as(run.err()).isEqualTo(0);
            assertThat(run.outcomes()).containsOnlyKeys("k416", "k417");
            run.ledger();
        });
        k.check("JSONL: ids -0 and 123456789012345678901234567890: labeled; the big one kept in crest_extra", () -> {
            Path in = dir.resolve("j8");
            write(
                    in.resolve("n.jsonl"),
                    "{\"id\":-0,\"text\":\"k418\"}\n{\"id\":123456789012345678901234567890,\"text\":\"k419\"}\n");
            Run run = label(in, dir.resolve("o8"), "--input", in.toString());
            assertThat(run.rc()).as(run.err()).isEqualTo(0);
            assertThat(run.summary().get("rows_labeled").asLong()).isEqualTo(2);
            List<String> ids = spark.read().parquet(run.out().toString()).collectAsList().stream()
                    .map(r -> r.<Object>getAs("id") + " " + r.<Object>getAs("crest_extra"))
                    .sorted()
                    .toList();
            // the column is a long (from the sample); a value that does not fit it goes to crest_extra as written
            assertThat(ids).containsExactly("0 null", "null {\"id\":123456789012345678901234567890}");
        });
        k.done();
    }

    @Test
    void escapedNulIsQuarantined(@TempDir Path dir) {
        Path in = dir.resolve("in");
        write(in.resolve("a.jsonl"), line("k501", "a\\u0000b") + line("k502", "ok"));
        expectLabeled(
                label(in, dir.resolve("out"), "--input", in.toString()), Map.of("k501", "nul_byte", "k502", LABELED));
    }

    // ------------------------------------------------------------------ chats

    @Test
    void chatShapes(@TempDir Path dir) {
        Kinds k = new Kinds();
        k.check("tool calls: assistant content null with tool_calls, role tool: counted, never lost", () -> {
            Path in = dir.resolve("h1");
            write(
                    in.resolve("tools.jsonl"),
                    "{\"id\":\"k601\",\"messages\":[{\"role\":\"user\",\"content\":\"weather?\"},"
                            + "{\"role\":\"assistant\",\"content\":null,\"tool_calls\":[{\"id\":\"c1\",\"type\":\"function\","
                            + "\"function\":{\"name\":\"w\",\"arguments\":\"{}\"}}]},"
                            + "{\"role\":\"tool\",\"tool_call_id\":\"c1\",\"content\":\"sunny\"},"
                            + "{\"role\":\"assistant\",\"content\":\"It is sunny\"}]}\n");
            Run run = label(
                    in,
                    dir.resolve("o1"),
                    "--input",
                    in.toString(),
                    "--messages-col",
                    "messages",
                    "--roles",
                    "user,assistant");
            assertThat(run.rc()).as(run.err()).isEqualTo(0);
            JsonNode s = run.summary();
            assertThat(s.get("records_in").asLong()).isEqualTo(1);
            assertThat(s.get("rows_labeled").asLong()).isEqualTo(2);
            assertThat(s.get("rows_labeled").asLong()
                            + s.get("rows_quarantined").asLong())
                    .isEqualTo(3);
            assertThat(s.get("not_selected").get("other_role").asLong()).isEqualTo(1);
            run.ledger();
        });
        k.check("content parts with only an image part: quarantined with a reason", () -> {
            Path in = dir.resolve("h2");
            write(
                    in.resolve("img.jsonl"),
                    "{\"id\":\"k602\",\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"image_url\","
                            + "\"image_url\":{\"url\":\"http://x/y.png\"}}]}]}\n"
                            + "{\"id\":\"k603\",\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"image_url\","
                            + "\"image_url\":{\"url\":\"http://x/y.png\"}},{\"type\":\"text\",\"text\":\"what is it\"}]}]}\n");
            Run run = label(in, dir.resolve("o2"), "--input", in.toString(), "--messages-col", "messages");
            assertThat(run.rc()).as(run.err()).isEqualTo(0);
            JsonNode s = run.summary();
            assertThat(s.get("rows_labeled").asLong()).isEqualTo(1);
            assertThat(s.get("rows_quarantined").asLong()).isEqualTo(1);
            run.ledger();
        });
        k.check("CSV with a messages column holding JSON text: labeled per message or refused in one line", () -> {
            Path in = dir.resolve("h3");
            write(
                    in.resolve("chats.csv"),
                    "id,messages\nk604,\"[{\"\"role\"\":\"\"user\"\",\"\"content\"\":\"\"hi\"\"}]\"\n");
            Run run = label(in, dir.resolve("o3"), "--input", in.toString(), "--messages-col", "messages");
            if (run.rc() == 2) {
                expectRefused(run, "messages");
            } else {
                assertThat(run.rc()).as(run.err()).isEqualTo(0);
                JsonNode s = run.summary();
                assertThat(s.get("records_in").asLong()).isEqualTo(1);
                assertThat(s.get("rows_labeled").asLong()
                                + s.get("rows_quarantined").asLong())
                        .isEqualTo(1);
                run.ledger();
            }
        });
        k.check("messages nested in a conversation object, --messages-col conversation: messages_not_array", () -> {
            Path in = dir.resolve("h4");
            write(
                    in.resolve("nested.jsonl"),
                    "{\"id\":\"k605\",\"conversation\":{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}}\n");
            Run run = label(in, dir.resolve("o4"), "--input", in.toString(), "--messages-col", "conversation");
            expectLabeled(run, Map.of("k605", "messages_not_array"));
        });
        k.done();
    }

    // ------------------------------------------------------------------ CSV and Parquet quirks

    @Test
    void csvAndParquetQuirks(@TempDir Path dir) {
        Kinds k = new Kinds();
        k.check("CSV: header with case-variant duplicates text,Text: text read, the other kept", () -> {
            Path in = dir.resolve("v1");
            write(in.resolve("a.csv"), "id,text,Text\nk701,a,b\n");
            expectLabeled(label(in, dir.resolve("o1"), "--input", in.toString()), all(LABELED, "k701"));
        });
        k.check("CSV: a blank line before the header: header found or refused naming the file", () -> {
            Path in = dir.resolve("v2");
            write(in.resolve("a.csv"), "\nid,text\nk702,a\n");
            Run run = label(in, dir.resolve("o2"), "--input", in.toString());
            if (run.rc() == 2) {
                expectRefused(run, "a.csv");
            } else {
                expectLabeled(run, all(LABELED, "k702"));
            }
        });
        k.check("CSV: '|' delimiter: refused naming the file", () -> {
            Path in = dir.resolve("v3");
            write(in.resolve("pipe.csv"), "id|text\nk703|a\n");
            expectRefused(label(in, dir.resolve("o3"), "--input", in.toString()), "pipe.csv");
        });
        k.check("CSV: backslash-escaped quotes: every record out once", () -> {
            Path in = dir.resolve("v4");
            write(in.resolve("bs.csv"), "id,text\nk704,\"he said \\\"hi\\\" ok\"\nk705,fine\n");
            Run run = label(in, dir.resolve("o4"), "--input", in.toString());
            assertThat(run.rc()).as(run.err()).isEqualTo(0);
            assertThat(run.outcomes()).containsOnlyKeys("k704", "k705");
            run.ledger();
        });
        k.check("CSV: the header repeated mid-file (files concatenated): repeated_header, never scored", () -> {
            Path in = dir.resolve("v5");
            write(in.resolve("cat.csv"), "id,text\nk706,a\n\uFEFFid,text\nk707,b\n");
            Run run = label(in, dir.resolve("o5"), "--input", in.toString());
            assertThat(run.rc()).as(run.err()).isEqualTo(0);
            assertThat(run.ledger()).containsOnly(Map.entry("cat.csv", 3L));
            assertThat(run.summary().get("rows_labeled").asLong()).isEqualTo(2);
            assertThat(run.summary().get("quarantine_reasons").toString()).isEqualTo("{\"repeated_header\":1}");
            assertThat(spark.read().parquet(run.out().toString()).collectAsList())
                    .as("no labeled row whose text is the header's name")
                    .noneMatch(r -> "text".equals(r.getAs("text")));
        });
        k.check("Parquet: columns text and Text (case variants): read, or refused naming the file", () -> {
            Path in = dir.resolve("v6");
            spark.conf().set("spark.sql.caseSensitive", "true");
            try {
                parquet(
                        in.resolve("p"),
                        new StructType()
                                .add("id", "string")
                                .add("text", "string")
                                .add("Text", "string"),
                        List.of(RowFactory.create("k708", "a", "b")));
            } finally {
                spark.conf().unset("spark.sql.caseSensitive");
            }
            Run run = label(in, dir.resolve("o6"), "--input", in.resolve("p").toString());
            expectRefused(run, ".parquet", "'text' and 'Text' differ only in case");
        });
        k.check("Parquet: text column in one file, absent in another: null_text (Spark's merged schema)", () -> {
            Path in = dir.resolve("v7");
            parquet(
                    in.resolve("a"),
                    new StructType().add("id", "string").add("text", "string"),
                    List.of(RowFactory.create("k709", "a")));
            parquet(
                    in.resolve("b"),
                    new StructType().add("id", "string").add("body", "string"),
                    List.of(RowFactory.create("k710", "b")));
            Run run = label(in, dir.resolve("o7"), "--input", in.toString());
            expectLabeled(run, Map.of("k709", LABELED, "k710", "null_text"));
        });
        k.check("Parquet: --text-col 'my text' (a space) and other column types (map, decimal, date, binary)", () -> {
            Path in = dir.resolve("v8");
            StructType t = new StructType()
                    .add("id", "string")
                    .add("my text", "string")
                    .add("m", "map<string,int>")
                    .add("d", "decimal(38,18)")
                    .add("day", "date")
                    .add("b", "binary");
            parquet(
                    in.resolve("p"),
                    t,
                    List.of(RowFactory.create(
                            "k711",
                            "hi",
                            Map.of("a", 1),
                            new java.math.BigDecimal("1.5"),
                            java.sql.Date.valueOf("2026-11-29"),
                            new byte[] {0, 1})));
            expectLabeled(
                    label(in, dir.resolve("o8"), "--input", in.resolve("p").toString(), "--text-col", "my text"),
                    all(LABELED, "k711"));
        });
        k.done();
    }

    // ------------------------------------------------------------------ output options

    @Test
    void outputsNeverDestroyData(@TempDir Path dir) {
        Kinds k = new Kinds();
        k.check("--mode overwrite onto a folder of someone else's data (not a crest output): refused", () -> {
            Path in = dir.resolve("w1");
            write(in.resolve("a.jsonl"), line("k801", "a"));
            Path other = dir.resolve("w1-other");
            write(other.resolve("precious.csv"), "keep me\n");
            Run run = label(other, other, "--input", in.toString(), "--mode", "overwrite");
            assertThat(other.resolve("precious.csv"))
                    .as("someone else's file still there")
                    .exists();
            assertThat(run.rc()).isEqualTo(2);
            assertThat(run.err())
                    .contains("not a crest label output")
                    .contains("precious.csv")
                    .hasLineCount(1);
        });
        k.check("--output naming an existing regular file, --mode overwrite: refused, file kept", () -> {
            Path in = dir.resolve("w2");
            write(in.resolve("a.jsonl"), line("k802", "a"));
            Path file = write(dir.resolve("w2-file").resolve("notes.txt"), "keep me\n");
            Run run = label(in, file, "--input", in.toString(), "--mode", "overwrite");
            assertThat(file).as("the file is still there").hasContent("keep me");
            assertThat(run.rc()).isEqualTo(2);
            assertThat(run.err()).contains("is a file, not an output folder").hasLineCount(1);
        });
        k.check("--mode overwrite onto an earlier crest output: replaced", () -> {
            Path in = dir.resolve("w3");
            write(in.resolve("a.jsonl"), line("k803", "a"));
            Path out = dir.resolve("o3");
            expectLabeled(label(in, out, "--input", in.toString()), all(LABELED, "k803"));
            expectLabeled(label(in, out, "--input", in.toString(), "--mode", "overwrite"), all(LABELED, "k803"));
        });
        k.done();
    }
}
