package org.crest.cli;

import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.crest.UsageException;
import org.crest.cli.options.VerboseOption;
import org.crest.model.CheckpointConverter;
import org.crest.model.HubClient;
import org.crest.model.HubModels;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(
        name = "pull",
        mixinStandardHelpOptions = true,
        usageHelpAutoWidth = true,
        sortOptions = false,
        description = {
            "Download an XLM-RoBERTa checkpoint from the Hugging Face Hub (config.json, tokenizer.json, "
                    + "model.safetensors or its shards) and convert it into a model bundle, as model convert does. Prints "
                    + "the bundle's path; --model hf:ORG/NAME[@REV] does the same and uses it.",
            "",
            "Cache: $HF_HOME (default ~/.cache/huggingface), the files in hub/models--ORG--NAME/snapshots/COMMIT/ as "
                    + "huggingface_hub keeps them, the bundle in crest/ORG--NAME/COMMIT/TASK/. A second pull sends no "
                    + "request. Environment: HF_TOKEN (gated or private models), HF_ENDPOINT (a mirror), HF_HUB_OFFLINE=1 "
                    + "(the cache only), HF_HUB_DOWNLOAD_TIMEOUT (seconds without data before a read is abandoned and "
                    + "retried; default 60). Every file is checked before it enters the cache; a cached snapshot that fails "
                    + "the checks is refused with the command that repairs it (--force-download).",
            ""
        },
        footer = {
            "",
            "Examples:",
            "  ./spark-submit.sh model pull repelloai/CREST-Base",
            "  ./spark-submit.sh model pull FacebookAI/xlm-roberta-base --task embedding",
            "",
            "Exit codes: 0 done, 2 with a one-line message: the command line, the repository, the download (not found, "
                    + "gated, no network, truncated) or the checkpoint is wrong; 1 anything else."
        })
public final class ModelPullCommand implements Callable<Integer> {
    @Parameters(
            index = "0",
            paramLabel = "ORG/NAME[@REV]",
            description = "A Hub model repository, optionally " + "at a branch, tag or commit (default main).")
    String repo;

    @Option(
            names = "--cache-dir",
            paramLabel = "DIR",
            description = "Cache root instead of $HF_HOME: the Hub files " + "go to DIR/hub, the bundles to DIR/crest.")
    Path cacheDir;

    @Option(
            names = "--task",
            paramLabel = "TASK",
            description =
                    "classification or embedding. Default: "
                            + "classification when config.json names a *ForSequenceClassification architecture, else embedding.")
    String task;

    @Option(
            names = "--precision",
            defaultValue = "fp32",
            paramLabel = "fp32|fp16|int8",
            description = "Convert to fp32, fp16 for GPUs or int8 for CPUs (a separate bundle beside the fp32 one). "
                    + "Default: ${DEFAULT-VALUE}.")
    String precision;

    @Option(
            names = "--graph",
            defaultValue = "plain",
            paramLabel = "plain|fused",
            description =
                    "plain (standard ONNX operators) or fused (ONNX Runtime's fused operators; a separate bundle, "
                            + "suffix -fused). See model convert --help. Default: ${DEFAULT-VALUE}.")
    String graph;

    @Option(
            names = "--force-download",
            description = "Download every file again even when it is cached (each "
                    + "replaces the cached one once it has passed its checks) and convert again: repairs a cached snapshot "
                    + "that fails validation.")
    boolean forceDownload;

    @Mixin
    VerboseOption verbose;

    static CheckpointConverter.Task parseTask(String task) {
        if (task == null) {
            return null;
        }
        return switch (task.trim().toLowerCase(Locale.ROOT)) {
            case "classification", "text-classification" -> CheckpointConverter.Task.CLASSIFICATION;
            case "embedding", "feature-extraction" -> CheckpointConverter.Task.EMBEDDING;
            default -> throw new UsageException("Unknown --task " + task + ", expected classification or embedding");
        };
    }

    static CheckpointConverter.Precision parsePrecision(String precision) {
        try {
            return CheckpointConverter.Precision.valueOf(precision.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new UsageException("Unknown --precision " + precision + ", expected fp32, fp16 or int8");
        }
    }

    static CheckpointConverter.Graph parseGraph(String graph) {
        try {
            return CheckpointConverter.Graph.valueOf(graph.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new UsageException("Unknown --graph " + graph + ", expected plain or fused");
        }
    }

    @Override
    public Integer call() {
        CheckpointConverter.Task t = parseTask(task);
        CheckpointConverter.Precision prec = parsePrecision(precision);
        CheckpointConverter.Graph gr = parseGraph(graph);
        HubModels.Pulled p = HubModels.pull(
                HubClient.fromEnvironment(cacheDir), HubClient.Repo.parse(repo), t, prec, gr, forceDownload);
        System.err.printf(
                Locale.ROOT,
                "%s: snapshot %s, %s bundle %s (%s)%n",
                p.repo(),
                p.snapshot(),
                p.task().name().toLowerCase(Locale.ROOT),
                p.bundle(),
                p.converted() ? "converted now" : "cached" + (p.requests() == 0 ? ", no download" : ""));
        System.out.println(p.bundle());
        return 0;
    }
}
