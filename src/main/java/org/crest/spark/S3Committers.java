package org.crest.spark;

import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.function.Function;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.sql.RuntimeConfig;
import org.apache.spark.sql.SparkSession;
import org.crest.UsageException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import scala.Option;

/**
 * Output to {@code s3a://} through the S3A committers (spark-hadoop-cloud's PathOutputCommitProtocol, Hadoop's
 * magic and staging committers) with the settings of {@code conf/spark-defaults.s3.conf}, which the build copies
 * into the jar. A setting the user made (a --s3-committer flag, --conf, spark-defaults.conf, core-site.xml) is
 * kept; the file fills in the rest. Precedence for the committer: the CLI flag, then Spark/Hadoop configuration,
 * then {@code magic}.
 *
 * <p>Two places apply the file: {@link #sessionDefaults} when the CLI builds the session (so every JVM's
 * S3AFileSystem sees them), and {@link #apply} around a job on an existing session (tests, embedding code), which
 * sets them in the session's runtime conf and takes them back when closed.
 */
public final class S3Committers {
    private static final Logger LOG = LoggerFactory.getLogger(S3Committers.class);

    /** The conf file inside the jar (conf/spark-defaults.s3.conf in the source tree). */
    public static final String RESOURCE = "/crest/conf/spark-defaults.s3.conf";

    public static final String PROTOCOL_KEY = "spark.sql.sources.commitProtocolClass";
    public static final String PROTOCOL_CLASS = "org.apache.spark.internal.io.cloud.PathOutputCommitProtocol";
    /** Hadoop's key for the committer; Spark users write it as {@link #SPARK_COMMITTER_KEY}. */
    public static final String COMMITTER_KEY = "fs.s3a.committer.name";

    public static final String SPARK_COMMITTER_KEY = "spark.hadoop." + COMMITTER_KEY;
    static final String STAGING_KEY = "fs.s3a.committer.staging.tmp.path";
    /** The committers Hadoop 3.5's S3ACommitterFactory knows, by the names fs.s3a.committer.name takes. */
    public static final List<String> NAMES = List.of("magic", "directory", "partitioned", "file");

    private static final String HADOOP_PREFIX = "spark.hadoop.";

    private S3Committers() {}

    /** The settings of conf/spark-defaults.s3.conf, as written there (Spark keys, Hadoop ones with spark.hadoop.). */
    public static Map<String, String> defaults() {
        Properties p = new Properties();
        try (InputStream in = S3Committers.class.getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException("Cannot find " + RESOURCE + " in the jar (a broken build)");
            }
            p.load(new InputStreamReader(in, StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot read " + RESOURCE, e);
        }
        Map<String, String> out = new TreeMap<>();
        p.stringPropertyNames().forEach(k -> out.put(k, p.getProperty(k).trim()));
        return out;
    }

    /** A committer name from the command line, checked: magic, directory, partitioned or file. */
    public static String committer(String name) {
        String n = name == null ? "" : name.trim().toLowerCase(Locale.ROOT);
        if (!NAMES.contains(n)) {
            throw new UsageException("Unknown S3A committer " + name + ", expected one of " + String.join(", ", NAMES));
        }
        return n;
    }

    /** Whether {@code path} is on s3a:// (the only scheme the S3A committers serve). */
    public static boolean isS3a(String path) {
        try {
            return path != null && "s3a".equalsIgnoreCase(new URI(path).getScheme());
        } catch (URISyntaxException e) {
            return false;
        }
    }

    /**
     * The settings of the conf file that a session writing to {@code output} still lacks, as builder settings
     * (Spark keys, Hadoop ones as spark.hadoop.*). Empty unless {@code output} is s3a://.
     *
     * @param given what the session will be built with: --conf flags, then spark-submit's settings (null: unset)
     * @param hadoop Hadoop's configuration as core-site.xml sets it, to see settings made there
     */
    public static Map<String, String> sessionDefaults(
            String output, Function<String, String> given, Configuration hadoop) {
        if (!isS3a(output)) {
            return Map.of();
        }
        return missing(given, hadoop, false);
    }

    /**
     * Applies the conf file to {@code spark}'s runtime conf for a job writing to {@code output} (when s3a://), for
     * each setting not already made; {@link Applied#close()} takes back what it set. Refuses, naming the fix, when
     * the commit protocol it needs is not on the class path.
     */
    public static Applied apply(SparkSession spark, String output) {
        if (!isS3a(output)) {
            return new Applied(null, null, List.of());
        }
        RuntimeConfig rc = spark.conf();
        Configuration hadoop = spark.sparkContext().hadoopConfiguration();
        // only what is set: RuntimeConfig.getOption and contains also answer with a registered key's default
        Function<String, String> given = k -> {
            Option<String> v = rc.getAll().get(k);
            return v.isDefined() ? v.get() : null;
        };
        List<String> set = new ArrayList<>();
        missing(given, hadoop, true).forEach((key, value) -> {
            // the job's Hadoop conf is hadoopConfiguration plus the session conf's keys as they are, so Hadoop keys
            // go in without their spark.hadoop. prefix
            String k = key.startsWith(HADOOP_PREFIX) ? key.substring(HADOOP_PREFIX.length()) : key;
            rc.set(k, value);
            set.add(k);
        });
        Applied applied = new Applied(spark, effective(given, hadoop, COMMITTER_KEY, true), set);
        String protocol = given.apply(PROTOCOL_KEY) == null ? "" : given.apply(PROTOCOL_KEY);
        if (PROTOCOL_CLASS.equals(protocol) && !loadable(PROTOCOL_CLASS)) {
            applied.close();
            throw new UsageException("Cannot write " + output + " through the S3A committers: " + PROTOCOL_CLASS
                    + " is not on the class path (add org.apache.spark:spark-hadoop-cloud_2.13:4.1.2 to the job, e.g. "
                    + "spark-submit --packages, or use target/crest-spark-cluster.jar, which contains it)");
        }
        String name = applied.committer();
        if (!PROTOCOL_CLASS.equals(protocol)) {
            LOG.warn(
                    "Writing {} with {}={} (set by you), not the S3A committers' {}",
                    output,
                    PROTOCOL_KEY,
                    protocol,
                    PROTOCOL_CLASS);
        } else if ("file".equals(name) || name.isEmpty()) {
            LOG.warn(
                    "Writing {} with {}=file: the classic rename committer, slow and not safe on S3 (partial output "
                            + "is visible while it renames, and a failure can leave it); use magic or directory",
                    output,
                    COMMITTER_KEY);
        } else {
            LOG.info("Writing {} through the S3A {} committer", output, name);
        }
        if (("directory".equals(name) || "partitioned".equals(name))
                && !spark.sparkContext().isLocal()) {
            String staging = effective(given, hadoop, STAGING_KEY, true);
            if (staging.startsWith("file:")) {
                LOG.warn(
                        "The {} committer keeps its list of uploads under {}={}, a local path: that works only when the "
                                + "driver and every executor share that disk (one host). On a multi-host cluster set it to an hdfs:// "
                                + "path or use --s3-committer magic",
                        name,
                        STAGING_KEY,
                        staging);
            }
        }
        return applied;
    }

    /**
     * The settings of the conf file that are not made yet, as the file writes them. {@code running}: the session
     * exists, and its hadoopConfiguration already holds the spark.hadoop.* settings of its SparkConf.
     */
    private static Map<String, String> missing(Function<String, String> given, Configuration hadoop, boolean running) {
        String defaultFs = effective(given, hadoop, "fs.defaultFS", running);
        boolean localDefaultFs = defaultFs.isEmpty() || defaultFs.startsWith("file:");
        Map<String, String> out = new LinkedHashMap<>();
        defaults().forEach((key, value) -> {
            if (key.startsWith(HADOOP_PREFIX)) {
                String h = key.substring(HADOOP_PREFIX.length());
                if (h.equals(STAGING_KEY) && !localDefaultFs) {
                    return; // Hadoop's default, tmp/staging on the cluster's file system, is shared by all executors
                }
                if ((!running && given.apply(key) != null) || given.apply(h) != null || setInHadoop(hadoop, h)) {
                    return;
                }
            } else if (given.apply(key) != null) {
                return;
            }
            out.put(key, value);
        });
        return out;
    }

    /**
     * The value Hadoop code will see for Hadoop key {@code h}: a session setting of {@code h} itself (the job's
     * Hadoop conf copies the session conf over hadoopConfiguration), else, before the session exists,
     * spark.hadoop.h, else Hadoop's configuration.
     */
    private static String effective(Function<String, String> given, Configuration hadoop, String h, boolean running) {
        String v = given.apply(h);
        if (v == null && !running) {
            v = given.apply(HADOOP_PREFIX + h);
        }
        if (v == null) {
            v = hadoop.get(h, "");
        }
        return v.trim();
    }

    /** Set by someone, not just by Hadoop's *-default.xml files (which give fs.s3a.committer.name=file). */
    private static boolean setInHadoop(Configuration hadoop, String key) {
        if (hadoop.get(key) == null) {
            return false;
        }
        String[] sources = hadoop.getPropertySources(key);
        if (sources == null) {
            return true;
        }
        for (String s : sources) {
            if (!s.endsWith("-default.xml")) {
                return true;
            }
        }
        return false;
    }

    private static boolean loadable(String cls) {
        try {
            Class.forName(
                    cls,
                    false,
                    Thread.currentThread().getContextClassLoader() != null
                            ? Thread.currentThread().getContextClassLoader()
                            : S3Committers.class.getClassLoader());
            return true;
        } catch (ClassNotFoundException | LinkageError e) {
            return false;
        }
    }

    /** What {@link #apply} set for one job; closing takes it back. */
    public static final class Applied implements AutoCloseable {
        private final SparkSession spark;
        private final String committer;
        private final List<String> set;

        Applied(SparkSession spark, String committer, List<String> set) {
            this.spark = spark;
            this.committer = committer;
            this.set = List.copyOf(set);
        }

        /** The S3A committer the job's output goes through; null when the output is not s3a://. */
        public String committer() {
            return committer;
        }

        /** The runtime settings this job added (taken back by close). */
        public List<String> added() {
            return Collections.unmodifiableList(set);
        }

        @Override
        public void close() {
            if (spark != null) {
                set.forEach(spark.conf()::unset);
            }
        }
    }
}
