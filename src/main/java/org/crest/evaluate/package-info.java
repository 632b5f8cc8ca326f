/**
 * Benchmarks: presets and ingestion (Preset, BenchmarkReader, BenchmarkRows, LabelMapping), scoring through the label
 * job (BenchmarkScoring), confusion counts and roll-ups (Confusion, Metrics, Cell), thresholds (ThresholdSweep,
 * ThresholdPlot), the paper's figures (Paper) and reports (Reports, EvaluateJob); a suite of presets found in a
 * folder, one report over all (SuiteFiles, SuiteJob, SuiteReport); RelabelJob shows where a model and the labels
 * disagree. May use label, langid, spark, io and org.crest; not cluster or cli.
 */
package org.crest.evaluate;
