package org.crest.cluster;

import java.util.List;
import org.crest.UsageException;
import org.crest.inference.Device;
import org.crest.io.InputFormat;

/**
 * Options of {@code crest cluster}, immutable, built by the CLI and never shipped to executors.
 *
 * @param k the number of clusters, or null for auto (sweep kMin..min(kMax, languages − 1) and take the knee)
 * @param detectLanguage a row's language is its langCol value when that is present and not blank, else the
 *     language detected from its text (org.crest.langid.LanguageId); rows with neither are skipped
 */
public record ClusterOptions(
        List<String> inputs,
        String output,
        InputFormat format,
        String textCol,
        String langCol,
        String embedder,
        Integer k,
        int kMin,
        int kMax,
        int seeds,
        long seed,
        int maxIter,
        Level level,
        int maxSentencesPerLanguage,
        int twoRepresentativesFrom,
        int maxTokens,
        int batchTokens,
        int maxBatchSize,
        int chunkRows,
        Device device,
        int intraOpThreads,
        boolean overwrite,
        String commandLine,
        boolean detectLanguage) {
    /** A builder with the defaults of the command line; set what differs. */
    public static Builder builder() {
        return new Builder();
    }

    /** A builder holding this record's values, to change some of them. */
    public Builder toBuilder() {
        Builder b = new Builder();
        b.inputs = inputs;
        b.output = output;
        b.format = format;
        b.textCol = textCol;
        b.langCol = langCol;
        b.embedder = embedder;
        b.k = k;
        b.kMin = kMin;
        b.kMax = kMax;
        b.seeds = seeds;
        b.seed = seed;
        b.maxIter = maxIter;
        b.level = level;
        b.maxSentencesPerLanguage = maxSentencesPerLanguage;
        b.twoRepresentativesFrom = twoRepresentativesFrom;
        b.maxTokens = maxTokens;
        b.batchTokens = batchTokens;
        b.maxBatchSize = maxBatchSize;
        b.chunkRows = chunkRows;
        b.device = device;
        b.intraOpThreads = intraOpThreads;
        b.overwrite = overwrite;
        b.commandLine = commandLine;
        b.detectLanguage = detectLanguage;
        return b;
    }

    /** Builds a {@link ClusterOptions} one named value at a time. */
    public static final class Builder {
        private List<String> inputs = List.of();
        private String output;
        private InputFormat format = InputFormat.AUTO;
        private String textCol = "text";
        private String langCol = "lang";
        private String embedder;
        private Integer k;
        private int kMin = 2;
        private int kMax = 16;
        private int seeds = 5;
        private long seed = 42;
        private int maxIter = 50;
        private Level level = Level.LANGUAGE;
        private int maxSentencesPerLanguage;
        private int twoRepresentativesFrom = 11;
        private int maxTokens = 512;
        private int batchTokens = 4096;
        private int maxBatchSize = 64;
        private int chunkRows = 4096;
        private Device device = Device.AUTO;
        private int intraOpThreads;
        private boolean overwrite;
        private String commandLine = "";
        private boolean detectLanguage;

        private Builder() {}

        public Builder inputs(List<String> inputs) {
            this.inputs = inputs;
            return this;
        }

        public Builder output(String output) {
            this.output = output;
            return this;
        }

        public Builder format(InputFormat format) {
            this.format = format;
            return this;
        }

        public Builder textCol(String textCol) {
            this.textCol = textCol;
            return this;
        }

        public Builder langCol(String langCol) {
            this.langCol = langCol;
            return this;
        }

        public Builder embedder(String embedder) {
            this.embedder = embedder;
            return this;
        }

        public Builder k(Integer k) {
            this.k = k;
            return this;
        }

        public Builder kMin(int kMin) {
            this.kMin = kMin;
            return this;
        }

        public Builder kMax(int kMax) {
            this.kMax = kMax;
            return this;
        }

        public Builder seeds(int seeds) {
            this.seeds = seeds;
            return this;
        }

        public Builder seed(long seed) {
            this.seed = seed;
            return this;
        }

        public Builder maxIter(int maxIter) {
            this.maxIter = maxIter;
            return this;
        }

        public Builder level(Level level) {
            this.level = level;
            return this;
        }

        public Builder maxSentencesPerLanguage(int maxSentencesPerLanguage) {
            this.maxSentencesPerLanguage = maxSentencesPerLanguage;
            return this;
        }

        public Builder twoRepresentativesFrom(int twoRepresentativesFrom) {
            this.twoRepresentativesFrom = twoRepresentativesFrom;
            return this;
        }

        public Builder maxTokens(int maxTokens) {
            this.maxTokens = maxTokens;
            return this;
        }

        public Builder batchTokens(int batchTokens) {
            this.batchTokens = batchTokens;
            return this;
        }

        public Builder maxBatchSize(int maxBatchSize) {
            this.maxBatchSize = maxBatchSize;
            return this;
        }

        public Builder chunkRows(int chunkRows) {
            this.chunkRows = chunkRows;
            return this;
        }

        public Builder device(Device device) {
            this.device = device;
            return this;
        }

        public Builder intraOpThreads(int intraOpThreads) {
            this.intraOpThreads = intraOpThreads;
            return this;
        }

        public Builder overwrite(boolean overwrite) {
            this.overwrite = overwrite;
            return this;
        }

        public Builder commandLine(String commandLine) {
            this.commandLine = commandLine;
            return this;
        }

        public Builder detectLanguage(boolean detectLanguage) {
            this.detectLanguage = detectLanguage;
            return this;
        }

        public ClusterOptions build() {
            return new ClusterOptions(
                    inputs,
                    output,
                    format,
                    textCol,
                    langCol,
                    embedder,
                    k,
                    kMin,
                    kMax,
                    seeds,
                    seed,
                    maxIter,
                    level,
                    maxSentencesPerLanguage,
                    twoRepresentativesFrom,
                    maxTokens,
                    batchTokens,
                    maxBatchSize,
                    chunkRows,
                    device,
                    intraOpThreads,
                    overwrite,
                    commandLine,
                    detectLanguage);
        }
    }

    /** What K-Means clusters: language centroids (the paper's method) or the sentence embeddings themselves. */
    public enum Level {
        LANGUAGE,
        SENTENCE;

        public static Level parse(String s) {
            switch (s.trim().toLowerCase(java.util.Locale.ROOT)) {
                case "language":
                    return LANGUAGE;
                case "sentence":
                    return SENTENCE;
                default:
                    throw new UsageException(
                            "Cannot cluster: unknown --level " + s + ", expected language or sentence");
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
            throw new UsageException(
                    "Cannot cluster: --seeds and --max-iter must be positive (" + seeds + ", " + maxIter + ")");
        }
        if (maxSentencesPerLanguage < 0) {
            throw new UsageException("Cannot cluster: --max-sentences-per-language must be 0 (all) or positive ("
                    + maxSentencesPerLanguage + ")");
        }
        if (maxTokens < 3 || batchTokens < 1 || maxBatchSize < 1 || chunkRows < 1) {
            throw new UsageException("Cannot cluster: --max-tokens must be >= 3 and --batch-tokens, --max-batch-size, "
                    + "--chunk-rows positive (" + maxTokens + ", " + batchTokens + ", " + maxBatchSize + ", "
                    + chunkRows + ")");
        }
    }
}
