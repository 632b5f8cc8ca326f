/**
 * The cluster job, the paper's language clustering: sentence embeddings (EmbedPartition), K-Means sweeps (KSweep),
 * the knee (Knee), agreement by adjusted Rand index (AdjustedRand), training languages (TrainingLanguages, with the
 * CC-100 sizes of LanguageTables), the PCA picture (Pca, ClusterPlot) and the report (ClusterReport). May use langid,
 * spark, io, model, inference and org.crest; not label or evaluate.
 */
package org.crest.cluster;
