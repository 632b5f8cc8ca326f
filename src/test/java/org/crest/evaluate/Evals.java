package org.crest.evaluate;

import java.util.List;
import java.util.Map;
import org.crest.inference.Device;
import org.crest.io.InputFormat;
import org.crest.label.LabelOptions;

/** Test helper: EvalOptions with the CLI's defaults. */
public final class Evals {
    private Evals() {}

    public static EvalOptions options(
            String input,
            String output,
            String model,
            Preset preset,
            String langCol,
            String datasetCol,
            Map<String, String> labelMap,
            double threshold) {
        BenchmarkOptions b = new BenchmarkOptions(
                List.of(input), InputFormat.AUTO, preset, null, null, langCol, datasetCol, labelMap, null);
        return new EvalOptions(
                b,
                output,
                false,
                LabelOptions.builder()
                        .model(model)
                        .threshold(threshold)
                        .device(Device.CPU)
                        .build());
    }
}
