package org.crest.cli;

import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.crest.UsageException;
import org.crest.model.CheckpointConverter;
import org.crest.model.HubClient;
import org.crest.model.HubModels;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(
    name = "pull",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    description = {
        "Download an XLM-RoBERTa checkpoint from the Hugging Face Hub (config.json, tokenizer.json,",
        "model.safetensors or its shards) and convert it into a model bundle, as crest model convert does.",
        "Prints the bundle's path; --model hf:ORG/NAME[@REV] does the same and uses it.",
        "",
        "Cache: $HF_HOME (default ~/.cache/huggingface), the files in hub/models--ORG--NAME/snapshots/COMMIT/",
        "as huggingface_hub keeps them, the bundle in crest/ORG--NAME/COMMIT/TASK/. A second pull sends no",
        "request. Environment: HF_TOKEN (gated or private models), HF_ENDPOINT (a mirror),",
        "HF_HUB_OFFLINE=1 (the cache only).",
        ""},
    footer = {
        "",
        "Examples:",
        "  crest model pull repelloai/CREST-Base",
        "  crest model pull FacebookAI/xlm-roberta-base --task embedding",
        "",
        "Exit codes: 0 done, 2 with a one-line message: the command line, the repository, the download",
        "(not found, gated, no network, truncated) or the checkpoint is wrong; 1 anything else."})
public final class ModelPullCommand implements Callable<Integer> {
  @Parameters(index = "0", paramLabel = "ORG/NAME[@REV]", description = "A Hub model repository, optionally "
      + "at a branch, tag or commit (default main).")
  String repo;

  @Option(names = "--cache-dir", paramLabel = "DIR", description = "Cache root instead of $HF_HOME: the Hub files "
      + "go to DIR/hub, the bundles to DIR/crest.")
  Path cacheDir;

  @Option(names = "--task", paramLabel = "TASK", description = "classification or embedding. Default: "
      + "classification when config.json names a *ForSequenceClassification architecture, else embedding.")
  String task;

  @Option(names = "--precision", defaultValue = "fp32", paramLabel = "fp32|fp16|int8",
      description = "Convert to fp32, fp16 for GPUs or int8 for CPUs (a separate bundle beside the fp32 one). "
          + "Default: ${DEFAULT-VALUE}.")
  String precision;

  @Option(names = "--verbose", description = "Print stack traces of failures.")
  boolean verbose;

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

  @Override
  public Integer call() {
    CheckpointConverter.Task t = parseTask(task);
    CheckpointConverter.Precision prec;
    try {
      prec = CheckpointConverter.Precision.valueOf(precision.trim().toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new UsageException("Unknown --precision " + precision + ", expected fp32, fp16 or int8");
    }
    HubModels.Pulled p = HubModels.pull(HubClient.fromEnvironment(cacheDir), HubClient.Repo.parse(repo), t, prec);
    System.err.printf(Locale.ROOT, "%s: snapshot %s, %s bundle %s (%s)%n", p.repo(), p.snapshot(),
        p.task().name().toLowerCase(Locale.ROOT), p.bundle(),
        p.converted() ? "converted now" : "cached" + (p.requests() == 0 ? ", no download" : ""));
    System.out.println(p.bundle());
    return 0;
  }
}
