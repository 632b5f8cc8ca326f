package org.crest.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.crest.Fixtures;
import org.crest.ModelException;
import org.crest.inference.Device;
import org.crest.inference.ModelBundle;
import org.crest.inference.ModelSession;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * HubClient / HubModels against {@link FakeHub}, a loopback server that answers like the Hub's resolve endpoint,
 * serving the committed checkpoint-tiny fixture with ETag = sha256 of each file and X-Repo-Commit.
 */
class HubClientTest {
    static final String COMMIT = FakeHub.COMMIT;
    static final Path TINY = FakeHub.TINY;

    private FakeHub fake;
    private String endpoint;
    private Path cache;

    @BeforeEach
    void start() throws IOException {
        fake = new FakeHub();
        endpoint = fake.endpoint;
        cache = Fixtures.tempDir("hub-cache-");
    }

    @AfterEach
    void stop() {
        fake.close();
    }

    private static String sha256(byte[] b) {
        return FakeHub.sha256(b);
    }

    private HubClient client(boolean offline) {
        return new HubClient(endpoint, null, cache, offline);
    }

    private static HubModels.Pulled pull(HubClient hub, String repo) {
        return HubModels.pull(hub, HubClient.Repo.parse(repo), null);
    }

    private List<Path> leftovers() throws IOException {
        try (Stream<Path> s = Files.walk(cache)) {
            return s.filter(p -> p.getFileName().toString().endsWith(".incomplete"))
                    .toList();
        }
    }

    @Test
    void pullConvertsAScoringBundleAndASecondPullSendsNoRequest() throws IOException {
        long t0 = System.nanoTime();
        HubModels.Pulled first = pull(client(false), "test/tiny");
        assertThat(first.converted()).isTrue();
        assertThat(first.bundle()).isEqualTo(cache.resolve("crest/test--tiny/" + COMMIT + "/classification"));
        assertThat(first.snapshot()).isEqualTo(cache.resolve("hub/models--test--tiny/snapshots/" + COMMIT));
        assertThat(Files.readString(cache.resolve("hub/models--test--tiny/refs/main")))
                .isEqualTo(COMMIT);
        for (String f : new String[] {"config.json", "tokenizer.json", "model.safetensors"}) {
            assertThat(first.snapshot().resolve(f)).hasSameBinaryContentAs(TINY.resolve(f));
        }
        System.out.printf(
                Locale.ROOT,
                "pull + convert in %.0f ms, %d requests%n",
                (System.nanoTime() - t0) / 1e6,
                first.requests());

        // the same P(unsafe) as the committed demo bundle (exported by torch.onnx from the same weights)
        List<JsonNode> refs = Fixtures.jsonLines(Fixtures.CLASSIFIER_REFERENCE);
        double worst = 0;
        try (ModelSession got = ModelSession.create(
                        ModelBundle.open(first.bundle()), ModelSession.Kind.CLASSIFIER, Device.CPU, 1, -1);
                ModelSession demo = ModelSession.create(
                        ModelBundle.open(Fixtures.DEMO), ModelSession.Kind.CLASSIFIER, Device.CPU, 1, -1)) {
            for (JsonNode r : refs.subList(0, Math.min(12, refs.size()))) {
                long[] ids = CheckpointConverterTest.firstWindow(r);
                double p = CheckpointConverterTest.pUnsafe(CheckpointConverterTest.run(got, ids), 0);
                double q = CheckpointConverterTest.pUnsafe(CheckpointConverterTest.run(demo, ids), 0);
                assertThat(p).as("P(unsafe) of %s", r.get("id").asText()).isCloseTo(q, within(1e-4));
                worst = Math.max(worst, Math.abs(p - q));
            }
        }
        System.out.printf(Locale.ROOT, "pulled bundle vs demo bundle: max |P(unsafe) diff| %.2e%n", worst);

        int before = fake.hits.get();
        HubClient again = client(false);
        HubModels.Pulled second = pull(again, "test/tiny");
        assertThat(second.bundle()).isEqualTo(first.bundle());
        assertThat(second.converted()).isFalse();
        assertThat(again.requests()).isZero();
        assertThat(fake.hits.get()).isEqualTo(before);
        assertThat(HubModels.list(again))
                .anySatisfy(l -> assertThat(l).startsWith("test/tiny"))
                .anySatisfy(l -> assertThat(l).contains("bundle classification"));

        // the pinned commit and the embedding task reuse the snapshot: no request, a second bundle
        HubModels.Pulled emb =
                HubModels.pull(again, HubClient.Repo.parse("test/tiny@" + COMMIT), CheckpointConverter.Task.EMBEDDING);
        assertThat(emb.bundle()).isEqualTo(cache.resolve("crest/test--tiny/" + COMMIT + "/embedding"));
        assertThat(fake.hits.get()).isEqualTo(before);

        // fp16: a bundle of its own beside the fp32 one, from the same snapshot, no request
        HubModels.Pulled half =
                HubModels.pull(again, HubClient.Repo.parse("test/tiny"), null, CheckpointConverter.Precision.FP16);
        assertThat(half.bundle()).isEqualTo(cache.resolve("crest/test--tiny/" + COMMIT + "/classification-fp16"));
        assertThat(half.converted()).isTrue();
        assertThat(fake.hits.get()).isEqualTo(before);
        assertThat(Files.readString(half.bundle().resolve(CheckpointConverter.MANIFEST)))
                .contains("\"float16\"");
        assertThat(ModelBundle.open(half.bundle()).sha256())
                .isNotEqualTo(ModelBundle.open(first.bundle()).sha256());
    }

    @Test
    void offlineUsesTheCacheAndSaysWhatIsMissing() {
        assertThatThrownBy(() -> pull(client(true), "test/tiny"))
                .isInstanceOf(ModelException.class)
                .hasMessageContaining("HF_HUB_OFFLINE is set")
                .hasMessageContaining("not in the cache")
                .hasMessageContaining("nothing of test/tiny");
        assertThat(fake.hits.get()).isZero();

        Path bundle = pull(client(false), "test/tiny").bundle();
        int before = fake.hits.get();
        HubModels.Pulled off = pull(client(true), "test/tiny");
        assertThat(off.bundle()).isEqualTo(bundle);
        assertThat(fake.hits.get()).isEqualTo(before);
        assertThatThrownBy(() -> pull(client(true), "test/tiny@v2"))
                .hasMessageContaining("HF_HUB_OFFLINE is set")
                .hasMessageContaining("snapshots [" + COMMIT);
    }

    @Test
    void aTruncatedDownloadIsDetectedAndNotCached() throws IOException {
        fake.rangeSupport = false; // every answer is a 200 that stops after half the body
        fake.cutsLeft.set(1000);
        long size = Files.size(TINY.resolve("model.safetensors"));
        assertThatThrownBy(() -> pull(client(false), "test/tiny"))
                .isInstanceOf(ModelException.class)
                .hasMessageContaining("model.safetensors of test/tiny")
                .hasMessageMatching("(?s).*the transfer broke off after \\d+ of " + size + " bytes.*")
                .hasMessageContaining("tried " + (HubClient.RETRIES + 1) + " times, resumed 0 times")
                .hasMessageContaining("continues from there");
        assertThat(fake.weightGets.get())
                .as("the first transfer and its retries")
                .isEqualTo(HubClient.RETRIES + 1);
        Path snap = cache.resolve("hub/models--test--tiny/snapshots/" + COMMIT);
        assertThat(snap.resolve("model.safetensors")).doesNotExist();
        assertThat(snap.resolve("config.json")).exists();
        assertThat(leftovers()).as("the partial file, kept for the next run").hasSize(1);
        assertThat(cache.resolve("crest")).doesNotExist();

        fake.cutsLeft.set(0); // the next pull downloads only what is missing, from 0 again as the server ignores Range
        int before = fake.hits.get();
        HubModels.Pulled p = pull(client(false), "test/tiny");
        assertThat(fake.hits.get() - before).isEqualTo(1);
        assertThat(p.snapshot().resolve("model.safetensors")).hasSameBinaryContentAs(TINY.resolve("model.safetensors"));
        assertThat(leftovers()).isEmpty();
    }

    @Test
    void aTransferThatBreaksOffIsResumedWithARangeRequest() throws IOException {
        fake.cutsLeft.set(1);
        long size = Files.size(TINY.resolve("model.safetensors"));
        HubModels.Pulled p = pull(client(false), "test/tiny");
        assertThat(fake.ranges)
                .as("Range headers of the model.safetensors requests")
                .hasSize(2)
                .startsWith("null");
        assertThat(FakeHub.rangeStart(fake.ranges.get(1)))
                .as("the second request asks for the rest (half was sent)")
                .isPositive()
                .isLessThanOrEqualTo(size / 2);
        assertThat(p.snapshot().resolve("model.safetensors")).hasSameBinaryContentAs(TINY.resolve("model.safetensors"));
        assertThat(fake.weightBytesServed.get())
                .as("bytes of model.safetensors sent")
                .isLessThan((long) (1.6 * size));
        assertThat(p.bundle().resolve(CheckpointConverter.MANIFEST)).exists();
        assertThat(leftovers()).isEmpty();
    }

    @Test
    void withoutRangeSupportABrokenTransferStartsOver() throws IOException {
        fake.rangeSupport = false;
        fake.cutsLeft.set(1);
        long size = Files.size(TINY.resolve("model.safetensors"));
        HubModels.Pulled p = pull(client(false), "test/tiny");
        assertThat(fake.ranges)
                .as("the client asked for the rest, the server sent it all")
                .hasSize(2)
                .startsWith("null");
        assertThat(FakeHub.rangeStart(fake.ranges.get(1))).isPositive().isLessThanOrEqualTo(size / 2);
        assertThat(fake.weightBytesServed.get()).isEqualTo(size / 2 + size);
        assertThat(p.snapshot().resolve("model.safetensors")).hasSameBinaryContentAs(TINY.resolve("model.safetensors"));
        assertThat(leftovers()).isEmpty();
    }

    @Test
    void aLaterRunContinuesThePartialFileAnEarlierRunLeft() throws IOException {
        fake.cutsLeft.set(1000); // every answer stops after half of what it sends: 1/2, 3/4, 7/8, 15/16 of the file
        long size = Files.size(TINY.resolve("model.safetensors"));
        assertThatThrownBy(() -> pull(client(false), "test/tiny"))
                .hasMessageContaining(
                        "tried " + (HubClient.RETRIES + 1) + " times, resumed " + HubClient.RETRIES + " times")
                .hasMessageContaining("the next crest model pull test/tiny@" + COMMIT + " continues from there");
        List<Path> kept = leftovers();
        assertThat(kept).hasSize(1);
        assertThat(kept.get(0).getFileName().toString())
                .as("named by the announced sha256")
                .isEqualTo(".model.safetensors." + sha256(Files.readAllBytes(TINY.resolve("model.safetensors")))
                        + ".incomplete");
        long keptBytes = Files.size(kept.get(0));
        assertThat(keptBytes).isPositive().isLessThan(size);

        fake.cutsLeft.set(0);
        long servedBefore = fake.weightBytesServed.get();
        HubModels.Pulled p = pull(client(false), "test/tiny"); // a new client, as a new crest process
        assertThat(fake.ranges.get(fake.ranges.size() - 1)).isEqualTo("bytes=" + keptBytes + "-");
        assertThat(fake.weightBytesServed.get() - servedBefore)
                .as("only the missing tail was sent")
                .isEqualTo(size - keptBytes);
        assertThat(p.snapshot().resolve("model.safetensors")).hasSameBinaryContentAs(TINY.resolve("model.safetensors"));
        assertThat(leftovers()).isEmpty();
    }

    @Test
    void aPartialFileOfAnotherVersionIsNotContinued() throws IOException {
        HubClient.Repo tiny = HubClient.Repo.parse("test/tiny");
        client(false).file(tiny, "config.json"); // refs/main -> COMMIT
        fake.rangeSupport = false; // every transfer stops after half: the retries run out with half of version 1 kept
        fake.cutsLeft.set(HubClient.RETRIES + 1);
        assertThatThrownBy(() -> client(false).file(tiny, "model.safetensors"))
                .hasMessageContaining("continues from there");
        assertThat(leftovers()).hasSize(1);

        // the server now has another model.safetensors (same commit name, other bytes and sha256) and honours Range
        byte[] v2 = Files.readAllBytes(TINY.resolve("model.safetensors"));
        v2[v2.length - 1] ^= 1;
        fake.bigBody = v2;
        fake.rangeSupport = true;
        fake.cutsLeft.set(0);
        fake.ranges.clear();
        Path got = client(false).file(tiny, "model.safetensors");
        assertThat(Files.readAllBytes(got)).as("version 2, whole").isEqualTo(v2);
        assertThat(fake.ranges)
                .as("tried to resume, got a 206 of another version, asked again for all of it")
                .hasSize(2)
                .endsWith("null");
        assertThat(fake.ranges.get(0)).startsWith("bytes=");
        assertThat(leftovers()).as("the stale partial file was removed").isEmpty();
    }

    @Test
    void aResumedTransferWithWrongBytesFailsTheHashCheckAndCachesNothing() throws IOException {
        fake.cutsLeft.set(1);
        fake.corruptRanges = true;
        assertThatThrownBy(() -> pull(client(false), "test/tiny"))
                .isInstanceOf(ModelException.class)
                .hasMessageContaining("corrupted download")
                .hasMessageContaining("resumed 1 times")
                .hasMessageContaining("nothing was cached");
        assertThat(fake.ranges).hasSize(2);
        assertThat(fake.ranges.get(1)).startsWith("bytes=");
        assertThat(cache.resolve("hub/models--test--tiny/snapshots/" + COMMIT + "/model.safetensors"))
                .doesNotExist();
        assertThat(leftovers()).isEmpty();
        assertThat(cache.resolve("crest")).doesNotExist();
    }

    @Test
    void twoConcurrentPullsOfTheSameModelDownloadItOnce() throws Exception {
        // the server holds the first model.safetensors request until the other pull waits on the lock of that file,
        // so the test cannot pass unless the second pull met the lock (without one, both would download it)
        fake.holdFirst = true;
        CyclicBarrier start = new CyclicBarrier(2);
        ExecutorService two = Executors.newFixedThreadPool(2);
        try {
            List<Future<HubModels.Pulled>> pulls = new ArrayList<>();
            for (int i = 0; i < 2; i++) {
                HubClient own = client(false); // a client each, as two crest processes would have
                pulls.add(two.submit(() -> {
                    start.await();
                    return pull(own, "test/tiny");
                }));
            }
            assertThat(fake.firstRequest.await(60, TimeUnit.SECONDS))
                    .as("one pull asked for model.safetensors")
                    .isTrue();
            awaitWaiter(weightsLock());
            fake.release.countDown();
            HubModels.Pulled a = pulls.get(0).get(60, TimeUnit.SECONDS);
            HubModels.Pulled b = pulls.get(1).get(60, TimeUnit.SECONDS);
            assertThat(fake.weightGets.get())
                    .as("model.safetensors requests that reached the server")
                    .isEqualTo(1);
            assertThat(fake.hits.get())
                    .as("config.json, tokenizer.json and model.safetensors, once each")
                    .isEqualTo(3);
            assertThat(a.bundle()).isEqualTo(b.bundle());
            assertThat(List.of(a.converted(), b.converted()))
                    .as("converted once")
                    .containsExactlyInAnyOrder(true, false);
            assertThat(a.snapshot().resolve("model.safetensors"))
                    .hasSameBinaryContentAs(TINY.resolve("model.safetensors"));
            assertThat(ModelBundle.open(a.bundle()).sha256())
                    .isEqualTo(ModelBundle.open(b.bundle()).sha256());
            assertThat(leftovers()).isEmpty();
        } finally {
            two.shutdownNow();
        }
    }

    private Path weightsLock() {
        return cache.resolve("hub/.locks/models--test--tiny/model.safetensors.lock");
    }

    /** Waits (60 s at most) until a thread of this JVM waits for the lock of lockFile. */
    private static void awaitWaiter(Path lockFile) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (CacheLock.waiting(lockFile) == 0 && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertThat(CacheLock.waiting(lockFile))
                .as("pulls waiting for %s", lockFile)
                .isEqualTo(1);
    }

    @Test
    void aBodyThatDoesNotMatchTheEtagIsDetectedAndNotCached() throws IOException {
        fake.mode = FakeHub.Mode.WRONG_HASH;
        assertThatThrownBy(() -> pull(client(false), "test/tiny"))
                .isInstanceOf(ModelException.class)
                .hasMessageContaining("corrupted download")
                .hasMessageContaining("nothing was cached");
        assertThat(cache.resolve("hub/models--test--tiny/snapshots/" + COMMIT + "/model.safetensors"))
                .doesNotExist();
        assertThat(leftovers()).isEmpty();
    }

    @Test
    void notFoundUnauthorizedAndPickleOnlyHaveTheirMessages() {
        assertThatThrownBy(() -> pull(client(false), "nobody/nothing"))
                .isInstanceOf(HubClient.NotFoundException.class)
                .hasMessageContaining("HTTP 404")
                .hasMessageContaining("there is no model repository nobody/nothing");
        assertThatThrownBy(() -> pull(client(false), "test/tiny@v9"))
                .hasMessageContaining("HTTP 404")
                .hasMessageContaining("has no revision v9");
        assertThatThrownBy(() -> client(false).file(HubClient.Repo.parse("test/tiny"), "vocab.txt"))
                .hasMessageContaining("HTTP 404")
                .hasMessageContaining("test/tiny has no file vocab.txt");
        assertThatThrownBy(() -> pull(client(false), "test/gated"))
                .isInstanceOf(ModelException.class)
                .hasMessageContaining("HTTP 401")
                .hasMessageContaining("gated or private")
                .hasMessageContaining("set HF_TOKEN");
        HubClient withToken = new HubClient(endpoint, "hf_secret123", cache, false);
        assertThatThrownBy(() -> pull(withToken, "test/gated"))
                .hasMessageContaining("the token in HF_TOKEN may not read it")
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("hf_secret123"));
        assertThat(fake.authorizations).contains("Bearer hf_secret123");
        assertThatThrownBy(() -> pull(client(false), "test/pt-only"))
                .isInstanceOf(ModelException.class)
                .hasMessageContaining("has pytorch_model.bin but no model.safetensors")
                .hasMessageContaining("optimum-cli export onnx --model test/pt-only");
    }

    @Test
    void noNetworkSaysWhatIsCachedAndHowToRunOffline() throws IOException {
        pull(client(false), "test/tiny");
        int port;
        try (java.net.ServerSocket closed = new java.net.ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = closed.getLocalPort(); // closed again before the request: connection refused
        }
        HubClient down = new HubClient("http://127.0.0.1:" + port, null, cache, false);
        assertThatThrownBy(() -> pull(down, "test/other"))
                .isInstanceOf(ModelException.class)
                .hasMessageContaining("cannot reach 127.0.0.1")
                .hasMessageContaining("cached models: [test/tiny]")
                .hasMessageContaining("HF_HUB_OFFLINE=1");
    }

    @Test
    void modelResolverPullsHfSpecsOnceThenUsesTheCache() {
        ModelBundle b = org.crest.model.ModelResolver.resolveHub("hf:test/tiny", null, client(false));
        assertThat(b.dir().toAbsolutePath().normalize())
                .isEqualTo(cache.resolve("crest/test--tiny/" + COMMIT + "/classification")
                        .toAbsolutePath()
                        .normalize());
        int before = fake.hits.get();
        ModelBundle again = org.crest.model.ModelResolver.resolveHub("hf:test/tiny@main", null, client(false));
        assertThat(again.dir()).isEqualTo(b.dir());
        assertThat(fake.hits.get()).isEqualTo(before);
    }

    @Test
    void theCliListsTheCacheAndRefusesBadArguments() {
        assertThat(org.crest.cli.Main.execute("model", "list", "--cache-dir", cache.toString()))
                .isZero();
        pull(client(false), "test/tiny");
        assertThat(org.crest.cli.Main.execute("model", "list", "--cache-dir", cache.toString()))
                .isZero();
        assertThat(org.crest.cli.Main.execute("model", "pull", "not a repo", "--cache-dir", cache.toString()))
                .isEqualTo(2);
        assertThat(org.crest.cli.Main.execute(
                        "model", "pull", "test/tiny", "--task", "mlm", "--cache-dir", cache.toString()))
                .isEqualTo(2);
    }

    @Test
    void aShardedCheckpointIsPulledShardByShard() throws IOException {
        fake.sharded = Fixtures.tempDir("hub-sharded-");
        Files.copy(TINY.resolve("config.json"), fake.sharded.resolve("config.json"));
        Files.copy(TINY.resolve("tokenizer.json"), fake.sharded.resolve("tokenizer.json"));
        java.util.Map<String, CheckpointErrorsTest.Entry> a = new java.util.LinkedHashMap<>();
        java.util.Map<String, CheckpointErrorsTest.Entry> b = new java.util.LinkedHashMap<>();
        com.fasterxml.jackson.databind.node.ObjectNode index =
                new com.fasterxml.jackson.databind.ObjectMapper().createObjectNode();
        com.fasterxml.jackson.databind.node.ObjectNode map = index.putObject("weight_map");
        try (Safetensors st = Safetensors.open(TINY.resolve("model.safetensors"))) {
            for (Safetensors.Tensor t : st.tensors().values()) {
                boolean first = t.name().startsWith("roberta.embeddings.");
                (first ? a : b).put(t.name(), new CheckpointErrorsTest.Entry(t.dtype(), t.shape(), st.rawBytes(t)));
                map.put(t.name(), first ? "model-00001-of-00002.safetensors" : "model-00002-of-00002.safetensors");
            }
        }
        CheckpointErrorsTest.write(fake.sharded.resolve("model-00001-of-00002.safetensors"), a);
        CheckpointErrorsTest.write(fake.sharded.resolve("model-00002-of-00002.safetensors"), b);
        Files.writeString(fake.sharded.resolve(Checkpoint.WEIGHTS_INDEX), index.toString());

        HubModels.Pulled p = pull(client(false), "test/sharded");
        // config, tokenizer, model.safetensors (404), the index, two shards
        assertThat(p.requests()).isEqualTo(6);
        assertThat(p.snapshot().resolve("model-00002-of-00002.safetensors")).exists();
        assertThat(p.bundle().resolve("model.onnx")).exists();
        int before = fake.hits.get();
        assertThat(pull(client(false), "test/sharded").converted()).isFalse();
        assertThat(fake.hits.get())
                .as("no request, not even the 404 of model.safetensors")
                .isEqualTo(before);
    }

    @Test
    void anLfsRedirectIsFollowedVerifiedAndGetsNoToken() {
        HubClient hub = new HubClient(endpoint, "hf_secret123", cache, false);
        HubModels.Pulled p = pull(hub, "test/lfs");
        assertThat(p.snapshot().resolve("model.safetensors")).hasSameBinaryContentAs(TINY.resolve("model.safetensors"));
        assertThat(fake.authorizations).contains("Bearer hf_secret123");
        assertThat(fake.cdnAuthorizations).containsExactly("null");
    }

    @Test
    void aPullInAnotherProcessHoldsTheFileLockAndThisOneWaits() throws Exception {
        // another JVM pulls test/tiny; the server holds its model.safetensors request back until this JVM, pulling
        // the same model meanwhile, waits on the OS file lock of that file
        fake.holdFirst = true;
        Path log = Fixtures.tempDir("hub-other-").resolve("out.txt");
        Process other = new ProcessBuilder(
                        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                        "-cp",
                        System.getProperty("java.class.path"),
                        OtherProcess.class.getName(),
                        endpoint,
                        cache.toString())
                .redirectErrorStream(true)
                .redirectOutput(log.toFile())
                .start();
        try {
            assertThat(fake.firstRequest.await(120, TimeUnit.SECONDS))
                    .as("the other process asked for model.safetensors")
                    .isTrue();
            ExecutorService one = Executors.newSingleThreadExecutor();
            Future<HubModels.Pulled> pulling = one.submit(() -> pull(client(false), "test/tiny"));
            HubModels.Pulled here;
            try {
                awaitWaiter(weightsLock());
                fake.release.countDown();
                here = pulling.get(120, TimeUnit.SECONDS);
            } finally {
                one.shutdownNow();
            }
            assertThat(other.waitFor(120, TimeUnit.SECONDS))
                    .as("the other process ended")
                    .isTrue();
            String out = Files.readString(log);
            assertThat(other.exitValue()).as(out).isZero();
            assertThat(fake.weightGets.get())
                    .as("model.safetensors requests that reached the server")
                    .isEqualTo(1);
            assertThat(here.requests())
                    .as("this pull found every file in the cache")
                    .isZero();
            assertThat(out).as(out).contains("bundle " + here.bundle());
            assertThat(List.of(here.converted(), out.contains("converted true")))
                    .as("converted once")
                    .containsExactlyInAnyOrder(true, false);
            assertThat(here.snapshot().resolve("model.safetensors"))
                    .hasSameBinaryContentAs(TINY.resolve("model.safetensors"));
            assertThat(leftovers()).isEmpty();
        } finally {
            other.destroyForcibly();
        }
    }

    /** The other crest process of the test above: pulls test/tiny from ENDPOINT into CACHE. */
    static final class OtherProcess {
        public static void main(String[] args) {
            HubModels.Pulled p = pull(new HubClient(args[0], null, Path.of(args[1]), false), "test/tiny");
            System.out.println("bundle " + p.bundle());
            System.out.println("converted " + p.converted());
        }
    }

    @Test
    void repoSpecs() {
        assertThat(HubClient.Repo.parse("repelloai/CREST-Base"))
                .isEqualTo(new HubClient.Repo("repelloai/CREST-Base", "main"));
        assertThat(HubClient.Repo.parse("org/name@v1.0")).isEqualTo(new HubClient.Repo("org/name", "v1.0"));
        assertThat(HubClient.Repo.parse("org/name").folderName()).isEqualTo("models--org--name");
        for (String bad : new String[] {"", "a/b/c", "../x", "org/na me", "org/name@", "org--x/y"}) {
            assertThatThrownBy(() -> HubClient.Repo.parse(bad)).as(bad).hasMessageContaining("expected ORG/NAME");
        }
    }
}
