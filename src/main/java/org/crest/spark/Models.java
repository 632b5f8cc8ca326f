package org.crest.spark;

import org.apache.spark.sql.SparkSession;
import org.crest.inference.ModelBundle;
import org.crest.inference.ModelSession;
import org.crest.model.ModelResolver;
import org.crest.model.RemoteBundles;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Driver side: a {@code --model} value to a local bundle, with the session's Hadoop settings for remote ones. */
public final class Models {
    private static final Logger LOG = LoggerFactory.getLogger(Models.class);

    private Models() {}

    /** The bundle {@code spec} names, as {@link #resolve(SparkSession, String, ModelSession.Kind)} for a classifier. */
    public static ModelBundle resolve(SparkSession spark, String spec) {
        return resolve(spark, spec, ModelSession.Kind.CLASSIFIER);
    }

    /**
     * The bundle {@code spec} names, checked for {@code kind} (files, finite output: ModelResolver), with a WARN when
     * it is the demo model. A remote one is fetched with the session's Hadoop settings (its s3a credentials).
     */
    public static ModelBundle resolve(SparkSession spark, String spec, ModelSession.Kind kind) {
        ModelBundle bundle = RemoteBundles.handles(spec)
                ? ModelResolver.checked(
                        spec,
                        kind,
                        () -> RemoteBundles.fetch(spec, spark.sparkContext().hadoopConfiguration()))
                : ModelResolver.resolve(spec, kind);
        return warnIfDemo(bundle);
    }

    /** {@code bundle}, after a WARN when it is the demo model. */
    public static ModelBundle warnIfDemo(ModelBundle bundle) {
        if (bundle.isDemo()) {
            LOG.warn(
                    "Using the bundled demo model {}: a tiny random-weight test fixture, its labels mean nothing. "
                            + "For real labels pass --model DIR with an ONNX export of repelloai/CREST-Base (see README).",
                    bundle.id());
        }
        return bundle;
    }
}
