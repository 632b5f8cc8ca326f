package org.crest.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.crest.spark.S3Committers;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** --s3-committer: what it sets, its precedence over --conf, and its refusal of unknown names (before Spark). */
class S3CommitterFlagTest {

    private static Map<String, String> sparkConf(String... args) {
        LabelCommand cmd = new LabelCommand();
        new CommandLine(cmd).parseArgs(args);
        return cmd.sparkConf();
    }

    @Test
    void flagSetsTheHadoopKeyAndWinsOverConf() {
        Map<String, String> c = sparkConf(
                "--input",
                "in.jsonl",
                "--output",
                "s3a://b/out",
                "--s3-committer",
                "Directory",
                "--conf",
                "spark.hadoop.fs.s3a.committer.name=magic",
                "--conf",
                "fs.s3a.committer.name=file",
                "--conf",
                "spark.sql.shuffle.partitions=3");
        assertThat(c)
                .as("flag over --conf")
                .containsEntry(S3Committers.SPARK_COMMITTER_KEY, "directory")
                .doesNotContainKey(S3Committers.COMMITTER_KEY)
                .containsEntry("spark.sql.shuffle.partitions", "3");
    }

    @Test
    void withoutTheFlagConfIsKept() {
        Map<String, String> c = sparkConf(
                "--input",
                "in.jsonl",
                "--output",
                "s3a://b/out",
                "--conf",
                "spark.hadoop.fs.s3a.committer.name=directory");
        assertThat(c).containsExactly(Map.entry(S3Committers.SPARK_COMMITTER_KEY, "directory"));
        assertThat(sparkConf("--input", "in.jsonl", "--output", "s3a://b/out"))
                .as("nothing set: magic comes later")
                .isEmpty();
    }

    @Test
    void unknownCommitterIsAUsageErrorBeforeSparkStarts() {
        String[] r =
                InProcessCli.run("label", "--input", "in.jsonl", "--output", "s3a://b/out", "--s3-committer", "rename");
        assertThat(r[0]).as("exit code").isEqualTo("2");
        assertThat(r[2]).contains("Unknown S3A committer rename", "magic, directory, partitioned, file");
    }
}
