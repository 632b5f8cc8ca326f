package org.crest.label;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.spark.sql.SparkSession;
import org.crest.Columns;
import org.crest.Fixtures;
import org.crest.ModelException;
import org.crest.OutputException;
import org.crest.SparkTestSession;
import org.crest.UsageException;
import org.crest.cluster.ClusterJob;
import org.crest.cluster.ClusterOptions;
import org.crest.evaluate.BenchmarkOptions;
import org.crest.evaluate.EvalOptions;
import org.crest.evaluate.EvaluateJob;
import org.crest.evaluate.Preset;
import org.crest.evaluate.RelabelJob;
import org.crest.inference.Device;
import org.crest.inference.ModelBundle;
import org.crest.io.InputFormat;
import org.crest.label.resume.ResumableLabel;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Issue 11, output safety, with real Spark runs on real files: an output that overlaps the input is refused before
 * anything is deleted (every input byte unchanged); two runs on one output: the second is refused and the first
 * completes intact; a run that fails under --mode overwrite leaves the old output as it was; an unwritable output
 * folder and a full disk end in one line naming the output, with nothing partial left.
 */
class OutputSafetyTest {
    private static SparkSession spark;

    @BeforeAll
    static void setUp() {
        spark = SparkTestSession.get();
    }

    /** {@code n} chat lines {"id", "text", "pad"}; pad makes the output large when {@code padChars} > 0. */
    private static Path jsonl(Path file, int n, int padChars) throws IOException {
        Files.createDirectories(file.getParent());
        StringBuilder sb = new StringBuilder();
        java.util.Random rnd = new java.util.Random(n);
        for (int i = 0; i < n; i++) {
            StringBuilder pad = new StringBuilder();
            for (int c = 0; c < padChars; c++) {
                pad.append((char) ('a' + rnd.nextInt(26)));
            }
            sb.append("{\"id\":\"r")
                    .append(i)
                    .append("\",\"text\":\"message number ")
                    .append(i)
                    .append(" about the weather\",\"pad\":\"")
                    .append(pad)
                    .append("\"}\n");
        }
        Files.writeString(file, sb.toString());
        return file;
    }

    /** Every file under {@code dir} (relative path → SHA-256), hidden ones included. */
    private static Map<String, String> hashes(Path dir) throws Exception {
        Map<String, String> m = new TreeMap<>();
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.filter(Files::isRegularFile).toList()) {
                m.put(
                        dir.relativize(p).toString(),
                        HexFormat.of()
                                .formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(p))));
            }
        }
        return m;
    }

    private static List<String> names(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    private static LabelOptions label(String input, String output, boolean overwrite) {
        LabelOptions o = Labels.options(input, output, "demo");
        return overwrite ? Labels.overwrite(o) : o;
    }

    @Test
    void anOutputThatOverlapsTheInputIsRefusedBeforeAnythingIsDeleted() throws Exception {
        Path root = Fixtures.tempDir("overlap-").toAbsolutePath();
        Path in = root.resolve("logs");
        jsonl(in.resolve("a.jsonl"), 5, 0);
        jsonl(in.resolve("dt=2026-11-27/b.jsonl"), 5, 0);
        Path link = Files.createSymbolicLink(root.resolve("logs-link"), in);
        Path model = Files.createDirectories(root.resolve("model"));
        for (String f : new String[] {ModelBundle.MODEL_FILE, ModelBundle.TOKENIZER_FILE, ModelBundle.CONFIG_FILE}) {
            Files.copy(Fixtures.INDEPENDENT.resolve("bundle").resolve(f), model.resolve(f));
        }
        Map<String, String> before = hashes(root);

        String[][] cases = {
            {in.toString(), in.toString(), "is the same path as"},
            {"file:" + in + "/", in.toString(), "is the same path as"},
            {link.toString(), in.toString(), "is the same path as"},
            {root.toString(), in.toString(), "contains"},
            {in.resolve("out").toString(), in.toString(), "lies inside"},
            {in.resolve("a.jsonl").toString(), in.resolve("a.jsonl").toString(), "is the same path as"},
        };
        for (String[] c : cases) {
            assertThatThrownBy(() -> LabelJob.run(spark, label(c[1], c[0], true)))
                    .as("label --mode overwrite --output %s --input %s", c[0], c[1])
                    .isInstanceOf(UsageException.class)
                    .hasMessageContaining("--output " + c[0] + " " + c[2] + " --input " + c[1])
                    .hasMessageNotContaining("\n");
        }
        assertThatThrownBy(() -> LabelJob.run(
                        spark, Labels.overwrite(Labels.options(in.toString(), model.toString(), model.toString()))))
                .isInstanceOf(UsageException.class)
                .hasMessageContaining("--output " + model + " is the same path as --model " + model);
        assertThatThrownBy(() -> ResumableLabel.run(
                        spark,
                        label(in.toString(), in.resolve("_out").toString(), true),
                        new ResumableLabel.Options(true, List.of())))
                .isInstanceOf(UsageException.class)
                .hasMessageContaining("lies inside --input " + in);
        assertThatThrownBy(() -> ClusterJob.run(
                        spark,
                        ClusterOptions.builder()
                                .inputs(List.of(in.toString()))
                                .output(root.toString())
                                .embedder("demo-embedder")
                                .k(2)
                                .kMin(2)
                                .kMax(4)
                                .seeds(1)
                                .seed(1L)
                                .maxIter(10)
                                .twoRepresentativesFrom(0)
                                .maxTokens(128)
                                .chunkRows(1024)
                                .device(Device.CPU)
                                .overwrite(true)
                                .commandLine("test")
                                .build()))
                .isInstanceOf(UsageException.class)
                .hasMessageContaining("--output " + root + " contains --input " + in);
        BenchmarkOptions bench = new BenchmarkOptions(
                List.of(in.resolve("a.jsonl").toString()),
                InputFormat.AUTO,
                Preset.GENERIC,
                null,
                null,
                null,
                null,
                Map.of(),
                null);
        EvalOptions eval = new EvalOptions(
                bench,
                in.toString(),
                true,
                LabelOptions.builder()
                        .model("demo")
                        .threshold(0.5)
                        .device(Device.CPU)
                        .build());
        assertThatThrownBy(() -> EvaluateJob.run(spark, eval))
                .isInstanceOf(UsageException.class)
                .hasMessageContaining("--output " + in + " contains --input " + in);
        assertThatThrownBy(() -> RelabelJob.run(spark, eval))
                .isInstanceOf(UsageException.class)
                .hasMessageContaining("--output " + in + " contains --input " + in);

        assertThat(hashes(root))
                .as("every input byte, and nothing new beside it")
                .isEqualTo(before);
    }

    @Test
    void aSecondRunOnTheSameOutputIsRefusedAndTheFirstCompletesIntact() throws Exception {
        Path root = Fixtures.tempDir("two-runs-").toAbsolutePath();
        Path input = jsonl(root.resolve("in/chats.jsonl"), 600, 0);
        Path out = root.resolve("out");
        Path lock = root.resolve(".out" + org.crest.spark.OutputGuard.LOCK_SUFFIX);
        Map<String, String> inputBefore = hashes(input.getParent());

        CompletableFuture<LabelSummary> first = CompletableFuture.supplyAsync(
                () -> LabelJob.run(spark, label(input.toString(), out.toString(), false)));
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!(Files.isRegularFile(lock) && Files.size(lock) > 0)
                && !first.isDone()
                && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
        assertThat(first.isDone())
                .as("the first run is still running when the second starts")
                .isFalse();
        assertThatThrownBy(() -> LabelJob.run(spark, label(input.toString(), out.toString(), true)))
                .as("the second run, even with --mode overwrite")
                .isInstanceOf(UsageException.class)
                .hasMessageContaining("Cannot write " + out + ": another crest run is writing it")
                .hasMessageContaining(lock.toRealPath().toString());

        LabelSummary s = first.get(5, TimeUnit.MINUTES);
        assertThat(s.status()).isEqualTo("ok");
        assertThat(s.rowsIn()).isEqualTo(600);
        assertThat(s.rowsLabeled() + s.rowsQuarantined()).isEqualTo(600);
        assertThat(spark.read().parquet(out.toString()).count())
                .as("rows the folder holds")
                .isEqualTo(s.rowsLabeled());
        assertThat(out.resolve(Columns.SUMMARY_FILE)).exists();
        assertThat(names(root)).as("no staging folder left").containsExactly(".out.crest-lock", "in", "out");
        assertThat(hashes(input.getParent())).isEqualTo(inputBefore);
    }

    @Test
    void aRunThatFailsUnderOverwriteLeavesTheOldOutputCompleteAndUnchanged() throws Exception {
        Path root = Fixtures.tempDir("swap-").toAbsolutePath();
        Path input = jsonl(root.resolve("in/chats.jsonl"), 50, 0);
        Path out = root.resolve("out");
        LabelSummary old = LabelJob.run(spark, label(input.toString(), out.toString(), false));
        Map<String, String> oldFiles = hashes(out);
        assertThat(oldFiles).containsKey(Columns.SUMMARY_FILE);

        // the same job with a truncated model.onnx: it fails in the executors, while the new output is being written
        Path bundle = Fixtures.tempDir("swap-bundle-");
        for (String f : new String[] {ModelBundle.MODEL_FILE, ModelBundle.TOKENIZER_FILE, ModelBundle.CONFIG_FILE}) {
            Files.copy(
                    Fixtures.INDEPENDENT.resolve("bundle").resolve(f),
                    bundle.resolve(f),
                    StandardCopyOption.REPLACE_EXISTING);
        }
        byte[] model = Files.readAllBytes(bundle.resolve(ModelBundle.MODEL_FILE));
        Files.write(bundle.resolve(ModelBundle.MODEL_FILE), java.util.Arrays.copyOf(model, model.length / 3));
        LabelOptions broken = Labels.overwrite(Labels.options(input.toString(), out.toString(), bundle.toString()));
        assertThatThrownBy(() -> LabelJob.run(spark, broken)).satisfies(e -> {
            Throwable t = e;
            while (t != null && !(t instanceof ModelException)) {
                t = t.getCause();
            }
            assertThat(t).as("the model failure in %s", e).isNotNull();
        });
        assertThat(hashes(out)).as("the old output, file by file").isEqualTo(oldFiles);
        assertThat(spark.read().parquet(out.toString()).count()).isEqualTo(old.rowsLabeled());
        assertThat(names(root)).as("no staging or old folder left").containsExactly(".out.crest-lock", "in", "out");

        // and a run that succeeds replaces it whole
        Path input2 = jsonl(root.resolve("in2/chats.jsonl"), 30, 0);
        LabelSummary fresh = LabelJob.run(spark, label(input2.toString(), out.toString(), true));
        assertThat(fresh.output()).isEqualTo(out.toString());
        assertThat(spark.read().parquet(out.toString()).count())
                .isEqualTo(fresh.rowsLabeled())
                .isLessThanOrEqualTo(30);
        assertThat(Fixtures.json(out.resolve(Columns.SUMMARY_FILE))
                        .get("rows_in")
                        .asLong())
                .isEqualTo(30);
        assertThat(names(root)).containsExactly(".out.crest-lock", "in", "in2", "out");
    }

    @Test
    void anUnwritableOutputFolderIsOneLineNamingIt() throws Exception {
        Path root = Fixtures.tempDir("unwritable-").toAbsolutePath();
        Path input = jsonl(root.resolve("in/chats.jsonl"), 10, 0);
        Path locked = Files.createDirectories(root.resolve("locked"));
        boolean root0 = "root".equals(System.getProperty("user.name"));
        if (root0) {
            // root writes through permission bits; the immutable attribute stops it too
            Assumptions.assumeTrue(exec("chattr", "+i", locked.toString()) == 0, "chattr +i is not available");
        } else {
            assertThat(locked.toFile().setWritable(false, false)).isTrue();
        }
        try {
            String out = locked.resolve("out").toString();
            assertThatThrownBy(() -> LabelJob.run(spark, label(input.toString(), out, false)))
                    .isInstanceOf(OutputException.class)
                    .hasMessageStartingWith("Cannot write output " + out + ": cannot create " + locked)
                    .hasMessageNotContaining("\n");
            assertThat(names(locked)).as("nothing left").isEmpty();
        } finally {
            if (root0) {
                exec("chattr", "-i", locked.toString());
            } else {
                locked.toFile().setWritable(true, false);
            }
        }
    }

    @Test
    void aFullDiskIsOneLineNamingTheOutputAndLeavesNothingPartial() throws Exception {
        Path root = Fixtures.tempDir("full-disk-").toAbsolutePath();
        Path input = jsonl(root.resolve("in/chats.jsonl"), 1500, 400); // ~600 kB of incompressible text
        Path disk = Files.createDirectories(root.resolve("disk"));
        Assumptions.assumeTrue(
                "root".equals(System.getProperty("user.name"))
                        && exec("mount", "-t", "tmpfs", "-o", "size=192k", "tmpfs", disk.toString()) == 0,
                "needs root and mount: a 192 kB tmpfs stands for a full disk");
        try {
            String out = disk.resolve("out").toString();
            assertThatThrownBy(() -> LabelJob.run(spark, label(input.toString(), out, false)))
                    .isInstanceOf(OutputException.class)
                    .hasMessageStartingWith("Cannot write output " + out + ": no space left on device")
                    .hasMessageNotContaining("\n");
            assertThat(names(disk)).as("only the released lock is left").containsExactly(".out.crest-lock");
        } finally {
            // lazy: the failed Parquet writers may still hold files open there until they are collected
            assertThat(exec("umount", "-l", disk.toString()))
                    .as("umount %s", disk)
                    .isZero();
        }
    }

    private static int exec(String... cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        p.getInputStream().transferTo(java.io.OutputStream.nullOutputStream());
        return p.waitFor();
    }
}
