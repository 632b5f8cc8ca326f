package org.crest.label;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.GZIPOutputStream;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.crest.Columns;
import org.crest.Fixtures;
import org.crest.SparkTestSession;
import org.crest.UsageException;
import org.crest.io.BadInputException;
import org.crest.io.InputFormat;
import org.crest.io.Units;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Hostile inputs of many kinds (issue 11, input side), written here and labeled on the shared local[2]
 * session with the demo model. Every case asserts the exact ids out (labeled, or quarantined with the
 * expected reason, each exactly once), the per-file ledger in the summary, and that every input file is
 * byte-identical after the run. Ids are tokens hNNN found in the output's id column or in crest_record.
 */
class HostileInputTest {
    private static final String BUNDLE = Fixtures.INDEPENDENT.resolve("bundle").toString();
    private static final Pattern TOKEN = Pattern.compile("h\\d{3}");
    private static SparkSession spark;

    @BeforeAll
    static void setUp() {
        spark = SparkTestSession.get();
    }

    // ------------------------------------------------------------------ helpers

    private static void write(Path p, byte[] bytes) {
        try {
            Files.createDirectories(p.getParent());
            Files.write(p, bytes);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void write(Path p, String s) {
        write(p, s.getBytes(StandardCharsets.UTF_8));
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

    private static String line(String id, String text) {
        return "{\"id\":\"" + id + "\",\"text\":\"" + text + "\"}\n";
    }

    /** sha-256 of every regular file under dir (symbolic links not followed). */
    private static Map<String, String> hashes(Path dir) {
        return org.crest.Fixtures.fileHashes(dir);
    }

    private static LabelOptions opts(List<String> inputs, Path out) {
        LabelOptions o = Labels.options(inputs.get(0), out.toString(), BUNDLE);
        return o.toBuilder().inputs(inputs).build();
    }

    private static LabelOptions withFormat(LabelOptions o, InputFormat f) {
        return o.toBuilder().format(f).build();
    }

    /** Runs the job, checking the inputs are untouched. */
    private static LabelSummary label(Path inputRoot, LabelOptions o) {
        Map<String, String> before = hashes(inputRoot);
        try {
            return LabelJob.run(spark, o);
        } finally {
            assertThat(hashes(inputRoot)).as("input bytes unchanged").isEqualTo(before);
        }
    }

    /** Token -> "labeled" or the quarantine reason; each token exactly once. */
    private static Map<String, String> outcomes(String output) {
        Map<String, String> seen = new TreeMap<>();
        for (Row r : spark.read().parquet(output).collectAsList()) {
            String id = r.getString(r.fieldIndex("id"));
            assertThat(seen.put(id, "labeled")).as("%s labeled once", id).isNull();
        }
        for (Row r : spark.read().parquet(output + "/" + Columns.QUARANTINE_DIR).collectAsList()) {
            String record = r.getString(r.fieldIndex(Columns.RECORD_COL));
            Matcher m = TOKEN.matcher(record);
            assertThat(m.find())
                    .as("token in %s", record.length() > 200 ? record.substring(0, 200) : record)
                    .isTrue();
            String reason = r.getString(r.fieldIndex(Columns.ERROR_COL));
            assertThat(seen.put(m.group(), reason)).as("%s out once", m.group()).isNull();
        }
        return seen;
    }

    private static JsonNode summary(Path out) {
        try {
            return new ObjectMapper().readTree(out.resolve(Columns.SUMMARY_FILE).toFile());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** file name -> records per the ledger; and each file's records == labeled + quarantined. */
    private static Map<String, Long> ledger(Path out) {
        Map<String, Long> m = new TreeMap<>();
        for (JsonNode f : summary(out).get("files")) {
            String file = f.get("file").asText();
            m.put(file.substring(file.lastIndexOf('/') + 1), f.get("records").asLong());
            assertThat(f.get("records_read").asLong())
                    .isEqualTo(f.get("records").asLong());
        }
        return m;
    }

    // ------------------------------------------------------------------ JSON records that used to stop the run

    @Test
    void hostileJsonRecordsAreEachLabeledOrQuarantinedOnce(@org.junit.jupiter.api.io.TempDir Path dir) {
        Path in = dir.resolve("in");
        StringBuilder deep300 = new StringBuilder();
        StringBuilder deep1500 = new StringBuilder();
        deep300.append("[".repeat(300)).append("]".repeat(300));
        deep1500.append("[".repeat(1500)).append("]".repeat(1500));
        String a = line("h001", "first") // plain
                + "{\"id\":\"h002\",\"text\":\"a\",\"text\":\"b\"}\n" // duplicate key
                + "{\"id\":\"h003\",\"text\":\"x\",\"Text\":\"y\"}\n" // case variants in one record
                + "{\"id\":\"h004\",\"Text\":\"only upper\"}\n" // case variant only: no text
                + "{\"id\":\"h005\",\"text\":\"t\",\"\":\"empty key\"}\n" // empty key
                + "{\"id\":\"h006\",\"text\":\"t\",\"a.b\":1,\"a\":{\"b\":2}}\n" // dotted key
                + "{\"id\":\"h007\",\"text\":\"t\",\"_crest_issue\":\"nul_byte\",\"_crest_raw\":\"x\"}\n" // internal-looking
                + "{\"id\":\"h008\",\"text\":\"a\rb\"}\n" // raw CR inside a string
                + "{\"id\":\"h009\",\"text\":\"t\",\"deep\":" + deep300 + "}\n" // nesting 300
                + "{\"id\":\"h010\",\"text\":\"t\",\"deep\":" + deep1500 + "}\n" // nesting 1500
                + "{\"id\":\"h011\",\"text\":\"t\",\"crest_label\":\"unsafe\",\"crest_score\":0.9}\n" // earlier crest
                // output
                + "  \t \r\n\n" // blank lines: not records
                + "{\"id\":\"h012\",\"text\":\"t\",\"User\":\"A\",\"user\":\"b\"}\n" // case variants across keys
                + "{\"id\":\"h013\",\"text\":\"" + "z".repeat(3000) + "\"}\n" // over --max-text-chars
                + "{\"id\":\"h014\",\"text\":\"t\",\"n\":1}\n"
                + "{\"id\":\"h015\",\"text\":\"t\",\"n\":\"one\"}\n" // type drift
                + "{\"id\":\"h016\",\"text\":\"t\",\"n\":123456789012345678901234567890}\n" // big integer
                + "{\"id\":\"h017\",\"text\":\"t\",\"Id\":\"other\",\"ID\":\"x\"}\n"
                + "{\"id\":\"h018\",\"text\":\"t\"} {\"id\":\"h018b\"}\n" // two objects on one line
                + "{\"id\":\"h019\",\"text\":\"cut";
        write(in.resolve("a.jsonl"), a);
        // a 21 MB line: over the default --max-text-chars, quarantined without a crash
        write(in.resolve("big.jsonl"), line("h020", "y".repeat(21 << 20)) + line("h021", "after the big one"));
        Path out = dir.resolve("out");
        LabelSummary s = label(
                in,
                opts(List.of(in.toString()), out).toBuilder().maxTextChars(2000).build());
        Map<String, String> got = outcomes(out.toString());
        assertThat(got)
                .containsEntry("h001", "labeled")
                .containsEntry("h002", "labeled")
                .containsEntry("h003", "labeled")
                .containsEntry("h004", Units.MISSING_TEXT)
                .containsEntry("h005", "labeled")
                .containsEntry("h006", "labeled")
                .containsEntry("h007", "labeled")
                .containsEntry("h008", "labeled")
                .containsEntry("h009", "labeled")
                .containsEntry("h010", Units.TOO_DEEP)
                .containsEntry("h011", "labeled")
                .containsEntry("h012", "labeled")
                .containsEntry("h013", Units.TEXT_TOO_LONG)
                .containsEntry("h014", "labeled")
                .containsEntry("h015", "labeled")
                .containsEntry("h016", "labeled")
                .containsEntry("h017", "labeled")
                .containsEntry("h018", Units.MALFORMED_JSON)
                .containsEntry("h019", Units.MALFORMED_JSON)
                .containsEntry("h020", Units.TEXT_TOO_LONG)
                .containsEntry("h021", "labeled")
                .hasSize(21);
        assertThat(ledger(out)).containsEntry("a.jsonl", 19L).containsEntry("big.jsonl", 2L);
        assertThat(s.rowsIn()).isEqualTo(21);
        assertThat(s.recordsIn()).isEqualTo(21);
        // user data that looks internal or is not a column is kept, never lost
        List<Row> rows = spark.read().parquet(out.toString()).collectAsList();
        Row h007 = rows.stream()
                .filter(r -> r.getString(r.fieldIndex("id")).equals("h007"))
                .findFirst()
                .orElseThrow();
        assertThat(h007.getString(h007.fieldIndex("_crest_issue"))).isEqualTo("nul_byte");
        assertThat(h007.getString(h007.fieldIndex("_crest_raw"))).isEqualTo("x");
        Row h005 = rows.stream()
                .filter(r -> r.getString(r.fieldIndex("id")).equals("h005"))
                .findFirst()
                .orElseThrow();
        assertThat(h005.getString(h005.fieldIndex(Columns.EXTRA_COL))).contains("\"\":\"empty key\"");
        Row h011 = rows.stream()
                .filter(r -> r.getString(r.fieldIndex("id")).equals("h011"))
                .findFirst()
                .orElseThrow();
        assertThat(h011.getString(h011.fieldIndex("crest_prev_label"))).isEqualTo("unsafe");
        assertThat(h011.getString(h011.fieldIndex(Columns.LABEL_COL))).isIn("safe", "unsafe");
        Row h008 = rows.stream()
                .filter(r -> r.getString(r.fieldIndex("id")).equals("h008"))
                .findFirst()
                .orElseThrow();
        assertThat(h008.getString(h008.fieldIndex("text"))).isEqualTo("a\rb");
    }

    // ------------------------------------------------------------------ exactly the listed files

    @Test
    void globCharactersDuplicatesAndFolderPlusFileAreReadExactlyOnce(@org.junit.jupiter.api.io.TempDir Path dir) {
        Path in = dir.resolve("in");
        write(in.resolve("a[1].jsonl"), line("h101", "brackets"));
        write(in.resolve("a1.jsonl"), line("h102", "what a[1] would glob to"));
        write(in.resolve("b{x,y}.jsonl"), line("h103", "braces"));
        write(in.resolve("bx.jsonl"), line("h104", "what b{x,y} would glob to"));
        write(in.resolve("sp ace%20.jsonl"), line("h105", "space and percent"));
        Path out = dir.resolve("out");
        label(
                in,
                opts(
                        List.of(
                                in.resolve("a[1].jsonl").toString(),
                                in.resolve("b{x,y}.jsonl").toString(),
                                in.resolve("sp ace%20.jsonl").toString(),
                                in.resolve("a[1].jsonl").toString()),
                        out));
        assertThat(outcomes(out.toString())).containsOnlyKeys("h101", "h103", "h105");
        assertThat(ledger(out)).hasSize(3);
        // a folder and a file inside it: each record once
        Path out2 = dir.resolve("out2");
        label(in, opts(List.of(in.toString(), in.resolve("a1.jsonl").toString()), out2));
        assertThat(outcomes(out2.toString())).containsOnlyKeys("h101", "h102", "h103", "h104", "h105");
    }

    @Test
    void nestedFoldersAreReadAndFolderNamesNeverReplaceData(@org.junit.jupiter.api.io.TempDir Path dir) {
        Path in = dir.resolve("in");
        write(in.resolve("top.jsonl"), "{\"id\":\"h201\",\"text\":\"top\",\"user\":\"u1\"}\n");
        write(in.resolve("text=X/a.jsonl"), "{\"id\":\"h202\",\"text\":\"real text\",\"user\":\"u2\"}\n");
        write(
                in.resolve("user=007/lang=en/b.jsonl"),
                "{\"id\":\"h203\",\"text\":\"t\",\"user\":\"u3\",\"lang\":\"de\"}\n");
        write(in.resolve("plain/deeper/c.jsonl"), line("h204", "nested"));
        Path out = dir.resolve("out");
        label(in, opts(List.of(in.toString()), out));
        assertThat(outcomes(out.toString())).containsOnlyKeys("h201", "h202", "h203", "h204");
        List<Row> rows = spark.read().parquet(out.toString()).collectAsList();
        for (Row r : rows) {
            String id = r.getString(r.fieldIndex("id"));
            if (id.equals("h202")) {
                assertThat(r.getString(r.fieldIndex("text"))).isEqualTo("real text");
            }
            if (id.equals("h203")) {
                assertThat(r.getString(r.fieldIndex("user"))).isEqualTo("u3");
                assertThat(r.getString(r.fieldIndex("lang"))).isEqualTo("de");
            }
        }
        assertThat(ledger(out)).hasSize(4).containsValues(1L);
    }

    @Test
    void uniformPartitionsBecomeStringColumnsUnlessTheDataHoldsThem(@org.junit.jupiter.api.io.TempDir Path dir) {
        Path in = dir.resolve("in");
        write(
                in.resolve("region=eu/dt=2024-01-01/a.jsonl"),
                line("h301", "eu") + "{\"id\":\"h302\",\"text\":\"t\",\"region\":\"own\"}\n");
        write(in.resolve("region=us/dt=2024-01-02/b.jsonl"), line("h303", "us"));
        Path out = dir.resolve("out");
        label(in, opts(List.of(in.toString()), out));
        Map<String, String> region = new TreeMap<>();
        for (Row r : spark.read().parquet(out.toString()).collectAsList()) {
            region.put(
                    r.getString(r.fieldIndex("id")),
                    r.getString(r.fieldIndex("region")) + "/" + r.get(r.fieldIndex("dt")));
        }
        // the data holds 'region' (sampled): its own values are kept, the folder's not used; dt is added
        assertThat(region).containsEntry("h302", "own/2024-01-01").containsEntry("h303", "null/2024-01-02");
    }

    @Test
    void inFlightCopiesAndCompressedBytesUnderTextNamesAreRefused(@org.junit.jupiter.api.io.TempDir Path dir) {
        Path in = dir.resolve("copying");
        write(in.resolve("a.jsonl"), line("h401", "t"));
        write(in.resolve("b.jsonl._COPYING_"), line("h402", "half"));
        Throwable t = catchThrowable(
                () -> label(in, withFormat(opts(List.of(in.toString()), dir.resolve("o1")), InputFormat.JSON)));
        assertThat(t)
                .isInstanceOf(UsageException.class)
                .hasMessageContaining("b.jsonl._COPYING_")
                .hasMessageContaining("in flight");
        Path gz = dir.resolve("gz");
        write(gz.resolve("a.jsonl"), gzip(line("h403", "t").getBytes(StandardCharsets.UTF_8)));
        assertThat(catchThrowable(() -> label(gz, opts(List.of(gz.toString()), dir.resolve("o2")))))
                .isInstanceOf(BadInputException.class)
                .hasMessageContaining("a.jsonl")
                .hasMessageContaining("gzip");
        Path lz4 = dir.resolve("lz4");
        write(lz4.resolve("a.jsonl.lz4"), new byte[] {0x04, 0x22, 0x4d, 0x18, 0x64, 0x40, (byte) 0xa7, 0, 0, 0, 0});
        assertThat(catchThrowable(() -> label(lz4, opts(List.of(lz4.toString()), dir.resolve("o3")))))
                .isInstanceOf(BadInputException.class)
                .hasMessageContaining("a.jsonl.lz4")
                .hasMessageContaining("LZ4 frame");
        Path zstd = dir.resolve("zstd");
        write(zstd.resolve("a.csv"), new byte[] {0x28, (byte) 0xb5, 0x2f, (byte) 0xfd, 0, 0, 0, 0});
        assertThat(catchThrowable(() -> label(zstd, opts(List.of(zstd.toString()), dir.resolve("o4")))))
                .isInstanceOf(BadInputException.class)
                .hasMessageContaining("a.csv")
                .hasMessageContaining("zstd");
    }

    @Test
    void symlinkLoopIsRefused(@org.junit.jupiter.api.io.TempDir Path dir) throws IOException {
        Path in = dir.resolve("in");
        write(in.resolve("sub/a.jsonl"), line("h501", "t"));
        Files.createSymbolicLink(in.resolve("sub/loop"), in);
        assertThat(catchThrowable(() -> label(in, opts(List.of(in.toString()), dir.resolve("out")))))
                .isInstanceOf(UsageException.class)
                .hasMessageContaining("loop");
    }

    @Test
    void jsonFileWithTwoArraysYieldsEveryElement(@org.junit.jupiter.api.io.TempDir Path dir) {
        Path in = dir.resolve("in");
        write(
                in.resolve("two.json"),
                "[{\"id\":\"h601\",\"text\":\"a\"},\n {\"id\":\"h602\",\"text\":\"b\"}]\n"
                        + "[{\"id\":\"h603\",\"text\":\"c\"}, 7]");
        Path out = dir.resolve("out");
        label(in, opts(List.of(in.toString()), out));
        Map<String, String> got = new TreeMap<>();
        for (Row r : spark.read().parquet(out.toString()).collectAsList()) {
            got.put(r.getString(r.fieldIndex("id")), "labeled");
        }
        assertThat(got).containsOnlyKeys("h601", "h602", "h603");
        assertThat(spark.read().parquet(out + "/" + Columns.QUARANTINE_DIR).collectAsList())
                .extracting(r -> r.getString(r.fieldIndex(Columns.ERROR_COL)))
                .containsExactly(Units.NOT_AN_OBJECT);
        assertThat(ledger(out)).containsEntry("two.json", 4L);
    }

    @Test
    void moreShapesOfFilesAndRecords(@org.junit.jupiter.api.io.TempDir Path dir) throws IOException {
        Path in = dir.resolve("in");
        // a symbolically linked sub-folder (no loop): read through the link, once
        Path elsewhere = dir.resolve("elsewhere");
        write(elsewhere.resolve("linked.jsonl"), line("h1001", "via a link"));
        Files.createDirectories(in);
        Files.createSymbolicLink(in.resolve("link"), elsewhere);
        // bzip2 JSON Lines (Hadoop's pure-Java codec): counted and read through the codec
        org.apache.hadoop.io.compress.BZip2Codec bz = new org.apache.hadoop.io.compress.BZip2Codec();
        bz.setConf(new org.apache.hadoop.conf.Configuration());
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        try (java.io.OutputStream o = bz.createOutputStream(b)) {
            o.write((line("h1002", "bzip2") + "\n" + line("h1003", "bzip2 too")).getBytes(StandardCharsets.UTF_8));
        }
        write(in.resolve("c.jsonl.bz2"), b.toByteArray());
        // records that are not objects, or empty ones
        write(
                in.resolve("d.jsonl"),
                "{\"id\":\"h1004\"}\n\"h1005 just a string\"\n[\"h1006\",2]\n{}\n"
                        + "{\"id\":\"h1008\",\"text\":\"t\",\"meta\":{\"Crest_Label\":1}}\n");
        Path out = dir.resolve("out");
        label(in, opts(List.of(in.toString(), elsewhere.resolve("linked.jsonl").toString()), out));
        Map<String, String> got = new TreeMap<>();
        for (Row r : spark.read().parquet(out.toString()).collectAsList()) {
            got.put(r.getString(r.fieldIndex("id")), "labeled");
        }
        Map<String, Long> reasons = new TreeMap<>();
        for (Row r : spark.read().parquet(out + "/" + Columns.QUARANTINE_DIR).collectAsList()) {
            reasons.merge(r.getString(r.fieldIndex(Columns.ERROR_COL)), 1L, Long::sum);
        }
        assertThat(got).containsOnlyKeys("h1001", "h1002", "h1003", "h1008");
        // h1004 and {} have no text; the string and the array are not objects
        assertThat(reasons).containsExactlyInAnyOrderEntriesOf(Map.of(Units.MISSING_TEXT, 2L, Units.NOT_AN_OBJECT, 2L));
        assertThat(ledger(out))
                .containsEntry("linked.jsonl", 1L)
                .containsEntry("c.jsonl.bz2", 2L)
                .containsEntry("d.jsonl", 5L)
                .hasSize(3);
        // a file with an odd extension under --format jsonl is read (with a WARN)
        Path odd = dir.resolve("odd");
        write(odd.resolve("data.log"), line("h1009", "a log file"));
        Path out2 = dir.resolve("out2");
        label(odd, withFormat(opts(List.of(odd.toString()), out2), InputFormat.JSON));
        assertThat(outcomes(out2.toString())).containsOnly(Map.entry("h1009", "labeled"));
        // a CSV header with a case variant of a crest column
        Path csv = dir.resolve("csv");
        write(csv.resolve("a.csv"), "id,text,Crest_Label\nh1010,t,unsafe\n");
        Path out3 = dir.resolve("out3");
        label(csv, opts(List.of(csv.toString()), out3));
        Row r = spark.read().parquet(out3.toString()).first();
        assertThat(r.getString(r.fieldIndex("crest_prev_Label"))).isEqualTo("unsafe");
    }

    @Test
    void resumeReadsNestedFoldersInsideAPartition(@org.junit.jupiter.api.io.TempDir Path dir) {
        Path in = dir.resolve("in");
        write(in.resolve("dt=2024-01-01/a.jsonl"), line("h1101", "top of the day"));
        write(in.resolve("dt=2024-01-01/extra/b.jsonl"), line("h1102", "in a sub-folder"));
        write(in.resolve("dt=2024-01-02/c.jsonl"), line("h1103", "next day"));
        Path out = dir.resolve("out");
        Map<String, String> before = hashes(in);
        org.crest.label.resume.ResumableLabel.run(
                spark,
                opts(List.of(in.toString()), out),
                new org.crest.label.resume.ResumableLabel.Options(false, List.of()));
        assertThat(hashes(in)).isEqualTo(before);
        Map<String, String> got = new TreeMap<>();
        for (String day : List.of("dt=2024-01-01", "dt=2024-01-02")) {
            got.putAll(outcomes(out.resolve(day).toString()));
        }
        assertThat(got)
                .containsOnly(
                        Map.entry("h1101", "labeled"), Map.entry("h1102", "labeled"), Map.entry("h1103", "labeled"));
        assertThat(ledger(out.resolve("dt=2024-01-01")))
                .containsEntry("a.jsonl", 1L)
                .containsEntry("b.jsonl", 1L);
    }

    // ------------------------------------------------------------------ CSV

    @Test
    void csvWithTwentyFiveThousandColumnsIsQuarantined(@org.junit.jupiter.api.io.TempDir Path dir) {
        Path in = dir.resolve("in");
        String wide = "h702,wide" + ",x".repeat(25_000);
        write(in.resolve("a.csv"), "id,text\nh701,fine\n" + wide + "\nh703,\"multi\nline\"\n\nh704,last\n");
        Path out = dir.resolve("out");
        label(in, opts(List.of(in.toString()), out));
        assertThat(outcomes(out.toString()))
                .containsEntry("h701", "labeled")
                .containsEntry("h702", Units.MALFORMED_CSV)
                .containsEntry("h703", "labeled")
                .containsEntry("h704", "labeled")
                .hasSize(4);
        assertThat(ledger(out)).containsEntry("a.csv", 4L);
    }

    @Test
    void csvUnbalancedQuoteQuarantinesItsLineOnlyAndBlankLinesAreNotRecords(
            @org.junit.jupiter.api.io.TempDir Path dir) {
        Path in = dir.resolve("in");
        write(
                in.resolve("a.csv"),
                "id,text\r\nh711,fine\r\n\r\nh712,\"never closed\nh713,after it\nh714,\"quoted, \"\"ok\"\"\"\n");
        write(in.resolve("b.csv"), "id,text\n"); // header only
        write(in.resolve("c.csv"), "id,text\nh715,\"a \"\"b\"\" c\nh716,x\n");
        Path out = dir.resolve("out");
        label(in, opts(List.of(in.toString()), out));
        assertThat(outcomes(out.toString()))
                .containsEntry("h711", "labeled")
                .containsEntry("h712", Units.UNBALANCED_QUOTE)
                .containsEntry("h713", "labeled")
                .containsEntry("h714", "labeled")
                .containsEntry("h716", "labeled")
                .containsEntry("h715", Units.UNBALANCED_QUOTE)
                .hasSize(6);
        assertThat(ledger(out))
                .containsEntry("a.csv", 4L)
                .containsEntry("b.csv", 0L)
                .containsEntry("c.csv", 2L);
        Row r = spark.read().parquet(out.toString()).where("id = 'h714'").first();
        assertThat(r.getString(r.fieldIndex("text"))).isEqualTo("quoted, \"ok\"");
    }

    @Test
    void csvUserColumnsNamedLikeInternalOnesAreOrdinaryColumns(@org.junit.jupiter.api.io.TempDir Path dir) {
        Path in = dir.resolve("in");
        write(in.resolve("a.csv"), "id,text,_crest_issue,_crest_raw\nh801,t,nul_byte,raw\nh802,u,,\n");
        Path out = dir.resolve("out");
        label(in, opts(List.of(in.toString()), out));
        assertThat(outcomes(out.toString())).containsEntry("h801", "labeled").containsEntry("h802", "labeled");
        Row r = spark.read().parquet(out.toString()).where("id = 'h801'").first();
        assertThat(r.getString(r.fieldIndex("_crest_issue"))).isEqualTo("nul_byte");
        assertThat(r.getString(r.fieldIndex("_crest_raw"))).isEqualTo("raw");
    }

    // ------------------------------------------------------------------ chats

    @Test
    void everyConversationIsAccountedForWithNotSelectedReasons(@org.junit.jupiter.api.io.TempDir Path dir) {
        Path in = dir.resolve("in");
        write(
                in.resolve("c.jsonl"),
                "{\"id\":\"h901\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"},{\"role\":\"assistant\",\"content\":\"yo\"}]}\n"
                        + "{\"id\":\"h902\",\"messages\":[{\"role\":\"assistant\",\"content\":\"only the bot\"}]}\n"
                        + "{\"id\":\"h903\",\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"text\",\"text\":\"parts\"}]}]}\n"
                        + "{\"id\":\"h904\",\"messages\":[{\"role\":\"user\",\"content\":5}]}\n");
        Path out = dir.resolve("out");
        LabelOptions o = Labels.messages(opts(List.of(in.toString()), out), "messages", Set.of("user"));
        LabelSummary s = label(in, o);
        assertThat(s.notSelected()).containsEntry(Units.OTHER_ROLE, 2L).containsEntry(Units.NO_SELECTED_MESSAGE, 1L);
        assertThat(s.recordsIn()).isEqualTo(4);
        assertThat(s.rowsLabeled()).isEqualTo(2); // h901's user message, h903's parts
        assertThat(s.quarantineReasons()).containsEntry(Units.NON_STRING_TEXT, 1L);
        assertThat(ledger(out)).containsEntry("c.jsonl", 4L);
        Throwable t = catchThrowable(() -> LabelJob.run(
                spark, Labels.messages(opts(List.of(in.toString()), dir.resolve("o2")), "messages", Set.of(""))));
        assertThat(t).isInstanceOf(UsageException.class).hasMessageContaining("--roles");
    }

    @Test
    void parquetChatContentAsIntOrPartsIsQuarantinedOrLabeledNotACrash(@org.junit.jupiter.api.io.TempDir Path dir) {
        Path in = dir.resolve("in");
        StructType part = new StructType().add("type", "string").add("text", "string");
        StructType msgParts = new StructType().add("role", "string").add("content", DataTypes.createArrayType(part));
        StructType rowParts = new StructType().add("id", "string").add("messages", DataTypes.createArrayType(msgParts));
        spark.createDataFrame(
                        List.of(RowFactory.create(
                                "h951",
                                List.of(RowFactory.create(
                                        "user", List.of(RowFactory.create("text", "hello in parts")))))),
                        rowParts)
                .write()
                .parquet(in.resolve("parts").toString());
        StructType msgInt = new StructType().add("role", "string").add("content", "int");
        StructType rowInt = new StructType().add("id", "string").add("messages", DataTypes.createArrayType(msgInt));
        spark.createDataFrame(List.of(RowFactory.create("h952", List.of(RowFactory.create("user", 7)))), rowInt)
                .write()
                .parquet(in.resolve("ints").toString());
        Path out1 = dir.resolve("o1");
        LabelSummary s1 =
                label(in, Labels.messages(opts(List.of(in.resolve("parts").toString()), out1), "messages", Set.of()));
        assertThat(s1.rowsLabeled()).isEqualTo(1);
        Path out2 = dir.resolve("o2");
        LabelSummary s2 =
                label(in, Labels.messages(opts(List.of(in.resolve("ints").toString()), out2), "messages", Set.of()));
        assertThat(s2.quarantineReasons()).containsEntry(Units.NON_STRING_TEXT, 1L);
    }

    // ------------------------------------------------------------------ Parquet types Spark cannot read

    private static void writeParquet(
            Path file, String schema, java.util.function.Consumer<org.apache.parquet.example.data.Group> fill)
            throws IOException {
        org.apache.parquet.schema.MessageType t = org.apache.parquet.schema.MessageTypeParser.parseMessageType(schema);
        Files.createDirectories(file.getParent());
        try (org.apache.parquet.hadoop.ParquetWriter<org.apache.parquet.example.data.Group> w =
                org.apache.parquet.hadoop.example.ExampleParquetWriter.builder(
                                new org.apache.hadoop.fs.Path(file.toString()))
                        .withType(t)
                        .build()) {
            org.apache.parquet.example.data.Group g =
                    new org.apache.parquet.example.data.simple.SimpleGroupFactory(t).newGroup();
            g.add("id", "h981");
            g.add("text", "hello");
            fill.accept(g);
            w.write(g);
        }
    }

    @Test
    void parquetColumnsSparkCannotReadAreOneLineRefusals(@org.junit.jupiter.api.io.TempDir Path dir)
            throws IOException {
        String base = "message m { required binary id (STRING); required binary text (STRING); ";
        Path uuid = dir.resolve("uuid/a.parquet");
        writeParquet(
                uuid,
                base + "required fixed_len_byte_array(16) u (UUID); }",
                g -> g.add("u", org.apache.parquet.io.api.Binary.fromConstantByteArray(new byte[16])));
        Path nanos = dir.resolve("nanos/a.parquet");
        writeParquet(nanos, base + "required int64 ts (TIMESTAMP(NANOS,true)); }", g -> g.add("ts", 1L));
        Path interval = dir.resolve("interval/a.parquet");
        writeParquet(
                interval,
                base + "required fixed_len_byte_array(12) iv (INTERVAL); }",
                g -> g.add("iv", org.apache.parquet.io.api.Binary.fromConstantByteArray(new byte[12])));
        Map<Path, String> expected = Map.of(uuid, "UUID", nanos, "TIMESTAMP(NANOS)", interval, "INTERVAL");
        for (Map.Entry<Path, String> e : expected.entrySet()) {
            Path in = e.getKey().getParent();
            Throwable t = catchThrowable(
                    () -> label(in, opts(List.of(in.toString()), dir.resolve("out-" + in.getFileName()))));
            assertThat(t)
                    .as(e.getValue())
                    .isInstanceOf(BadInputException.class)
                    .hasMessageContaining("a.parquet")
                    .hasMessageContaining(e.getValue())
                    .hasMessageNotContaining("\n");
        }
    }

    // ------------------------------------------------------------------ relabeling a crest output

    @Test
    void relabelingACrestOutputKeepsTheOldLabelsAsPrev(@org.junit.jupiter.api.io.TempDir Path dir) {
        Path in = dir.resolve("in");
        write(in.resolve("a.jsonl"), line("h961", "one") + line("h962", "two"));
        Path first = dir.resolve("first");
        label(in, opts(List.of(in.toString()), first));
        Path again = dir.resolve("again");
        LabelSummary s = label(first, opts(List.of(first.toString()), again));
        assertThat(s.rowsLabeled()).isEqualTo(2);
        List<String> cols = List.of(spark.read().parquet(again.toString()).columns());
        assertThat(cols).contains("crest_prev_label", "crest_prev_score", Columns.LABEL_COL, Columns.SCORE_COL);
        assertThat(ledger(again)).hasSize(1);
    }

    @Test
    void parquetUserColumnsNamedLikeInternalOnesDoNotQuarantine(@org.junit.jupiter.api.io.TempDir Path dir) {
        Path in = dir.resolve("in");
        StructType t = new StructType()
                .add("id", "string")
                .add("text", "string")
                .add("_crest_issue", "string")
                .add("_crest_raw", "string");
        spark.createDataFrame(List.of(RowFactory.create("h971", "hello", "nul_byte", "r")), t)
                .write()
                .parquet(in.resolve("p").toString());
        Path out = dir.resolve("out");
        label(in, opts(List.of(in.resolve("p").toString()), out));
        assertThat(outcomes(out.toString())).containsOnly(Map.entry("h971", "labeled"));
        assertThat(spark.read().parquet(out.toString()).columns()).contains("_crest_issue", "_crest_raw");
    }
}
