package org.crest.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.spark.sql.SparkSession;
import org.crest.Columns;
import org.crest.Fixtures;
import org.crest.SparkTestSession;
import org.junit.jupiter.api.Test;

/**
 * JarTask runs commands on the SparkSession it finds (here the tests' own), leaves it running with its settings as
 * they were, and reports failure by throwing, never by exiting the JVM.
 */
@org.junit.jupiter.api.Tag("smoke") // also run on Spark 4.0 and 4.1: mvn -Pspark-4.0 -Psmoke verify
class JarTaskTest {
    private static final String BUNDLE = Fixtures.INDEPENDENT.resolve("bundle").toString();

    @Test
    void labelsOnTheRunningSessionAndLeavesItRunning() throws Exception {
        SparkSession spark = SparkTestSession.get();
        String before = spark.conf().get("spark.sql.shuffle.partitions");
        Path out = Fixtures.tempDir("jartask-").resolve("out");
        JarTask.run(
                "label",
                "--input",
                Fixtures.INDEPENDENT.resolve("input.jsonl").toString(),
                "--output",
                out.toString(),
                "--model",
                BUNDLE,
                "--conf",
                "spark.sql.shuffle.partitions=7");
        assertThat(out.resolve(Columns.SUMMARY_FILE)).exists();
        assertThat(SparkSessions_active()).as("the same session, still running").isSameAs(spark);
        assertThat(spark.sparkContext().isStopped()).isFalse();
        assertThat(spark.range(10).count()).as("the session still runs jobs").isEqualTo(10);
        assertThat(spark.conf().get("spark.sql.shuffle.partitions"))
                .as("--conf restored")
                .isEqualTo(before);
    }

    @Test
    void failureThrowsTheOneLineMessageAndLeavesTheSessionRunning() {
        SparkSession spark = SparkTestSession.get();
        Path out = Fixtures.tempDir("jartask-").resolve("out");
        assertThatThrownBy(() -> JarTask.run(
                        "label", "--input", "no/such/dir/chats.jsonl", "--output", out.toString(), "--model", BUNDLE))
                .isInstanceOf(JarTask.Failed.class)
                .hasMessageContaining("exit code 2")
                .hasMessageContaining("no/such/dir/chats.jsonl")
                .satisfies(e -> assertThat(((JarTask.Failed) e).exitCode()).isEqualTo(2));
        assertThatThrownBy(() -> JarTask.run("label", "--input", "in", "--output", "out", "--no-such-flag"))
                .isInstanceOf(JarTask.Failed.class)
                .hasMessageContaining("--no-such-flag");
        assertThat(spark.sparkContext().isStopped()).isFalse();
        assertThat(spark.range(3).count()).isEqualTo(3);
    }

    @Test
    void theJarTaskPathHasNoExitCall() throws Exception {
        // Main.main is the only System.exit; JarTask goes through Main.execute, which returns the code
        for (String f : new String[] {"JarTask.java", "CrestCommand.java", "LabelCommand.java"}) {
            assertThat(Files.readString(Path.of("src/main/java/org/crest/cli", f)))
                    .as(f)
                    .doesNotContain("System.exit");
        }
        String main = Files.readString(Path.of("src/main/java/org/crest/cli/Main.java"));
        assertThat(main.split("System\\.exit", -1))
                .as("one System.exit, in Main.main")
                .hasSize(2);
    }

    @Test
    void uiFlagTurnsTheSparkUiOn() {
        LabelCommand cmd = new LabelCommand();
        new picocli.CommandLine(cmd).parseArgs("--input", "in", "--output", "out", "--ui");
        assertThat(cmd.sparkConf()).containsEntry("spark.ui.enabled", "true");
        LabelCommand off = new LabelCommand();
        new picocli.CommandLine(off).parseArgs("--input", "in", "--output", "out");
        assertThat(off.sparkConf()).doesNotContainKey("spark.ui.enabled");
    }

    private static SparkSession SparkSessions_active() {
        return org.crest.spark.SparkSessions.active();
    }
}
