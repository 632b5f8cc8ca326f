package org.crest.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.onnx.proto.OnnxMl;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.crest.Fixtures;
import org.crest.inference.Classifier;
import org.crest.inference.Device;
import org.crest.inference.Encoder;
import org.crest.inference.LengthBatcher;
import org.crest.inference.ModelBundle;
import org.crest.inference.ModelSession;
import org.crest.inference.Windowing;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Converts the checkpoint fixtures of tools/make_checkpoints.py and runs the bundles with the pipeline's own
 * ModelSession / Classifier / Encoder against the PyTorch references. Measured differences are printed.
 */
class CheckpointConverterTest {
    static final double TOL = 1e-4;
    /** fp16 graphs (weights and activations in float16): P(unsafe) and hidden states vs the float32 torch reference. */
    static final double FP16_TOL = 1e-2;

    static final Path TINY = Fixtures.ROOT.resolve("checkpoint-tiny");
    static final Path TINY_F16 = Fixtures.ROOT.resolve("checkpoint-tiny-f16");
    static final Path TINY_BF16 = Fixtures.ROOT.resolve("checkpoint-tiny-bf16");
    static final Path INDEPENDENT = Fixtures.ROOT.resolve("checkpoint-independent");

    private static List<JsonNode> tinyRefs;
    private static Map<String, JsonNode> rounded;
    private static List<JsonNode> indepRefs;
    private static final Map<String, ModelSession> sessions = new HashMap<>();
    private static final Map<String, Path> bundles = new HashMap<>();

    @BeforeAll
    static void convertAll() {
        tinyRefs = Fixtures.jsonLines(Fixtures.CLASSIFIER_REFERENCE);
        rounded = new HashMap<>();
        Fixtures.jsonLines(Fixtures.ROOT.resolve("reference/checkpoint_tiny_rounded.jsonl"))
                .forEach(r -> rounded.put(r.get("id").asText(), r));
        indepRefs = Fixtures.jsonLines(Fixtures.ROOT.resolve("reference/checkpoint_independent.jsonl"));
        convert("tiny", TINY, null, ModelSession.Kind.CLASSIFIER);
        convert("tiny-f16", TINY_F16, null, ModelSession.Kind.CLASSIFIER);
        convert("tiny-bf16", TINY_BF16, null, ModelSession.Kind.CLASSIFIER);
        convert("tiny-embedder", TINY, CheckpointConverter.Task.EMBEDDING, ModelSession.Kind.ENCODER);
        convert("independent", INDEPENDENT, null, ModelSession.Kind.CLASSIFIER);
        convert("independent-embedder", INDEPENDENT, CheckpointConverter.Task.EMBEDDING, ModelSession.Kind.ENCODER);
        convert("tiny-fp16", TINY, null, ModelSession.Kind.CLASSIFIER, CheckpointConverter.Precision.FP16);
        convert(
                "independent-fp16",
                INDEPENDENT,
                null,
                ModelSession.Kind.CLASSIFIER,
                CheckpointConverter.Precision.FP16);
        convert(
                "independent-embedder-fp16",
                INDEPENDENT,
                CheckpointConverter.Task.EMBEDDING,
                ModelSession.Kind.ENCODER,
                CheckpointConverter.Precision.FP16);
        sessions.put(
                "demo",
                ModelSession.create(ModelBundle.open(Fixtures.DEMO), ModelSession.Kind.CLASSIFIER, Device.CPU, 1, -1));
    }

    private static void convert(String key, Path ckpt, CheckpointConverter.Task task, ModelSession.Kind kind) {
        convert(key, ckpt, task, kind, CheckpointConverter.Precision.FP32);
    }

    private static void convert(
            String key,
            Path ckpt,
            CheckpointConverter.Task task,
            ModelSession.Kind kind,
            CheckpointConverter.Precision precision) {
        Path out = Fixtures.tempDir("converted-" + key + "-");
        long t0 = System.nanoTime();
        CheckpointConverter.convert(ckpt, out, task, CheckpointConverter.ExternalData.AUTO, false, precision);
        System.out.printf(Locale.ROOT, "converted %s in %.0f ms%n", key, (System.nanoTime() - t0) / 1e6);
        bundles.put(key, out);
        sessions.put(key, ModelSession.create(ModelBundle.open(out), kind, Device.CPU, 1, -1));
    }

    @AfterAll
    static void close() {
        sessions.values().forEach(ModelSession::close);
    }

    static float[] run(ModelSession s, long[] ids) {
        long[] mask = new long[ids.length];
        Arrays.fill(mask, 1);
        return s.run(ids, mask, 1, ids.length);
    }

    static double pUnsafe(float[] logits, int row) {
        double l0 = logits[2 * row];
        double l1 = logits[2 * row + 1];
        double m = Math.max(l0, l1);
        return Math.exp(l1 - m) / (Math.exp(l0 - m) + Math.exp(l1 - m));
    }

    static double maxAbsDiff(float[] got, JsonNode want) {
        double worst = 0;
        assertThat(got).hasSize(want.size());
        for (int i = 0; i < got.length; i++) {
            worst = Math.max(worst, Math.abs(got[i] - want.get(i).asDouble()));
        }
        return worst;
    }

    static long[] firstWindow(JsonNode ref) {
        return Fixtures.longs(ref.get("windows").get("512_256").get("ids").get(0));
    }

    @Test
    void tinyF32LogitsMatchTorchAndTheTorchExportedDemoBundle() {
        double vsTorch = 0;
        double vsDemo = 0;
        for (JsonNode r : tinyRefs) {
            long[] ids = firstWindow(r);
            float[] got = run(sessions.get("tiny"), ids);
            float[] demo = run(sessions.get("demo"), ids);
            double d = maxAbsDiff(got, r.get("logits"));
            assertThat(d).as("logits of %s vs torch", r.get("id").asText()).isLessThan(TOL);
            vsTorch = Math.max(vsTorch, d);
            for (int i = 0; i < got.length; i++) {
                vsDemo = Math.max(vsDemo, Math.abs(got[i] - demo[i]));
            }
            assertThat(pUnsafe(got, 0))
                    .as("P(unsafe) of %s vs the demo bundle", r.get("id").asText())
                    .isCloseTo(pUnsafe(demo, 0), within(TOL));
        }
        System.out.printf(
                Locale.ROOT,
                "tiny F32: max |logit diff| vs torch %.2e, vs demo bundle (torch.onnx) %.2e " + "over %d windows%n",
                vsTorch,
                vsDemo,
                tinyRefs.size());
    }

    @Test
    void tinyF32RowScoresMatchInMixedLengthPaddedBatches() {
        ModelSession s = sessions.get("tiny");
        ModelBundle b = s.bundle();
        assertThat(b.unsafeIndex(null)).isEqualTo(1);
        List<long[]> content =
                tinyRefs.stream().map(r -> Fixtures.longs(r.get("content_ids"))).toList();
        for (String config : new String[] {"512_256", "64_32"}) {
            String[] mt = config.split("_");
            Windowing w = new Windowing(Integer.parseInt(mt[0]), Integer.parseInt(mt[1]), b.bosId(), b.eosId());
            Classifier.Scores scores = new Classifier(s, w, new LengthBatcher(4096, 64), 1).scoreTokens(content);
            for (int i = 0; i < content.size(); i++) {
                assertThat(scores.pUnsafe[i])
                        .as("%s %s", config, tinyRefs.get(i).get("id").asText())
                        .isCloseTo(
                                tinyRefs.get(i)
                                        .get("windows")
                                        .get(config)
                                        .get("p_unsafe_max")
                                        .asDouble(),
                                within(TOL));
            }
            assertThat(scores.computedTokens).as("padding happened").isGreaterThan(scores.realTokens);
        }
    }

    @Test
    void f16AndBf16WeightsMatchTorchWithTheSameRoundedWeights() {
        for (String[] v : new String[][] {{"tiny-f16", "logits_f16"}, {"tiny-bf16", "logits_bf16"}}) {
            double worst = 0;
            double vsF32 = 0;
            for (JsonNode r : tinyRefs) {
                float[] got = run(sessions.get(v[0]), firstWindow(r));
                double d = maxAbsDiff(got, rounded.get(r.get("id").asText()).get(v[1]));
                assertThat(d)
                        .as(
                                "%s logits of %s vs torch with rounded weights",
                                v[0], r.get("id").asText())
                        .isLessThan(TOL);
                worst = Math.max(worst, d);
                vsF32 = Math.max(vsF32, maxAbsDiff(got, r.get("logits")));
            }
            System.out.printf(
                    Locale.ROOT,
                    "%s: max |logit diff| vs torch (same rounded weights) %.2e; " + "vs the float32 model %.2e%n",
                    v[0],
                    worst,
                    vsF32);
        }
    }

    @Test
    void fp16GraphsStayWithinTheDocumentedToleranceOfFloat32Torch() throws Exception {
        double worstTiny = 0;
        for (JsonNode r : tinyRefs) {
            float[] got = run(sessions.get("tiny-fp16"), firstWindow(r));
            JsonNode want = r.get("logits");
            double p = pUnsafe(got, 0);
            double wantP = pUnsafe(
                    new float[] {
                        (float) want.get(0).asDouble(), (float) want.get(1).asDouble()
                    },
                    0);
            assertThat(p).as("fp16 P(unsafe) of %s", r.get("id").asText()).isCloseTo(wantP, within(FP16_TOL));
            worstTiny = Math.max(worstTiny, Math.abs(p - wantP));
        }
        double worstP = 0;
        double worstHidden = 0;
        for (JsonNode r : indepRefs) {
            long[] ids = Fixtures.longs(r.get("ids"));
            float[] logits = run(sessions.get("independent-fp16"), ids);
            JsonNode want = r.get("logits");
            double wantP = pUnsafe(
                    new float[] {
                        (float) want.get(0).asDouble(), (float) want.get(1).asDouble()
                    },
                    0);
            worstP = Math.max(worstP, Math.abs(pUnsafe(logits, 0) - wantP));
            float[] h = run(sessions.get("independent-embedder-fp16"), ids);
            JsonNode hidden = r.get("last_hidden_state");
            int width = hidden.get(0).size();
            for (int t = 0; t < hidden.size(); t++) {
                for (int j = 0; j < width; j++) {
                    worstHidden = Math.max(
                            worstHidden,
                            Math.abs(h[t * width + j] - hidden.get(t).get(j).asDouble()));
                }
            }
        }
        assertThat(worstP).as("independent fp16 max |P(unsafe) diff|").isLessThan(FP16_TOL);
        assertThat(worstHidden)
                .as("independent fp16 max |hidden diff| (LayerNorm output, O(1) values)")
                .isLessThan(FP16_TOL);
        JsonNode manifest = new com.fasterxml.jackson.databind.ObjectMapper()
                .readTree(bundles.get("tiny-fp16")
                        .resolve(CheckpointConverter.MANIFEST)
                        .toFile());
        assertThat(manifest.get("onnx").get("precision").asText()).isEqualTo("float16");
        assertThat(java.nio.file.Files.size(bundles.get("tiny-fp16").resolve("model.onnx")))
                .as("fp16 model.onnx is about half the float32 one")
                .isLessThan(java.nio.file.Files.size(bundles.get("tiny").resolve("model.onnx")) * 6 / 10);
        System.out.printf(
                Locale.ROOT,
                "fp16 graphs vs float32 torch: tiny max |P(unsafe) diff| %.2e (%d windows); "
                        + "independent %.2e, hidden states %.2e%n",
                worstTiny,
                tinyRefs.size(),
                worstP,
                worstHidden);
    }

    @Test
    void tinyEmbedderMatchesTheSentenceEmbeddingReference() {
        List<JsonNode> refs = Fixtures.jsonLines(Fixtures.ROOT.resolve("reference/tiny_embedder.jsonl"));
        List<long[]> content =
                tinyRefs.stream().map(r -> Fixtures.longs(r.get("content_ids"))).toList();
        Encoder.Embeddings e =
                new Encoder(sessions.get("tiny-embedder"), 512, new LengthBatcher(4096, 32)).embedTokens(content);
        double worst = 0;
        for (int i = 0; i < refs.size(); i++) {
            JsonNode want = refs.get(i).get("embedding");
            for (int j = 0; j < want.size(); j++) {
                worst = Math.max(worst, Math.abs(e.vectors[i][j] - want.get(j).asDouble()));
            }
        }
        assertThat(worst).isLessThan(TOL);
        System.out.printf(Locale.ROOT, "tiny embedder: max |embedding diff| vs torch %.2e%n", worst);
    }

    @Test
    void independentCheckpointLogitsAndHiddenStatesMatchTorch() {
        ModelSession cls = sessions.get("independent");
        ModelSession enc = sessions.get("independent-embedder");
        assertThat(enc.outputWidth()).isEqualTo(48);
        double dLogits = 0;
        double dHidden = 0;
        for (JsonNode r : indepRefs) {
            long[] ids = Fixtures.longs(r.get("ids"));
            dLogits = Math.max(dLogits, maxAbsDiff(run(cls, ids), r.get("logits")));
            float[] h = run(enc, ids);
            JsonNode want = r.get("last_hidden_state");
            int width = want.get(0).size();
            for (int t = 0; t < want.size(); t++) {
                for (int j = 0; j < width; j++) {
                    dHidden = Math.max(
                            dHidden,
                            Math.abs(h[t * width + j] - want.get(t).get(j).asDouble()));
                }
            }
        }
        assertThat(dLogits).isLessThan(TOL);
        assertThat(dHidden).isLessThan(TOL);
        System.out.printf(
                Locale.ROOT,
                "independent: max |logit diff| %.2e, max |hidden diff| %.2e (batch 1, %d " + "sentences)%n",
                dLogits,
                dHidden,
                indepRefs.size());
    }

    @Test
    void independentCheckpointInOneRightPaddedBatch() {
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
        for (int i = 0; i < n; i++) {
            JsonNode r = indepRefs.get(i);
            assertThat(pUnsafe(logits, i)).isCloseTo(r.get("p_unsafe").asDouble(), within(TOL));
            for (int c = 0; c < 2; c++) {
                dLogits = Math.max(
                        dLogits,
                        Math.abs(logits[2 * i + c] - r.get("logits").get(c).asDouble()));
            }
            JsonNode want = r.get("last_hidden_state");
            int width = want.get(0).size();
            for (int t = 0; t < want.size(); t++) {
                for (int j = 0; j < width; j++) {
                    double got = hidden[(i * seq + t) * width + j];
                    dHidden =
                            Math.max(dHidden, Math.abs(got - want.get(t).get(j).asDouble()));
                }
            }
        }
        assertThat(dLogits).isLessThan(TOL);
        assertThat(dHidden).isLessThan(TOL);
        System.out.printf(
                Locale.ROOT,
                "independent, one padded batch %dx%d: max |logit diff| %.2e, " + "max |hidden diff| %.2e%n",
                n,
                seq,
                dLogits,
                dHidden);
    }

    @Test
    void bundleHasTheOptimumLayoutAndAManifest() throws IOException {
        Path out = bundles.get("independent");
        assertThat(Files.readString(out.resolve("config.json")))
                .isEqualTo(Files.readString(INDEPENDENT.resolve("config.json")));
        assertThat(Files.mismatch(out.resolve("tokenizer.json"), INDEPENDENT.resolve("tokenizer.json")))
                .isEqualTo(-1);
        assertThat(out.resolve(CheckpointConverter.EXTERNAL_DATA_FILE)).doesNotExist();
        assertThat(out.resolve("model.onnx.tmp")).doesNotExist();

        JsonNode m = Fixtures.json(out.resolve(CheckpointConverter.MANIFEST));
        assertThat(m.get("task").asText()).isEqualTo("classification");
        assertThat(m.get("architecture").asText()).isEqualTo("XLMRobertaForSequenceClassification");
        assertThat(m.at("/converter/converter_version").asText()).isEqualTo(CheckpointConverter.CONVERTER_VERSION);
        assertThat(m.at("/onnx/precision").asText()).isEqualTo("float32");
        assertThat(m.at("/onnx/opset").asInt()).isEqualTo(17);
        assertThat(m.at("/source/files/model.safetensors").asText())
                .isEqualTo(CheckpointConverter.sha256(INDEPENDENT.resolve("model.safetensors")));
        assertThat(m.at("/files/model.onnx").asText()).isEqualTo(CheckpointConverter.sha256(out.resolve("model.onnx")));
        assertThat(m.at("/source/dtypes/I64").asInt())
                .as("the position_ids buffer")
                .isEqualTo(1);
        List<String> unused = new ArrayList<>();
        m.at("/source/unused_tensors").forEach(u -> unused.add(u.asText()));
        assertThat(unused).containsExactly("roberta.embeddings.position_ids");
        assertThat(Fixtures.json(bundles.get("tiny-bf16").resolve(CheckpointConverter.MANIFEST))
                        .at("/source/dtypes/BF16")
                        .asInt())
                .isEqualTo(41);
        assertThat(Fixtures.json(bundles.get("tiny-embedder").resolve(CheckpointConverter.MANIFEST))
                        .at("/source/unused_tensors")
                        .size())
                .as("classifier.dense/out_proj weight and bias")
                .isEqualTo(4);

        OnnxMl.ModelProto proto;
        try (InputStream in = Files.newInputStream(out.resolve("model.onnx"))) {
            proto = OnnxMl.ModelProto.parseFrom(in);
        }
        assertThat(proto.getOpsetImport(0).getVersion()).isEqualTo(17);
        assertThat(proto.getGraph().getInputList())
                .extracting(OnnxMl.ValueInfoProto::getName)
                .containsExactly("input_ids", "attention_mask");
        assertThat(proto.getGraph()
                        .getInput(0)
                        .getType()
                        .getTensorType()
                        .getShape()
                        .getDimList())
                .extracting(OnnxMl.TensorShapeProto.Dimension::getDimParam)
                .containsExactly("batch_size", "sequence_length");
        assertThat(proto.getGraph().getOutputList())
                .extracting(OnnxMl.ValueInfoProto::getName)
                .containsExactly("logits");
    }

    @Test
    void externalDataGivesTheSameLogits() throws IOException {
        Path out = Fixtures.tempDir("converted-external-");
        CheckpointConverter.Result r =
                CheckpointConverter.convert(INDEPENDENT, out, null, CheckpointConverter.ExternalData.ALWAYS, false);
        assertThat(r.externalData()).isTrue();
        assertThat(Files.size(out.resolve("model.onnx"))).isLessThan(100_000);
        assertThat(Files.size(out.resolve(CheckpointConverter.EXTERNAL_DATA_FILE)))
                .isGreaterThan(1_000_000);
        try (ModelSession s =
                ModelSession.create(ModelBundle.open(out), ModelSession.Kind.CLASSIFIER, Device.CPU, 1, -1)) {
            for (JsonNode ref : indepRefs) {
                long[] ids = Fixtures.longs(ref.get("ids"));
                assertThat(run(s, ids)).containsExactly(run(sessions.get("independent"), ids));
            }
        }
    }
}
