package org.crest.cli.options;

import java.util.Locale;
import org.crest.UsageException;

/**
 * {@code --mode}: what a job does with output that is already there, like Spark's save modes. Every command parses
 * the flag here, so the values and the refusals read the same everywhere.
 */
public enum WriteMode {
    /** Refuse an existing output (the default without --resume). */
    ERROR,
    /** Replace it; with label --resume, relabel every selected partition. */
    OVERWRITE,
    /** label --resume only: skip the partitions committed from the same input, model and settings (its default). */
    RESUME;

    /**
     * The mode {@code value} names (any case), or the default when it is null: resume with {@code --resume}, else error.
     *
     * @throws UsageException a value that is unknown, or does not fit {@code resume}
     */
    public static WriteMode parse(String value, boolean resume) {
        if (value == null) {
            return resume ? RESUME : ERROR;
        }
        WriteMode m =
                switch (value.trim().toLowerCase(Locale.ROOT)) {
                    case "error" -> ERROR;
                    case "overwrite" -> OVERWRITE;
                    case "resume" -> RESUME;
                    default -> null;
                };
        if (resume && m != RESUME && m != OVERWRITE) {
            throw new UsageException("Cannot use --mode " + value + " with --resume: expected resume (skip committed, "
                    + "unchanged partitions; the default) or overwrite (relabel every selected partition)");
        }
        if (!resume && m != ERROR && m != OVERWRITE) {
            throw new UsageException("Unknown --mode " + value + ", expected error or overwrite"
                    + (m == RESUME
                            ? " (--mode resume needs --resume, a label option, and date-partitioned input)"
                            : ""));
        }
        return m;
    }

    public boolean overwrite() {
        return this == OVERWRITE;
    }
}
