package org.crest.model;

import static org.assertj.core.api.Assertions.assertThat;

import ai.onnx.proto.OnnxMl;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
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
 * {@code --precision int8}: the per-channel quantizer, and int8 bundles of the checkpoint fixtures run with the
 * pipeline's own Classifier against the float32 bundles of the same checkpoints (the tolerance of
 * docs/MODELS.md). Measured differences are printed.
 */
class Int8ConverterTest {
    /**
     * int8 vs float32 on the tiny fixtures (hidden 64, 48), documented in docs/MODELS.md: max |ΔP(unsafe)| per row.
     * Small models are the hard case (few terms per dot product to average the rounding out): rounding the weights
     * alone moves the tiny model's P(unsafe) by up to 2.7e-2, the run-time activation quantization adds the rest.
     */
    static final double INT8_TOL = 0.15;
    /** ... and the mean |ΔP(unsafe)| over the rows. */
    static final double INT8_MEAN_TOL = 3e-2;

    private static final Map<CheckpointConverter.Precision, Path> tiny =
            new EnumMap<>(CheckpointConverter.Precision.class);
    private static final Map<CheckpointConverter.Precision, ModelSession> sessions =
            new EnumMap<>(CheckpointConverter.Precision.class);
    private static Path independentInt8;
    private static Path independentFp32;
    private static List<JsonNode> tinyRefs;

    @BeforeAll
    static void convert() {
        tinyRefs = Fixtures.jsonLines(Fixtures.CLASSIFIER_REFERENCE);
        for (CheckpointConverter.Precision p :
                List.of(CheckpointConverter.Precision.FP32, CheckpointConverter.Precision.INT8)) {
            Path out = Fixtures.tempDir("converted-tiny-" + p + "-");
            CheckpointConverter.convert(
                    CheckpointConverterTest.TINY, out, null, CheckpointConverter.ExternalData.AUTO, false, p);
            tiny.put(p, out);
            sessions.put(
                    p, ModelSession.create(ModelBundle.open(out), ModelSession.Kind.CLASSIFIER, Device.CPU, 1, -1));
        }
        independentFp32 = Fixtures.tempDir("converted-independent-fp32-");
        CheckpointConverter.convert(
                CheckpointConverterTest.INDEPENDENT,
                independentFp32,
                null,
                CheckpointConverter.ExternalData.AUTO,
                false,
                CheckpointConverter.Precision.FP32);
        independentInt8 = Fixtures.tempDir("converted-independent-int8-");
        CheckpointConverter.convert(
                CheckpointConverterTest.INDEPENDENT,
                independentInt8,
                null,
                CheckpointConverter.ExternalData.ALWAYS,
                false,
                CheckpointConverter.Precision.INT8);
    }

    @AfterAll
    static void close() {
        sessions.values().forEach(ModelSession::close);
    }

    @Test
    void perChannelQuantizationIsSymmetricAndWithinHalfAStep() {
        // W [rows = 3 outputs, cols = 4 inputs]: a normal row, an all-zero row, a row with one large value
        float[] w = {0.5f, -1.0f, 0.25f, 0.126f, 0, 0, 0, 0, 100f, -3f, 0.1f, -100f};
        XlmRobertaOnnx.QuantizedWeight q = XlmRobertaOnnx.quantizePerRow(w, 3, 4);
        assertThat(q.scales()).containsExactly(1.0f / 127, 1f, 100f / 127);
        for (int r = 0; r < 3; r++) {
            for (int c = 0; c < 4; c++) {
                byte v = q.values()[c * 3 + r]; // stored transposed: [in, out]
                assertThat((int) v).isBetween(-127, 127);
                assertThat((double) v * q.scales()[r])
                        .as("W[%d,%d]", r, c)
                        .isCloseTo(w[r * 4 + c], org.assertj.core.api.Assertions.within(q.scales()[r] / 2 + 1e-7));
            }
        }
        assertThat(q.values()[1 * 3]).as("the row's largest |w| maps to -127").isEqualTo((byte) -127);
        assertThat(q.values()[3 * 3 + 2]).isEqualTo((byte) -127);
        assertThat(q.values()[0 * 3 + 2]).isEqualTo((byte) 127);
    }

    @Test
    void tinyInt8RowScoresAgreeWithFloat32WithinTheTolerance() {
        ModelSession fp32 = sessions.get(CheckpointConverter.Precision.FP32);
        ModelSession int8 = sessions.get(CheckpointConverter.Precision.INT8);
        ModelBundle b = fp32.bundle();
        List<long[]> content =
                tinyRefs.stream().map(r -> Fixtures.longs(r.get("content_ids"))).toList();
        for (String config : new String[] {"512_256", "64_32"}) {
            String[] mt = config.split("_");
            Windowing w = new Windowing(Integer.parseInt(mt[0]), Integer.parseInt(mt[1]), b.bosId(), b.eosId());
            LengthBatcher batcher = new LengthBatcher(4096, 64);
            Classifier.Scores want = new Classifier(fp32, w, batcher, 1).scoreTokens(content);
            Classifier.Scores got = new Classifier(int8, w, batcher, 1).scoreTokens(content);
            double worst = 0;
            double sum = 0;
            int flips = 0;
            for (int i = 0; i < content.size(); i++) {
                worst = Math.max(worst, Math.abs(got.pUnsafe[i] - want.pUnsafe[i]));
                sum += Math.abs(got.pUnsafe[i] - want.pUnsafe[i]);
                if ((got.pUnsafe[i] >= 0.5) != (want.pUnsafe[i] >= 0.5)) {
                    flips++;
                }
            }
            // the float32 bundle is the reference: it matches torch within 1e-4 (CheckpointConverterTest)
            assertThat(worst)
                    .as("%s: max |ΔP(unsafe)| int8 vs float32 over %d rows", config, content.size())
                    .isLessThan(INT8_TOL)
                    .isGreaterThan(0.0);
            assertThat(sum / content.size()).as("%s: mean |ΔP(unsafe)|", config).isLessThan(INT8_MEAN_TOL);
            assertThat(flips)
                    .as("%s: label flips at 0.5 (at most 5%% of the rows)", config)
                    .isLessThanOrEqualTo(content.size() / 20);
            System.out.printf(
                    Locale.ROOT,
                    "tiny int8 vs float32, windows %s: max |ΔP(unsafe)| %.2e, mean %.2e over %d "
                            + "rows, %d label flips at 0.5%n",
                    config,
                    worst,
                    sum / content.size(),
                    content.size(),
                    flips);
        }
    }

    @Test
    void independentInt8WithExternalDataAgreesWithFloat32() {
        List<JsonNode> refs = Fixtures.jsonLines(Fixtures.ROOT.resolve("reference/checkpoint_independent.jsonl"));
        double worst = 0;
        try (ModelSession a = ModelSession.create(
                        ModelBundle.open(independentFp32), ModelSession.Kind.CLASSIFIER, Device.CPU, 1, -1);
                ModelSession q = ModelSession.create(
                        ModelBundle.open(independentInt8), ModelSession.Kind.CLASSIFIER, Device.CPU, 1, -1)) {
            for (JsonNode r : refs) {
                long[] ids = Fixtures.longs(r.get("ids"));
                worst = Math.max(
                        worst,
                        Math.abs(CheckpointConverterTest.pUnsafe(CheckpointConverterTest.run(q, ids), 0)
                                - CheckpointConverterTest.pUnsafe(CheckpointConverterTest.run(a, ids), 0)));
            }
        }
        assertThat(worst).isLessThan(INT8_TOL);
        assertThat(independentInt8.resolve(CheckpointConverter.EXTERNAL_DATA_FILE))
                .exists();
        System.out.printf(
                Locale.ROOT,
                "independent int8 (external data) vs float32: max |ΔP(unsafe)| %.2e over %d " + "sentences%n",
                worst,
                refs.size());
    }

    @Test
    void int8BundleRecordsItsPrecisionAndQuantizesOnlyTheEncoderLinears() throws IOException {
        Path out = tiny.get(CheckpointConverter.Precision.INT8);
        JsonNode m = Fixtures.json(out.resolve(CheckpointConverter.MANIFEST));
        assertThat(m.at("/onnx/precision").asText()).isEqualTo("int8");
        OnnxMl.ModelProto proto;
        try (InputStream in = Files.newInputStream(out.resolve("model.onnx"))) {
            proto = OnnxMl.ModelProto.parseFrom(in);
        }
        assertThat(proto.getOpsetImportList())
                .extracting(OnnxMl.OperatorSetIdProto::getDomain)
                .containsExactlyInAnyOrder("", OnnxGraph.MS_DOMAIN);
        assertThat(proto.getGraph().getNodeList())
                .filteredOn(n -> n.getOpType().equals("DynamicQuantizeMatMul"))
                .hasSize(6 * 2)
                .allSatisfy(n -> assertThat(n.getDomain()).isEqualTo(OnnxGraph.MS_DOMAIN));
        int layers = 2;
        long quantized = proto.getGraph().getInitializerList().stream()
                .filter(t -> t.getDataType() == OnnxMl.TensorProto.DataType.INT8_VALUE)
                .count();
        assertThat(quantized).as("6 Linear weights per layer").isEqualTo(6L * layers);
        assertThat(proto.getGraph().getInitializerList())
                .filteredOn(t -> t.getName().contains("embeddings")
                        || t.getName().contains("LayerNorm")
                        || t.getName().startsWith("classifier."))
                .isNotEmpty()
                .allSatisfy(t ->
                        assertThat(t.getDataType()).as(t.getName()).isEqualTo(OnnxMl.TensorProto.DataType.FLOAT_VALUE));
        // the two float32 MatMuls left per layer are attention's (Q·Kᵀ, P·V), plus the classifier head's two
        long floatMatMuls = proto.getGraph().getNodeList().stream()
                .filter(n -> n.getOpType().equals("MatMul"))
                .count();
        assertThat(floatMatMuls).isEqualTo(2L * layers + 2);
        assertThat(Files.size(out.resolve("model.onnx")))
                .isLessThan(
                        Files.size(tiny.get(CheckpointConverter.Precision.FP32).resolve("model.onnx")));
    }
}
