package org.crest.label;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.crest.Columns;
import org.crest.Fixtures;
import org.crest.SparkTestSession;
import org.crest.UsageException;
import org.crest.inference.SessionCache;
import org.crest.io.Units;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

@org.junit.jupiter.api.Tag("smoke") // also run on Spark 4.0 and 4.1: mvn -Pspark-4.0 -Psmoke verify
class LabelJobTest {
    private static final String BUNDLE = Fixtures.INDEPENDENT.resolve("bundle").toString();
    private static SparkSession spark;
    private static Map<String, JsonNode> reference;

    @BeforeAll
    static void setUp() {
        spark = SparkTestSession.get();
        reference = new HashMap<>();
        for (JsonNode r : Fixtures.jsonLines(Fixtures.INDEPENDENT.resolve("reference.jsonl"))) {
            reference.put(r.get("id").asText(), r);
        }
    }

    private static String out(String name) {
        return Fixtures.tempDir("label-").resolve(name).toString();
    }

    private static Map<String, Row> byId(Path dir) {
        Map<String, Row> m = new HashMap<>();
        for (Row r : spark.read().parquet(dir.toString()).collectAsList()) {
            assertThat(m.put(r.getString(r.fieldIndex("id")), r))
                    .as("id %s once", r.getString(r.fieldIndex("id")))
                    .isNull();
        }
        return m;
    }

    @Test
    void independentBundleMatchesPyTorchAndQuarantinesBadRows() throws IOException {
        String output = out("independent");
        String input = Fixtures.INDEPENDENT.resolve("input.jsonl").toString();
        LabelSummary s = LabelJob.run(spark, Labels.options(input, output, BUNDLE));

        JsonNode expectedBad = Fixtures.json(Fixtures.INDEPENDENT.resolve("expected_bad.json"));
        long lines = Files.readAllLines(Path.of(input)).stream()
                .filter(l -> !l.isBlank())
                .count();
        assertThat(s.rowsIn()).as("rows in = non-blank lines").isEqualTo(lines);
        assertThat(s.rowsLabeled()).isEqualTo(reference.size());
        assertThat(s.rowsQuarantined()).isEqualTo(expectedBad.get("quarantined").size());
        assertThat(s.conserved()).isTrue();
        assertThat(s.model()).startsWith("crest-").contains("@");
        assertThat(s.unsafeLabel()).isEqualTo("LABEL_1");

        Map<String, Row> rows = byId(Path.of(output));
        assertThat(rows.keySet()).isEqualTo(reference.keySet());
        long unsafe = 0;
        for (Map.Entry<String, JsonNode> e : reference.entrySet()) {
            Row r = rows.get(e.getKey());
            double score = r.getDouble(r.fieldIndex(Columns.SCORE_COL));
            assertThat(score)
                    .as("P(unsafe) of %s", e.getKey())
                    .isCloseTo(e.getValue().get("p_unsafe_max").asDouble(), within(1e-4));
            assertThat(r.getInt(r.fieldIndex(Columns.WINDOWS_COL)))
                    .isEqualTo(e.getValue().get("n_windows").asInt());
            assertThat(r.getInt(r.fieldIndex(Columns.TOKENS_COL)))
                    .isEqualTo(e.getValue().get("content_tokens").asInt());
            assertThat(r.getString(r.fieldIndex(Columns.LABEL_COL))).isEqualTo(score >= 0.5 ? "unsafe" : "safe");
            assertThat(r.getString(r.fieldIndex(Columns.MODEL_COL))).isEqualTo(s.model());
            unsafe += score >= 0.5 ? 1 : 0;
        }
        assertThat(s.unsafe()).isEqualTo(unsafe);
        assertThat(reference.values().stream().filter(r -> r.get("n_windows").asInt() > 1))
                .as("long rows")
                .hasSizeGreaterThan(1);

        List<Row> bad =
                spark.read().parquet(output + "/" + Columns.QUARANTINE_DIR).collectAsList();
        Map<String, String> reasonByRecord = new HashMap<>();
        for (Row r : bad) {
            reasonByRecord.put(
                    r.getString(r.fieldIndex(Columns.RECORD_COL)), r.getString(r.fieldIndex(Columns.ERROR_COL)));
        }
        for (JsonNode b : expectedBad.get("quarantined")) {
            assertThat(reasonByRecord.get(b.get("raw").asText()))
                    .as("reason for %s", b.get("id").asText())
                    .isEqualTo(b.get("reason").asText());
        }
        JsonNode summary = Fixtures.json(Path.of(output, Columns.SUMMARY_FILE));
        assertThat(summary.get("rows_in").asLong()).isEqualTo(s.rowsIn());
        assertThat(summary.get("status").asText()).isEqualTo("ok");
        assertThat(summary.get("padding_efficiency").asDouble()).isBetween(0.0, 1.0);
    }

    @Test
    void scoresDoNotDependOnChunksBatchesOrPartitions() {
        String input = Fixtures.INDEPENDENT.resolve("input.jsonl").toString();
        String a = out("a");
        String b = out("b");
        LabelJob.run(spark, Labels.options(input, a, BUNDLE));
        LabelJob.run(spark, Labels.batching(Labels.options(input, b, BUNDLE), 300, 3, 5, 3));
        Map<String, Row> ra = byId(Path.of(a));
        Map<String, Row> rb = byId(Path.of(b));
        assertThat(rb.keySet()).isEqualTo(ra.keySet());
        for (String id : ra.keySet()) {
            assertThat(rb.get(id).getDouble(rb.get(id).fieldIndex(Columns.SCORE_COL)))
                    .as(id)
                    .isCloseTo(ra.get(id).getDouble(ra.get(id).fieldIndex(Columns.SCORE_COL)), within(1e-6));
        }
    }

    @Test
    void oneSessionPerJvmWhateverThePartitions() {
        SessionCache.closeAll();
        String input = Fixtures.INDEPENDENT.resolve("input.jsonl").toString();
        LabelSummary s =
                LabelJob.run(spark, Labels.batching(Labels.options(input, out("sessions"), BUNDLE), 4096, 64, 2, 6));
        assertThat(s.sessionsCreated()).as("sessions created by tasks").isEqualTo(1);
        assertThat(SessionCache.created()).isEqualTo(1);
        assertThat(s.sessionsPerExecutor())
                .as("local mode: the driver JVM is the one executor")
                .isEqualTo(Map.of("driver", 1L));
        assertThat(s.batches()).as("small chunks make many batches").isGreaterThan(6);
    }

    @Test
    void chatMessagesBecomeRowsAndBadMessagesAreQuarantined() throws IOException {
        Path dir = Fixtures.tempDir("chats-");
        Path in = dir.resolve("chats.jsonl");
        Files.writeString(
                in,
                String.join(
                        "\n",
                        "{\"cid\": \"c1\", \"messages\": [{\"role\": \"system\", \"content\": \"Be nice.\"}, "
                                + "{\"role\": \"user\", \"content\": \"Bonjour !\"}, {\"role\": \"assistant\", \"content\": \"Salut.\"}]}",
                        "{\"cid\": \"c2\", \"messages\": [{\"role\": \"user\", \"content\": [{\"type\": \"text\", \"text\": \"a\"}, "
                                + "{\"type\": \"image_url\", \"image_url\": \"x\"}, {\"type\": \"text\", \"text\": \"b\"}]}, "
                                + "{\"role\": \"user\", \"content\": null}, {\"role\": \"user\"}, \"oops\", "
                                + "{\"role\": \"user\", \"content\": 7}]}",
                        "{\"cid\": \"c3\", \"messages\": null}",
                        "{\"cid\": \"c4\", \"messages\": []}",
                        "{\"cid\": \"c5\", \"messages\": \"not a list\"}",
                        "{\"cid\": \"c6\"}",
                        "{\"cid\": \"c7\", \"messages\": [{\"role\": \"user\", \"content\": \"ok\"}",
                        ""),
                StandardCharsets.UTF_8);
        String output = dir.resolve("out").toString();
        LabelSummary s = LabelJob.run(
                spark,
                Labels.messages(
                        Labels.options(in.toString(), output, BUNDLE), "messages", Set.of("user", "ASSISTANT")));
        // c1: user + assistant (system not selected); c2: 1 good + 4 bad (the bare string has no role, so it is
        // reported as message_not_object before any role filter); c3..c7: one conversation-level reason each
        assertThat(s.rowsLabeled()).isEqualTo(3);
        assertThat(s.quarantineReasons())
                .containsExactlyInAnyOrderEntriesOf(Map.of(
                        Units.NULL_TEXT,
                        1L,
                        Units.MISSING_CONTENT,
                        1L,
                        Units.MESSAGE_NOT_OBJECT,
                        1L,
                        Units.NON_STRING_TEXT,
                        1L,
                        Units.MESSAGES_MISSING,
                        2L,
                        Units.EMPTY_CONVERSATION,
                        1L,
                        Units.MESSAGES_NOT_ARRAY,
                        1L,
                        Units.MALFORMED_JSON,
                        1L));
        assertThat(s.rowsIn()).isEqualTo(s.rowsLabeled() + s.rowsQuarantined());
        List<Row> rows =
                spark.read().parquet(output).orderBy("cid", Columns.TURN_COL).collectAsList();
        assertThat(rows)
                .extracting(r -> r.getString(r.fieldIndex("cid")) + "/" + r.getInt(r.fieldIndex(Columns.TURN_COL)) + "/"
                        + r.getString(r.fieldIndex(Columns.ROLE_COL)) + "/"
                        + r.getString(r.fieldIndex(Columns.TEXT_COL)))
                .containsExactly("c1/1/user/Bonjour !", "c1/2/assistant/Salut.", "c2/0/user/a\nb");
        assertThat(List.of(spark.read().parquet(output).columns()))
                .doesNotContain("messages")
                .contains("cid", Columns.SCORE_COL);
    }

    @Test
    void csvWithMultilineFieldsAndBrokenRows() throws IOException {
        Path dir = Fixtures.tempDir("csv-");
        Path in = dir.resolve("logs.csv");
        Files.writeString(
                in,
                "id,text,lang\n"
                        + "1,hello there,en\n"
                        + "2,\"a message\nover two lines, with a comma\",en\n"
                        + "3,\"she said \"\"hi\"\"\",en\n"
                        + "4,,en\n"
                        + "5,too,many,columns,here\n",
                StandardCharsets.UTF_8);
        String output = dir.resolve("out").toString();
        LabelSummary s = LabelJob.run(spark, Labels.options(in.toString(), output, BUNDLE));
        assertThat(s.rowsIn()).isEqualTo(5);
        assertThat(s.quarantineReasons())
                .containsExactlyInAnyOrderEntriesOf(Map.of(Units.NULL_TEXT, 1L, Units.MALFORMED_CSV, 1L));
        Map<String, Row> rows = byId(Path.of(output));
        assertThat(rows.get("2").getString(rows.get("2").fieldIndex("text")))
                .isEqualTo("a message\nover two lines, with a comma");
        assertThat(rows.get("3").getString(rows.get("3").fieldIndex("text"))).isEqualTo("she said \"hi\"");
    }

    @Test
    void parquetInputWithStructMessages() {
        Path dir = Fixtures.tempDir("pq-");
        String in = dir.resolve("in").toString();
        spark.sql("SELECT 'c1' AS cid, array(named_struct('role', 'user', 'content', 'hola'), "
                        + "named_struct('role', 'assistant', 'content', CAST(NULL AS STRING))) AS messages "
                        + "UNION ALL SELECT 'c2', array(named_struct('role', 'user', 'content', 'hi'))")
                .write()
                .parquet(in);
        String output = dir.resolve("out").toString();
        LabelSummary s = LabelJob.run(spark, Labels.messages(Labels.options(in, output, BUNDLE), "messages", Set.of()));
        assertThat(s.rowsIn()).isEqualTo(3);
        assertThat(s.rowsLabeled()).isEqualTo(2);
        assertThat(s.quarantineReasons()).containsExactly(Map.entry(Units.NULL_TEXT, 1L));
    }

    @Test
    void refusesToOverwriteUnlessAskedAndExplainsMissingColumns() {
        String input = Fixtures.INDEPENDENT.resolve("input.jsonl").toString();
        String output = out("twice");
        LabelJob.run(spark, Labels.options(input, output, BUNDLE));
        assertThatThrownBy(() -> LabelJob.run(spark, Labels.options(input, output, BUNDLE)))
                .isInstanceOf(UsageException.class)
                .hasMessageContaining("already exists")
                .hasMessageContaining("--mode overwrite");
        LabelSummary again = LabelJob.run(spark, Labels.overwrite(Labels.options(input, output, BUNDLE)));
        assertThat(again.rowsLabeled()).isEqualTo(reference.size());

        LabelOptions wrongCol = Labels.options(input, out("nocol"), BUNDLE).toBuilder()
                .textCol("body")
                .build();
        assertThatThrownBy(() -> LabelJob.run(spark, wrongCol))
                .isInstanceOf(UsageException.class)
                .hasMessageContaining("no column 'body'")
                .hasMessageContaining("--text-col");
    }
}
