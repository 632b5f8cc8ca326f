package org.crest.spark;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.crest.S3TestBucket;
import org.crest.UsageException;
import org.junit.jupiter.api.Test;

/** The output lock on s3a:// against a real S3 API (s3proxy): a conditional put, refused when the lock is taken. */
class OutputGuardS3Test {
    private static final String BUCKET = "crest-lock-test";

    @Test
    void theLockIsAConditionalPutAndASecondRunIsRefused() throws Exception {
        Configuration conf = new Configuration();
        try (S3TestBucket s3 = S3TestBucket.start(BUCKET, "crest-lock-access", "crest-lock-secret-do-not-use", conf)) {
            s3.endpoint(s3.serverPort());
            String out = "s3a://" + BUCKET + "/audit/out";
            Path lock = new Path("s3a://" + BUCKET + "/audit/.out" + OutputGuard.LOCK_SUFFIX);
            FileSystem fs = FileSystem.get(URI.create(out), conf);
            assertThat(fs.hasPathCapability(lock, OutputGuard.CONDITIONAL_CREATE))
                    .as("S3A offers a conditional put")
                    .isTrue();
            try (OutputGuard first = OutputGuard.open(conf, "label", out, false, List.of(), true)) {
                assertThat(first.staged())
                        .as("object stores are written in place")
                        .isFalse();
                assertThat(first.writePath()).isEqualTo(out);
                try (var in = fs.open(lock)) {
                    assertThat(new String(in.readAllBytes(), StandardCharsets.UTF_8))
                            .contains(first.runId());
                }
                assertThatThrownBy(() -> OutputGuard.open(conf, "label", out, true, List.of(), true))
                        .isInstanceOf(UsageException.class)
                        .hasMessageContaining("another crest run is writing it, run " + first.runId())
                        .hasMessageContaining("remove the stale lock with: hadoop fs -rm " + lock);
                // the conditional put itself, not only the existence check before it
                var b = fs.createFile(lock);
                b.overwrite(true);
                b.must(OutputGuard.CONDITIONAL_CREATE, true);
                assertThatThrownBy(() -> {
                            try (var os = b.build()) {
                                os.write(1);
                            }
                        })
                        .as("a put over an existing lock")
                        .isInstanceOf(java.io.IOException.class);
                try (var in = fs.open(lock)) {
                    assertThat(new String(in.readAllBytes(), StandardCharsets.UTF_8))
                            .contains(first.runId());
                }
            }
            assertThat(fs.exists(lock)).as("released").isFalse();
            try (OutputGuard again = OutputGuard.open(conf, "label", out, false, List.of(), true)) {
                assertThat(fs.exists(lock)).isTrue();
            }
        }
    }
}
