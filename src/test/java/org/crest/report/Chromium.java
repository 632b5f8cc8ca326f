package org.crest.report;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;

/**
 * A headless Chromium driven over the DevTools protocol (CDP) with {@link java.net.http.WebSocket}: just what the
 * report's browser test needs (launch, one page session, commands, recorded events, screenshot, reliable kill). The
 * browser runs with a fresh profile and without any background networking, so the only traffic is what a page asks
 * for.
 */
final class Chromium implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration COMMAND_TIMEOUT = Duration.ofSeconds(60);

    private final Process process;
    private final Path profile;
    private final Path log;
    private final WebSocket socket;
    private final AtomicInteger ids = new AtomicInteger();
    private final Map<Integer, CompletableFuture<JsonNode>> pending = new ConcurrentHashMap<>();
    private final List<JsonNode> events = new ArrayList<>();
    private String session;

    private Chromium(Process process, Path profile, Path log, WebSocket.Builder builder, URI uri) throws Exception {
        this.process = process;
        this.profile = profile;
        this.log = log;
        this.socket = builder.buildAsync(uri, new Listener()).get(30, TimeUnit.SECONDS);
    }

    /** /usr/bin/chromium (Debian's package), else chromium or chromium-browser on PATH; empty when none. */
    static Optional<Path> find() {
        List<Path> candidates = new ArrayList<>(List.of(Path.of("/usr/bin/chromium")));
        String path = System.getenv("PATH");
        if (path != null) {
            for (String d : path.split(java.io.File.pathSeparator)) {
                if (!d.isEmpty()) {
                    candidates.add(Path.of(d, "chromium"));
                    candidates.add(Path.of(d, "chromium-browser"));
                }
            }
        }
        return candidates.stream().filter(Files::isExecutable).findFirst();
    }

    /**
     * Starts {@code binary} headless with a {@code width}×{@code height} window and a fresh profile under
     * {@code workDir}, connects to it and opens one blank page with its own CDP session.
     */
    static Chromium launch(Path binary, Path workDir, int width, int height) throws Exception {
        Path profile = Files.createDirectories(workDir.resolve("profile"));
        Path log = workDir.resolve("chromium.log");
        List<String> cmd = List.of(
                binary.toString(),
                "--headless",
                "--no-sandbox", // the tests may run as root (CI containers)
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--no-default-browser-check",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--disable-extensions",
                "--disable-dev-shm-usage",
                "--hide-scrollbars",
                "--window-size=" + width + "," + height,
                "--remote-debugging-address=127.0.0.1",
                "--remote-debugging-port=0",
                "--user-data-dir=" + profile,
                "about:blank");
        Process p = new ProcessBuilder(cmd)
                .redirectErrorStream(true)
                .redirectOutput(log.toFile())
                .start();
        try {
            // Chromium writes the port it chose and the browser's WebSocket path here once it listens
            Path active = profile.resolve("DevToolsActivePort");
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            List<String> lines = List.of();
            while (lines.size() < 2) {
                if (!p.isAlive()) {
                    throw new IllegalStateException(
                            "Chromium exited with " + p.exitValue() + " before it listened; its log: " + tail(log));
                }
                if (System.nanoTime() > deadline) {
                    throw new TimeoutException(
                            "Chromium did not write " + active + " within 60 s; its log: " + tail(log));
                }
                Thread.sleep(100);
                if (Files.exists(active)) {
                    lines = Files.readAllLines(active, StandardCharsets.UTF_8);
                }
            }
            URI uri = URI.create(
                    "ws://127.0.0.1:" + lines.get(0).trim() + lines.get(1).trim());
            WebSocket.Builder builder = HttpClient.newHttpClient().newWebSocketBuilder();
            Chromium c = new Chromium(p, profile, log, builder, uri);
            String target = c.send("Target.createTarget", Map.of("url", "about:blank"))
                    .get("targetId")
                    .asText();
            c.session = c.send("Target.attachToTarget", Map.of("targetId", target, "flatten", true))
                    .get("sessionId")
                    .asText();
            return c;
        } catch (Exception | Error e) {
            kill(p);
            throw e;
        }
    }

    /** Sends a command to the browser (no session) and waits for its result; a CDP error is an exception. */
    JsonNode send(String method, Map<String, ?> params) throws Exception {
        return call(null, method, params);
    }

    /** Sends a command to the page's session. */
    JsonNode page(String method, Map<String, ?> params) throws Exception {
        return call(session, method, params);
    }

    private JsonNode call(String sessionId, String method, Map<String, ?> params) throws Exception {
        int id = ids.incrementAndGet();
        ObjectNode msg = JSON.createObjectNode();
        msg.put("id", id);
        msg.put("method", method);
        msg.set("params", JSON.valueToTree(params));
        if (sessionId != null) {
            msg.put("sessionId", sessionId);
        }
        CompletableFuture<JsonNode> f = new CompletableFuture<>();
        pending.put(id, f);
        socket.sendText(JSON.writeValueAsString(msg), true).get(30, TimeUnit.SECONDS);
        JsonNode r;
        try {
            r = f.get(COMMAND_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
        } finally {
            pending.remove(id);
        }
        if (r.has("error")) {
            throw new IllegalStateException("CDP " + method + " failed: " + r.get("error"));
        }
        return r.path("result");
    }

    /** Every event received so far (a copy), in order. */
    List<JsonNode> events() {
        synchronized (events) {
            return new ArrayList<>(events);
        }
    }

    /** Events of one method received so far. */
    List<JsonNode> events(String method) {
        return events().stream()
                .filter(e -> method.equals(e.path("method").asText()))
                .toList();
    }

    /** Waits until an event of {@code method} matching {@code test} has arrived; returns it. */
    JsonNode await(String method, Predicate<JsonNode> test, Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        synchronized (events) {
            while (true) {
                for (JsonNode e : events) {
                    if (method.equals(e.path("method").asText()) && test.test(e)) {
                        return e;
                    }
                }
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    throw new TimeoutException("no " + method + " event within " + timeout + "; log: " + tail(log));
                }
                events.wait(Math.max(1, TimeUnit.NANOSECONDS.toMillis(left)));
            }
        }
    }

    /** Closes the browser: Browser.close, then kills it and every process it started, whatever state it is in. */
    @Override
    public void close() {
        // its children before it exits: once it is gone they are orphans that descendants() no longer finds
        List<ProcessHandle> children = process.descendants().toList();
        try {
            socket.sendText("{\"id\":" + ids.incrementAndGet() + ",\"method\":\"Browser.close\"}", true)
                    .get(5, TimeUnit.SECONDS);
            process.waitFor(5, TimeUnit.SECONDS);
        } catch (Exception e) {
            // killed below
        }
        socket.abort();
        kill(process, children);
    }

    static void kill(Process p) {
        kill(p, p.descendants().toList());
    }

    /**
     * Kills the process tree (renderers, zygotes, GPU and crash handler processes, then the browser) and waits up to 10
     * s for each to exit.
     */
    static void kill(Process p, List<ProcessHandle> children) {
        List<ProcessHandle> all = new ArrayList<>(children);
        p.descendants().filter(h -> !all.contains(h)).forEach(all::add);
        all.forEach(ProcessHandle::destroyForcibly);
        p.destroyForcibly();
        try {
            p.waitFor(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        for (ProcessHandle c : all) {
            c.onExit().completeOnTimeout(null, 10, TimeUnit.SECONDS).join();
        }
    }

    Process process() {
        return process;
    }

    Path profile() {
        return profile;
    }

    static String tail(Path log) {
        try {
            String s = Files.readString(log, StandardCharsets.UTF_8);
            return s.length() > 2000 ? "..." + s.substring(s.length() - 2000) : s;
        } catch (IOException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }

    private final class Listener implements WebSocket.Listener {
        private final StringBuilder buf = new StringBuilder();

        @Override
        public CompletionStage<?> onText(WebSocket ws, CharSequence data, boolean last) {
            buf.append(data);
            if (last) {
                String text = buf.toString();
                buf.setLength(0);
                try {
                    JsonNode m = JSON.readTree(text);
                    if (m.has("id")) {
                        CompletableFuture<JsonNode> f = pending.get(m.get("id").asInt());
                        if (f != null) {
                            f.complete(m);
                        }
                    } else {
                        synchronized (events) {
                            events.add(m);
                            events.notifyAll();
                        }
                    }
                } catch (IOException e) {
                    // not JSON: CDP never sends that; ignore
                }
            }
            ws.request(1);
            return null;
        }

        @Override
        public void onError(WebSocket ws, Throwable error) {
            pending.values().forEach(f -> f.completeExceptionally(error));
        }
    }
}
