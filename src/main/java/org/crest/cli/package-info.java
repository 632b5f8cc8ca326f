/**
 * The command line (picocli): Main, CrestCommand (exit codes) and one class per command; the shared option groups
 * are in cli.options, the benchmarks in cli.bench. Commands parse and print; the work is in the pipelines below.
 * Nothing imports cli.
 */
package org.crest.cli;
