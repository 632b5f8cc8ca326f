package org.crest.inference;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import org.crest.ModelException;

/**
 * A model directory in the layout of Hugging Face optimum's ONNX export: {@code model.onnx},
 * {@code tokenizer.json} and {@code config.json}. Holds what the driver needs to know about it
 * (labels, special token ids, a content hash); the ONNX contract itself is checked when a session
 * is created ({@link SessionCache}).
 */
public final class ModelBundle implements Serializable {
    private static final long serialVersionUID = 1L;
    public static final String MODEL_FILE = "model.onnx";
    public static final String TOKENIZER_FILE = "tokenizer.json";
    public static final String CONFIG_FILE = "config.json";
    /** ONNX external data that a large converted model keeps beside model.onnx. */
    public static final String EXTERNAL_DATA_FILE = "model.onnx_data";

    private static final List<String> FILES = List.of(MODEL_FILE, TOKENIZER_FILE, CONFIG_FILE);
    /** Written by crest model convert/pull: source, converter and each file's sha256. */
    public static final String MANIFEST_FILE = "crest-manifest.json";

    private final String dir;
    private final String name;
    private final String sha256;
    private final List<String> labels;
    private final long bosId;
    private final long eosId;
    private final long padId;
    private final boolean demo;
    private final int maxTokens;
    /** The load check's long input never exceeds this many tokens (XLM-R's limit). */
    static final int PROBE_MAX_TOKENS = 512;

    private ModelBundle(
            String dir,
            String name,
            String sha256,
            List<String> labels,
            long bosId,
            long eosId,
            long padId,
            boolean demo,
            int maxTokens) {
        this.dir = dir;
        this.name = name;
        this.sha256 = sha256;
        this.labels = labels;
        this.bosId = bosId;
        this.eosId = eosId;
        this.padId = padId;
        this.demo = demo;
        this.maxTokens = maxTokens;
    }

    /** Opens and validates a bundle directory; reads config.json and hashes the three files. */
    public static ModelBundle open(Path dir) {
        return open(dir, false);
    }

    public static ModelBundle open(Path dir, boolean demo) {
        if (!Files.isDirectory(dir)) {
            throw new ModelException(
                    "Cannot load model bundle: " + dir + " is not a directory (a bundle is a directory "
                            + "with model.onnx, tokenizer.json and config.json, as Hugging Face optimum's ONNX export writes it)");
        }
        for (String f : FILES) {
            if (!Files.isRegularFile(dir.resolve(f))) {
                throw new ModelException(
                        "Cannot load model bundle: " + dir + " has no " + f
                                + " (expected model.onnx, tokenizer.json and config.json, as optimum's ONNX export writes them)");
            }
        }
        JsonNode config;
        try {
            config = new ObjectMapper().readTree(dir.resolve(CONFIG_FILE).toFile());
        } catch (IOException e) {
            throw new ModelException(
                    "Cannot load model bundle: config.json in " + dir + " is not valid JSON (" + e.getMessage() + ")",
                    e);
        }
        String what = "Cannot load model bundle " + dir;
        BundleFiles.checkConfig(config, dir.resolve(CONFIG_FILE), what);
        BundleFiles.checkTokenizer(dir.resolve(TOKENIZER_FILE), config, dir.resolve(CONFIG_FILE), what);
        List<String> labels = labelsOf(config, dir);
        String name = config.path("_name_or_path").asText("");
        if (name.isBlank()) {
            name = dir.toAbsolutePath().normalize().getFileName().toString();
        }
        Map<String, String> hashes = hashes(dir);
        checkManifest(dir, hashes);
        long pad = config.path("pad_token_id").asLong(1);
        return new ModelBundle(
                dir.toAbsolutePath().normalize().toString(),
                name,
                hashes.get(""),
                labels,
                config.path("bos_token_id").asLong(0),
                config.path("eos_token_id").asLong(2),
                pad,
                demo,
                maxTokensOf(config, pad));
    }

    /**
     * The longest input the model takes, specials included, at most {@link #PROBE_MAX_TOKENS}: RoBERTa positions
     * start after the pad id, so max_position_embeddings - pad_token_id - 1 (514 → 512).
     */
    private static int maxTokensOf(JsonNode config, long pad) {
        JsonNode p = config.get("max_position_embeddings");
        if (p == null || !p.canConvertToLong()) {
            return PROBE_MAX_TOKENS;
        }
        long n = p.asLong() - Math.max(0, pad) - 1;
        if (n < 3) {
            n = p.asLong();
        }
        return (int) Math.max(3, Math.min(PROBE_MAX_TOKENS, n));
    }

    private static List<String> labelsOf(JsonNode config, Path dir) {
        JsonNode id2label = config.get("id2label");
        if (id2label == null || !id2label.isObject() || id2label.isEmpty()) {
            int n = config.path("num_labels").asInt(2);
            List<String> out = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                out.add("LABEL_" + i);
            }
            return Collections.unmodifiableList(out);
        }
        Map<Integer, String> byId = new TreeMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = id2label.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            try {
                byId.put(Integer.parseInt(e.getKey().trim()), e.getValue().asText());
            } catch (NumberFormatException ex) {
                throw new ModelException("Cannot load model bundle: config.json id2label in " + dir
                        + " has a non-integer key (" + e.getKey() + ")");
            }
        }
        List<String> out = new ArrayList<>();
        for (int i = 0; i < byId.size(); i++) {
            String label = byId.get(i);
            if (label == null) {
                throw new ModelException("Cannot load model bundle: config.json id2label in " + dir
                        + " must have ids 0.." + (byId.size() - 1) + " (" + byId.keySet() + ")");
            }
            out.add(label);
        }
        return Collections.unmodifiableList(out);
    }

    private static String hashOf(Path dir) {
        return hashes(dir).get("");
    }

    /**
     * One pass over the bundle's files: the bundle hash under key "" (file names and contents, in a
     * fixed order) and each file's own sha256 under its name.
     */
    private static Map<String, String> hashes(Path dir) {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            Map<String, String> out = new TreeMap<>();
            byte[] buf = new byte[1 << 20];
            List<String> files = new ArrayList<>(FILES);
            if (Files.isRegularFile(dir.resolve(EXTERNAL_DATA_FILE))) {
                files.add(EXTERNAL_DATA_FILE);
            }
            for (String f : files) {
                md.update(f.getBytes(StandardCharsets.UTF_8));
                MessageDigest own = MessageDigest.getInstance("SHA-256");
                try (InputStream in = Files.newInputStream(dir.resolve(f))) {
                    int r;
                    while ((r = in.read(buf)) > 0) {
                        md.update(buf, 0, r);
                        own.update(buf, 0, r);
                    }
                }
                out.put(f, HexFormat.of().formatHex(own.digest()));
            }
            out.put("", HexFormat.of().formatHex(md.digest()));
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot hash model bundle " + dir, e);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * A bundle written by {@code crest model convert} or {@code pull} lists each file's sha256 in
     * crest-manifest.json; a file that no longer matches is refused before any row is scored.
     */
    private static void checkManifest(Path dir, Map<String, String> found) {
        Path manifest = dir.resolve(MANIFEST_FILE);
        if (!Files.isRegularFile(manifest)) {
            return;
        }
        JsonNode files;
        try {
            files = new ObjectMapper().readTree(manifest.toFile()).path("files");
        } catch (IOException e) {
            throw new ModelException(
                    "Cannot load model bundle: " + manifest + " is not valid JSON (" + e.getMessage() + ")", e);
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = files.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            String have = found.get(e.getKey());
            if (have == null && !Files.isRegularFile(dir.resolve(e.getKey()))) {
                throw new ModelException("Cannot load model bundle: " + dir + " has no " + e.getKey() + ", which "
                        + MANIFEST_FILE + " lists");
            }
            if (have != null && !have.equals(e.getValue().asText())) {
                throw new ModelException("Cannot load model bundle: " + e.getKey() + " in " + dir + " does not match "
                        + MANIFEST_FILE + " (expected sha256 " + e.getValue().asText() + ", found " + have
                        + "); the file is "
                        + "truncated or altered: convert or pull the model again");
            }
        }
    }

    /**
     * Hashes the files on this machine again and fails if they differ from the bundle the driver
     * opened: an executor's copy that is truncated or altered is never used.
     */
    public void verifyOnDisk() {
        String found = hashOf(dir());
        if (!found.equals(sha256)) {
            throw new ModelException("Cannot use model " + id() + ": the files in " + dir
                    + " differ from the bundle that " + "was opened (expected sha256 " + sha256 + ", found " + found
                    + "); the copy is truncated or altered");
        }
    }

    /**
     * Index of the unsafe class: {@code override} when given (a label name, any case, or an index),
     * else the label named "unsafe" (any case), else 1 as in the paper (safe=0, unsafe=1).
     */
    public int unsafeIndex(String override) {
        if (labels.size() < 2) {
            throw new ModelException(
                    "Cannot use model " + name + ": a classifier needs at least 2 labels (" + labels + ")");
        }
        if (override != null && !override.isBlank()) {
            String o = override.trim();
            for (int i = 0; i < labels.size(); i++) {
                if (labels.get(i).equalsIgnoreCase(o)) {
                    return i;
                }
            }
            try {
                int i = Integer.parseInt(o);
                if (i >= 0 && i < labels.size()) {
                    return i;
                }
            } catch (NumberFormatException ignored) {
                // fall through to the error below
            }
            throw new ModelException("Unknown unsafe label " + o + ", expected one of " + labels + " or an index 0.."
                    + (labels.size() - 1));
        }
        for (int i = 0; i < labels.size(); i++) {
            if (labels.get(i).toLowerCase(Locale.ROOT).equals("unsafe")) {
                return i;
            }
        }
        return 1;
    }

    public Path dir() {
        return Path.of(dir);
    }

    public String name() {
        return name;
    }

    public String sha256() {
        return sha256;
    }

    public String shortHash() {
        return sha256.substring(0, 12);
    }

    /** The value written to {@code crest_model}: name and short content hash. */
    public String id() {
        return name + "@" + shortHash();
    }

    public List<String> labels() {
        return labels;
    }

    public long bosId() {
        return bosId;
    }

    public long eosId() {
        return eosId;
    }

    public long padId() {
        return padId;
    }

    /** Longest input (specials included) that config.json allows, capped at 512: the load check's long input. */
    public int maxTokens() {
        return maxTokens;
    }

    /** True for the bundled random-weight fixture model, whose labels mean nothing. */
    public boolean isDemo() {
        return demo;
    }

    /** Same bundle at another local path (an executor's copy); identity (hash) is unchanged. */
    public ModelBundle at(Path otherDir) {
        return new ModelBundle(
                otherDir.toAbsolutePath().normalize().toString(),
                name,
                sha256,
                labels,
                bosId,
                eosId,
                padId,
                demo,
                maxTokens);
    }

    @Override
    public String toString() {
        return id() + " (" + dir + ", labels " + labels + ")";
    }
}
