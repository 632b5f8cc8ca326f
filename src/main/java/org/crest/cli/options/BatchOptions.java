package org.crest.cli.options;

import org.crest.inference.Device;
import org.crest.label.LabelOptions;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Option;

/**
 * How texts are fed to the model (a picocli mixin): input length, batch budget, chunk size, device and threads.
 * {@link ScoringOptions} adds the window stride for the commands that score long texts in windows.
 */
public final class BatchOptions {
    @Option(
            names = "--max-tokens",
            defaultValue = "512",
            paramLabel = "N",
            description =
                    "Longest window the model sees, <s> and </s> included (cluster: longer sentences are embedded "
                            + "from their first window). Default: ${DEFAULT-VALUE}.")
    int maxTokens;

    @Option(
            names = "--batch-tokens",
            defaultValue = "4096",
            paramLabel = "N",
            description = "Token budget of one model batch (batch size × padded length). Windows are sorted by "
                    + "length; on a GPU each batch is filled up to the budget, on a CPU the sorted windows are cut "
                    + "where padding would cost more than a batch (a CPU computes a token at about the same cost "
                    + "in small and large batches). Raise it on GPUs. Default: ${DEFAULT-VALUE}.")
    int batchTokens;

    @Option(
            names = "--max-batch-size",
            defaultValue = "64",
            paramLabel = "N",
            description = "Most windows in one model batch. Default: ${DEFAULT-VALUE}.")
    int maxBatchSize;

    @Option(
            names = "--chunk-rows",
            defaultValue = "4096",
            paramLabel = "N",
            description = "Rows a task takes at a time and sorts by length before batching. Default: ${DEFAULT-VALUE}.")
    int chunkRows;

    @Option(
            names = "--device",
            defaultValue = "auto",
            converter = DeviceConverter.class,
            paramLabel = "DEV",
            description =
                    "auto (CUDA on the task's GPU when the gpu build and a GPU are there, else CPU), cpu, or cuda "
                            + "(fail if no GPU can be used). Default: ${DEFAULT-VALUE}.")
    Device device;

    @Option(
            names = "--intra-op-threads",
            defaultValue = "0",
            paramLabel = "N",
            description =
                    "ONNX Runtime threads per task. Default 0: spark.task.cpus, so tasks never oversubscribe cores.")
    int intraOpThreads;

    /** Sets the batching fields of a label job's options. */
    public LabelOptions.Builder applyTo(LabelOptions.Builder b) {
        return b.maxTokens(maxTokens)
                .batchTokens(batchTokens)
                .maxBatchSize(maxBatchSize)
                .chunkRows(chunkRows)
                .device(device)
                .intraOpThreads(intraOpThreads);
    }

    public int maxTokens() {
        return maxTokens;
    }

    public int batchTokens() {
        return batchTokens;
    }

    public int maxBatchSize() {
        return maxBatchSize;
    }

    public int chunkRows() {
        return chunkRows;
    }

    public Device device() {
        return device;
    }

    public int intraOpThreads() {
        return intraOpThreads;
    }

    static final class DeviceConverter implements ITypeConverter<Device> {
        @Override
        public Device convert(String value) {
            return Device.parse(value);
        }
    }
}
