package org.crest.cluster;

import java.util.List;
import java.util.Map;

/** What {@code crest cluster} did, written to {@code OUTPUT/_crest_cluster_summary.json}. */
public record ClusterSummary(String status, String level, long rowsIn, long rowsEmbedded, long rowsOverCap,
    long rowsSkipped, Map<String, Long> skipReasons, long sentencesNonFinite, long sentencesZero,
    long sentencesTruncated, int languages, int languagesClustered, Map<String, String> excludedLanguages,
    List<Integer> kSwept, int k, String kMethod, Integer kKnee, Integer kSilhouette, int paperSharedLanguages,
    Double paperAri, String embedder, boolean embedderIsDemo, String output, double seconds) {}
