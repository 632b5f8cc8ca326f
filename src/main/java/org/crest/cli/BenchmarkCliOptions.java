package org.crest.cli;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.crest.UsageException;
import org.crest.cli.options.InputOptions;
import org.crest.cli.options.ModelOptions;
import org.crest.cli.options.OutputOptions;
import org.crest.cli.options.ScoringOptions;
import org.crest.cli.options.SparkOptions;
import org.crest.cli.options.WriteMode;
import org.crest.evaluate.BenchmarkOptions;
import org.crest.evaluate.EvalOptions;
import org.crest.evaluate.LabelMapping;
import org.crest.evaluate.Preset;
import org.crest.label.LabelOptions;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** The options {@code crest evaluate} and {@code crest relabel} share (a picocli mixin). */
public final class BenchmarkCliOptions {
    @Mixin
    InputOptions input;

    @Mixin
    OutputOptions output;

    @Option(
            names = "--preset",
            defaultValue = "generic",
            paramLabel = "NAME",
            description =
                    "How to read the benchmark: generic, aegis, harmbench, strongreject, redteam2k, jbb-behaviors, "
                            + "jbb-judge, xstest, multijail, csrt, simplesafetytests (columns and labels: docs/EVALUATE.md). "
                            + "Default: ${DEFAULT-VALUE}.")
    String preset;

    @Option(
            names = "--text-col",
            paramLabel = "COL",
            description = "Column with the text; overrides the preset's (generic: text).")
    String textCol;

    @Option(
            names = "--label-col",
            paramLabel = "COL",
            description = "Column with the label; overrides the preset's (generic: label). Values 0/1, false/true, "
                    + "safe/unsafe, benign/harmful in any case; others need --label-map.")
    String labelCol;

    @Option(
            names = "--lang-col",
            paramLabel = "COL",
            description = "Column with the language code (ISO 639-1, e.g. en, gl; pt-BR counts as pt). Default: the "
                    + "preset's language (generic: und).")
    String langCol;

    @Option(
            names = "--dataset-col",
            paramLabel = "COL",
            description = "Column naming the dataset of each row. Default: the preset's id (generic: the file name).")
    String datasetCol;

    @Option(
            names = "--label-map",
            split = ",",
            paramLabel = "VALUE=safe|unsafe",
            description = "Extra label values, e.g. --label-map \"needs caution=unsafe,2=unsafe\"; looked up before "
                    + "the usual encodings, case-insensitively.")
    List<String> labelMapEntries = new ArrayList<>();

    @Option(
            names = "--language-groups",
            paramLabel = "CSV",
            description = "CSV lang,group for the in-domain / out-of-domain averages. Default: the paper's 13 training "
                    + "languages = in_domain, its 11 low-resource ones = ood_low, others = out_of_domain.")
    String languageGroups;

    @Mixin
    ModelOptions model;

    @Mixin
    ScoringOptions scoring;

    @Option(
            names = "--repartition",
            defaultValue = "0",
            paramLabel = "N",
            description = "Score in N partitions; 0 keeps the input's. Default: ${DEFAULT-VALUE}.")
    int repartition;

    @Mixin
    SparkOptions spark;

    /** Validated options; fails (exit 2) before Spark starts when a value is wrong. */
    EvalOptions options() {
        WriteMode m = output.mode();
        double threshold = model.threshold();
        if (!(threshold >= 0 && threshold <= 1)) {
            throw new UsageException("Cannot use --threshold: it must be within [0, 1] (" + threshold + ")");
        }
        Map<String, String> labelMap = labelMap(labelMapEntries);
        LabelMapping.of(labelMap); // validates the values
        BenchmarkOptions b = new BenchmarkOptions(
                input.inputs(),
                input.format(),
                Preset.parse(preset),
                textCol,
                labelCol,
                langCol,
                datasetCol,
                labelMap,
                languageGroups);
        return new EvalOptions(
                b,
                output.output(),
                m.overwrite(),
                scoring.applyTo(model.applyTo(LabelOptions.builder()))
                        .repartition(repartition)
                        .build());
    }

    /**
     * --label-map's VALUE=safe|unsafe entries in order; a value given twice (values compare case-insensitively, as
     * they are looked up) or an entry without a value or without "=" is refused, not silently decided by the last.
     */
    static Map<String, String> labelMap(List<String> entries) {
        Map<String, String> out = new LinkedHashMap<>();
        Map<String, String> seen = new java.util.HashMap<>();
        for (String e : entries) {
            int eq = e.lastIndexOf('=');
            if (eq < 0) {
                throw new UsageException(
                        "Cannot use --label-map entry '" + e + "': expected VALUE=safe or VALUE=unsafe");
            }
            String value = e.substring(0, eq);
            if (value.isBlank()) {
                throw new UsageException(
                        "Cannot use --label-map entry '" + e + "': the label value before '=' is empty");
            }
            String key = value.strip().toLowerCase(java.util.Locale.ROOT);
            String earlier = seen.put(key, e);
            if (earlier != null) {
                throw new UsageException("Cannot use --label-map: the value '" + value + "' is mapped twice ('"
                        + earlier + "' and '" + e + "')");
            }
            out.put(value, e.substring(eq + 1));
        }
        return out;
    }
}
