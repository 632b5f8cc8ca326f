package org.crest.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.crest.Columns;
import org.crest.Fixtures;
import org.crest.SparkTestSession;
import org.crest.UsageException;
import org.crest.io.Units;
import org.crest.label.LabelJob;
import org.crest.label.Labels;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The Transformer on a DataFrame built here gives the scores of a real {@code label} run over the same rows (written
 * to Parquet), keeps every row, and marks the rows label quarantines with the same reason code.
 */
@org.junit.jupiter.api.Tag("smoke") // also run on Spark 4.0 and 4.1: mvn -Pspark-4.0 -Psmoke verify
class CrestLabelerTest {
    private static final String BUNDLE = Fixtures.INDEPENDENT.resolve("bundle").toString();
    private static SparkSession spark;
    private static Dataset<Row> df;

    @BeforeAll
    static void setUp() {
        spark = SparkTestSession.get();
        StructType schema = new StructType()
                .add("id", DataTypes.StringType)
                .add("n", DataTypes.IntegerType)
                .add("text", DataTypes.StringType);
        String longText = String.join(" ", java.util.Collections.nCopies(900, "the weather report says rain again"));
        List<Row> rows = List.of(
                RowFactory.create("plain", 1, "Hello, how are you today?"),
                RowFactory.create("threat", 2, "I will find you and hurt you badly."),
                RowFactory.create("null", 3, null),
                RowFactory.create("empty", 4, ""),
                RowFactory.create("blank", 5, "   "),
                RowFactory.create("long", 6, longText),
                RowFactory.create("nul", 7, "binary\u0000junk"),
                RowFactory.create("german", 8, "Wie spät ist es? Ich hasse dich nicht."),
                RowFactory.create("emoji", 9, "ok 👍🏽 done"));
        df = spark.createDataFrame(rows, schema).repartition(3);
    }

    private static Map<String, Row> byId(List<Row> rows) {
        Map<String, Row> m = new HashMap<>();
        for (Row r : rows) {
            assertThat(m.put(r.getString(r.fieldIndex("id")), r)).as("id once").isNull();
        }
        return m;
    }

    @Test
    void sameScoresAsLabelAndNoRowLost() {
        Path dir = Fixtures.tempDir("crest-labeler-");
        String input = dir.resolve("in.parquet").toString();
        df.write().parquet(input);
        String output = dir.resolve("out").toString();
        LabelJob.run(spark, Labels.options(input, output, BUNDLE));
        Map<String, Row> labeled = byId(spark.read().parquet(output).collectAsList());
        Map<String, Row> quarantined =
                byId(spark.read().parquet(output + "/" + Columns.QUARANTINE_DIR).collectAsList());

        CrestLabeler labeler =
                new CrestLabeler().setModel(BUNDLE).setTextCol("text").setBatchTokens(1024);
        Dataset<Row> out = labeler.transform(df);
        assertThat(out.schema()).isEqualTo(labeler.transformSchema(df.schema()));
        assertThat(out.columns())
                .startsWith("id", "n", "text")
                .endsWith(CrestLabeler.outputColumns().toArray(String[]::new));
        List<Row> got = out.collectAsList();
        assertThat(got).as("rows out = rows in").hasSize((int) df.count());
        Map<String, Row> byId = byId(got);
        assertThat(labeled.size() + quarantined.size()).isEqualTo(got.size());
        assertThat(quarantined.keySet()).containsExactlyInAnyOrder("null", "nul", "empty", "blank");

        for (Map.Entry<String, Row> e : byId.entrySet()) {
            Row r = e.getValue();
            String id = e.getKey();
            assertThat(r.getInt(r.fieldIndex("n"))).as("input column kept").isPositive();
            Row l = labeled.get(id);
            if (l != null) {
                assertThat(r.isNullAt(r.fieldIndex(Columns.ERROR_COL)))
                        .as("%s scored", id)
                        .isTrue();
                assertThat(r.getDouble(r.fieldIndex(Columns.SCORE_COL)))
                        .as("score of %s", id)
                        .isCloseTo(l.getDouble(l.fieldIndex(Columns.SCORE_COL)), within(1e-5));
                for (String c : List.of(Columns.WINDOWS_COL, Columns.TOKENS_COL)) {
                    assertThat(r.getInt(r.fieldIndex(c))).as("%s of %s", c, id).isEqualTo(l.getInt(l.fieldIndex(c)));
                }
                for (String c : List.of(Columns.LABEL_COL, Columns.MODEL_COL)) {
                    assertThat(r.getString(r.fieldIndex(c)))
                            .as("%s of %s", c, id)
                            .isEqualTo(l.getString(l.fieldIndex(c)));
                }
            } else {
                Row q = quarantined.get(id);
                assertThat(r.getString(r.fieldIndex(Columns.ERROR_COL)))
                        .as("reason of %s", id)
                        .isEqualTo(q.getString(q.fieldIndex(Columns.ERROR_COL)));
                assertThat(r.isNullAt(r.fieldIndex(Columns.SCORE_COL))).isTrue();
                assertThat(r.isNullAt(r.fieldIndex(Columns.LABEL_COL))).isTrue();
            }
        }
        assertThat(byId.get("null").getString(byId.get("null").fieldIndex(Columns.ERROR_COL)))
                .isEqualTo(Units.NULL_TEXT);
        Row longRow = byId.get("long");
        assertThat(longRow.getInt(longRow.fieldIndex(Columns.WINDOWS_COL)))
                .as("the long text has several windows")
                .isGreaterThan(1);
    }

    @Test
    void conversationsScoreTheirSelectedMessages() {
        StructType message = new StructType().add("role", DataTypes.StringType).add("content", DataTypes.StringType);
        StructType schema =
                new StructType().add("id", DataTypes.StringType).add("messages", DataTypes.createArrayType(message));
        List<Row> rows = List.of(
                RowFactory.create(
                        "chat",
                        Arrays.asList(
                                RowFactory.create("user", "I will find you and hurt you."),
                                RowFactory.create("assistant", "I cannot help with that."),
                                RowFactory.create("user", "Fine, bye."))),
                RowFactory.create("onlyAssistant", List.of(RowFactory.create("assistant", "Hello!"))),
                RowFactory.create("empty", List.of()),
                RowFactory.create("missing", null));
        Dataset<Row> chats = spark.createDataFrame(rows, schema);
        Map<String, Row> got = byId(new CrestLabeler()
                .setModel(BUNDLE)
                .setMessagesCol("messages")
                .setRoles("user")
                .transform(chats)
                .collectAsList());
        assertThat(got).hasSize(4);

        // each user message alone, as flat rows
        StructType flat = new StructType().add("id", DataTypes.StringType).add("text", DataTypes.StringType);
        Map<String, Row> single = byId(new CrestLabeler()
                .setModel(BUNDLE)
                .transform(spark.createDataFrame(
                        List.of(
                                RowFactory.create("u1", "I will find you and hurt you."),
                                RowFactory.create("u2", "Fine, bye.")),
                        flat))
                .collectAsList());
        Row chat = got.get("chat");
        double max = Math.max(single.get("u1").getDouble(2), single.get("u2").getDouble(2));
        assertThat(chat.getDouble(chat.fieldIndex(Columns.SCORE_COL))).isCloseTo(max, within(1e-6));
        assertThat(chat.getInt(chat.fieldIndex(Columns.TOKENS_COL)))
                .isEqualTo(single.get("u1").getInt(5) + single.get("u2").getInt(5));
        Map<String, String> errors = new HashMap<>();
        got.forEach((id, r) -> errors.put(id, r.getString(r.fieldIndex(Columns.ERROR_COL))));
        assertThat(errors)
                .containsEntry("chat", null)
                .containsEntry("onlyAssistant", RowScorer.NO_SELECTED_MESSAGES)
                .containsEntry("empty", Units.EMPTY_CONVERSATION)
                .containsEntry("missing", Units.MESSAGES_MISSING);
    }

    @Test
    void sqlFunctionsScoreAsTheTransformer() {
        CrestFunctions.register(spark, BUNDLE);
        df.createOrReplaceTempView("crest_sql_rows");
        Map<String, Row> sql =
                byId(spark.sql("SELECT id, crest_score(text) AS s, crest_label(text) AS l " + "FROM crest_sql_rows")
                        .collectAsList());
        Map<String, Row> api =
                byId(new CrestLabeler().setModel(BUNDLE).transform(df).collectAsList());
        assertThat(sql).hasSize(api.size());
        api.forEach((id, r) -> {
            Row s = sql.get(id);
            if (r.isNullAt(r.fieldIndex(Columns.SCORE_COL))) {
                assertThat(s.isNullAt(1)).as("%s has no score", id).isTrue();
            } else {
                assertThat(s.getDouble(1)).as(id).isCloseTo(r.getDouble(r.fieldIndex(Columns.SCORE_COL)), within(1e-5));
                assertThat(s.getString(2)).as(id).isEqualTo(r.getString(r.fieldIndex(Columns.LABEL_COL)));
            }
        });
    }

    @Test
    void refusesAMissingOrWrongColumnBeforeScoring() {
        assertThatThrownBy(() -> new CrestLabeler().setTextCol("body").transform(df))
                .isInstanceOf(UsageException.class)
                .hasMessageContaining("no column 'body'");
        assertThatThrownBy(() -> new CrestLabeler().setTextCol("n").transform(df))
                .isInstanceOf(UsageException.class)
                .hasMessageContaining("has type int");
        Dataset<Row> twice = new CrestLabeler().setModel(BUNDLE).transform(df);
        assertThatThrownBy(() -> new CrestLabeler().transform(twice))
                .isInstanceOf(UsageException.class)
                .hasMessageContaining("already has a column 'crest_score'");
    }

    @Test
    void savesAndLoadsItsParameters() throws Exception {
        Path dir = Fixtures.tempDir("crest-labeler-save-").resolve("labeler");
        CrestLabeler a = new CrestLabeler()
                .setModel(BUNDLE)
                .setMessagesCol("messages")
                .setRoles("user", "assistant")
                .setThreshold(0.3)
                .setMaxTokens(128)
                .setWindowStride(64)
                .setDevice("cpu");
        a.save(dir.toString());
        CrestLabeler b = CrestLabeler.load(dir.toString());
        assertThat(b.uid()).isEqualTo(a.uid());
        assertThat(b.getOrDefault(b.model())).isEqualTo(BUNDLE);
        assertThat(b.getOrDefault(b.roles())).containsExactly("user", "assistant");
        assertThat((Double) b.getOrDefault(b.threshold())).isEqualTo(0.3);
        assertThat((Integer) b.getOrDefault(b.windowStride())).isEqualTo(64);
        assertThat(new ArrayList<>(List.of(b.explainParams().split("\n")))).hasSizeGreaterThanOrEqualTo(13);
    }
}
