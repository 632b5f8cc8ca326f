package org.crest.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.spark.sql.SparkSession;
import org.crest.SparkTestSession;
import org.crest.inference.Device;
import org.crest.io.Units;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * cluster reads its corpus with the exact per-record reader: key anomalies never fail it, every record is embedded
 * or skipped with a reason, counted per file in the summary, and a crest output's crest_lang can be the language.
 */
class ClusterInputTest {
    private static SparkSession spark;

    @BeforeAll
    static void setUp() {
        spark = SparkTestSession.get();
    }

    private static ClusterOptions options(Path in, Path out, String langCol) {
        return ClusterOptions.builder()
                .inputs(List.of(in.toString()))
                .output(out.toString())
                .embedder("demo-embedder")
                .langCol(langCol)
                .k(2)
                .kMin(2)
                .kMax(3)
                .seeds(1)
                .seed(42)
                .chunkRows(64)
                .device(Device.CPU)
                .intraOpThreads(1)
                .commandLine("test")
                .build();
    }

    @Test
    void keyAnomaliesAreSkippedWithReasonsAndCountedPerFile(@TempDir Path dir) throws IOException {
        Path in = dir.resolve("in");
        Files.createDirectories(in);
        Files.writeString(
                in.resolve("a.jsonl"),
                "\uFEFF{\"text\":\"Hello there, friend.\",\"lang\":\"en\"}\n"
                        + "{\"text\":\"Guten Tag.\",\"text\":\"dup\",\"lang\":\"de\"}\n"
                        + "{\"Text\":\"case\",\"text\":\"Bonjour.\",\"lang\":\"fr\"}\n"
                        + "\n"
                        + "{\"text\": broken\n"
                        + "{\"text\":\"Hola amigo.\",\"lang\":\"es\",\"Lang\":\"xx\"}\n"
                        + "{\"text\":\"nul \\u0000 here\",\"lang\":\"es\"}\n"
                        + "{\"text\":7,\"lang\":\"es\"}\n",
                StandardCharsets.UTF_8);
        Files.writeString(
                in.resolve("b.jsonl"),
                "{\"text\":\"Ciao, come stai?\",\"lang\":\"it\"}\n{\"text\":\"Olá.\",\"lang\":5}\n"
                        + "{\"text\":\"Something.\",\"lang\":\"English\"}\n",
                StandardCharsets.UTF_8);
        Path out = dir.resolve("out");
        ClusterSummary s = ClusterJob.run(spark, options(in, out, "lang"));
        assertThat(s.rowsIn()).isEqualTo(10);
        assertThat(s.skipReasons())
                .containsOnly(
                        Map.entry(Units.MALFORMED_JSON, 1L),
                        Map.entry(Units.NUL_BYTE, 1L),
                        Map.entry(Units.NON_STRING_TEXT, 1L),
                        Map.entry(ClusterJob.INVALID_LANGUAGE, 2L));
        assertThat(s.rowsEmbedded()).isEqualTo(5);
        JsonNode summary =
                new ObjectMapper().readTree(out.resolve(ClusterJob.SUMMARY_FILE).toFile());
        Map<String, String> files = new TreeMap<>();
        for (JsonNode f : summary.get("files")) {
            String file = f.get("file").asText();
            files.put(
                    file.substring(file.lastIndexOf('/') + 1),
                    f.get("records").asLong() + "/" + f.get("rowsUsed").asLong() + "/"
                            + f.get("rowsSkipped").asLong());
        }
        assertThat(files).containsOnly(Map.entry("a.jsonl", "7/4/3"), Map.entry("b.jsonl", "3/1/2"));
    }

    @Test
    void aCrestOutputsLanguageColumnCanBeTheLanguage(@TempDir Path dir) throws IOException {
        Path in = dir.resolve("labeled.jsonl");
        Files.writeString(
                in,
                "{\"crest_text\":\"Hello there.\",\"crest_lang\":\"en\"}\n"
                        + "{\"crest_text\":\"Guten Tag.\",\"crest_lang\":\"de\"}\n"
                        + "{\"crest_text\":\"Bonjour.\",\"crest_lang\":\"fr\"}\n",
                StandardCharsets.UTF_8);
        Path out = dir.resolve("out");
        ClusterSummary s = ClusterJob.run(
                spark,
                options(in, out, "crest_lang").toBuilder().textCol("crest_text").build());
        assertThat(s.rowsIn()).isEqualTo(3);
        assertThat(s.rowsEmbedded()).isEqualTo(3);
        assertThat(s.languages()).isEqualTo(3);
    }
}
