package org.crest.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.crest.Fixtures;
import org.crest.ModelException;
import org.junit.jupiter.api.Test;

/**
 * What the reference safetensors implementation refuses is refused here too, weights that are NaN or infinite
 * never become a bundle, and convert checks config.json and tokenizer.json against each other and the weights.
 */
class CheckpointTrustTest {
    private static final String F32_2 = "\"dtype\": \"F32\", \"shape\": [2], \"data_offsets\": ";

    private static Path file(String header, int dataBytes) {
        Path f = Fixtures.tempDir("st-").resolve("model.safetensors");
        BrokenCheckpoints.writeRaw(f, header, new byte[dataBytes]);
        return f;
    }

    private static Path out() {
        return Fixtures.tempDir("bundle-");
    }

    private static CheckpointConverter.Result convert(Path ckpt, Path out) {
        return CheckpointConverter.convert(ckpt, out, null, CheckpointConverter.ExternalData.AUTO, false);
    }

    private static void oneLine(Throwable e) {
        assertThat(e.getMessage()).as("one line").doesNotContain("\n");
    }

    @Test
    void theReferenceLayoutRulesAreEnforced() {
        Path ok = file("{\"b\": {" + F32_2 + "[8, 16]}, \"a\": {" + F32_2 + "[0, 8]}}", 16);
        try (Safetensors st = Safetensors.open(ok)) {
            assertThat(st.tensors())
                    .as("header order does not matter, the offsets tile the data")
                    .hasSize(2);
            assertThat(st.floats("a")).hasSize(2);
        }
        Path overlap = file("{\"a\": {" + F32_2 + "[0, 8]}, \"b\": {" + F32_2 + "[4, 12]}}", 12);
        assertThatThrownBy(() -> Safetensors.open(overlap))
                .isInstanceOf(ModelException.class)
                .hasMessageContaining(
                        "Cannot read model.safetensors: the data of tensor b (data_offsets [4, 12]) overlaps "
                                + "tensor a (data_offsets [0, 8])")
                .satisfies(CheckpointTrustTest::oneLine);
        Path shared = file("{\"a\": {" + F32_2 + "[0, 8]}, \"b\": {" + F32_2 + "[0, 8]}}", 8);
        assertThatThrownBy(() -> Safetensors.open(shared)).hasMessageContaining("overlaps tensor a");
        Path gap = file("{\"a\": {" + F32_2 + "[0, 8]}, \"b\": {" + F32_2 + "[12, 20]}}", 20);
        assertThatThrownBy(() -> Safetensors.open(gap)).hasMessageContaining("4 unused bytes before tensor b");
        Path trailing = file("{\"a\": {" + F32_2 + "[0, 8]}}", 10);
        assertThatThrownBy(() -> Safetensors.open(trailing))
                .hasMessageContaining("2 trailing bytes after the last tensor (a)");
        Path duplicate = file("{\"a\": {" + F32_2 + "[0, 8]}, \"a\": {" + F32_2 + "[8, 16]}}", 16);
        assertThatThrownBy(() -> Safetensors.open(duplicate))
                .isInstanceOf(ModelException.class)
                .hasMessageContaining("the header names a tensor twice ('a')")
                .satisfies(CheckpointTrustTest::oneLine);
        Path outside = file("{\"a\": {" + F32_2 + "[0, 8]}}", 4);
        assertThatThrownBy(() -> Safetensors.open(outside))
                .hasMessageContaining("tensor a needs")
                .hasMessageContaining("(truncated?)");
        Path size = file("{\"a\": {\"dtype\": \"F32\", \"shape\": [3], \"data_offsets\": [0, 8]}}", 8);
        assertThatThrownBy(() -> Safetensors.open(size))
                .hasMessageContaining("F32[3] (12 bytes) but its data_offsets " + "span 8 bytes");
    }

    @Test
    void anOverlappingCheckpointIsNotConverted() throws IOException {
        // the tiny checkpoint with its last tensor pointing into the one before: weights silently shared
        Path dir = BrokenCheckpoints.withTensorBytes(BrokenCheckpoints.TINY, "classifier.out_proj.bias", b -> {});
        Path f = dir.resolve("model.safetensors");
        byte[] all = Files.readAllBytes(f);
        long headerLen = java.nio.ByteBuffer.wrap(all, 0, 8)
                .order(java.nio.ByteOrder.LITTLE_ENDIAN)
                .getLong();
        String header = new String(all, 8, (int) headerLen, java.nio.charset.StandardCharsets.UTF_8).trim();
        com.fasterxml.jackson.databind.node.ObjectNode h = (com.fasterxml.jackson.databind.node.ObjectNode)
                new com.fasterxml.jackson.databind.ObjectMapper().readTree(header);
        com.fasterxml.jackson.databind.node.ArrayNode offsets = (com.fasterxml.jackson.databind.node.ArrayNode)
                h.get("classifier.out_proj.bias").get("data_offsets");
        long begin = offsets.get(0).asLong();
        offsets.removeAll().add(begin - 8).add(begin);
        byte[] data = java.util.Arrays.copyOfRange(all, 8 + (int) headerLen, all.length - 8);
        BrokenCheckpoints.writeRaw(f, h.toString(), data);
        Path o = out();
        assertThatThrownBy(() -> convert(dir, o))
                .isInstanceOf(ModelException.class)
                .hasMessageContaining("the data of tensor classifier.out_proj.bias")
                .hasMessageContaining("overlaps tensor " + "classifier.out_proj.weight");
        assertThat(o.resolve("model.onnx")).doesNotExist();
    }

    @Test
    void nanOrInfiniteWeightsAreRefusedNamingTheTensor() {
        Path nan = BrokenCheckpoints.tinyWithValue("classifier.out_proj.bias", 1, Float.NaN);
        Path o = out();
        assertThatThrownBy(() -> convert(nan, o))
                .isInstanceOf(ModelException.class)
                .hasMessageContaining(
                        "tensor classifier.out_proj.bias (F32[2] in model.safetensors) holds 1 NaN or infinite "
                                + "value (the first at element 1)")
                .satisfies(CheckpointTrustTest::oneLine);
        assertThat(o.resolve("model.onnx")).as("nothing written").doesNotExist();
        // float16: 0x7e00 is a NaN; bfloat16: 0x7f80 is +infinity
        Path f16 = BrokenCheckpoints.withTensorBytes(
                BrokenCheckpoints.TINY_F16,
                "roberta.encoder.layer.1.attention.self.query.weight",
                b -> b.putShort(2 * 7, (short) 0x7e00));
        assertThatThrownBy(() -> convert(f16, out()))
                .hasMessageContaining(
                        "tensor roberta.encoder.layer.1.attention.self.query.weight (F16[64, 64] in model.safetensors) holds 1 NaN");
        Path bf16 = BrokenCheckpoints.withTensorBytes(
                BrokenCheckpoints.TINY_BF16, "roberta.embeddings.LayerNorm.weight", b -> b.putShort(0, (short) 0x7f80)
                        .putShort(2, (short) 0xff80));
        assertThatThrownBy(() -> convert(bf16, out()))
                .hasMessageContaining(
                        "tensor roberta.embeddings.LayerNorm.weight (BF16[64] in model.safetensors) holds 2 NaN or infinite values");
    }

    @Test
    void aWeightBeyondFloat16IsRefusedForAnFp16Bundle() {
        Path big = BrokenCheckpoints.tinyWithValue("classifier.dense.bias", 3, 1e6f);
        assertThatThrownBy(() -> CheckpointConverter.convert(
                        big,
                        out(),
                        null,
                        CheckpointConverter.ExternalData.AUTO,
                        false,
                        CheckpointConverter.Precision.FP16))
                .isInstanceOf(ModelException.class)
                .hasMessageContaining(
                        "tensor classifier.dense.bias has the value 1000000.0 at element 3, outside float16's "
                                + "range");
        assertThat(convert(big, out()).bundle()).as("float32 holds it").exists();
    }

    @Test
    void aConfigThatDisagreesWithTheWeightsIsRefusedNamingBoth() throws IOException {
        String config = Files.readString(BrokenCheckpoints.TINY.resolve("config.json"));
        Path oneLayer = BrokenCheckpoints.withFile(
                BrokenCheckpoints.TINY,
                "config.json",
                config.replace("\"num_hidden_layers\": 2", "\"num_hidden_layers\": 1"));
        assertThatThrownBy(() -> convert(oneLayer, out()))
                .isInstanceOf(ModelException.class)
                .hasMessageContaining("config.json has num_hidden_layers 1 but model.safetensors has 2 encoder layers")
                .satisfies(CheckpointTrustTest::oneLine);
        Path threeLayers = BrokenCheckpoints.withFile(
                BrokenCheckpoints.TINY,
                "config.json",
                config.replace("\"num_hidden_layers\": 2", "\"num_hidden_layers\": 3"));
        assertThatThrownBy(() -> convert(threeLayers, out()))
                .hasMessageContaining("config.json has num_hidden_layers 3 but model.safetensors has 2 encoder layers");
        Path hidden = BrokenCheckpoints.withFile(
                BrokenCheckpoints.TINY, "config.json", config.replace("\"hidden_size\": 64", "\"hidden_size\": 32"));
        assertThatThrownBy(() -> convert(hidden, out()))
                .hasMessageContaining("config.json has hidden_size 32 but "
                        + "model.safetensors has roberta.embeddings.word_embeddings.weight of shape [8002, 64]");
    }

    @Test
    void aBrokenTokenizerIsRefusedAtConvert() {
        Path html = BrokenCheckpoints.withFile(BrokenCheckpoints.TINY, "tokenizer.json", "<html>rate limited</html>");
        Path o = out();
        assertThatThrownBy(() -> convert(html, o))
                .isInstanceOf(ModelException.class)
                .hasMessageContaining(
                        "Cannot convert " + html + ": " + html.resolve("tokenizer.json") + " is not valid JSON")
                .satisfies(CheckpointTrustTest::oneLine);
        assertThat(o.resolve("model.onnx")).doesNotExist();
        Path empty = BrokenCheckpoints.withFile(BrokenCheckpoints.TINY, "tokenizer.json", "{}");
        assertThatThrownBy(() -> convert(empty, out()))
                .hasMessageContaining("tokenizer.json is not a tokenizer: it " + "has no model.vocab");
        Path bigger = BrokenCheckpoints.withFile(
                BrokenCheckpoints.TINY,
                "tokenizer.json",
                "{\"added_tokens\": [{\"id\": 9000, \"content\": \"<x>\"}], \"model\": {\"type\": \"Unigram\", "
                        + "\"vocab\": [[\"<s>\", 0.0]]}}");
        assertThatThrownBy(() -> convert(bigger, out()))
                .hasMessageContaining("tokenizer.json has 9001 token ids but ")
                .hasMessageContaining("config.json has vocab_size 8002");
        Path odd = BrokenCheckpoints.withFile(
                BrokenCheckpoints.TINY,
                "tokenizer.json",
                "{\"model\": {\"type\": \"NoSuchModel\", \"vocab\": [[\"a\", 0.0]]}}");
        assertThatThrownBy(() -> convert(odd, out()))
                .hasMessageContaining("the tokenizer library cannot load")
                .satisfies(CheckpointTrustTest::oneLine);
    }
}
