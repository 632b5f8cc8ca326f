package org.crest.cli;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import org.apache.spark.sql.SparkSession;
import org.crest.UsageException;
import org.crest.evaluate.Cell;
import org.crest.evaluate.EvalOptions;
import org.crest.evaluate.EvaluateJob;
import org.crest.evaluate.Reports;
import org.crest.evaluate.SuiteFiles;
import org.crest.evaluate.SuiteJob;
import org.crest.evaluate.ThresholdSweep;
import org.crest.spark.SparkSessions;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(
        name = "evaluate",
        mixinStandardHelpOptions = true,
        usageHelpAutoWidth = true,
        modelTransformer = EvaluateCommand.InputOrSuite.class,
        sortOptions = false,
        description = {
            "Score a labeled safety benchmark with a CREST model and report F1 of the unsafe class per benchmark, "
                    + "language and language cluster, laid out like the CREST paper's tables.",
            "",
            "Labels are normalised to safe/unsafe (0/1, false/true, safe/unsafe, benign/harmful, any case; --label-map "
                    + "for others); an unknown value stops the run (exit 2) and names it, a missing one is quarantined "
                    + "(missing_label). Rows that cannot be scored are "
                    + "quarantined with a reason, never dropped. A preset reads a benchmark as it is distributed (see "
                    + "docs/EVALUATE.md). Writes to OUTPUT:",
            "  scored/          the rows with eval_* and crest_* columns (Parquet; scored/_quarantine too)",
            "  _quarantine/     rows that could not be read or had no text or label; _excluded/: rows a preset leaves out",
            "  metrics.csv      n, tp, fp, tn, fn, precision, recall, F1, accuracy per dataset × language, dataset, "
                    + "dataset × cluster, language, cluster, group and overall",
            "  averages.csv     the paper's averages (per language over datasets, in-domain vs out-of-domain ...)",
            "  metrics.json     all of it, with row counts (also per input file) and best thresholds",
            "  thresholds.csv   precision, recall, F1 at thresholds 0.00..1.00, overall and per cluster",
            "  thresholds.png   the same as a plot (thresholds.svg too)",
            "  report.md        tables like the paper's Tables 2, 4 and 6 (with its figures for CREST-Base/Large)",
            "",
            "With --suite DIR instead of --input and --preset: every preset whose benchmark files are in DIR or its "
                    + "subfolders, under their distributed names (MultiJail.csv, xstest_prompts.csv, "
                    + "harmbench_behaviors_text_all.csv, aegis*/test.json, ...; docs/EVALUATE.md), each into "
                    + "OUTPUT/PRESET/ as above, in one Spark session, and one report over all of them beside the "
                    + "paper's CREST-Base/Large figures and the best published multilingual guards:",
            "  suite.md         the paper's Tables 2 (English), 4 (languages pooled) and 6 (benchmark × language), "
                    + "in-domain vs out-of-domain languages, the presets run and not run (and why)",
            "  suite.json, suite.csv  the same figures, one per line",
            ""
        },
        footer = {
            "",
            "Examples:",
            "  ./spark-submit.sh evaluate --preset xstest --input xstest_prompts.csv --output /tmp/eval-xstest",
            "  ./spark-submit.sh evaluate --preset multijail --input MultiJail.csv --model crest-base-onnx/ \\",
            "      --output /tmp/eval-multijail",
            "  ./spark-submit.sh evaluate --input mine.jsonl --text-col prompt --label-col harm --lang-col lang \\",
            "      --label-map \"needs caution=unsafe\" --output /tmp/eval-mine",
            "  ./spark-submit.sh evaluate --suite benchmarks/ --model crest-base-onnx/ --output /tmp/eval-suite",
            "",
            "Exit codes: 0 done, 1 the job failed, 2 the command line or its inputs are wrong."
        })
public final class EvaluateCommand implements Callable<Integer> {
    @Option(
            names = "--suite",
            paramLabel = "DIR",
            description = "Evaluate every preset whose benchmark files are in DIR (or its subfolders) and write one "
                    + "report over all of them (suite.md, suite.json, suite.csv); replaces --input and --preset.")
    String suite;

    @Mixin
    BenchmarkCliOptions opts;

    @Spec
    CommandSpec spec;

    /** Options that choose the files or how to read them, which --suite decides per preset. */
    private static final List<String> NOT_WITH_SUITE =
            List.of("--input", "--format", "--preset", "--text-col", "--label-col", "--lang-col", "--dataset-col");

    /** --input is required unless --suite is given: picocli's requirement is lifted here and checked in call(). */
    static final class InputOrSuite implements CommandLine.IModelTransformer {
        @Override
        public CommandSpec transform(CommandSpec spec) {
            List<OptionSpec> all = new ArrayList<>(spec.options());
            for (OptionSpec o : all) {
                spec.remove(o);
            }
            for (OptionSpec o : all) {
                spec.addOption(
                        o.longestName().equals("--input")
                                ? o.toBuilder().required(false).build()
                                : o);
            }
            return spec;
        }
    }

    @Override
    public Integer call() {
        CommandLine.ParseResult parsed = spec.commandLine().getParseResult();
        if (suite != null) {
            List<String> conflicting =
                    NOT_WITH_SUITE.stream().filter(parsed::hasMatchedOption).toList();
            if (!conflicting.isEmpty()) {
                throw new UsageException("Cannot use --suite with " + String.join(", ", conflicting)
                        + ": the suite finds each preset's files in DIR and reads them as the preset says ("
                        + suite + ")");
            }
            spec.findOption("--input").setValue(List.of());
            return suite();
        }
        if (!parsed.hasMatchedOption("--input")) {
            throw new CommandLine.ParameterException(
                    spec.commandLine(), "Missing required option: '--input=PATH' (or --suite DIR)");
        }
        EvalOptions o = opts.options();
        // a broken model, or an embedder given as --model, is refused in one line before Spark starts
        org.crest.model.ModelResolver.resolve(o.label().model(), org.crest.inference.ModelSession.Kind.CLASSIFIER);
        SparkSession spark = opts.spark.start("crest evaluate");
        try {
            EvaluateJob.Result r = EvaluateJob.run(spark, o);
            Cell all = r.overall();
            System.out.printf(
                    "crest evaluate: %d rows in, %d scored, %d quarantined, %d excluded; model %s%s%n",
                    r.scored().rowsIn(),
                    r.scored().scored(),
                    r.scored().quarantinedTotal(),
                    r.scored().excluded(),
                    r.scored().label().model(),
                    r.scored().label().modelIsDemo() ? " (demo model: figures mean nothing)" : "");
            System.out.printf(
                    "  overall at threshold %s: F1 %s, precision %s, recall %s (%%)%n",
                    o.threshold(),
                    Reports.pct(all.c().f1()),
                    Reports.pct(all.c().precision()),
                    Reports.pct(all.c().recall()));
            r.metrics().stream()
                    .filter(c -> c.level().equals("dataset"))
                    .forEach(c -> System.out.printf(
                            "  %-18s n %6d  F1 %s%n",
                            Reports.displayName(c.dataset()), c.c().n(), Reports.pct(c.c().f1())));
            ThresholdSweep.Point best = r.best().get(ThresholdSweep.OVERALL);
            System.out.printf(
                    "  best-F1 threshold %.2f (F1 %s)%n",
                    best.threshold(), Reports.pct(best.c().f1()));
            System.out.printf("  report %s/%s%n", o.output(), EvaluateJob.REPORT_MD);
            return 0;
        } finally {
            SparkSessions.release(spark);
        }
    }

    private int suite() {
        EvalOptions o = opts.options();
        if (!suite.contains("://") || suite.startsWith("file:")) {
            // a local folder is looked at before Spark starts: one that holds no benchmark is refused at once
            printDiscovery(SuiteFiles.discover(new org.apache.hadoop.conf.Configuration(), suite));
        }
        org.crest.model.ModelResolver.resolve(o.label().model(), org.crest.inference.ModelSession.Kind.CLASSIFIER);
        SparkSession spark = opts.spark.start("crest evaluate --suite");
        try {
            SuiteJob.Result r = SuiteJob.run(spark, o, suite);
            if (suite.contains("://") && !suite.startsWith("file:")) {
                printDiscovery(r.discovery());
            }
            System.out.printf(
                    "crest evaluate --suite: %d presets run, %d not run; model %s%s%n",
                    r.runs().size(),
                    r.discovery().missing().size(),
                    r.model(),
                    r.modelIsDemo() ? " (demo model: figures mean nothing)" : "");
            for (SuiteJob.Run x : r.runs()) {
                System.out.printf(
                        "  %-18s %6d rows in, %6d scored  F1 %s  %s%n",
                        x.found().preset().cliName(),
                        x.result().scored().rowsIn(),
                        x.result().scored().scored(),
                        Reports.pct(x.result().overall().c().f1()),
                        x.output());
            }
            System.out.printf(
                    "  all presets at threshold %s: F1 %s over %d rows%n",
                    o.threshold(),
                    Reports.pct(r.overall().c().f1()),
                    r.overall().c().n());
            System.out.printf(
                    "  report %s/%s (and %s, %s)%n",
                    o.output(), SuiteJob.SUITE_MD, SuiteJob.SUITE_JSON, SuiteJob.SUITE_CSV);
            return 0;
        } finally {
            SparkSessions.release(spark);
        }
    }

    private static void printDiscovery(SuiteFiles.Discovery d) {
        System.out.printf(
                "crest evaluate --suite %s: %d presets found, %d not%n",
                d.dir(), d.found().size(), d.missing().size());
        for (SuiteFiles.Found f : d.found()) {
            System.out.printf(
                    "  found     %-18s %s%s%n",
                    f.preset().cliName(), String.join(", ", f.names()), f.note() == null ? "" : " (" + f.note() + ")");
        }
        for (SuiteFiles.Missing m : d.missing()) {
            System.out.printf("  not found %-18s %s%n", m.preset().cliName(), m.reason());
        }
    }
}
