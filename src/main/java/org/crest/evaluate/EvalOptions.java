package org.crest.evaluate;

import org.crest.label.LabelOptions;
import org.crest.inference.Device;

/**
 * Everything {@code crest evaluate} and {@code crest relabel} were asked to do: how to read the benchmark,
 * where to write, and how to score (the subset of {@link LabelOptions} that matters for benchmarks).
 *
 * @param threshold a row is predicted unsafe when crest_score >= threshold
 */
public record EvalOptions(BenchmarkOptions bench, String output, boolean overwrite, String model, String unsafeLabel,
    double threshold, int maxTokens, int windowStride, int batchTokens, int maxBatchSize, int chunkRows,
    Device device, int intraOpThreads, int repartition) {

  /** The label job's options to score {@code input} (normalised Parquet rows) into {@code scored}. */
  LabelOptions scoring(String input, String scored) {
    return new LabelOptions(java.util.List.of(input), scored, org.crest.io.InputFormat.PARQUET,
        org.crest.evaluate.BenchmarkRows.TEXT, null, java.util.Set.of(), model, unsafeLabel, threshold, maxTokens,
        windowStride, batchTokens, maxBatchSize, chunkRows, device, intraOpThreads, false, repartition);
  }
}
