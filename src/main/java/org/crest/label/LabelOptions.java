package org.crest.label;

import java.util.List;
import java.util.Set;
import org.crest.io.InputFormat;

/**
 * Everything {@code crest label} was asked to do. Built from the CLI on the driver; never shipped to
 * executors (they get {@link ScoringSettings}).
 *
 * @param messagesCol null for flat rows with {@code textCol}; else the chat messages array column
 * @param intraOpThreads ONNX Runtime threads per task; 0 = spark.task.cpus
 * @param repartition number of partitions to score in; 0 keeps the input's partitioning
 * @param detectLanguage add {@code crest_lang} (org.crest.langid.LanguageId) and per-language counts
 */
public record LabelOptions(List<String> inputs, String output, InputFormat format, String textCol, String messagesCol,
    Set<String> roles, String model, String unsafeLabel, double threshold, int maxTokens, int windowStride,
    int batchTokens, int maxBatchSize, int chunkRows, org.crest.inference.Device device, int intraOpThreads,
    boolean overwrite, int repartition, boolean detectLanguage) {

  public LabelOptions {
    inputs = List.copyOf(inputs);
    roles = Set.copyOf(roles);
  }

  /** Without language identification. */
  public LabelOptions(List<String> inputs, String output, InputFormat format, String textCol, String messagesCol,
      Set<String> roles, String model, String unsafeLabel, double threshold, int maxTokens, int windowStride,
      int batchTokens, int maxBatchSize, int chunkRows, org.crest.inference.Device device, int intraOpThreads,
      boolean overwrite, int repartition) {
    this(inputs, output, format, textCol, messagesCol, roles, model, unsafeLabel, threshold, maxTokens, windowStride,
        batchTokens, maxBatchSize, chunkRows, device, intraOpThreads, overwrite, repartition, false);
  }

  /** The same options with language identification on or off. */
  public LabelOptions withDetectLanguage(boolean on) {
    return new LabelOptions(inputs, output, format, textCol, messagesCol, roles, model, unsafeLabel, threshold,
        maxTokens, windowStride, batchTokens, maxBatchSize, chunkRows, device, intraOpThreads, overwrite, repartition,
        on);
  }

  /** The same options reading {@code newInputs} into {@code newOutput}, refusing an existing output (one dt= partition). */
  public LabelOptions forPartition(List<String> newInputs, String newOutput) {
    return new LabelOptions(newInputs, newOutput, format, textCol, messagesCol, roles, model, unsafeLabel, threshold,
        maxTokens, windowStride, batchTokens, maxBatchSize, chunkRows, device, intraOpThreads, false, repartition,
        detectLanguage);
  }
}
