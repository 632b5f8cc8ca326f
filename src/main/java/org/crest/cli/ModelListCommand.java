package org.crest.cli;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import org.crest.cli.options.VerboseOption;
import org.crest.model.HubClient;
import org.crest.model.HubModels;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(
        name = "list",
        mixinStandardHelpOptions = true,
        usageHelpAutoWidth = true,
        description = {"List the Hub models in the cache: refs, snapshots (files, size) and converted bundles."})
public final class ModelListCommand implements Callable<Integer> {
    @Option(names = "--cache-dir", paramLabel = "DIR", description = "Cache root instead of $HF_HOME.")
    Path cacheDir;

    @Mixin
    VerboseOption verbose;

    @Override
    public Integer call() {
        HubClient hub = HubClient.fromEnvironment(cacheDir);
        List<String> lines = HubModels.list(hub);
        if (lines.isEmpty()) {
            System.out.println("No models in " + hub.hubCache());
        }
        lines.forEach(System.out::println);
        return 0;
    }
}
