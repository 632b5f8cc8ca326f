package org.crest.cli;

import java.util.concurrent.Callable;
import org.apache.spark.sql.SparkSession;
import org.crest.evaluate.Cell;
import org.crest.evaluate.EvalOptions;
import org.crest.evaluate.EvaluateJob;
import org.crest.evaluate.Reports;
import org.crest.evaluate.ThresholdSweep;
import org.crest.spark.SparkSessions;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

@Command(
        name = "evaluate",
        mixinStandardHelpOptions = true,
        usageHelpAutoWidth = true,
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
            "  thresholds.png   the same as a plot",
            "  report.md        tables like the paper's Tables 2, 4 and 6 (with its figures for CREST-Base/Large)",
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
            "",
            "Exit codes: 0 done, 1 the job failed, 2 the command line or its inputs are wrong."
        })
public final class EvaluateCommand implements Callable<Integer> {
    @Mixin
    BenchmarkCliOptions opts;

    @Override
    public Integer call() {
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
}
