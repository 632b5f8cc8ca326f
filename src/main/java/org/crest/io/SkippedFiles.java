package org.crest.io;

import java.util.ArrayList;
import java.util.List;

/**
 * The corrupt files the reader left out in this process (only when the user asked, with
 * --skip-corrupt-files or spark.sql.files.ignoreCorruptFiles=true). The CLI reads it after a command
 * to exit with {@link #EXIT_ROWS_LOST} instead of 0, whichever job read the input.
 */
public final class SkippedFiles {
    /** Exit code of a run that finished but left corrupt input files, and so their rows, out. */
    public static final int EXIT_ROWS_LOST = 3;

    private static final List<FileProblem> SKIPPED = new ArrayList<>();

    private SkippedFiles() {}

    static synchronized void record(List<FileProblem> files) {
        SKIPPED.addAll(files);
    }

    public static synchronized List<FileProblem> all() {
        return List.copyOf(SKIPPED);
    }

    public static synchronized void clear() {
        SKIPPED.clear();
    }
}
