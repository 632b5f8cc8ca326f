package org.crest.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.spark.sql.Row;
import org.crest.Fixtures;
import org.crest.SparkTestSession;
import org.junit.jupiter.api.Test;

/** The launcher as a user runs it: ./spark-submit.sh label ... on the packaged jar, in a child process. */
class SparkSubmitIT {

    record Run(int exit, String stdout, String stderr) {}

    static Run run(String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>();
        cmd.add("./spark-submit.sh");
        cmd.addAll(List.of(args));
        Path dir = Fixtures.tempDir("proc-");
        ProcessBuilder pb = new ProcessBuilder(cmd)
                .redirectOutput(dir.resolve("out").toFile())
                .redirectError(dir.resolve("err").toFile());
        pb.environment().put("CREST_DRIVER_MEMORY", "2g");
        Process p = pb.start();
        assertThat(p.waitFor(5, TimeUnit.MINUTES)).as("finished in time").isTrue();
        return new Run(p.exitValue(), Files.readString(dir.resolve("out")), Files.readString(dir.resolve("err")));
    }

    @Test
    void labelsWithAnIndependentBundleLikeTheReadmeSays() throws Exception {
        Path out = Fixtures.tempDir("submit-").resolve("out");
        Path bundle = Fixtures.INDEPENDENT.resolve("bundle");
        Run r = run(
                "label",
                "--input",
                Fixtures.INDEPENDENT.resolve("input.jsonl").toString(),
                "--output",
                out.toString(),
                "--model",
                bundle.toString());
        assertThat(r.exit()).as("exit code; stderr:%n%s", r.stderr()).isZero();
        assertThat(r.stdout()).contains("42 rows in", "37 labeled", "5 quarantined");

        Map<String, Double> expected = new HashMap<>();
        for (JsonNode n : Fixtures.jsonLines(Fixtures.INDEPENDENT.resolve("reference.jsonl"))) {
            expected.put(n.get("id").asText(), n.get("p_unsafe_max").asDouble());
        }
        List<Row> rows = SparkTestSession.get().read().parquet(out.toString()).collectAsList();
        assertThat(rows).hasSize(expected.size());
        for (Row row : rows) {
            String id = row.getString(row.fieldIndex("id"));
            assertThat(row.getDouble(row.fieldIndex("crest_score"))).as(id).isCloseTo(expected.get(id), within(1e-4));
        }
        JsonNode summary = Fixtures.json(out.resolve("_crest_summary.json"));
        assertThat(summary.get("rows_in").asLong())
                .isEqualTo(summary.get("rows_labeled").asLong()
                        + summary.get("rows_quarantined").asLong());
    }

    @Test
    void theDemoSaysItsLabelsMeanNothing() throws Exception {
        Path out = Fixtures.tempDir("demo-").resolve("out");
        Run r = run("label", "--input", "examples/messages.jsonl", "--output", out.toString());
        assertThat(r.exit()).as("stderr:%n%s", r.stderr()).isZero();
        assertThat(r.stderr()).contains("WARN").contains("demo model").contains("labels mean nothing");
        assertThat(Files.readString(out.resolve("_crest_summary.json"), StandardCharsets.UTF_8))
                .contains("\"model_is_demo\" : true");
    }

    @Test
    void helpTeachesAndUsageErrorsExitTwo() throws Exception {
        Run help = run("label", "--help");
        assertThat(help.exit()).isZero();
        assertThat(help.stdout())
                .contains("--input", "--messages-col", "--window-stride", "--device", "Examples:", "_quarantine");

        Run missing = run("label", "--input", "examples/messages.jsonl");
        assertThat(missing.exit()).isEqualTo(2);
        assertThat(missing.stderr()).contains("Missing required option: '--output=PATH'");

        Run noInput = run("label", "--input", "does/not/exist.jsonl", "--output", Fixtures.tempDir("x-") + "/o");
        assertThat(noInput.exit()).isEqualTo(2);
        assertThat(noInput.stderr())
                .contains("does/not/exist.jsonl does not exist")
                .doesNotContain("\tat ");

        Run badModel = run(
                "label",
                "--input",
                "examples/messages.jsonl",
                "--output",
                Fixtures.tempDir("y-") + "/o",
                "--model",
                "examples");
        assertThat(badModel.exit()).isEqualTo(2);
        assertThat(badModel.stderr()).contains("has no model.onnx");

        Run badStride = run(
                "label",
                "--input",
                "examples/messages.jsonl",
                "--output",
                Fixtures.tempDir("z-") + "/o",
                "--max-tokens",
                "64",
                "--window-stride",
                "100");
        assertThat(badStride.exit()).isEqualTo(2);
        assertThat(badStride.stderr()).contains("--window-stride");
    }
}
