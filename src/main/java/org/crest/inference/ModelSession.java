package org.crest.inference;

import org.crest.ModelException;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtProvider;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;
import java.io.IOException;
import java.nio.FloatBuffer;
import java.nio.LongBuffer;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;
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

  private ModelSession(ModelBundle bundle, Kind kind, OrtEnvironment env, OrtSession.SessionOptions options,
      OrtSession session, HuggingFaceTokenizer tokenizer, boolean tokenTypeIds, long outputWidth, String device) {
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
    bundle.verifyOnDisk();
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
      session = env.createSession(bundle.dir().resolve(ModelBundle.MODEL_FILE).toString(), options);
      boolean tokenTypes = checkInputs(bundle, session);
      long width = checkOutput(bundle, kind, session);
      tokenizer = HuggingFaceTokenizer.builder()
          .optTokenizerPath(bundle.dir().resolve(ModelBundle.TOKENIZER_FILE))
          .optAddSpecialTokens(false)
          .optTruncation(false)
          .optPadding(false)
          .build();
      LOG.info("Loaded {} {} on {} with {} intra-op thread(s)", kind.name().toLowerCase(), bundle.id(), where,
          Math.max(1, intraOpThreads));
      return new ModelSession(bundle, kind, env, options, session, tokenizer, tokenTypes, width, where);
    } catch (OrtException e) {
      closeQuietly(session, options, tokenizer);
      throw new ModelException("Cannot load model " + bundle.dir().resolve(ModelBundle.MODEL_FILE)
          + " with ONNX Runtime: " + e.getMessage(), e);
    } catch (IOException e) {
      closeQuietly(session, options, tokenizer);
      throw new ModelException("Cannot load tokenizer " + bundle.dir().resolve(ModelBundle.TOKENIZER_FILE)
          + ": " + e.getMessage(), e);
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
        throw new ModelException("Cannot use model " + bundle.id() + ": expected to find an input called '" + required
            + "', found " + new TreeSet<>(inputs.keySet()));
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
    if (!(info.getInfo() instanceof TensorInfo) || ((TensorInfo) info.getInfo()).type != OnnxJavaType.INT64
        || ((TensorInfo) info.getInfo()).getShape().length != 2) {
      throw new ModelException("Cannot use model " + bundle.id() + ": input " + info.getName()
          + " must be an int64 tensor [batch, sequence], found " + info.getInfo());
    }
  }

  private static long checkOutput(ModelBundle bundle, Kind kind, OrtSession session) throws OrtException {
    Map<String, NodeInfo> outputs = session.getOutputInfo();
    NodeInfo info = outputs.get(kind.output);
    if (info == null) {
      throw new ModelException("Cannot use model " + bundle.id() + " as a " + kind.name().toLowerCase()
          + ": expected an output called '" + kind.output + "', found " + new TreeSet<>(outputs.keySet()));
    }
    if (!(info.getInfo() instanceof TensorInfo) || ((TensorInfo) info.getInfo()).type != OnnxJavaType.FLOAT
        || ((TensorInfo) info.getInfo()).getShape().length != kind.rank) {
      throw new ModelException("Cannot use model " + bundle.id() + ": output " + kind.output + " must be a float "
          + (kind == Kind.CLASSIFIER ? "[batch, num_labels]" : "[batch, sequence, hidden]") + " tensor, found "
          + info.getInfo());
    }
    long[] shape = ((TensorInfo) info.getInfo()).getShape();
    long width = shape[shape.length - 1];
    if (kind == Kind.CLASSIFIER && width > 0 && width != bundle.labels().size()) {
      throw new ModelException("Cannot use model " + bundle.id() + ": output logits has " + width
          + " classes but config.json id2label names " + bundle.labels().size() + " " + bundle.labels());
    }
    return width;
  }

  /** Content token ids of a text: no special tokens, no truncation, no padding. */
  public long[] tokenize(String text) {
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
      throw new ModelException("Cannot run model " + bundle.id() + " on a batch of " + batch + "×" + seq + ": "
          + e.getMessage(), e);
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

  private static void closeQuietly(OrtSession session, OrtSession.SessionOptions options,
      HuggingFaceTokenizer tokenizer) {
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
