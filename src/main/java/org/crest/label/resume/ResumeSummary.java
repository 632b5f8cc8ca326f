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
