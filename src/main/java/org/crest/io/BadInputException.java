package org.crest.io;

import org.crest.UsageException;

/**
 * An input file cannot be read as it is (exit code 2, like every {@link UsageException}). The message
 * names the file and the problem; {@link #file()} and {@link #reason()} carry them for callers.
 */
public class BadInputException extends UsageException {
    private static final long serialVersionUID = 1L;
    private final String file;
    private final String reason;

    public BadInputException(String file, String reason, String message, Throwable cause) {
        super(message, cause);
        this.file = file;
        this.reason = reason;
    }

    /** The file that could not be read, or the first of them. */
    public String file() {
        return file;
    }

    /** A reason code such as {@code corrupt_compressed} (see {@link FileCheck}). */
    public String reason() {
        return reason;
    }
}
