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
    double threshold, int maxTokens, int windowStride, int batchTokens, int maxBatchSize, Device device,
    int repartition) {

  /** The label job's options to score {@code input} (normalised Parquet rows) into {@code scored}. */
  LabelOptions scoring(String input, String scored) {
    return new LabelOptions(java.util.List.of(input), scored, org.crest.io.InputFormat.PARQUET,
        org.crest.evaluate.BenchmarkRows.TEXT, null, java.util.Set.of(), model, unsafeLabel, threshold, maxTokens,
        windowStride, batchTokens, maxBatchSize, 4096, device, 0, false, repartition);
  }

  /** The same options, writing into {@code dir} (the output's staging folder). */
  EvalOptions writingTo(String dir) {
    return new EvalOptions(bench, dir, overwrite, model, unsafeLabel, threshold, maxTokens, windowStride, batchTokens,
        maxBatchSize, device, repartition);
  }

  /** What a run reads, for the output's overlap check: the benchmark, --language-groups, the model folder. */
  java.util.List<org.crest.spark.OutputGuard.Input> reads() {
    java.util.List<org.crest.spark.OutputGuard.Input> in =
        new java.util.ArrayList<>(org.crest.spark.OutputGuard.Input.of("--input", bench.inputs()));
    if (bench.languageGroups() != null) {
      in.add(new org.crest.spark.OutputGuard.Input("--language-groups", bench.languageGroups()));
    }
    in.addAll(org.crest.spark.OutputGuard.Input.ifLocalFolder("--model", model));
    return in;
  }
}
