package org.crest.model;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;
import org.crest.ModelException;

/**
 * A random-weight XLM-R classification checkpoint of a given shape (config.json, model.safetensors in F32, a copy of
 * a tokenizer.json), for benchmarks on machines without PyTorch or Python: the same layout and initialisation as
 * Hugging Face's (weights N(0, 0.02), LayerNorm weight 1 and bias 0, other biases 0). Its scores mean nothing; its
 * speed is the real model's. {@code crest model random} writes one; {@code crest model convert} turns it into a
 * bundle.
 */
public final class RandomCheckpoint {
    /** Layers, hidden size, attention heads and vocabulary of a named shape. */
    public record Shape(int layers, int hidden, int heads, int vocab) {
        /** xlm-roberta-base: 12 layers, hidden 768, 12 heads, 250,002 tokens (278M parameters, 1.1 GB in F32). */
        public static final Shape BASE = new Shape(12, 768, 12, 250_002);
        /** xlm-roberta-large: 24 layers, hidden 1024, 16 heads. */
        public static final Shape LARGE = new Shape(24, 1024, 16, 250_002);
        /** A tiny model for tests and dry runs: 2 layers, hidden 64, 4 heads. */
        public static final Shape TINY = new Shape(2, 64, 4, 8002);

        public Shape {
            if (layers < 1 || hidden < 1 || heads < 1 || vocab < 4 || hidden % heads != 0) {
                throw new ModelException("Cannot make a checkpoint of " + layers + " layers, hidden " + hidden + ", "
                        + heads + " heads, vocabulary " + vocab
                        + ": each must be positive and the hidden size a multiple of the heads");
            }
        }

        public long parameters() {
            long h = hidden;
            long perLayer = 4 * (h * h + h) + 2 * (4 * h * h) + 4 * h + h + 4 * h;
            return vocab * h + 514 * h + h + 2 * h + layers * perLayer + h * h + h + 2 * h + 2;
        }
    }

    private RandomCheckpoint() {}

    /** Writes the checkpoint to {@code out} (created if needed) and returns the bytes of model.safetensors. */
    public static long write(Path out, Shape s, Path tokenizer, long seed) {
        if (!Files.isRegularFile(tokenizer)) {
            throw new ModelException("Cannot make a checkpoint: tokenizer " + tokenizer + " is not a file");
        }
        Map<String, long[]> shapes = new LinkedHashMap<>();
        long h = s.hidden();
        long i = 4 * h;
        String e = "roberta.embeddings.";
        shapes.put(e + "word_embeddings.weight", new long[] {s.vocab(), h});
        shapes.put(e + "position_embeddings.weight", new long[] {514, h});
        shapes.put(e + "token_type_embeddings.weight", new long[] {1, h});
        shapes.put(e + "LayerNorm.weight", new long[] {h});
        shapes.put(e + "LayerNorm.bias", new long[] {h});
        for (int l = 0; l < s.layers(); l++) {
            String p = "roberta.encoder.layer." + l + ".";
            for (String n : new String[] {"query", "key", "value"}) {
                shapes.put(p + "attention.self." + n + ".weight", new long[] {h, h});
                shapes.put(p + "attention.self." + n + ".bias", new long[] {h});
            }
            shapes.put(p + "attention.output.dense.weight", new long[] {h, h});
            shapes.put(p + "attention.output.dense.bias", new long[] {h});
            shapes.put(p + "attention.output.LayerNorm.weight", new long[] {h});
            shapes.put(p + "attention.output.LayerNorm.bias", new long[] {h});
            shapes.put(p + "intermediate.dense.weight", new long[] {i, h});
            shapes.put(p + "intermediate.dense.bias", new long[] {i});
            shapes.put(p + "output.dense.weight", new long[] {h, i});
            shapes.put(p + "output.dense.bias", new long[] {h});
            shapes.put(p + "output.LayerNorm.weight", new long[] {h});
            shapes.put(p + "output.LayerNorm.bias", new long[] {h});
        }
        shapes.put("classifier.dense.weight", new long[] {h, h});
        shapes.put("classifier.dense.bias", new long[] {h});
        shapes.put("classifier.out_proj.weight", new long[] {2, h});
        shapes.put("classifier.out_proj.bias", new long[] {2});

        ObjectMapper json = new ObjectMapper();
        ObjectNode header = json.createObjectNode();
        long offset = 0;
        for (Map.Entry<String, long[]> t : shapes.entrySet()) {
            long bytes = 4 * elements(t.getValue());
            ObjectNode n = header.putObject(t.getKey());
            n.put("dtype", "F32");
            var shape = n.putArray("shape");
            for (long d : t.getValue()) {
                shape.add(d);
            }
            n.putArray("data_offsets").add(offset).add(offset + bytes);
            offset += bytes;
        }
        try {
            Files.createDirectories(out);
            byte[] hb = json.writeValueAsString(header).getBytes(StandardCharsets.UTF_8);
            int pad = (8 - hb.length % 8) % 8;
            Path weights = out.resolve(Checkpoint.WEIGHTS);
            Path tmp = out.resolve(Checkpoint.WEIGHTS + ".tmp");
            SplittableRandom rng = new SplittableRandom(seed);
            try (OutputStream o = new BufferedOutputStream(Files.newOutputStream(tmp), 1 << 20)) {
                ByteBuffer len = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
                len.putLong(hb.length + pad);
                o.write(len.array());
                o.write(hb);
                o.write(" ".repeat(pad).getBytes(StandardCharsets.US_ASCII));
                ByteBuffer buf = ByteBuffer.allocate(1 << 20).order(ByteOrder.LITTLE_ENDIAN);
                for (Map.Entry<String, long[]> t : shapes.entrySet()) {
                    String name = t.getKey();
                    long n = elements(t.getValue());
                    for (long k = 0; k < n; k++) {
                        float v = name.endsWith("LayerNorm.weight")
                                ? 1f
                                : name.endsWith(".bias") ? 0f : (float) (rng.nextGaussian() * 0.02);
                        buf.putFloat(v);
                        if (!buf.hasRemaining()) {
                            o.write(buf.array(), 0, buf.position());
                            buf.clear();
                        }
                    }
                }
                o.write(buf.array(), 0, buf.position());
            }
            Files.move(tmp, weights, StandardCopyOption.REPLACE_EXISTING);
            ObjectNode cfg = json.createObjectNode();
            cfg.putArray("architectures").add("XLMRobertaForSequenceClassification");
            cfg.put("model_type", "xlm-roberta");
            cfg.put("vocab_size", s.vocab());
            cfg.put("hidden_size", s.hidden());
            cfg.put("num_hidden_layers", s.layers());
            cfg.put("num_attention_heads", s.heads());
            cfg.put("intermediate_size", 4 * s.hidden());
            cfg.put("hidden_act", "gelu");
            cfg.put("max_position_embeddings", 514);
            cfg.put("type_vocab_size", 1);
            cfg.put("layer_norm_eps", 1e-5);
            cfg.put("pad_token_id", 1);
            cfg.put("bos_token_id", 0);
            cfg.put("eos_token_id", 2);
            cfg.putObject("id2label").put("0", "safe").put("1", "unsafe");
            cfg.putObject("label2id").put("safe", 0).put("unsafe", 1);
            json.enable(SerializationFeature.INDENT_OUTPUT)
                    .writeValue(out.resolve(Checkpoint.CONFIG).toFile(), cfg);
            Files.copy(tokenizer, out.resolve(Checkpoint.TOKENIZER), StandardCopyOption.REPLACE_EXISTING);
            return Files.size(weights);
        } catch (IOException ex) {
            throw new UncheckedIOException("Cannot write the checkpoint to " + out + ": " + ex.getMessage(), ex);
        }
    }

    private static long elements(long[] dims) {
        long n = 1;
        for (long d : dims) {
            n *= d;
        }
        return n;
    }
}
