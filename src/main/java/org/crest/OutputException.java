package org.crest;

/**
 * The output could not be written (exit code 1): an unwritable folder, a full disk, a swap that could not finish.
 * The message is one line naming the output path; what the run had written is removed.
 */
public class OutputException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public OutputException(String message) {
        super(message);
    }

    public OutputException(String message, Throwable cause) {
        super(message, cause);
    }
}
