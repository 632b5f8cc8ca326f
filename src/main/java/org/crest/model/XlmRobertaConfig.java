package org.crest.model;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.crest.ModelException;

/**
 * The parts of a Hugging Face XLM-RoBERTa (or RoBERTa) {@code config.json} that shape the graph. Only what
 * the converter implements is accepted: absolute positions, exact (erf) GELU, post-LayerNorm encoder.
 */
public record XlmRobertaConfig(
        String modelType,
        List<String> architectures,
        int numHiddenLayers,
        int numAttentionHeads,
        int hiddenSize,
        int intermediateSize,
        double layerNormEps,
        int vocabSize,
        int maxPositionEmbeddings,
        int typeVocabSize,
        long padTokenId,
        int numLabels) {

    public int headDim() {
        return hiddenSize / numAttentionHeads;
    }

    /** True when config.json names a sequence-classification architecture. */
    public boolean isClassifier() {
        return architectures.stream().anyMatch(a -> a.endsWith("ForSequenceClassification"));
    }

    public static XlmRobertaConfig from(JsonNode c, String where) {
        String type = c.path("model_type").asText("");
        if (!type.equals("xlm-roberta") && !type.equals("roberta")) {
            throw new ModelException("Cannot convert " + where + ": config.json model_type is '" + type
                    + "', expected xlm-roberta (or roberta)");
        }
        String act = c.path("hidden_act").asText("gelu");
        if (!act.equals("gelu")) {
            throw new ModelException("Cannot convert " + where + ": config.json hidden_act is '" + act
                    + "', only gelu (exact, erf) is supported");
        }
        String pos = c.path("position_embedding_type").asText("absolute");
        if (!pos.equals("absolute")) {
            throw new ModelException("Cannot convert " + where + ": config.json position_embedding_type is '" + pos
                    + "', only absolute is supported");
        }
        List<String> arch = new ArrayList<>();
        c.path("architectures").forEach(a -> arch.add(a.asText()));
        int labels = c.has("id2label")
                        && c.get("id2label").isObject()
                        && !c.get("id2label").isEmpty()
                ? c.get("id2label").size()
                : c.path("num_labels").asInt(2);
        XlmRobertaConfig cfg = new XlmRobertaConfig(
                type,
                List.copyOf(arch),
                positive(c, "num_hidden_layers", where),
                positive(c, "num_attention_heads", where),
                positive(c, "hidden_size", where),
                positive(c, "intermediate_size", where),
                c.path("layer_norm_eps").asDouble(1e-5),
                positive(c, "vocab_size", where),
                positive(c, "max_position_embeddings", where),
                c.path("type_vocab_size").asInt(1),
                c.path("pad_token_id").asLong(1),
                labels);
        if (cfg.hiddenSize % cfg.numAttentionHeads != 0) {
            throw new ModelException("Cannot convert " + where + ": hidden_size " + cfg.hiddenSize
                    + " is not a multiple of num_attention_heads " + cfg.numAttentionHeads);
        }
        if (cfg.padTokenId < 0 || cfg.padTokenId >= cfg.vocabSize) {
            throw new ModelException("Cannot convert " + where + ": pad_token_id " + cfg.padTokenId
                    + " is outside the vocabulary (vocab_size " + cfg.vocabSize + ")");
        }
        if (!(cfg.layerNormEps > 0)) {
            throw new ModelException(
                    "Cannot convert " + where + ": layer_norm_eps must be positive (" + cfg.layerNormEps + ")");
        }
        return cfg;
    }

    private static int positive(JsonNode c, String key, String where) {
        JsonNode v = c.get(key);
        if (v == null || !v.canConvertToInt() || v.asInt() <= 0) {
            throw new ModelException("Cannot convert " + where + ": config.json needs a positive integer " + key
                    + " (found " + (v == null ? "none" : v.toString()) + ")");
        }
        return v.asInt();
    }

    @Override
    public String toString() {
        return String.format(
                Locale.ROOT,
                "%s %d layers, hidden %d, %d heads, intermediate %d, vocab %d, positions %d",
                modelType,
                numHiddenLayers,
                hiddenSize,
                numAttentionHeads,
                intermediateSize,
                vocabSize,
                maxPositionEmbeddings);
    }
}
