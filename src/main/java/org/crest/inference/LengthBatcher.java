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
 *
 * <p>Two ways to cut the sorted sequences into batches:
 * <ul>
 *   <li>{@link #FILL}: each batch takes sequences until the next one would break the budget or the size (fewest
 *       batches; what a GPU wants, whose kernels need large batches);
 *   <li>a batch cost of {@code c} tokens: the cut that minimises {@code Σ size × longest + c × batches} (a
 *       dynamic programme over the sorted lengths, O(n × maxBatchSize)). On a CPU a token costs about the same in a
 *       batch of 1×64 as of 8×256 (docs/PERFORMANCE.md), so a padded token is pure loss and a batch costs only a
 *       few tokens' worth of overhead: {@link #CPU_BATCH_COST_TOKENS}. Within a small pool of windows (a small
 *       partition, a chunk's long tail) this pads far less than filling.
 * </ul>
 */
public final class LengthBatcher {
    /** Fill each batch up to the budget and the size ({@link #batches}). */
    public static final int FILL = -1;

    /**
     * The overhead of one batch on a CPU, in tokens: measured on the XLM-R base shape with one intra-op thread, a
     * 1×16 batch took 36.7 ms against 1.8–2.0 ms per token in batches of 64 to 2,048 tokens (about 4 tokens'
     * worth); 16 leaves room for smaller models, whose fixed cost per run weighs more.
     */
    public static final int CPU_BATCH_COST_TOKENS = 16;

    private final int tokenBudget;
    private final int maxBatchSize;
    private final int batchCost;

    /** Batches that fill the budget ({@link #FILL}). */
    public LengthBatcher(int tokenBudget, int maxBatchSize) {
        this(tokenBudget, maxBatchSize, FILL);
    }

    /** {@code batchCost}: {@link #FILL}, or the overhead of one batch in tokens (0 or more) to cut by. */
    public LengthBatcher(int tokenBudget, int maxBatchSize, int batchCost) {
        if (tokenBudget < 1) {
            throw new IllegalArgumentException("Cannot batch: token budget must be positive (" + tokenBudget + ")");
        }
        if (maxBatchSize < 1) {
            throw new IllegalArgumentException(
                    "Cannot batch: maximum batch size must be positive (" + maxBatchSize + ")");
        }
        if (batchCost < FILL) {
            throw new IllegalArgumentException(
                    "Cannot batch: batch cost must be 0 or more, or FILL (" + batchCost + ")");
        }
        this.tokenBudget = tokenBudget;
        this.maxBatchSize = maxBatchSize;
        this.batchCost = batchCost;
    }

    /**
     * This budget and size, cut for the device a session runs on ({@link ModelSession#device()}): filled batches on
     * a GPU ({@code cuda:N}), {@link #CPU_BATCH_COST_TOKENS} on a CPU.
     */
    public LengthBatcher forDevice(String where) {
        int cost = where != null && where.startsWith("cuda") ? FILL : CPU_BATCH_COST_TOKENS;
        return cost == batchCost ? this : new LengthBatcher(tokenBudget, maxBatchSize, cost);
    }

    /** {@link #FILL} or the overhead of one batch in tokens. */
    public int batchCost() {
        return batchCost;
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
        if (batchCost != FILL) {
            return cheapest(order, lengths);
        }
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

    /**
     * The cut of the sorted windows into consecutive batches with the least {@code Σ size × longest + batchCost ×
     * batches} within the budget and the size: best[i] is the cost of the first i windows, and a batch ending at
     * window i starts at some j ≥ i − maxBatchSize. Among equal costs the larger batch wins.
     */
    private List<int[]> cheapest(long[] order, int[] lengths) {
        int n = order.length;
        long[] best = new long[n + 1];
        int[] start = new int[n + 1];
        for (int i = 1; i <= n; i++) {
            long longest = lengths[(int) order[i - 1]];
            best[i] = Long.MAX_VALUE;
            for (int j = i - 1; j >= 0 && i - j <= maxBatchSize; j--) {
                int size = i - j;
                if (size > 1 && size * longest > tokenBudget) {
                    break; // a single window longer than the budget is still a batch of its own
                }
                long cost = best[j] + size * longest + batchCost;
                if (cost <= best[i]) {
                    best[i] = cost;
                    start[i] = j;
                }
            }
        }
        List<int[]> out = new ArrayList<>();
        for (int i = n; i > 0; i = start[i]) {
            int[] batch = new int[i - start[i]];
            for (int k = 0; k < batch.length; k++) {
                batch[k] = (int) order[start[i] + k];
            }
            out.add(batch);
        }
        java.util.Collections.reverse(out);
        return out;
    }
}
