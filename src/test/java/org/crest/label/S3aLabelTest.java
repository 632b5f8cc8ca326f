package org.crest.label;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.crest.Columns;
import org.crest.Fixtures;
import org.crest.S3TestBucket;
import org.crest.SparkTestSession;
import org.crest.UsageException;
import org.gaul.s3proxy.blobstore.BlobStore;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code crest label} end to end against S3 through s3a: an in-process s3proxy (in-memory blob store,
 * SigV2/V4 auth) on loopback holds the input and receives the Parquet output, the quarantine and the
 * summary. The s3a settings are per bucket ({@code fs.s3a.bucket.NAME.*}), so other tests sharing the
 * Spark session are unaffected, and they are removed again afterwards.
 */
class S3aLabelTest {
    private static final double TOL = 1e-4;
    private static final String BUCKET = "crest-s3a-test";
    private static final String ACCESS_KEY = "crest-test-access";
    private static final String SECRET_KEY = "crest-test-secret-do-not-use";
    private static final ObjectMapper JSON = new ObjectMapper();

    private static S3TestBucket s3;
    private static BlobStore store;
    private static SparkSession spark;
    private static Configuration conf;

    /** Expectations derived from the fixture files themselves. */
    private static long inputRows;

    private static Map<String, Double> reference;
    private static Map<String, Long> expectedReasons;
    private static String bundle;

    @BeforeAll
    static void startS3() throws Exception {
        spark = SparkTestSession.get();
        conf = spark.sparkContext().hadoopConfiguration();
        s3 = S3TestBucket.start(BUCKET, ACCESS_KEY, SECRET_KEY, conf);
        store = s3.store;
        s3.endpoint(s3.serverPort())
                .set("retry.throttle.interval", "50ms")
                .set("retry.limit", "3")
                .set("attempts.maximum", "3")
                .set("connection.establish.timeout", "15s") // s3a raises anything lower to 15 s, with a warning
                .set("connection.timeout", "30s");

        // expectations, from the fixture files rather than from constants
        java.nio.file.Path dir = Fixtures.INDEPENDENT;
        inputRows = Files.readAllLines(dir.resolve("input.jsonl")).stream()
                .filter(l -> !l.isBlank())
                .count();
        reference = new TreeMap<>();
        for (JsonNode r : Fixtures.jsonLines(dir.resolve("reference.jsonl"))) {
            assertThat(reference.put(r.get("id").asText(), r.get("p_unsafe_max").asDouble()))
                    .as("duplicate id")
                    .isNull();
        }
        JsonNode bad = Fixtures.json(dir.resolve("expected_bad.json"));
        expectedReasons = new TreeMap<>();
        for (JsonNode q : bad.get("quarantined")) {
            expectedReasons.merge(q.get("reason").asText(), 1L, Long::sum);
            assertThat(reference).doesNotContainKey(q.get("id").asText());
        }
        assertThat(bad.get("total_lines").asLong()).isEqualTo(inputRows);
        assertThat(bad.get("good_rows").asLong()).isEqualTo(reference.size());
        assertThat((long) reference.size() + bad.get("quarantined").size()).isEqualTo(inputRows);
        // the documented fixture sizes; the checks below use the derived values
        assertThat(inputRows).isEqualTo(42);
        assertThat(reference).hasSize(37);
        assertThat(bad.get("quarantined").size()).isEqualTo(5);
        bundle = dir.resolve("bundle").toAbsolutePath().toString();

        upload(dir.resolve("input.jsonl"), "s3a://" + BUCKET + "/in/day=1/input.jsonl");
    }

    @AfterAll
    static void stopS3() throws Exception {
        if (s3 != null) {
            s3.close();
        }
    }

    @Test
    void labelsFromS3aToS3a() throws IOException {
        String out = "s3a://" + BUCKET + "/out";
        LabelSummary s = LabelJob.run(spark, Labels.options("s3a://" + BUCKET + "/in/", out, bundle));

        assertCounts(s);
        assertThat(s.inputFiles()).isEqualTo(1);
        assertThat(s.mode()).isEqualTo("error-if-exists");
        assertOutput(out);
    }

    @Test
    void rerunWithoutOverwriteFailsAndOverwriteReplaces() throws IOException {
        String out = "s3a://" + BUCKET + "/rerun";
        LabelOptions o = Labels.options("s3a://" + BUCKET + "/in/", out, bundle);
        assertCounts(LabelJob.run(spark, o));

        assertThatThrownBy(() -> LabelJob.run(spark, o))
                .isInstanceOf(UsageException.class)
                .hasMessageContaining("already exists");

        LabelSummary again = LabelJob.run(spark, Labels.overwrite(o));
        assertCounts(again);
        assertThat(again.mode()).isEqualTo("overwrite");
        assertOutput(out); // replaced, not appended: every id still exactly once
    }

    private static void assertCounts(LabelSummary s) {
        assertThat(s.status()).isEqualTo("ok");
        assertThat(s.rowsIn()).isEqualTo(inputRows);
        assertThat(s.rowsLabeled()).isEqualTo(reference.size());
        assertThat(s.rowsQuarantined()).isEqualTo(inputRows - reference.size());
        assertThat(s.rowsIn()).isEqualTo(s.rowsLabeled() + s.rowsQuarantined());
        assertThat(s.quarantineReasons()).isEqualTo(expectedReasons);
    }

    private static void assertOutput(String out) throws IOException {
        // the summary landed in the bucket: visible through s3a and in the blob store itself
        Path summaryPath = new Path(out, Columns.SUMMARY_FILE);
        FileSystem fs = summaryPath.getFileSystem(conf);
        assertThat(fs.exists(summaryPath)).isTrue();
        String key = URI.create(out).getPath().substring(1) + "/" + Columns.SUMMARY_FILE;
        assertThat(store.blobExists(BUCKET, key)).as("blob %s", key).isTrue();
        JsonNode summary;
        try (InputStream in = fs.open(summaryPath)) {
            summary = JSON.readTree(in);
        }
        assertThat(summary.get("rows_in").asLong()).isEqualTo(inputRows);
        assertThat(summary.get("rows_labeled").asLong()).isEqualTo(reference.size());
        assertThat(summary.get("rows_quarantined").asLong()).isEqualTo(inputRows - reference.size());
        assertThat(summary.get("output").asText()).isEqualTo(out);

        // every good id exactly once, scored like the reference
        List<Row> rows =
                spark.read().parquet(out).select("id", Columns.SCORE_COL).collectAsList();
        Map<String, Integer> seen = new HashMap<>();
        List<String> wrong = new ArrayList<>();
        for (Row r : rows) {
            String id = r.getString(0);
            seen.merge(id, 1, Integer::sum);
            Double expected = reference.get(id);
            if (expected == null || Math.abs(expected - r.getDouble(1)) > TOL) {
                wrong.add(id + ": " + r.getDouble(1) + " vs " + expected);
            }
        }
        assertThat(rows).hasSize(reference.size());
        assertThat(seen.keySet()).containsExactlyInAnyOrderElementsOf(reference.keySet());
        assertThat(seen.values()).allMatch(n -> n == 1);
        assertThat(wrong).isEmpty();

        // the quarantine, read back from s3a
        List<Row> q = spark.read()
                .parquet(out + "/" + Columns.QUARANTINE_DIR)
                .select(Columns.ERROR_COL)
                .collectAsList();
        assertThat(q).hasSize((int) (inputRows - reference.size()));
        Map<String, Long> reasons = new TreeMap<>();
        for (Row r : q) {
            assertThat(r.isNullAt(0)).isFalse();
            reasons.merge(r.getString(0), 1L, Long::sum);
        }
        assertThat(reasons).isEqualTo(expectedReasons);
    }

    private static void upload(java.nio.file.Path local, String dest) throws IOException {
        Path p = new Path(dest);
        FileSystem fs = p.getFileSystem(conf);
        try (OutputStream os = fs.create(p, false)) {
            Files.copy(local, os);
        }
        assertThat(fs.getFileStatus(p).getLen()).isEqualTo(Files.size(local));
        assertThat(store.blobExists(BUCKET, "in/day=1/input.jsonl")).isTrue();
    }
}
