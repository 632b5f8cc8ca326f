package org.crest.inference;

import java.util.ArrayList;
import java.util.List;

/**
 * Sentence embeddings with an encoder session, as in the CREST paper's eq. 1: the masked mean of the
 * last hidden state over the tokens the attention mask keeps, {@code <s>} and {@code </s>} included,
 * computed here in double from the float32 states (padding never enters the mean).
 *
 * <p>Long texts: only the <b>first window</b> is embedded: the content tokens are truncated to
 * {@code maxTokens - 2} and wrapped as {@code <s> … </s>}, which is what a Hugging Face pipeline with
 * {@code truncation=True, max_length=512} feeds XLM-R, and what the fixture reference computed (the
 * first {@code 512_256} window). Averaging several windows would weight a long text's tail like a
 * sentence of its own; the paper's units are single translated prompts well under 512 tokens.
 *
 * <p>Tokenize (no padding) → truncate → length-sorted batches by token budget → ONNX Runtime →
 * pooling. Vectors return to their texts whatever the batch order. Knows nothing of Spark.
 */
public final class Encoder {
    private final ModelSession session;
    private final int maxTokens;
    private final LengthBatcher batcher;

    public Encoder(ModelSession session, int maxTokens, LengthBatcher batcher) {
        if (session.kind() != ModelSession.Kind.ENCODER) {
            throw new IllegalArgumentException("Cannot embed with a classifier session ("
                    + session.bundle().id() + "): the model must output last_hidden_state");
        }
        if (maxTokens < 3) {
            throw new IllegalArgumentException("Cannot embed: max tokens must be at least 3 (" + maxTokens + ")");
        }
        this.session = session;
        this.maxTokens = maxTokens;
        this.batcher = batcher;
    }

    /** Embeddings of a group of texts, index-aligned with the input, and the work it took. */
    public static final class Embeddings {
        /** One eq. 1 vector per text. */
        public final double[][] vectors;
        /** Content tokens of each text before truncation (specials excluded). */
        public final int[] tokens;
        /** Whether a text had more than {@code maxTokens - 2} content tokens and was cut. */
        public final boolean[] truncated;

        public long realTokens;
        public long computedTokens;
        public int batches;

        Embeddings(int n) {
            vectors = new double[n][];
            tokens = new int[n];
            truncated = new boolean[n];
        }
    }

    public Embeddings embed(List<String> texts) {
        List<long[]> ids = new ArrayList<>(texts.size());
        for (String t : texts) {
            ids.add(session.tokenize(t));
        }
        return embedTokens(ids);
    }

    /** The model input for content tokens: the first {@code maxTokens - 2} of them between {@code <s>} and {@code </s>}. */
    public long[] firstWindow(long[] content) {
        int n = Math.min(content.length, maxTokens - 2);
        long[] ids = new long[n + 2];
        ids[0] = session.bundle().bosId();
        System.arraycopy(content, 0, ids, 1, n);
        ids[n + 1] = session.bundle().eosId();
        return ids;
    }

    /** Embeds texts given as content token ids (no specials). */
    public Embeddings embedTokens(List<long[]> contentIds) {
        int n = contentIds.size();
        Embeddings out = new Embeddings(n);
        List<long[]> inputs = new ArrayList<>(n);
        int[] lengths = new int[n];
        for (int i = 0; i < n; i++) {
            long[] c = contentIds.get(i);
            out.tokens[i] = c.length;
            out.truncated[i] = c.length > maxTokens - 2;
            long[] w = firstWindow(c);
            inputs.add(w);
            lengths[i] = w.length;
            out.realTokens += w.length;
        }
        for (int[] batch : batcher.batches(lengths)) {
            ModelSession.Batch run = session.runPadded(inputs, batch);
            float[] states = run.output();
            int seq = run.seq();
            int hidden = states.length / (batch.length * seq);
            out.computedTokens += run.computedTokens();
            out.batches++;
            for (int b = 0; b < batch.length; b++) {
                out.vectors[batch[b]] = maskedMean(states, run.mask(), b, seq, hidden);
            }
        }
        return out;
    }

    /** Eq. 1 for row {@code b} of a [batch, seq, hidden] output: sum(h·m) / sum(m), in double. */
    static double[] maskedMean(float[] states, long[] mask, int b, int seq, int hidden) {
        double[] sum = new double[hidden];
        long kept = 0;
        for (int j = 0; j < seq; j++) {
            long m = mask[b * seq + j];
            if (m == 0) {
                continue;
            }
            kept += m;
            int base = (b * seq + j) * hidden;
            for (int h = 0; h < hidden; h++) {
                sum[h] += states[base + h] * (double) m;
            }
        }
        for (int h = 0; h < hidden; h++) {
            sum[h] /= kept;
        }
        return sum;
    }

    public ModelSession session() {
        return session;
    }

    public int maxTokens() {
        return maxTokens;
    }
}
