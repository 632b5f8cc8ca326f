package org.crest.cli.options;

import picocli.CommandLine.Option;

/** Where a job writes and what it does with output already there (a picocli mixin): {@code --output}, {@code --mode}. */
public final class OutputOptions {
    @Option(
            names = {"-o", "--output"},
            required = true,
            paramLabel = "DIR",
            description = "Output folder.")
    String output;

    @Option(
            names = "--mode",
            paramLabel = "MODE",
            description = "error: refuse an existing output (the default); overwrite: replace it.")
    String mode;

    public String output() {
        return output;
    }

    /** --mode, validated: error or overwrite. */
    public WriteMode mode() {
        return WriteMode.parse(mode, false);
    }
}
