package org.crest.evaluate;

/**
 * Confusion counts of the unsafe class (positive = unsafe) and the rates the CREST paper reports.
 *
 * <p>Zero divisions are defined as 0, as scikit-learn's {@code zero_division=0} does, so that a cell is
 * never NaN: precision = 0 when nothing is predicted unsafe (tp + fp = 0); recall = 0 when no row is
 * unsafe (tp + fn = 0); F1 = 2tp / (2tp + fp + fn), which is 0 when tp = 0 and in particular when there
 * is neither a true nor a predicted unsafe row; accuracy = 0 for an empty cell. {@link #positives()}
 * tells whether a zero is "no positives" rather than "all missed".
 */
public record Confusion(long tp, long fp, long tn, long fn) {
    public static final Confusion ZERO = new Confusion(0, 0, 0, 0);

    public Confusion {
        if (tp < 0 || fp < 0 || tn < 0 || fn < 0) {
            throw new IllegalArgumentException(
                    "Cannot count: negative confusion counts (" + tp + ", " + fp + ", " + tn + ", " + fn + ")");
        }
    }

    public Confusion plus(Confusion o) {
        return new Confusion(tp + o.tp, fp + o.fp, tn + o.tn, fn + o.fn);
    }

    public long n() {
        return tp + fp + tn + fn;
    }

    /** Rows whose true label is unsafe. */
    public long positives() {
        return tp + fn;
    }

    /** Rows predicted unsafe. */
    public long predictedPositives() {
        return tp + fp;
    }

    public double precision() {
        return ratio(tp, tp + fp);
    }

    public double recall() {
        return ratio(tp, tp + fn);
    }

    public double f1() {
        return ratio(2 * tp, 2 * tp + fp + fn);
    }

    public double accuracy() {
        return ratio(tp + tn, n());
    }

    private static double ratio(long num, long den) {
        return den == 0 ? 0.0 : (double) num / den;
    }
}
