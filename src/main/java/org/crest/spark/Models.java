package org.crest.spark;

import org.apache.spark.sql.SparkSession;
import org.crest.inference.ModelBundle;
import org.crest.model.ModelResolver;
import org.crest.model.RemoteBundles;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Driver side: a {@code --model} value to a local bundle, with the session's Hadoop settings for remote ones. */
public final class Models {
  private static final Logger LOG = LoggerFactory.getLogger(Models.class);

  private Models() {}

  /** The bundle {@code spec} names, with a WARN when it is the demo model. */
  public static ModelBundle resolve(SparkSession spark, String spec) {
    ModelBundle bundle = RemoteBundles.handles(spec)
        ? RemoteBundles.fetch(spec, spark.sparkContext().hadoopConfiguration()) // the session's s3a settings
        : ModelResolver.resolve(spec);
    if (bundle.isDemo()) {
      LOG.warn("Using the bundled demo model {}: a tiny random-weight test fixture, its labels mean nothing. "
          + "For real labels pass --model DIR with an ONNX export of repelloai/CREST-Base (see README).", bundle.id());
    }
    return bundle;
  }
}
