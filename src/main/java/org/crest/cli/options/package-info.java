/**
 * The option groups the commands share, as picocli mixins (SparkOptions, VerboseOption, InputOptions, OutputOptions,
 * ModelOptions, BatchOptions, ScoringOptions), and WriteMode, the one parser of --mode. Used by cli and cli.bench.
 */
package org.crest.cli.options;
