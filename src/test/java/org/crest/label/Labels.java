package org.crest.label;

import java.util.List;
import java.util.Set;
import org.crest.inference.Device;

/** Test helper: LabelOptions with the CLI's defaults (on the CPU), changed one field at a time. */
public final class Labels {
    private Labels() {}

    public static LabelOptions options(String input, String output, String model) {
        return LabelOptions.builder()
                .inputs(List.of(input))
                .output(output)
                .model(model)
                .device(Device.CPU)
                .build();
    }

    public static LabelOptions messages(LabelOptions o, String col, Set<String> roles) {
        return o.toBuilder().messagesCol(col).roles(roles).build();
    }

    public static LabelOptions batching(
            LabelOptions o, int batchTokens, int maxBatchSize, int chunkRows, int repartition) {
        return o.toBuilder()
                .batchTokens(batchTokens)
                .maxBatchSize(maxBatchSize)
                .chunkRows(chunkRows)
                .repartition(repartition)
                .build();
    }

    public static LabelOptions overwrite(LabelOptions o) {
        return o.toBuilder().overwrite(true).build();
    }

    public static LabelOptions output(LabelOptions o, String output) {
        return o.toBuilder().output(output).build();
    }
}
