package org.crest.label;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.crest.Columns;
import org.crest.Fixtures;
import org.crest.SparkTestSession;
import org.junit.jupiter.api.Test;

class LabelLanguageTest {
    private static final String BUNDLE = Fixtures.INDEPENDENT.resolve("bundle").toString();

    @Test
    void detectLanguageAddsCrestLangAndCountsLanguages() throws IOException {
        SparkSession spark = SparkTestSession.get();
        Path dir = Fixtures.tempDir("label-lang-");
        Path input = dir.resolve("chats.jsonl");
        Files.write(
                input,
                List.of(
                        "{\"id\": \"en1\", \"text\": \"Could you please tell me how to reset my password? I forgot it yesterday.\"}",
                        "{\"id\": \"en2\", \"text\": \"The weather is lovely today, so we are going for a long walk in the park.\"}",
                        "{\"id\": \"de\", \"text\": \"Kannst du mir bitte sagen, wie ich mein Passwort zurücksetzen kann?\"}",
                        "{\"id\": \"fr\", \"text\": \"Pouvez-vous me dire comment réinitialiser mon mot de passe ? Je l'ai oublié.\"}",
                        "{\"id\": \"es\", \"text\": \"¿Me puedes decir cómo restablecer mi contraseña? La olvidé ayer por la noche.\"}",
                        "{\"id\": \"ru\", \"text\": \"Подскажите, пожалуйста, как сбросить мой пароль? Я забыл его вчера вечером.\"}",
                        "{\"id\": \"zh\", \"text\": \"你能告诉我怎么重置我的密码吗？我昨天晚上忘记了。\"}",
                        "{\"id\": \"num\", \"text\": \"12345 678\"}",
                        "{\"id\": \"bad\", \"text\": ",
                        "{\"id\": \"nul\", \"text\": null}"),
                StandardCharsets.UTF_8);
        String output = dir.resolve("out").toString();

        LabelSummary s = LabelJob.run(
                spark, Labels.options(input.toString(), output, BUNDLE).withDetectLanguage(true));

        assertThat(s.rowsIn()).isEqualTo(10);
        assertThat(s.rowsLabeled()).isEqualTo(8);
        assertThat(s.rowsQuarantined()).isEqualTo(2);
        assertThat(s.conserved()).as("rows_in = labeled + quarantined").isTrue();
        Map<String, String> lang = new HashMap<>();
        for (Row r : spark.read().parquet(output).collectAsList()) {
            lang.put(r.getString(r.fieldIndex("id")), r.getString(r.fieldIndex(Columns.LANG_COL)));
        }
        Map<String, String> expected = new HashMap<>(
                Map.of("en1", "en", "en2", "en", "de", "de", "fr", "fr", "es", "es", "ru", "ru", "zh", "zh"));
        expected.put("num", null);
        assertThat(lang).isEqualTo(expected);
        assertThat(s.languages())
                .containsExactlyInAnyOrderEntriesOf(
                        Map.of("en", 2L, "de", 1L, "fr", 1L, "es", 1L, "ru", 1L, "zh", 1L, "und", 1L));
        assertThat(s.languages().values().stream().mapToLong(Long::longValue).sum())
                .isEqualTo(s.rowsLabeled());

        JsonNode json = new ObjectMapper()
                .readTree(Path.of(output, Columns.SUMMARY_FILE).toFile());
        assertThat(json.get("languages").get("en").asLong()).isEqualTo(2);
        assertThat(json.get("languages").get("und").asLong()).isEqualTo(1);
        assertThat(json.get("rows_in").asLong()).as("existing keys unchanged").isEqualTo(10);
        assertThat(json.has("quarantine_reasons")).isTrue();
    }

    @Test
    void withoutTheFlagThereIsNoLanguageColumnNorKey() throws IOException {
        SparkSession spark = SparkTestSession.get();
        Path dir = Fixtures.tempDir("label-nolang-");
        Path input = dir.resolve("one.jsonl");
        Files.write(input, List.of("{\"id\": \"a\", \"text\": \"hello there, how are you?\"}"), StandardCharsets.UTF_8);
        String output = dir.resolve("out").toString();
        LabelSummary s = LabelJob.run(spark, Labels.options(input.toString(), output, BUNDLE));
        assertThat(s.languages()).isNull();
        assertThat(List.of(spark.read().parquet(output).columns())).doesNotContain(Columns.LANG_COL);
        JsonNode json = new ObjectMapper()
                .readTree(Path.of(output, Columns.SUMMARY_FILE).toFile());
        assertThat(json.has("languages")).isFalse();
    }
}
