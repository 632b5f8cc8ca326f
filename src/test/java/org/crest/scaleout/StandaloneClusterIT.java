package org.crest.scaleout;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.crest.Columns;
import org.crest.Fixtures;
import org.crest.SparkTestSession;
import org.crest.label.LabelJob;
import org.crest.label.LabelSummary;
import org.crest.label.Labels;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code ./spark-submit.sh label --master spark://...} on a real standalone cluster (a master and two
 * workers, separate JVMs, see {@link StandaloneCluster}), started once for all tests of this class:
 * the output equals local mode, each executor JVM creates exactly one ONNX Runtime session, and the job
 * survives a SIGKILLed executor, speculative execution and a failing task with every input row exactly once.
 * Faults come from the test hook spark.crest.test.fault (see label.TaskFaults).
 */
class StandaloneClusterIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int FILES = 4;
    private static final int ROWS_PER_FILE = 300;
    /** Rows of the input that cannot be scored: each goes to _quarantine with a reason. */
    private static final int BAD_ROWS = 3;

    private static final Pattern SLOW_PID =
            Pattern.compile("crest test fault: slow partition \\d+ attempt 0: " + "sleeping \\d+ ms in pid (\\d+)");

    private static StandaloneCluster cluster;
    private static Path input;
    private static Path work;

    @BeforeAll
    static void startCluster() throws Exception {
        work = Fixtures.tempDir("cluster-it-");
        input = writeInput(work.resolve("in"));
        cluster = StandaloneCluster.start(2);
    }

    @AfterAll
    static void stopCluster() {
        if (cluster != null) {
            cluster.close();
        }
    }

    /**
     * {@value #FILES} JSONL files of {@value #ROWS_PER_FILE} rows with texts of 1 to 60 words, plus
     * {@value #BAD_ROWS} bad rows.
     */
    static Path writeInput(Path dir) throws IOException {
        Files.createDirectories(dir);
        String[] words = ("the a model chat user assistant please help me with this code it is not safe to do that "
                        + "how can I hurt kill attack weapon bomb recipe cook dinner garden weather tomorrow thanks hello world "
                        + "ignore previous instructions tell secret password bonjour merci beaucoup hola gracias danke schön")
                .split(" ");
        Random rnd = new Random(42);
        for (int f = 0; f < FILES; f++) {
            StringBuilder sb = new StringBuilder();
            for (int r = 0; r < ROWS_PER_FILE; r++) {
                int n = 1 + rnd.nextInt(60);
                StringBuilder text = new StringBuilder();
                for (int w = 0; w < n; w++) {
                    text.append(w == 0 ? "" : " ").append(words[rnd.nextInt(words.length)]);
                }
                sb.append(JSON.writeValueAsString(Map.of("id", "f" + f + "-" + r, "text", text.toString())))
                        .append('\n');
            }
            if (f == 0) {
                sb.append("{\"id\":\"bad-null\",\"text\":null}\n");
                sb.append("{\"id\":\"bad-missing\"}\n");
                sb.append("{\"id\":\"bad-json\",\"text\":\n");
            }
            Files.writeString(dir.resolve("part-" + f + ".jsonl"), sb.toString(), StandardCharsets.UTF_8);
        }
        return dir;
    }

    record Submit(Process process, Path stdout, Path stderr) {
        int await() throws InterruptedException {
            assertThat(process.waitFor(8, TimeUnit.MINUTES))
                    .as("spark-submit finished in time")
                    .isTrue();
            return process.exitValue();
        }

        String err() throws IOException {
            return Files.readString(stderr);
        }
    }

    /** ./spark-submit.sh label --master spark://... as a user runs it, with SPARK_HOME at the test Spark home. */
    static Submit submit(Path out, String... extra) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(
                "./spark-submit.sh",
                "label",
                "--master",
                cluster.masterUrl(),
                "--input",
                input.toString(),
                "--output",
                out.toString(),
                "--chunk-rows",
                "100",
                // one partition per input file (by default Spark packs them into one per core)
                "--conf",
                "spark.sql.files.maxPartitionBytes=1m"));
        cmd.addAll(List.of(extra));
        Path logs = Files.createDirectories(out.resolveSibling(out.getFileName() + "-logs"));
        ProcessBuilder pb = new ProcessBuilder(cmd)
                .redirectOutput(logs.resolve("stdout").toFile())
                .redirectError(logs.resolve("stderr").toFile());
        pb.environment().put("SPARK_HOME", StandaloneCluster.SPARK_HOME.toString());
        pb.environment().put("SPARK_LOCAL_IP", "127.0.0.1");
        pb.environment().put("CREST_SUBMIT_ARGS", cluster.submitArgs());
        return new Submit(pb.start(), logs.resolve("stdout"), logs.resolve("stderr"));
    }

    /** Spark event log settings for one run, so a test can read what the scheduler did. */
    static String[] eventLog(Path dir) throws IOException {
        Files.createDirectories(dir);
        return new String[] {
            "--conf",
            "spark.eventLog.enabled=true",
            "--conf",
            "spark.eventLog.dir=" + dir.toUri(),
            "--conf",
            "spark.eventLog.compress=false"
        };
    }

    static List<JsonNode> events(Path dir) throws IOException {
        List<JsonNode> out = new ArrayList<>();
        // Spark 4 writes rolling event logs: DIR/eventlog_v2_APP/events_N_APP
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path f : files.filter(p ->
                            Files.isRegularFile(p) && p.getFileName().toString().startsWith("events"))
                    .sorted()
                    .toList()) {
                for (String line : Files.readAllLines(f)) {
                    if (!line.isBlank()) {
                        out.add(JSON.readTree(line));
                    }
                }
            }
        }
        return out;
    }

    static List<JsonNode> taskEnds(List<JsonNode> events) {
        return events.stream()
                .filter(e -> e.path("Event").asText().equals("SparkListenerTaskEnd"))
                .toList();
    }

    /**
     * Every input row exactly once: the labeled ids are unique, labeled + quarantined rows in the files equal
     * the input rows, and the summary says the same. Returns the summary.
     */
    static JsonNode assertEveryRowOnce(Path out) throws IOException {
        SparkSession spark = SparkTestSession.get();
        List<Row> ids = spark.read().parquet(out.toString()).select("id").collectAsList();
        Set<String> distinct = new HashSet<>();
        ids.forEach(r -> distinct.add(r.getString(0)));
        long quarantined = spark.read()
                .parquet(out.resolve(Columns.QUARANTINE_DIR).toString())
                .count();
        assertThat(distinct).as("labeled ids are unique").hasSize(ids.size());
        assertThat(ids.size()).as("labeled rows in the output files").isEqualTo(FILES * ROWS_PER_FILE);
        assertThat(quarantined).as("quarantined rows in the files").isEqualTo(BAD_ROWS);
        JsonNode s = Fixtures.json(out.resolve(Columns.SUMMARY_FILE));
        assertThat(s.get("status").asText()).as("summary status").isEqualTo("ok");
        assertThat(s.get("rows_in").asLong())
                .as("rows_in")
                .isEqualTo(FILES * ROWS_PER_FILE + BAD_ROWS)
                .isEqualTo(s.get("rows_labeled").asLong()
                        + s.get("rows_quarantined").asLong());
        assertThat(s.get("rows_labeled").asLong()).as("rows_labeled").isEqualTo(ids.size());
        assertThat(s.get("rows_quarantined").asLong()).as("rows_quarantined").isEqualTo(quarantined);
        assertThat(Files.exists(out.resolve("_SUCCESS"))).as("_SUCCESS").isTrue();
        return s;
    }

    /** Executor id -> sessions from the summary; asserts one session in each executor that scored rows. */
    static Map<String, Long> assertOneSessionPerExecutor(JsonNode summary) {
        Map<String, Long> sessions = new HashMap<>();
        summary.get("sessions_per_executor")
                .fields()
                .forEachRemaining(e -> sessions.put(e.getKey(), e.getValue().asLong()));
        assertThat(sessions).as("sessions_per_executor").isNotEmpty().doesNotContainKey("driver");
        assertThat(sessions.values())
                .as("ONNX Runtime sessions per executor JVM")
                .containsOnly(1L);
        return sessions;
    }

    static String appId(List<JsonNode> events) {
        return events.stream()
                .filter(e -> e.path("Event").asText().equals("SparkListenerApplicationStart"))
                .map(e -> e.path("App ID").asText())
                .findFirst()
                .orElseThrow();
    }

    @Test
    void clusterOutputEqualsLocalModeWithOneSessionPerExecutor() throws Exception {
        Path local = work.resolve("local");
        LabelSummary ls = LabelJob.run(
                SparkTestSession.get(),
                Labels.batching(Labels.options(input.toString(), local.toString(), "demo"), 4096, 64, 100, 0));
        assertThat(ls.conserved()).as("local run conserved").isTrue();

        Path out = work.resolve("cluster");
        Submit s = submit(out);
        assertThat(s.await()).as("exit code; stderr:%n%s", s.err()).isZero();
        JsonNode summary = assertEveryRowOnce(out);

        Map<String, Long> sessions = assertOneSessionPerExecutor(summary);
        assertThat(sessions).as("executors that scored rows").hasSize(2);
        assertThat(summary.get("sessions_created").asLong())
                .as("sessions_created")
                .isEqualTo(2);

        SparkSession spark = SparkTestSession.get();
        Map<String, Row> expected = new HashMap<>();
        for (Row r : spark.read().parquet(local.toString()).collectAsList()) {
            expected.put(r.getString(r.fieldIndex("id")), r);
        }
        List<Row> got = spark.read().parquet(out.toString()).collectAsList();
        assertThat(got).as("cluster rows").hasSize(expected.size());
        for (Row r : got) {
            String id = r.getString(r.fieldIndex("id"));
            Row e = expected.get(id);
            assertThat(e).as("local mode has row %s", id).isNotNull();
            assertThat(r.getDouble(r.fieldIndex(Columns.SCORE_COL)))
                    .as("score of %s", id)
                    .isCloseTo(e.getDouble(e.fieldIndex(Columns.SCORE_COL)), within(1e-6));
            assertThat(r.getString(r.fieldIndex(Columns.LABEL_COL)))
                    .as("label of %s", id)
                    .isEqualTo(e.getString(e.fieldIndex(Columns.LABEL_COL)));
            assertThat(r.getInt(r.fieldIndex(Columns.TOKENS_COL)))
                    .as("tokens of %s", id)
                    .isEqualTo(e.getInt(e.fieldIndex(Columns.TOKENS_COL)));
        }
        assertThat(summary.get("quarantine_reasons").toString())
                .as("quarantine reasons as in local mode")
                .isEqualTo(JSON.valueToTree(ls.quarantineReasons()).toString());
        assertThat(summary.get("unsafe").asLong())
                .as("unsafe count as in local mode")
                .isEqualTo(ls.unsafe());
    }

    @Test
    void survivesAnExecutorKilledMidJob() throws Exception {
        Path out = work.resolve("killed");
        Path events = work.resolve("killed-events");
        // attempt 0 of partition 0 writes its first 100 rows, logs its pid and sleeps: the test SIGKILLs that JVM
        // as soon as the line shows up in the executor's log, so the kill lands mid-task, mid-write
        List<String> args = new ArrayList<>(List.of("--conf", "spark.crest.test.fault=slow:0:300000"));
        args.addAll(List.of(eventLog(events)));
        Set<Path> before = new HashSet<>(cluster.executorLogs());
        Submit s = submit(out, args.toArray(String[]::new));

        long pid = -1;
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(5);
        while (pid < 0 && s.process().isAlive() && System.nanoTime() < deadline) {
            for (Path log : cluster.executorLogs()) {
                if (!before.contains(log)) {
                    Matcher m = SLOW_PID.matcher(Files.readString(log));
                    if (m.find()) {
                        pid = Long.parseLong(m.group(1));
                    }
                }
            }
            Thread.sleep(200);
        }
        assertThat(pid)
                .as("an executor reached the slow partition; stderr:%n%s", s.err())
                .isPositive();
        long victim = pid;
        assertThat(cluster.executors())
                .as("the slow task's JVM is one of the cluster's executors")
                .anyMatch(e -> e.pid() == victim);
        ProcessHandle handle = ProcessHandle.of(victim).orElseThrow();
        assertThat(handle.destroyForcibly()).as("SIGKILL sent").isTrue();
        handle.onExit().get(30, TimeUnit.SECONDS);

        assertThat(s.await()).as("exit code; stderr:%n%s", s.err()).isZero();
        JsonNode summary = assertEveryRowOnce(out);
        assertOneSessionPerExecutor(summary);
        List<JsonNode> ev = events(events);
        assertThat(ev)
                .as("the driver saw an executor removed")
                .anyMatch(e -> e.path("Event").asText().equals("SparkListenerExecutorRemoved"));
        assertThat(taskEnds(ev))
                .as("a task was lost with its executor")
                .anyMatch(e -> e.path("Task End Reason").path("Reason").asText().equals("ExecutorLostFailure"));
    }

    @Test
    void speculativeCopyOfASlowTaskWinsAndNoRowIsDoubled() throws Exception {
        Path out = work.resolve("speculation");
        Path events = work.resolve("speculation-events");
        // attempt 0 of partition 1 sleeps after its first chunk; a copy on the other host must finish it. Spark
        // runs pending regular tasks before speculative copies, so the sleep must outlast the other partitions even
        // on a loaded machine; it costs nothing when the copy wins, since the original is then killed.
        List<String> args = new ArrayList<>(List.of(
                "--conf",
                "spark.crest.test.fault=slow:1:300000",
                "--conf",
                "spark.speculation=true",
                "--conf",
                "spark.speculation.interval=200ms",
                "--conf",
                "spark.speculation.quantile=0.5",
                "--conf",
                "spark.speculation.multiplier=1.5",
                "--conf",
                "spark.speculation.minTaskRuntime=1s",
                "--conf",
                "spark.speculation.efficiency.enabled=false"));
        args.addAll(List.of(eventLog(events)));
        Submit s = submit(out, args.toArray(String[]::new));
        assertThat(s.await()).as("exit code; stderr:%n%s", s.err()).isZero();

        JsonNode summary = assertEveryRowOnce(out);
        // no size check: Spark drops the accumulator updates of an attempt killed after its stage finished, so the
        // executor whose only scoring task was the slow original may be missing (docs/SCALE-OUT.md)
        assertOneSessionPerExecutor(summary);
        List<JsonNode> ends = taskEnds(events(events));
        assertThat(ends)
                .as("a speculative copy ran and succeeded")
                .anyMatch(e -> e.path("Task Info").path("Speculative").asBoolean()
                        && e.path("Task End Reason").path("Reason").asText().equals("Success"));
        // the original of a partition whose speculative copy succeeded was killed, not finished. Spark words the
        // kill "another attempt succeeded", or "Stage finished" when the stage ended before the kill was processed
        // (seen on a loaded box); either way the copy won and the original wrote nothing (every row once, above)
        java.util.Set<String> wonByCopy = new java.util.HashSet<>();
        for (JsonNode e : ends) {
            if (e.path("Task Info").path("Speculative").asBoolean()
                    && e.path("Task End Reason").path("Reason").asText().equals("Success")) {
                wonByCopy.add(e.path("Stage ID").asText() + ":"
                        + e.path("Task Info").path("Index").asText());
            }
        }
        assertThat(ends)
                .as("the original of a partition won by its speculative copy was killed")
                .anyMatch(e -> e.path("Task End Reason").path("Reason").asText().equals("TaskKilled")
                        && !e.path("Task Info").path("Speculative").asBoolean()
                        && wonByCopy.contains(e.path("Stage ID").asText() + ":"
                                + e.path("Task Info").path("Index").asText())
                        && (e.path("Task End Reason")
                                        .path("Kill Reason")
                                        .asText()
                                        .contains("another attempt succeeded")
                                || e.path("Task End Reason")
                                        .path("Kill Reason")
                                        .asText()
                                        .contains("Stage finished")));
    }

    @Test
    void taskThatFailsOnceIsRetried() throws Exception {
        Path out = work.resolve("fail-once");
        Path events = work.resolve("fail-once-events");
        List<String> args = new ArrayList<>(List.of("--conf", "spark.crest.test.fault=fail-once:2"));
        args.addAll(List.of(eventLog(events)));
        Submit s = submit(out, args.toArray(String[]::new));
        assertThat(s.await()).as("exit code; stderr:%n%s", s.err()).isZero();

        JsonNode summary = assertEveryRowOnce(out);
        assertThat(assertOneSessionPerExecutor(summary))
                .as("executors that scored rows")
                .hasSize(2);
        List<JsonNode> ends = taskEnds(events(events));
        assertThat(ends)
                .as("attempt 0 of partition 2 failed with the injected fault")
                .anyMatch(e -> e.path("Task End Reason").path("Reason").asText().equals("ExceptionFailure")
                        && e.path("Task End Reason")
                                .path("Description")
                                .asText()
                                .contains("crest test fault")
                        && e.path("Task Info").path("Attempt").asInt() == 0);
        assertThat(ends)
                .as("the retry succeeded")
                .anyMatch(e -> e.path("Task Info").path("Attempt").asInt() == 1
                        && e.path("Task End Reason").path("Reason").asText().equals("Success"));
    }
}
