package org.crest.job;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.SparkSession;
import org.crest.Fixtures;
import org.crest.SparkTestSession;
import org.gaul.s3proxy.S3Proxy;
import org.gaul.s3proxy.auth.AuthenticationType;
import org.gaul.s3proxy.blobstore.BlobStore;
import org.gaul.s3proxy.nio2blob.TransientNio2BlobStore;
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
  private static final String PREFIX = "fs.s3a.bucket." + BUCKET + ".";
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final List<String> keysSet = new ArrayList<>();
  private static BlobStore store;
  private static S3Proxy proxy;
  private static SparkSession spark;
  private static Configuration conf;

  @BeforeAll
  static void startS3() throws Exception {
    store = new TransientNio2BlobStore();
    store.createContainer(BUCKET);
    proxy = S3Proxy.builder().blobStore(store).endpoint(URI.create("http://127.0.0.1:0"))
        .awsAuthentication(AuthenticationType.AWS_V2_OR_V4, "resume-access", "resume-secret-not-real").build();
    proxy.start();
    spark = SparkTestSession.get();
    conf = spark.sparkContext().hadoopConfiguration();
    set("endpoint", "http://127.0.0.1:" + proxy.getPort());
    set("endpoint.region", "us-east-1");
    set("path.style.access", "true");
    set("connection.ssl.enabled", "false");
    set("aws.credentials.provider", "org.apache.hadoop.fs.s3a.SimpleAWSCredentialsProvider");
    set("access.key", "resume-access");
    set("secret.key", "resume-secret-not-real");
    set("retry.interval", "50ms");
    set("buffer.dir", Fixtures.tempDir("s3a-resume-buffer").toAbsolutePath().toString());
  }

  private static void set(String key, String value) {
    conf.set(PREFIX + key, value);
    keysSet.add(PREFIX + key);
  }

  @AfterAll
  static void stopS3() throws Exception {
    try {
      if (conf != null) {
        FileSystem.get(URI.create("s3a://" + BUCKET + "/"), conf).close();
        keysSet.forEach(conf::unset);
      }
    } finally {
      try {
        if (proxy != null) {
          proxy.stop();
        }
      } finally {
        if (store != null) {
          store.close();
        }
      }
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
    put(fs, file, "{\"id\":\"s1\",\"text\":\"first message\"}\n{\"id\":\"s2\",\"text\":\"second message\"}\n"
        + "{\"id\":\"s3\",\"text\":null}\n");
    LabelOptions o = Labels.options(in, out, Fixtures.INDEPENDENT.resolve("bundle").toString());
    ResumableLabel.Options resume = new ResumableLabel.Options(false, List.of());

    ResumeSummary first = ResumableLabel.run(spark, o, resume);
    assertThat(first.partitionsCommitted()).isEqualTo(1);
    assertThat(first.rowsIn()).isEqualTo(3);
    assertThat(first.rowsQuarantined()).isEqualTo(1);
    JsonNode manifest = read(fs, out + "/dt=2026-11-27/_crest_manifest.json");
    assertThat(manifest.at("/input_files/0/etag").asText()).as("S3 etag recorded").isNotBlank();
    assertThat(manifest.get("output_files").toString()).contains(".parquet", "_quarantine/");
    assertThat(spark.read().parquet(out + "/dt=2026-11-27").count()).isEqualTo(2);
    assertThat(spark.read().parquet(out + "/dt=2026-11-27/_quarantine").count()).isEqualTo(1);
    assertThat(fs.exists(new Path(out + "/_crest_staging"))).as("staging removed").isFalse();

    ResumeSummary second = ResumableLabel.run(spark, o, resume);
    assertThat(second.partitionsSkipped()).isEqualTo(1);
    assertThat(read(fs, out + "/dt=2026-11-27/_crest_manifest.json")).isEqualTo(manifest);

    // same size, other content: "first" -> "fixed"
    put(fs, file, "{\"id\":\"s1\",\"text\":\"fixed message\"}\n{\"id\":\"s2\",\"text\":\"second message\"}\n"
        + "{\"id\":\"s3\",\"text\":null}\n");
    ResumeSummary third = ResumableLabel.run(spark, o, resume);
    assertThat(third.partitionsReprocessed()).isEqualTo(1);
    assertThat(third.partitions().get(0).reason()).contains("input files changed", "part-0.jsonl")
        .containsAnyOf("etag", "modified");
    assertThat(third.conserved()).isTrue();
    assertThat(read(fs, out + "/dt=2026-11-27/_crest_manifest.json").get("run_id").asText())
        .isEqualTo(third.runId());
  }
}
