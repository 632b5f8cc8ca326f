package org.crest.model;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.crest.Fixtures;

/**
 * A loopback server that answers like the Hub's resolve endpoint ({@code /ORG/NAME/resolve/REV/FILE}), serving the
 * committed checkpoint-tiny fixture with ETag = sha256 of each file and X-Repo-Commit, and misbehaving on request:
 * cut-off, corrupted or resumed transfers of model.safetensors, a body that does not match its ETag, and per file
 * an HTML page, an empty body or a body that stalls half-way ({@link #fault}). Repositories: test/tiny,
 * test/lfs (model.safetensors redirected to /cdn/ with X-Linked-*), test/sharded ({@link #sharded}),
 * test/pt-only (pytorch_model.bin only), test/gated (401); anything else 404.
 */
final class FakeHub implements AutoCloseable {
    static final String COMMIT = "0123456789abcdef0123456789abcdef01234567";
    static final Path TINY = Fixtures.ROOT.resolve("checkpoint-tiny");
    static final String HTML =
            "<!DOCTYPE html>\n<html><head><title>Sign in</title></head><body>Please sign in" + "</body></html>\n";

    enum Mode {
        NORMAL,
        WRONG_HASH
    }

    /** How a file is served wrongly: an HTML page (with its own sha256 as ETag), an empty body, a stalled body. */
    enum Fault {
        HTML,
        EMPTY,
        STALL
    }

    private final HttpServer server;
    private final ExecutorService handlers;
    final String endpoint;
    final AtomicInteger hits = new AtomicInteger();
    final List<String> authorizations = new CopyOnWriteArrayList<>();
    final List<String> cdnAuthorizations = new CopyOnWriteArrayList<>();
    volatile Mode mode = Mode.NORMAL;
    volatile Path sharded;
    // model.safetensors: what the server did and how it misbehaves
    final AtomicInteger weightGets = new AtomicInteger();
    final AtomicLong weightBytesServed = new AtomicLong();
    final List<String> ranges = new CopyOnWriteArrayList<>();
    final AtomicInteger cutsLeft = new AtomicInteger();
    volatile boolean rangeSupport = true;
    volatile boolean corruptRanges;
    volatile byte[] bigBody;
    /** With holdFirst, the first model.safetensors GET counts firstRequest down and waits for release. */
    volatile boolean holdFirst;

    final CountDownLatch firstRequest = new CountDownLatch(1);
    final CountDownLatch release = new CountDownLatch(1);
    /** Faults per file name, and how many more requests of that file get them. */
    private final Map<String, Fault> faults = new ConcurrentHashMap<>();

    private final Map<String, AtomicInteger> faultsLeft = new ConcurrentHashMap<>();
    final AtomicInteger faultsServed = new AtomicInteger();
    private final CountDownLatch closing = new CountDownLatch(1);

    FakeHub() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/", this::handle);
        handlers = Executors.newCachedThreadPool();
        server.setExecutor(handlers); // concurrent requests are served concurrently
        server.start();
        endpoint = "http://127.0.0.1:" + server.getAddress().getPort();
    }

    /** Serves {@code file} (of every repository) with {@code fault} for the next {@code times} requests of it. */
    void fault(String file, Fault fault, int times) {
        faults.put(file, fault);
        faultsLeft.put(file, new AtomicInteger(times));
    }

    /** Serves every file correctly again. */
    void heal() {
        faults.clear();
        faultsLeft.clear();
    }

    @Override
    public void close() {
        closing.countDown();
        release.countDown();
        server.stop(0);
        handlers.shutdownNow();
    }

    private void handle(HttpExchange ex) throws IOException {
        hits.incrementAndGet();
        try (ex) {
            authorizations.add(String.valueOf(ex.getRequestHeaders().getFirst("Authorization")));
            // /{org}/{name}/resolve/{rev}/{file}
            if (ex.getRequestURI().getPath().startsWith("/cdn/")) {
                // the CDN an LFS file redirects to: the bytes, no hash headers
                cdnAuthorizations.add(String.valueOf(ex.getRequestHeaders().getFirst("Authorization")));
                send(
                        ex,
                        200,
                        null,
                        Files.readAllBytes(
                                TINY.resolve(ex.getRequestURI().getPath().substring(5))));
                return;
            }
            String[] p = ex.getRequestURI().getPath().split("/", 6);
            if (p.length < 6 || !p[3].equals("resolve")) {
                send(ex, 400, null, new byte[0]);
                return;
            }
            String repo = p[1] + "/" + p[2];
            String file = p[5];
            boolean revOk = p[4].equals("main") || p[4].equals(COMMIT);
            ex.getResponseHeaders().add("X-Repo-Commit", COMMIT);
            switch (repo) {
                case "test/gated" -> {
                    ex.getResponseHeaders().add("X-Error-Code", "GatedRepo");
                    send(ex, 401, null, "gated".getBytes());
                    return;
                }
                case "test/tiny", "test/pt-only", "test/sharded", "test/lfs" -> {}
                default -> {
                    ex.getResponseHeaders().add("X-Error-Code", "RepoNotFound");
                    send(ex, 404, null, "not found".getBytes());
                    return;
                }
            }
            if (!revOk) {
                ex.getResponseHeaders().add("X-Error-Code", "RevisionNotFound");
                send(ex, 404, null, new byte[0]);
                return;
            }
            Path f = (repo.equals("test/sharded") ? sharded : TINY).resolve(file);
            boolean served = Files.isRegularFile(f)
                    && !file.contains("..")
                    && (!repo.equals("test/pt-only") || !file.endsWith(".safetensors"));
            if (repo.equals("test/pt-only") && file.equals("pytorch_model.bin")) {
                send(ex, 200, null, new byte[] {0x50, 0x4b});
                return;
            }
            if (!served) {
                ex.getResponseHeaders().add("X-Error-Code", "EntryNotFound");
                send(ex, 404, null, new byte[0]);
                return;
            }
            byte[] body = Files.readAllBytes(f);
            boolean big = file.equals("model.safetensors");
            if (big && bigBody != null) {
                body = bigBody;
            }
            if (serveFault(ex, file, body)) {
                return;
            }
            if (repo.equals("test/lfs") && file.endsWith(".safetensors")) {
                // as the Hub answers for an LFS file: 302 to another host, with the sha256 and size in X-Linked-*
                ex.getResponseHeaders().add("X-Linked-Etag", "\"" + sha256(body) + "\"");
                ex.getResponseHeaders().add("X-Linked-Size", String.valueOf(body.length));
                ex.getResponseHeaders()
                        .add(
                                "Location",
                                "http://localhost:" + server.getAddress().getPort() + "/cdn/" + file);
                send(ex, 302, null, new byte[0]);
                return;
            }
            String etag = "\"" + sha256(body) + "\"";
            if (big && mode == Mode.WRONG_HASH) {
                // chunked (no length announced), half the body, the ETag of the whole file
                ex.getResponseHeaders().add("ETag", etag);
                ex.sendResponseHeaders(200, 0);
                ex.getResponseBody().write(body, 0, body.length / 2);
                return;
            }
            if (big && ex.getRequestMethod().equals("GET")) {
                serveWeights(ex, etag, body);
                return;
            }
            send(ex, 200, etag, body);
        }
    }

    /** Serves file's fault if one is set and left; true when it did. */
    private boolean serveFault(HttpExchange ex, String file, byte[] body) throws IOException {
        Fault fault = faults.get(file);
        AtomicInteger left = faultsLeft.get(file);
        if (fault == null || left == null || !ex.getRequestMethod().equals("GET") || left.getAndDecrement() <= 0) {
            return false;
        }
        faultsServed.incrementAndGet();
        switch (fault) {
            case HTML -> {
                // a captive portal or a misconfigured mirror: 200, an HTML page with its own (valid) ETag
                byte[] page = HTML.getBytes(StandardCharsets.UTF_8);
                ex.getResponseHeaders().add("Content-Type", "text/html");
                send(ex, 200, "\"" + sha256(page) + "\"", page);
            }
            case EMPTY -> send(ex, 200, null, new byte[0]);
            case STALL -> {
                // the headers and half the body of the real file, then nothing until the test ends
                ex.getResponseHeaders().add("ETag", "\"" + sha256(body) + "\"");
                ex.sendResponseHeaders(200, body.length);
                OutputStream out = ex.getResponseBody();
                out.write(body, 0, body.length / 2);
                out.flush();
                try {
                    closing.await(60, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                throw new IOException("stalled on purpose"); // never sends the rest
            }
            default -> throw new IllegalStateException(String.valueOf(fault));
        }
        return true;
    }

    /**
     * model.safetensors: honours {@code Range: bytes=N-} (with If-Range) while rangeSupport is on, cuts the
     * connection after half of what it sends while cutsLeft is positive, flips the bytes of a 206 answer when
     * corruptRanges is on, and with holdFirst holds the first request until the test counts {@link #release} down.
     */
    private void serveWeights(HttpExchange ex, String etag, byte[] body) throws IOException {
        int nth = weightGets.incrementAndGet();
        if (holdFirst && nth == 1) {
            firstRequest.countDown();
            try {
                if (!release.await(120, TimeUnit.SECONDS)) {
                    throw new IOException("the test never released the first model.safetensors request");
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        String range = ex.getRequestHeaders().getFirst("Range");
        String ifRange = ex.getRequestHeaders().getFirst("If-Range");
        ranges.add(String.valueOf(range));
        Matcher m = Pattern.compile("bytes=(\\d+)-").matcher(range == null ? "" : range);
        boolean partial = rangeSupport
                && m.matches()
                && Integer.parseInt(m.group(1)) < body.length
                && (ifRange == null || ifRange.equals(etag));
        int from = partial ? Integer.parseInt(m.group(1)) : 0;
        byte[] part = Arrays.copyOfRange(body, from, body.length);
        if (partial && corruptRanges) {
            for (int i = 0; i < part.length; i++) {
                part[i] = (byte) ~part[i];
            }
        }
        ex.getResponseHeaders().add("ETag", etag);
        if (partial) {
            ex.getResponseHeaders().add("Content-Range", "bytes " + from + "-" + (body.length - 1) + "/" + body.length);
        }
        ex.sendResponseHeaders(partial ? 206 : 200, part.length);
        boolean cut = cutsLeft.getAndDecrement() > 0;
        int n = cut ? part.length / 2 : part.length;
        OutputStream out = ex.getResponseBody();
        out.write(part, 0, n);
        weightBytesServed.addAndGet(n);
        if (cut) {
            out.flush();
            // a moment for the client to read what was sent: the JDK client drops bytes still queued when the
            // connection fails, so without it the client may keep a little less than was sent (the tests allow that)
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            throw new IOException("cut off on purpose"); // the server closes the connection mid-body
        }
    }

    private static void send(HttpExchange ex, int status, String etag, byte[] body) throws IOException {
        if (etag != null) {
            ex.getResponseHeaders().add("ETag", etag);
        }
        boolean head = ex.getRequestMethod().equals("HEAD");
        if (head) {
            ex.getResponseHeaders().add("Content-Length", String.valueOf(body.length));
        }
        ex.sendResponseHeaders(status, head ? -1 : (body.length == 0 ? -1 : body.length));
        if (!head && body.length > 0) {
            ex.getResponseBody().write(body);
        }
    }

    static String sha256(byte[] b) {
        try {
            return java.util.HexFormat.of()
                    .formatHex(MessageDigest.getInstance("SHA-256").digest(b));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** N of a {@code bytes=N-} Range header. */
    static long rangeStart(String range) {
        Matcher m = Pattern.compile("bytes=(\\d+)-").matcher(range);
        assertThat(m.matches()).as("a Range header: %s", range).isTrue();
        return Long.parseLong(m.group(1));
    }
}
