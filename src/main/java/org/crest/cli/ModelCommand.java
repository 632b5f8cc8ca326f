package org.crest.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code crest model ...}: model bundles (conversion, pulling from the Hub, the cache). */
@Command(
        name = "model",
        mixinStandardHelpOptions = true,
        usageHelpAutoWidth = true,
        description = {"Work with model bundles."},
        subcommands = {
            ModelConvertCommand.class,
            ModelPullCommand.class,
            ModelListCommand.class,
            ModelRandomCommand.class,
            CommandLine.HelpCommand.class
        })
public final class ModelCommand implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(
                spec.commandLine(), "Missing command: try './spark-submit.sh model --help'");
    }
}
