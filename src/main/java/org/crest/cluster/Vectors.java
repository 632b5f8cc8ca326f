package org.crest.cluster;

/** Small dense-vector helpers in double precision. */
public final class Vectors {
    private Vectors() {}

    public static double norm(double[] v) {
        double s = 0;
        for (double x : v) {
            s += x * x;
        }
        return Math.sqrt(s);
    }

    public static boolean finite(double[] v) {
        for (double x : v) {
            if (!Double.isFinite(x)) {
                return false;
            }
        }
        return true;
    }

    /** v / |v|; the caller makes sure |v| > 0. */
    public static double[] normalized(double[] v) {
        double n = norm(v);
        double[] out = new double[v.length];
        for (int i = 0; i < v.length; i++) {
            out[i] = v[i] / n;
        }
        return out;
    }

    /** 1 − cos(a, b), as Spark MLlib's cosine distance; 1 if either vector is zero. */
    public static double cosineDistance(double[] a, double[] b) {
        double dot = 0;
        for (int i = 0; i < a.length; i++) {
            dot += a[i] * b[i];
        }
        double na = norm(a);
        double nb = norm(b);
        return na == 0 || nb == 0 ? 1.0 : 1.0 - dot / (na * nb);
    }
}
