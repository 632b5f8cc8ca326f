package org.crest.cluster;

import java.util.List;
import java.util.Map;

/** What {@code crest cluster} did, written to {@code OUTPUT/_crest_cluster_summary.json}. */
public record ClusterSummary(
        String status,
        String level,
        long rowsIn,
        long rowsEmbedded,
        long rowsOverCap,
        long rowsSkipped,
        Map<String, Long> skipReasons,
        long sentencesNonFinite,
        long sentencesZero,
        long sentencesTruncated,
        int languages,
        int languagesClustered,
        Map<String, String> excludedLanguages,
        List<Integer> kSwept,
        int k,
        String kMethod,
        Integer kKnee,
        Integer kSilhouette,
        int paperSharedLanguages,
        Double paperAri,
        String embedder,
        boolean embedderIsDemo,
        String output,
        double seconds,
        List<FileLine> files) {
    /**
     * One input file: its records as counted from its bytes (the reader's ledger), the rows used (embedded or over the
     * per-language cap) and the rows skipped, by reason.
     */
    public record FileLine(String file, long records, long rowsUsed, long rowsSkipped, Map<String, Long> skipReasons) {}

    /** A builder; set what differs. */
    public static Builder builder() {
        return new Builder();
    }

    /** A builder holding this record's values, to change some of them. */
    public Builder toBuilder() {
        Builder b = new Builder();
        b.status = status;
        b.level = level;
        b.rowsIn = rowsIn;
        b.rowsEmbedded = rowsEmbedded;
        b.rowsOverCap = rowsOverCap;
        b.rowsSkipped = rowsSkipped;
        b.skipReasons = skipReasons;
        b.sentencesNonFinite = sentencesNonFinite;
        b.sentencesZero = sentencesZero;
        b.sentencesTruncated = sentencesTruncated;
        b.languages = languages;
        b.languagesClustered = languagesClustered;
        b.excludedLanguages = excludedLanguages;
        b.kSwept = kSwept;
        b.k = k;
        b.kMethod = kMethod;
        b.kKnee = kKnee;
        b.kSilhouette = kSilhouette;
        b.paperSharedLanguages = paperSharedLanguages;
        b.paperAri = paperAri;
        b.embedder = embedder;
        b.embedderIsDemo = embedderIsDemo;
        b.output = output;
        b.seconds = seconds;
        b.files = files;
        return b;
    }

    /** Builds a {@link ClusterSummary} one named value at a time. */
    public static final class Builder {
        private String status;
        private String level;
        private long rowsIn;
        private long rowsEmbedded;
        private long rowsOverCap;
        private long rowsSkipped;
        private Map<String, Long> skipReasons;
        private long sentencesNonFinite;
        private long sentencesZero;
        private long sentencesTruncated;
        private int languages;
        private int languagesClustered;
        private Map<String, String> excludedLanguages;
        private List<Integer> kSwept;
        private int k;
        private String kMethod;
        private Integer kKnee;
        private Integer kSilhouette;
        private int paperSharedLanguages;
        private Double paperAri;
        private String embedder;
        private boolean embedderIsDemo;
        private String output;
        private double seconds;
        private List<FileLine> files = List.of();

        private Builder() {}

        public Builder files(List<FileLine> files) {
            this.files = files;
            return this;
        }

        public Builder status(String status) {
            this.status = status;
            return this;
        }

        public Builder level(String level) {
            this.level = level;
            return this;
        }

        public Builder rowsIn(long rowsIn) {
            this.rowsIn = rowsIn;
            return this;
        }

        public Builder rowsEmbedded(long rowsEmbedded) {
            this.rowsEmbedded = rowsEmbedded;
            return this;
        }

        public Builder rowsOverCap(long rowsOverCap) {
            this.rowsOverCap = rowsOverCap;
            return this;
        }

        public Builder rowsSkipped(long rowsSkipped) {
            this.rowsSkipped = rowsSkipped;
            return this;
        }

        public Builder skipReasons(Map<String, Long> skipReasons) {
            this.skipReasons = skipReasons;
            return this;
        }

        public Builder sentencesNonFinite(long sentencesNonFinite) {
            this.sentencesNonFinite = sentencesNonFinite;
            return this;
        }

        public Builder sentencesZero(long sentencesZero) {
            this.sentencesZero = sentencesZero;
            return this;
        }

        public Builder sentencesTruncated(long sentencesTruncated) {
            this.sentencesTruncated = sentencesTruncated;
            return this;
        }

        public Builder languages(int languages) {
            this.languages = languages;
            return this;
        }

        public Builder languagesClustered(int languagesClustered) {
            this.languagesClustered = languagesClustered;
            return this;
        }

        public Builder excludedLanguages(Map<String, String> excludedLanguages) {
            this.excludedLanguages = excludedLanguages;
            return this;
        }

        public Builder kSwept(List<Integer> kSwept) {
            this.kSwept = kSwept;
            return this;
        }

        public Builder k(int k) {
            this.k = k;
            return this;
        }

        public Builder kMethod(String kMethod) {
            this.kMethod = kMethod;
            return this;
        }

        public Builder kKnee(Integer kKnee) {
            this.kKnee = kKnee;
            return this;
        }

        public Builder kSilhouette(Integer kSilhouette) {
            this.kSilhouette = kSilhouette;
            return this;
        }

        public Builder paperSharedLanguages(int paperSharedLanguages) {
            this.paperSharedLanguages = paperSharedLanguages;
            return this;
        }

        public Builder paperAri(Double paperAri) {
            this.paperAri = paperAri;
            return this;
        }

        public Builder embedder(String embedder) {
            this.embedder = embedder;
            return this;
        }

        public Builder embedderIsDemo(boolean embedderIsDemo) {
            this.embedderIsDemo = embedderIsDemo;
            return this;
        }

        public Builder output(String output) {
            this.output = output;
            return this;
        }

        public Builder seconds(double seconds) {
            this.seconds = seconds;
            return this;
        }

        public ClusterSummary build() {
            return new ClusterSummary(
                    status,
                    level,
                    rowsIn,
                    rowsEmbedded,
                    rowsOverCap,
                    rowsSkipped,
                    skipReasons,
                    sentencesNonFinite,
                    sentencesZero,
                    sentencesTruncated,
                    languages,
                    languagesClustered,
                    excludedLanguages,
                    kSwept,
                    k,
                    kMethod,
                    kKnee,
                    kSilhouette,
                    paperSharedLanguages,
                    paperAri,
                    embedder,
                    embedderIsDemo,
                    output,
                    seconds,
                    files);
        }
    }
}
