package org.crest.spark;

import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.SparkConf;
import org.apache.spark.sql.SparkSession;

/**
 * Creates the job's SparkSession. Precedence: --conf flags, then what spark-submit set (spark.*
 * system properties, spark-defaults.conf), then embedded defaults (local[*] on loopback, no UI), and for
 * output to s3a:// the S3A committer settings of conf/spark-defaults.s3.conf (S3Committers).
 */
public final class SparkSessions {
    private static final String ARTIFACT_ISOLATION = "spark.sql.artifact.isolation.enabled";

    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(SparkSessions.class);

    private SparkSessions() {}

    /**
     * {@link #create(String, String, Map)}, and unless {@code verbose}, task failures are left to the
     * driver's one-line report: executors' ERROR lines and, in local mode, the scheduler's "Lost task"
     * warnings repeat the same failure with a stack trace.
     */
    public static SparkSession create(String appName, String master, Map<String, String> conf, boolean verbose) {
        return create(appName, master, conf, null, verbose);
    }

    /** As {@link #create(String, String, Map, boolean)}, for a job that writes to {@code output} (may be null). */
    public static SparkSession create(
            String appName, String master, Map<String, String> conf, String output, boolean verbose) {
        SparkSession active = active();
        if (active != null) {
            return borrow(active, master, conf);
        }
        SparkSession spark = create(appName, master, conf, output);
        if (spark.sparkContext().isLocal()) {
            // embedded: nobody watches a Spark UI, so say how far the run is (spark.crest.progress.interval, 0 = off)
            Progress.install(spark);
            if (spark.sparkContext().uiWebUrl().isDefined()) {
                LOG.info("Spark UI at {}", spark.sparkContext().uiWebUrl().get());
            }
        }
        if (!verbose) {
            org.apache.logging.log4j.core.config.Configurator.setLevel(
                    "org.apache.spark.executor.Executor", org.apache.logging.log4j.Level.OFF);
            if (spark.sparkContext().isLocal()) {
                org.apache.logging.log4j.core.config.Configurator.setLevel(
                        "org.apache.spark.scheduler.TaskSetManager", org.apache.logging.log4j.Level.ERROR);
            }
        }
        return spark;
    }

    /**
     * Ends a command's use of {@code spark}: stops a session the command created, and leaves a session it found
     * running (a notebook's, a Databricks JAR task's) running, with the --conf values it changed restored.
     */
    public static void release(SparkSession spark) {
        Map<String, String> previous = BORROWED.remove(spark);
        if (previous == null) {
            spark.stop();
            return;
        }
        previous.forEach((k, v) -> {
            if (v == null) {
                spark.conf().unset(k);
            } else {
                spark.conf().set(k, v);
            }
        });
    }

    /** The session running in this JVM (the thread's active one, else the default one), or null. */
    public static SparkSession active() {
        scala.Option<SparkSession> a = SparkSession.getActiveSession();
        if (a.isEmpty()) {
            a = SparkSession.getDefaultSession();
        }
        return a.isDefined() && !a.get().sparkContext().isStopped() ? a.get() : null;
    }

    /** Sessions found running, with the previous values of the settings a command changed on them. */
    private static final Map<SparkSession, Map<String, String>> BORROWED =
            java.util.Collections.synchronizedMap(new java.util.IdentityHashMap<>());

    private static SparkSession borrow(SparkSession spark, String master, Map<String, String> conf) {
        if (master != null && !master.equals(spark.sparkContext().master())) {
            LOG.warn(
                    "Using the running SparkSession (master {}); --master {} is ignored",
                    spark.sparkContext().master(),
                    master);
        }
        Map<String, String> previous = new java.util.LinkedHashMap<>();
        conf.forEach((k, v) -> {
            String before = spark.conf().getOption(k).isDefined() ? spark.conf().get(k) : null;
            try {
                spark.conf().set(k, v); // SQL and crest settings; Spark refuses static and core ones
                previous.put(k, before);
            } catch (RuntimeException e) {
                LOG.warn(
                        "Cannot set {} on the running SparkSession ({}): set it in the cluster's Spark configuration",
                        k,
                        e.getMessage());
            }
        });
        BORROWED.put(spark, previous);
        return spark;
    }

    public static SparkSession create(String appName, String master, Map<String, String> conf) {
        return create(appName, master, conf, null);
    }

    /** As above, for a job that writes to {@code output}. */
    public static SparkSession create(String appName, String master, Map<String, String> conf, String output) {
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
                b.config(
                        "spark.sql.shuffle.partitions",
                        String.valueOf(Math.max(2, Runtime.getRuntime().availableProcessors())));
            }
        }
        S3Committers.sessionDefaults(
                        output,
                        k -> conf.containsKey(k) ? conf.get(k) : fromSubmit.contains(k) ? fromSubmit.get(k) : null,
                        new Configuration())
                .forEach(b::config);
        if (!fromSubmit.contains(ARTIFACT_ISOLATION)) {
            // With Spark 4's per-session artifact isolation (default on), an archive added after the session ran its
            // first query (JobSupport.ship, the model bundle) is never fetched by executors: tasks failed with the
            // bundle missing on a standalone cluster (StandaloneClusterIT). One session per application needs no
            // isolation.
            b.config(ARTIFACT_ISOLATION, "false");
        }
        conf.forEach(b::config);
        return b.getOrCreate();
    }
}
