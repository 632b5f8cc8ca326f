package org.crest.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.crest.Fixtures;
import org.crest.SparkTestSession;
import org.junit.jupiter.api.Test;

/**
 * {@code ./spark-submit.sh label --resume} killed for real: the job runs in a child process, which gets SIGKILL as
 * soon as the first partition's manifest appears. The second run must skip that partition without touching its
 * files, finish the others (cleaning what the killed run left), and every input row must be in the output exactly
 * once, labeled or quarantined.
 */
class ResumeKillIT {
    private static final String[] DAYS = {"2026-11-25", "2026-11-26", "2026-11-27"};
    private static final int ROWS = 40;

    private static Process start(Path in, Path out, Path logs, String name) throws IOException {
        ProcessBuilder pb = new ProcessBuilder(
                        "./spark-submit.sh",
                        "label",
                        "--resume",
                        "--master",
                        "local[2]",
                        "--input",
                        in.toString(),
                        "--output",
                        out.toString(),
                        "--model",
                        Fixtures.INDEPENDENT.resolve("bundle").toString())
                .redirectOutput(logs.resolve(name + ".out").toFile())
                .redirectError(logs.resolve(name + ".err").toFile());
        pb.environment().put("CREST_DRIVER_MEMORY", "2g");
        return pb.start();
    }

    private static Map<String, Long> mtimes(Path dir) throws IOException {
        Map<String, Long> m = new TreeMap<>();
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path p : files.filter(Files::isRegularFile).toList()) {
                m.put(dir.relativize(p).toString(), Files.getLastModifiedTime(p).toMillis());
            }
        }
        return m;
    }

    @Test
    void aKilledRunIsFinishedByTheNextAndEveryRowIsThereOnce() throws Exception {
        Path dir = Fixtures.tempDir("resume-kill-");
        Path in = dir.resolve("in");
        Path out = dir.resolve("out");
        List<String> expected = new ArrayList<>();
        for (String day : DAYS) {
            StringBuilder sb = new StringBuilder();
            for (int i = 0; i < ROWS; i++) {
                String id = day + "-" + i;
                expected.add(id);
                // every 10th row has no text and is quarantined; the rest are labeled
                sb.append("{\"id\":\"")
                        .append(id)
                        .append("\",\"text\":")
                        .append(i % 10 == 9 ? "null" : "\"message " + i + " of " + day + "\"")
                        .append("}\n");
            }
            Path f = in.resolve("dt=" + day + "/part-0.jsonl");
            Files.createDirectories(f.getParent());
            Files.writeString(f, sb.toString(), StandardCharsets.UTF_8);
        }
        expected.sort(null);
        Path firstManifest = out.resolve("dt=" + DAYS[0] + "/_crest_manifest.json");

        Process killed = start(in, out, dir, "killed");
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(4);
        while (!Files.exists(firstManifest) && killed.isAlive() && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertThat(Files.exists(firstManifest))
                .as(
                        "first manifest appeared while the job ran; stderr:%n%s",
                        Files.readString(dir.resolve("killed.err")))
                .isTrue();
        killed.destroyForcibly(); // SIGKILL: no shutdown hooks, no cleanup
        assertThat(killed.waitFor(1, TimeUnit.MINUTES)).isTrue();
        assertThat(killed.exitValue()).as("killed by SIGKILL").isEqualTo(137);

        TreeSet<String> committedAtKill = new TreeSet<>();
        for (String day : DAYS) {
            if (Files.exists(out.resolve("dt=" + day + "/_crest_manifest.json"))) {
                committedAtKill.add("dt=" + day);
            }
        }
        assertThat(committedAtKill)
                .as("the kill came mid-run")
                .contains("dt=" + DAYS[0])
                .hasSizeLessThan(DAYS.length);
        Map<String, Long> before = mtimes(out.resolve("dt=" + DAYS[0]));

        Process rerun = start(in, out, dir, "rerun");
        assertThat(rerun.waitFor(5, TimeUnit.MINUTES)).as("rerun finished").isTrue();
        String err = Files.readString(dir.resolve("rerun.err"));
        assertThat(rerun.exitValue()).as("rerun exit; stderr:%n%s", err).isZero();
        String stdout = Files.readString(dir.resolve("rerun.out"));
        assertThat(stdout).contains("dt=" + DAYS[0] + " skipped");

        JsonNode summary = Fixtures.json(out.resolve("_crest_summary.json"));
        TreeSet<String> skipped = new TreeSet<>();
        for (JsonNode p : summary.get("partitions")) {
            if (p.get("action").asText().equals("skipped")) {
                skipped.add(p.get("partition").asText());
            } else {
                assertThat(p.get("action").asText()).as(p.toString()).isIn("committed", "reprocessed");
            }
            assertThat(p.get("rows_in").asLong())
                    .as(p.toString())
                    .isEqualTo(ROWS)
                    .isEqualTo(p.get("rows_labeled").asLong()
                            + p.get("rows_quarantined").asLong());
        }
        assertThat(skipped).as("skipped = committed before the kill").isEqualTo(committedAtKill);
        assertThat(summary.get("rows_in").asLong()).isEqualTo((long) ROWS * DAYS.length);
        assertThat(summary.get("rows_quarantined").asLong()).isEqualTo(4L * DAYS.length);
        assertThat(mtimes(out.resolve("dt=" + DAYS[0])))
                .as("files of the skipped partition untouched")
                .isEqualTo(before);
        assertThat(out.resolve("_crest_staging")).as("no staging left").doesNotExist();

        SparkSession spark = SparkTestSession.get();
        List<String> ids = new ArrayList<>();
        for (String day : DAYS) {
            Path p = out.resolve("dt=" + day);
            assertThat(p.resolve("_crest_manifest.json")).exists();
            for (Row r : spark.read().parquet(p.toString()).select("id").collectAsList()) {
                ids.add(r.getString(0));
            }
            for (Row r : spark.read()
                    .parquet(p.resolve("_quarantine").toString())
                    .select("id")
                    .collectAsList()) {
                ids.add(r.getString(0));
            }
        }
        ids.sort(null);
        assertThat(ids)
                .as("every input row exactly once, labeled or quarantined")
                .isEqualTo(expected);
    }
}
