package org.crest.label;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.crest.Columns;
import org.crest.Fixtures;
import org.crest.ModelException;
import org.crest.SparkTestSession;
import org.crest.inference.BrokenBundles;
import org.crest.io.Units;
import org.junit.jupiter.api.Test;

/**
 * A model whose score is NaN for some rows (the word embedding of one token is NaN, a token that the load check's
 * text does not use): those rows get no label; they are quarantined as non_finite_score, and the counts stay
 * conserved. When every row is NaN the run stops, naming the model, and leaves no output.
 */
class NonFiniteScoreTest {
    private static final String POISONED = "the zebra crossed the road";

    private static String jsonl(List<String> texts) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < texts.size(); i++) {
            b.append("{\"id\": ")
                    .append(i)
                    .append(", \"text\": \"")
                    .append(texts.get(i))
                    .append("\"}\n");
        }
        return b.toString();
    }

    @Test
    void rowsWithANonFiniteScoreAreQuarantinedNotLabeled() throws IOException {
        BrokenBundles.NanToken nan = BrokenBundles.nanToken(Fixtures.DEMO, POISONED);
        List<String> clean = List.of("hello, how are you", "good morning to you", "see you later");
        for (String c : clean) {
            assertThat(BrokenBundles.tokenize(nan.dir(), c)).doesNotContain(nan.token());
        }
        StringBuilder longText = new StringBuilder();
        while (BrokenBundles.tokenize(nan.dir(), longText.toString()).length < 700) {
            longText.append("good morning to you. ");
        }
        longText.append(POISONED); // a long text of several windows, the NaN one last
        List<String> texts = new ArrayList<>(clean);
        texts.add(POISONED);
        texts.add(longText.toString());
        Path in = Fixtures.tempDir("nan-in-").resolve("in.jsonl");
        Files.writeString(in, jsonl(texts) + "{\"id\": 9, \"text\": \"unterminated\n");
        Path out = Fixtures.tempDir("nan-out-").resolve("out");
        SparkSession spark = SparkTestSession.get();

        LabelSummary s = LabelJob.run(
                spark, Labels.options(in.toString(), out.toString(), nan.dir().toString()));

        assertThat(s.status()).isEqualTo("ok");
        assertThat(s.rowsIn()).isEqualTo(6);
        assertThat(s.rowsLabeled()).isEqualTo(3);
        assertThat(s.rowsQuarantined()).isEqualTo(3);
        assertThat(s.quarantineReasons()).isEqualTo(Map.of(Units.NON_FINITE_SCORE, 2L, Units.MALFORMED_JSON, 1L));
        List<Row> labeled = spark.read().parquet(out.toString()).collectAsList();
        assertThat(labeled).hasSize(3);
        for (Row r : labeled) {
            assertThat(clean).contains(r.getString(r.fieldIndex("text")));
            assertThat(Double.isFinite(r.getDouble(r.fieldIndex(Columns.SCORE_COL))))
                    .isTrue();
        }
        List<Row> quarantined = spark.read()
                .parquet(out.resolve(Columns.QUARANTINE_DIR).toString())
                .where(org.apache.spark.sql.functions.col(Columns.ERROR_COL).equalTo(Units.NON_FINITE_SCORE))
                .collectAsList();
        assertThat(quarantined)
                .extracting(r -> r.getString(r.fieldIndex("text")))
                .containsExactlyInAnyOrder(POISONED, longText.toString());
        assertThat(List.of(spark.read()
                        .parquet(out.resolve(Columns.QUARANTINE_DIR).toString())
                        .columns()))
                .as("a quarantined row has no label")
                .doesNotContain(Columns.LABEL_COL, Columns.SCORE_COL);
        String summary = Files.readString(out.resolve(Columns.SUMMARY_FILE));
        assertThat(summary).contains("\"" + Units.NON_FINITE_SCORE + "\" : 2");
    }

    @Test
    void aModelWithoutAnyFiniteScoreStopsTheRun() throws IOException {
        BrokenBundles.NanToken nan = BrokenBundles.nanToken(Fixtures.DEMO, POISONED);
        Path in = Fixtures.tempDir("nan-in-").resolve("in.jsonl");
        Files.writeString(in, jsonl(List.of(POISONED, POISONED + " again", "so " + POISONED)));
        Path out = Fixtures.tempDir("nan-out-").resolve("out");
        assertThatThrownBy(() -> LabelJob.run(
                        SparkTestSession.get(),
                        Labels.options(in.toString(), out.toString(), nan.dir().toString())))
                .isInstanceOf(ModelException.class)
                .hasMessageContaining("Cannot label with model crest-tiny-demo@")
                .hasMessageContaining("a NaN or infinite score for every row it scored (3)")
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\n"));
        assertThat(out).as("no partial output").doesNotExist();
    }
}
