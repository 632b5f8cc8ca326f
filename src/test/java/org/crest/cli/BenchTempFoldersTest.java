package org.crest.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.crest.Fixtures;
import org.junit.jupiter.api.Test;

/**
 * {@code crest bench} in a JVM of its own (it starts and stops its own Spark session) with a temp folder of its
 * own: when the run fails at its last step (and so on every earlier exit path), no {@code crest-bench-*} folder and no (empty)
 * {@code crest-demo-*} folder of the extracted demo model is left behind.
 */
class BenchTempFoldersTest {

    private static int bench(Path tmp, Path log, String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(
                List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
        for (String a : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
            if (a.startsWith("--add-opens")
                    || a.startsWith("--enable-native-access")
                    || a.startsWith("-XX:+Ignore")
                    || a.startsWith("-Dio.netty")) {
                cmd.add(a);
            }
        }
        cmd.addAll(List.of(
                "-Xmx1g",
                "-Djava.io.tmpdir=" + tmp,
                "-cp",
                System.getProperty("java.class.path"),
                Main.class.getName(),
                "bench",
                "--rows",
                "6",
                "--master",
                "local[1]",
                "--threads",
                "1",
                "--partitions",
                "1"));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd)
                .redirectErrorStream(true)
                .redirectOutput(log.toFile())
                .start();
        assertThat(p.waitFor(180, TimeUnit.SECONDS)).as("bench ended").isTrue();
        return p.exitValue();
    }

    private static List<String> crestFolders(Path tmp) throws IOException {
        try (Stream<Path> s = Files.list(tmp)) {
            return s.map(x -> x.getFileName().toString())
                    .filter(n -> n.startsWith("crest-"))
                    .sorted()
                    .toList();
        }
    }

    @Test
    void benchLeavesNoTempFoldersWhenItFailsAtItsLastStep() throws Exception {
        // the report cannot be written: the run fails after everything else (Spark job included) has run; the
        // success path leaves by the same finally block
        Path base = Fixtures.tempDir("bench-tmp-");
        Path tmp = Files.createDirectories(base.resolve("tmp"));
        Path log = base.resolve("bench.log");
        int rc = bench(
                tmp, log, "--report", base.resolve("no/such/folder/report.json").toString());
        String out = Files.readString(log);
        assertThat(rc).as(out).isEqualTo(1);
        assertThat(out).as(out).contains("label job (Spark, local[1])");
        assertThat(crestFolders(tmp)).as("crest temp folders left in %s", tmp).isEmpty();
    }

    @Test
    void benchComparesSeveralCandidatesInOneRunAndReportsEachAsNumbers() throws Exception {
        // the demo bundle against itself, twice: the same weights give the same P(unsafe) on every window
        Path base = Fixtures.tempDir("bench-cand-");
        Path tmp = Files.createDirectories(base.resolve("tmp"));
        Path log = base.resolve("bench.log");
        Path report = base.resolve("report.json");
        int rc = bench(tmp, log, "--candidate", "demo", "--candidate", "demo", "--report", report.toString());
        String out = Files.readString(log);
        assertThat(rc).as(out).isZero();
        com.fasterxml.jackson.databind.JsonNode r =
                new com.fasterxml.jackson.databind.ObjectMapper().readTree(report.toFile());
        assertThat(r.get("candidates")).as(r.toString()).hasSize(2);
        for (com.fasterxml.jackson.databind.JsonNode c : r.get("candidates")) {
            assertThat(c.get("speedup_vs_plain").asDouble()).isPositive();
            assertThat(c.at("/per_window/n").asInt()).isPositive();
            assertThat(c.at("/per_window/max_abs_dp").asDouble()).isZero();
        }
        assertThat(r.has("candidate"))
                .as("the single-candidate key only when there is one")
                .isFalse();
    }

    @Test
    void benchRunsThePipelineJobToASteadyStateAndReportsEveryRun() throws Exception {
        // the demo bundle as the near-null model: two full-size warm runs, then the measured one
        Path base = Fixtures.tempDir("bench-pipe-");
        Path tmp = Files.createDirectories(base.resolve("tmp"));
        Path log = base.resolve("bench.log");
        Path report = base.resolve("report.json");
        int rc = bench(
                tmp,
                log,
                "--pipeline-model",
                "demo",
                "--pipeline-rows",
                "300",
                "--pipeline-warm-runs",
                "2",
                "--report",
                report.toString());
        String out = Files.readString(log);
        assertThat(rc).as(out).isZero();
        assertThat(out).contains("run 3 of the job on these texts in this JVM");
        com.fasterxml.jackson.databind.JsonNode p = new com.fasterxml.jackson.databind.ObjectMapper()
                .readTree(report.toFile())
                .get("pipeline");
        assertThat(p.get("rows").asInt()).isEqualTo(300);
        assertThat(p.get("job_warm_runs").asInt()).isEqualTo(2);
        assertThat(p.get("job_rows_per_s_earlier_runs")).hasSize(2);
        for (com.fasterxml.jackson.databind.JsonNode r : p.get("job_rows_per_s_earlier_runs")) {
            assertThat(r.asDouble()).isPositive();
        }
        assertThat(p.get("ratio_vs_raw_tokenizer").asDouble()).isPositive();
        assertThat(p.get("ratio_vs_raw_tokenizer_first_run").asDouble()).isPositive();
        assertThat(p.get("ratio_vs_raw_tokenizer_earlier_runs")).hasSize(2);
        assertThat(crestFolders(tmp)).as("crest temp folders left in %s", tmp).isEmpty();
    }
}
