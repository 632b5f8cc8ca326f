package org.crest.spark;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.crest.Columns;
import org.crest.Fixtures;
import org.crest.S3TestBucket;
import org.crest.SparkTestSession;
import org.crest.label.LabelJob;
import org.crest.label.LabelOptions;
import org.crest.label.LabelSummary;
import org.crest.label.Labels;
import org.gaul.s3proxy.blobstore.BlobStore;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import software.amazon.awssdk.core.ResponseInputStream;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Request;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * {@code crest label} to s3a:// through the S3A committers, with an S3 that misbehaves: s3a talks to an
 * in-process s3proxy through {@link FaultProxy}, which answers every 11th request with 503 SlowDown and resets the
 * connection on every 7th. The job must succeed with complete output, the committer's {@code _SUCCESS} manifest
 * and nothing left behind. A job whose uploads or whose commit fail must leave nothing a reader would take for
 * output. A "reader" here is a listing of the store taken after every single request s3a makes (the proxy serves
 * one request at a time), so it sees every state the destination passes through.
 */
class S3CommitterTest {
    private static final String BUCKET = "crest-commit-test";
    private static final String ACCESS_KEY = "crest-commit-access";
    private static final String SECRET_KEY = "crest-commit-secret-do-not-use";
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Partitions of the scored output, so that a job commits several files. */
    private static final int PARTS = 2;
    /** Fault rates: every n-th request of the job gets 503 SlowDown, every m-th a connection reset. */
    private static final int SLOW_DOWN_EVERY = Integer.getInteger("crest.test.slowDownEvery", 11);

    private static final int RESET_EVERY = Integer.getInteger("crest.test.resetEvery", 7);

    private static BlobStore store;
    private static S3TestBucket s3;
    private static FaultProxy proxy;
    private static SparkSession spark;
    private static Configuration conf;
    private static String committerBefore;
    private static boolean chose;

    private static long inputRows;
    private static Set<String> goodIds;
    private static Map<String, Long> expectedReasons;
    private static String bundle;
    private static String input;

    @BeforeAll
    static void start() throws Exception {
        spark = SparkTestSession.get();
        conf = spark.sparkContext().hadoopConfiguration();
        s3 = S3TestBucket.start(BUCKET, ACCESS_KEY, SECRET_KEY, conf);
        store = s3.store;
        proxy = new FaultProxy(s3.serverPort());
        s3.endpoint(proxy.port());
        // fast retries: s3a's own (interval, throttle interval) and the SDK's attempts
        set("retry.throttle.interval", "50ms");
        set("retry.limit", "5");
        set("retry.throttle.limit", "10");
        set("attempts.maximum", "5");
        set("connection.establish.timeout", "15s"); // s3a raises anything lower to 15 s
        set("connection.timeout", "30s");

        java.nio.file.Path dir = Fixtures.INDEPENDENT;
        inputRows = Files.readAllLines(dir.resolve("input.jsonl")).stream()
                .filter(l -> !l.isBlank())
                .count();
        goodIds = new TreeSet<>();
        for (JsonNode r : Fixtures.jsonLines(dir.resolve("reference.jsonl"))) {
            goodIds.add(r.get("id").asText());
        }
        expectedReasons = new TreeMap<>();
        for (JsonNode q : Fixtures.json(dir.resolve("expected_bad.json")).get("quarantined")) {
            expectedReasons.merge(q.get("reason").asText(), 1L, Long::sum);
        }
        assertThat(goodIds.size()
                        + expectedReasons.values().stream()
                                .mapToLong(Long::longValue)
                                .sum())
                .as("fixture: good + bad rows = input rows")
                .isEqualTo(inputRows);
        bundle = dir.resolve("bundle").toAbsolutePath().toString();

        input = "s3a://" + BUCKET + "/in/input.jsonl";
        Path p = new Path(input);
        try (OutputStream os = p.getFileSystem(conf).create(p, false)) {
            Files.copy(dir.resolve("input.jsonl"), os);
        }
        assertThat(store.blobExists(BUCKET, "in/input.jsonl"))
                .as("input uploaded")
                .isTrue();
    }

    @AfterEach
    void quiet() {
        proxy.faults(0, 0).denyWhen(r -> false).afterEach(() -> {});
        if (chose) { // the session's own value (Spark 4 fills in magic) back
            if (committerBefore == null) {
                conf.unset(S3Committers.COMMITTER_KEY);
            } else {
                conf.set(S3Committers.COMMITTER_KEY, committerBefore);
            }
            chose = false;
        }
    }

    @AfterAll
    static void stop() throws Exception {
        try {
            if (proxy != null) {
                proxy.close();
            }
        } finally {
            if (s3 != null) {
                s3.close();
            }
        }
    }

    /** magic by default; directory chosen the way spark.hadoop.fs.s3a.committer.name (or --s3-committer) sets it. */
    private static void choose(String committer) {
        if (!committer.equals("magic")) {
            committerBefore = conf.get(S3Committers.COMMITTER_KEY);
            chose = true;
            conf.set(S3Committers.COMMITTER_KEY, committer);
        }
    }

    private static LabelOptions options(String out) {
        return Labels.batching(Labels.options(input, out, bundle), 4096, 64, 4096, PARTS);
    }

    @ParameterizedTest
    @ValueSource(strings = {"magic", "directory"})
    void labelsCompletelyThroughThrottlingAndResets(String committer) throws IOException {
        String prefix = "ok-" + committer;
        String out = "s3a://" + BUCKET + "/" + prefix;
        choose(committer);
        Watcher w = new Watcher(prefix);
        proxy.faults(SLOW_DOWN_EVERY, RESET_EVERY).afterEach(w::look);

        long t0 = System.nanoTime();
        LabelSummary s = LabelJob.run(spark, options(out));
        long slowDowns = proxy.slowDowns();
        long resets = proxy.resets();
        long requests = proxy.requests();
        proxy.faults(0, 0).afterEach(() -> {});
        System.out.printf(
                "S3CommitterTest %s: %d requests, %d SlowDown, %d resets, job %.1f s%n",
                committer, requests, slowDowns, resets, (System.nanoTime() - t0) / 1e9);

        assertThat(slowDowns)
                .as("503 SlowDown injected (of %d requests)", requests)
                .isPositive();
        assertThat(resets)
                .as("connection resets injected (of %d requests)", requests)
                .isPositive();
        assertThat(s.status()).isEqualTo("ok");
        assertThat(s.rowsIn()).as("rows_in").isEqualTo(inputRows);
        assertThat(s.rowsLabeled()).as("rows_labeled").isEqualTo(goodIds.size());
        assertThat(s.rowsIn()).as("rows_in = labeled + quarantined").isEqualTo(s.rowsLabeled() + s.rowsQuarantined());
        assertThat(s.quarantineReasons()).isEqualTo(expectedReasons);

        Set<String> keys = w.keysNow();
        Set<String> parts = dataFiles(keys, prefix);
        Set<String> qparts = dataFiles(keys, prefix + "/" + Columns.QUARANTINE_DIR);
        assertThat(parts).as("part files of %s", out).hasSize(PARTS);
        assertThat(qparts).as("quarantine part files").isNotEmpty();
        assertThat(keys).as("the summary").contains(prefix + "/" + Columns.SUMMARY_FILE);
        assertThat(keys)
                .as("nothing left behind by the committer")
                .noneMatch(k -> k.contains("__magic")
                        || k.contains("_temporary")
                        || k.endsWith(".pending")
                        || k.endsWith(".pendingset"));
        assertThat(pendingUploads(prefix)).as("no multipart upload left open").isEmpty();

        // _SUCCESS is the committer's JSON manifest, naming it and every file it committed
        JsonNode success = json(prefix + "/_SUCCESS");
        assertThat(success.get("committer").asText())
                .as("committer in _SUCCESS")
                .isEqualTo(committer);
        assertThat(filenames(success)).as("files in _SUCCESS").isEqualTo(parts);
        JsonNode qsuccess = json(prefix + "/" + Columns.QUARANTINE_DIR + "/_SUCCESS");
        assertThat(qsuccess.get("committer").asText()).isEqualTo(committer);
        assertThat(filenames(qsuccess)).isEqualTo(qparts);

        // the rows, read back: every good id exactly once, every bad row quarantined with its reason
        List<Row> rows = spark.read().parquet(out).select("id").collectAsList();
        Map<String, Integer> seen = new HashMap<>();
        rows.forEach(r -> seen.merge(r.getString(0), 1, Integer::sum));
        assertThat(rows).as("labeled rows").hasSize(goodIds.size());
        assertThat(seen.keySet()).isEqualTo(goodIds);
        Map<String, Long> reasons = new TreeMap<>();
        for (Row r : spark.read()
                .parquet(out + "/" + Columns.QUARANTINE_DIR)
                .groupBy(Columns.ERROR_COL)
                .count()
                .collectAsList()) {
            reasons.put(r.getString(0), r.getLong(1));
        }
        assertThat(reasons).as("quarantine read back").isEqualTo(expectedReasons);
        JsonNode summary = json(prefix + "/" + Columns.SUMMARY_FILE);
        assertThat(summary.get("rows_in").asLong()).isEqualTo(inputRows);
        assertThat(summary.get("rows_labeled").asLong()
                        + summary.get("rows_quarantined").asLong())
                .isEqualTo(inputRows);

        // the s3a credentials are nowhere in what the job wrote (summary, manifests with their diagnostics, data)
        for (String k : keys) {
            String text = new String(bytes(k), java.nio.charset.StandardCharsets.ISO_8859_1);
            assertThat(text).as("object %s", k).doesNotContain(SECRET_KEY).doesNotContain(ACCESS_KEY);
        }

        // what readers could have seen, after every request
        w.assertNothingButFinalOutputVisible(keys);
        w.assertSuccessAndSummaryOnlyWithCompleteOutput(keys);
        assertThat(w.sawPendingUploadsBeforeAnyPartFile())
                .as("data uploaded (pending multipart uploads) before any " + "part file was visible")
                .isTrue();
        if (committer.equals("magic")) {
            assertThat(w.sawMagicPaths())
                    .as("magic committer staged under __magic")
                    .isTrue();
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"magic", "directory"})
    void jobWhoseUploadsFailLeavesNothingForReaders(String committer) {
        String prefix = "upload-fails-" + committer;
        String out = "s3a://" + BUCKET + "/" + prefix;
        choose(committer);
        Watcher w = new Watcher(prefix);
        proxy.faults(0, 0)
                .afterEach(w::look)
                .denyWhen(r -> r.isUploadPart() && r.key().startsWith(prefix + "/"));

        assertThatThrownBy(() -> LabelJob.run(spark, options(out)))
                .as("the job fails")
                .isInstanceOf(Exception.class);
        assertThat(proxy.denied()).as("uploads refused").isPositive();
        proxy.denyWhen(r -> false).afterEach(() -> {});

        Set<String> keys = w.keysNow();
        assertThat(w.everVisible()).as("data files readers ever saw").isEmpty();
        assertThat(w.everSeen())
                .as("_SUCCESS or summary ever seen")
                .noneMatch(k -> k.endsWith("/_SUCCESS") || k.endsWith(Columns.SUMMARY_FILE));
        assertThat(keys).as("left behind").noneMatch(k -> k.contains("__magic") || k.endsWith(".pending"));
        assertThat(pendingUploads(prefix)).as("multipart uploads aborted").isEmpty();
    }

    @ParameterizedTest
    @ValueSource(strings = {"magic", "directory"})
    void jobWhoseCommitFailsHalfwayIsRevertedAndNeverMarkedDone(String committer) {
        String prefix = "commit-fails-" + committer;
        String out = "s3a://" + BUCKET + "/" + prefix;
        choose(committer);
        Watcher w = new Watcher(prefix);
        AtomicInteger completes = new AtomicInteger();
        // the first multipart upload of the destination completes (a part file appears), the others are refused
        proxy.faults(0, 0)
                .afterEach(w::look)
                .denyWhen(r ->
                        r.isCompleteUpload() && r.key().startsWith(prefix + "/") && completes.incrementAndGet() > 1);

        assertThatThrownBy(() -> LabelJob.run(spark, options(out)))
                .as("the job fails")
                .isInstanceOf(Exception.class);
        assertThat(proxy.denied()).as("completions refused").isPositive();
        proxy.denyWhen(r -> false).afterEach(() -> {});

        Set<String> keys = w.keysNow();
        assertThat(dataFiles(keys, prefix))
                .as("part files left at the destination")
                .isEmpty();
        assertThat(w.everSeen())
                .as("_SUCCESS or summary ever seen")
                .noneMatch(k -> k.endsWith("/_SUCCESS") || k.endsWith(Columns.SUMMARY_FILE));
        assertThat(keys).as("left behind").noneMatch(k -> k.contains("__magic") || k.endsWith(".pending"));
        assertThat(pendingUploads(prefix)).as("multipart uploads aborted").isEmpty();
        // the commit window: the one completed file was visible for a while, without _SUCCESS; see docs/S3.md
        assertThat(w.everVisible())
                .as("a part file was briefly visible before the revert")
                .hasSize(1);
    }

    /** Listings of the destination, one after each request s3a made. */
    private static final class Watcher {
        private final String prefix;
        private final List<Set<String>> snapshots = new ArrayList<>();
        private final List<Integer> pending = new ArrayList<>();

        Watcher(String prefix) {
            this.prefix = prefix;
        }

        synchronized void look() {
            snapshots.add(keysNow());
            pending.add(pendingUploads(prefix).size());
        }

        Set<String> keysNow() {
            Set<String> keys = new TreeSet<>();
            String token = null;
            do {
                var resp = store.list(ListObjectsV2Request.builder()
                        .bucket(BUCKET)
                        .prefix(prefix + "/")
                        .continuationToken(token)
                        .build());
                for (S3Object o : resp.contents()) {
                    if (!o.key().endsWith("/")) {
                        keys.add(o.key());
                    }
                }
                token = Boolean.TRUE.equals(resp.isTruncated()) ? resp.nextContinuationToken() : null;
            } while (token != null);
            return keys;
        }

        synchronized Set<String> everSeen() {
            Set<String> all = new TreeSet<>();
            snapshots.forEach(all::addAll);
            return all;
        }

        /** Data files a reader of the output or of its quarantine would have read, at any time. */
        Set<String> everVisible() {
            Set<String> v = new TreeSet<>(dataFiles(everSeen(), prefix));
            v.addAll(dataFiles(everSeen(), prefix + "/" + Columns.QUARANTINE_DIR));
            return v;
        }

        boolean sawMagicPaths() {
            return everSeen().stream().anyMatch(k -> k.contains("/__magic"));
        }

        synchronized boolean sawPendingUploadsBeforeAnyPartFile() {
            for (int i = 0; i < snapshots.size(); i++) {
                if (!dataFiles(snapshots.get(i), prefix).isEmpty()) {
                    return false;
                }
                if (pending.get(i) > 0) {
                    return true;
                }
            }
            return false;
        }

        /** No temporary or partial file ever appeared under a name readers read. */
        synchronized void assertNothingButFinalOutputVisible(Set<String> finalKeys) {
            assertThat(snapshots).as("listings taken").hasSizeGreaterThan(10);
            assertThat(everVisible())
                    .as("every data file readers could see is final output")
                    .isSubsetOf(finalKeys);
        }

        /** _SUCCESS only with all its files; the summary only with the complete output (it is written last). */
        synchronized void assertSuccessAndSummaryOnlyWithCompleteOutput(Set<String> finalKeys) {
            String qdir = prefix + "/" + Columns.QUARANTINE_DIR;
            Set<String> parts = dataFiles(finalKeys, prefix);
            Set<String> qparts = dataFiles(finalKeys, qdir);
            int firstSuccess = -1;
            int firstSummary = -1;
            for (int i = 0; i < snapshots.size(); i++) {
                Set<String> s = snapshots.get(i);
                if (s.contains(prefix + "/_SUCCESS")) {
                    assertThat(s)
                            .as("listing %d: _SUCCESS with all part files", i)
                            .containsAll(parts);
                    firstSuccess = firstSuccess < 0 ? i : firstSuccess;
                }
                if (s.contains(qdir + "/_SUCCESS")) {
                    assertThat(s)
                            .as("listing %d: quarantine _SUCCESS with its files", i)
                            .containsAll(qparts);
                }
                if (s.contains(prefix + "/" + Columns.SUMMARY_FILE)) {
                    assertThat(s)
                            .as("listing %d: the summary with the complete output", i)
                            .containsAll(parts)
                            .containsAll(qparts)
                            .contains(prefix + "/_SUCCESS", qdir + "/_SUCCESS");
                    firstSummary = firstSummary < 0 ? i : firstSummary;
                }
            }
            assertThat(firstSuccess).as("_SUCCESS seen").isNotNegative();
            assertThat(firstSummary).as("summary seen after _SUCCESS").isGreaterThan(firstSuccess);
        }
    }

    /** Files directly or deeper under {@code dir} that Spark would read: no path part starting with _ or . */
    private static Set<String> dataFiles(Set<String> keys, String dir) {
        return keys.stream()
                .filter(k -> k.startsWith(dir + "/"))
                .filter(k -> {
                    for (String part : k.substring(dir.length() + 1).split("/")) {
                        if (part.startsWith("_") || part.startsWith(".")) {
                            return false;
                        }
                    }
                    return true;
                })
                .collect(Collectors.toCollection(TreeSet::new));
    }

    private static List<String> pendingUploads(String prefix) {
        return store.listMultipartUploads(BUCKET).stream()
                .map(u -> u.key())
                .filter(k -> k.startsWith(prefix + "/"))
                .collect(Collectors.toList());
    }

    private static Set<String> filenames(JsonNode success) {
        Set<String> names = new TreeSet<>();
        success.get("filenames").forEach(n -> names.add(n.asText().replaceFirst("^/", "")));
        return names;
    }

    private static byte[] bytes(String key) {
        try (ResponseInputStream<GetObjectResponse> in = store.getBlob(BUCKET, key)) {
            return in.readAllBytes();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static JsonNode json(String key) {
        try (ResponseInputStream<GetObjectResponse> in = store.getBlob(BUCKET, key)) {
            return JSON.readTree((InputStream) in);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static void set(String key, String value) {
        s3.set(key, value);
    }
}
