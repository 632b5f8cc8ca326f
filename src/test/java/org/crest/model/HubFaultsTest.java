package org.crest.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;
import org.crest.Fixtures;
import org.crest.ModelException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * A Hub that answers wrongly (an HTML page, an empty body, a body that stalls half-way) for config.json,
 * tokenizer.json or the weights: the pull fails with one line naming the file and the URL, the cache holds
 * nothing unverified afterwards (no snapshot file that fails its check, no partial file but one named by the
 * file's hash), and a following pull from the healthy server succeeds. A cache an older version poisoned is
 * reported with the command that repairs it, and --force-download repairs it.
 */
class HubFaultsTest {
    private static final String COMMIT = FakeHub.COMMIT;
    private static final Duration STALL_TIMEOUT = Duration.ofSeconds(1);
    private FakeHub fake;
    private Path cache;

    @BeforeEach
    void start() throws IOException {
        fake = new FakeHub();
        cache = Fixtures.tempDir("hub-faults-");
    }

    @AfterEach
    void stop() {
        fake.close();
    }

    private HubClient client() {
        return new HubClient(fake.endpoint, null, cache, false, STALL_TIMEOUT);
    }

    private HubModels.Pulled pull() {
        return HubModels.pull(client(), HubClient.Repo.parse("test/tiny"), null);
    }

    private Path snapshot() {
        return cache.resolve("hub/models--test--tiny/snapshots/" + COMMIT);
    }

    /** Every file under the cache that is not a lock file. */
    private List<Path> files() throws IOException {
        try (Stream<Path> s = Files.walk(cache)) {
            return s.filter(Files::isRegularFile)
                    .filter(p -> !p.toString().contains("/.locks/"))
                    .filter(p -> !p.getFileName().toString().equals("main"))
                    .sorted()
                    .toList();
        }
    }

    /** Nothing in the snapshot that fails its check, and partial files only under the hash of the real file. */
    private void assertNothingUnverified() throws IOException {
        for (Path f : files()) {
            String name = f.getFileName().toString();
            if (name.endsWith(".incomplete")) {
                List<String> keyed = new java.util.ArrayList<>();
                for (String real : new String[] {"config.json", "tokenizer.json", "model.safetensors"}) {
                    keyed.add("." + real + "." + FakeHub.sha256(Files.readAllBytes(FakeHub.TINY.resolve(real)))
                            + ".incomplete");
                }
                assertThat(name)
                        .as("a partial file is named by the announced sha256 of the real file")
                        .isIn(keyed);
            } else if (f.startsWith(snapshot())) {
                assertThat(CacheCheck.problem(name, f)).as("cached %s", name).isNull();
                assertThat(f).hasSameBinaryContentAs(FakeHub.TINY.resolve(name));
            } else {
                assertThat(f.toString()).as("only the snapshot holds files").doesNotContain("/crest/");
            }
        }
        assertThat(cache.resolve("crest")).as("no bundle was converted").doesNotExist();
    }

    private void assertHealthyPullSucceeds() throws IOException {
        fake.heal();
        HubModels.Pulled p = pull();
        assertThat(p.converted()).isTrue();
        for (String f : new String[] {"config.json", "tokenizer.json", "model.safetensors"}) {
            assertThat(p.snapshot().resolve(f)).hasSameBinaryContentAs(FakeHub.TINY.resolve(f));
        }
        try (Stream<Path> s = Files.walk(cache)) {
            assertThat(s.filter(x -> x.getFileName().toString().endsWith(".incomplete"))
                            .toList())
                    .isEmpty();
        }
        assertThat(CacheCheck.snapshotProblems(p.snapshot())).isEmpty();
    }

    @ParameterizedTest(name = "{0} served as {1}")
    @CsvSource({
        "config.json, HTML, not JSON (an HTML or XML page",
        "config.json, EMPTY, empty (0 bytes)",
        "tokenizer.json, HTML, not JSON (an HTML or XML page",
        "tokenizer.json, EMPTY, empty (0 bytes)",
        "model.safetensors, HTML, not a valid safetensors file",
        "model.safetensors, EMPTY, empty (0 bytes)"
    })
    void aWrongBodyIsRefusedNothingIsCachedAndAHealthyPullSucceeds(String file, FakeHub.Fault fault, String why)
            throws IOException {
        fake.fault(file, fault, 1000);
        assertThatThrownBy(this::pull)
                .isInstanceOf(ModelException.class)
                .hasMessageStartingWith("Cannot download " + file + " of test/tiny")
                .hasMessageContaining(fake.endpoint + "/test/tiny/resolve/")
                .hasMessageContaining(why)
                .hasMessageContaining("nothing was cached")
                .satisfies(e -> assertThat(e.getMessage()).as("one line").doesNotContain("\n"));
        System.out.printf(Locale.ROOT, "%s as %s: %s%n", file, fault, "refused");
        assertThat(fake.faultsServed.get())
                .as("refused at once, no retry of a complete answer")
                .isEqualTo(1);
        assertThat(snapshot().resolve(file)).doesNotExist();
        if (!file.equals("model.safetensors")) {
            assertThat(fake.weightGets.get())
                    .as("the weights are not fetched before the JSON files pass")
                    .isZero();
        }
        assertNothingUnverified();
        assertHealthyPullSucceeds();
    }

    @ParameterizedTest(name = "{0} stalls")
    @CsvSource({"config.json", "tokenizer.json", "model.safetensors"})
    void aStalledBodyTimesOutIsRetriedAndAHealthyPullResumes(String file) throws IOException {
        fake.fault(file, FakeHub.Fault.STALL, 1000);
        long t0 = System.nanoTime();
        assertThatThrownBy(this::pull)
                .isInstanceOf(ModelException.class)
                .hasMessageStartingWith("Cannot download " + file + " of test/tiny")
                .hasMessageContaining("SocketTimeoutException: no data for 1 s")
                .hasMessageContaining("tried " + (HubClient.RETRIES + 1) + " times")
                .satisfies(e -> assertThat(e.getMessage()).as("one line").doesNotContain("\n"));
        double seconds = (System.nanoTime() - t0) / 1e9;
        System.out.printf(
                Locale.ROOT, "%s stalled: gave up after %.1f s (%d tries)%n", file, seconds, fake.faultsServed.get());
        assertThat(fake.faultsServed.get()).isEqualTo(HubClient.RETRIES + 1);
        assertThat(seconds).as("each try abandoned after about 1 s").isLessThan(30);
        assertThat(snapshot().resolve(file)).doesNotExist();
        assertNothingUnverified();
        assertHealthyPullSucceeds();
    }

    @Test
    void aStallOnceIsRetriedWithinThePull() throws IOException {
        fake.fault("model.safetensors", FakeHub.Fault.STALL, 1);
        HubModels.Pulled p = pull();
        assertThat(fake.faultsServed.get()).isEqualTo(1);
        assertThat(p.snapshot().resolve("model.safetensors"))
                .hasSameBinaryContentAs(FakeHub.TINY.resolve("model.safetensors"));
        assertThat(fake.ranges)
                .as("the retry resumed the half that came before the stall")
                .hasSize(1);
        assertThat(FakeHub.rangeStart(fake.ranges.get(0))).isPositive();
    }

    @Test
    void aPoisonedCacheIsReportedWithTheRepairCommandAndForceDownloadRepairsIt() throws IOException {
        // as an earlier version cached it: an HTML page as config.json, beside a valid tokenizer and weights
        Files.createDirectories(snapshot());
        Files.createDirectories(cache.resolve("hub/models--test--tiny/refs"));
        Files.writeString(
                cache.resolve("hub/models--test--tiny/refs/main").toAbsolutePath(),
                COMMIT,
                java.nio.charset.StandardCharsets.UTF_8);
        Files.writeString(snapshot().resolve("config.json"), FakeHub.HTML);
        Files.copy(FakeHub.TINY.resolve("tokenizer.json"), snapshot().resolve("tokenizer.json"));
        Files.copy(FakeHub.TINY.resolve("model.safetensors"), snapshot().resolve("model.safetensors"));
        assertThatThrownBy(this::pull)
                .isInstanceOf(ModelException.class)
                .hasMessageContaining("Cannot use the cached snapshot " + snapshot())
                .hasMessageContaining("config.json not JSON (an HTML or XML page")
                .hasMessageEndingWith(
                        "download it again with: ./spark-submit.sh model pull test/tiny --force-download");
        assertThat(fake.hits.get()).isZero();
        assertThat(String.join("\n", HubModels.list(client()))).contains("INVALID: config.json not JSON");

        HubModels.Pulled p = HubModels.pull(
                client(), HubClient.Repo.parse("test/tiny"), null, CheckpointConverter.Precision.FP32, true);
        assertThat(p.converted()).isTrue();
        assertThat(p.snapshot().resolve("config.json")).hasSameBinaryContentAs(FakeHub.TINY.resolve("config.json"));
        assertThat(String.join("\n", HubModels.list(client()))).doesNotContain("INVALID");
        int before = fake.hits.get();
        assertThat(pull().converted()).isFalse();
        assertThat(fake.hits.get())
                .as("the repaired snapshot is used from the cache")
                .isEqualTo(before);
    }

    @Test
    void modelListMarksAnEmptyOrTruncatedSnapshotAsInvalid() throws IOException {
        Path weights = pull().snapshot().resolve("model.safetensors");
        assertThat(String.join("\n", HubModels.list(client()))).doesNotContain("INVALID");
        byte[] all = Files.readAllBytes(weights);
        Files.write(weights, java.util.Arrays.copyOf(all, all.length - 100));
        assertThat(HubModels.list(client())).anySatisfy(l -> assertThat(l)
                .contains("INVALID: model.safetensors not a " + "valid safetensors file")
                .contains("repair: ./spark-submit.sh model pull test/tiny@" + COMMIT + " --force-download"));
        Files.write(weights, new byte[0]);
        assertThat(HubModels.list(client()))
                .anySatisfy(l -> assertThat(l).contains("INVALID: model.safetensors empty (0 bytes)"));
        assertThatThrownBy(this::pull)
                .hasMessageContaining("model.safetensors empty (0 bytes)")
                .hasMessageContaining("--force-download");
    }
}
