package org.crest.inference;

import java.util.ArrayList;
import java.util.List;

/**
 * Scores texts with a classifier session: tokenize (no padding) → windows → length-sorted batches by
 * token budget → ONNX Runtime → softmax → P(unsafe) per window → maximum per text. Scores return to
 * their texts whatever the batch order. A text with a NaN or infinite logit or probability in any window gets
 * no score ({@link Scores#finite}), never the maximum of its other windows.
 */
public final class Classifier {
    private final ModelSession session;
    private final Windowing windowing;
    private final LengthBatcher batcher;
    private final int unsafeIndex;

    public Classifier(ModelSession session, Windowing windowing, LengthBatcher batcher, int unsafeIndex) {
        if (session.kind() != ModelSession.Kind.CLASSIFIER) {
            throw new IllegalArgumentException("Cannot classify with an encoder session ("
                    + session.bundle().id() + ")");
        }
        int labels = session.bundle().labels().size();
        if (unsafeIndex < 0 || unsafeIndex >= labels) {
            throw new IllegalArgumentException("Unsafe label index " + unsafeIndex + " is outside 0.." + (labels - 1));
        }
        this.session = session;
        this.windowing = windowing;
        this.batcher = batcher;
        this.unsafeIndex = unsafeIndex;
    }

    /** Scores of a group of texts, index-aligned with the input, and the work it took. */
    public static final class Scores {
        public final double[] pUnsafe;
        public final int[] windows;
        public final int[] tokens;
        /** Tokens the model saw, specials included, padding excluded. */
        public long realTokens;
        /** Tokens the model computed: batch size × padded length, summed over batches. */
        public long computedTokens;

        public int batches;

        /**
         * Whether text {@code i} has a score: false when a logit or probability of any of its windows was NaN or
         * infinite ({@link #pUnsafe} is then NaN). Such a text must not be labeled.
         */
        public boolean finite(int i) {
            return Double.isFinite(pUnsafe[i]);
        }

        Scores(int n) {
            pUnsafe = new double[n];
            windows = new int[n];
            tokens = new int[n];
        }
    }

    public Scores score(List<String> texts) {
        return scoreTokens(tokenize(texts));
    }

    /** Content token ids of each text ({@link ModelSession#tokenize}); safe to call from another thread. */
    public List<long[]> tokenize(List<String> texts) {
        List<long[]> tokenized = new ArrayList<>(texts.size());
        for (String t : texts) {
            tokenized.add(session.tokenize(t));
        }
        return tokenized;
    }

    /** Scores texts given as content token ids (no specials). */
    public Scores scoreTokens(List<long[]> contentIds) {
        int n = contentIds.size();
        Scores out = new Scores(n);
        int total = 0;
        for (int i = 0; i < n; i++) {
            total += windowing.windowCount(contentIds.get(i).length);
        }
        List<long[]> windows = new ArrayList<>(total);
        int[] owner = new int[total]; // text of each window, without a boxed Integer per window
        int[] lengths = new int[total];
        for (int i = 0; i < n; i++) {
            long[] ids = contentIds.get(i);
            out.tokens[i] = ids.length;
            List<long[]> w = windowing.windows(ids);
            out.windows[i] = w.size();
            out.pUnsafe[i] = Double.NEGATIVE_INFINITY;
            for (long[] x : w) {
                owner[windows.size()] = i;
                lengths[windows.size()] = x.length;
                out.realTokens += x.length;
                windows.add(x);
            }
        }
        int labels = session.bundle().labels().size();
        for (int[] batch : batcher.batches(lengths)) {
            ModelSession.Batch run = session.runPadded(windows, batch);
            float[] logits = run.output();
            out.computedTokens += run.computedTokens();
            out.batches++;
            for (int b = 0; b < batch.length; b++) {
                double p = windowScore(logits, b * labels, labels, unsafeIndex);
                int row = owner[batch[b]];
                // NaN > x is false, so a row that got NaN keeps it whatever its other windows say
                if (Double.isNaN(p) || p > out.pUnsafe[row]) {
                    out.pUnsafe[row] = p;
                }
            }
        }
        for (int i = 0; i < n; i++) {
            if (!Double.isFinite(out.pUnsafe[i])) {
                out.pUnsafe[i] = Double.NaN; // also a row without windows: never a score
            }
        }
        return out;
    }

    /**
     * P(unsafe) of one window, or NaN when any of its logits or the probability is not finite: a NaN or infinite
     * logit never becomes a score (softmax would turn +∞ into NaN and −∞ into a confident 0 or 1).
     */
    static double windowScore(float[] logits, int offset, int labels, int k) {
        for (int j = 0; j < labels; j++) {
            if (!Float.isFinite(logits[offset + j])) {
                return Double.NaN;
            }
        }
        double p = softmaxAt(logits, offset, labels, k);
        return Double.isFinite(p) ? p : Double.NaN;
    }

    /** Softmax probability of class {@code k} from float logits, computed in double. */
    static double softmaxAt(float[] logits, int offset, int labels, int k) {
        double lk = logits[offset + k];
        double sum = 0;
        for (int j = 0; j < labels; j++) {
            sum += Math.exp(logits[offset + j] - lk);
        }
        return 1.0 / sum;
    }

    public ModelSession session() {
        return session;
    }
}
