package org.crest.cli.options;

import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.spark.sql.SparkSession;
import org.crest.spark.SparkSessions;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** The options of every command that starts Spark (a picocli mixin): {@code --master}, {@code --conf}, {@code --verbose}. */
public final class SparkOptions {
    @Option(
            names = "--master",
            paramLabel = "URL",
            description = "Spark master for an embedded run, e.g. local[2]. Default: the one spark-submit set, else "
                    + "local[*] (bench and bench-memory: local[2]).")
    String master;

    @Option(
            names = "--conf",
            paramLabel = "KEY=VALUE",
            description = "Extra Spark setting, e.g. --conf spark.sql.shuffle.partitions=8. Repeatable.")
    Map<String, String> conf = new LinkedHashMap<>();

    @Mixin
    VerboseOption verbose;

    /** --master, or null: the one spark-submit set, else local[*]. */
    public String master() {
        return master;
    }

    /** --master, or {@code fallback} when it is not given. */
    public String master(String fallback) {
        return master != null ? master : fallback;
    }

    /** The --conf settings, mutable: a command may add what its own flags stand for. */
    public Map<String, String> conf() {
        return conf;
    }

    /** Starts the command's SparkSession with these options (see {@link SparkSessions}). */
    public SparkSession start(String appName) {
        return SparkSessions.create(appName, master, conf, verbose());
    }

    /** As {@link #start(String)}, for a job writing to {@code output} with {@code settings} instead of --conf. */
    public SparkSession start(String appName, String output, Map<String, String> settings) {
        return SparkSessions.create(appName, master, settings, output, verbose());
    }

    public boolean verbose() {
        return verbose.verbose();
    }
}
