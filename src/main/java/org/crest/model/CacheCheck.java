package org.crest.model;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.TreeSet;
import org.crest.ModelException;

/**
 * What makes a file of a Hub snapshot fit for the cache: checked on the downloaded bytes before they are
 * committed (renamed into the snapshot), and again on a cached snapshot before it is used. config.json must be
 * a JSON object naming model_type and positive hidden_size, num_hidden_layers, num_attention_heads and vocab_size;
 * tokenizer.json a JSON object with a {@code model} object; another .json file a JSON object
 * (model.safetensors.index.json: with a {@code weight_map}); a .safetensors file a header that
 * {@link Safetensors#open} accepts, whose tensors lie inside the file. An HTML error page or an empty body
 * fails all of these.
 */
public final class CacheCheck {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String[] CONFIG_NUMBERS = {
        "hidden_size", "num_hidden_layers", "num_attention_heads", "vocab_size"
    };

    private CacheCheck() {}

    /** Why {@code p}, downloaded or cached as {@code file}, is not a valid one; null when it is. */
    public static String problem(String file, Path p) {
        String name = Path.of(file).getFileName().toString();
        try {
            if (!Files.isRegularFile(p)) {
                return "missing";
            }
            long size = Files.size(p);
            if (size == 0) {
                return "empty (0 bytes)";
            }
            if (name.endsWith(".safetensors")) {
                try (Safetensors st = Safetensors.open(p)) {
                    return st.tensors().isEmpty() ? "holds no tensors" : null;
                } catch (ModelException e) {
                    return "not a valid safetensors file (" + e.getMessage() + ")";
                }
            }
            if (!name.endsWith(".json")) {
                return null;
            }
            JsonNode n;
            try {
                n = JSON.readTree(p.toFile());
            } catch (JsonProcessingException e) {
                return "not JSON (" + looksLike(p) + ")";
            }
            if (n == null || !n.isObject()) {
                return "not a JSON object (" + looksLike(p) + ")";
            }
            if (name.equals(Checkpoint.CONFIG)) {
                if (!n.path("model_type").isTextual()
                        || n.path("model_type").asText().isBlank()) {
                    return "not a model config: no model_type";
                }
                for (String k : CONFIG_NUMBERS) {
                    if (!n.path(k).canConvertToLong() || n.path(k).asLong() <= 0) {
                        return "not a model config: " + k + " is "
                                + (n.has(k) ? n.get(k) + ", expected a positive integer" : "missing");
                    }
                }
            } else if (name.equals(Checkpoint.TOKENIZER)) {
                if (!n.path("model").isObject() || n.path("model").isEmpty()) {
                    return "not a tokenizers tokenizer.json: no model section";
                }
            } else if (name.equals(Checkpoint.WEIGHTS_INDEX)) {
                if (!n.path("weight_map").isObject() || n.path("weight_map").isEmpty()) {
                    return "not a safetensors index: no weight_map";
                }
            }
            return null;
        } catch (IOException e) {
            return "unreadable (" + e.getMessage() + ")";
        }
    }

    /** What the first bytes of a file that is not the JSON it should be look like, for the message. */
    static String looksLike(Path p) throws IOException {
        byte[] head = new byte[64];
        int n;
        try (InputStream in = Files.newInputStream(p)) {
            n = in.readNBytes(head, 0, head.length);
        }
        String s = new String(head, 0, n, StandardCharsets.UTF_8).strip();
        String lower = s.toLowerCase(Locale.ROOT);
        if (lower.startsWith("<!doctype html") || lower.startsWith("<html") || lower.startsWith("<")) {
            return "an HTML or XML page: " + quote(s);
        }
        return "starts with " + quote(s);
    }

    private static String quote(String s) {
        String one = s.replaceAll("\\s+", " ");
        return "'" + (one.length() > 40 ? one.substring(0, 40) + "…" : one) + "'";
    }

    /**
     * Problems of a cached snapshot, one string each naming the file: config.json, tokenizer.json and the weights
     * (model.safetensors, or the index and every shard it names). Empty when the snapshot is fit for conversion.
     */
    public static List<String> snapshotProblems(Path snapshot) {
        List<String> out = new ArrayList<>();
        for (String f : new String[] {Checkpoint.CONFIG, Checkpoint.TOKENIZER}) {
            add(out, f, snapshot.resolve(f));
        }
        if (Files.isRegularFile(snapshot.resolve(Checkpoint.WEIGHTS))) {
            add(out, Checkpoint.WEIGHTS, snapshot.resolve(Checkpoint.WEIGHTS));
        } else if (Files.isRegularFile(snapshot.resolve(Checkpoint.WEIGHTS_INDEX))) {
            Path index = snapshot.resolve(Checkpoint.WEIGHTS_INDEX);
            String bad = problem(Checkpoint.WEIGHTS_INDEX, index);
            if (bad != null) {
                out.add(Checkpoint.WEIGHTS_INDEX + " " + bad);
            } else {
                for (String shard : shards(index)) {
                    add(out, shard, snapshot.resolve(shard));
                }
            }
        } else {
            out.add(Checkpoint.WEIGHTS + " missing");
        }
        return out;
    }

    private static void add(List<String> out, String file, Path p) {
        String bad = problem(file, p);
        if (bad != null) {
            out.add(file + " " + bad);
        }
    }

    /** The shard file names an index's weight_map names (empty when it cannot be read). */
    static TreeSet<String> shards(Path index) {
        TreeSet<String> shards = new TreeSet<>();
        try {
            JsonNode map = JSON.readTree(index.toFile()).path("weight_map");
            for (Iterator<JsonNode> it = map.elements(); it.hasNext(); ) {
                shards.add(it.next().asText());
            }
        } catch (IOException e) {
            // reported by problem()
        }
        return shards;
    }

    /** The exact command that downloads repo's files again, replacing the cached ones. */
    public static String fixCommand(HubClient.Repo repo) {
        return "./spark-submit.sh model pull " + repo + " --force-download";
    }
}
