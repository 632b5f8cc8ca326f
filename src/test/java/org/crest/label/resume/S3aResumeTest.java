package org.crest.label.resume;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.SparkSession;
import org.crest.Fixtures;
import org.crest.S3TestBucket;
import org.crest.SparkTestSession;
import org.crest.label.LabelOptions;
import org.crest.label.Labels;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code label --resume} from s3a:// to s3a:// against an in-process s3proxy on loopback: the folder rename of the
 * commit is S3A's copy and delete, the manifest records the objects' etags, and a file rewritten with the same size
 * is detected (by its modification time, or by its etag when the rewrite falls in the same second, S3's resolution)
 * and relabeled.
 * Settings are per bucket and removed afterwards, as in S3aLabelTest.
 */
class S3aResumeTest {
    private static final String BUCKET = "crest-s3a-resume";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static S3TestBucket s3;
    private static SparkSession spark;
    private static Configuration conf;

    @BeforeAll
    static void startS3() throws Exception {
        spark = SparkTestSession.get();
        conf = spark.sparkContext().hadoopConfiguration();
        s3 = S3TestBucket.start(BUCKET, "resume-access", "resume-secret-not-real", conf);
        s3.endpoint(s3.serverPort());
    }

    @AfterAll
    static void stopS3() throws Exception {
        if (s3 != null) {
            s3.close();
        }
    }

    private static void put(FileSystem fs, String path, String text) throws IOException {
        try (OutputStream os = fs.create(new Path(path), true)) {
            os.write(text.getBytes(StandardCharsets.UTF_8));
        }
    }

    private static JsonNode read(FileSystem fs, String path) throws IOException {
        try (InputStream in = fs.open(new Path(path))) {
            return JSON.readTree(in);
        }
    }

    @Test
    void commitsOnS3SkipsUnchangedAndSeesARewriteByItsEtag() throws IOException {
        String in = "s3a://" + BUCKET + "/logs";
        String out = "s3a://" + BUCKET + "/audit";
        FileSystem fs = new Path(in).getFileSystem(conf);
        String file = in + "/dt=2026-11-27/part-0.jsonl";
        put(
                fs,
                file,
                "{\"id\":\"s1\",\"text\":\"first message\"}\n{\"id\":\"s2\",\"text\":\"second message\"}\n"
                        + "{\"id\":\"s3\",\"text\":null}\n");
        LabelOptions o =
                Labels.options(in, out, Fixtures.INDEPENDENT.resolve("bundle").toString());
        ResumableLabel.Options resume = new ResumableLabel.Options(false, List.of());

        ResumeSummary first = ResumableLabel.run(spark, o, resume);
        assertThat(first.partitionsCommitted()).isEqualTo(1);
        assertThat(first.rowsIn()).isEqualTo(3);
        assertThat(first.rowsQuarantined()).isEqualTo(1);
        JsonNode manifest = read(fs, out + "/dt=2026-11-27/_crest_manifest.json");
        assertThat(manifest.at("/input_files/0/etag").asText())
                .as("S3 etag recorded")
                .isNotBlank();
        assertThat(manifest.get("output_files").toString()).contains(".parquet", "_quarantine/");
        assertThat(spark.read().parquet(out + "/dt=2026-11-27").count()).isEqualTo(2);
        assertThat(spark.read().parquet(out + "/dt=2026-11-27/_quarantine").count())
                .isEqualTo(1);
        assertThat(fs.exists(new Path(out + "/_crest_staging")))
                .as("staging removed")
                .isFalse();

        ResumeSummary second = ResumableLabel.run(spark, o, resume);
        assertThat(second.partitionsSkipped()).isEqualTo(1);
        assertThat(read(fs, out + "/dt=2026-11-27/_crest_manifest.json")).isEqualTo(manifest);

        // same size, other content: "first" -> "fixed"
        put(
                fs,
                file,
                "{\"id\":\"s1\",\"text\":\"fixed message\"}\n{\"id\":\"s2\",\"text\":\"second message\"}\n"
                        + "{\"id\":\"s3\",\"text\":null}\n");
        ResumeSummary third = ResumableLabel.run(spark, o, resume);
        assertThat(third.partitionsReprocessed()).isEqualTo(1);
        assertThat(third.partitions().get(0).reason())
                .contains("input files changed", "part-0.jsonl")
                .containsAnyOf("etag", "modified");
        assertThat(third.conserved()).isTrue();
        assertThat(read(fs, out + "/dt=2026-11-27/_crest_manifest.json")
                        .get("run_id")
                        .asText())
                .isEqualTo(third.runId());
    }
}
