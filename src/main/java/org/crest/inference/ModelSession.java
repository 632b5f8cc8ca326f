package org.crest.inference;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import ai.djl.huggingface.tokenizers.jni.TokenizersLibrary;
import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtProvider;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;
import java.nio.FloatBuffer;
import java.nio.LongBuffer;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import org.crest.ModelException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One ONNX Runtime session and one tokenizer for a model bundle, validated against the contract the
 * pipeline relies on. Thread-safe: tasks of one executor share it through {@link SessionCache}.
 * Knows nothing of Spark.
 */
public final class ModelSession implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ModelSession.class);
    public static final String INPUT_IDS = "input_ids";
    public static final String ATTENTION_MASK = "attention_mask";
    public static final String TOKEN_TYPE_IDS = "token_type_ids";

    /** What the model outputs: class logits [batch, labels] or hidden states [batch, seq, hidden]. */
    public enum Kind {
        CLASSIFIER("logits", 2),
        ENCODER("last_hidden_state", 3);

        final String output;
        final int rank;

        Kind(String output, int rank) {
            this.output = output;
            this.rank = rank;
        }
    }

    private final ModelBundle bundle;
    private final Kind kind;
    private final OrtEnvironment env;
    private final OrtSession.SessionOptions options;
    private final OrtSession session;
    private final HuggingFaceTokenizer tokenizer;
    private final boolean tokenTypeIds;
    private final long outputWidth;
    private final String device;
    private volatile boolean closed;

    private ModelSession(
            ModelBundle bundle,
            Kind kind,
            OrtEnvironment env,
            OrtSession.SessionOptions options,
            OrtSession session,
            HuggingFaceTokenizer tokenizer,
            boolean tokenTypeIds,
            long outputWidth,
            String device) {
        this.bundle = bundle;
        this.kind = kind;
        this.env = env;
        this.options = options;
        this.session = session;
        this.tokenizer = tokenizer;
        this.tokenTypeIds = tokenTypeIds;
        this.outputWidth = outputWidth;
        this.device = device;
    }

    /**
     * Creates a session. Prefer {@link SessionCache#get}, which makes one per JVM and model.
     *
     * @param gpuId the GPU address Spark assigned, or -1 when none was assigned
     */
    public static ModelSession create(ModelBundle bundle, Kind kind, Device device, int intraOpThreads, int gpuId) {
        return create(bundle, kind, device, intraOpThreads, gpuId, true);
    }

    /** Bundles (content hash and kind) this JVM has already checked with {@link #verify}. */
    private static final Set<String> VERIFIED = ConcurrentHashMap.newKeySet();
    /**
     * Bundles (content hash, kind, device) whose load check passed in this JVM: a session made later on the same
     * device (the executor of a local-mode run, after the driver's check) does not run it again.
     */
    private static final Set<String> PROBED = ConcurrentHashMap.newKeySet();

    /**
     * The driver's load check, before any Spark job: the bundle must load as {@code kind} (a classifier given where
     * an embedder is expected, or the reverse, is refused), its tokenizer must load, and its output on the fixed
     * short and long test inputs must be finite. Runs once per JVM and bundle; a {@link ModelException} with one
     * line naming the bundle otherwise.
     */
    public static void verify(ModelBundle bundle, Kind kind) {
        String key = bundle.sha256() + "/" + kind;
        if (VERIFIED.contains(key)) {
            return;
        }
        int threads = Math.max(1, Math.min(4, Runtime.getRuntime().availableProcessors()));
        long t0 = System.nanoTime();
        try (ModelSession s = create(bundle, kind, Device.CPU, threads, -1, false)) {
            LOG.info(
                    "Checked {} {} in {} ms: it loads and its output on the test inputs is finite",
                    kind.name().toLowerCase(),
                    bundle.id(),
                    (System.nanoTime() - t0) / 1_000_000);
        }
        VERIFIED.add(key);
    }

    private static ModelSession create(
            ModelBundle bundle, Kind kind, Device device, int intraOpThreads, int gpuId, boolean verifyHash) {
        if (verifyHash) {
            bundle.verifyOnDisk();
        }
        OrtEnvironment env = OrtEnvironment.getEnvironment(); // process-wide: never closed here
        OrtSession.SessionOptions options = new OrtSession.SessionOptions();
        OrtSession session = null;
        HuggingFaceTokenizer tokenizer = null;
        try {
            options.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
            options.setExecutionMode(OrtSession.SessionOptions.ExecutionMode.SEQUENTIAL);
            options.setIntraOpNumThreads(Math.max(1, intraOpThreads));
            options.setInterOpNumThreads(1);
            String where = chooseDevice(options, device, gpuId);
            session = env.createSession(
                    bundle.dir().resolve(ModelBundle.MODEL_FILE).toString(), options);
            boolean tokenTypes = checkInputs(bundle, session);
            long width = checkOutput(bundle, kind, session);
            tokenizer = BundleFiles.openTokenizer(
                    bundle.dir().resolve(ModelBundle.TOKENIZER_FILE), "Cannot load model " + bundle.id());
            ModelSession s = new ModelSession(bundle, kind, env, options, session, tokenizer, tokenTypes, width, where);
            long t0 = System.nanoTime();
            String probed = bundle.sha256() + "/" + kind + "/" + where;
            if (!PROBED.contains(probed)) {
                s.probe();
                PROBED.add(probed);
            }
            LOG.info(
                    "Loaded {} {} on {} with {} intra-op thread(s); load check {} ms",
                    kind.name().toLowerCase(),
                    bundle.id(),
                    where,
                    Math.max(1, intraOpThreads),
                    (System.nanoTime() - t0) / 1_000_000);
            return s;
        } catch (OrtException e) {
            closeQuietly(session, options, tokenizer);
            throw new ModelException(
                    "Cannot load model " + bundle.dir().resolve(ModelBundle.MODEL_FILE) + " with ONNX Runtime: "
                            + BundleFiles.oneLine(e.getMessage()),
                    e);
        } catch (RuntimeException e) {
            closeQuietly(session, options, tokenizer);
            throw e;
        }
    }

    private static String chooseDevice(OrtSession.SessionOptions options, Device device, int gpuId) {
        if (device == Device.CPU) {
            return "cpu";
        }
        boolean cudaBuild = OrtEnvironment.getAvailableProviders().contains(OrtProvider.CUDA);
        int gpu = Math.max(gpuId, 0);
        if (!cudaBuild) {
            String why = "this build has the CPU ONNX Runtime (build with -Pgpu for onnxruntime_gpu)";
            if (device == Device.CUDA) {
                throw new ModelException("Cannot use CUDA: " + why);
            }
            LOG.info("Device auto: running on CPU, {}", why);
            return "cpu";
        }
        try {
            options.addCUDA(gpu);
            return "cuda:" + gpu;
        } catch (OrtException | RuntimeException | LinkageError e) {
            String why = "the CUDA provider failed on GPU " + gpu + " (" + e.getMessage()
                    + "); it needs an NVIDIA GPU with CUDA 12 and cuDNN 9 libraries on the library path";
            if (device == Device.CUDA) {
                throw new ModelException("Cannot use CUDA: " + why, e);
            }
            LOG.warn("Device auto: falling back to CPU because {}", why);
            return "cpu";
        }
    }

    private static boolean checkInputs(ModelBundle bundle, OrtSession session) throws OrtException {
        Map<String, NodeInfo> inputs = session.getInputInfo();
        for (String required : new String[] {INPUT_IDS, ATTENTION_MASK}) {
            NodeInfo info = inputs.get(required);
            if (info == null) {
                throw new ModelException("Cannot use model " + bundle.id() + ": expected to find an input called '"
                        + required + "', found " + new TreeSet<>(inputs.keySet()));
            }
            checkInt64(bundle, info);
        }
        for (String name : inputs.keySet()) {
            if (!name.equals(INPUT_IDS) && !name.equals(ATTENTION_MASK) && !name.equals(TOKEN_TYPE_IDS)) {
                throw new ModelException("Cannot use model " + bundle.id() + ": unknown input name " + name
                        + ", expected input_ids, attention_mask and optionally token_type_ids");
            }
        }
        if (inputs.containsKey(TOKEN_TYPE_IDS)) {
            checkInt64(bundle, inputs.get(TOKEN_TYPE_IDS));
            return true;
        }
        return false;
    }

    private static void checkInt64(ModelBundle bundle, NodeInfo info) {
        if (!(info.getInfo() instanceof TensorInfo)
                || ((TensorInfo) info.getInfo()).type != OnnxJavaType.INT64
                || ((TensorInfo) info.getInfo()).getShape().length != 2) {
            throw new ModelException("Cannot use model " + bundle.id() + ": input " + info.getName()
                    + " must be an int64 tensor [batch, sequence], found " + info.getInfo());
        }
    }

    private static long checkOutput(ModelBundle bundle, Kind kind, OrtSession session) throws OrtException {
        Map<String, NodeInfo> outputs = session.getOutputInfo();
        NodeInfo info = outputs.get(kind.output);
        Kind other = kind == Kind.CLASSIFIER ? Kind.ENCODER : Kind.CLASSIFIER;
        if (info == null && outputs.containsKey(other.output)) {
            throw new ModelException(
                    "Cannot use model " + bundle.id() + " (" + bundle.dir().resolve(ModelBundle.MODEL_FILE)
                            + ") as "
                            + (kind == Kind.CLASSIFIER
                                    ? "a classifier: it is an embedder (expected an output called "
                                            + "'logits', found last_hidden_state); --model needs a text-classification export, an embedder belongs "
                                            + "to cluster --embedder"
                                    : "an embedder: it is a classifier (expected an output called "
                                            + "'last_hidden_state', found logits); --embedder needs a feature-extraction export, a classifier "
                                            + "belongs to --model"));
        }
        if (info == null) {
            throw new ModelException("Cannot use model " + bundle.id() + " as a "
                    + kind.name().toLowerCase() + ": expected an output called '" + kind.output + "', found "
                    + new TreeSet<>(outputs.keySet()));
        }
        if (!(info.getInfo() instanceof TensorInfo)
                || ((TensorInfo) info.getInfo()).type != OnnxJavaType.FLOAT
                || ((TensorInfo) info.getInfo()).getShape().length != kind.rank) {
            throw new ModelException("Cannot use model " + bundle.id() + ": output " + kind.output + " must be a float "
                    + (kind == Kind.CLASSIFIER ? "[batch, num_labels]" : "[batch, sequence, hidden]")
                    + " tensor, found "
                    + info.getInfo());
        }
        long[] shape = ((TensorInfo) info.getInfo()).getShape();
        long width = shape[shape.length - 1];
        if (kind == Kind.CLASSIFIER && width > 0 && width != bundle.labels().size()) {
            throw new ModelException("Cannot use model " + bundle.id() + ": output logits has " + width
                    + " classes but config.json id2label names "
                    + bundle.labels().size() + " " + bundle.labels());
        }
        return width;
    }

    /** The load check's fixed text: several scripts, so that it is not all unknown tokens for any XLM-R vocabulary. */
    static final String PROBE_TEXT = "Hello, how are you today? Bonjour, comment ça va ? Hola, ¿cómo estás? "
            + "Привет, как дела? 你好，今天怎么样？ مرحبا، كيف حالك؟ नमस्ते, आप कैसे हैं?";

    /**
     * The load check: the fixed text as one short input, and repeated to the longest input the model takes
     * ({@link ModelBundle#maxTokens()}, where float16 activations overflow first), each run alone. Any NaN or
     * infinity in the output refuses the model: such a model would label nothing reliably.
     */
    private void probe() {
        long[] content = tokenize(PROBE_TEXT);
        if (content.length == 0) {
            content = new long[] {bundle.eosId()};
        }
        int max = bundle.maxTokens();
        long[] shortIds = window(content, Math.min(content.length, max - 2));
        long[] filler = new long[max - 2];
        for (int i = 0; i < filler.length; i++) {
            filler[i] = content[i % content.length];
        }
        long[] longIds = window(filler, filler.length);
        for (long[] ids : new long[][] {shortIds, longIds}) {
            long[] mask = new long[ids.length];
            Arrays.fill(mask, 1L);
            float[] out;
            try {
                out = run(ids, mask, 1, ids.length);
            } catch (ModelException e) {
                throw new ModelException(
                        "Cannot use model " + bundle.id() + " (" + bundle.dir() + "): the load check on a " + ids.length
                                + "-token test input failed: " + BundleFiles.oneLine(e.getMessage()),
                        e);
            }
            for (int i = 0; i < out.length; i++) {
                if (!Float.isFinite(out[i])) {
                    throw new ModelException("Cannot use model " + bundle.id() + " (" + bundle.dir() + "): its output "
                            + kind.output + " on a fixed " + ids.length + "-token test input"
                            + (ids == longIds && max > 3 ? " (the longest it takes)" : "") + " is not finite (" + out[i]
                            + " at element " + i + " of "
                            + out.length + "); NaN or infinite weights, or a float16 overflow, would make every score "
                            + "meaningless, so the model is refused before any row is scored");
                }
            }
        }
    }

    private long[] window(long[] content, int n) {
        long[] ids = new long[n + 2];
        ids[0] = bundle.bosId();
        System.arraycopy(content, 0, ids, 1, n);
        ids[n + 1] = bundle.eosId();
        return ids;
    }

    /**
     * Content token ids of a text: no special tokens, no truncation, no padding. The same ids as
     * {@code tokenizer.encode(text, false, false).getIds()} ({@link #tokenizeWithEncoding}), without DJL's
     * {@code Encoding}: that copies eight arrays per text out of the native encoding (the token strings and
     * character spans among them, one Java object per token), of which the pipeline needs only the ids. This
     * asks the native encoding for its ids alone, about 30% less CPU per short chat message (docs/PERFORMANCE.md).
     * The tokenizer is built without DJL's Java-side preprocessing (lower-casing, accent stripping, prefix space),
     * so the text goes to the native tokenizer as DJL's own encode would pass it.
     */
    public long[] tokenize(String text) {
        if (text == null) {
            throw new NullPointerException("text cannot be null");
        }
        TokenizersLibrary lib = TokenizersLibrary.LIB;
        long encoding = lib.encode(tokenizer.getHandle(), text, false);
        try {
            return lib.getTokenIds(encoding);
        } finally {
            lib.deleteEncoding(encoding);
        }
    }

    /** {@link #tokenize} through DJL's {@code Encoding}: the reference the tests and the bench compare it with. */
    public long[] tokenizeWithEncoding(String text) {
        return tokenizer.encode(text, false, false).getIds();
    }

    /**
     * Runs one padded batch. {@code ids} and {@code mask} are row-major [batch, seq]. Returns the
     * output flattened row-major: [batch, labels] for a classifier, [batch, seq, hidden] for an encoder.
     */
    public float[] run(long[] ids, long[] mask, int batch, int seq) {
        long[] shape = {batch, seq};
        Map<String, OnnxTensor> in = new HashMap<>(4);
        try {
            in.put(INPUT_IDS, OnnxTensor.createTensor(env, LongBuffer.wrap(ids), shape));
            in.put(ATTENTION_MASK, OnnxTensor.createTensor(env, LongBuffer.wrap(mask), shape));
            if (tokenTypeIds) {
                in.put(TOKEN_TYPE_IDS, OnnxTensor.createTensor(env, LongBuffer.wrap(new long[ids.length]), shape));
            }
            try (OrtSession.Result result = session.run(in)) {
                Optional<OnnxValue> out = result.get(kind.output);
                if (out.isEmpty() || !(out.get() instanceof OnnxTensor)) {
                    throw new ModelException("Model " + bundle.id() + " returned no tensor " + kind.output);
                }
                FloatBuffer fb = ((OnnxTensor) out.get()).getFloatBuffer();
                float[] values = new float[fb.remaining()];
                fb.get(values);
                return values;
            }
        } catch (OrtException e) {
            throw new ModelException(
                    "Cannot run model " + bundle.id() + " on a batch of " + batch + "×" + seq + ": " + e.getMessage(),
                    e);
        } finally {
            for (OnnxTensor t : in.values()) {
                t.close();
            }
        }
    }

    /**
     * The output of one padded batch: {@code size} sequences padded to {@code seq} tokens, and the
     * attention mask it ran with (row-major [size, seq]).
     */
    public record Batch(float[] output, long[] mask, int size, int seq) {
        /** Tokens the model computed for this batch, padding included. */
        public long computedTokens() {
            return (long) size * seq;
        }
    }

    /**
     * Pads {@code windows[indices[0..]]} to the longest of them with the bundle's pad id (mask 0) and
     * runs them as one batch; output row {@code b} belongs to {@code indices[b]}.
     */
    public Batch runPadded(List<long[]> windows, int[] indices) {
        int seq = 0;
        for (int idx : indices) {
            seq = Math.max(seq, windows.get(idx).length);
        }
        long[] ids = new long[indices.length * seq];
        long[] mask = new long[ids.length];
        Arrays.fill(ids, bundle.padId());
        for (int b = 0; b < indices.length; b++) {
            long[] w = windows.get(indices[b]);
            System.arraycopy(w, 0, ids, b * seq, w.length);
            Arrays.fill(mask, b * seq, b * seq + w.length, 1L);
        }
        return new Batch(run(ids, mask, indices.length, seq), mask, indices.length, seq);
    }

    public ModelBundle bundle() {
        return bundle;
    }

    public Kind kind() {
        return kind;
    }

    /** Where the session runs: "cpu" or "cuda:N". */
    public String device() {
        return device;
    }

    /** Last dimension of the output: number of labels, or hidden size (-1 if the model leaves it dynamic). */
    public long outputWidth() {
        return outputWidth;
    }

    public boolean declaresTokenTypeIds() {
        return tokenTypeIds;
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        closeQuietly(session, options, tokenizer);
    }

    private static void closeQuietly(
            OrtSession session, OrtSession.SessionOptions options, HuggingFaceTokenizer tokenizer) {
        // sessions first, then the options they were made with; never the process-wide environment
        try {
            if (session != null) {
                session.close();
            }
        } catch (OrtException e) {
            LOG.warn("Cannot close ONNX Runtime session: {}", e.getMessage());
        }
        if (options != null) {
            options.close();
        }
        if (tokenizer != null) {
            tokenizer.close();
        }
    }
}
