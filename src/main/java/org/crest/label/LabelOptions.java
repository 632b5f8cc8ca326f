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
 * @param maxTextChars texts (or messages) longer than this are quarantined as {@code text_too_long}
 */
public record LabelOptions(
        List<String> inputs,
        String output,
        InputFormat format,
        String textCol,
        String messagesCol,
        Set<String> roles,
        String model,
        String unsafeLabel,
        double threshold,
        int maxTokens,
        int windowStride,
        int batchTokens,
        int maxBatchSize,
        int chunkRows,
        org.crest.inference.Device device,
        int intraOpThreads,
        boolean overwrite,
        int repartition,
        boolean detectLanguage,
        int maxTextChars) {
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
        b.messagesCol = messagesCol;
        b.roles = roles;
        b.model = model;
        b.unsafeLabel = unsafeLabel;
        b.threshold = threshold;
        b.maxTokens = maxTokens;
        b.windowStride = windowStride;
        b.batchTokens = batchTokens;
        b.maxBatchSize = maxBatchSize;
        b.chunkRows = chunkRows;
        b.device = device;
        b.intraOpThreads = intraOpThreads;
        b.overwrite = overwrite;
        b.repartition = repartition;
        b.detectLanguage = detectLanguage;
        b.maxTextChars = maxTextChars;
        return b;
    }

    /** Builds a {@link LabelOptions} one named value at a time. */
    public static final class Builder {
        private List<String> inputs = List.of();
        private String output;
        private InputFormat format = InputFormat.AUTO;
        private String textCol = "text";
        private String messagesCol;
        private Set<String> roles = Set.of();
        private String model = "demo";
        private String unsafeLabel;
        private double threshold = 0.5;
        private int maxTokens = 512;
        private int windowStride = 256;
        private int batchTokens = 4096;
        private int maxBatchSize = 64;
        private int chunkRows = 4096;
        private org.crest.inference.Device device = org.crest.inference.Device.AUTO;
        private int intraOpThreads;
        private boolean overwrite;
        private int repartition;
        private boolean detectLanguage;
        private int maxTextChars = org.crest.io.Units.DEFAULT_MAX_TEXT_CHARS;

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

        public Builder messagesCol(String messagesCol) {
            this.messagesCol = messagesCol;
            return this;
        }

        public Builder roles(Set<String> roles) {
            this.roles = roles;
            return this;
        }

        public Builder model(String model) {
            this.model = model;
            return this;
        }

        public Builder unsafeLabel(String unsafeLabel) {
            this.unsafeLabel = unsafeLabel;
            return this;
        }

        public Builder threshold(double threshold) {
            this.threshold = threshold;
            return this;
        }

        public Builder maxTokens(int maxTokens) {
            this.maxTokens = maxTokens;
            return this;
        }

        public Builder windowStride(int windowStride) {
            this.windowStride = windowStride;
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

        public Builder device(org.crest.inference.Device device) {
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

        public Builder repartition(int repartition) {
            this.repartition = repartition;
            return this;
        }

        public Builder detectLanguage(boolean detectLanguage) {
            this.detectLanguage = detectLanguage;
            return this;
        }

        /** Texts (or messages) longer than this are quarantined as text_too_long. */
        public Builder maxTextChars(int maxTextChars) {
            this.maxTextChars = maxTextChars;
            return this;
        }

        public LabelOptions build() {
            return new LabelOptions(
                    inputs,
                    output,
                    format,
                    textCol,
                    messagesCol,
                    roles,
                    model,
                    unsafeLabel,
                    threshold,
                    maxTokens,
                    windowStride,
                    batchTokens,
                    maxBatchSize,
                    chunkRows,
                    device,
                    intraOpThreads,
                    overwrite,
                    repartition,
                    detectLanguage,
                    maxTextChars);
        }
    }

    public LabelOptions {
        inputs = List.copyOf(inputs);
        roles = Set.copyOf(roles);
        if (maxTextChars < 1) {
            throw new org.crest.UsageException(
                    "Cannot label: --max-text-chars must be at least 1, got " + maxTextChars);
        }
    }

    /** The same options with language identification on or off. */
    public LabelOptions withDetectLanguage(boolean on) {
        return toBuilder().detectLanguage(on).build();
    }

    /** The same options reading {@code newInputs} into {@code newOutput}, refusing an existing output (one dt= partition). */
    public LabelOptions forPartition(List<String> newInputs, String newOutput) {
        return toBuilder().inputs(newInputs).output(newOutput).overwrite(false).build();
    }
}
