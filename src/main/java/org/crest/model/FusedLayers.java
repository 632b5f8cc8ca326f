package org.crest.model;

import static org.crest.model.OnnxGraph.attr;

import ai.onnx.proto.OnnxMl.TensorProto;
import java.util.List;

/**
 * The encoder of {@code --graph fused}: the same computation as {@link XlmRobertaOnnx}'s plain graph, written with
 * ONNX Runtime's {@code com.microsoft} contrib operators that have CPU and CUDA kernels:
 * <ul>
 *   <li>{@code EmbedLayerNormalization}: word + position embeddings and their LayerNorm in one node. XLM-R's
 *       positions start at pad + 1 and skip padding, so they are computed as in the plain graph (CumSum over
 *       {@code ids != pad}) and passed as the operator's {@code position_ids} input; {@code token_type_embeddings[0]}
 *       (every token has type 0) is added to the word embeddings at conversion, in the order torch adds it
 *       ((word + type) + position), so no segment input is needed. The node's second output, the number of real
 *       tokens per row ({@code mask_index}), feeds every Attention node;</li>
 *   <li>{@code Attention}: Q, K and V projections as one GEMM over a packed {@code [hidden, 3·hidden]} weight,
 *       scaled dot product, softmax and P·V per head; masked keys get the operator's mask filter value (−10000)
 *       instead of float32.min (both give exp(·) = 0). {@code mask_index} as right-padding lengths assumes right
 *       padding, which the plain graph's positions assume too;</li>
 *   <li>{@code SkipLayerNormalization}: the attention and FFN outputs' bias + residual + LayerNorm;</li>
 *   <li>{@code BiasGelu}: the intermediate bias + exact (erf) GELU. FastGelu is the tanh approximation
 *       (differences up to ~1e-3 per activation), so it is not used.</li>
 * </ul>
 * With int8 weights, the attention output, intermediate and output Linears are {@code DynamicQuantizeMatMul} (bias
 * included, then {@code Gelu} and a bias-less SkipLayerNormalization); the packed Q/K/V weight of Attention stays
 * float32 (the operator takes float weights). The classifier head is the plain graph's.
 */
final class FusedLayers {
    private final XlmRobertaOnnx b;
    private final OnnxGraph g;

    FusedLayers(XlmRobertaOnnx b) {
        this.b = b;
        this.g = b.g;
    }

    /** Returns {hidden states, mask_index (int32 [batch]: real tokens per row)}. */
    String[] embeddings(String ids, String mask) {
        XlmRobertaConfig cfg = b.cfg;
        String e = b.prefix + "embeddings.";
        long[] ws = b.shape(e + "word_embeddings.weight", cfg.vocabSize(), cfg.hiddenSize());
        b.shape(e + "position_embeddings.weight", cfg.maxPositionEmbeddings(), cfg.hiddenSize());
        b.shape(e + "LayerNorm.weight", cfg.hiddenSize());
        b.shape(e + "LayerNorm.bias", cfg.hiddenSize());
        String word;
        if (b.ckpt.has(e + "token_type_embeddings.weight")) {
            b.shape(e + "token_type_embeddings.weight", -1, cfg.hiddenSize());
            float[] w = b.floats(e + "word_embeddings.weight");
            float[] tt = b.floats(e + "token_type_embeddings.weight");
            int h = (int) ws[1];
            for (int i = 0; i < w.length; i++) {
                w[i] += tt[i % h];
            }
            word = g.floatInit(e + "word_embeddings.weight.plus_type0", ws, w);
        } else {
            word = b.weight(e + "word_embeddings.weight");
        }
        String ids32 = g.op("Cast", "embeddings.ids_int32", List.of(ids), attr("to", TensorProto.DataType.INT32_VALUE));
        String mask32 =
                g.op("Cast", "embeddings.mask_int32", List.of(mask), attr("to", TensorProto.DataType.INT32_VALUE));
        String pos32 = g.op(
                "Cast",
                "embeddings.position_ids_int32",
                List.of(b.positionIds(ids)),
                attr("to", TensorProto.DataType.INT32_VALUE));
        List<String> out = g.opIn(
                OnnxGraph.MS_DOMAIN,
                "EmbedLayerNormalization",
                "embeddings.LayerNorm.out",
                2,
                List.of(
                        ids32,
                        "",
                        word,
                        b.weight(e + "position_embeddings.weight"),
                        "",
                        b.weight(e + "LayerNorm.weight"),
                        b.weight(e + "LayerNorm.bias"),
                        mask32,
                        pos32),
                attr("epsilon", (float) cfg.layerNormEps()));
        return new String[] {out.get(0), out.get(1)};
    }

    String layer(int i, String x, String maskIndex) {
        XlmRobertaConfig cfg = b.cfg;
        String p = b.prefix + "encoder.layer." + i + ".";
        int h = cfg.hiddenSize();
        // packed Q/K/V: columns [0, h) query, [h, 2h) key, [2h, 3h) value, each Wᵀ of the torch Linear
        float[] packed = new float[h * 3 * h];
        float[] bias = new float[3 * h];
        String[] parts = {"query", "key", "value"};
        for (int k = 0; k < 3; k++) {
            String name = p + "attention.self." + parts[k];
            b.shape(name + ".weight", h, h);
            b.shape(name + ".bias", h);
            float[] w = b.floats(name + ".weight");
            for (int r = 0; r < h; r++) {
                for (int c = 0; c < h; c++) {
                    packed[c * 3 * h + k * h + r] = w[r * h + c];
                }
            }
            System.arraycopy(b.floats(name + ".bias"), 0, bias, k * h, h);
        }
        String wqkv = g.floatInit(p + "attention.self.qkv.weight.T", new long[] {h, 3L * h}, packed);
        String bqkv = g.floatInit(p + "attention.self.qkv.bias", new long[] {3L * h}, bias);
        String ctx = g.opIn(
                        OnnxGraph.MS_DOMAIN,
                        "Attention",
                        p + "attention.context",
                        1,
                        List.of(x, wqkv, bqkv, maskIndex),
                        attr("num_heads", cfg.numAttentionHeads()))
                .get(0);
        String attnOut = skipLayerNorm(p + "attention.output", ctx, x, h, h);
        String inter;
        if (b.int8) {
            String mm = linearNoBias(p + "intermediate.dense", attnOut, h, cfg.intermediateSize(), true);
            inter = g.opIn(OnnxGraph.MS_DOMAIN, "Gelu", p + "intermediate.gelu", 1, List.of(mm))
                    .get(0);
        } else {
            String mm = linearNoBias(p + "intermediate.dense", attnOut, h, cfg.intermediateSize(), false);
            inter = g.opIn(
                            OnnxGraph.MS_DOMAIN,
                            "BiasGelu",
                            p + "intermediate.gelu",
                            1,
                            List.of(mm, b.weight(p + "intermediate.dense.bias")))
                    .get(0);
        }
        return skipLayerNorm(p + "output", inter, attnOut, cfg.intermediateSize(), h);
    }

    /** LayerNorm(dense(x) + residual), the dense bias inside SkipLayerNormalization (or inside the int8 MatMul). */
    private String skipLayerNorm(String block, String x, String residual, long in, long out) {
        String ln = block + ".LayerNorm";
        b.shape(ln + ".weight", b.cfg.hiddenSize());
        b.shape(ln + ".bias", b.cfg.hiddenSize());
        String mm = linearNoBias(block + ".dense", x, in, out, b.int8);
        List<String> inputs = b.int8
                ? List.of(mm, residual, b.weight(ln + ".weight"), b.weight(ln + ".bias"))
                : List.of(
                        mm,
                        residual,
                        b.weight(ln + ".weight"),
                        b.weight(ln + ".bias"),
                        b.weight(block + ".dense.bias"));
        return g.opIn(OnnxGraph.MS_DOMAIN, "SkipLayerNormalization", ln + ".out", 1, inputs, attr("epsilon", (float)
                        b.cfg.layerNormEps()))
                .get(0);
    }

    /** x · Wᵀ without the bias (float32, which a fused node adds), or with it in a DynamicQuantizeMatMul (int8). */
    private String linearNoBias(String name, String x, long in, long out, boolean quantize) {
        long[] s = b.shape(name + ".weight", out, in);
        b.shape(name + ".bias", s[0]);
        int rows = (int) s[0];
        int cols = (int) s[1];
        float[] w = b.floats(name + ".weight");
        if (quantize) {
            return b.int8Linear(name, x, w, rows, cols);
        }
        float[] wt = new float[w.length];
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < cols; c++) {
                wt[c * rows + r] = w[r * cols + c];
            }
        }
        return g.op(
                "MatMul", name + ".matmul", List.of(x, g.floatInit(name + ".weight.T", new long[] {cols, rows}, wt)));
    }
}
