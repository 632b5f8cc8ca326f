package org.crest.cli;

import org.crest.Columns;

import org.crest.spark.SparkSessions;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import org.apache.spark.sql.SparkSession;
import org.crest.inference.Device;
import org.crest.io.InputFormat;
import org.crest.label.LabelJob;
import org.crest.label.LabelOptions;
import org.crest.label.LabelSummary;
import org.crest.label.resume.ResumableLabel;
import org.crest.label.resume.ResumeSummary;
import org.crest.spark.S3Committers;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(
    name = "label",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    description = {
        "Label chat-log messages safe/unsafe with a CREST model and write Parquet.",
        "",
        "Each row (or each message of a conversation with --messages-col) gets crest_score (P(unsafe),",
        "the maximum over the windows of a long text), crest_label (unsafe when score >= --threshold),",
        "crest_windows, crest_tokens and crest_model. Rows that cannot be scored go to OUTPUT/_quarantine",
        "with crest_error (a reason) and crest_record (the original record); nothing is dropped.",
        "OUTPUT/_crest_summary.json holds the counts; the job fails if rows_in != labeled + quarantined.",
        ""},
    footer = {
        "",
        "Examples:",
        "  ./spark-submit.sh label --input examples/chats.jsonl --output /tmp/crest-out",
        "  ./spark-submit.sh label --input logs/ --messages-col messages --roles user \\",
        "      --model /models/crest-base-onnx --output s3a://bucket/audit/dt=2026-11-28",
        "  ./spark-submit.sh label --resume --input s3a://bucket/logs --dt 2026-11-27 \\",
        "      --model /models/crest-base-onnx --output s3a://bucket/audit",
        "      (logs/dt=2026-11-27/ into audit/dt=2026-11-27/; run it again after a",
        "      failure and it continues; --mode overwrite relabels committed days)",
        "",
        "Exit codes: 0 done; 1 the job failed; 2 the command line or its inputs are wrong: a refusal on one",
        "line that names the file and the problem (corrupt, truncated or non-gzip .gz, UTF-16, broken Parquet,",
        "no text column, ...); 3 done, but corrupt files were skipped as asked (--skip-corrupt-files): their",
        "rows are missing, and _crest_summary.json lists them in skipped_files. See docs/MALFORMED.md."})
public final class LabelCommand implements Callable<Integer> {

  @Option(names = {"-i", "--input"}, required = true, split = ",", paramLabel = "PATH",
      description = "Input file(s) or folder(s): local paths, file://, s3a:// or hdfs://. Comma-separated or repeated.")
  List<String> inputs;

  @Option(names = {"-o", "--output"}, required = true, paramLabel = "PATH",
      description = "Output folder for Parquet, _quarantine/ and _crest_summary.json.")
  String output;

  @Option(names = "--format", defaultValue = "auto", converter = FormatConverter.class, paramLabel = "FMT",
      description = "auto (by extension: .jsonl/.json, .csv, .parquet, optionally .gz), jsonl, csv or parquet. "
          + "Default: ${DEFAULT-VALUE}.")
  InputFormat format;

  @Option(names = "--text-col", defaultValue = "text", paramLabel = "COL",
      description = "Column holding the text of flat rows. Default: ${DEFAULT-VALUE}.")
  String textCol;

  @Option(names = "--messages-col", paramLabel = "COL",
      description = "Column holding a chat as an array of {role, content} messages (JSON or Parquet structs); "
          + "each message becomes one row with crest_turn, crest_role and crest_text. Overrides --text-col.")
  String messagesCol;

  @Option(names = "--roles", split = ",", paramLabel = "ROLE",
      description = "With --messages-col: roles to score, e.g. user,assistant. Default: all.")
  List<String> roles = new ArrayList<>();

  @Option(names = {"-m", "--model"}, defaultValue = "demo", paramLabel = "MODEL",
      description = "A model bundle folder (model.onnx, tokenizer.json, config.json as optimum's ONNX export "
          + "writes them): local, /Volumes/..., s3a://, hdfs:// or dbfs:/ (copied to a local cache and checked), or a "
          + ".zip/.tar.gz of one; or demo: the bundled tiny test model, whose labels mean nothing. "
          + "Default: ${DEFAULT-VALUE}.")
  String model;

  @Option(names = "--unsafe-label", paramLabel = "LABEL",
      description = "Which class is unsafe: a label name from config.json id2label or an index. "
          + "Default: the label named unsafe, else index 1.")
  String unsafeLabel;

  @Option(names = "--threshold", defaultValue = "0.5", paramLabel = "P",
      description = "crest_label is unsafe when crest_score >= P. Default: ${DEFAULT-VALUE}.")
  double threshold;

  @Option(names = "--max-tokens", defaultValue = "512", paramLabel = "N",
      description = "Longest window the model sees, <s> and </s> included. Default: ${DEFAULT-VALUE}.")
  int maxTokens;

  @Option(names = "--window-stride", defaultValue = "256", paramLabel = "N",
      description = "Longer texts are split into windows starting every N tokens; the row's score is the "
          + "maximum over its windows. Default: ${DEFAULT-VALUE}.")
  int windowStride;

  @Option(names = "--batch-tokens", defaultValue = "4096", paramLabel = "N",
      description = "Token budget of one model batch (batch size × padded length). Raise it on GPUs. "
          + "Default: ${DEFAULT-VALUE}.")
  int batchTokens;

  @Option(names = "--max-batch-size", defaultValue = "64", paramLabel = "N",
      description = "Most windows in one model batch. Default: ${DEFAULT-VALUE}.")
  int maxBatchSize;

  @Option(names = "--chunk-rows", defaultValue = "4096", paramLabel = "N",
      description = "Rows a task takes at a time and sorts by length before batching. Default: ${DEFAULT-VALUE}.")
  int chunkRows;

  @Option(names = "--device", defaultValue = "auto", converter = DeviceConverter.class, paramLabel = "DEV",
      description = "auto (CUDA on the task's GPU when the gpu build and a GPU are there, else CPU), cpu, or cuda "
          + "(fail if no GPU can be used). Default: ${DEFAULT-VALUE}.")
  Device device;

  @Option(names = "--intra-op-threads", defaultValue = "0", paramLabel = "N",
      description = "ONNX Runtime threads per task. Default 0: spark.task.cpus, so tasks never oversubscribe cores.")
  int intraOpThreads;

  @Option(names = "--mode", paramLabel = "MODE",
      description = "What to do with output that is already there, like Spark's save modes. Without --resume: "
          + "error (the default) refuses an existing output, overwrite replaces it. With --resume: resume (the "
          + "default) skips partitions committed from the same input, model and settings, overwrite relabels every "
          + "selected partition.")
  String mode;

  @Option(names = "--resume",
      description = "Date-partitioned input: --input is a folder of dt=YYYY-MM-DD/ partitions. Each partition is "
          + "labeled into OUTPUT/dt=YYYY-MM-DD/ and committed on its own with a _crest_manifest.json (input files, "
          + "model, settings, counts); a re-run skips committed, unchanged partitions and relabels changed ones, so a "
          + "killed run continues where it stopped. See docs/RESUME.md.")
  boolean resume;

  @Option(names = "--dt", split = ",", paramLabel = "DAYS",
      description = "With --resume: only these partitions: days YYYY-MM-DD, today, yesterday or today-N (UTC), or "
          + "inclusive ranges FROM..TO of these, comma-separated, e.g. --dt 2026-11-20..2026-11-27 or "
          + "--dt today-3..yesterday. Default: all.")
  List<String> dates = new ArrayList<>();

  @Option(names = "--repartition", defaultValue = "0", paramLabel = "N",
      description = "Score in N partitions (a shuffle); 0 keeps the input's splits. Default: ${DEFAULT-VALUE}.")
  int repartition;

  @Option(names = "--detect-language",
      description = "Add crest_lang: the language of the text (ISO 639-1, else 639-3; null when unsure), detected "
          + "offline with Apache OpenNLP (103 languages, see docs/LANGID.md), and per-language counts in the summary.")
  boolean detectLanguage;

  @Option(names = "--skip-corrupt-files",
      description = "Label the readable files when some input files are corrupt (truncated gzip, not gzip, UTF-16, "
          + "broken Parquet): every file is checked first (text files decompressed to the end, one extra read), the "
          + "bad ones are left out, listed in the summary's skipped_files, and the exit code is 3. Without it a "
          + "corrupt file stops the job with exit code 2 and its name. Also on with "
          + "--conf spark.sql.files.ignoreCorruptFiles=true (Spark itself is never left to drop files unsaid).")
  boolean skipCorruptFiles;

  @Option(names = "--s3-committer", paramLabel = "NAME",
      description = "For s3a:// output: the S3A committer, magic (default), directory, partitioned or file (the "
          + "unsafe rename committer). Same as --conf spark.hadoop.fs.s3a.committer.name=NAME and wins over it; "
          + "see docs/S3.md and conf/spark-defaults.s3.conf.")
  String s3Committer;

  @Option(names = "--master", paramLabel = "URL",
      description = "Spark master for an embedded run, e.g. local[2]. Default: the one spark-submit set, else local[*].")
  String master;

  @Option(names = "--conf", paramLabel = "KEY=VALUE",
      description = "Extra Spark setting, e.g. --conf spark.sql.shuffle.partitions=8. Repeatable.")
  Map<String, String> conf = new java.util.LinkedHashMap<>();

  @Option(names = "--verbose", description = "Print stack traces of failures.")
  boolean verbose;

  @Option(names = "--ui", description = "Embedded runs: turn on the Spark UI (its URL is printed; off by default). "
      + "A progress line is printed every 30 s either way (--conf spark.crest.progress.interval=10s, 0 = off).")
  boolean ui;

  @Override
  public Integer call() {
    LabelOptions o = options();
    if (!resume && !dates.isEmpty()) {
      throw new org.crest.UsageException("Cannot use --dt without --resume: --dt picks dt= partitions of a "
          + "date-partitioned --input");
    }
    if (skipCorruptFiles) {
      conf.put(org.crest.io.InputReader.SKIP_CORRUPT_FILES, "true");
    }
    SparkSession spark = SparkSessions.create("crest label", master, sparkConf(), o.output(), verbose);
    try {
      if (resume) {
        printResume(ResumableLabel.run(spark, o, new ResumableLabel.Options(o.overwrite(), dates)));
        return 0;
      }
      LabelSummary s = LabelJob.run(spark, o);
      System.out.printf("crest label: %d rows in, %d labeled (%d unsafe at threshold %s), %d quarantined %s%n",
          s.rowsIn(), s.rowsLabeled(), s.unsafe(), s.threshold(), s.rowsQuarantined(), s.quarantineReasons());
      System.out.printf("  model %s%s; %.1f rows/s, %.0f tokens/s, padding efficiency %.3f%n", s.model(),
          s.modelIsDemo() ? " (demo model: labels mean nothing)" : "", s.rowsPerSecond(), s.tokensPerSecond(),
          s.paddingEfficiency());
      if (s.languages() != null) {
        System.out.printf("  languages (crest_lang, und = unsure): %s%n", s.languages());
      }
      System.out.printf("  output %s, summary %s/%s%n", s.output(), s.output(), Columns.SUMMARY_FILE);
      if (!s.skippedFiles().isEmpty()) {
        System.out.printf("  skipped %d corrupt input file(s) as asked, their rows are not counted: see skipped_files "
            + "in the summary%n", s.skippedFiles().size());
      }
      return 0;
    } finally {
      SparkSessions.release(spark);
    }
  }

  private static void printResume(ResumeSummary s) {
    for (ResumeSummary.Partition p : s.partitions()) {
      System.out.printf("  %s %-11s %8d rows in, %8d labeled, %6d quarantined%s%n", p.partition(), p.action(),
          p.rowsIn(), p.rowsLabeled(), p.rowsQuarantined(), p.reason() == null ? "" : "  (" + p.reason() + ")");
    }
    System.out.printf("crest label --resume: %d partitions committed, %d reprocessed, %d skipped, %d empty; "
        + "%d rows in, %d labeled (%d unsafe), %d quarantined; %d rows labeled by this run%n",
        s.partitionsCommitted(), s.partitionsReprocessed(), s.partitionsSkipped(), s.partitionsEmpty(), s.rowsIn(),
        s.rowsLabeled(), s.unsafe(), s.rowsQuarantined(), s.rowsInProcessed());
    System.out.printf("  model %s%s; output %s, summary %s/%s%n", s.model(),
        s.modelIsDemo() ? " (demo model: labels mean nothing)" : "", s.output(), s.output(), Columns.SUMMARY_FILE);
  }

  /** The --conf settings plus what --s3-committer stands for (the flag wins over a --conf of the same key). */
  Map<String, String> sparkConf() {
    Map<String, String> c = new java.util.LinkedHashMap<>(conf);
    if (ui) {
      c.putIfAbsent("spark.ui.enabled", "true");
    }
    if (s3Committer != null) {
      String name = S3Committers.committer(s3Committer);
      c.remove(S3Committers.COMMITTER_KEY);
      c.put(S3Committers.SPARK_COMMITTER_KEY, name);
    }
    return c;
  }

  LabelOptions options() {
    String m = mode == null ? (resume ? "resume" : "error") : mode.trim().toLowerCase(java.util.Locale.ROOT);
    if (resume && !m.equals("resume") && !m.equals("overwrite")) {
      throw new org.crest.UsageException("Cannot use --mode " + mode + " with --resume: expected resume (skip "
          + "committed, unchanged partitions; the default) or overwrite (relabel every selected partition)");
    }
    if (!resume && !m.equals("error") && !m.equals("overwrite")) {
      throw new org.crest.UsageException("Unknown --mode " + mode + ", expected error or overwrite"
          + (m.equals("resume") ? " (--mode resume needs --resume and date-partitioned input)" : ""));
    }
    Set<String> r = new LinkedHashSet<>(roles);
    return new LabelOptions(inputs, output, format, textCol, messagesCol, r, model, unsafeLabel, threshold, maxTokens,
        windowStride, batchTokens, maxBatchSize, chunkRows, device, intraOpThreads, m.equals("overwrite"), repartition,
        detectLanguage);
  }

  static final class FormatConverter implements picocli.CommandLine.ITypeConverter<InputFormat> {
    @Override
    public InputFormat convert(String value) {
      return InputFormat.parse(value);
    }
  }

  static final class DeviceConverter implements picocli.CommandLine.ITypeConverter<Device> {
    @Override
    public Device convert(String value) {
      return Device.parse(value);
    }
  }
}
