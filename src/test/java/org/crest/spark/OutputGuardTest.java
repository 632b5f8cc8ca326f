package org.crest.spark;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.BufferedReader;
import java.io.File;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.hadoop.conf.Configuration;
import org.crest.Fixtures;
import org.crest.UsageException;
import org.junit.jupiter.api.Test;

/** OutputGuard on real local files, without Spark: overlap refusal, the lock (in this JVM and across processes), swap. */
class OutputGuardTest {
    private static final Configuration CONF = new Configuration();

    private static List<OutputGuard.Input> in(String... paths) {
        return OutputGuard.Input.of("--input", List.of(paths));
    }

    private static List<String> names(Path dir) throws Exception {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    @Test
    void overlapIsFoundWhateverTheSpelling() throws Exception {
        Path root = Fixtures.tempDir("guard-overlap-").toAbsolutePath();
        Path input = Files.createDirectories(root.resolve("logs"));
        Files.writeString(input.resolve("a.jsonl"), "{\"text\":\"hi\"}\n");
        Path link = Files.createSymbolicLink(root.resolve("link"), input);
        String relative = Path.of("").toAbsolutePath().relativize(input).toString();
        String[][] refused = {
            {input.toString(), input.toString(), "is the same path as"},
            {input + "/", input.toString(), "is the same path as"},
            {"file:" + input, input.toString(), "is the same path as"},
            {"file://" + input + "/", relative, "is the same path as"},
            {input.resolve("sub/../").toString(), input.toString(), "is the same path as"},
            {link.toString(), input.toString(), "is the same path as"},
            {input.toString(), link + "/a.jsonl", "contains"},
            {root.toString(), input.toString(), "contains"},
            {root.toString(), input.resolve("a.jsonl").toString(), "contains"},
            {input.resolve("out").toString(), input.toString(), "lies inside"},
            {link.resolve("new/out").toString(), relative, "lies inside"},
            {input.resolve("a.jsonl").toString(), input.resolve("a.jsonl").toString(), "is the same path as"},
        };
        for (String[] c : refused) {
            assertThatThrownBy(() -> OutputGuard.refuseOverlap(CONF, c[0], in(c[1])))
                    .as("--output %s --input %s", c[0], c[1])
                    .isInstanceOf(UsageException.class)
                    .hasMessageContaining("--output " + c[0] + " " + c[2] + " --input " + c[1])
                    .hasMessageNotContaining("\n");
        }
        String[][] allowed = {
            {root.resolve("logs-out").toString(), input.toString()},
            {root.resolve("log").toString(), input.toString()},
            {root.resolve("out").toString(), input.resolve("a.jsonl").toString()},
            {"s3a://bucket/logs-out", "s3a://bucket/logs"},
            {"s3a://other/logs/out", "s3a://bucket/logs"},
        };
        for (String[] c : allowed) {
            OutputGuard.refuseOverlap(CONF, c[0], in(c[1]));
        }
        for (String[] c : new String[][] {
            {"s3a://bucket/logs", "s3a://bucket/logs/"},
            {"s3a://bucket/a", "s3://bucket/a/b"},
            {"s3a://Bucket/a/b", "s3a://bucket/a"}
        }) {
            assertThatThrownBy(() -> OutputGuard.refuseOverlap(CONF, c[0], in(c[1])))
                    .as("%s vs %s", c[0], c[1])
                    .isInstanceOf(UsageException.class);
        }
    }

    @Test
    void aSecondClaimInThisProcessIsRefusedAndTheFirstKeepsItsFiles() throws Exception {
        Path root = Fixtures.tempDir("guard-lock-");
        String out = root.resolve("out").toString();
        try (OutputGuard first = OutputGuard.open(CONF, "label", out, false, List.of(), true)) {
            Path staging = Path.of(first.writePath().replaceFirst("^file:", ""));
            Files.createDirectories(staging);
            Files.writeString(staging.resolve("part-0"), "first");
            assertThatThrownBy(() -> OutputGuard.open(CONF, "label", out, true, List.of(), true))
                    .isInstanceOf(UsageException.class)
                    .hasMessageContaining(
                            "Cannot write " + out + ": another crest run is writing it, run " + first.runId())
                    .hasMessageContaining(
                            root.resolve(".out.crest-lock").toRealPath().toString());
            assertThat(staging.resolve("part-0")).hasContent("first");
            first.commit();
        }
        assertThat(root.resolve("out/part-0")).hasContent("first");
        assertThat(names(root)).containsExactly(".out.crest-lock", "out");
        assertThat(root.resolve(".out.crest-lock")).as("released: empty").isEmptyFile();
        // released: the next run takes it and, without --mode overwrite, refuses the existing output
        assertThatThrownBy(() -> OutputGuard.open(CONF, "label", out, false, List.of(), true))
                .isInstanceOf(UsageException.class)
                .hasMessageContaining("already exists");
    }

    @Test
    void anotherProcessHoldsTheLockUntilItIsKilledAndThenItIsNotStale() throws Exception {
        Path root = Fixtures.tempDir("guard-process-");
        String out = root.resolve("out").toString();
        Process holder = new ProcessBuilder(
                        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                        "-cp",
                        System.getProperty("java.class.path"),
                        LockHolder.class.getName(),
                        out)
                .redirectErrorStream(true)
                .start();
        try {
            BufferedReader r =
                    new BufferedReader(new InputStreamReader(holder.getInputStream(), StandardCharsets.UTF_8));
            String line;
            while ((line = r.readLine()) != null && !line.startsWith("locked ")) {
                // the child's log lines
            }
            assertThat(line).as("the child took the lock").startsWith("locked ");
            assertThatThrownBy(() -> OutputGuard.open(CONF, "label", out, true, List.of(), true))
                    .isInstanceOf(UsageException.class)
                    .hasMessageContaining("another crest run is writing it, run " + line.substring(7))
                    .hasMessageContaining("pid " + holder.pid())
                    .hasMessageContaining("the lock goes when that process ends");
        } finally {
            holder.destroyForcibly(); // SIGKILL: no shutdown hook, no release
            assertThat(holder.waitFor(30, TimeUnit.SECONDS)).isTrue();
        }
        assertThat(root.resolve(".out.crest-lock"))
                .as("the killed run's lock file")
                .isNotEmptyFile();
        try (OutputGuard next = OutputGuard.open(CONF, "label", out, false, List.of(), true)) {
            assertThat(next.staged()).isTrue();
        }
    }

    @Test
    void aFailedRunRemovesOnlyItsStagingAndAnInterruptedSwapIsUndone() throws Exception {
        Path root = Fixtures.tempDir("guard-swap-");
        Path out = Files.createDirectories(root.resolve("out"));
        Files.writeString(out.resolve("part-0"), "old");
        Files.writeString(out.resolve("_SUCCESS"), ""); // an earlier output: --mode overwrite replaces only those
        try (OutputGuard g = OutputGuard.open(CONF, "label", out.toString(), true, List.of(), true)) {
            Files.createDirectories(Path.of(g.writePath().replaceFirst("^file:", "")))
                    .resolve("part-0")
                    .toFile()
                    .createNewFile();
            // no commit: the run failed
        }
        assertThat(names(root)).containsExactly(".out.crest-lock", "out");
        assertThat(out.resolve("part-0")).hasContent("old");

        // a run that stopped between renaming the old output away and renaming its staging folder in
        Files.move(out, root.resolve(".out.crest-old-20261129T000000Z-abcdef"));
        Files.createDirectories(root.resolve(".out.crest-staging-20261129T000000Z-abcdef"));
        try (OutputGuard g = OutputGuard.open(CONF, "label", out.toString(), true, List.of(), true)) {
            assertThat(out.resolve("part-0")).as("restored under the lock").hasContent("old");
            assertThat(names(root)).containsExactly(".out.crest-lock", "out");
            Path staging = Files.createDirectories(Path.of(g.writePath().replaceFirst("^file:", "")));
            Files.writeString(staging.resolve("part-0"), "new");
            g.commit();
        }
        assertThat(out.resolve("part-0")).hasContent("new");
        assertThat(names(root)).containsExactly(".out.crest-lock", "out");
    }

    @Test
    void theRootOfAFileSystemIsNotAnOutput() {
        assertThatThrownBy(() -> OutputGuard.open(CONF, "label", File.separator, true, List.of(), true))
                .isInstanceOf(UsageException.class)
                .hasMessageContaining("root of its file system");
    }

    @Test
    void overwriteReplacesOnlyAnEarlierOutputOfTheSameCommand() throws Exception {
        for (String[] c : new String[][] {
            {"evaluate", "metrics.json"}, {"relabel", "relabel.json"}, {"cluster", "_crest_cluster_summary.json"}
        }) {
            Path root = Fixtures.tempDir("guard-other-");
            Path data = Files.createDirectories(root.resolve("data"));
            Files.writeString(data.resolve("precious.csv"), "keep me");
            assertThatThrownBy(() -> OutputGuard.open(CONF, c[0], data.toString(), true, List.of(), true))
                    .as(c[0])
                    .isInstanceOf(UsageException.class)
                    .hasMessageContaining("holds files that are not a crest " + c[0] + " output")
                    .hasMessageContaining("precious.csv");
            assertThat(data.resolve("precious.csv"))
                    .as(c[0] + ": nothing deleted")
                    .hasContent("keep me");
            // an earlier output of that command (its marker at the top) is replaced
            Path earlier = Files.createDirectories(root.resolve("earlier"));
            Files.writeString(earlier.resolve(c[1]), "{}");
            try (OutputGuard g = OutputGuard.open(CONF, c[0], earlier.toString(), true, List.of(), true)) {
                Files.createDirectories(Path.of(g.writePath().replaceFirst("^file:", "")));
                g.commit();
            }
            assertThat(earlier.resolve(c[1]))
                    .as(c[0] + ": the earlier output was replaced")
                    .doesNotExist();
        }
    }
}
