package org.crest.report;

import java.util.Arrays;
import java.util.List;

/**
 * A robust baseline of rates: the median of the peers' rates and their spread, 1.4826 × the median absolute
 * deviation (MAD), which estimates the standard deviation for normal data and ignores a few outliers. A group with
 * {@code k} unsafe of {@code n} rows is compared with it by
 * {@code z = (k/n − median) / sqrt(spread² + q (1 − q) / n)}, {@code q = max(median, 1/n)}: the spread between peers
 * plus the group's own binomial noise (with a floor, so that a baseline of exactly 0 does not make one unsafe message
 * an alert). docs/REPORT.md explains the rule.
 *
 * @param peers how many rates the baseline was made from
 */
public record Baseline(int peers, double median, double spread) {
    /** 1 / Φ⁻¹(3/4): makes the MAD a consistent estimate of the standard deviation of normal data. */
    public static final double MAD_SCALE = 1.4826;

    public static Baseline of(List<Double> rates) {
        double[] v = rates.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        if (v.length == 0) {
            return new Baseline(0, Double.NaN, Double.NaN);
        }
        double med = median(v);
        double[] dev = Arrays.stream(v).map(x -> Math.abs(x - med)).sorted().toArray();
        return new Baseline(v.length, med, MAD_SCALE * median(dev));
    }

    static double median(double[] sorted) {
        int n = sorted.length;
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    }

    /** How far {@code k} of {@code n} lies above the baseline, in standard deviations; NaN when n = 0. */
    public double z(long k, long n) {
        if (n == 0 || peers == 0) {
            return Double.NaN;
        }
        double rate = (double) k / n;
        double q = Math.max(median, 1.0 / n);
        double sd = Math.sqrt(spread * spread + q * (1 - q) / n);
        return (rate - median) / sd;
    }
}
