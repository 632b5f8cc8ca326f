package org.crest.cli;

import java.util.List;
import java.util.stream.Collectors;
import org.crest.io.FileProblem;
import org.crest.io.SkippedFiles;

/** Entry point: {@code crest <command> ...}; see {@link CrestCommand}. */
public final class Main {
    private Main() {}

    public static void main(String[] args) {
        System.exit(execute(args));
    }

    /**
     * Runs the CLI and returns its exit code: 0 ok, 1 job failure, 2 usage error or unreadable input,
     * 3 finished but corrupt input files were skipped as asked (their rows are missing).
     */
    public static int execute(String... args) {
        return execute(CrestCommand.commandLine(), args);
    }

    /** As {@link #execute(String...)} with {@code cl} (JarTask's, whose messages it also keeps). */
    static int execute(picocli.CommandLine cl, String... args) {
        SkippedFiles.clear();
        int rc = cl.execute(args);
        List<FileProblem> skipped = SkippedFiles.all();
        if (rc == 0 && !skipped.isEmpty()) {
            System.err.println("crest: finished, but " + skipped.size()
                    + " corrupt input file(s) were skipped as asked and "
                    + "their rows are missing (exit code " + SkippedFiles.EXIT_ROWS_LOST + "): "
                    + skipped.stream().limit(5).map(FileProblem::describe).collect(Collectors.joining(", "))
                    + (skipped.size() > 5 ? " and " + (skipped.size() - 5) + " more" : ""));
            return SkippedFiles.EXIT_ROWS_LOST;
        }
        return rc;
    }
}
