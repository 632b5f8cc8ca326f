package org.crest.model;

import static org.crest.model.OnnxGraph.attr;
import static org.crest.model.OnnxGraph.attrInts;

import ai.onnx.proto.OnnxMl;
import ai.onnx.proto.OnnxMl.TensorProto;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.crest.ModelException;

/**
 * Builds the ONNX graph of Hugging Face's {@code XLMRobertaForSequenceClassification} (output {@code logits})
 * or {@code XLMRobertaModel} (output {@code last_hidden_state}) from a checkpoint's weights, as optimum's
 * export would compute it:
 * <ul>
 *   <li>inputs {@code input_ids}, {@code attention_mask}: int64 [batch_size, sequence_length];</li>
 *   <li>positions from input_ids, as transformers' create_position_ids_from_input_ids:
 *       {@code cumsum(ids != pad) * (ids != pad) + pad};</li>
 *   <li>embeddings word + token_type[0] + position, LayerNorm; attention mask added as (1 - mask) · float32.min;</li>
 *   <li>post-LayerNorm layers: self-attention, dense + residual + LayerNorm, erf GELU FFN, dense + residual +
 *       LayerNorm;</li>
 *   <li>classifier head: dense, tanh, out_proj on the first token.</li>
 * </ul>
 * Opset 17 (LayerNormalization). Linear weights are transposed once here, so the graph has plain MatMuls.
 * All weights become float32 initializers, whatever their dtype in the checkpoint; with {@code fp16} they
 * become float16 and the graph computes in float16 (ONNX Runtime's CPU provider runs the operators it has
 * no float16 kernel for in float32, through casts it inserts itself); the output is cast back to float32,
 * so a bundle has the same contract in both precisions.
 */
final class XlmRobertaOnnx {
    static final int OPSET = 17;
    static final int IR_VERSION = 8;
    static final String BATCH = "batch_size";
    static final String SEQUENCE = "sequence_length";

    enum Task {
        CLASSIFICATION("logits"),
        EMBEDDING("last_hidden_state");

        final String output;

        Task(String output) {
            this.output = output;
        }
    }

    final Checkpoint ckpt;
    final XlmRobertaConfig cfg;
    final String prefix;
    final OnnxGraph g;
    final Set<String> used = new LinkedHashSet<>();
    /** Quantize the encoder's Linear weights to int8 (dynamic quantization of their inputs at run time). */
    final boolean int8;
    /** Emit ONNX Runtime's fused com.microsoft operators ({@link FusedLayers}) instead of standard ONNX ones. */
    private final boolean fused;

    private XlmRobertaOnnx(
            Checkpoint ckpt, XlmRobertaConfig cfg, String prefix, OnnxGraph g, boolean int8, boolean fused) {
        this.ckpt = ckpt;
        this.cfg = cfg;
        this.prefix = prefix;
        this.g = g;
        this.int8 = int8;
        this.fused = fused;
    }

    /** The encoder's key prefix: "roberta." (ForSequenceClassification, ForMaskedLM) or "" (a bare XLMRobertaModel). */
    static String encoderPrefix(Checkpoint ckpt) {
        for (String p : new String[] {"roberta.", "", "xlm_roberta."}) {
            if (ckpt.has(p + "embeddings.word_embeddings.weight")) {
                return p;
            }
        }
        List<String> names = ckpt.names();
        throw new ModelException("Cannot convert " + ckpt.dir() + ": the checkpoint has no tensor "
                + "roberta.embeddings.word_embeddings.weight (nor embeddings.word_embeddings.weight); is it an XLM-R "
                + "checkpoint? It has " + names.size() + " tensors, e.g. "
                + names.subList(0, Math.min(5, names.size())));
    }

    record Built(OnnxMl.GraphProto graph, Set<String> usedTensors, long initializerBytes) {}

    static Built build(Checkpoint ckpt, XlmRobertaConfig cfg, Task task, OnnxGraph.ExternalData external) {
        return build(ckpt, cfg, task, external, false);
    }

    static Built build(
            Checkpoint ckpt, XlmRobertaConfig cfg, Task task, OnnxGraph.ExternalData external, boolean fp16) {
        return build(
                ckpt,
                cfg,
                task,
                external,
                fp16 ? CheckpointConverter.Precision.FP16 : CheckpointConverter.Precision.FP32);
    }

    static Built build(
            Checkpoint ckpt,
            XlmRobertaConfig cfg,
            Task task,
            OnnxGraph.ExternalData external,
            CheckpointConverter.Precision precision) {
        return build(ckpt, cfg, task, external, precision, CheckpointConverter.Graph.PLAIN);
    }

    static Built build(
            Checkpoint ckpt,
            XlmRobertaConfig cfg,
            Task task,
            OnnxGraph.ExternalData external,
            CheckpointConverter.Precision precision,
            CheckpointConverter.Graph graph) {
        String prefix = encoderPrefix(ckpt);
        OnnxGraph g = new OnnxGraph(
                task == Task.CLASSIFICATION ? "XLMRobertaForSequenceClassification" : "XLMRobertaModel",
                external,
                precision == CheckpointConverter.Precision.FP16);
        XlmRobertaOnnx b = new XlmRobertaOnnx(
                ckpt,
                cfg,
                prefix,
                g,
                precision == CheckpointConverter.Precision.INT8,
                graph == CheckpointConverter.Graph.FUSED);
        if (task == Task.CLASSIFICATION && !ckpt.has("classifier.out_proj.weight")) {
            throw new ModelException("Cannot convert " + ckpt.dir() + " for classification: the checkpoint has no "
                    + "classifier.out_proj.weight (not an XLMRobertaForSequenceClassification checkpoint?); use "
                    + "--task embedding for the encoder alone");
        }
        b.graph(task);
        return new Built(g.proto().build(), b.used, g.initializerBytes());
    }

    private void graph(Task task) {
        OnnxMl.GraphProto.Builder proto = g.proto();
        proto.addInput(OnnxGraph.valueInfo("input_ids", TensorProto.DataType.INT64_VALUE, BATCH, SEQUENCE));
        proto.addInput(OnnxGraph.valueInfo("attention_mask", TensorProto.DataType.INT64_VALUE, BATCH, SEQUENCE));

        String x;
        if (fused) {
            FusedLayers f = new FusedLayers(this);
            String[] embedded = f.embeddings("input_ids", "attention_mask");
            x = embedded[0];
            for (int i = 0; i < cfg.numHiddenLayers(); i++) {
                x = f.layer(i, x, embedded[1]);
            }
        } else {
            x = embeddings("input_ids");
            String additiveMask = additiveMask("attention_mask");
            for (int i = 0; i < cfg.numHiddenLayers(); i++) {
                x = layer(i, x, additiveMask);
            }
        }
        if (task == Task.EMBEDDING) {
            output(task.output, x);
            proto.addOutput(OnnxGraph.valueInfo(
                    task.output, TensorProto.DataType.FLOAT_VALUE, BATCH, SEQUENCE, cfg.hiddenSize()));
            return;
        }
        long labels = shape("classifier.out_proj.weight", -1, cfg.hiddenSize())[0];
        if (labels != cfg.numLabels()) {
            throw new ModelException("Cannot convert " + ckpt.dir() + ": classifier.out_proj.weight has " + labels
                    + " classes but config.json names " + cfg.numLabels() + " labels (id2label/num_labels)");
        }
        String first = g.op("Gather", "cls", List.of(x, g.int64Init("zero", new long[0], 0)), attr("axis", 1));
        String h = g.op(
                "Tanh",
                "classifier.dense.tanh",
                List.of(linear("classifier.dense", first, cfg.hiddenSize(), cfg.hiddenSize())));
        String logits = linear("classifier.out_proj", h, cfg.hiddenSize(), labels);
        output(task.output, logits);
        proto.addOutput(OnnxGraph.valueInfo(task.output, TensorProto.DataType.FLOAT_VALUE, BATCH, labels));
    }

    /** The graph output, always float32: a Cast in an fp16 graph, else an Identity. */
    private void output(String name, String value) {
        if (g.floatType() == TensorProto.DataType.FLOAT_VALUE) {
            g.opTo("Identity", name, List.of(value));
        } else {
            g.opTo("Cast", name, List.of(value), attr("to", TensorProto.DataType.FLOAT_VALUE));
        }
    }

    private String embeddings(String ids) {
        String e = prefix + "embeddings.";
        shape(e + "word_embeddings.weight", cfg.vocabSize(), cfg.hiddenSize());
        shape(e + "position_embeddings.weight", cfg.maxPositionEmbeddings(), cfg.hiddenSize());
        String word = g.op("Gather", "embeddings.word", List.of(weight(e + "word_embeddings.weight"), ids));
        String positions = positionIds(ids);
        String pos =
                g.op("Gather", "embeddings.position", List.of(weight(e + "position_embeddings.weight"), positions));
        String sum = word;
        if (ckpt.has(e + "token_type_embeddings.weight")) {
            // no token_type_ids input: every token has type 0, as transformers' default buffer
            long[] s = shape(e + "token_type_embeddings.weight", -1, cfg.hiddenSize());
            float[] all = floats(e + "token_type_embeddings.weight");
            float[] row0 = Arrays.copyOf(all, (int) s[1]);
            String tt = g.floatInit(e + "token_type_embeddings.row0", new long[] {s[1]}, row0);
            sum = g.op("Add", "embeddings.word_type", List.of(word, tt));
        }
        sum = g.op("Add", "embeddings.sum", List.of(sum, pos));
        return layerNorm(e + "LayerNorm", sum);
    }

    /**
     * int64 position ids from input_ids: cumsum(ids != pad) * (ids != pad) + pad, as transformers'
     * create_position_ids_from_input_ids (the first real token has position pad + 1, padding keeps pad).
     */
    String positionIds(String ids) {
        String pad = g.int64Init("pad_token_id", new long[0], cfg.padTokenId());
        String isPad = g.op("Equal", "embeddings.is_pad", List.of(ids, pad));
        String notPad = g.op(
                "Cast",
                "embeddings.not_pad",
                List.of(g.op("Not", "embeddings.not_pad_bool", List.of(isPad))),
                attr("to", TensorProto.DataType.INT64_VALUE));
        String cum = g.op("CumSum", "embeddings.cumsum", List.of(notPad, g.int64Init("axis1", new long[0], 1)));
        return g.op(
                "Add",
                "embeddings.position_ids",
                List.of(g.op("Mul", "embeddings.cumsum_masked", List.of(cum, notPad)), pad));
    }

    private String additiveMask(String mask) {
        String m = g.op("Cast", "mask.float", List.of(mask), attr("to", g.floatType()));
        String m4 = g.op("Unsqueeze", "mask.b11s", List.of(m, g.int64Init("axes12", new long[] {2}, 1, 2)));
        String inv = g.op("Sub", "mask.inverted", List.of(g.floatScalar("one", 1f), m4));
        // the dtype's most negative finite value, as transformers uses torch.finfo(dtype).min
        boolean fp32 = g.floatType() == TensorProto.DataType.FLOAT_VALUE;
        return g.op(
                "Mul",
                "mask.additive",
                List.of(
                        inv,
                        fp32 ? g.floatScalar("float32_min", -Float.MAX_VALUE) : g.floatScalar("float16_min", -65504f)));
    }

    private String layer(int i, String x, String additiveMask) {
        String p = prefix + "encoder.layer." + i + ".";
        int h = cfg.hiddenSize();
        int heads = cfg.numAttentionHeads();
        int d = cfg.headDim();
        String splitShape = g.int64Init("shape_split_heads", new long[] {4}, 0, 0, heads, d);
        String q = g.op(
                "Transpose",
                p + "q_heads",
                List.of(g.op(
                        "Reshape",
                        p + "q_split",
                        List.of(linear(p + "attention.self.query", x, h, h, int8), splitShape))),
                attrInts("perm", 0, 2, 1, 3));
        String kT = g.op(
                "Transpose",
                p + "k_heads_t",
                List.of(g.op(
                        "Reshape",
                        p + "k_split",
                        List.of(linear(p + "attention.self.key", x, h, h, int8), splitShape))),
                attrInts("perm", 0, 2, 3, 1));
        String v = g.op(
                "Transpose",
                p + "v_heads",
                List.of(g.op(
                        "Reshape",
                        p + "v_split",
                        List.of(linear(p + "attention.self.value", x, h, h, int8), splitShape))),
                attrInts("perm", 0, 2, 1, 3));
        String scores = g.op(
                "Div",
                p + "scores",
                List.of(g.op("MatMul", p + "qk", List.of(q, kT)), g.floatScalar("sqrt_head_dim", (float)
                        Math.sqrt(d))));
        String probs = g.op(
                "Softmax",
                p + "probs",
                List.of(g.op("Add", p + "scores_masked", List.of(scores, additiveMask))),
                attr("axis", -1));
        String ctx = g.op(
                "Transpose",
                p + "context_t",
                List.of(g.op("MatMul", p + "context", List.of(probs, v))),
                attrInts("perm", 0, 2, 1, 3));
        String merged = g.op(
                "Reshape",
                p + "context_merged",
                List.of(ctx, g.int64Init("shape_merge_heads", new long[] {3}, 0, 0, h)));
        String attnOut = layerNorm(
                p + "attention.output.LayerNorm",
                g.op(
                        "Add",
                        p + "attention.residual",
                        List.of(linear(p + "attention.output.dense", merged, h, h, int8), x)));
        String inter =
                gelu(p + "intermediate", linear(p + "intermediate.dense", attnOut, h, cfg.intermediateSize(), int8));
        return layerNorm(
                p + "output.LayerNorm",
                g.op(
                        "Add",
                        p + "output.residual",
                        List.of(linear(p + "output.dense", inter, cfg.intermediateSize(), h, int8), attnOut)));
    }

    /** Exact GELU: x · 0.5 · (1 + erf(x / √2)), as torch.nn.functional.gelu; ORT fuses it into one kernel. */
    private String gelu(String name, String x) {
        String erf = g.op(
                "Erf", name + ".erf", List.of(g.op("Div", name + ".scaled", List.of(x, g.floatScalar("sqrt2", (float)
                        Math.sqrt(2.0))))));
        String onePlus = g.op("Add", name + ".one_plus_erf", List.of(erf, g.floatScalar("one", 1f)));
        String half = g.op("Mul", name + ".half_x", List.of(x, g.floatScalar("half", 0.5f)));
        return g.op("Mul", name + ".gelu", List.of(half, onePlus));
    }

    /** y = x · Wᵀ + b for a torch Linear [out, in]; the weight is stored transposed ([in, out]) for MatMul. */
    private String linear(String name, String x, long in, long out) {
        return linear(name, x, in, out, false);
    }

    /** As {@link #linear(String, String, long, long)}; with {@code quantize}, an int8 Linear ({@link #int8Linear}). */
    private String linear(String name, String x, long in, long out, boolean quantize) {
        long[] s = shape(name + ".weight", out, in);
        shape(name + ".bias", s[0]);
        float[] w = floats(name + ".weight");
        int rows = (int) s[0];
        int cols = (int) s[1];
        if (quantize) {
            return int8Linear(name, x, w, rows, cols);
        }
        float[] wt = new float[w.length];
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < cols; c++) {
                wt[c * rows + r] = w[r * cols + c];
            }
        }
        String wName = g.floatInit(name + ".weight.T", new long[] {cols, rows}, wt);
        String mm = g.op("MatMul", name + ".matmul", List.of(x, wName));
        return g.op("Add", name, List.of(mm, weight(name + ".bias")));
    }

    /**
     * y = x · Wᵀ + b with W quantized per output channel: symmetric int8 (−127..127, zero point 0), one float32
     * scale per output column, {@code max|W[j,:]| / 127}. One ONNX Runtime {@code com.microsoft}
     * DynamicQuantizeMatMul node: x is quantized at run time per tensor (uint8, asymmetric, DynamicQuantizeLinear
     * semantics), the product accumulates in int32, is scaled back to float32 (x's scale times each column's) and
     * the float32 bias is added. The standard-ONNX form (DynamicQuantizeLinear + MatMulInteger + Cast + Mul + Add)
     * gives the same scores and ran 0.94× as fast in one interleaved run (docs/PERFORMANCE.md).
     */
    String int8Linear(String name, String x, float[] w, int rows, int cols) {
        QuantizedWeight q = quantizePerRow(w, rows, cols);
        String wq = g.int8Init(name + ".weight.T.int8", new long[] {cols, rows}, q.values());
        String scale = g.floatInit(name + ".weight.scale", new long[] {rows}, q.scales());
        String bias = weight(name + ".bias");
        return g.opIn(OnnxGraph.MS_DOMAIN, "DynamicQuantizeMatMul", name, 1, List.of(x, wq, scale, "", bias))
                .get(0);
    }

    /** int8 values of Wᵀ ([cols, rows], row-major) and the scale of each of its columns (W's rows). */
    record QuantizedWeight(byte[] values, float[] scales) {}

    /**
     * Symmetric per-channel quantization of a torch Linear weight W [rows = out, cols = in]: scale of row j is
     * max|W[j,:]| / 127 (1 for an all-zero row), q = round-half-even(W / scale) clamped to ±127, stored
     * transposed.
     */
    static QuantizedWeight quantizePerRow(float[] w, int rows, int cols) {
        float[] scales = new float[rows];
        byte[] q = new byte[w.length];
        for (int r = 0; r < rows; r++) {
            float max = 0;
            for (int c = 0; c < cols; c++) {
                max = Math.max(max, Math.abs(w[r * cols + c]));
            }
            float scale = max > 0 ? max / 127f : 1f;
            scales[r] = scale;
            for (int c = 0; c < cols; c++) {
                long v = (long) Math.rint(w[r * cols + c] / scale);
                q[c * rows + r] = (byte) Math.max(-127, Math.min(127, v));
            }
        }
        return new QuantizedWeight(q, scales);
    }

    private String layerNorm(String name, String x) {
        shape(name + ".weight", cfg.hiddenSize());
        shape(name + ".bias", cfg.hiddenSize());
        return g.op(
                "LayerNormalization",
                name + ".out",
                List.of(x, weight(name + ".weight"), weight(name + ".bias")),
                attr("axis", -1),
                attr("epsilon", (float) cfg.layerNormEps()));
    }

    /** A checkpoint tensor as an initializer of the same name and shape. */
    String weight(String name) {
        Safetensors.Tensor t = ckpt.tensor(name);
        used.add(name);
        return g.floatInit(name, t.shape(), ckpt.float32Bytes(name));
    }

    float[] floats(String name) {
        used.add(name);
        byte[] b = ckpt.float32Bytes(name);
        float[] out = new float[b.length / 4];
        ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(out);
        return out;
    }

    /** Checks a tensor's shape against what config.json implies; -1 accepts any size. */
    long[] shape(String name, long... expected) {
        if (!ckpt.has(name)) {
            throw new ModelException("Cannot convert " + ckpt.dir() + ": the checkpoint has no tensor " + name
                    + " (config.json: " + cfg + ")");
        }
        Safetensors.Tensor t = ckpt.tensor(name);
        boolean ok = t.shape().length == expected.length;
        for (int i = 0; ok && i < expected.length; i++) {
            ok = expected[i] < 0 || expected[i] == t.shape()[i];
        }
        if (!ok) {
            throw new ModelException("Cannot convert " + ckpt.dir() + ": tensor " + name + " has shape "
                    + Arrays.toString(t.shape()) + ", expected "
                    + Arrays.toString(expected).replace("-1", "*")
                    + " from config.json (" + cfg + ")");
        }
        if (!t.isFloat()) {
            throw new ModelException("Cannot convert " + ckpt.dir() + ": tensor " + name + " has dtype " + t.dtype()
                    + ", expected F32, F16, BF16 or F64");
        }
        return t.shape();
    }
}
