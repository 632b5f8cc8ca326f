package org.crest.inference;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Groups sequences into batches by a token budget after sorting them by length, so that each batch
 * pads to a length close to all of its members.
 *
 * <p>A batch's cost is {@code size × longest length} (the tokens the model computes, padding
 * included); a batch never exceeds {@code tokenBudget} nor {@code maxBatchSize} except that a single
 * sequence longer than the budget forms a batch of its own.
 */
public final class LengthBatcher {
    private final int tokenBudget;
    private final int maxBatchSize;

    public LengthBatcher(int tokenBudget, int maxBatchSize) {
        if (tokenBudget < 1) {
            throw new IllegalArgumentException("Cannot batch: token budget must be positive (" + tokenBudget + ")");
        }
        if (maxBatchSize < 1) {
            throw new IllegalArgumentException(
                    "Cannot batch: maximum batch size must be positive (" + maxBatchSize + ")");
        }
        this.tokenBudget = tokenBudget;
        this.maxBatchSize = maxBatchSize;
    }

    public int tokenBudget() {
        return tokenBudget;
    }

    public int maxBatchSize() {
        return maxBatchSize;
    }

    /**
     * Returns batches as arrays of indices into {@code lengths}; within a batch, indices are in
     * ascending length order. Every index appears in exactly one batch.
     */
    public List<int[]> batches(int[] lengths) {
        // sorted by (length, index): equal lengths keep input order, so results are deterministic (the order a
        // stable sort by length gives); one primitive sort of packed longs, no boxed index per window
        long[] order = new long[lengths.length];
        for (int i = 0; i < lengths.length; i++) {
            if (lengths[i] < 0) {
                throw new IllegalArgumentException("Cannot batch: negative length " + lengths[i] + " at " + i);
            }
            order[i] = ((long) lengths[i] << 32) | i;
        }
        Arrays.sort(order);
        List<int[]> out = new ArrayList<>();
        int[] current = new int[Math.min(maxBatchSize, Math.max(1, lengths.length))];
        int size = 0;
        for (long packed : order) {
            int idx = (int) packed;
            int len = lengths[idx];
            // sorted ascending: the newcomer is the longest, so the padded cost is (size + 1) * len
            if (size > 0 && (size + 1 > maxBatchSize || (long) (size + 1) * len > tokenBudget)) {
                out.add(Arrays.copyOf(current, size));
                size = 0;
            }
            current[size++] = idx;
        }
        if (size > 0) {
            out.add(Arrays.copyOf(current, size));
        }
        return out;
    }
}
