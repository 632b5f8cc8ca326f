package org.crest.label;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonUnwrapped;
import java.util.List;
import java.util.Map;

/** The contents of {@code OUTPUT/_crest_summary.json}. */
public record LabelSummary(
        @JsonProperty("status") String status,
        @JsonProperty("rows_in") long rowsIn,
        @JsonProperty("rows_labeled") long rowsLabeled,
        @JsonProperty("rows_quarantined") long rowsQuarantined,
        @JsonProperty("unsafe") long unsafe,
        @JsonProperty("safe") long safe,
        @JsonProperty("threshold") double threshold,
        @JsonProperty("model") String model,
        @JsonProperty("model_is_demo") boolean modelIsDemo,
        @JsonProperty("unsafe_label") String unsafeLabel,
        @JsonProperty("input") List<String> input,
        @JsonProperty("input_format") String inputFormat,
        @JsonProperty("input_files") int inputFiles,
        @JsonProperty("output") String output,
        @JsonProperty("mode") String mode,
        @JsonProperty("windows") long windows,
        @JsonProperty("content_tokens") long contentTokens,
        @JsonProperty("model_tokens") long modelTokens,
        @JsonProperty("computed_tokens") long computedTokens,
        @JsonProperty("padding_efficiency") double paddingEfficiency,
        @JsonProperty("batches") long batches,
        // chunks whose texts a task tokenized on a second thread while the model ran the chunk before
        // (spark.crest.label.prefetch; on GPU sessions by default); 0 when off
        @JsonProperty("chunks_tokenized_ahead") long chunksTokenizedAhead,
        @JsonProperty("sessions_created") long sessionsCreated,
        // ONNX Runtime sessions of the model per executor id ("driver" in local mode): 1 each when caching works
        @JsonProperty("sessions_per_executor") Map<String, Long> sessionsPerExecutor,
        @JsonProperty("quarantine_reasons") Map<String, Long> quarantineReasons,
        @JsonProperty("label_seconds") double labelSeconds,
        @JsonProperty("elapsed_seconds") double elapsedSeconds,
        @JsonProperty("rows_per_second") double rowsPerSecond,
        @JsonProperty("tokens_per_second") double tokensPerSecond,
        @JsonProperty("started_at") String startedAt,
        @JsonProperty("finished_at") String finishedAt,
        // with --detect-language: labeled rows per crest_lang, "und" for rows the detector was unsure of; else absent
        @JsonProperty("languages") @JsonInclude(JsonInclude.Include.NON_NULL)
        Map<String, Long> languages,
        // empty, hidden/_-prefixed and (with --skip-corrupt-files) skipped corrupt input files, at the top level
        @JsonUnwrapped org.crest.io.InputCheck inputCheck,
        // records in the input files as counted from the files themselves (the ledger), over all files
        @JsonProperty("records_in") long recordsIn,
        // units counted but not scored nor quarantined, by reason (chats: other_role messages, no_selected_message)
        @JsonProperty("not_selected") Map<String, Long> notSelected,
        // per input file: records (ledger), labeled, quarantined, not_selected; absent when in _crest_files.parquet
        @JsonProperty("files") @JsonInclude(JsonInclude.Include.NON_NULL)
        List<FileLedger.FileCount> files,

        @JsonProperty("files_ledger") @JsonInclude(JsonInclude.Include.NON_NULL)
        String filesLedger) {
    /** A builder; set what differs. */
    public static Builder builder() {
        return new Builder();
    }

    /** A builder holding this record's values, to change some of them. */
    public Builder toBuilder() {
        Builder b = new Builder();
        b.status = status;
        b.rowsIn = rowsIn;
        b.rowsLabeled = rowsLabeled;
        b.rowsQuarantined = rowsQuarantined;
        b.unsafe = unsafe;
        b.safe = safe;
        b.threshold = threshold;
        b.model = model;
        b.modelIsDemo = modelIsDemo;
        b.unsafeLabel = unsafeLabel;
        b.input = input;
        b.inputFormat = inputFormat;
        b.inputFiles = inputFiles;
        b.output = output;
        b.mode = mode;
        b.windows = windows;
        b.contentTokens = contentTokens;
        b.modelTokens = modelTokens;
        b.computedTokens = computedTokens;
        b.paddingEfficiency = paddingEfficiency;
        b.batches = batches;
        b.chunksTokenizedAhead = chunksTokenizedAhead;
        b.sessionsCreated = sessionsCreated;
        b.sessionsPerExecutor = sessionsPerExecutor;
        b.quarantineReasons = quarantineReasons;
        b.labelSeconds = labelSeconds;
        b.elapsedSeconds = elapsedSeconds;
        b.rowsPerSecond = rowsPerSecond;
        b.tokensPerSecond = tokensPerSecond;
        b.startedAt = startedAt;
        b.finishedAt = finishedAt;
        b.languages = languages;
        b.inputCheck = inputCheck;
        b.recordsIn = recordsIn;
        b.notSelected = notSelected;
        b.files = files;
        b.filesLedger = filesLedger;
        return b;
    }

    /** Builds a {@link LabelSummary} one named value at a time. */
    public static final class Builder {
        private String status;
        private long rowsIn;
        private long rowsLabeled;
        private long rowsQuarantined;
        private long unsafe;
        private long safe;
        private double threshold;
        private String model;
        private boolean modelIsDemo;
        private String unsafeLabel;
        private List<String> input;
        private String inputFormat;
        private int inputFiles;
        private String output;
        private String mode;
        private long windows;
        private long contentTokens;
        private long modelTokens;
        private long computedTokens;
        private double paddingEfficiency;
        private long batches;
        private long chunksTokenizedAhead;
        private long sessionsCreated;
        private Map<String, Long> sessionsPerExecutor;
        private Map<String, Long> quarantineReasons;
        private double labelSeconds;
        private double elapsedSeconds;
        private double rowsPerSecond;
        private double tokensPerSecond;
        private String startedAt;
        private String finishedAt;
        private Map<String, Long> languages;
        private org.crest.io.InputCheck inputCheck;
        private long recordsIn;
        private Map<String, Long> notSelected;
        private List<FileLedger.FileCount> files;
        private String filesLedger;

        private Builder() {}

        public Builder status(String status) {
            this.status = status;
            return this;
        }

        public Builder rowsIn(long rowsIn) {
            this.rowsIn = rowsIn;
            return this;
        }

        public Builder rowsLabeled(long rowsLabeled) {
            this.rowsLabeled = rowsLabeled;
            return this;
        }

        public Builder rowsQuarantined(long rowsQuarantined) {
            this.rowsQuarantined = rowsQuarantined;
            return this;
        }

        public Builder unsafe(long unsafe) {
            this.unsafe = unsafe;
            return this;
        }

        public Builder safe(long safe) {
            this.safe = safe;
            return this;
        }

        public Builder threshold(double threshold) {
            this.threshold = threshold;
            return this;
        }

        public Builder model(String model) {
            this.model = model;
            return this;
        }

        public Builder modelIsDemo(boolean modelIsDemo) {
            this.modelIsDemo = modelIsDemo;
            return this;
        }

        public Builder unsafeLabel(String unsafeLabel) {
            this.unsafeLabel = unsafeLabel;
            return this;
        }

        public Builder input(List<String> input) {
            this.input = input;
            return this;
        }

        public Builder inputFormat(String inputFormat) {
            this.inputFormat = inputFormat;
            return this;
        }

        public Builder inputFiles(int inputFiles) {
            this.inputFiles = inputFiles;
            return this;
        }

        public Builder output(String output) {
            this.output = output;
            return this;
        }

        public Builder mode(String mode) {
            this.mode = mode;
            return this;
        }

        public Builder windows(long windows) {
            this.windows = windows;
            return this;
        }

        public Builder contentTokens(long contentTokens) {
            this.contentTokens = contentTokens;
            return this;
        }

        public Builder modelTokens(long modelTokens) {
            this.modelTokens = modelTokens;
            return this;
        }

        public Builder computedTokens(long computedTokens) {
            this.computedTokens = computedTokens;
            return this;
        }

        public Builder paddingEfficiency(double paddingEfficiency) {
            this.paddingEfficiency = paddingEfficiency;
            return this;
        }

        public Builder batches(long batches) {
            this.batches = batches;
            return this;
        }

        public Builder chunksTokenizedAhead(long chunksTokenizedAhead) {
            this.chunksTokenizedAhead = chunksTokenizedAhead;
            return this;
        }

        public Builder sessionsCreated(long sessionsCreated) {
            this.sessionsCreated = sessionsCreated;
            return this;
        }

        public Builder sessionsPerExecutor(Map<String, Long> sessionsPerExecutor) {
            this.sessionsPerExecutor = sessionsPerExecutor;
            return this;
        }

        public Builder quarantineReasons(Map<String, Long> quarantineReasons) {
            this.quarantineReasons = quarantineReasons;
            return this;
        }

        public Builder labelSeconds(double labelSeconds) {
            this.labelSeconds = labelSeconds;
            return this;
        }

        public Builder elapsedSeconds(double elapsedSeconds) {
            this.elapsedSeconds = elapsedSeconds;
            return this;
        }

        public Builder rowsPerSecond(double rowsPerSecond) {
            this.rowsPerSecond = rowsPerSecond;
            return this;
        }

        public Builder tokensPerSecond(double tokensPerSecond) {
            this.tokensPerSecond = tokensPerSecond;
            return this;
        }

        public Builder startedAt(String startedAt) {
            this.startedAt = startedAt;
            return this;
        }

        public Builder finishedAt(String finishedAt) {
            this.finishedAt = finishedAt;
            return this;
        }

        public Builder languages(Map<String, Long> languages) {
            this.languages = languages;
            return this;
        }

        public Builder inputCheck(org.crest.io.InputCheck inputCheck) {
            this.inputCheck = inputCheck;
            return this;
        }

        public Builder recordsIn(long recordsIn) {
            this.recordsIn = recordsIn;
            return this;
        }

        public Builder notSelected(Map<String, Long> notSelected) {
            this.notSelected = notSelected;
            return this;
        }

        public Builder files(List<FileLedger.FileCount> files) {
            this.files = files;
            return this;
        }

        public Builder filesLedger(String filesLedger) {
            this.filesLedger = filesLedger;
            return this;
        }

        public LabelSummary build() {
            return new LabelSummary(
                    status,
                    rowsIn,
                    rowsLabeled,
                    rowsQuarantined,
                    unsafe,
                    safe,
                    threshold,
                    model,
                    modelIsDemo,
                    unsafeLabel,
                    input,
                    inputFormat,
                    inputFiles,
                    output,
                    mode,
                    windows,
                    contentTokens,
                    modelTokens,
                    computedTokens,
                    paddingEfficiency,
                    batches,
                    chunksTokenizedAhead,
                    sessionsCreated,
                    sessionsPerExecutor,
                    quarantineReasons,
                    labelSeconds,
                    elapsedSeconds,
                    rowsPerSecond,
                    tokensPerSecond,
                    startedAt,
                    finishedAt,
                    languages,
                    inputCheck,
                    recordsIn,
                    notSelected,
                    files,
                    filesLedger);
        }
    }

    /** Corrupt input files left out on request; their rows are in neither count. */
    public List<org.crest.io.FileProblem> skippedFiles() {
        return inputCheck == null ? List.of() : inputCheck.skippedFiles();
    }

    public boolean conserved() {
        return rowsIn == rowsLabeled + rowsQuarantined;
    }
}
