package org.crest.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.crest.Fixtures;
import org.gaul.s3proxy.S3Proxy;
import org.gaul.s3proxy.auth.AuthenticationType;
import org.gaul.s3proxy.blobstore.BlobStore;
import org.gaul.s3proxy.nio2blob.FilesystemNio2BlobStore;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Planted secrets (s3a keys passed with --conf, AWS and Hugging Face tokens in the environment) never
 * reach the logs, the summary, the output objects or Spark's event log, on success and on failure.
 * Each run is ./spark-submit.sh in a child process, as a user runs it; the S3 store is an in-process
 * s3proxy on loopback that only accepts the planted keys.
 */
class SecretsIT {
    private static final String BUCKET = "crest-secrets";
    // not shaped like real AWS/HF tokens, so the test checks redaction by key, not by shape
    private static final String ACCESS = "crest-planted-access-7f3a";
    private static final String SECRET = "crest-planted-secret-Q9x2";
    private static final String ENV_SECRET = "crest-planted-env-secret-M4k8";
    private static final String SESSION_TOKEN = "crest-planted-session-token-Z1v5";
    private static final String HF_TOKEN = "hf_crestPlantedHubToken0042";
    private static final List<String> PLANTED = List.of(ACCESS, SECRET, ENV_SECRET, SESSION_TOKEN, HF_TOKEN);

    private static BlobStore store;
    private static Path storeDir; // the objects, as files, so every byte can be searched
    private static S3Proxy proxy;

    record Run(int exit, String stdout, String stderr) {}

    @BeforeAll
    static void startS3() throws Exception {
        storeDir = Fixtures.tempDir("secrets-store-");
        store = new FilesystemNio2BlobStore(storeDir.toString());
        store.createContainer(BUCKET);
        proxy = S3Proxy.builder()
                .blobStore(store)
                .endpoint(URI.create("http://127.0.0.1:0"))
                .awsAuthentication(AuthenticationType.AWS_V2_OR_V4, ACCESS, SECRET)
                .build();
        proxy.start();
        assertThat(proxy.getState()).isEqualTo("STARTED");
    }

    @AfterAll
    static void stopS3() throws Exception {
        if (proxy != null) {
            proxy.stop();
        }
    }

    static Run run(Map<String, String> env, String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>();
        cmd.add("./spark-submit.sh");
        cmd.addAll(List.of(args));
        Path dir = Fixtures.tempDir("secrets-proc-");
        ProcessBuilder pb = new ProcessBuilder(cmd)
                .redirectOutput(dir.resolve("out").toFile())
                .redirectError(dir.resolve("err").toFile());
        pb.environment().put("CREST_DRIVER_MEMORY", "2g");
        pb.environment().putAll(env);
        Process p = pb.start();
        assertThat(p.waitFor(5, TimeUnit.MINUTES)).as("finished in time").isTrue();
        return new Run(p.exitValue(), Files.readString(dir.resolve("out")), Files.readString(dir.resolve("err")));
    }

    private static List<String> s3aConf(String secret, Path eventLog) {
        String e = "spark.hadoop.fs.s3a.";
        return List.of(
                "--conf",
                e + "endpoint=http://127.0.0.1:" + proxy.getPort(),
                "--conf",
                e + "endpoint.region=us-east-1",
                "--conf",
                e + "path.style.access=true",
                "--conf",
                e + "connection.ssl.enabled=false",
                "--conf",
                e + "aws.credentials.provider=org.apache.hadoop.fs.s3a.SimpleAWSCredentialsProvider",
                "--conf",
                e + "access.key=" + ACCESS,
                "--conf",
                e + "secret.key=" + secret,
                "--conf",
                e + "retry.limit=1",
                "--conf",
                e + "attempts.maximum=1",
                "--conf",
                e + "retry.interval=50ms",
                "--conf",
                "spark.executorEnv.HF_TOKEN=" + HF_TOKEN,
                "--conf",
                "spark.eventLog.enabled=true",
                "--conf",
                "spark.eventLog.dir=" + eventLog.toUri(),
                "--conf",
                "spark.eventLog.compress=false");
    }

    private static final Map<String, String> ENV =
            Map.of("HF_TOKEN", HF_TOKEN, "AWS_SECRET_ACCESS_KEY", ENV_SECRET, "AWS_SESSION_TOKEN", SESSION_TOKEN);

    /** Every file under dir, as text. */
    private static String allFiles(Path dir) throws IOException {
        StringBuilder sb = new StringBuilder();
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path f : files.filter(Files::isRegularFile).toList()) {
                sb.append("== ")
                        .append(f)
                        .append('\n')
                        .append(new String(Files.readAllBytes(f), StandardCharsets.ISO_8859_1));
            }
        }
        return sb.toString();
    }

    /** Every object in the bucket: names and bytes (the file-system blob store keeps them as files). */
    private static String allObjects() throws IOException {
        return allFiles(storeDir);
    }

    private static void assertNoPlantedSecret(String where, String text) {
        for (String s : PLANTED) {
            assertThat(text)
                    .as("%s must not contain the planted secret %s", where, s)
                    .doesNotContain(s);
        }
    }

    @Test
    void aSuccessfulS3RunLeaksNoSecret() throws Exception {
        Path events = Fixtures.tempDir("secrets-events-");
        List<String> args = new ArrayList<>(List.of(
                "label", "--verbose", "--input", "examples/messages.jsonl", "--output", "s3a://" + BUCKET + "/ok"));
        args.addAll(s3aConf(SECRET, events));
        Run r = run(ENV, args.toArray(String[]::new));
        assertThat(r.exit()).as("exit; stderr:%n%s", r.stderr()).isZero();

        String objects = allObjects();
        assertThat(objects)
                .as("the job wrote its summary to the bucket")
                .contains("ok/_crest_summary.json")
                .contains("\"status\" : \"ok\"");
        String eventLog = allFiles(events);
        assertThat(eventLog)
                .as("an event log was written and it redacts the s3a keys")
                .contains("SparkListenerApplicationStart", "spark.hadoop.fs.s3a.secret.key", "*********(redacted)");
        assertNoPlantedSecret("stdout", r.stdout());
        assertNoPlantedSecret("stderr", r.stderr());
        assertNoPlantedSecret("the bucket (output, quarantine, summary)", objects);
        assertNoPlantedSecret("the event log", eventLog);
    }

    @Test
    void aFailedS3RunLeaksNoSecretEither() throws Exception {
        Path events = Fixtures.tempDir("secrets-events-bad-");
        String wrongSecret = "crest-planted-wrong-secret-P0q7";
        List<String> args = new ArrayList<>(List.of(
                "label", "--verbose", "--input", "examples/messages.jsonl", "--output", "s3a://" + BUCKET + "/denied"));
        args.addAll(s3aConf(wrongSecret, events));
        Run r = run(ENV, args.toArray(String[]::new));
        assertThat(r.exit())
                .as("a refused signature fails the run; stderr:%n%s", r.stderr())
                .isNotZero();
        assertThat(r.stderr()).as("the error says access was refused").containsIgnoringCase("403");
        String text = r.stdout() + r.stderr() + allFiles(events);
        assertNoPlantedSecret("output of a failed run", text);
        assertThat(text).as("the wrong secret is not printed either").doesNotContain(wrongSecret);
    }

    @Test
    void aHubTokenIsSentButNeverPrinted() throws Exception {
        List<String> authorizations = new CopyOnWriteArrayList<>();
        HttpServer hub = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        hub.createContext("/", ex -> {
            authorizations.add(String.valueOf(ex.getRequestHeaders().getFirst("Authorization")));
            byte[] body =
                    "{\"error\":\"Invalid credentials in Authorization header\"}".getBytes(StandardCharsets.UTF_8);
            ex.sendResponseHeaders(401, body.length);
            ex.getResponseBody().write(body);
            ex.close();
        });
        hub.start();
        try {
            Path cache = Fixtures.tempDir("secrets-hub-cache-");
            Run r = run(
                    Map.of(
                            "HF_TOKEN",
                            HF_TOKEN,
                            "HF_ENDPOINT",
                            "http://127.0.0.1:" + hub.getAddress().getPort()),
                    "model",
                    "pull",
                    "--verbose",
                    "crest-test/private-model",
                    "--cache-dir",
                    cache.toString());
            assertThat(r.exit())
                    .as("a refused token fails the pull; stderr:%n%s", r.stderr())
                    .isNotZero();
            assertThat(authorizations)
                    .as("the token was sent to the hub")
                    .isNotEmpty()
                    .allSatisfy(a -> assertThat(a).isEqualTo("Bearer " + HF_TOKEN));
            assertThat(r.stderr()).as("the message explains the refusal").contains("HF_TOKEN");
            assertNoPlantedSecret("pull output", r.stdout() + r.stderr() + allFiles(cache));
        } finally {
            hub.stop(0);
        }
    }
}
