/**
 * The label job: read → units → score in mapPartitions (ScorePartition, with ScoringSettings shipped to executors and
 * the TaskFaults test hook) → write labeled rows and the quarantine → account (LabelSummary, rows in = labeled +
 * quarantined). Built from LabelOptions. May use langid, spark, io, model, inference and org.crest; never cluster,
 * evaluate, label.resume or cli.
 */
package org.crest.label;
