package org.crest.label.resume;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;

/**
 * {@code OUTPUT/_crest_summary.json} of a {@code label --resume} run: what happened to each selected dt= partition,
 * and the counts over the partitions as the output stands after the run (committed now or skipped as unchanged).
 */
public record ResumeSummary(
        @JsonProperty("status") String status,
        @JsonProperty("run_id") String runId,
        @JsonProperty("mode") String mode,
        @JsonProperty("input") String input,
        @JsonProperty("output") String output,
        @JsonProperty("dt_filter") List<String> dtFilter,
        @JsonProperty("model") String model,
        @JsonProperty("model_sha256") String modelSha256,
        @JsonProperty("model_is_demo") boolean modelIsDemo,
        @JsonProperty("partitions_found") int partitionsFound,
        @JsonProperty("partitions_selected") int partitionsSelected,
        @JsonProperty("partitions_committed") int partitionsCommitted,
        @JsonProperty("partitions_reprocessed") int partitionsReprocessed,
        @JsonProperty("partitions_skipped") int partitionsSkipped,
        @JsonProperty("partitions_empty") int partitionsEmpty,
        @JsonProperty("rows_in") long rowsIn,
        @JsonProperty("rows_labeled") long rowsLabeled,
        @JsonProperty("rows_quarantined") long rowsQuarantined,
        @JsonProperty("unsafe") long unsafe,
        @JsonProperty("rows_in_processed") long rowsInProcessed,
        @JsonProperty("staging_cleaned") List<String> stagingCleaned,
        @JsonProperty("partitions") List<Partition> partitions,
        @JsonProperty("started_at") String startedAt,
        @JsonProperty("finished_at") String finishedAt,
        @JsonProperty("elapsed_seconds") double elapsedSeconds) {
    /** A builder; set what differs. */
    public static Builder builder() {
        return new Builder();
    }

    /** A builder holding this record's values, to change some of them. */
    public Builder toBuilder() {
        Builder b = new Builder();
        b.status = status;
        b.runId = runId;
        b.mode = mode;
        b.input = input;
        b.output = output;
        b.dtFilter = dtFilter;
        b.model = model;
        b.modelSha256 = modelSha256;
        b.modelIsDemo = modelIsDemo;
        b.partitionsFound = partitionsFound;
        b.partitionsSelected = partitionsSelected;
        b.partitionsCommitted = partitionsCommitted;
        b.partitionsReprocessed = partitionsReprocessed;
        b.partitionsSkipped = partitionsSkipped;
        b.partitionsEmpty = partitionsEmpty;
        b.rowsIn = rowsIn;
        b.rowsLabeled = rowsLabeled;
        b.rowsQuarantined = rowsQuarantined;
        b.unsafe = unsafe;
        b.rowsInProcessed = rowsInProcessed;
        b.stagingCleaned = stagingCleaned;
        b.partitions = partitions;
        b.startedAt = startedAt;
        b.finishedAt = finishedAt;
        b.elapsedSeconds = elapsedSeconds;
        return b;
    }

    /** Builds a {@link ResumeSummary} one named value at a time. */
    public static final class Builder {
        private String status;
        private String runId;
        private String mode;
        private String input;
        private String output;
        private List<String> dtFilter;
        private String model;
        private String modelSha256;
        private boolean modelIsDemo;
        private int partitionsFound;
        private int partitionsSelected;
        private int partitionsCommitted;
        private int partitionsReprocessed;
        private int partitionsSkipped;
        private int partitionsEmpty;
        private long rowsIn;
        private long rowsLabeled;
        private long rowsQuarantined;
        private long unsafe;
        private long rowsInProcessed;
        private List<String> stagingCleaned;
        private List<Partition> partitions;
        private String startedAt;
        private String finishedAt;
        private double elapsedSeconds;

        private Builder() {}

        public Builder status(String status) {
            this.status = status;
            return this;
        }

        public Builder runId(String runId) {
            this.runId = runId;
            return this;
        }

        public Builder mode(String mode) {
            this.mode = mode;
            return this;
        }

        public Builder input(String input) {
            this.input = input;
            return this;
        }

        public Builder output(String output) {
            this.output = output;
            return this;
        }

        public Builder dtFilter(List<String> dtFilter) {
            this.dtFilter = dtFilter;
            return this;
        }

        public Builder model(String model) {
            this.model = model;
            return this;
        }

        public Builder modelSha256(String modelSha256) {
            this.modelSha256 = modelSha256;
            return this;
        }

        public Builder modelIsDemo(boolean modelIsDemo) {
            this.modelIsDemo = modelIsDemo;
            return this;
        }

        public Builder partitionsFound(int partitionsFound) {
            this.partitionsFound = partitionsFound;
            return this;
        }

        public Builder partitionsSelected(int partitionsSelected) {
            this.partitionsSelected = partitionsSelected;
            return this;
        }

        public Builder partitionsCommitted(int partitionsCommitted) {
            this.partitionsCommitted = partitionsCommitted;
            return this;
        }

        public Builder partitionsReprocessed(int partitionsReprocessed) {
            this.partitionsReprocessed = partitionsReprocessed;
            return this;
        }

        public Builder partitionsSkipped(int partitionsSkipped) {
            this.partitionsSkipped = partitionsSkipped;
            return this;
        }

        public Builder partitionsEmpty(int partitionsEmpty) {
            this.partitionsEmpty = partitionsEmpty;
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

        public Builder rowsInProcessed(long rowsInProcessed) {
            this.rowsInProcessed = rowsInProcessed;
            return this;
        }

        public Builder stagingCleaned(List<String> stagingCleaned) {
            this.stagingCleaned = stagingCleaned;
            return this;
        }

        public Builder partitions(List<Partition> partitions) {
            this.partitions = partitions;
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

        public Builder elapsedSeconds(double elapsedSeconds) {
            this.elapsedSeconds = elapsedSeconds;
            return this;
        }

        public ResumeSummary build() {
            return new ResumeSummary(
                    status,
                    runId,
                    mode,
                    input,
                    output,
                    dtFilter,
                    model,
                    modelSha256,
                    modelIsDemo,
                    partitionsFound,
                    partitionsSelected,
                    partitionsCommitted,
                    partitionsReprocessed,
                    partitionsSkipped,
                    partitionsEmpty,
                    rowsIn,
                    rowsLabeled,
                    rowsQuarantined,
                    unsafe,
                    rowsInProcessed,
                    stagingCleaned,
                    partitions,
                    startedAt,
                    finishedAt,
                    elapsedSeconds);
        }
    }

    public static final String COMMITTED = "committed";
    public static final String REPROCESSED = "reprocessed";
    public static final String SKIPPED = "skipped";
    public static final String EMPTY = "empty";
    public static final String FAILED = "failed";

    /**
     * One dt= partition. {@code action}: committed (first commit), reprocessed (a commit replaced, see reason),
     * skipped (committed earlier, unchanged; counts from its manifest), empty (no data files: nothing committed, looked
     * at again next run), failed (the run stopped here). {@code committed_by} is the run id of the manifest in place.
     */
    public record Partition(
            @JsonProperty("partition") String partition,
            @JsonProperty("action") String action,
            @JsonProperty("reason") String reason,
            @JsonProperty("input_files") int inputFiles,
            @JsonProperty("rows_in") long rowsIn,
            @JsonProperty("rows_labeled") long rowsLabeled,
            @JsonProperty("rows_quarantined") long rowsQuarantined,
            @JsonProperty("unsafe") long unsafe,
            @JsonProperty("committed_by") String committedBy,
            @JsonProperty("seconds") double seconds) {

        public boolean conserved() {
            return rowsIn == rowsLabeled + rowsQuarantined;
        }
    }

    public boolean conserved() {
        return rowsIn == rowsLabeled + rowsQuarantined && partitions.stream().allMatch(Partition::conserved);
    }
}
