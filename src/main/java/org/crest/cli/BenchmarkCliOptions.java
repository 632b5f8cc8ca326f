package org.crest.cli;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.crest.evaluate.BenchmarkOptions;
import org.crest.evaluate.LabelMapping;
import org.crest.evaluate.Preset;
import org.crest.inference.Device;
import org.crest.io.InputFormat;
import org.crest.evaluate.EvalOptions;
import org.crest.UsageException;
import picocli.CommandLine.Option;

/** The options {@code crest evaluate} and {@code crest relabel} share (a picocli mixin). */
public final class BenchmarkCliOptions {
  @Option(names = {"-i", "--input"}, required = true, split = ",", paramLabel = "PATH",
      description = "Benchmark file(s) or folder(s): jsonl/json, csv or parquet; local, file://, s3a:// or hdfs://. "
          + "Comma-separated or repeated.")
  List<String> inputs;

  @Option(names = {"-o", "--output"}, required = true, paramLabel = "DIR", description = "Output folder.")
  String output;

  @Option(names = "--preset", defaultValue = "generic", paramLabel = "NAME",
      description = "How to read the benchmark: generic, aegis, harmbench, strongreject, redteam2k, jbb-behaviors, "
          + "jbb-judge, xstest, multijail, csrt, simplesafetytests (columns and labels: docs/EVALUATE.md). "
          + "Default: ${DEFAULT-VALUE}.")
  String preset;

  @Option(names = "--format", defaultValue = "auto", converter = LabelCommand.FormatConverter.class, paramLabel = "FMT",
      description = "auto (by extension), jsonl, csv or parquet. Default: ${DEFAULT-VALUE}.")
  InputFormat format;

  @Option(names = "--text-col", paramLabel = "COL",
      description = "Column with the text; overrides the preset's (generic: text).")
  String textCol;

  @Option(names = "--label-col", paramLabel = "COL",
      description = "Column with the label; overrides the preset's (generic: label). Values 0/1, false/true, "
          + "safe/unsafe, benign/harmful in any case; others need --label-map.")
  String labelCol;

  @Option(names = "--lang-col", paramLabel = "COL",
      description = "Column with the language code (ISO 639-1, e.g. en, gl; pt-BR counts as pt). Default: the "
          + "preset's language (generic: und).")
  String langCol;

  @Option(names = "--dataset-col", paramLabel = "COL",
      description = "Column naming the dataset of each row. Default: the preset's id (generic: the file name).")
  String datasetCol;

  @Option(names = "--label-map", split = ",", paramLabel = "VALUE=safe|unsafe",
      description = "Extra label values, e.g. --label-map \"needs caution=unsafe,2=unsafe\"; looked up before "
          + "the usual encodings, case-insensitively.")
  Map<String, String> labelMap = new LinkedHashMap<>();

  @Option(names = "--language-groups", paramLabel = "CSV",
      description = "CSV lang,group for the in-domain / out-of-domain averages. Default: the paper's 13 training "
          + "languages = in_domain, its 11 low-resource ones = ood_low, others = out_of_domain.")
  String languageGroups;

  @Option(names = {"-m", "--model"}, defaultValue = "demo", paramLabel = "MODEL",
      description = "A model bundle folder (model.onnx, tokenizer.json, config.json), or demo: the bundled tiny test "
          + "model, whose figures mean nothing. Default: ${DEFAULT-VALUE}.")
  String model;

  @Option(names = "--unsafe-label", paramLabel = "LABEL",
      description = "Which class of the model is unsafe: an id2label name or an index. Default: unsafe, else 1.")
  String unsafeLabel;

  @Option(names = "--threshold", defaultValue = "0.5", paramLabel = "P",
      description = "Predict unsafe when crest_score >= P (pick one from thresholds.csv). Default: ${DEFAULT-VALUE}.")
  double threshold;

  @Option(names = "--max-tokens", defaultValue = "512", paramLabel = "N",
      description = "Longest window the model sees. Default: ${DEFAULT-VALUE}.")
  int maxTokens;

  @Option(names = "--window-stride", defaultValue = "256", paramLabel = "N",
      description = "Stride of the windows of long texts; a row's score is the maximum. Default: ${DEFAULT-VALUE}.")
  int windowStride;

  @Option(names = "--batch-tokens", defaultValue = "4096", paramLabel = "N",
      description = "Token budget of one model batch. Default: ${DEFAULT-VALUE}.")
  int batchTokens;

  @Option(names = "--max-batch-size", defaultValue = "64", paramLabel = "N",
      description = "Most windows in one batch. Default: ${DEFAULT-VALUE}.")
  int maxBatchSize;

  @Option(names = "--device", defaultValue = "auto", converter = LabelCommand.DeviceConverter.class, paramLabel = "DEV",
      description = "auto, cpu or cuda. Default: ${DEFAULT-VALUE}.")
  Device device;

  @Option(names = "--repartition", defaultValue = "0", paramLabel = "N",
      description = "Score in N partitions; 0 keeps the input's. Default: ${DEFAULT-VALUE}.")
  int repartition;

  @Option(names = "--mode", defaultValue = "error", paramLabel = "MODE",
      description = "error: refuse an existing output; overwrite: replace it. Default: ${DEFAULT-VALUE}.")
  String mode;

  @Option(names = "--master", paramLabel = "URL",
      description = "Spark master for an embedded run, e.g. local[2]. Default: the one spark-submit set, else local[*].")
  String master;

  @Option(names = "--conf", paramLabel = "KEY=VALUE", description = "Extra Spark setting. Repeatable.")
  Map<String, String> conf = new LinkedHashMap<>();

  @Option(names = "--verbose", description = "Print stack traces of failures.")
  boolean verbose;

  /** Validated options; fails (exit 2) before Spark starts when a value is wrong. */
  EvalOptions options() {
    String m = mode.trim().toLowerCase(Locale.ROOT);
    if (!m.equals("error") && !m.equals("overwrite")) {
      throw new UsageException("Cannot use --mode: expected error or overwrite (" + mode + ")");
    }
    if (!(threshold >= 0 && threshold <= 1)) {
      throw new UsageException("Cannot use --threshold: it must be within [0, 1] (" + threshold + ")");
    }
    LabelMapping.of(labelMap); // validates the values
    BenchmarkOptions b = new BenchmarkOptions(inputs, format, Preset.parse(preset), textCol, labelCol, langCol,
        datasetCol, labelMap, languageGroups);
    return new EvalOptions(b, output, m.equals("overwrite"), model, unsafeLabel, threshold, maxTokens, windowStride,
        batchTokens, maxBatchSize, device, repartition);
  }
}
