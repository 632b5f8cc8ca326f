package org.crest.cli.options;

import org.crest.label.LabelOptions;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * How a classifier scores texts (a picocli mixin): the {@link BatchOptions} plus {@code --window-stride}, the step
 * between the windows of a text longer than {@code --max-tokens}.
 */
public final class ScoringOptions {
    @Mixin
    BatchOptions batch;

    @Option(
            names = "--window-stride",
            defaultValue = "256",
            paramLabel = "N",
            description = "Longer texts are split into windows starting every N tokens; the row's score is the "
                    + "maximum over its windows. Default: ${DEFAULT-VALUE}.")
    int windowStride;

    /** Sets the scoring fields of a label job's options. */
    public LabelOptions.Builder applyTo(LabelOptions.Builder b) {
        return batch.applyTo(b).windowStride(windowStride);
    }

    public BatchOptions batch() {
        return batch;
    }

    public int windowStride() {
        return windowStride;
    }
}
