package org.crest.report;

/**
 * The Wilson score interval for a binomial proportion: with {@code k} successes in {@code n} trials and the normal
 * quantile {@code z}, centre {@code (k + z²/2) / (n + z²)} and half-width
 * {@code z / (n + z²) · sqrt(k (n − k) / n + z²/4)}. Unlike the normal ("Wald") interval it stays inside [0, 1] and
 * is honest for small n: 2 unsafe of 3 gives [0.208, 0.939], not "67 %".
 */
public final class Wilson {
    /** The 0.975 quantile of the standard normal distribution: a two-sided 95 % interval. */
    public static final double Z95 = 1.959963984540054;

    private Wilson() {}

    /** {low, high} of the 95 % interval; {0, 1} when n = 0 (nothing is known). */
    public static double[] interval(long k, long n) {
        return interval(k, n, Z95);
    }

    public static double[] interval(long k, long n, double z) {
        if (n < 0 || k < 0 || k > n) {
            throw new IllegalArgumentException("Cannot compute an interval for " + k + " of " + n);
        }
        if (n == 0) {
            return new double[] {0.0, 1.0};
        }
        double z2 = z * z;
        double centre = (k + z2 / 2) / (n + z2);
        double half = z / (n + z2) * Math.sqrt((double) k * (n - k) / n + z2 / 4);
        // clamp the rounding error at the ends (k = 0 gives exactly 0 in exact arithmetic)
        return new double[] {Math.max(0.0, centre - half), Math.min(1.0, centre + half)};
    }
}
