package org.crest.cluster;

import org.apache.commons.math3.linear.Array2DRowRealMatrix;
import org.apache.commons.math3.linear.RealMatrix;
import org.apache.commons.math3.linear.SingularValueDecomposition;

/**
 * Two-component PCA of a few hundred points of any dimension, for the centroid picture: the rows are centred and
 * decomposed by commons-math3's singular value decomposition (the scores of component c are u_c·σ_c, its share of
 * the variance σ_c² / Σσ²). Deterministic: each component's sign is chosen so that its largest-magnitude score is
 * positive (an SVD's signs are arbitrary, so the picture would otherwise be free to flip).
 */
public final class Pca {
    private Pca() {}

    /** Returns {@code [n][2]} coordinates; also the share of variance each component explains in {@code explained}. */
    public static double[][] project2(double[][] rows, double[] explained) {
        int n = rows.length;
        double[][] out = new double[n][2];
        if (n == 0) {
            return out;
        }
        int d = rows[0].length;
        double[] mean = new double[d];
        for (double[] r : rows) {
            for (int j = 0; j < d; j++) {
                mean[j] += r[j] / n;
            }
        }
        double[][] centred = new double[n][d];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < d; j++) {
                centred[i][j] = rows[i][j] - mean[j];
            }
        }
        SingularValueDecomposition svd = new SingularValueDecomposition(new Array2DRowRealMatrix(centred, false));
        double[] sigma = svd.getSingularValues(); // descending
        RealMatrix u = svd.getU();
        double total = 0;
        for (double s : sigma) {
            total += s * s;
        }
        for (int c = 0; c < 2; c++) {
            double s = c < sigma.length ? sigma[c] : 0;
            if (s > 0) {
                int arg = 0;
                for (int i = 1; i < n; i++) {
                    if (Math.abs(u.getEntry(i, c)) > Math.abs(u.getEntry(arg, c))) {
                        arg = i;
                    }
                }
                double sign = u.getEntry(arg, c) < 0 ? -1 : 1;
                for (int i = 0; i < n; i++) {
                    out[i][c] = sign * u.getEntry(i, c) * s;
                }
            }
            if (explained != null && c < explained.length) {
                explained[c] = total > 0 ? s * s / total : 0;
            }
        }
        return out;
    }
}
