package org.crest.label;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.io.OutputStream;
import java.net.URI;
import java.nio.file.Files;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.crest.Columns;
import org.crest.Fixtures;
import org.crest.ModelException;
import org.crest.S3TestBucket;
import org.crest.SparkTestSession;
import org.crest.inference.ModelBundle;
import org.crest.model.ModelResolver;
import org.crest.model.RemoteBundles;
import org.crest.spark.Models;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code --model} from where users keep bundles: an S3 folder (s3proxy on loopback, through s3a), a .zip and a
 * .tar.gz. The bundle is copied to the local cache once, checked, and labels exactly as the local folder does; a
 * partial or altered remote bundle is refused before any row is read.
 */
class RemoteModelTest {
    private static final String BUCKET = "crest-model-test";
    private static final java.nio.file.Path BUNDLE =
            Fixtures.INDEPENDENT.resolve("bundle").toAbsolutePath();
    private static final List<String> FILES = List.of("model.onnx", "tokenizer.json", "config.json");
    private static S3TestBucket s3;
    private static SparkSession spark;
    private static FileSystem fs;
    private static String previousCache;

    @BeforeAll
    static void start() throws Exception {
        spark = SparkTestSession.get();
        Configuration conf = spark.sparkContext().hadoopConfiguration();
        s3 = S3TestBucket.start(BUCKET, "crest-model-access", "crest-model-secret-do-not-use", conf);
        s3.endpoint(s3.serverPort()).set("retry.limit", "2").set("attempts.maximum", "2");
        fs = FileSystem.get(URI.create("s3a://" + BUCKET + "/"), conf);
        previousCache = System.getProperty(RemoteBundles.CACHE_PROPERTY);
        System.setProperty(
                RemoteBundles.CACHE_PROPERTY, Fixtures.tempDir("model-cache-").toString());
        for (String f : FILES) {
            fs.copyFromLocalFile(
                    new Path(BUNDLE.resolve(f).toString()), new Path("s3a://" + BUCKET + "/models/crest/" + f));
        }
    }

    @AfterAll
    static void stop() throws Exception {
        if (previousCache == null) {
            System.clearProperty(RemoteBundles.CACHE_PROPERTY);
        } else {
            System.setProperty(RemoteBundles.CACHE_PROPERTY, previousCache);
        }
        if (s3 != null) {
            s3.close();
        }
    }

    private static Map<String, Row> label(String model) {
        String out = Fixtures.tempDir("remote-model-").resolve("out").toString();
        LabelJob.run(
                spark,
                Labels.options(Fixtures.INDEPENDENT.resolve("input.jsonl").toString(), out, model));
        Map<String, Row> m = new HashMap<>();
        spark.read().parquet(out).collectAsList().forEach(r -> m.put(r.getString(r.fieldIndex("id")), r));
        return m;
    }

    @Test
    void labelsWithABundleFromS3AsWithTheLocalOne() {
        Map<String, Row> local = label(BUNDLE.toString());
        Map<String, Row> remote = label("s3a://" + BUCKET + "/models/crest/");
        assertThat(remote.keySet()).isEqualTo(local.keySet()).isNotEmpty();
        local.forEach((id, l) -> {
            Row r = remote.get(id);
            assertThat(r.getDouble(r.fieldIndex(Columns.SCORE_COL)))
                    .as(id)
                    .isCloseTo(l.getDouble(l.fieldIndex(Columns.SCORE_COL)), within(1e-9));
            assertThat(r.getString(r.fieldIndex(Columns.MODEL_COL)))
                    .isEqualTo(l.getString(l.fieldIndex(Columns.MODEL_COL)));
        });
        // fetched once: the second resolution is the same cached copy
        ModelBundle a = Models.resolve(spark, "s3a://" + BUCKET + "/models/crest");
        ModelBundle b = Models.resolve(spark, "s3a://" + BUCKET + "/models/crest/");
        assertThat(a.dir()).isEqualTo(b.dir());
        assertThat(a.sha256()).isEqualTo(ModelBundle.open(BUNDLE).sha256());
        assertThat(a.dir().getParent().getFileName().toString())
                .as("cached under its content hash")
                .isEqualTo(a.sha256());
    }

    @Test
    void refusesAPartialOrAlteredRemoteBundleBeforeLabeling() throws Exception {
        for (String f : List.of("model.onnx", "config.json")) {
            fs.copyFromLocalFile(
                    new Path(BUNDLE.resolve(f).toString()), new Path("s3a://" + BUCKET + "/models/partial/" + f));
        }
        String out = Fixtures.tempDir("remote-model-").resolve("out").toString();
        assertThatThrownBy(() -> LabelJob.run(
                        spark,
                        Labels.options(
                                Fixtures.INDEPENDENT.resolve("input.jsonl").toString(),
                                out,
                                "s3a://" + BUCKET + "/models/partial")))
                .isInstanceOf(ModelException.class)
                .hasMessageContaining("s3a://" + BUCKET + "/models/partial")
                .hasMessageContaining("no tokenizer.json");
        assertThat(java.nio.file.Path.of(out)).doesNotExist();

        // a manifest that does not match what is stored: altered or truncated in the bucket
        for (String f : FILES) {
            fs.copyFromLocalFile(
                    new Path(BUNDLE.resolve(f).toString()), new Path("s3a://" + BUCKET + "/models/altered/" + f));
        }
        try (OutputStream o = fs.create(new Path("s3a://" + BUCKET + "/models/altered/" + ModelBundle.MANIFEST_FILE))) {
            o.write(("{\"files\": {\"model.onnx\": \"" + "0".repeat(64) + "\"}}").getBytes());
        }
        assertThatThrownBy(() -> Models.resolve(spark, "s3a://" + BUCKET + "/models/altered"))
                .isInstanceOf(ModelException.class)
                .hasMessageContaining("does not match");
        assertThatThrownBy(() -> Models.resolve(spark, "s3a://" + BUCKET + "/models/none"))
                .isInstanceOf(ModelException.class)
                .hasMessageContaining("no such file or folder");
    }

    @Test
    void opensZipAndTarGzArchivesOfABundle() throws Exception {
        java.nio.file.Path dir = Fixtures.tempDir("model-archive-");
        java.nio.file.Path zip = dir.resolve("crest-bundle.zip");
        try (ZipOutputStream z = new ZipOutputStream(Files.newOutputStream(zip))) {
            for (String f : FILES) {
                z.putNextEntry(new ZipEntry("crest-bundle/" + f));
                Files.copy(BUNDLE.resolve(f), z);
                z.closeEntry();
            }
        }
        java.nio.file.Path tgz = dir.resolve("crest-bundle.tar.gz");
        Process tar = new ProcessBuilder(
                        "tar",
                        "-czf",
                        tgz.toString(),
                        "-C",
                        BUNDLE.toString(),
                        "model.onnx",
                        "tokenizer.json",
                        "config.json")
                .inheritIO()
                .start();
        assertThat(tar.waitFor()).isZero();
        String sha = ModelBundle.open(BUNDLE).sha256();
        assertThat(ModelResolver.resolve(zip.toString()).sha256()).isEqualTo(sha);
        assertThat(ModelResolver.resolve(tgz.toString()).sha256()).isEqualTo(sha);
        // an archive in the bucket too
        fs.copyFromLocalFile(new Path(tgz.toString()), new Path("s3a://" + BUCKET + "/archives/crest-bundle.tar.gz"));
        assertThat(Models.resolve(spark, "s3a://" + BUCKET + "/archives/crest-bundle.tar.gz")
                        .sha256())
                .isEqualTo(sha);

        java.nio.file.Path cut = dir.resolve("cut.tar.gz");
        byte[] all = Files.readAllBytes(tgz);
        Files.write(cut, java.util.Arrays.copyOf(all, all.length / 2));
        assertThatThrownBy(() -> ModelResolver.resolve(cut.toString()))
                .isInstanceOf(ModelException.class)
                .hasMessageContaining("cut.tar.gz");
    }
}
