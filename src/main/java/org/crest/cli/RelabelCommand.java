package org.crest.cli;

import java.util.concurrent.Callable;
import org.apache.spark.sql.SparkSession;
import org.crest.evaluate.EvalOptions;
import org.crest.evaluate.RelabelJob;
import org.crest.spark.SparkSessions;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

@Command(
        name = "relabel",
        mixinStandardHelpOptions = true,
        usageHelpAutoWidth = true,
        sortOptions = false,
        description = {
            "Score a labeled dataset with a CREST model and show where the model and the labels disagree.",
            "",
            "Reads like evaluate (same presets and column options). Writes to OUTPUT:",
            "  rows/             every scored row: its columns, eval_label (normalised), eval_label_raw, crest_score, "
                    + "crest_label and crest_agrees (Parquet)",
            "  disagreements/    only the rows where crest_agrees is false, most confident first (crest_margin = "
                    + "|crest_score - threshold|, descending), in one file for review",
            "  disagreements.csv disagreement rate per dataset × language, split by direction",
            "  relabel.json      row counts and, per input file, its records and where its rows went",
            "  _quarantine/, _excluded/, _scored/_quarantine/: rows not scored, with their reasons",
            ""
        },
        footer = {
            "",
            "Example:",
            "  ./spark-submit.sh relabel --preset aegis --input aegis2/test.json --model crest-base-onnx/ \\",
            "      --output /tmp/aegis-relabel",
            "",
            "Exit codes: 0 done, 1 the job failed, 2 the command line or its inputs are wrong."
        })
public final class RelabelCommand implements Callable<Integer> {
    @Mixin
    BenchmarkCliOptions opts;

    @Override
    public Integer call() {
        EvalOptions o = opts.options();
        // a broken model, or an embedder given as --model, is refused in one line before Spark starts
        org.crest.model.ModelResolver.resolve(o.label().model(), org.crest.inference.ModelSession.Kind.CLASSIFIER);
        SparkSession spark = opts.spark.start("crest relabel");
        try {
            RelabelJob.Result r = RelabelJob.run(spark, o);
            System.out.printf(
                    "crest relabel: %d rows in, %d scored, %d quarantined, %d excluded; %d disagreements%n",
                    r.scored().rowsIn(),
                    r.scored().scored(),
                    r.scored().quarantinedTotal(),
                    r.scored().excluded(),
                    r.disagreements());
            System.out.printf(
                    "  rows %s/%s, review %s/%s, rates %s/%s%n",
                    o.output(),
                    RelabelJob.ROWS_DIR,
                    o.output(),
                    RelabelJob.DISAGREEMENTS_DIR,
                    o.output(),
                    RelabelJob.DISAGREEMENTS_CSV);
            return 0;
        } finally {
            SparkSessions.release(spark);
        }
    }
}
