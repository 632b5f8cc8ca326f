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
    @JsonProperty("languages") @JsonInclude(JsonInclude.Include.NON_NULL) Map<String, Long> languages,
    // empty, hidden/_-prefixed and (with --skip-corrupt-files) skipped corrupt input files, at the top level
    @JsonUnwrapped org.crest.io.InputCheck inputCheck,
    // records in the input files as counted from the files themselves (the ledger), over all files
    @JsonProperty("records_in") long recordsIn,
    // units counted but not scored nor quarantined, by reason (chats: other_role messages, no_selected_message)
    @JsonProperty("not_selected") Map<String, Long> notSelected,
    // per input file: records (ledger), labeled, quarantined, not_selected; absent when in _crest_files.parquet
    @JsonProperty("files") @JsonInclude(JsonInclude.Include.NON_NULL) List<FileLedger.FileCount> files,
    @JsonProperty("files_ledger") @JsonInclude(JsonInclude.Include.NON_NULL) String filesLedger) {

  /** Corrupt input files left out on request; their rows are in neither count. */
  public List<org.crest.io.FileProblem> skippedFiles() {
    return inputCheck == null ? List.of() : inputCheck.skippedFiles();
  }

  public boolean conserved() {
    return rowsIn == rowsLabeled + rowsQuarantined;
  }
}
