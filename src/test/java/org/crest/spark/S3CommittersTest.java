package org.crest.spark;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.sql.SparkSession;
import org.crest.SparkTestSession;
import org.crest.UsageException;
import org.junit.jupiter.api.Test;

/** The S3A committer settings: the file users read is the one applied, and settings users made are kept. */
class S3CommittersTest {
    private static final String STAGING = "spark.hadoop." + S3Committers.STAGING_KEY;

    @Test
    void appliedSettingsAreConfSparkDefaultsS3Conf() throws IOException {
        Properties p = new Properties();
        try (Reader r = Files.newBufferedReader(Path.of("conf/spark-defaults.s3.conf"))) {
            p.load(r);
        }
        Map<String, String> file = new TreeMap<>();
        p.stringPropertyNames().forEach(k -> file.put(k, p.getProperty(k).trim()));
        assertThat(S3Committers.defaults())
                .as("jar resource = conf/spark-defaults.s3.conf")
                .isEqualTo(file);
        assertThat(file)
                .containsEntry(S3Committers.PROTOCOL_KEY, S3Committers.PROTOCOL_CLASS)
                .containsEntry(
                        "spark.sql.parquet.output.committer.class",
                        "org.apache.spark.internal.io.cloud.BindingParquetOutputCommitter")
                .containsEntry(S3Committers.SPARK_COMMITTER_KEY, "magic")
                .containsKeys("spark.hadoop.fs.s3a.buffer.dir", STAGING);
        assertThat(file.get("spark.hadoop.fs.s3a.buffer.dir"))
                .as("temp space under the JVM's temp dir")
                .startsWith("${java.io.tmpdir}/");
        assertThat(
                        new Configuration(false) {
                            {
                                set("x", file.get(STAGING));
                            }
                        }.get("x"))
                .as("staging path expands to the temp dir, not ./tmp")
                .isEqualTo("file://" + System.getProperty("java.io.tmpdir") + "/crest-s3a-staging");
    }

    @Test
    void sessionDefaultsOnlyForS3aAndOnlyWhatIsUnset() {
        Configuration hadoop = new Configuration(); // core-default.xml says fs.s3a.committer.name=file
        assertThat(hadoop.get(S3Committers.COMMITTER_KEY)).isEqualTo("file");
        assertThat(S3Committers.sessionDefaults("/tmp/out", k -> null, hadoop))
                .as("local output")
                .isEmpty();
        assertThat(S3Committers.sessionDefaults("hdfs://nn/out", k -> null, hadoop))
                .as("hdfs output")
                .isEmpty();
        assertThat(S3Committers.sessionDefaults("s3a://b/out", k -> null, hadoop))
                .as("nothing set")
                .isEqualTo(S3Committers.defaults());

        Map<String, String> given = new HashMap<>();
        given.put(S3Committers.SPARK_COMMITTER_KEY, "directory");
        given.put(S3Committers.PROTOCOL_KEY, "com.example.MyProtocol");
        Map<String, String> d = S3Committers.sessionDefaults("S3A://b/out", given::get, hadoop);
        assertThat(d)
                .as("user's settings kept")
                .doesNotContainKeys(S3Committers.SPARK_COMMITTER_KEY, S3Committers.PROTOCOL_KEY)
                .containsKey("spark.sql.parquet.output.committer.class");

        Configuration site = new Configuration();
        site.set(S3Committers.COMMITTER_KEY, "partitioned"); // as core-site.xml or spark.hadoop.* would
        site.set("fs.defaultFS", "hdfs://nn:8020");
        assertThat(S3Committers.sessionDefaults("s3a://b/out", k -> null, site))
                .as("core-site committer kept; " + "HDFS default FS keeps Hadoop's shared staging path")
                .doesNotContainKeys(S3Committers.SPARK_COMMITTER_KEY, STAGING);
    }

    @Test
    void applyToASessionSetsOnlyForS3aAndTakesItBack() {
        SparkSession spark = SparkTestSession.get();
        try (S3Committers.Applied a = S3Committers.apply(spark, "/tmp/local-out")) {
            assertThat(a.committer()).isNull();
            assertThat(a.added()).isEmpty();
        }
        // Spark 4 itself fills in the magic committer when spark-hadoop-cloud is on the class path; take its commit
        // protocol away for this test to see apply() put it in (and take it back)
        String sparkFilled =
                spark.conf().getAll().get(S3Committers.PROTOCOL_KEY).getOrElse(() -> null);
        spark.conf().unset(S3Committers.PROTOCOL_KEY);
        try {
            try (S3Committers.Applied a = S3Committers.apply(spark, "s3a://b/out")) {
                assertThat(a.committer()).isEqualTo("magic");
                assertThat(a.added())
                        .contains(S3Committers.PROTOCOL_KEY, "fs.s3a.buffer.dir", S3Committers.STAGING_KEY);
                assertThat(spark.conf().get(S3Committers.PROTOCOL_KEY)).isEqualTo(S3Committers.PROTOCOL_CLASS);
                assertThat(spark.conf().get("fs.s3a.buffer.dir")).isEqualTo("${java.io.tmpdir}/crest-s3a");
            }
            assertThat(spark.conf().getAll().contains(S3Committers.PROTOCOL_KEY))
                    .as("taken back")
                    .isFalse();
            assertThat(spark.conf().getAll().contains("fs.s3a.buffer.dir"))
                    .as("taken back")
                    .isFalse();

            spark.conf().set(S3Committers.COMMITTER_KEY, "directory");
            spark.conf().set(S3Committers.PROTOCOL_KEY, S3Committers.PROTOCOL_CLASS);
            try (S3Committers.Applied a = S3Committers.apply(spark, "s3a://b/out")) {
                assertThat(a.committer()).as("session setting kept").isEqualTo("directory");
                assertThat(a.added()).doesNotContain(S3Committers.COMMITTER_KEY, S3Committers.PROTOCOL_KEY);
            }
            assertThat(spark.conf().get(S3Committers.COMMITTER_KEY))
                    .as("user's setting not taken")
                    .isEqualTo("directory");
        } finally {
            spark.conf().unset(S3Committers.COMMITTER_KEY);
            if (sparkFilled != null) {
                spark.conf().set(S3Committers.PROTOCOL_KEY, sparkFilled);
            } else {
                spark.conf().unset(S3Committers.PROTOCOL_KEY);
            }
        }
    }

    @Test
    void unknownCommitterNameIsRefused() {
        assertThat(S3Committers.committer(" MAGIC ")).isEqualTo("magic");
        assertThatThrownBy(() -> S3Committers.committer("rename"))
                .isInstanceOf(UsageException.class)
                .hasMessageContaining("Unknown S3A committer rename");
    }
}
