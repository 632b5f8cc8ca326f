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
 * pulled and converted once), a bundle directory on this machine, or a bundle folder or archive anywhere Hadoop
 * reaches ({@link RemoteBundles}).
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
    if (RemoteBundles.handles(s)) {
      // s3a://, hdfs://, dbfs:/ ... or an archive: copied to the local cache (jobs pass their session's Hadoop
      // settings through org.crest.spark.Models; here the defaults: core-site.xml, environment credentials)
      return RemoteBundles.fetch(s, new org.apache.hadoop.conf.Configuration());
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
      for (String f : new String[] {ModelBundle.MODEL_FILE, ModelBundle.TOKENIZER_FILE, ModelBundle.CONFIG_FILE}) {
        try (InputStream in = ModelResolver.class.getClassLoader().getResourceAsStream(DEMO_RESOURCE + f)) {
          if (in == null) {
            throw new ModelException("Cannot load the demo model: " + DEMO_RESOURCE + f + " is missing from the jar");
          }
          Files.copy(in, dir.resolve(f), StandardCopyOption.REPLACE_EXISTING);
        }
        dir.resolve(f).toFile().deleteOnExit();
      }
      dir.toFile().deleteOnExit();
      return dir;
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot extract the demo model to a temporary directory", e);
    }
  }
}
