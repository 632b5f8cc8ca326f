package org.crest.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import org.crest.Fixtures;
import org.crest.ModelException;
import org.crest.inference.Device;
import org.crest.inference.ModelBundle;
import org.crest.inference.ModelSession;
import org.junit.jupiter.api.Test;

/**
 * {@code crest model random}: a checkpoint the converter accepts, of the requested shape, with HF's initialisation;
 * and its plain and fused bundles give the same logits on a right-padded batch (a second, independent check of
 * {@code --graph fused} on weights no fixture has).
 */
class RandomCheckpointTest {
    @Test
    void aRandomCheckpointConvertsAndItsFusedAndPlainBundlesAgree() throws Exception {
        Path ckpt = Fixtures.tempDir("random-ckpt-");
        RandomCheckpoint.Shape shape = new RandomCheckpoint.Shape(3, 96, 6, 8002);
        long bytes =
                RandomCheckpoint.write(ckpt, shape, CheckpointConverterTest.TINY.resolve(Checkpoint.TOKENIZER), 11);
        assertThat(bytes).isEqualTo(Files.size(ckpt.resolve(Checkpoint.WEIGHTS)));
        assertThat(bytes).isBetween(shape.parameters() * 4, shape.parameters() * 4 + 65_536);
        JsonNode cfg = Fixtures.json(ckpt.resolve(Checkpoint.CONFIG));
        assertThat(cfg.get("num_hidden_layers").asInt()).isEqualTo(3);
        assertThat(cfg.get("intermediate_size").asInt()).isEqualTo(384);
        try (Checkpoint c = Checkpoint.open(ckpt)) {
            float[] ln = floats(c, "roberta.encoder.layer.2.output.LayerNorm.weight");
            assertThat(ln).containsOnly(1f);
            float[] w = floats(c, "roberta.encoder.layer.0.attention.self.query.weight");
            double sd = Math.sqrt(Arrays.stream(toDoubles(w)).map(v -> v * v).sum() / w.length);
            assertThat(sd).as("N(0, 0.02)").isBetween(0.019, 0.021);
        }
        Path plain = Fixtures.tempDir("random-plain-");
        Path fused = Fixtures.tempDir("random-fused-");
        CheckpointConverter.convert(
                ckpt,
                plain,
                null,
                CheckpointConverter.ExternalData.AUTO,
                false,
                CheckpointConverter.Precision.FP32,
                CheckpointConverter.Graph.PLAIN);
        CheckpointConverter.convert(
                ckpt,
                fused,
                null,
                CheckpointConverter.ExternalData.ALWAYS,
                false,
                CheckpointConverter.Precision.FP32,
                CheckpointConverter.Graph.FUSED);
        int n = 3;
        int seq = 40;
        long[] ids = new long[n * seq];
        long[] mask = new long[n * seq];
        Arrays.fill(ids, 1L);
        int[] lengths = {40, 17, 3};
        java.util.SplittableRandom rng = new java.util.SplittableRandom(3);
        for (int i = 0; i < n; i++) {
            ids[i * seq] = 0;
            for (int t = 1; t < lengths[i] - 1; t++) {
                ids[i * seq + t] = 5 + rng.nextInt(7000);
            }
            ids[i * seq + lengths[i] - 1] = 2;
            Arrays.fill(mask, i * seq, i * seq + lengths[i], 1L);
        }
        double worst = 0;
        try (ModelSession a =
                        ModelSession.create(ModelBundle.open(plain), ModelSession.Kind.CLASSIFIER, Device.CPU, 1, -1);
                ModelSession b =
                        ModelSession.create(ModelBundle.open(fused), ModelSession.Kind.CLASSIFIER, Device.CPU, 1, -1)) {
            float[] la = a.run(ids, mask, n, seq);
            float[] lb = b.run(ids, mask, n, seq);
            for (int i = 0; i < la.length; i++) {
                worst = Math.max(worst, Math.abs(la[i] - lb[i]));
            }
        }
        assertThat(worst).isLessThan(CheckpointConverterTest.TOL);
        System.out.printf(Locale.ROOT, "random 3x96 checkpoint: fused vs plain max |logit diff| %.2e%n", worst);
    }

    @Test
    void aShapeWhoseHiddenSizeIsNotAMultipleOfTheHeadsIsRefused() {
        assertThatThrownBy(() -> new RandomCheckpoint.Shape(2, 100, 6, 8002))
                .isInstanceOf(ModelException.class)
                .hasMessageContaining("multiple of the heads");
    }

    private static float[] floats(Checkpoint c, String name) {
        byte[] b = c.float32Bytes(name);
        float[] out = new float[b.length / 4];
        java.nio.ByteBuffer.wrap(b)
                .order(java.nio.ByteOrder.LITTLE_ENDIAN)
                .asFloatBuffer()
                .get(out);
        return out;
    }

    private static double[] toDoubles(float[] f) {
        double[] d = new double[f.length];
        for (int i = 0; i < f.length; i++) {
            d[i] = f[i];
        }
        return d;
    }
}
