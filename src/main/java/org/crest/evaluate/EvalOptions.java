package org.crest.evaluate;

import java.util.List;
import java.util.Set;
import org.crest.io.InputFormat;
import org.crest.label.LabelOptions;

/**
 * Everything {@code crest evaluate} and {@code crest relabel} were asked to do: how to read the benchmark, where to
 * write, and how to score: {@code label}, the label job's options of which the model, threshold and scoring fields
 * count (its inputs, output and columns are replaced by {@link #scoring(String, String)}).
 */
public record EvalOptions(BenchmarkOptions bench, String output, boolean overwrite, LabelOptions label) {

    /** A row is predicted unsafe when crest_score >= threshold. */
    public double threshold() {
        return label.threshold();
    }

    /** The label job's options to score {@code input} (normalised Parquet rows) into {@code scored}. */
    LabelOptions scoring(String input, String scored) {
        return label.toBuilder()
                .inputs(List.of(input))
                .output(scored)
                .format(InputFormat.PARQUET)
                .textCol(BenchmarkRows.TEXT)
                .messagesCol(null)
                .roles(Set.of())
                .overwrite(false)
                .detectLanguage(false)
                .build();
    }

    /** The same options, writing into {@code dir} (the output's staging folder). */
    EvalOptions writingTo(String dir) {
        return new EvalOptions(bench, dir, overwrite, label);
    }

    /** What a run reads, for the output's overlap check: the benchmark, --language-groups, the model folder. */
    java.util.List<org.crest.spark.OutputGuard.Input> reads() {
        java.util.List<org.crest.spark.OutputGuard.Input> in =
                new java.util.ArrayList<>(org.crest.spark.OutputGuard.Input.of("--input", bench.inputs()));
        if (bench.languageGroups() != null) {
            in.add(new org.crest.spark.OutputGuard.Input("--language-groups", bench.languageGroups()));
        }
        in.addAll(org.crest.spark.OutputGuard.Input.ifLocalFolder("--model", label.model()));
        return in;
    }
}
