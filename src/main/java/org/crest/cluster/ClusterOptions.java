package org.crest.cluster;

import org.crest.UsageException;
import java.util.List;
import org.crest.inference.Device;
import org.crest.io.InputFormat;

/**
 * Options of {@code crest cluster}, immutable, built by the CLI and never shipped to executors.
 *
 * @param k the number of clusters, or null for auto (sweep kMin..min(kMax, languages − 1) and take the knee)
 * @param detectLanguage a row's language is its langCol value when that is present and not blank, else the
 *     language detected from its text (org.crest.langid.LanguageId); rows with neither are skipped
 */
public record ClusterOptions(List<String> inputs, String output, InputFormat format, String textCol, String langCol,
    String embedder, Integer k, int kMin, int kMax, int seeds, long seed, int maxIter, Level level,
    int maxSentencesPerLanguage, int twoRepresentativesFrom, int maxTokens, int batchTokens, int maxBatchSize,
    int chunkRows, Device device, int intraOpThreads, boolean overwrite, String commandLine, boolean detectLanguage) {

  /** Without language identification. */
  public ClusterOptions(List<String> inputs, String output, InputFormat format, String textCol, String langCol,
      String embedder, Integer k, int kMin, int kMax, int seeds, long seed, int maxIter, Level level,
      int maxSentencesPerLanguage, int twoRepresentativesFrom, int maxTokens, int batchTokens, int maxBatchSize,
      int chunkRows, Device device, int intraOpThreads, boolean overwrite, String commandLine) {
    this(inputs, output, format, textCol, langCol, embedder, k, kMin, kMax, seeds, seed, maxIter, level,
        maxSentencesPerLanguage, twoRepresentativesFrom, maxTokens, batchTokens, maxBatchSize, chunkRows, device,
        intraOpThreads, overwrite, commandLine, false);
  }

  /** What K-Means clusters: language centroids (the paper's method) or the sentence embeddings themselves. */
  public enum Level {
    LANGUAGE, SENTENCE;

    public static Level parse(String s) {
      switch (s.trim().toLowerCase(java.util.Locale.ROOT)) {
        case "language":
          return LANGUAGE;
        case "sentence":
          return SENTENCE;
        default:
          throw new UsageException("Cannot cluster: unknown --level " + s + ", expected language or sentence");
      }
    }
  }

  public ClusterOptions {
    if (k != null && k < 2) {
      throw new UsageException("Cannot cluster: --k must be at least 2 or auto (" + k + ")");
    }
    if (kMin < 2 || kMax < kMin) {
      throw new UsageException("Cannot cluster: need 2 <= --k-min <= --k-max (" + kMin + ", " + kMax + ")");
    }
    if (seeds < 1 || maxIter < 1) {
      throw new UsageException("Cannot cluster: --seeds and --max-iter must be positive (" + seeds + ", " + maxIter
          + ")");
    }
    if (maxSentencesPerLanguage < 0) {
      throw new UsageException("Cannot cluster: --max-sentences-per-language must be 0 (all) or positive ("
          + maxSentencesPerLanguage + ")");
    }
    if (maxTokens < 3 || batchTokens < 1 || maxBatchSize < 1 || chunkRows < 1) {
      throw new UsageException("Cannot cluster: --max-tokens must be >= 3 and --batch-tokens, --max-batch-size, "
          + "--chunk-rows positive (" + maxTokens + ", " + batchTokens + ", " + maxBatchSize + ", " + chunkRows + ")");
    }
  }
}
