package org.crest.evaluate;

import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.floor;
import static org.apache.spark.sql.functions.greatest;
import static org.apache.spark.sql.functions.least;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.when;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.crest.Columns;

/**
 * Precision, recall and F1 of the unsafe class at thresholds 0.00, 0.01, ..., 1.00, from one Spark
 * aggregation: each row falls in bucket k = the largest k with k/100.0 <= score (computed so that it agrees
 * with the double comparison exactly), counts are taken per scope × label × bucket, and the counts at
 * threshold j/100 are the sums over buckets >= j.
 */
public final class ThresholdSweep {
    public static final int STEPS = 100;
    public static final String OVERALL = "overall";
    private static final String BUCKET = "crest_bucket";

    private ThresholdSweep() {}

    /** A threshold and the confusion counts at it (unsafe when score >= threshold). */
    public record Point(double threshold, Confusion c) {}

    /** Threshold j of the grid: j / 100.0, the same double a user gets from "--threshold 0.jj". */
    public static double threshold(int j) {
        return j / (double) STEPS;
    }

    /** Bucket of a score: max k in 0..100 with k / 100.0 <= score (0 when score < 0). */
    public static Column bucket(Column score) {
        Column k0 = floor(score.multiply(STEPS));
        Column k = when(k0.plus(1).divide(STEPS).leq(score), k0.plus(1))
                .when(k0.divide(STEPS).gt(score), k0.minus(1))
                .otherwise(k0);
        return least(greatest(k, lit(0L)), lit((long) STEPS));
    }

    /** Scope ("overall", "cluster=N" or "cluster=none") → [safe, unsafe][bucket] row counts. */
    public static Map<String, long[][]> counts(Dataset<Row> scored) {
        List<Row> rows = scored.withColumn(BUCKET, bucket(col(Columns.SCORE_COL)))
                .groupBy(col(BenchmarkRows.CLUSTER), col(BenchmarkRows.LABEL), col(BUCKET))
                .count()
                .select(
                        coalesce(col(BenchmarkRows.CLUSTER).cast("string"), lit("none")),
                        col(BenchmarkRows.LABEL),
                        col(BUCKET),
                        col("count"))
                .collectAsList();
        Map<String, long[][]> out = new TreeMap<>();
        long[][] all = new long[2][STEPS + 1];
        out.put(OVERALL, all);
        for (Row r : rows) {
            int label = LabelMapping.UNSAFE.equals(r.getString(1)) ? 1 : 0;
            int k = (int) r.getLong(2);
            long n = r.getLong(3);
            out.computeIfAbsent("cluster=" + r.getString(0), x -> new long[2][STEPS + 1])[label][k] += n;
            all[label][k] += n;
        }
        return out;
    }

    /** Confusion counts at every threshold of the grid from bucket counts. */
    public static List<Point> sweep(long[][] counts) {
        long negatives = 0;
        long positives = 0;
        for (int k = 0; k <= STEPS; k++) {
            negatives += counts[0][k];
            positives += counts[1][k];
        }
        List<Point> out = new ArrayList<>();
        long tp = 0;
        long fp = 0;
        Point[] pts = new Point[STEPS + 1];
        for (int j = STEPS; j >= 0; j--) {
            tp += counts[1][j];
            fp += counts[0][j];
            pts[j] = new Point(threshold(j), new Confusion(tp, fp, negatives - fp, positives - tp));
        }
        for (Point p : pts) {
            out.add(p);
        }
        return out;
    }

    /** The threshold with the highest F1; among ties the lowest threshold. */
    public static Point best(List<Point> sweep) {
        Point best = sweep.get(0);
        for (Point p : sweep) {
            if (p.c().f1() > best.c().f1()) {
                best = p;
            }
        }
        return best;
    }
}
