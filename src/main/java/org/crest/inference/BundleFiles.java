package org.crest.inference;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.Map;
import org.crest.ModelException;

/**
 * Checks of the small files of a model bundle or checkpoint ({@code config.json}, {@code tokenizer.json}) that
 * {@code model convert} and every bundle load run on the driver, so that a broken file is refused with one line
 * naming it before any executor work. Each check throws a {@link ModelException} whose message starts with
 * {@code what} (e.g. "Cannot load model bundle" or "Cannot convert DIR").
 */
public final class BundleFiles {
    private BundleFiles() {}

    /**
     * config.json: hidden_size a positive multiple of num_attention_heads, num_hidden_layers ≥ 1, vocab_size ≥ 1,
     * and id2label consistent with num_labels. Keys that are absent are not checked (an ONNX bundle's config is only
     * read for labels and special ids).
     */
    public static void checkConfig(JsonNode config, Path file, String what) {
        if (config == null || !config.isObject()) {
            throw new ModelException(what + ": " + file + " must be a JSON object (found "
                    + (config == null
                            ? "nothing"
                            : config.getNodeType().toString().toLowerCase()) + ")");
        }
        for (String key : new String[] {
            "hidden_size",
            "num_attention_heads",
            "num_hidden_layers",
            "vocab_size",
            "num_labels",
            "max_position_embeddings"
        }) {
            JsonNode v = config.get(key);
            if (v != null && !v.isNull() && (!v.canConvertToInt() || !v.isIntegralNumber() || v.asInt() < 1)) {
                throw new ModelException(
                        what + ": " + file + " has " + key + " " + v + ", expected a positive integer");
            }
        }
        JsonNode hidden = config.get("hidden_size");
        JsonNode heads = config.get("num_attention_heads");
        if (hidden != null
                && heads != null
                && hidden.isIntegralNumber()
                && heads.isIntegralNumber()
                && hidden.asInt() % heads.asInt() != 0) {
            throw new ModelException(what + ": " + file + " has hidden_size " + hidden.asInt()
                    + ", which is not a multiple of num_attention_heads " + heads.asInt());
        }
        JsonNode id2label = config.get("id2label");
        JsonNode numLabels = config.get("num_labels");
        if (id2label != null
                && id2label.isObject()
                && !id2label.isEmpty()
                && numLabels != null
                && numLabels.isIntegralNumber()
                && numLabels.asInt() != id2label.size()) {
            throw new ModelException(what + ": " + file + " has num_labels " + numLabels.asInt()
                    + " but id2label names " + id2label.size() + " labels " + id2label);
        }
        if (id2label != null && !id2label.isNull() && !id2label.isObject()) {
            throw new ModelException(what + ": " + file + " has id2label " + id2label
                    + ", expected an object such as {\"0\": \"safe\", \"1\": \"unsafe\"}");
        }
    }

    /**
     * Reads tokenizer.json as JSON and returns its vocabulary size: the entries of {@code model.vocab} (Unigram:
     * a list of [piece, score]; BPE, WordPiece, WordLevel: a map of piece to id, sized by its largest id + 1), or
     * the largest added token id + 1 if that is more.
     */
    public static int tokenizerVocab(Path file, String what) {
        JsonNode root;
        try {
            root = new ObjectMapper().readTree(file.toFile());
        } catch (IOException e) {
            throw new ModelException(
                    what + ": " + file + " is not valid JSON (" + oneLine(originalMessage(e)) + ")", e);
        }
        if (root == null || !root.isObject()) {
            throw new ModelException(what + ": " + file + " is not a tokenizer (expected a JSON object as Hugging Face "
                    + "tokenizers writes it, found "
                    + (root == null
                            ? "an empty file"
                            : root.getNodeType().toString().toLowerCase()) + ")");
        }
        JsonNode vocab = root.path("model").path("vocab");
        long size = 0;
        if (vocab.isArray()) {
            size = vocab.size();
        } else if (vocab.isObject()) {
            for (Iterator<Map.Entry<String, JsonNode>> it = vocab.fields(); it.hasNext(); ) {
                size = Math.max(size, it.next().getValue().asLong(-1) + 1);
            }
        }
        if (size <= 0) {
            throw new ModelException(what + ": " + file + " is not a tokenizer: it has no model.vocab (expected the "
                    + "tokenizer.json that Hugging Face tokenizers' save writes, with a model and its vocabulary)");
        }
        for (JsonNode t : root.path("added_tokens")) {
            size = Math.max(size, t.path("id").asLong(-1) + 1);
        }
        return (int) Math.min(size, Integer.MAX_VALUE);
    }

    /**
     * tokenizer.json must be a tokenizer whose ids fit the model's embedding table: at most config.json's
     * vocab_size ids (XLM-R's tokenizer has exactly vocab_size; a model may have spare rows, never fewer).
     */
    public static void checkTokenizer(Path file, JsonNode config, Path configFile, String what) {
        int vocab = tokenizerVocab(file, what);
        JsonNode v = config == null ? null : config.get("vocab_size");
        if (v != null && v.isIntegralNumber() && vocab > v.asInt()) {
            throw new ModelException(what + ": " + file + " has " + vocab + " token ids but " + configFile
                    + " has vocab_size " + v.asInt() + " (ids from " + v.asInt() + " up would index past the embedding "
                    + "table): the tokenizer does not belong to this model");
        }
    }

    /** Loads tokenizer.json with the tokenizer library the pipeline uses, and closes it. */
    public static void loadTokenizer(Path file, String what) {
        try (HuggingFaceTokenizer t = openTokenizer(file, what)) {
            t.encode("crest", false, false);
        }
    }

    /** The pipeline's tokenizer settings: no special tokens, no truncation, no padding. */
    static HuggingFaceTokenizer openTokenizer(Path file, String what) {
        try {
            return HuggingFaceTokenizer.builder()
                    .optTokenizerPath(file)
                    .optAddSpecialTokens(false)
                    .optTruncation(false)
                    .optPadding(false)
                    .build();
        } catch (IOException | RuntimeException e) {
            throw new ModelException(
                    what + ": the tokenizer library cannot load " + file + " ("
                            + oneLine(String.valueOf(e.getMessage())) + ")",
                    e);
        }
    }

    private static String originalMessage(IOException e) {
        if (e instanceof com.fasterxml.jackson.core.JsonProcessingException) {
            return ((com.fasterxml.jackson.core.JsonProcessingException) e).getOriginalMessage();
        }
        return String.valueOf(e.getMessage());
    }

    /** A message for a one-line error: whitespace runs (newlines included) become one space, at most 300 chars. */
    static String oneLine(String s) {
        String t = s == null ? "" : s.replaceAll("\\s+", " ").trim();
        return t.length() > 300 ? t.substring(0, 297) + "..." : t;
    }
}
