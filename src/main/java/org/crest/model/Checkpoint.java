package org.crest.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import org.crest.ModelException;

/**
 * A Hugging Face checkpoint directory as {@code save_pretrained} writes it: {@code config.json},
 * {@code tokenizer.json} and the weights in {@code model.safetensors} or, sharded, in the files named by
 * {@code model.safetensors.index.json}. Only safetensors is read: a {@code pytorch_model.bin} is a Python
 * pickle, which Java cannot read safely.
 */
public final class Checkpoint implements AutoCloseable {
    public static final String CONFIG = "config.json";
    public static final String TOKENIZER = "tokenizer.json";
    public static final String WEIGHTS = "model.safetensors";
    public static final String WEIGHTS_INDEX = "model.safetensors.index.json";

    private final Path dir;
    private final JsonNode config;
    private final List<Safetensors> files;
    private final Map<String, Safetensors> byTensor;

    private Checkpoint(Path dir, JsonNode config, List<Safetensors> files, Map<String, Safetensors> byTensor) {
        this.dir = dir;
        this.config = config;
        this.files = files;
        this.byTensor = byTensor;
    }

    /** Opens a checkpoint directory and validates the headers of its weight files; the caller closes it. */
    public static Checkpoint open(Path dir) {
        if (!Files.isDirectory(dir)) {
            throw new ModelException("Cannot convert " + dir + ": not a directory (expected a Hugging Face checkpoint "
                    + "directory with config.json, tokenizer.json and model.safetensors)");
        }
        if (!Files.isRegularFile(dir.resolve(CONFIG))) {
            throw new ModelException("Cannot convert " + dir + ": it has no config.json (expected a Hugging Face "
                    + "checkpoint directory with config.json, tokenizer.json and model.safetensors)");
        }
        List<Path> weightFiles = weightFiles(dir);
        if (!Files.isRegularFile(dir.resolve(TOKENIZER))) {
            String hint = Files.isRegularFile(dir.resolve("sentencepiece.bpe.model"))
                    ? " (it has sentencepiece.bpe.model only; create tokenizer.json once with transformers: "
                            + "AutoTokenizer.from_pretrained(DIR).save_pretrained(DIR))"
                    : "";
            throw new ModelException("Cannot convert " + dir + ": it has no tokenizer.json" + hint);
        }
        JsonNode config;
        try {
            config = new ObjectMapper().readTree(dir.resolve(CONFIG).toFile());
        } catch (IOException e) {
            throw new ModelException(
                    "Cannot convert " + dir + ": config.json is not valid JSON (" + e.getMessage() + ")", e);
        }
        List<Safetensors> files = new ArrayList<>();
        Map<String, Safetensors> byTensor = new LinkedHashMap<>();
        try {
            for (Path p : weightFiles) {
                Safetensors st = Safetensors.open(p);
                files.add(st);
                for (String name : st.tensors().keySet()) {
                    Safetensors before = byTensor.put(name, st);
                    if (before != null) {
                        throw new ModelException("Cannot convert " + dir + ": tensor " + name + " is in both "
                                + before.path().getFileName() + " and " + p.getFileName());
                    }
                }
            }
        } catch (RuntimeException e) {
            files.forEach(Safetensors::close);
            throw e;
        }
        return new Checkpoint(dir, config, Collections.unmodifiableList(files), byTensor);
    }

    private static List<Path> weightFiles(Path dir) {
        if (Files.isRegularFile(dir.resolve(WEIGHTS))) {
            return List.of(dir.resolve(WEIGHTS));
        }
        if (Files.isRegularFile(dir.resolve(WEIGHTS_INDEX))) {
            try {
                JsonNode map = new ObjectMapper()
                        .readTree(dir.resolve(WEIGHTS_INDEX).toFile())
                        .path("weight_map");
                TreeSet<String> shards = new TreeSet<>();
                for (Iterator<JsonNode> it = map.elements(); it.hasNext(); ) {
                    shards.add(it.next().asText());
                }
                if (shards.isEmpty()) {
                    throw new ModelException("Cannot convert " + dir + ": " + WEIGHTS_INDEX + " has no weight_map");
                }
                List<Path> out = new ArrayList<>();
                for (String s : shards) {
                    Path p = dir.resolve(s).normalize();
                    if (!p.startsWith(dir.normalize()) || !Files.isRegularFile(p)) {
                        throw new ModelException("Cannot convert " + dir + ": " + WEIGHTS_INDEX + " names " + s
                                + ", which is not a file in the checkpoint directory");
                    }
                    out.add(p);
                }
                return out;
            } catch (IOException e) {
                throw new ModelException(
                        "Cannot convert " + dir + ": " + WEIGHTS_INDEX + " is not valid JSON (" + e.getMessage() + ")",
                        e);
            }
        }
        for (String pickle : new String[] {"pytorch_model.bin", "pytorch_model.bin.index.json"}) {
            if (Files.isRegularFile(dir.resolve(pickle))) {
                throw new ModelException(
                        "Cannot convert " + dir + ": it has " + pickle + " but no model.safetensors; crest "
                                + "reads only safetensors (a PyTorch .bin is a Python pickle, which cannot be read safely here). Export "
                                + "it with Hugging Face optimum instead: optimum-cli export onnx --model " + dir
                                + " --task text-classification BUNDLE_DIR (feature-extraction for an embedder), and pass --model "
                                + "BUNDLE_DIR; or re-save it as safetensors with transformers' save_pretrained(DIR, "
                                + "safe_serialization=True)");
            }
        }
        throw new ModelException("Cannot convert " + dir + ": it has no model.safetensors (nor " + WEIGHTS_INDEX + ")");
    }

    public Path dir() {
        return dir;
    }

    public JsonNode config() {
        return config;
    }

    public List<Path> weightFiles() {
        List<Path> out = new ArrayList<>();
        files.forEach(f -> out.add(f.path()));
        return out;
    }

    public boolean has(String name) {
        return byTensor.containsKey(name);
    }

    /** All tensor names, sorted. */
    public List<String> names() {
        return new ArrayList<>(new TreeMap<>(byTensor).keySet());
    }

    public Safetensors.Tensor tensor(String name) {
        Safetensors st = byTensor.get(name);
        if (st == null) {
            throw new ModelException("Cannot convert " + dir + ": the checkpoint has no tensor " + name);
        }
        return st.tensor(name);
    }

    /**
     * Little-endian float32 bytes of a tensor (see {@link Safetensors#float32Bytes}). A tensor that holds a NaN or
     * an infinity (in whatever float dtype it is stored) is refused, naming it: such weights make every score NaN.
     */
    public byte[] float32Bytes(String name) {
        Safetensors st = byTensor.get(tensor(name).name());
        Safetensors.Tensor t = tensor(name);
        byte[] b = st.float32Bytes(t);
        long bad = 0;
        long first = -1;
        for (int i = 0; i < b.length; i += 4) {
            // float32 little-endian: exponent bits all ones means NaN or ±infinity
            int hi = ((b[i + 3] & 0x7f) << 1) | ((b[i + 2] & 0x80) >>> 7);
            if (hi == 0xff) {
                if (first < 0) {
                    first = i / 4;
                }
                bad++;
            }
        }
        if (bad > 0) {
            throw new ModelException("Cannot convert " + dir + ": tensor " + name + " (" + t.dtype()
                    + java.util.Arrays.toString(t.shape()) + " in " + st.path().getFileName() + ") holds " + bad
                    + " NaN or infinite value" + (bad == 1 ? "" : "s") + " (the first at element " + first
                    + "); a model with such weights scores nothing reliably: fix or re-export the checkpoint");
        }
        return b;
    }

    /** Counts of the dtypes of all tensors, e.g. {F16=199, I64=1}. */
    public Map<String, Integer> dtypes() {
        Map<String, Integer> out = new TreeMap<>();
        for (Map.Entry<String, Safetensors> e : byTensor.entrySet()) {
            out.merge(e.getValue().tensor(e.getKey()).dtype(), 1, Integer::sum);
        }
        return out;
    }

    @Override
    public void close() {
        files.forEach(Safetensors::close);
    }
}
