package org.crest.cli.options;

import picocli.CommandLine.Option;

/**
 * {@code --verbose} (a picocli mixin): stack traces of failures. {@link CrestCommand} looks for the option by name on
 * every level of the parsed command line, so a command only has to mix it in.
 */
public final class VerboseOption {
    @Option(names = "--verbose", description = "Print stack traces of failures.")
    boolean verbose;

    public boolean verbose() {
        return verbose;
    }
}
