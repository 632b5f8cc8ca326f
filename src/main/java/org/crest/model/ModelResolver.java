package org.crest.model;

import org.crest.ModelException;
import org.crest.inference.ModelBundle;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Locale;

/**
 * Turns a {@code --model} value into a local {@link ModelBundle}: {@code demo} (the bundled fixture
 * model), {@code hf:ORG/NAME[@REV]} (a Hub checkpoint,
 * pulled and converted once) or a bundle directory on this machine.
 */
public final class ModelResolver {
  public static final String DEMO = "demo";
  private static final String DEMO_RESOURCE = "crest/models/demo/";

  private ModelResolver() {}

  public static ModelBundle resolve(String spec) {
    if (spec == null || spec.isBlank()) {
      throw new ModelException("Cannot load model: no --model given (a bundle directory, or demo)");
    }
    String s = spec.trim();
    if (s.equalsIgnoreCase(DEMO)) {
      return ModelBundle.open(extractDemo(), true);
    }
    if (s.toLowerCase(Locale.ROOT).startsWith("hf:")) {
      return resolveHub(s, null);
    }
    if (s.matches("^[a-zA-Z][a-zA-Z0-9+.-]*://.*") && !s.startsWith("file://")) {
      throw new ModelException("Cannot load model " + s + ": the bundle must be a directory on the driver's local "
          + "disk (copy it there, e.g. with aws s3 cp --recursive); executors receive it from the driver");
    }
    return ModelBundle.open(Path.of(s.startsWith("file://") ? s.substring("file://".length()) : s));
  }

  /**
   * {@code hf:ORG/NAME[@REV]}: the bundle converted from the Hub checkpoint, pulled and converted first when the
   * cache ($HF_HOME, see {@link org.crest.model.HubClient#fromEnvironment}) does not have it.
   */
  static ModelBundle resolveHub(String spec, CheckpointConverter.Task task) {
    return resolveHub(spec, task, HubClient.fromEnvironment(null));
  }

  /** As {@link #resolveHub(String, CheckpointConverter.Task)} with the given client (tests). */
  public static ModelBundle resolveHub(String spec, CheckpointConverter.Task task, HubClient hub) {
    HubModels.Pulled p = HubModels.pull(hub, HubClient.Repo.parse(spec.trim().substring("hf:".length())), task);
    return ModelBundle.open(p.bundle());
  }

  /** Copies the bundled demo model out of the jar into a fresh temporary directory. */
  static Path extractDemo() {
    try {
      Path dir = Files.createTempDirectory("crest-demo-model-");
      // registered first, so deleted last: deleteOnExit runs in reverse order, and the folder must be empty by then
      dir.toFile().deleteOnExit();
      for (String f : new String[] {ModelBundle.MODEL_FILE, ModelBundle.TOKENIZER_FILE, ModelBundle.CONFIG_FILE}) {
        try (InputStream in = ModelResolver.class.getClassLoader().getResourceAsStream(DEMO_RESOURCE + f)) {
          if (in == null) {
            throw new ModelException("Cannot load the demo model: " + DEMO_RESOURCE + f + " is missing from the jar");
          }
          dir.resolve(f).toFile().deleteOnExit();
          Files.copy(in, dir.resolve(f), StandardCopyOption.REPLACE_EXISTING);
        }
      }
      return dir;
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot extract the demo model to a temporary directory", e);
    }
  }
}
