package org.crest.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.BiFunction;
import org.crest.Fixtures;
import org.crest.ModelException;
import org.crest.cli.Main;
import org.junit.jupiter.api.Test;

/** Broken checkpoints and safetensors files: each fails with a message that says what is wrong. */
class CheckpointErrorsTest {
    private static final Path TINY = CheckpointConverterTest.TINY;

    /** A stored tensor for {@link #write}: dtype, shape and raw little-endian bytes. */
    record Entry(String dtype, long[] shape, byte[] data) {}

    /** Writes a safetensors file: u64 LE header length, JSON header (padded to 8), data in entry order. */
    static void write(Path path, Map<String, Entry> tensors) throws IOException {
        ObjectMapper json = new ObjectMapper();
        ObjectNode header = json.createObjectNode();
        header.putObject("__metadata__").put("format", "pt");
        long offset = 0;
        for (Map.Entry<String, Entry> e : tensors.entrySet()) {
            ObjectNode t = header.putObject(e.getKey());
            t.put("dtype", e.getValue().dtype());
            var shape = t.putArray("shape");
            for (long d : e.getValue().shape()) {
                shape.add(d);
            }
            t.putArray("data_offsets").add(offset).add(offset + e.getValue().data().length);
            offset += e.getValue().data().length;
        }
        byte[] h = json.writeValueAsString(header).getBytes(StandardCharsets.UTF_8);
        int padded = (h.length + 7) / 8 * 8;
        try (OutputStream out = Files.newOutputStream(path)) {
            out.write(ByteBuffer.allocate(8)
                    .order(ByteOrder.LITTLE_ENDIAN)
                    .putLong(padded)
                    .array());
            out.write(h);
            out.write(" ".repeat(padded - h.length).getBytes(StandardCharsets.US_ASCII));
            for (Entry e : tensors.values()) {
                out.write(e.data());
            }
        }
    }

    /** A copy of checkpoint-tiny whose tensors went through {@code edit} (return null to drop one). */
    static Path tinyWith(BiFunction<String, Entry, Entry> edit) throws IOException {
        Path dir = Fixtures.tempDir("ckpt-");
        Files.copy(TINY.resolve("config.json"), dir.resolve("config.json"));
        Files.copy(TINY.resolve("tokenizer.json"), dir.resolve("tokenizer.json"));
        Map<String, Entry> out = new LinkedHashMap<>();
        try (Safetensors st = Safetensors.open(TINY.resolve("model.safetensors"))) {
            for (Safetensors.Tensor t : st.tensors().values()) {
                Entry e = edit.apply(t.name(), new Entry(t.dtype(), t.shape(), st.rawBytes(t)));
                if (e != null) {
                    out.put(t.name(), e);
                }
            }
        }
        write(dir.resolve("model.safetensors"), out);
        return dir;
    }

    private static Path out() {
        return Fixtures.tempDir("bundle-");
    }

    private static void convert(Path ckpt) {
        CheckpointConverter.convert(ckpt, out(), null, CheckpointConverter.ExternalData.AUTO, false);
    }

    @Test
    void aTruncatedFileNamesTheTensorAndTheSizes() throws IOException {
        Path dir = tinyWith((n, e) -> e);
        Path f = dir.resolve("model.safetensors");
        long size = Files.size(f);
        byte[] all = Files.readAllBytes(f);
        Files.write(f, java.util.Arrays.copyOf(all, all.length - 4)); // half of the last tensor, out_proj.bias
        assertThatThrownBy(() -> convert(dir))
                .isInstanceOf(ModelException.class)
                .hasMessageContaining("Cannot read model.safetensors: tensor classifier.out_proj.bias needs " + size
                        + " bytes but the file has " + (size - 4) + " (truncated?)");
        Files.write(f, java.util.Arrays.copyOf(all, 100));
        assertThatThrownBy(() -> Safetensors.open(f))
                .hasMessageContaining("its header claims")
                .hasMessageContaining("but the file has 100");
        Files.write(f, new byte[3]);
        assertThatThrownBy(() -> Safetensors.open(f)).hasMessageContaining("too short for a safetensors header");
    }

    @Test
    void anUnsupportedDtypeOfAUsedTensorIsNamed() throws IOException {
        Path dir =
                tinyWith((n, e) -> n.equals("classifier.out_proj.weight") ? new Entry("Q4K", e.shape(), e.data()) : e);
        assertThatThrownBy(() -> convert(dir))
                .isInstanceOf(ModelException.class)
                .hasMessageContaining("classifier.out_proj.weight has dtype Q4K, expected F32, F16, BF16 or F64");
        Path ints = tinyWith((n, e) -> n.equals("classifier.dense.bias") ? new Entry("I32", e.shape(), e.data()) : e);
        assertThatThrownBy(() -> convert(ints)).hasMessageContaining("classifier.dense.bias has dtype I32");
    }

    @Test
    void aSizeThatDoesNotMatchTheShapeIsRefused() throws IOException {
        Path dir = tinyWith((n, e) ->
                n.equals("classifier.dense.bias") ? new Entry("F32", new long[] {e.shape()[0] + 1}, e.data()) : e);
        assertThatThrownBy(() -> convert(dir))
                .hasMessageContaining(
                        "tensor classifier.dense.bias is F32[65] (260 bytes) but its data_offsets span 256 bytes");
    }

    @Test
    void missingTensorsAndWrongShapesAreNamed() throws IOException {
        Path noLayer = tinyWith((n, e) -> n.startsWith("roberta.encoder.layer.1.output.dense.") ? null : e);
        assertThatThrownBy(() -> convert(noLayer))
                .isInstanceOf(ModelException.class)
                .hasMessageContaining("has no tensor roberta.encoder.layer.1.output.dense.weight")
                .hasMessageContaining("2 layers");
        Path noHead = tinyWith((n, e) -> n.startsWith("classifier.") ? null : e);
        assertThatThrownBy(() -> convert(noHead))
                .hasMessageContaining("has no classifier.out_proj.weight")
                .hasMessageContaining("--task embedding");
        CheckpointConverter.convert(
                noHead,
                out(),
                CheckpointConverter.Task.EMBEDDING,
                CheckpointConverter.ExternalData.AUTO,
                false); // the encoder alone still converts
        Path notXlmr = tinyWith((n, e) -> e);
        Files.writeString(
                notXlmr.resolve("config.json"),
                Files.readString(notXlmr.resolve("config.json"))
                        .replace("\"num_attention_heads\": 4", "\"num_attention_heads\": 3"));
        assertThatThrownBy(() -> convert(notXlmr))
                .hasMessageContaining("hidden_size 64 is not a multiple of " + "num_attention_heads 3");
        Path wrongVocab = tinyWith((n, e) -> e);
        Files.writeString(
                wrongVocab.resolve("config.json"),
                Files.readString(wrongVocab.resolve("config.json"))
                        .replace("\"vocab_size\": 8002", "\"vocab_size\": 9000"));
        assertThatThrownBy(() -> convert(wrongVocab))
                .hasMessageContaining("tensor roberta.embeddings.word_embeddings.weight has shape [8002, 64], expected "
                        + "[9000, 64]");
    }

    @Test
    void pytorchBinOnlyPointsToOptimum() throws IOException {
        Path dir = Fixtures.tempDir("ckpt-bin-");
        Files.copy(TINY.resolve("config.json"), dir.resolve("config.json"));
        Files.copy(TINY.resolve("tokenizer.json"), dir.resolve("tokenizer.json"));
        Files.write(dir.resolve("pytorch_model.bin"), new byte[] {0x50, 0x4b});
        assertThatThrownBy(() -> convert(dir))
                .isInstanceOf(ModelException.class)
                .hasMessageContaining("has pytorch_model.bin but no model.safetensors")
                .hasMessageContaining("optimum-cli export onnx --model " + dir);
    }

    @Test
    void otherMissingFiles() throws IOException {
        Path dir = Fixtures.tempDir("ckpt-empty-");
        assertThatThrownBy(() -> convert(dir)).hasMessageContaining("has no config.json");
        Files.copy(TINY.resolve("config.json"), dir.resolve("config.json"));
        assertThatThrownBy(() -> convert(dir)).hasMessageContaining("has no model.safetensors");
        Files.copy(TINY.resolve("model.safetensors"), dir.resolve("model.safetensors"));
        Files.writeString(dir.resolve("sentencepiece.bpe.model"), "x");
        assertThatThrownBy(() -> convert(dir))
                .hasMessageContaining("has no tokenizer.json (it has " + "sentencepiece.bpe.model only");
    }

    @Test
    void anExistingBundleIsKeptUnlessOverwrite() throws IOException {
        Path o = out();
        CheckpointConverter.convert(
                CheckpointConverterTest.INDEPENDENT, o, null, CheckpointConverter.ExternalData.AUTO, false);
        assertThatThrownBy(
                        () -> CheckpointConverter.convert(TINY, o, null, CheckpointConverter.ExternalData.AUTO, false))
                .hasMessageContaining("already has a model.onnx (pass --overwrite");
        CheckpointConverter.convert(TINY, o, null, CheckpointConverter.ExternalData.AUTO, true);
        assertThat(Fixtures.json(o.resolve("config.json")).get("vocab_size").asInt())
                .isEqualTo(8002);
    }

    @Test
    void shardedCheckpointsAreRead() throws IOException {
        Path dir = Fixtures.tempDir("ckpt-sharded-");
        Files.copy(TINY.resolve("config.json"), dir.resolve("config.json"));
        Files.copy(TINY.resolve("tokenizer.json"), dir.resolve("tokenizer.json"));
        Map<String, Entry> a = new LinkedHashMap<>();
        Map<String, Entry> b = new LinkedHashMap<>();
        ObjectNode index = new ObjectMapper().createObjectNode();
        ObjectNode map = index.putObject("weight_map");
        try (Safetensors st = Safetensors.open(TINY.resolve("model.safetensors"))) {
            for (Safetensors.Tensor t : st.tensors().values()) {
                boolean first = t.name().startsWith("roberta.embeddings.");
                (first ? a : b).put(t.name(), new Entry(t.dtype(), t.shape(), st.rawBytes(t)));
                map.put(t.name(), first ? "model-00001-of-00002.safetensors" : "model-00002-of-00002.safetensors");
            }
        }
        write(dir.resolve("model-00001-of-00002.safetensors"), a);
        write(dir.resolve("model-00002-of-00002.safetensors"), b);
        Files.writeString(dir.resolve(Checkpoint.WEIGHTS_INDEX), index.toString());
        Path o = out();
        CheckpointConverter.convert(dir, o, null, CheckpointConverter.ExternalData.AUTO, false);
        Path single = out();
        CheckpointConverter.convert(TINY, single, null, CheckpointConverter.ExternalData.AUTO, false);
        assertThat(graph(o)).as("the same graph as from the single file").isEqualTo(graph(single));
        java.util.List<String> files = new java.util.ArrayList<>();
        Fixtures.json(o.resolve(CheckpointConverter.MANIFEST))
                .at("/source/files")
                .fieldNames()
                .forEachRemaining(files::add);
        assertThat(files)
                .containsExactly(
                        "config.json",
                        "tokenizer.json",
                        Checkpoint.WEIGHTS_INDEX,
                        "model-00001-of-00002.safetensors",
                        "model-00002-of-00002.safetensors");
    }

    private static ai.onnx.proto.OnnxMl.GraphProto graph(Path bundle) throws IOException {
        try (var in = Files.newInputStream(bundle.resolve("model.onnx"))) {
            return ai.onnx.proto.OnnxMl.ModelProto.parseFrom(in).getGraph();
        }
    }

    @Test
    void halfPrecisionDecodesExactly() {
        assertThat(Safetensors.halfToFloat((short) 0x3c00)).isEqualTo(1.0f);
        assertThat(Safetensors.halfToFloat((short) 0xc000)).isEqualTo(-2.0f);
        assertThat(Safetensors.halfToFloat((short) 0x7bff)).isEqualTo(65504.0f);
        assertThat(Safetensors.halfToFloat((short) 0x0001)).isEqualTo(0x1p-24f); // smallest subnormal
        assertThat(Safetensors.halfToFloat((short) 0x03ff)).isEqualTo(1023 * 0x1p-24f);
        assertThat(Safetensors.halfToFloat((short) 0x0400)).isEqualTo(0x1p-14f); // smallest normal
        assertThat(Float.floatToRawIntBits(Safetensors.halfToFloat((short) 0x8000)))
                .isEqualTo(0x80000000);
        assertThat(Safetensors.halfToFloat((short) 0x7c00)).isEqualTo(Float.POSITIVE_INFINITY);
        assertThat(Safetensors.halfToFloat((short) 0xfc00)).isEqualTo(Float.NEGATIVE_INFINITY);
        assertThat(Safetensors.halfToFloat((short) 0x7e00)).isNaN();
        assertThat(Safetensors.halfToFloat((short) 0x3555)).isEqualTo(0.333251953125f);
    }

    @Test
    void theCliConvertsAndMapsErrorsToExitCodes() throws IOException {
        Path o = out();
        assertThat(Main.execute("model", "convert", TINY.toString(), "--output", o.toString(), "--task", "embedding"))
                .isEqualTo(0);
        assertThat(o.resolve("model.onnx")).exists();
        assertThat(Fixtures.json(o.resolve(CheckpointConverter.MANIFEST))
                        .get("task")
                        .asText())
                .isEqualTo("embedding");
        assertThat(Main.execute("model", "convert", TINY.toString(), "--output", o.toString()))
                .as("exists")
                .isEqualTo(2);
        assertThat(Main.execute("model", "convert", TINY.toString(), "--output", out().toString(), "--task", "mlm"))
                .isEqualTo(2);
        Path bin = Fixtures.tempDir("ckpt-bin-");
        Files.copy(TINY.resolve("config.json"), bin.resolve("config.json"), StandardCopyOption.REPLACE_EXISTING);
        Files.write(bin.resolve("pytorch_model.bin"), new byte[1]);
        assertThat(Main.execute("model", "convert", bin.toString(), "--output", out().toString()))
                .isEqualTo(2);
        assertThat(Main.execute("model")).isEqualTo(2);
    }
}
