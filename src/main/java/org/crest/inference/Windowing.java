package org.crest.inference;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Splits a text's content tokens into model-sized windows so that long texts are never dropped.
 *
 * <p>Content tokens {@code c[0..n)} are cut into windows of at most {@code maxTokens - 2} tokens that
 * start at 0, stride, 2·stride, … and stop after the first window that reaches {@code n}. Each window
 * is wrapped as {@code <s> … </s>}. An empty text gives one window, {@code <s> </s>}.
 */
public final class Windowing {
    private final int maxTokens;
    private final int stride;
    private final long bosId;
    private final long eosId;

    public Windowing(int maxTokens, int stride, long bosId, long eosId) {
        if (maxTokens < 3) {
            throw new IllegalArgumentException(
                    "Cannot window texts: max tokens must be at least 3 (" + maxTokens + ")");
        }
        if (stride < 1 || stride > maxTokens - 2) {
            throw new IllegalArgumentException("Cannot window texts: stride must be between 1 and max tokens - 2 = "
                    + (maxTokens - 2) + " so that no token is skipped (" + stride + ")");
        }
        this.maxTokens = maxTokens;
        this.stride = stride;
        this.bosId = bosId;
        this.eosId = eosId;
    }

    public int maxTokens() {
        return maxTokens;
    }

    public int stride() {
        return stride;
    }

    /** Number of windows a text of {@code n} content tokens is split into. */
    public int windowCount(int n) {
        int size = maxTokens - 2;
        if (n <= size) {
            return 1;
        }
        // first start s with s + size >= n, counted in strides: ceil((n - size) / stride) + 1
        return (n - size + stride - 1) / stride + 1;
    }

    /** Windows of the content tokens, each with {@code <s>} and {@code </s>} around it. */
    public List<long[]> windows(long[] content) {
        int n = content.length;
        int size = maxTokens - 2;
        int count = windowCount(n);
        List<long[]> out = new ArrayList<>(count);
        for (int w = 0; w < count; w++) {
            int start = w * stride;
            int end = Math.min(start + size, n);
            long[] ids = new long[end - start + 2];
            ids[0] = bosId;
            System.arraycopy(content, start, ids, 1, end - start);
            ids[ids.length - 1] = eosId;
            out.add(ids);
        }
        return out;
    }

    @Override
    public String toString() {
        return "Windowing{maxTokens=" + maxTokens + ", stride=" + stride + ", specials=" + Arrays.asList(bosId, eosId)
                + "}";
    }
}
