package org.crest.cli.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import org.crest.Fixtures;
import org.crest.model.CheckpointConverter;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** {@code crest bench-precision}: its statistics, and one real run of an int8 bundle against its fp32 bundle. */
class PrecisionCompareCommandTest {
    @Test
    void agreementCountsFlipsAndTakesNearestRankQuantiles() {
        double[] ref = new double[100];
        double[] cand = new double[100];
        for (int i = 0; i < 100; i++) {
            ref[i] = 0.3;
            cand[i] = 0.3 + (i + 1) * 1e-3; // |ΔP| = 0.001 .. 0.100
        }
        ref[0] = 0.49;
        cand[0] = 0.51; // a flip upwards, |ΔP| 0.02
        ref[1] = 0.7;
        cand[1] = 0.7; // a positive that stays
        PrecisionCompareCommand.Agreement a = PrecisionCompareCommand.Agreement.of(ref, cand, 0.5);
        assertThat(a.n()).isEqualTo(100);
        assertThat(a.flips()).isEqualTo(1);
        assertThat(a.refPositives()).isEqualTo(1);
        assertThat(a.max()).isCloseTo(0.100, within(1e-9));
        assertThat(a.p99()).isCloseTo(0.099, within(1e-9));
        assertThat(PrecisionCompareCommand.Agreement.quantile(new double[] {1, 2, 3, 4}, 0.5))
                .isEqualTo(2);
    }

    @Test
    void comparesAnInt8BundleWithItsFp32BundleOnAJsonLinesCorpus() throws Exception {
        Path dir = Fixtures.tempDir("bench-precision-");
        for (CheckpointConverter.Precision p : new CheckpointConverter.Precision[] {
            CheckpointConverter.Precision.FP32, CheckpointConverter.Precision.INT8
        }) {
            CheckpointConverter.convert(
                    Fixtures.ROOT.resolve("checkpoint-tiny"),
                    dir.resolve(p.name()),
                    null,
                    CheckpointConverter.ExternalData.AUTO,
                    false,
                    p);
        }
        Path corpus = dir.resolve("chats.jsonl");
        StringBuilder sb = new StringBuilder();
        for (String t : SyntheticChats.messages(40, 7)) {
            sb.append(new com.fasterxml.jackson.databind.ObjectMapper().writeValueAsString(java.util.Map.of("msg", t)))
                    .append('\n');
        }
        Files.writeString(corpus, sb.toString());
        Path report = dir.resolve("report.json");
        int code = new CommandLine(new PrecisionCompareCommand())
                .execute(
                        "--model",
                        dir.resolve("FP32").toString(),
                        "--candidate",
                        dir.resolve("INT8").toString(),
                        "--input",
                        corpus.toString(),
                        "--text-field",
                        "msg",
                        "--rows",
                        "30",
                        "--threads",
                        "1",
                        "--max-tokens",
                        "64",
                        "--window-stride",
                        "32",
                        "--max-seconds",
                        "0",
                        "--report",
                        report.toString());
        assertThat(code).isZero();
        JsonNode r = Fixtures.json(report);
        assertThat(r.get("texts").asInt()).isEqualTo(30);
        assertThat(r.at("/per_text/n").asInt()).isEqualTo(30);
        assertThat(r.at("/per_window/n").asInt())
                .isEqualTo(r.get("windows").asInt())
                .isGreaterThan(30);
        assertThat(r.at("/per_text/max_abs_dp").asDouble()).isGreaterThan(0).isLessThan(0.15);
        assertThat(r.at("/per_text/p99_abs_dp").asDouble())
                .isLessThanOrEqualTo(r.at("/per_text/max_abs_dp").asDouble());
        assertThat(r.get("speedup").asDouble()).isPositive();

        int missing = new CommandLine(new PrecisionCompareCommand())
                .execute(
                        "--model",
                        dir.resolve("FP32").toString(),
                        "--candidate",
                        dir.resolve("INT8").toString(),
                        "--input",
                        corpus.toString(),
                        "--text-field",
                        "text");
        assertThat(missing).as("a corpus without the field is a usage error").isNotZero();
    }
}
