package org.crest.cli.options;

import org.crest.label.LabelOptions;
import picocli.CommandLine.Option;

/** Which classifier and where its cut-off is (a picocli mixin): {@code --model}, {@code --unsafe-label}, {@code --threshold}. */
public final class ModelOptions {
    @Option(
            names = {"-m", "--model"},
            defaultValue = "demo",
            paramLabel = "MODEL",
            description = "A model bundle folder (model.onnx, tokenizer.json, config.json as optimum's ONNX export "
                    + "writes them): local, /Volumes/..., s3a://, hdfs:// or dbfs:/ (copied to a local cache and checked), "
                    + "or a .zip/.tar.gz of one; hf:ORG/NAME[@REV] (pulled from the Hugging Face Hub once, see model pull); "
                    + "or demo: the bundled tiny test model, whose labels mean nothing. Default: ${DEFAULT-VALUE}.")
    String model;

    @Option(
            names = "--unsafe-label",
            paramLabel = "LABEL",
            description = "Which class is unsafe: a label name from config.json id2label or an index. "
                    + "Default: the label named unsafe, else index 1.")
    String unsafeLabel;

    @Option(
            names = "--threshold",
            defaultValue = "0.5",
            paramLabel = "P",
            description = "A text is unsafe when crest_score >= P (evaluate writes the best one to thresholds.csv). "
                    + "Default: ${DEFAULT-VALUE}.")
    double threshold;

    /** Sets the model fields of a label job's options. */
    public LabelOptions.Builder applyTo(LabelOptions.Builder b) {
        return b.model(model).unsafeLabel(unsafeLabel).threshold(threshold);
    }

    public String model() {
        return model;
    }

    public String unsafeLabel() {
        return unsafeLabel;
    }

    public double threshold() {
        return threshold;
    }
}
