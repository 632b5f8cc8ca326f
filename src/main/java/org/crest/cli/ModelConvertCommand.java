package org.crest.cli;

import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.crest.UsageException;
import org.crest.cli.options.VerboseOption;
import org.crest.model.CheckpointConverter;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(
        name = "convert",
        mixinStandardHelpOptions = true,
        usageHelpAutoWidth = true,
        sortOptions = false,
        description = {
            "Convert a Hugging Face XLM-RoBERTa checkpoint (config.json, tokenizer.json, model.safetensors) into a "
                    + "model bundle for --model / --embedder, without Python.",
            "",
            "Writes to --output: model.onnx (float32, opset 17, inputs input_ids and attention_mask, output logits or "
                    + "last_hidden_state), tokenizer.json and config.json copied from the checkpoint, and crest-manifest.json "
                    + "(the source files and their sha256, converter version, precision). F16 and BF16 weights are widened to "
                    + "float32. Weights above 1.8 GB go to model.onnx_data (ONNX external data). Only safetensors is read: "
                    + "for a checkpoint with pytorch_model.bin alone, use optimum-cli export onnx.",
            ""
        },
        footer = {
            "",
            "Examples:",
            "  ./spark-submit.sh model convert ~/ckpt/CREST-Base --output /models/crest-base",
            "  ./spark-submit.sh model convert ~/ckpt/xlm-roberta-base --task embedding --output /models/xlmr-base-embedder",
            "",
            "Exit codes: 0 done, 1 the conversion failed, 2 the command line or the checkpoint is wrong."
        })
public final class ModelConvertCommand implements Callable<Integer> {
    @Parameters(
            index = "0",
            paramLabel = "CHECKPOINT_DIR",
            description = "A Hugging Face checkpoint directory (as save_pretrained writes it, or a Hub snapshot).")
    Path checkpoint;

    @Option(
            names = {"-o", "--output"},
            required = true,
            paramLabel = "BUNDLE_DIR",
            description = "Bundle directory to write (created if needed).")
    Path output;

    @Option(
            names = "--task",
            paramLabel = "TASK",
            description = "classification (output logits) or embedding "
                    + "(output last_hidden_state). Default: classification when config.json names a *ForSequenceClassification "
                    + "architecture, else embedding.")
    String task;

    @Option(
            names = "--external-data",
            defaultValue = "auto",
            paramLabel = "auto|always|never",
            description =
                    "Write the weights to model.onnx_data: auto (above 1.8 GB), always, never. Default: ${DEFAULT-VALUE}.")
    String externalData;

    @Option(
            names = "--precision",
            defaultValue = "fp32",
            paramLabel = "fp32|fp16|int8",
            description = "Weights and compute of the graph: fp32, fp16 for GPUs (half the size; scores within the "
                    + "tolerance in docs/MODELS.md; on CPUs it is slower than fp32), or int8 for CPUs (the encoder's "
                    + "Linear weights quantized per channel, activations at run time; faster on CPUs, scores within the "
                    + "int8 tolerance in docs/MODELS.md). The output stays float32. Default: ${DEFAULT-VALUE}.")
    String precision;

    @Option(
            names = "--graph",
            defaultValue = "plain",
            paramLabel = "plain|fused",
            description = "plain: standard ONNX operators (runs on any ONNX backend; ONNX Runtime fuses parts of it "
                    + "itself). fused: ONNX Runtime's com.microsoft operators (EmbedLayerNormalization, Attention, "
                    + "SkipLayerNormalization, BiasGelu), for ONNX Runtime only; same scores within 1e-4 "
                    + "(docs/MODELS.md, speed in docs/PERFORMANCE.md). Combines with every --precision. "
                    + "Default: ${DEFAULT-VALUE}.")
    String graph;

    @Option(names = "--overwrite", description = "Replace a model.onnx already in BUNDLE_DIR.")
    boolean overwrite;

    @Mixin
    VerboseOption verbose;

    @Override
    public Integer call() {
        CheckpointConverter.Task t = ModelPullCommand.parseTask(task);
        CheckpointConverter.ExternalData ext;
        try {
            ext = CheckpointConverter.ExternalData.valueOf(externalData.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new UsageException("Unknown --external-data " + externalData + ", expected auto, always or never");
        }
        CheckpointConverter.Precision p = ModelPullCommand.parsePrecision(precision);
        CheckpointConverter.Graph gr = ModelPullCommand.parseGraph(graph);
        CheckpointConverter.Result r = CheckpointConverter.convert(checkpoint, output, t, ext, overwrite, p, gr);
        System.out.printf(
                Locale.ROOT,
                "Converted %s (%s; weights %s) to %s in %s: %s, %.1f MB of "
                        + r.precision().name().toLowerCase(Locale.ROOT) + " weights, "
                        + r.graph().label() + " graph%s "
                        + "in %.1f s%n",
                checkpoint,
                r.config(),
                r.checkpointDtypes(),
                r.architecture(),
                r.bundle(),
                "model.onnx" + (r.externalData() ? " + " + CheckpointConverter.EXTERNAL_DATA_FILE : ""),
                r.weightBytes() / 1e6,
                r.unusedTensors().isEmpty() ? "" : " (unused tensors: " + r.unusedTensors() + ")",
                r.millis() / 1000.0);
        return 0;
    }
}
