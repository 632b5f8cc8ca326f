package org.crest.cluster;

/**
 * Two-component PCA of a few hundred points of any dimension, for the centroid picture: centre the
 * rows, take the top eigenvectors of the n×n Gram matrix by power iteration with deflation, and return
 * the scores u·√λ. Deterministic: fixed start vector, and each component's sign is chosen so that its
 * largest-magnitude score is positive.
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
    double[][] g = new double[n][n];
    double trace = 0;
    for (int a = 0; a < n; a++) {
      for (int b = a; b < n; b++) {
        double s = 0;
        for (int j = 0; j < d; j++) {
          s += (rows[a][j] - mean[j]) * (rows[b][j] - mean[j]);
        }
        g[a][b] = s;
        g[b][a] = s;
      }
      trace += g[a][a];
    }
    for (int c = 0; c < 2; c++) {
      double[] u = new double[n];
      for (int i = 0; i < n; i++) {
        u[i] = 1.0 + 0.01 * i; // fixed, not orthogonal to any real eigenvector in practice
      }
      double lambda = 0;
      for (int it = 0; it < 1000; it++) {
        double[] v = multiply(g, u);
        double norm = Vectors.norm(v);
        if (norm == 0) {
          lambda = 0;
          break;
        }
        for (int i = 0; i < n; i++) {
          v[i] /= norm;
        }
        double change = 0;
        for (int i = 0; i < n; i++) {
          change = Math.max(change, Math.abs(v[i] - u[i]));
        }
        u = v;
        lambda = norm;
        if (change < 1e-12) {
          break;
        }
      }
      int arg = 0;
      for (int i = 1; i < n; i++) {
        if (Math.abs(u[i]) > Math.abs(u[arg])) {
          arg = i;
        }
      }
      double sign = u[arg] < 0 ? -1 : 1;
      for (int i = 0; i < n; i++) {
        out[i][c] = sign * u[i] * Math.sqrt(Math.max(lambda, 0));
      }
      if (explained != null && c < explained.length) {
        explained[c] = trace > 0 ? lambda / trace : 0;
      }
      for (int a = 0; a < n; a++) {
        for (int b = 0; b < n; b++) {
          g[a][b] -= lambda * u[a] * u[b];
        }
      }
    }
    return out;
  }

  private static double[] multiply(double[][] m, double[] v) {
    double[] out = new double[v.length];
    for (int i = 0; i < m.length; i++) {
      double s = 0;
      for (int j = 0; j < v.length; j++) {
        s += m[i][j] * v[j];
      }
      out[i] = s;
    }
    return out;
  }
}
