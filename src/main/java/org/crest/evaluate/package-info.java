/**
 * Benchmarks: presets and ingestion (Preset, BenchmarkReader, BenchmarkRows, LabelMapping), scoring through the label
 * job (BenchmarkScoring), confusion counts and roll-ups (Confusion, Metrics, Cell), thresholds (ThresholdSweep,
 * ThresholdPlot), the paper's figures (Paper) and reports (Reports, EvaluateJob); RelabelJob shows where a model and
 * the labels disagree. May use label, langid, spark, io and org.crest; not cluster or cli.
 */
package org.crest.evaluate;
