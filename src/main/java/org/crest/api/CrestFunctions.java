package org.crest.api;

import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.api.java.UDF1;
import org.apache.spark.sql.types.DataTypes;
import org.crest.inference.Classifier;
import org.crest.inference.Device;
import org.crest.inference.ModelBundle;
import org.crest.label.ScorePartition;
import org.crest.label.ScoringSettings;
import org.crest.spark.JobSupport;
import org.crest.spark.Models;

/**
 * CREST as SQL functions: after {@code CrestFunctions.register(spark, model)},
 * {@code SELECT crest_score(text) FROM chats} gives P(unsafe) (the maximum over the text's windows; null for a null
 * text or one with a NUL byte) and {@code crest_label(text)} safe/unsafe at 0.5. Convenient, and slower than
 * {@link CrestLabeler}: Spark calls a function one row at a time, so texts are not sorted by length and batched
 * together. The model is the one given at registration (any {@code --model} form), resolved and shipped then.
 */
public final class CrestFunctions {
    private CrestFunctions() {}

    /** Registers crest_score and crest_label with {@code model} and the CLI's default windows. */
    public static void register(SparkSession spark, String model) {
        ModelBundle bundle = Models.resolve(spark, model);
        ScoringSettings settings = new ScoringSettings(
                512, 256, 4096, 64, 1, Device.AUTO, JobSupport.intraOpThreads(spark, 0), bundle.unsafeIndex(null), 0.5);
        Score score = new Score(bundle, JobSupport.ship(spark, bundle), settings);
        spark.udf().register("crest_score", score, DataTypes.DoubleType);
        spark.udf()
                .register(
                        "crest_label",
                        (UDF1<String, String>) text -> {
                            Double p = score.call(text);
                            return p == null ? null : p >= settings.threshold() ? "unsafe" : "safe";
                        },
                        DataTypes.StringType);
    }

    /** P(unsafe) of one text, with this JVM's cached session. */
    static final class Score implements UDF1<String, Double> {
        private static final long serialVersionUID = 1L;
        private final ModelBundle bundle;
        private final String shippedAs;
        private final ScoringSettings settings;
        private transient Classifier classifier;

        Score(ModelBundle bundle, String shippedAs, ScoringSettings settings) {
            this.bundle = bundle;
            this.shippedAs = shippedAs;
            this.settings = settings;
        }

        @Override
        public Double call(String text) {
            if (org.crest.io.Text.isBlank(text) || text.indexOf('\u0000') >= 0) {
                return null;
            }
            if (classifier == null) {
                classifier = ScorePartition.classifier(bundle, shippedAs, settings, () -> {});
            }
            return classifier.score(java.util.List.of(text)).pUnsafe[0];
        }
    }
}
