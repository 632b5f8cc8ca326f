package org.crest.label;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
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
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.StructType;
import org.crest.Columns;
import org.crest.Fixtures;
import org.crest.SparkTestSession;
import org.crest.io.BadInputException;
import org.crest.io.Units;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * More hostile inputs (second round, docs/MALFORMED.md): each asserts the exact ids out, the per-file ledger and
 * that the input bytes are unchanged. Ids are tokens gNNN found in the id column or in crest_record.
 */
class HostileInput2Test {
    private static final String BUNDLE = Fixtures.INDEPENDENT.resolve("bundle").toString();
    private static final Pattern TOKEN = Pattern.compile("g\\d{3}");
    private static SparkSession spark;

    @BeforeAll
    static void setUp() {
        spark = SparkTestSession.get();
    }

    private static void write(Path p, String s) {
        try {
            Files.createDirectories(p.getParent());
            Files.write(p, s.getBytes(StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String line(String id, String text) {
        return "{\"id\":\"" + id + "\",\"text\":\"" + text + "\"}\n";
    }

    private static Map<String, String> hashes(Path dir) {
        return org.crest.Fixtures.fileHashes(dir);
    }

    private static LabelOptions opts(Path in, Path out) {
        return Labels.options(in.toString(), out.toString(), BUNDLE);
    }

    private static LabelSummary label(Path inputRoot, LabelOptions o) {
        Map<String, String> before = hashes(inputRoot);
        try {
            return LabelJob.run(spark, o);
        } finally {
            assertThat(hashes(inputRoot)).as("input bytes unchanged").isEqualTo(before);
        }
    }

    /** Token -> "labeled" or the quarantine reason; each token exactly once. */
    private static Map<String, String> outcomes(Path output) {
        Map<String, String> seen = new TreeMap<>();
        for (Row r : spark.read().parquet(output.toString()).collectAsList()) {
            String id = r.getString(r.fieldIndex("id"));
            assertThat(seen.put(id, "labeled")).as("%s labeled once", id).isNull();
        }
        if (Files.exists(output.resolve(Columns.QUARANTINE_DIR))) {
            for (Row r : spark.read()
                    .parquet(output.resolve(Columns.QUARANTINE_DIR).toString())
                    .collectAsList()) {
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

    private static Map<String, Long> ledger(Path out) {
        Map<String, Long> m = new TreeMap<>();
        try {
            JsonNode s = new ObjectMapper()
                    .readTree(out.resolve(Columns.SUMMARY_FILE).toFile());
            for (JsonNode f : s.get("files")) {
                String file = f.get("file").asText();
                m.put(
                        file.substring(file.lastIndexOf('/') + 1),
                        f.get("records").asLong());
                assertThat(f.get("records_read").asLong())
                        .isEqualTo(f.get("records").asLong());
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return m;
    }

    @Test
    void anEmptyJsonArrayFileBesideGoodOnesDoesNotHideTheirColumns(@TempDir Path dir) {
        Path in = dir.resolve("in");
        write(in.resolve("a.json"), "[]");
        write(in.resolve("b.json"), "[{\"id\":\"g001\",\"text\":\"a\"}, {\"id\":\"g002\",\"text\":\"b\"}]");
        Path out = dir.resolve("out");
        label(in, opts(in, out));
        assertThat(outcomes(out)).containsOnly(Map.entry("g001", "labeled"), Map.entry("g002", "labeled"));
        assertThat(ledger(out)).containsOnly(Map.entry("a.json", 0L), Map.entry("b.json", 2L));
    }

    @Test
    void loneCrLineEndsAreRefusedNamingTheFile(@TempDir Path dir) {
        Path csv = dir.resolve("csv");
        write(csv.resolve("a.csv"), "id,text\rg011,a\rg012,b\r");
        write(csv.resolve("b.csv"), "id,text\ng013,c\n");
        assertThat(catchThrowable(() -> label(csv, opts(csv, dir.resolve("o1")))))
                .isInstanceOf(BadInputException.class)
                .hasMessageContaining("a.csv")
                .hasMessageNotContaining("b.csv")
                .hasMessageContaining("lone CR")
                .hasMessageNotContaining("\n");
        Path jsonl = dir.resolve("jsonl");
        write(jsonl.resolve("a.jsonl"), "{\"id\":\"g014\",\"text\":\"a\"}\r{\"id\":\"g015\",\"text\":\"b\"}\r");
        write(jsonl.resolve("b.jsonl"), line("g016", "c"));
        assertThat(catchThrowable(() -> label(jsonl, opts(jsonl, dir.resolve("o2")))))
                .isInstanceOf(BadInputException.class)
                .hasMessageContaining("a.jsonl")
                .hasMessageContaining("lone CR")
                .hasMessageNotContaining("\n");
        // not a false alarm: one record holding a raw CR, no LF anywhere; a CSV header ending in CR
        Path ok = dir.resolve("ok");
        write(ok.resolve("a.jsonl"), "{\"id\":\"g017\",\"text\":\"a\rb\"}");
        Path out = dir.resolve("o3");
        label(ok, opts(ok, out));
        assertThat(outcomes(out)).containsOnly(Map.entry("g017", "labeled"));
    }

    @Test
    void blankTextsAreQuarantinedNotScored(@TempDir Path dir) {
        Path in = dir.resolve("in");
        write(
                in.resolve("a.jsonl"),
                line("g021", "")
                        + line("g022", "   ")
                        + line("g023", "\\n\\t")
                        + line("g024", "\\u200b\\u00a0")
                        + line("g025", "real text"));
        Path out = dir.resolve("out");
        LabelSummary s = label(in, opts(in, out));
        assertThat(outcomes(out))
                .containsOnly(
                        Map.entry("g021", Units.EMPTY_TEXT),
                        Map.entry("g022", Units.EMPTY_TEXT),
                        Map.entry("g023", Units.EMPTY_TEXT),
                        Map.entry("g024", Units.EMPTY_TEXT),
                        Map.entry("g025", "labeled"));
        assertThat(s.quarantineReasons()).containsOnly(Map.entry(Units.EMPTY_TEXT, 4L));
        assertThat(ledger(out)).containsOnly(Map.entry("a.jsonl", 5L));
        // CSV and Parquet
        Path csv = dir.resolve("csv");
        write(csv.resolve("a.csv"), "id,text\ng031,\"   \"\ng032,fine\n");
        Path outCsv = dir.resolve("out-csv");
        label(csv, opts(csv, outCsv));
        assertThat(outcomes(outCsv)).containsOnly(Map.entry("g031", Units.EMPTY_TEXT), Map.entry("g032", "labeled"));
        Path pq = dir.resolve("pq");
        StructType t = new StructType().add("id", "string").add("text", "string");
        spark.createDataFrame(List.of(RowFactory.create("g041", ""), RowFactory.create("g042", "fine")), t)
                .coalesce(1)
                .write()
                .parquet(pq.resolve("p").toString());
        Path outPq = dir.resolve("out-pq");
        label(pq, opts(pq.resolve("p"), outPq));
        assertThat(outcomes(outPq)).containsOnly(Map.entry("g041", Units.EMPTY_TEXT), Map.entry("g042", "labeled"));
        // chats: an empty message is quarantined, the conversation's other message labeled
        Path chats = dir.resolve("chats");
        write(
                chats.resolve("c.jsonl"),
                "{\"id\":\"g051\",\"messages\":[{\"role\":\"user\",\"content\":\"\"},"
                        + "{\"role\":\"user\",\"content\":\"hello\"}]}\n"
                        + "{\"id\":\"g052\",\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"text\",\"text\":\" \"}]}]}\n");
        Path outChats = dir.resolve("out-chats");
        LabelSummary c = label(chats, Labels.messages(opts(chats, outChats), "messages", Set.of("user")));
        assertThat(c.rowsLabeled()).isEqualTo(1);
        assertThat(c.quarantineReasons()).containsOnly(Map.entry(Units.EMPTY_TEXT, 2L));
        assertThat(ledger(outChats)).containsOnly(Map.entry("c.jsonl", 2L));
    }

    @Test
    void loneSurrogateEscapesAreQuarantinedNotWrittenAsQuestionMarks(@TempDir Path dir) {
        Path in = dir.resolve("in");
        write(
                in.resolve("a.jsonl"),
                line("g061", "a\\ud800b") + line("g062", "\\udc00") + line("g063", "pair \\ud83d\\ude00")
                        + "{\"id\":\"g064\",\"text\":\"t\",\"other\":\"\\ud800\"}\n");
        Path out = dir.resolve("out");
        label(in, opts(in, out));
        assertThat(outcomes(out))
                .containsOnly(
                        Map.entry("g061", Units.INVALID_UTF8),
                        Map.entry("g062", Units.INVALID_UTF8),
                        Map.entry("g063", "labeled"),
                        Map.entry("g064", Units.INVALID_UTF8));
        Row r = spark.read().parquet(out.toString()).first();
        assertThat(r.getString(r.fieldIndex("text"))).isEqualTo("pair \ud83d\ude00");
        Path chats = dir.resolve("chats");
        write(
                chats.resolve("c.jsonl"),
                "{\"id\":\"g065\",\"messages\":[{\"role\":\"user\",\"content\":\"x\\udfff\"}]}\n");
        LabelSummary c =
                label(chats, Labels.messages(opts(chats, dir.resolve("out-chats")), "messages", Set.of("user")));
        assertThat(c.quarantineReasons()).containsOnly(Map.entry(Units.INVALID_UTF8, 1L));
    }

    @Test
    void aRoleWithSpacesAroundItIsTheRoleItNames(@TempDir Path dir) {
        // was counted as other_role, so the conversation had no selected message and nothing was labeled
        Path chats = dir.resolve("chats");
        write(
                chats.resolve("c.jsonl"),
                "{\"id\":\"g071\",\"messages\":[{\"role\":\" user \",\"content\":\"hello\"},"
                        + "{\"role\":\"\\tUSER\",\"content\":\"again\"},"
                        + "{\"role\":\"assistant \",\"content\":\"hi\"}]}\n");
        LabelSummary c =
                label(chats, Labels.messages(opts(chats, dir.resolve("out-chats")), "messages", Set.of("user")));
        assertThat(c.rowsLabeled()).isEqualTo(2);
        assertThat(c.conserved()).isTrue();
    }
}
