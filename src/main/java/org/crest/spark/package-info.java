/**
 * What every Spark job shares: creating the session (SparkSessions), shipping model bundles to executors and
 * assigning GPUs (JobSupport), the S3A committers (S3Committers), and writing driver-side files through the output's
 * Hadoop file system (OutputFiles). May use io, model, inference and org.crest.
 */
package org.crest.spark;
