/**
 * Benchmarks of the label job run from the command line: throughput against a plain ONNX Runtime loop (bench) and
 * memory of one large partition (bench-memory), on synthetic chats (SyntheticChats). May use cli.options and the
 * rooms below cli.
 */
package org.crest.cli.bench;
