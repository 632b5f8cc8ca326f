package org.crest.cluster;

import static org.apache.spark.sql.functions.col;

import java.util.ArrayList;
import java.util.List;
import org.apache.spark.ml.clustering.KMeans;
import org.apache.spark.ml.clustering.KMeansModel;
import org.apache.spark.ml.evaluation.ClusteringEvaluator;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * Spark MLlib K-Means with cosine distance over L2-normalised vectors, for each k of a sweep and
 * several seeds per k. Per k it records the lowest training cost over the seeds (MLlib's cosine cost:
 * the sum of 1 − cos to the assigned centre), the cosine silhouette of that best run
 * ({@link ClusteringEvaluator} with distance "cosine"), and the stability of the partition over seeds
 * as the adjusted Rand index of every pair of seeds (mean and minimum), computed from one joint count
 * of the seeds' assignments so that nothing per point comes to the driver.
 */
public final class KSweep {
    /** One k of the sweep. */
    public record Step(
            int k,
            double cost,
            double silhouette,
            double ariMean,
            double ariMin,
            int bestSeedIndex,
            int clustersFound,
            KMeansModel best) {}

    private KSweep() {}

    /**
     * @param points a cached Dataset with a {@code features} column of non-zero ml Vectors
     */
    public static List<Step> run(Dataset<Row> points, int[] ks, int seeds, long baseSeed, int maxIter) {
        List<Step> out = new ArrayList<>();
        for (int k : ks) {
            KMeansModel[] models = new KMeansModel[seeds];
            double[] costs = new double[seeds];
            Dataset<Row> withPredictions = points;
            int best = 0;
            for (int s = 0; s < seeds; s++) {
                models[s] = new KMeans()
                        .setK(k)
                        .setSeed(baseSeed + s)
                        .setDistanceMeasure("cosine")
                        .setMaxIter(maxIter)
                        .setFeaturesCol("features")
                        .setPredictionCol("p" + s)
                        .fit(points);
                costs[s] = models[s].summary().trainingCost();
                if (costs[s] < costs[best]) {
                    best = s;
                }
                withPredictions = models[s].transform(withPredictions);
            }
            double silhouette;
            try {
                silhouette = new ClusteringEvaluator()
                        .setDistanceMeasure("cosine")
                        .setFeaturesCol("features")
                        .setPredictionCol("p" + best)
                        .evaluate(withPredictions);
            } catch (RuntimeException | AssertionError e) {
                // fewer than 2 clusters found: MLlib's evaluator asserts (a Scala assert throws AssertionError)
                silhouette = Double.NaN;
            }
            double[] ari = stability(withPredictions, seeds, k);
            out.add(new Step(
                    k,
                    costs[best],
                    silhouette,
                    ari[0],
                    ari[1],
                    best,
                    models[best].summary().k(),
                    models[best]));
        }
        return out;
    }

    /** Mean and minimum pairwise ARI between the seeds' assignments (1, 1 for a single seed). */
    static double[] stability(Dataset<Row> withPredictions, int seeds, int k) {
        if (seeds < 2) {
            return new double[] {1.0, 1.0};
        }
        Column[] cols = new Column[seeds];
        for (int s = 0; s < seeds; s++) {
            cols[s] = col("p" + s);
        }
        List<Row> joint = withPredictions.groupBy(cols).count().collectAsList();
        double sum = 0;
        double min = Double.POSITIVE_INFINITY;
        int pairs = 0;
        for (int a = 0; a < seeds; a++) {
            for (int b = a + 1; b < seeds; b++) {
                long[][] table = new long[k][k];
                for (Row r : joint) {
                    table[r.getInt(a)][r.getInt(b)] += r.getLong(seeds);
                }
                double ari = AdjustedRand.ofContingency(table);
                sum += ari;
                min = Math.min(min, ari);
                pairs++;
            }
        }
        return new double[] {sum / pairs, min};
    }
}
