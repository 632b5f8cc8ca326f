package org.crest.cluster;

import java.util.HashMap;
import java.util.Map;

/**
 * Adjusted Rand index (Hubert and Arabie 1985) of two partitions of the same items: 1 for identical
 * partitions (whatever the cluster names), about 0 for independent ones, negative when worse than chance.
 *
 * <p>From the contingency table n_ij: index = Σ C(n_ij, 2), a = Σ_i C(row_i, 2), b = Σ_j C(col_j, 2),
 * expected = a·b / C(n, 2), ARI = (index − expected) / ((a + b)/2 − expected). When the denominator is
 * 0 (both partitions put everything in one cluster, or both make every item a cluster of its own) the
 * partitions are equal and ARI is 1.
 */
public final class AdjustedRand {
    private AdjustedRand() {}

    /** ARI of two labelings of the same items, index-aligned. */
    public static double of(int[] a, int[] b) {
        if (a.length != b.length) {
            throw new IllegalArgumentException(
                    "Cannot compare partitions of different sizes (" + a.length + " and " + b.length + ")");
        }
        Map<Integer, Integer> ra = index(a);
        Map<Integer, Integer> rb = index(b);
        long[][] table = new long[ra.size()][rb.size()];
        for (int i = 0; i < a.length; i++) {
            table[ra.get(a[i])][rb.get(b[i])]++;
        }
        return ofContingency(table);
    }

    private static Map<Integer, Integer> index(int[] labels) {
        Map<Integer, Integer> m = new HashMap<>();
        for (int l : labels) {
            m.putIfAbsent(l, m.size());
        }
        return m;
    }

    /** ARI from a contingency table: {@code table[i][j]} items in cluster i of one partition and j of the other. */
    public static double ofContingency(long[][] table) {
        double index = 0;
        long n = 0;
        int cols = table.length == 0 ? 0 : table[0].length;
        long[] colSums = new long[cols];
        double a = 0;
        for (long[] row : table) {
            long rowSum = 0;
            for (int j = 0; j < cols; j++) {
                index += comb2(row[j]);
                rowSum += row[j];
                colSums[j] += row[j];
            }
            a += comb2(rowSum);
            n += rowSum;
        }
        double b = 0;
        for (long c : colSums) {
            b += comb2(c);
        }
        if (n < 2) {
            return 1.0;
        }
        double expected = a * b / comb2(n);
        double max = (a + b) / 2;
        if (max - expected == 0) {
            return 1.0;
        }
        return (index - expected) / (max - expected);
    }

    private static double comb2(long x) {
        return x * (x - 1) / 2.0;
    }
}
