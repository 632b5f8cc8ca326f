package org.crest.io;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;

/**
 * What the reader found among the input files, for the summary: files read, empty ones, hidden and
 * _-prefixed ones left out (as Spark leaves them out), and corrupt ones skipped on request.
 */
public record InputCheck(
        @JsonProperty("input_files_empty") int emptyFiles,
        @JsonProperty("input_files_ignored") int ignoredFiles,
        @JsonProperty("input_files_ignored_examples") List<String> ignoredExamples,
        @JsonProperty("skipped_files") List<FileProblem> skippedFiles) {

    public static final InputCheck NONE = new InputCheck(0, 0, List.of(), List.of());

    public InputCheck {
        ignoredExamples = List.copyOf(ignoredExamples);
        skippedFiles = List.copyOf(skippedFiles);
    }
}
