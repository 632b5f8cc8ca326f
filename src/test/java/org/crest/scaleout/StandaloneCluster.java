package org.crest.scaleout;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.crest.Fixtures;

/**
 * A real Spark standalone cluster on loopback for integration tests: a master and two workers, each a
 * separate JVM started from target/spark-home (Spark's jars from Maven, RELEASE, bin/spark-submit; built in
 * pre-integration-test). Worker 1 listens on 127.0.0.1 and worker 2 on 127.0.0.2, so the scheduler sees two
 * hosts (Spark never runs a speculative copy on the host of the original attempt). Every port is chosen by
 * the OS (port 0) and read back from the logs, so parallel runs do not clash. Executors are children of the
 * workers; {@link #close} kills them, the workers and the master, and deletes the cluster's temp folder, which
 * is the java.io.tmpdir and Spark local dir of every cluster JVM (killed JVMs leave liblz4-java-*.so there).
 */
final class StandaloneCluster implements AutoCloseable {
    static final Path SPARK_HOME = Path.of("target/spark-home").toAbsolutePath();
    private static final Pattern MASTER_URL = Pattern.compile("Starting Spark master at (spark://[0-9.]+:[0-9]+)");
    private static final Duration START_TIMEOUT = Duration.ofMinutes(3);

    final Path dir;
    final Path tmp;
    private final List<Process> daemons = new ArrayList<>();
    private final List<Path> workerDirs = new ArrayList<>();
    private String masterUrl;

    private StandaloneCluster(Path dir) {
        this.dir = dir;
        this.tmp = dir.resolve("tmp");
    }

    /** Starts a master and {@code workers} workers with one core and 1 GiB each; waits until all registered. */
    static StandaloneCluster start(int workers) throws IOException, InterruptedException {
        for (String needed : List.of("RELEASE", "jars", "bin/spark-submit")) {
            if (!Files.exists(SPARK_HOME.resolve(needed))) {
                throw new IllegalStateException("Cannot start the test cluster: " + SPARK_HOME.resolve(needed)
                        + " is missing " + "(mvn verify builds target/spark-home in pre-integration-test)");
            }
        }
        StandaloneCluster c = new StandaloneCluster(Fixtures.tempDir("cluster-").toAbsolutePath());
        Files.createDirectories(c.tmp);
        // if the test JVM is stopped before afterAll runs, the cluster must not outlive it
        Runtime.getRuntime().addShutdownHook(new Thread(c::close, "stop-test-cluster"));
        try {
            Path masterLog = c.dir.resolve("master.log");
            c.daemons.add(c.daemon(
                    "127.0.0.1",
                    masterLog,
                    List.of("-Dspark.master.rest.enabled=false"),
                    "org.apache.spark.deploy.master.Master",
                    "--host",
                    "127.0.0.1",
                    "--port",
                    "0",
                    "--webui-port",
                    "0"));
            String log = c.awaitLog(masterLog, "I have been elected leader");
            Matcher m = MASTER_URL.matcher(log);
            if (!m.find()) {
                throw new IllegalStateException("Cannot start the test cluster: no master URL in " + masterLog);
            }
            c.masterUrl = m.group(1);
            List<Path> logs = new ArrayList<>();
            for (int i = 1; i <= workers; i++) {
                String host = "127.0.0." + i;
                Path work = Files.createDirectories(c.dir.resolve("worker-" + i));
                Path workerLog = c.dir.resolve("worker-" + i + ".log");
                c.workerDirs.add(work);
                logs.add(workerLog);
                c.daemons.add(c.daemon(
                        host,
                        workerLog,
                        List.of(),
                        "org.apache.spark.deploy.worker.Worker",
                        "--host",
                        host,
                        "--port",
                        "0",
                        "--webui-port",
                        "0",
                        "--cores",
                        "1",
                        "--memory",
                        "1g",
                        "--work-dir",
                        work.toString(),
                        c.masterUrl));
            }
            for (Path workerLog : logs) {
                c.awaitLog(workerLog, "Successfully registered with master");
            }
            return c;
        } catch (IOException | InterruptedException | RuntimeException e) {
            c.close();
            throw e;
        }
    }

    String masterUrl() {
        return masterUrl;
    }

    /**
     * spark-submit options for a client-mode run against this cluster (CREST_SUBMIT_ARGS: no spaces in values).
     * The driver waits until both executors registered (the ratio counts against spark.cores.max), so every test
     * spreads its tasks over two JVMs.
     */
    String submitArgs() {
        return String.join(
                " ",
                "--conf spark.driver.host=127.0.0.1",
                "--conf spark.driver.bindAddress=127.0.0.1",
                "--conf spark.executor.memory=768m",
                "--conf spark.executor.extraJavaOptions=-Djava.io.tmpdir=" + tmp,
                "--conf spark.cores.max=2",
                "--conf spark.scheduler.minRegisteredResourcesRatio=1.0",
                "--conf spark.scheduler.maxRegisteredResourcesWaitingTime=120s");
    }

    /** Executor JVMs running now: pid and executor id, from the workers' child processes. */
    List<Executor> executors() {
        List<Executor> out = new ArrayList<>();
        for (Process d : daemons) {
            d.descendants().forEach(p -> {
                List<String> args = Arrays.asList(p.info().arguments().orElse(new String[0]));
                int i = args.indexOf("--executor-id");
                if (args.contains("org.apache.spark.executor.CoarseGrainedExecutorBackend")
                        && i >= 0
                        && i + 1 < args.size()) {
                    out.add(new Executor(p.pid(), args.get(i + 1), p));
                }
            });
        }
        return out;
    }

    record Executor(long pid, String id, ProcessHandle handle) {}

    /** The executors' stderr logs (worker-N/app-ID/EXECUTOR/stderr) of every application so far. */
    List<Path> executorLogs() throws IOException {
        List<Path> out = new ArrayList<>();
        for (Path w : workerDirs) {
            try (Stream<Path> s = Files.walk(w, 3)) {
                s.filter(p -> p.getFileName().toString().equals("stderr")).forEach(out::add);
            }
        }
        return out;
    }

    /** The stderr logs of the executors one application (app-...) had, replacements included. */
    List<Path> executorLogs(String appId) throws IOException {
        return executorLogs().stream()
                .filter(p -> p.getParent().getParent().getFileName().toString().equals(appId))
                .toList();
    }

    private Process daemon(String host, Path log, List<String> props, String mainClass, String... args)
            throws IOException {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(jvmFlags());
        cmd.add("-Xmx256m");
        cmd.add("-Djava.io.tmpdir=" + tmp);
        cmd.addAll(props);
        cmd.add("-cp");
        cmd.add(SPARK_HOME.resolve("jars") + "/*");
        cmd.add(mainClass);
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
        Map<String, String> env = pb.environment();
        env.put("SPARK_HOME", SPARK_HOME.toString());
        env.put("SPARK_SCALA_VERSION", "2.13");
        env.put("SPARK_LOCAL_IP", host);
        env.put("SPARK_LOCAL_DIRS", tmp.toString());
        return pb.start();
    }

    /** The JDK flags Spark needs (the pom passes them; this JVM was started with them too). */
    private static List<String> jvmFlags() {
        String flags = System.getProperty("crest.spark.jvm.flags");
        if (flags != null && !flags.isBlank()) {
            return List.of(flags.trim().split("\\s+"));
        }
        return ManagementFactory.getRuntimeMXBean().getInputArguments().stream()
                .filter(a -> a.startsWith("--add-opens")
                        || a.startsWith("-XX:+IgnoreUnrecognizedVMOptions")
                        || a.startsWith("-Dio.netty")
                        || a.startsWith("--enable-native-access"))
                .toList();
    }

    private String awaitLog(Path log, String needle) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
        while (System.nanoTime() < deadline) {
            String text = Files.exists(log) ? Files.readString(log) : "";
            if (text.contains(needle)) {
                return text;
            }
            for (Process d : daemons) {
                if (!d.isAlive()) {
                    throw new IllegalStateException(
                            "Cannot start the test cluster: a daemon exited (" + d.exitValue() + "); see " + dir);
                }
            }
            Thread.sleep(250);
        }
        throw new IllegalStateException(
                "Cannot start the test cluster: no '" + needle + "' in " + log + " after " + START_TIMEOUT);
    }

    /** Kills executors, workers and master (in that order) and deletes the cluster's temp folder. Idempotent. */
    @Override
    public synchronized void close() {
        List<ProcessHandle> all = new ArrayList<>();
        for (Process d : daemons) {
            d.descendants().forEach(all::add);
        }
        for (int i = daemons.size() - 1; i >= 0; i--) {
            all.add(daemons.get(i).toHandle());
        }
        for (ProcessHandle p : all) {
            p.destroyForcibly();
        }
        for (ProcessHandle p : all) {
            try {
                p.onExit().get(30, java.util.concurrent.TimeUnit.SECONDS);
            } catch (Exception e) {
                // reported below if still alive
            }
        }
        Optional<ProcessHandle> alive =
                all.stream().filter(ProcessHandle::isAlive).findFirst();
        if (alive.isPresent()) {
            System.err.println("StandaloneCluster: process " + alive.get().pid() + " is still alive after SIGKILL");
        }
        deleteTree(tmp);
    }

    private static void deleteTree(Path root) {
        if (!Files.exists(root)) {
            return;
        }
        try (Stream<Path> s = Files.walk(root)) {
            s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
