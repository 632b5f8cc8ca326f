package org.crest.cli;

import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.crest.UsageException;
import org.crest.cli.options.VerboseOption;
import org.crest.model.ModelResolver;
import org.crest.model.RandomCheckpoint;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(
        name = "random",
        mixinStandardHelpOptions = true,
        usageHelpAutoWidth = true,
        sortOptions = false,
        description = {
            "Write a random-weight XLM-R classification checkpoint of a given shape (config.json, model.safetensors, "
                    + "tokenizer.json), for benchmarks without the real model, PyTorch or Python. Its scores mean nothing; "
                    + "its speed is the real model's. Convert it with model convert.",
            ""
        },
        footer = {
            "",
            "Examples:",
            "  ./spark-submit.sh model random --shape base --output /tmp/ckpt-base   # 1.1 GB",
            "  ./spark-submit.sh model convert /tmp/ckpt-base --output /tmp/base-fused --graph fused",
            "",
            "Exit codes: 0 done, 1 writing failed, 2 the command line is wrong."
        })
public final class ModelRandomCommand implements Callable<Integer> {
    @Option(
            names = {"-o", "--output"},
            required = true,
            paramLabel = "CHECKPOINT_DIR",
            description = "Directory to write (created if needed).")
    Path output;

    @Option(
            names = "--shape",
            defaultValue = "base",
            paramLabel = "base|large|tiny",
            description = "base: xlm-roberta-base (12 layers, hidden 768, 12 heads, vocabulary 250,002); large: 24, "
                    + "1024, 16; tiny: 2, 64, 4, vocabulary 8,002. Default: ${DEFAULT-VALUE}.")
    String shape;

    @Option(names = "--layers", paramLabel = "N", description = "Override the shape's number of layers.")
    Integer layers;

    @Option(names = "--hidden", paramLabel = "N", description = "Override the shape's hidden size.")
    Integer hidden;

    @Option(names = "--heads", paramLabel = "N", description = "Override the shape's attention heads.")
    Integer heads;

    @Option(
            names = "--tokenizer",
            paramLabel = "TOKENIZER_JSON",
            description = "tokenizer.json to copy (any XLM-R tokenizer whose ids stay below the vocabulary). Default: "
                    + "the bundled demo model's.")
    Path tokenizer;

    @Option(names = "--seed", defaultValue = "7", paramLabel = "N", description = "Default: ${DEFAULT-VALUE}.")
    long seed;

    @Mixin
    VerboseOption verbose;

    @Override
    public Integer call() {
        RandomCheckpoint.Shape s =
                switch (shape.trim().toLowerCase(Locale.ROOT)) {
                    case "base" -> RandomCheckpoint.Shape.BASE;
                    case "large" -> RandomCheckpoint.Shape.LARGE;
                    case "tiny" -> RandomCheckpoint.Shape.TINY;
                    default -> throw new UsageException("Unknown --shape " + shape + ", expected base, large or tiny");
                };
        try {
            s = new RandomCheckpoint.Shape(
                    layers != null ? layers : s.layers(),
                    hidden != null ? hidden : s.hidden(),
                    heads != null ? heads : s.heads(),
                    s.vocab());
        } catch (org.crest.ModelException e) {
            throw new UsageException(e.getMessage());
        }
        Path tok = tokenizer != null
                ? tokenizer
                : ModelResolver.resolve(ModelResolver.DEMO).dir().resolve("tokenizer.json");
        long t0 = System.nanoTime();
        long bytes = RandomCheckpoint.write(output, s, tok, seed);
        System.out.printf(
                Locale.ROOT,
                "Wrote %s: %d layers, hidden %d, %d heads, vocabulary %d, %.1fM parameters, %.1f MB in %.1f s%n",
                output,
                s.layers(),
                s.hidden(),
                s.heads(),
                s.vocab(),
                s.parameters() / 1e6,
                bytes / 1e6,
                (System.nanoTime() - t0) / 1e9);
        return 0;
    }
}
