package org.crest.model;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.crest.ModelException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code crest model pull}: a Hub checkpoint (config.json, tokenizer.json, model.safetensors or its shards)
 * fetched with {@link HubClient}, then converted with {@link CheckpointConverter} into a bundle cached beside
 * the snapshot at {@code {cacheRoot}/crest/ORG--NAME/{commit}/{task}/}. A pull whose snapshot and bundle are
 * both cached sends no request.
 */
public final class HubModels {
    private static final Logger LOG = LoggerFactory.getLogger(HubModels.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    /** What a pull did. */
    public record Pulled(
            HubClient.Repo repo,
            Path snapshot,
            Path bundle,
            CheckpointConverter.Task task,
            boolean converted,
            int requests) {}

    private HubModels() {}

    /**
     * Pulls repo@revision and returns its bundle.
     *
     * @param task classification, embedding, or null (classification for a *ForSequenceClassification config)
     */
    public static Pulled pull(HubClient hub, HubClient.Repo repo, CheckpointConverter.Task task) {
        return pull(hub, repo, task, CheckpointConverter.Precision.FP32);
    }

    /** As {@link #pull(HubClient, HubClient.Repo, CheckpointConverter.Task)}, converted in the given precision. */
    public static Pulled pull(
            HubClient hub,
            HubClient.Repo repo,
            CheckpointConverter.Task task,
            CheckpointConverter.Precision precision) {
        return pull(hub, repo, task, precision, false);
    }

    /**
     * As {@link #pull(HubClient, HubClient.Repo, CheckpointConverter.Task, CheckpointConverter.Precision)}; with
     * {@code force} every file is downloaded again (each replaces the cached one once it has passed its checks) and
     * the bundle converted again. Without it, a cached snapshot whose files fail {@link CacheCheck} is refused with
     * the command that repairs it. The small JSON files come first and are checked before the weights are fetched.
     */
    public static Pulled pull(
            HubClient hub,
            HubClient.Repo repo,
            CheckpointConverter.Task task,
            CheckpointConverter.Precision precision,
            boolean force) {
        return pull(hub, repo, task, precision, CheckpointConverter.Graph.PLAIN, force);
    }

    /** As {@link #pull(HubClient, HubClient.Repo, CheckpointConverter.Task, CheckpointConverter.Precision, boolean)}, converted to the given kind of graph (a bundle of its own, suffix -fused). */
    public static Pulled pull(
            HubClient hub,
            HubClient.Repo repo,
            CheckpointConverter.Task task,
            CheckpointConverter.Precision precision,
            CheckpointConverter.Graph graph,
            boolean force) {
        int before = hub.requests();
        Path config = checked(hub, repo, hub.file(repo, Checkpoint.CONFIG, force), Checkpoint.CONFIG);
        HubClient.Repo pinned = hub.pinned(repo); // the commit main resolved to, so every file is of the same commit
        checked(hub, repo, hub.file(pinned, Checkpoint.TOKENIZER, force), Checkpoint.TOKENIZER);
        Path snapshot = config.getParent();
        fetchWeights(hub, pinned, force);
        List<String> problems = CacheCheck.snapshotProblems(snapshot);
        if (!problems.isEmpty()) {
            throw invalidCache(repo, snapshot, problems);
        }
        CheckpointConverter.Task t = task != null ? task : autoTask(config);
        Path bundle = bundleDir(hub, pinned, t, precision, graph);
        boolean converted = false;
        // the manifest is written last: without it the bundle is missing or half-written
        if (force || !Files.isRegularFile(bundle.resolve(CheckpointConverter.MANIFEST))) {
            // one converter per bundle: a concurrent pull of the same model waits, then finds the bundle done
            Path crest = hub.cacheRoot().resolve("crest");
            Path lockFile = crest.resolve(".locks").resolve(crest.relativize(bundle) + ".lock");
            try (CacheLock held = CacheLock.acquire(lockFile, "converting " + repo + " to " + bundle)) {
                if (force || !Files.isRegularFile(bundle.resolve(CheckpointConverter.MANIFEST))) {
                    LOG.info("Converting {} ({}) to {}", repo, t.name().toLowerCase(Locale.ROOT), bundle);
                    CheckpointConverter.convert(
                            snapshot, bundle, t, CheckpointConverter.ExternalData.AUTO, true, precision, graph);
                    converted = true;
                }
            } catch (IOException e) {
                throw new UncheckedIOException("Cannot lock " + lockFile + ": " + e.getMessage(), e);
            }
        }
        return new Pulled(repo, snapshot, bundle, t, converted, hub.requests() - before);
    }

    /** {@code p}, the cached or downloaded {@code file} of repo, when it passes {@link CacheCheck}. */
    private static Path checked(HubClient hub, HubClient.Repo repo, Path p, String file) {
        String bad = CacheCheck.problem(file, p);
        if (bad != null) {
            throw invalidCache(repo, p.getParent(), List.of(file + " " + bad));
        }
        return p;
    }

    private static ModelException invalidCache(HubClient.Repo repo, Path snapshot, List<String> problems) {
        return new ModelException("Cannot use the cached snapshot " + snapshot + " of " + repo + ": "
                + String.join("; ", problems) + "; download it again with: " + CacheCheck.fixCommand(repo));
    }

    private static void fetchWeights(HubClient hub, HubClient.Repo r, boolean force) {
        Path snap = hub.snapshotDir(r);
        if (Files.isRegularFile(snap.resolve(Checkpoint.WEIGHTS)) && !force) {
            return;
        }
        if (Files.isRegularFile(snap.resolve(Checkpoint.WEIGHTS))
                || !Files.isRegularFile(snap.resolve(Checkpoint.WEIGHTS_INDEX))) {
            try {
                hub.file(r, Checkpoint.WEIGHTS, force);
                return;
            } catch (HubClient.NotFoundException single) {
                // sharded, or no safetensors at all
            }
        }
        Path index;
        try {
            index = hub.file(r, Checkpoint.WEIGHTS_INDEX, force);
        } catch (HubClient.NotFoundException noIndex) {
            for (String pickle : new String[] {"pytorch_model.bin", "pytorch_model.bin.index.json"}) {
                if (hub.exists(r, pickle)) {
                    throw new ModelException(
                            "Cannot pull " + r.id() + ": it has " + pickle + " but no model.safetensors; "
                                    + "crest reads only safetensors (a PyTorch .bin is a Python pickle, which cannot be read safely "
                                    + "here). Export it with Hugging Face optimum instead: optimum-cli export onnx --model "
                                    + r.id()
                                    + " --task text-classification BUNDLE_DIR (feature-extraction for an embedder), and pass --model "
                                    + "BUNDLE_DIR");
                }
            }
            throw new ModelException(
                    "Cannot pull " + r.id() + ": it has no model.safetensors (nor " + Checkpoint.WEIGHTS_INDEX + ")");
        }
        String bad = CacheCheck.problem(Checkpoint.WEIGHTS_INDEX, index);
        if (bad != null) {
            throw invalidCache(r, index.getParent(), List.of(Checkpoint.WEIGHTS_INDEX + " " + bad));
        }
        TreeSet<String> shards = CacheCheck.shards(index);
        if (shards.isEmpty()) {
            throw new ModelException("Cannot pull " + r.id() + ": " + Checkpoint.WEIGHTS_INDEX + " names no shards");
        }
        for (String s : shards) {
            hub.file(r, s, force);
        }
    }

    static CheckpointConverter.Task autoTask(Path config) {
        try {
            XlmRobertaConfig c = XlmRobertaConfig.from(JSON.readTree(config.toFile()), config.toString());
            return c.isClassifier() ? CheckpointConverter.Task.CLASSIFICATION : CheckpointConverter.Task.EMBEDDING;
        } catch (IOException e) {
            throw new ModelException("Cannot read " + config + ": " + e.getMessage(), e);
        }
    }

    /** {cacheRoot}/crest/ORG--NAME/{commit}/{task}. */
    public static Path bundleDir(HubClient hub, HubClient.Repo pinned, CheckpointConverter.Task task) {
        return bundleDir(hub, pinned, task, CheckpointConverter.Precision.FP32);
    }

    /** CACHE/crest/ORG--NAME/COMMIT/TASK, with a -fp16 or -int8 suffix for float16 and int8 bundles. */
    public static Path bundleDir(
            HubClient hub,
            HubClient.Repo pinned,
            CheckpointConverter.Task task,
            CheckpointConverter.Precision precision) {
        return bundleDir(hub, pinned, task, precision, CheckpointConverter.Graph.PLAIN);
    }

    /** As {@link #bundleDir(HubClient, HubClient.Repo, CheckpointConverter.Task, CheckpointConverter.Precision)}, with a -fused suffix for a fused graph. */
    public static Path bundleDir(
            HubClient hub,
            HubClient.Repo pinned,
            CheckpointConverter.Task task,
            CheckpointConverter.Precision precision,
            CheckpointConverter.Graph graph) {
        String leaf = task.name().toLowerCase(Locale.ROOT)
                + (precision == CheckpointConverter.Precision.FP32
                        ? ""
                        : "-" + precision.name().toLowerCase(Locale.ROOT))
                + (graph == CheckpointConverter.Graph.PLAIN ? "" : "-" + graph.label());
        return hub.cacheRoot()
                .resolve("crest")
                .resolve(pinned.id().replace("/", "--"))
                .resolve(hub.snapshotDir(pinned).getFileName().toString())
                .resolve(leaf);
    }

    /** Lines describing the cache: each model, its refs, snapshots (files, size) and converted bundles. */
    public static List<String> list(HubClient hub) {
        List<String> out = new ArrayList<>();
        for (String id : hub.cachedRepos()) {
            HubClient.Repo r = new HubClient.Repo(id, "main");
            Path repoDir = hub.repoDir(r);
            List<String> refs = new ArrayList<>();
            Path refsDir = repoDir.resolve("refs");
            if (Files.isDirectory(refsDir)) {
                try (Stream<Path> s = Files.walk(refsDir)) {
                    s.filter(Files::isRegularFile).forEach(p -> {
                        try {
                            refs.add(refsDir.relativize(p) + " -> "
                                    + Files.readString(p).trim());
                        } catch (IOException e) {
                            refs.add(refsDir.relativize(p) + " (unreadable)");
                        }
                    });
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }
            out.add(id + (refs.isEmpty() ? "" : "  refs: " + String.join(", ", refs)));
            for (Path snap : children(repoDir.resolve("snapshots"))) {
                List<String> files = new ArrayList<>();
                long bytes = 0;
                for (Path f : children(snap)) {
                    String n = f.getFileName().toString();
                    if (Files.isRegularFile(f) && !n.endsWith(".incomplete")) {
                        files.add(n);
                        bytes += size(f);
                    }
                }
                out.add(String.format(
                        Locale.ROOT, "  snapshot %s: %s (%.1f MB) %s", snap.getFileName(), files, bytes / 1e6, snap));
                List<String> problems = CacheCheck.snapshotProblems(snap);
                if (!problems.isEmpty()) {
                    out.add("    INVALID: " + String.join("; ", problems) + "; repair: "
                            + CacheCheck.fixCommand(
                                    new HubClient.Repo(id, snap.getFileName().toString())));
                }
                Path bundles = hub.cacheRoot()
                        .resolve("crest")
                        .resolve(id.replace("/", "--"))
                        .resolve(snap.getFileName());
                for (Path b : children(bundles)) {
                    boolean done = Files.isRegularFile(b.resolve(CheckpointConverter.MANIFEST));
                    out.add("    bundle " + b.getFileName() + (done ? "" : " (incomplete)") + ": " + b);
                }
            }
        }
        return out;
    }

    private static List<Path> children(Path dir) {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> s = Files.list(dir)) {
            return s.sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot list " + dir, e);
        }
    }

    private static long size(Path p) {
        try {
            return Files.size(p);
        } catch (IOException e) {
            return 0;
        }
    }
}
