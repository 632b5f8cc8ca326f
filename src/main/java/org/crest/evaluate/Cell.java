package org.crest.evaluate;

/**
 * Confusion counts of one slice of a benchmark. {@code level} says which columns define the slice:
 * dataset_lang, dataset, dataset_cluster, lang, cluster, group or overall; the others are null.
 */
public record Cell(String level, String dataset, String lang, Integer cluster, String group, Confusion c) {}
