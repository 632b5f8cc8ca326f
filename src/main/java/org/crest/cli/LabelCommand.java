package org.crest.cli;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import org.apache.spark.sql.SparkSession;
import org.crest.Columns;
import org.crest.cli.options.InputOptions;
import org.crest.cli.options.ModelOptions;
import org.crest.cli.options.ScoringOptions;
import org.crest.cli.options.SparkOptions;
import org.crest.cli.options.WriteMode;
import org.crest.label.LabelJob;
import org.crest.label.LabelOptions;
import org.crest.label.LabelSummary;
import org.crest.label.resume.ResumableLabel;
import org.crest.label.resume.ResumeSummary;
import org.crest.spark.S3Committers;
import org.crest.spark.SparkSessions;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(
        name = "label",
        mixinStandardHelpOptions = true,
        usageHelpAutoWidth = true,
        sortOptions = false,
        description = {
            "Label chat-log messages safe/unsafe with a CREST model and write Parquet.",
            "",
            "Each row (or each message of a conversation with --messages-col) gets crest_score (P(unsafe), the maximum "
                    + "over the windows of a long text), crest_label (unsafe when score >= --threshold), crest_windows, "
                    + "crest_tokens and crest_model. Rows that cannot be scored go to OUTPUT/_quarantine with crest_error (a "
                    + "reason) and crest_record (the original record); nothing is dropped. OUTPUT/_crest_summary.json holds "
                    + "the counts; the job fails if rows_in != labeled + quarantined.",
            ""
        },
        footer = {
            "",
            "Examples:",
            "  ./spark-submit.sh label --input examples/messages.jsonl --output /tmp/crest-out",
            "  ./spark-submit.sh label --input examples/conversations.jsonl --messages-col messages \\",
            "      --roles user,assistant --output /tmp/crest-chats",
            "  ./spark-submit.sh label --resume --input s3a://bucket/logs --dt 2026-11-27 \\",
            "      --model /models/crest-base-onnx --output s3a://bucket/audit",
            "",
            "The last one labels logs/dt=2026-11-27/ into audit/dt=2026-11-27/; run it again after a failure and it "
                    + "continues; --mode overwrite relabels committed days.",
            "",
            "Exit codes: 0 done; 1 the job failed; 2 the command line or its inputs are wrong: a refusal on one line that "
                    + "names the file and the problem (corrupt, truncated or non-gzip .gz, UTF-16, broken Parquet, no text "
                    + "column, ...); 3 done, but corrupt files were skipped as asked (--skip-corrupt-files): their rows are "
                    + "missing, and _crest_summary.json lists them in skipped_files. See docs/MALFORMED.md."
        })
public final class LabelCommand implements Callable<Integer> {

    @Mixin
    InputOptions input;

    @Option(
            names = {"-o", "--output"},
            required = true,
            paramLabel = "PATH",
            description = "Output folder for Parquet, _quarantine/ and _crest_summary.json (with --output-table: for "
                    + "_crest_summary.json, the manifests of --resume, and _quarantine/ without --quarantine-table).")
    String output;

    @Mixin
    org.crest.cli.options.TableOptions tableOptions;

    @Option(
            names = "--text-col",
            defaultValue = "text",
            paramLabel = "COL",
            description = "Column holding the text of flat rows. Default: ${DEFAULT-VALUE}.")
    String textCol;

    @Option(
            names = "--messages-col",
            paramLabel = "COL",
            description = "Column holding a chat as an array of {role, content} messages (JSON or Parquet structs); "
                    + "each message becomes one row with crest_turn, crest_role and crest_text. Overrides --text-col.")
    String messagesCol;

    @Option(
            names = "--roles",
            split = ",",
            paramLabel = "ROLE",
            description = "With --messages-col: roles to score, e.g. user,assistant. Default: all.")
    List<String> roles = new ArrayList<>();

    @Mixin
    ModelOptions modelOptions;

    @Mixin
    ScoringOptions scoring;

    @Option(
            names = "--mode",
            paramLabel = "MODE",
            description = "What to do with output that is already there, like Spark's save modes. Without --resume: "
                    + "error (the default) refuses an existing output, overwrite replaces it. With --resume: resume (the "
                    + "default) skips partitions committed from the same input, model and settings, overwrite relabels every "
                    + "selected partition.")
    String mode;

    @Option(
            names = "--resume",
            description = "Date-partitioned input: --input is a folder of dt=YYYY-MM-DD/ partitions. Each partition is "
                    + "labeled into OUTPUT/dt=YYYY-MM-DD/ and committed on its own with a _crest_manifest.json (input files, "
                    + "model, settings, counts); a re-run skips committed, unchanged partitions and relabels changed ones, so a "
                    + "killed run continues where it stopped. See docs/RESUME.md.")
    boolean resume;

    @Option(
            names = "--dt",
            split = ",",
            paramLabel = "DAYS",
            description =
                    "With --resume: only these partitions: days YYYY-MM-DD, today, yesterday or today-N (UTC), or "
                            + "inclusive ranges FROM..TO of these, comma-separated, e.g. --dt 2026-11-20..2026-11-27 or "
                            + "--dt today-3..yesterday. Default: all.")
    List<String> dates = new ArrayList<>();

    @Option(
            names = "--repartition",
            defaultValue = "0",
            paramLabel = "N",
            description = "Score in N partitions (a shuffle); 0 keeps the input's splits. Default: ${DEFAULT-VALUE}.")
    int repartition;

    @Option(
            names = "--detect-language",
            description =
                    "Add crest_lang: the language of the text (ISO 639-1, else 639-3; null when unsure), detected "
                            + "offline with Apache OpenNLP (103 languages, see docs/LANGID.md), and per-language counts in the summary.")
    boolean detectLanguage;

    @Option(
            names = "--skip-corrupt-files",
            description =
                    "Label the readable files when some input files are corrupt (truncated gzip, not gzip, UTF-16, "
                            + "broken Parquet): every file is checked first (text files decompressed to the end, one extra read), the "
                            + "bad ones are left out, listed in the summary's skipped_files, and the exit code is 3. Without it a "
                            + "corrupt file stops the job with exit code 2 and its name. Also on with "
                            + "--conf spark.sql.files.ignoreCorruptFiles=true (Spark itself is never left to drop files unsaid).")
    boolean skipCorruptFiles;

    @Option(
            names = "--report",
            description =
                    "At the end of the run, write the audit report (report.html, report.md, report.json, "
                            + "alerts.json) into OUTPUT/_crest_report/, as crest report --input OUTPUT does. See docs/REPORT.md.")
    boolean report;

    @Option(
            names = "--fail-on-alert",
            description = "With --report: exit with code 4 when the report raises an alert (a day, language or cluster "
                    + "with an unusual unsafe rate).")
    boolean failOnAlert;

    @Option(
            names = "--max-text-chars",
            paramLabel = "N",
            description = "Texts (or messages) longer than N characters are quarantined as text_too_long instead of "
                    + "scored. Default: ${DEFAULT-VALUE}.",
            defaultValue = "1000000")
    int maxTextChars;

    @Option(
            names = "--s3-committer",
            paramLabel = "NAME",
            description = "For s3a:// output: the S3A committer, magic (default), directory, partitioned or file (the "
                    + "unsafe rename committer). Same as --conf spark.hadoop.fs.s3a.committer.name=NAME and wins over it; "
                    + "see docs/S3.md and conf/spark-defaults.s3.conf.")
    String s3Committer;

    @Mixin
    SparkOptions spark;

    @Option(
            names = "--ui",
            description =
                    "Embedded runs: turn on the Spark UI (its URL is printed; off by default). "
                            + "A progress line is printed every 30 s either way (--conf spark.crest.progress.interval=10s, 0 = off).")
    boolean ui;

    @Override
    public Integer call() {
        LabelOptions o = options();
        if (failOnAlert && !report) {
            throw new org.crest.UsageException("Cannot use --fail-on-alert without --report");
        }
        if (!resume && !dates.isEmpty()) {
            throw new org.crest.UsageException(
                    "Cannot use --dt without --resume: --dt picks dt= partitions of a " + "date-partitioned --input");
        }
        org.crest.label.TableOutput tables = tables(o);
        if (skipCorruptFiles) {
            spark.conf().put(org.crest.io.InputReader.SKIP_CORRUPT_FILES, "true");
        }
        // an output over the input is refused before Spark starts (the job checks again, with Spark's configuration)
        org.crest.spark.OutputGuard.refuseOverlap(
                new org.apache.hadoop.conf.Configuration(), o.output(), org.crest.label.LabelJob.reads(o));
        if (tables != null) {
            tables.checkPaths(new org.apache.hadoop.conf.Configuration(), LabelJob.reads(o), o.output());
        }
        // a broken model, or an embedder given as --model, is refused in one line before Spark starts
        org.crest.label.LabelJob.resolveModel(o);
        SparkSession session = spark.start("crest label", o.output(), sparkConf());
        try {
            if (resume) {
                printResume(ResumableLabel.run(session, o, new ResumableLabel.Options(o.overwrite(), dates, tables)));
                if (tables != null) {
                    printTables(tables);
                }
                return report(session, o);
            }
            LabelSummary s = LabelJob.run(session, o, tables);
            System.out.printf(
                    "crest label: %d rows in, %d labeled (%d unsafe at threshold %s), %d quarantined %s%n",
                    s.rowsIn(), s.rowsLabeled(), s.unsafe(), s.threshold(), s.rowsQuarantined(), s.quarantineReasons());
            System.out.printf(
                    "  model %s%s; %.1f rows/s, %.0f tokens/s, padding efficiency %.3f%n",
                    s.model(),
                    s.modelIsDemo() ? " (demo model: labels mean nothing)" : "",
                    s.rowsPerSecond(),
                    s.tokensPerSecond(),
                    s.paddingEfficiency());
            if (s.languages() != null) {
                System.out.printf("  languages (crest_lang, und = unsure): %s%n", s.languages());
            }
            if (tables != null) {
                printTables(tables);
                System.out.printf("  summary %s/%s%n", s.output(), Columns.SUMMARY_FILE);
            } else {
                System.out.printf("  output %s, summary %s/%s%n", s.output(), s.output(), Columns.SUMMARY_FILE);
            }
            if (!s.skippedFiles().isEmpty()) {
                System.out.printf(
                        "  skipped %d corrupt input file(s) as asked, their rows are not counted: see skipped_files "
                                + "in the summary%n",
                        s.skippedFiles().size());
            }
            return report(session, o);
        } finally {
            SparkSessions.release(session);
        }
    }

    /**
     * --output-table and --quarantine-table, checked: names, and the combinations whose meaning would be unclear (exit
     * 2 before Spark starts).
     */
    private org.crest.label.TableOutput tables(LabelOptions o) {
        org.crest.label.TableOutput t = tableOptions.tables();
        if (t == null) {
            return null;
        }
        if (report) {
            throw new org.crest.UsageException("Cannot use --report with --output-table: the report reads labeled "
                    + "Parquet in --output, which holds only the summary when rows go to a table; report on a Parquet "
                    + "output, or query the table");
        }
        if (!resume && o.overwrite()) {
            throw new org.crest.UsageException(
                    "Cannot use --mode overwrite with --output-table without --resume: a "
                            + "plain run appends to the table and never replaces it; to replace days use --resume (with --mode "
                            + "overwrite to relabel every selected day), and give each plain run a new --output for its summary");
        }
        return t;
    }

    private static void printTables(org.crest.label.TableOutput t) {
        System.out.printf(
                "  table %s%s (rows carry %s)%n",
                t.table(),
                t.quarantineTable() == null ? ", quarantine in --output" : ", quarantine table " + t.quarantineTable(),
                org.crest.label.TableOutput.RUN_ID_COL);
    }

    /** With --report: the audit report of the output just written (org.crest.report), else 0. */
    private int report(SparkSession spark, LabelOptions o) {
        if (!report) {
            return 0;
        }
        org.crest.report.ReportOptions ro = org.crest.report.ReportOptions.defaults(o.output());
        org.crest.report.AuditReport r = org.crest.report.ReportFiles.run(spark, ro);
        return ReportCommand.print(
                new java.io.PrintWriter(System.out, true), r, org.crest.report.ReportFiles.folder(ro), failOnAlert);
    }

    private static void printResume(ResumeSummary s) {
        for (ResumeSummary.Partition p : s.partitions()) {
            System.out.printf(
                    "  %s %-11s %8d rows in, %8d labeled, %6d quarantined%s%n",
                    p.partition(),
                    p.action(),
                    p.rowsIn(),
                    p.rowsLabeled(),
                    p.rowsQuarantined(),
                    p.reason() == null ? "" : "  (" + p.reason() + ")");
        }
        System.out.printf(
                "crest label --resume: %d partitions committed, %d reprocessed, %d skipped, %d empty; "
                        + "%d rows in, %d labeled (%d unsafe), %d quarantined; %d rows labeled by this run%n",
                s.partitionsCommitted(),
                s.partitionsReprocessed(),
                s.partitionsSkipped(),
                s.partitionsEmpty(),
                s.rowsIn(),
                s.rowsLabeled(),
                s.unsafe(),
                s.rowsQuarantined(),
                s.rowsInProcessed());
        System.out.printf(
                "  model %s%s; output %s, summary %s/%s%n",
                s.model(),
                s.modelIsDemo() ? " (demo model: labels mean nothing)" : "",
                s.output(),
                s.output(),
                Columns.SUMMARY_FILE);
    }

    /** The --conf settings plus what --s3-committer stands for (the flag wins over a --conf of the same key). */
    Map<String, String> sparkConf() {
        Map<String, String> c = new java.util.LinkedHashMap<>(spark.conf());
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
        WriteMode m = WriteMode.parse(mode, resume);
        if (roles.stream().anyMatch(x -> x == null || x.isBlank())) {
            throw new org.crest.UsageException(
                    "Cannot label: --roles holds an empty role (" + roles + "); name the roles "
                            + "to score, e.g. --roles user,assistant, or leave --roles out to score every message");
        }
        Set<String> r = new LinkedHashSet<>(roles);
        return scoring.applyTo(modelOptions.applyTo(LabelOptions.builder()))
                .inputs(input.inputs())
                .format(input.format())
                .output(output)
                .textCol(textCol)
                .messagesCol(messagesCol)
                .roles(r)
                .overwrite(m.overwrite())
                .repartition(repartition)
                .detectLanguage(detectLanguage)
                .maxTextChars(maxTextChars)
                .build();
    }
}
