package org.crest.cli;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.Writer;
import java.util.Arrays;

/**
 * Entry point for a Databricks {@code spark_jar_task} (and anything else that runs a main class inside a JVM it
 * keeps: notebooks, Livy, schedulers): the same arguments as the command line ({@code label --input ...}), run on
 * the SparkSession that is running ({@code SparkSession.builder().getOrCreate()} when there is none yet). Unlike {@link Main} it never exits the JVM and never
 * stops a session it did not create; a run that does not end with exit code 0 throws {@link Failed} with the
 * command's one-line message, so the task is marked failed.
 */
public final class JarTask {
    private JarTask() {}

    /** Thrown when the command ends with a nonzero exit code; {@link #exitCode()} is the code the CLI would exit with. */
    public static final class Failed extends RuntimeException {
        private static final long serialVersionUID = 1L;
        private final int exitCode;

        Failed(int exitCode, String message) {
            super(message);
            this.exitCode = exitCode;
        }

        public int exitCode() {
            return exitCode;
        }
    }

    public static void main(String[] args) {
        run(args);
    }

    /** Runs one command; returns normally only when it succeeded (exit code 0). */
    public static void run(String... args) {
        if (org.crest.spark.SparkSessions.active() == null) {
            // a JAR task's SparkContext may exist before any session does: take it (with the cluster's settings), so
            // the
            // command borrows it rather than configuring and later stopping one of its own
            org.apache.spark.sql.SparkSession.builder().getOrCreate();
        }
        StringWriter kept = new StringWriter();
        PrintWriter err = new PrintWriter(new Tee(new PrintWriter(System.err, true), kept), true);
        picocli.CommandLine cl = CrestCommand.commandLine();
        cl.setErr(err);
        int rc = Main.execute(cl, args);
        err.flush();
        if (rc != 0) {
            throw new Failed(
                    rc,
                    "crest " + (args.length == 0 ? "" : args[0] + " ") + "ended with exit code " + rc + ": "
                            + firstLine(kept.toString(), rc, args));
        }
    }

    /** The command's own one-line message: the first line it printed to stderr that is not usage help. */
    private static String firstLine(String err, int rc, String[] args) {
        for (String line : err.split("\\R")) {
            if (!line.isBlank()) {
                return line.strip();
            }
        }
        if (rc == org.crest.io.SkippedFiles.EXIT_ROWS_LOST) {
            return "corrupt input files were skipped as asked and their rows are missing (see skipped_files in the summary)";
        }
        return "no message (arguments " + Arrays.toString(args) + ")";
    }

    /** Writes to two writers. */
    private static final class Tee extends Writer {
        private final Writer a;
        private final Writer b;

        Tee(Writer a, Writer b) {
            this.a = a;
            this.b = b;
        }

        @Override
        public void write(char[] buf, int off, int len) throws java.io.IOException {
            a.write(buf, off, len);
            b.write(buf, off, len);
        }

        @Override
        public void flush() throws java.io.IOException {
            a.flush();
            b.flush();
        }

        @Override
        public void close() throws java.io.IOException {
            flush();
        }
    }
}
