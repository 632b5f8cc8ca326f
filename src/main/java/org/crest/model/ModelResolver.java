package org.crest.model;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.crest.ModelException;
import org.crest.inference.ModelBundle;
import org.crest.inference.ModelSession;

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

    /**
     * As {@link #resolve(String)}, then the driver's load check ({@link ModelSession#verify}): the bundle must be a
     * {@code kind} (a classifier for label and evaluate), load, and give finite output on the fixed test inputs,
     * before any Spark job starts.
     */
    public static ModelBundle resolve(String spec, ModelSession.Kind kind) {
        return checked(spec, kind, () -> resolve(spec));
    }

    /** A bundle checked for a kind, and the sizes and times of its files then. */
    private record Checked(ModelBundle bundle, String files) {}

    private static final Map<String, Checked> CHECKED = new ConcurrentHashMap<>();

    /**
     * {@code resolve}'s bundle after {@link ModelSession#verify}, memoised per JVM for the same spec and kind while
     * the bundle's files keep their sizes and modification times: the command line checks the model before Spark
     * starts, and the job that resolves it again does not hash and load it twice.
     */
    public static ModelBundle checked(String spec, ModelSession.Kind kind, Supplier<ModelBundle> resolve) {
        String key = kind + " " + (spec == null ? "" : spec.trim());
        Checked c = CHECKED.get(key);
        if (c != null && c.files().equals(filesOf(c.bundle().dir()))) {
            return c.bundle();
        }
        ModelBundle bundle = resolve.get();
        ModelSession.verify(bundle, kind);
        String files = filesOf(bundle.dir());
        if (!files.isEmpty()) {
            CHECKED.put(key, new Checked(bundle, files));
        }
        return bundle;
    }

    /** Name, size and modification time of each file of a directory; empty when it cannot be listed. */
    private static String filesOf(Path dir) {
        try (Stream<Path> s = Files.list(dir)) {
            StringBuilder b = new StringBuilder();
            for (Path p : s.sorted().toList()) {
                BasicFileAttributes a = Files.readAttributes(p, BasicFileAttributes.class);
                b.append(p.getFileName())
                        .append(' ')
                        .append(a.size())
                        .append(' ')
                        .append(a.lastModifiedTime().toMillis())
                        .append(' ')
                        .append(a.lastModifiedTime().to(java.util.concurrent.TimeUnit.NANOSECONDS))
                        .append('\n');
            }
            return b.toString();
        } catch (IOException | RuntimeException e) {
            return "";
        }
    }

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
        HubModels.Pulled p =
                HubModels.pull(hub, HubClient.Repo.parse(spec.trim().substring("hf:".length())), task);
        return ModelBundle.open(p.bundle());
    }

    /** Copies the bundled demo model out of the jar into a fresh temporary directory. */
    static Path extractDemo() {
        try {
            Path dir = Files.createTempDirectory("crest-demo-model-");
            // registered first, so deleted last: deleteOnExit runs in reverse order, and the folder must be empty by
            // then
            dir.toFile().deleteOnExit();
            for (String f :
                    new String[] {ModelBundle.MODEL_FILE, ModelBundle.TOKENIZER_FILE, ModelBundle.CONFIG_FILE}) {
                try (InputStream in = ModelResolver.class.getClassLoader().getResourceAsStream(DEMO_RESOURCE + f)) {
                    if (in == null) {
                        throw new ModelException(
                                "Cannot load the demo model: " + DEMO_RESOURCE + f + " is missing from the jar");
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
