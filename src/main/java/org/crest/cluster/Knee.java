package org.crest.cluster;

/**
 * Picks k at the knee of a cost curve with the Kneedle method (Satopää et al. 2011) for a decreasing,
 * convex curve: normalise k and cost to [0, 1] (x = (k − k_min)/(k_max − k_min),
 * y = (cost − cost_min)/(cost_max − cost_min)), then take the k that lies furthest below the chord
 * from the first to the last point, i.e. that maximises d = (1 − x) − y. Ties go to the smaller k.
 *
 * <p>There is no knee when there are fewer than 3 points, when the costs are all equal, or when no
 * point lies strictly below the chord (d ≤ 0 everywhere: a straight or concave curve); then
 * {@link #knee} returns -1 and the caller falls back (crest cluster: to the silhouette optimum).
 */
public final class Knee {
    private Knee() {}

    /** Index into {@code ks}/{@code costs} of the knee, or -1 if the curve has none. {@code ks} ascending. */
    public static int knee(int[] ks, double[] costs) {
        int n = ks.length;
        if (n != costs.length) {
            throw new IllegalArgumentException("Cannot find a knee: " + n + " k values but " + costs.length + " costs");
        }
        if (n < 3) {
            return -1;
        }
        double cmin = Double.POSITIVE_INFINITY;
        double cmax = Double.NEGATIVE_INFINITY;
        for (double c : costs) {
            cmin = Math.min(cmin, c);
            cmax = Math.max(cmax, c);
        }
        if (!(cmax > cmin)) {
            return -1;
        }
        double span = ks[n - 1] - ks[0];
        int best = -1;
        double bestD = 1e-12;
        for (int i = 0; i < n; i++) {
            double d = difference(ks[i], ks[0], span, costs[i], cmin, cmax);
            if (d > bestD) {
                bestD = d;
                best = i;
            }
        }
        return best;
    }

    /** The Kneedle difference curve value d = (1 − x) − y at one point. */
    public static double difference(int k, int kmin, double span, double cost, double cmin, double cmax) {
        double x = (k - kmin) / span;
        double y = (cost - cmin) / (cmax - cmin);
        return 1 - x - y;
    }
}
