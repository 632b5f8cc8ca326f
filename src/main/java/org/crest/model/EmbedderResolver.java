package org.crest.model;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import org.crest.ModelException;
import org.crest.inference.ModelBundle;

/**
 * Turns an {@code --embedder} value into a local {@link ModelBundle}: {@code demo-embedder} (the bundled
 * tiny random-weight encoder fixture, {@code last_hidden_state} output) or a bundle directory, resolved
 * like {@code --model} by {@link ModelResolver}.
 */
public final class EmbedderResolver {
    public static final String DEMO_EMBEDDER = "demo-embedder";
    private static final String RESOURCE = "crest/models/demo-embedder/";

    private EmbedderResolver() {}

    /** The embedder bundle, checked on the driver ({@link org.crest.inference.ModelSession#verify}) before any job. */
    public static ModelBundle resolve(String spec) {
        return ModelResolver.checked(spec, org.crest.inference.ModelSession.Kind.ENCODER, () -> resolveUnchecked(spec));
    }

    private static ModelBundle resolveUnchecked(String spec) {
        if (spec != null && spec.trim().equalsIgnoreCase(DEMO_EMBEDDER)) {
            return ModelBundle.open(extract(), true);
        }
        if (spec != null && spec.trim().equalsIgnoreCase(ModelResolver.DEMO)) {
            throw new ModelException("Cannot embed with the demo classifier: it outputs logits, not last_hidden_state "
                    + "(use --embedder demo-embedder, or an encoder export: optimum-cli export onnx --model "
                    + "FacebookAI/xlm-roberta-base --task feature-extraction DIR)");
        }
        if (spec != null && spec.trim().toLowerCase(java.util.Locale.ROOT).startsWith("hf:")) {
            return ModelResolver.resolveHub(spec.trim(), org.crest.model.CheckpointConverter.Task.EMBEDDING);
        }
        return ModelResolver.resolve(spec);
    }

    private static Path extract() {
        try {
            Path dir = Files.createTempDirectory("crest-demo-embedder-");
            // registered first, so deleted last: deleteOnExit runs in reverse order, and the folder must be empty by
            // then
            dir.toFile().deleteOnExit();
            for (String f :
                    new String[] {ModelBundle.MODEL_FILE, ModelBundle.TOKENIZER_FILE, ModelBundle.CONFIG_FILE}) {
                try (InputStream in = EmbedderResolver.class.getClassLoader().getResourceAsStream(RESOURCE + f)) {
                    if (in == null) {
                        throw new ModelException(
                                "Cannot load the demo embedder: " + RESOURCE + f + " is missing from the jar");
                    }
                    dir.resolve(f).toFile().deleteOnExit();
                    Files.copy(in, dir.resolve(f), StandardCopyOption.REPLACE_EXISTING);
                }
            }
            return dir;
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot extract the demo embedder to a temporary directory", e);
        }
    }
}
