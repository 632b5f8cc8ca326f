package org.crest.cli;

import java.util.Map;
import org.apache.spark.SparkConf;
import org.apache.spark.sql.SparkSession;

/**
 * Creates the job's SparkSession. Precedence: --conf flags, then what spark-submit set (spark.*
 * system properties, spark-defaults.conf), then embedded defaults (local[*] on loopback, no UI).
 */
final class SparkSessions {
  private static final String ARTIFACT_ISOLATION = "spark.sql.artifact.isolation.enabled";

  private SparkSessions() {}

  static SparkSession create(String appName, String master, Map<String, String> conf) {
    SparkConf fromSubmit = new SparkConf(); // loads spark.* system properties
    SparkSession.Builder b = SparkSession.builder().appName(appName);
    boolean embedded = master != null || !fromSubmit.contains("spark.master");
    if (embedded) {
      b.master(master != null ? master : "local[*]");
      if (!fromSubmit.contains("spark.driver.host")) {
        b.config("spark.driver.host", "127.0.0.1");
        b.config("spark.driver.bindAddress", "127.0.0.1");
      }
      if (!fromSubmit.contains("spark.ui.enabled")) {
        b.config("spark.ui.enabled", "false");
      }
      if (!fromSubmit.contains("spark.sql.shuffle.partitions")) {
        b.config("spark.sql.shuffle.partitions", String.valueOf(Math.max(2, Runtime.getRuntime().availableProcessors())));
      }
    }
    if (!fromSubmit.contains(ARTIFACT_ISOLATION)) {
      // With Spark 4's per-session artifact isolation (default on), an archive added after the session ran its
      // first query (JobSupport.ship, the model bundle) is never fetched by executors: tasks failed with the
      // bundle missing on a standalone cluster (StandaloneClusterIT). One session per application needs no isolation.
      b.config(ARTIFACT_ISOLATION, "false");
    }
    conf.forEach(b::config);
    return b.getOrCreate();
  }
}
