package org.crest.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import org.crest.Fixtures;
import org.junit.jupiter.api.Test;

/**
 * The command line of round three's GPU/fused work: {@code model random}, {@code model convert --graph},
 * {@code bench-device} (CPU, a few calls, with ONNX Runtime profiling), and the one-line refusals of bad values.
 */
class FusedGraphCliTest {
    @Test
    void randomCheckpointConvertsToAFusedBundleThatBenchDeviceRuns() throws Exception {
        Path dir = Fixtures.tempDir("cli-fused-");
        Path ckpt = dir.resolve("ckpt");
        String[] r =
                InProcessCli.run("model", "random", "--shape", "tiny", "--layers", "1", "--output", ckpt.toString());
        assertThat(r[0]).as(r[2]).isEqualTo("0");
        Path bundle = dir.resolve("fused");
        r = InProcessCli.run(
                "model",
                "convert",
                ckpt.toString(),
                "--output",
                bundle.toString(),
                "--graph",
                "FUSED",
                "--precision",
                "fp16");
        assertThat(r[0]).as(r[2]).isEqualTo("0");
        JsonNode m = Fixtures.json(bundle.resolve("crest-manifest.json"));
        assertThat(m.at("/onnx/graph").asText()).isEqualTo("fused");
        assertThat(m.at("/onnx/precision").asText()).isEqualTo("float16");

        Path report = dir.resolve("dev.json");
        r = InProcessCli.run(
                "bench-device",
                "--model",
                bundle.toString(),
                "--device",
                "cpu",
                "--batch",
                "4",
                "--seq",
                "16",
                "--callers",
                "2",
                "--seconds",
                "0.5",
                "--profile",
                "--report",
                report.toString());
        assertThat(r[0]).as(r[2]).isEqualTo("0");
        JsonNode d = Fixtures.json(report);
        assertThat(d.get("device").asText()).isEqualTo("cpu");
        assertThat(d.get("calls").asLong()).isPositive();
        assertThat(d.get("tokens_per_s").asDouble()).isPositive();
        assertThat(d.get("sequences_per_s").asDouble() * 16)
                .isCloseTo(
                        d.get("tokens_per_s").asDouble(),
                        org.assertj.core.api.Assertions.within(
                                1e-6 * d.get("tokens_per_s").asDouble()));
        assertThat(d.at("/profile/model_runs").asInt()).isEqualTo(23);
        assertThat(d.at("/profile/memcpy_nodes").asInt())
                .as("no device, no copies")
                .isZero();
        assertThat(d.at("/profile/kernel_us").asLong()).isPositive();
    }

    @Test
    void badValuesAreRefusedWithOneLine() {
        Path dir = Fixtures.tempDir("cli-fused-bad-");
        String[] r = InProcessCli.run(
                "model",
                "convert",
                "src/test/resources/fixtures/checkpoint-tiny",
                "--output",
                dir.toString(),
                "--graph",
                "fast");
        assertThat(r[0]).isEqualTo("2");
        assertThat(r[2]).contains("Unknown --graph fast, expected plain or fused");
        r = InProcessCli.run("model", "random", "--shape", "huge", "--output", dir.toString());
        assertThat(r[0]).isEqualTo("2");
        assertThat(r[2]).contains("Unknown --shape huge, expected base, large or tiny");
        r = InProcessCli.run("model", "random", "--hidden", "100", "--heads", "3", "--output", dir.toString());
        assertThat(r[0]).isEqualTo("2");
        assertThat(r[2]).contains("multiple of the heads");
        r = InProcessCli.run("bench-device", "--model", "demo", "--callers", "0");
        assertThat(r[0]).isEqualTo("2");
        assertThat(r[2]).contains("--callers 0");
    }
}
