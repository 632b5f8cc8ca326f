package org.crest.io;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.io.Serializable;

/**
 * An input file that cannot be read as data: its path, size, a reason code and what was seen. With
 * --skip-corrupt-files it is left out and listed in the summary's {@code skipped_files}.
 */
public record FileProblem(
        @JsonProperty("file") String file,
        @JsonProperty("bytes") long bytes,
        @JsonProperty("reason") String reason,
        @JsonProperty("detail") String detail)
        implements Serializable {

    /** "file (detail)" for messages. */
    public String describe() {
        return file + " (" + detail + ")";
    }
}
