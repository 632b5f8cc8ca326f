package org.crest.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.onnx.proto.OnnxMl;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;
import org.crest.Fixtures;
import org.crest.inference.Classifier;
import org.crest.inference.Device;
import org.crest.inference.LengthBatcher;
import org.crest.inference.ModelBundle;
import org.crest.inference.ModelSession;
import org.crest.inference.Windowing;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code --graph fused}: bundles of the checkpoint fixtures built with ONNX Runtime's fused operators, run with the
 * pipeline's own ModelSession / Classifier against the PyTorch references of tools/make_checkpoints.py and
 * tools/make_fixtures.py, within the plain graph's tolerance (1e-4): single windows, length-sorted padded batches
 * of long texts cut into windows, one right-padded batch of hidden states. Measured differences are printed.
 */
class FusedGraphTest {
    private static final double TOL = CheckpointConverterTest.TOL;
    private static final Map<String, ModelSession> sessions = new HashMap<>();
    private static final Map<String, Path> bundles = new HashMap<>();
    private static List<JsonNode> tinyRefs;
    private static List<JsonNode> indepRefs;

    @BeforeAll
    static void convertAll() {
        tinyRefs = Fixtures.jsonLines(Fixtures.CLASSIFIER_REFERENCE);
        indepRefs = Fixtures.jsonLines(Fixtures.ROOT.resolve("reference/checkpoint_independent.jsonl"));
        convert("tiny", CheckpointConverterTest.TINY, null, CheckpointConverter.Precision.FP32);
        convert("tiny-plain", CheckpointConverterTest.TINY, null, CheckpointConverter.Precision.FP32, false);
        convert("independent", CheckpointConverterTest.INDEPENDENT, null, CheckpointConverter.Precision.FP32);
        convert(
                "independent-embedder",
                CheckpointConverterTest.INDEPENDENT,
                CheckpointConverter.Task.EMBEDDING,
                CheckpointConverter.Precision.FP32);
        convert("tiny-fp16", CheckpointConverterTest.TINY, null, CheckpointConverter.Precision.FP16);
        convert("tiny-int8", CheckpointConverterTest.TINY, null, CheckpointConverter.Precision.INT8);
    }

    private static void convert(
            String key, Path ckpt, CheckpointConverter.Task task, CheckpointConverter.Precision precision) {
        convert(key, ckpt, task, precision, true);
    }

    private static void convert(
            String key,
            Path ckpt,
            CheckpointConverter.Task task,
            CheckpointConverter.Precision precision,
            boolean fused) {
        Path out = Fixtures.tempDir("fused-" + key + "-");
        CheckpointConverter.convert(
                ckpt,
                out,
                task,
                CheckpointConverter.ExternalData.AUTO,
                false,
                precision,
                fused ? CheckpointConverter.Graph.FUSED : CheckpointConverter.Graph.PLAIN);
        bundles.put(key, out);
        ModelSession.Kind kind =
                task == CheckpointConverter.Task.EMBEDDING ? ModelSession.Kind.ENCODER : ModelSession.Kind.CLASSIFIER;
        sessions.put(key, ModelSession.create(ModelBundle.open(out), kind, Device.CPU, 1, -1));
    }

    @AfterAll
    static void close() {
        sessions.values().forEach(ModelSession::close);
    }

    @Test
    void tinyFusedLogitsMatchTorchPerWindow() {
        double worst = 0;
        for (JsonNode r : tinyRefs) {
            float[] got = CheckpointConverterTest.run(sessions.get("tiny"), CheckpointConverterTest.firstWindow(r));
            double d = CheckpointConverterTest.maxAbsDiff(got, r.get("logits"));
            assertThat(d)
                    .as("fused logits of %s vs torch", r.get("id").asText())
                    .isLessThan(TOL);
            worst = Math.max(worst, d);
        }
        System.out.printf(
                Locale.ROOT, "tiny fused: max |logit diff| vs torch %.2e over %d windows%n", worst, tinyRefs.size());
    }

    @Test
    void tinyFusedRowScoresMatchTorchInMixedLengthPaddedBatchesOfLongTextWindows() {
        ModelSession s = sessions.get("tiny");
        ModelBundle b = s.bundle();
        List<long[]> content =
                tinyRefs.stream().map(r -> Fixtures.longs(r.get("content_ids"))).toList();
        assertThat(content.stream().mapToInt(c -> c.length).max().orElseThrow())
                .as("the references include texts longer than one 512-token window")
                .isGreaterThan(510);
        for (String config : new String[] {"512_256", "64_32"}) {
            String[] mt = config.split("_");
            Windowing w = new Windowing(Integer.parseInt(mt[0]), Integer.parseInt(mt[1]), b.bosId(), b.eosId());
            Classifier.Scores scores = new Classifier(s, w, new LengthBatcher(4096, 64), 1).scoreTokens(content);
            double worst = 0;
            for (int i = 0; i < content.size(); i++) {
                double want = tinyRefs.get(i)
                        .get("windows")
                        .get(config)
                        .get("p_unsafe_max")
                        .asDouble();
                assertThat(scores.pUnsafe[i])
                        .as("%s %s", config, tinyRefs.get(i).get("id").asText())
                        .isCloseTo(want, within(TOL));
                worst = Math.max(worst, Math.abs(scores.pUnsafe[i] - want));
            }
            assertThat(scores.computedTokens).as("padding happened").isGreaterThan(scores.realTokens);
            System.out.printf(
                    Locale.ROOT,
                    "tiny fused, windows %s, padded batches: max |P(unsafe) diff| vs torch %.2e over %d rows%n",
                    config,
                    worst,
                    content.size());
        }
    }

    @Test
    void independentFusedLogitsAndHiddenStatesMatchTorchInOneRightPaddedBatch() {
        int n = indepRefs.size();
        int seq = indepRefs.stream().mapToInt(r -> r.get("ids").size()).max().orElseThrow();
        long[] ids = new long[n * seq];
        long[] mask = new long[n * seq];
        Arrays.fill(ids, 1L); // <pad>
        for (int i = 0; i < n; i++) {
            long[] row = Fixtures.longs(indepRefs.get(i).get("ids"));
            System.arraycopy(row, 0, ids, i * seq, row.length);
            Arrays.fill(mask, i * seq, i * seq + row.length, 1L);
        }
        float[] logits = sessions.get("independent").run(ids, mask, n, seq);
        float[] hidden = sessions.get("independent-embedder").run(ids, mask, n, seq);
        double dLogits = 0;
        double dHidden = 0;
        int padded = 0;
        for (int i = 0; i < n; i++) {
            JsonNode r = indepRefs.get(i);
            padded += r.get("ids").size() < seq ? 1 : 0;
            for (int c = 0; c < 2; c++) {
                dLogits = Math.max(
                        dLogits,
                        Math.abs(logits[2 * i + c] - r.get("logits").get(c).asDouble()));
            }
            JsonNode want = r.get("last_hidden_state");
            int width = want.get(0).size();
            for (int t = 0; t < want.size(); t++) {
                for (int j = 0; j < width; j++) {
                    dHidden = Math.max(
                            dHidden,
                            Math.abs(hidden[(i * seq + t) * width + j]
                                    - want.get(t).get(j).asDouble()));
                }
            }
        }
        assertThat(padded).as("rows shorter than the batch").isPositive();
        assertThat(dLogits).isLessThan(TOL);
        assertThat(dHidden).isLessThan(TOL);
        System.out.printf(
                Locale.ROOT,
                "independent fused, one padded batch %dx%d: max |logit diff| %.2e, max |hidden diff| %.2e%n",
                n,
                seq,
                dLogits,
                dHidden);
    }

    @Test
    void fusedFp16AndInt8StayWithinTheirPrecisionsTolerances() {
        ModelSession plain = sessions.get("tiny-plain");
        ModelBundle b = plain.bundle();
        List<long[]> content =
                tinyRefs.stream().map(r -> Fixtures.longs(r.get("content_ids"))).toList();
        Windowing w = new Windowing(512, 256, b.bosId(), b.eosId());
        LengthBatcher batcher = new LengthBatcher(4096, 64);
        Classifier.Scores want = new Classifier(plain, w, batcher, 1).scoreTokens(content);
        Classifier.Scores half = new Classifier(sessions.get("tiny-fp16"), w, batcher, 1).scoreTokens(content);
        Classifier.Scores int8 = new Classifier(sessions.get("tiny-int8"), w, batcher, 1).scoreTokens(content);
        double worstHalf = 0;
        double worstInt8 = 0;
        for (int i = 0; i < content.size(); i++) {
            worstHalf = Math.max(worstHalf, Math.abs(half.pUnsafe[i] - want.pUnsafe[i]));
            worstInt8 = Math.max(worstInt8, Math.abs(int8.pUnsafe[i] - want.pUnsafe[i]));
        }
        assertThat(worstHalf).isLessThan(CheckpointConverterTest.FP16_TOL);
        assertThat(worstInt8).isLessThan(Int8ConverterTest.INT8_TOL).isGreaterThan(0.0);
        System.out.printf(
                Locale.ROOT,
                "tiny fused fp16 vs plain float32: max |ΔP(unsafe)| %.2e; fused int8: %.2e (%d rows)%n",
                worstHalf,
                worstInt8,
                content.size());
    }

    @Test
    void fusedBundleRecordsItsGraphAndUsesTheFusedOperators() throws IOException {
        JsonNode m = Fixtures.json(bundles.get("tiny").resolve(CheckpointConverter.MANIFEST));
        assertThat(m.at("/onnx/graph").asText()).isEqualTo("fused");
        assertThat(Fixtures.json(bundles.get("tiny-plain").resolve(CheckpointConverter.MANIFEST))
                        .at("/onnx/graph")
                        .asText())
                .isEqualTo("plain");
        int layers = 2;
        Map<String, Long> ops = ops(bundles.get("tiny"));
        assertThat(ops)
                .containsEntry("com.microsoft:EmbedLayerNormalization", 1L)
                .containsEntry("com.microsoft:Attention", (long) layers)
                .containsEntry("com.microsoft:SkipLayerNormalization", 2L * layers)
                .containsEntry("com.microsoft:BiasGelu", (long) layers)
                .doesNotContainKeys(":Softmax", ":Erf", ":LayerNormalization", ":Transpose");
        assertThat(ops(bundles.get("tiny-int8")))
                .containsEntry("com.microsoft:Attention", (long) layers)
                .containsEntry("com.microsoft:DynamicQuantizeMatMul", 3L * layers)
                .containsEntry("com.microsoft:Gelu", (long) layers);
    }

    private static Map<String, Long> ops(Path bundle) throws IOException {
        OnnxMl.ModelProto proto;
        try (InputStream in = Files.newInputStream(bundle.resolve("model.onnx"))) {
            proto = OnnxMl.ModelProto.parseFrom(in);
        }
        assertThat(proto.getOpsetImportList())
                .extracting(OnnxMl.OperatorSetIdProto::getDomain)
                .containsExactlyInAnyOrder("", OnnxGraph.MS_DOMAIN);
        return proto.getGraph().getNodeList().stream()
                .collect(Collectors.groupingBy(n -> n.getDomain() + ":" + n.getOpType(), Collectors.counting()));
    }
}
