package org.crest.spark;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Predicate;

/**
 * A loopback HTTP/1.1 proxy between an S3 client (s3a) and an S3 server (s3proxy) that injects faults by
 * request number: every {@code slowDownEvery}-th request gets {@code 503 SlowDown} with S3's XML error body, and
 * every {@code resetEvery}-th a TCP reset (SO_LINGER 0) instead of a response. Requests are counted, not
 * connections (the SDK keeps connections alive). Faults are injected before a request is forwarded, so the
 * server never sees a faulted request and a retry is always safe.
 *
 * <p>A {@link #denyWhen} rule answers matching requests with {@code 403 AccessDenied} (S3 clients do not retry
 * it): a permanent failure, e.g. of the upload of the job's data. Requests are handled one at a time, and
 * {@link #afterEach} runs after each of them, before the next: a reader looking at the store then sees every state
 * the store passes through.
 */
final class FaultProxy implements AutoCloseable {
    /** One request as the proxy saw it. */
    record Request(long number, String method, String target) {
        String query() {
            int q = target.indexOf('?');
            return q < 0 ? "" : target.substring(q + 1);
        }

        /** The object key (path without the bucket), for path-style requests. */
        String key() {
            int q = target.indexOf('?');
            String path = q < 0 ? target : target.substring(0, q);
            int slash = path.indexOf('/', 1);
            return slash < 0 ? "" : java.net.URLDecoder.decode(path.substring(slash + 1), StandardCharsets.UTF_8);
        }

        boolean hasParam(String name) {
            for (String p : query().split("&")) {
                if (p.equals(name) || p.startsWith(name + "=")) {
                    return true;
                }
            }
            return false;
        }

        /** UploadPart: a part of a multipart upload (PUT ?partNumber&uploadId). */
        boolean isUploadPart() {
            return method.equals("PUT") && hasParam("partNumber") && hasParam("uploadId");
        }

        /** CompleteMultipartUpload (POST ?uploadId): the object becomes visible. */
        boolean isCompleteUpload() {
            return method.equals("POST") && hasParam("uploadId");
        }
    }

    private static final boolean TRACE = Boolean.getBoolean("crest.test.proxyTrace");
    private final ServerSocket server;
    private final int upstreamPort;
    private final Thread acceptor;
    private final Set<Socket> open = ConcurrentHashMap.newKeySet();
    private final Object oneAtATime = new Object();
    private volatile int slowDownEvery;
    private volatile int resetEvery;
    private volatile Predicate<Request> deny = r -> false;
    private volatile Runnable afterEach = () -> {};
    private final AtomicLong requests = new AtomicLong();
    private final AtomicLong slowDowns = new AtomicLong();
    private final AtomicLong resets = new AtomicLong();
    private final AtomicLong denied = new AtomicLong();
    private final AtomicLong forwarded = new AtomicLong();

    FaultProxy(int upstreamPort) throws IOException {
        this.upstreamPort = upstreamPort;
        this.server = new ServerSocket();
        server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        acceptor = new Thread(this::acceptLoop, "fault-proxy-accept");
        acceptor.setDaemon(true);
        acceptor.start();
    }

    int port() {
        return server.getLocalPort();
    }

    /** Every n-th request gets 503 SlowDown, every m-th a connection reset (0: never); counters start again. */
    FaultProxy faults(int slowDownEveryN, int resetEveryM) {
        this.slowDownEvery = slowDownEveryN;
        this.resetEvery = resetEveryM;
        requests.set(0);
        slowDowns.set(0);
        resets.set(0);
        denied.set(0);
        forwarded.set(0);
        return this;
    }

    /** Matching requests get 403 AccessDenied from now on. */
    FaultProxy denyWhen(Predicate<Request> rule) {
        this.deny = rule;
        return this;
    }

    /** Runs after every request (under the proxy's lock, before the next request is served). */
    FaultProxy afterEach(Runnable hook) {
        this.afterEach = hook;
        return this;
    }

    long requests() {
        return requests.get();
    }

    long slowDowns() {
        return slowDowns.get();
    }

    long resets() {
        return resets.get();
    }

    long denied() {
        return denied.get();
    }

    long forwarded() {
        return forwarded.get();
    }

    @Override
    public void close() throws IOException {
        server.close();
        for (Socket s : open) {
            try {
                s.close();
            } catch (IOException ignored) {
                // closing anyway
            }
        }
    }

    private void acceptLoop() {
        while (!server.isClosed()) {
            try {
                Socket client = server.accept();
                open.add(client);
                Thread t = new Thread(() -> serve(client), "fault-proxy-conn");
                t.setDaemon(true);
                t.start();
            } catch (IOException e) {
                return; // closed
            }
        }
    }

    private void serve(Socket client) {
        try (client) {
            InputStream in = new BufferedInputStream(client.getInputStream());
            OutputStream out = client.getOutputStream();
            while (true) {
                byte[] head = readHead(in);
                if (head == null) {
                    return; // the client closed its connection
                }
                synchronized (oneAtATime) {
                    try {
                        if (!handle(client, in, out, head)) {
                            return;
                        }
                    } finally {
                        afterEach.run();
                    }
                }
            }
        } catch (IOException e) {
            // the client went away mid-request: nothing to answer
        } finally {
            open.remove(client);
        }
    }

    /** Serves one request; false when the connection is done. */
    private boolean handle(Socket client, InputStream in, OutputStream out, byte[] head) throws IOException {
        String headText = new String(head, StandardCharsets.ISO_8859_1);
        String[] requestLine = headText.substring(0, headText.indexOf("\r\n")).split(" ");
        Map<String, String> headers = headers(headText);
        Request r = new Request(requests.incrementAndGet(), requestLine[0], requestLine[1]);
        if ("100-continue".equalsIgnoreCase(headers.get("expect"))) {
            out.write("HTTP/1.1 100 Continue\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
        }
        byte[] body = readBody(in, headers);
        if (TRACE) {
            System.out.printf("PROXY %d %.3f %s %s%n", r.number(), System.nanoTime() / 1e9, r.method(), r.target());
        }

        if (deny.test(r)) {
            denied.incrementAndGet();
            error(out, r, 403, "Forbidden", "AccessDenied", "Access Denied (injected by the test's fault proxy)");
            return true;
        }
        if (slowDownEvery > 0 && r.number() % slowDownEvery == 0) {
            slowDowns.incrementAndGet();
            error(out, r, 503, "Slow Down", "SlowDown", "Please reduce your request rate.");
            return true;
        }
        if (resetEvery > 0 && r.number() % resetEvery == 0) {
            resets.incrementAndGet();
            client.setSoLinger(true, 0); // close() now sends RST, not FIN
            client.close();
            return false;
        }
        forwarded.incrementAndGet();
        return forward(r, head, body, out);
    }

    private boolean forward(Request r, byte[] head, byte[] body, OutputStream out) throws IOException {
        try (Socket up = new Socket(InetAddress.getLoopbackAddress(), upstreamPort)) {
            OutputStream upOut = up.getOutputStream();
            upOut.write(head);
            upOut.write(body);
            upOut.flush();
            InputStream upIn = new BufferedInputStream(up.getInputStream());
            byte[] respHead;
            int status;
            do { // skip interim 1xx responses (100 Continue from the server)
                respHead = readHead(upIn);
                if (respHead == null) {
                    throw new EOFException("upstream closed without a response to request " + r.number());
                }
                String line = new String(respHead, StandardCharsets.ISO_8859_1);
                status = Integer.parseInt(line.substring(9, 12));
            } while (status >= 100 && status < 200);
            Map<String, String> h = headers(new String(respHead, StandardCharsets.ISO_8859_1));
            out.write(respHead);
            boolean keepAlive = !"close".equalsIgnoreCase(h.get("connection"));
            if (r.method().equals("HEAD") || status == 204 || status == 304) {
                // no body
            } else if (h.getOrDefault("transfer-encoding", "")
                    .toLowerCase(Locale.ROOT)
                    .contains("chunked")) {
                copyChunked(upIn, out);
            } else if (h.containsKey("content-length")) {
                copy(upIn, out, Long.parseLong(h.get("content-length").trim()));
            } else {
                upIn.transferTo(out); // delimited by the end of the connection
                keepAlive = false;
            }
            out.flush();
            return keepAlive;
        }
    }

    private static void error(OutputStream out, Request r, int status, String reason, String code, String message)
            throws IOException {
        String xml = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>" + code + "</Code><Message>" + message
                + "</Message><Resource>" + r.target().replace("&", "&amp;") + "</Resource><RequestId>fault-"
                + r.number()
                + "</RequestId></Error>";
        byte[] b = xml.getBytes(StandardCharsets.UTF_8);
        boolean head = r.method().equals("HEAD");
        String h = "HTTP/1.1 " + status + " " + reason + "\r\nContent-Type: application/xml\r\nContent-Length: "
                + (head ? 0 : b.length) + "\r\nx-amz-request-id: fault-" + r.number() + "\r\n\r\n";
        out.write(h.getBytes(StandardCharsets.ISO_8859_1));
        if (!head) {
            out.write(b);
        }
        out.flush();
    }

    /** The request or response head up to and including the blank line; null at a clean end of stream. */
    private static byte[] readHead(InputStream in) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream(512);
        int matched = 0;
        while (matched < 4) {
            int c = in.read();
            if (c < 0) {
                if (b.size() == 0) {
                    return null;
                }
                throw new EOFException("connection closed inside an HTTP head");
            }
            b.write(c);
            matched = (c == "\r\n\r\n".charAt(matched)) ? matched + 1 : (c == '\r' ? 1 : 0);
            if (b.size() > 65536) {
                throw new IOException("HTTP head over 64 KiB");
            }
        }
        return b.toByteArray();
    }

    private static Map<String, String> headers(String head) {
        Map<String, String> h = new LinkedHashMap<>();
        String[] lines = head.split("\r\n");
        for (int i = 1; i < lines.length; i++) {
            int colon = lines[i].indexOf(':');
            if (colon > 0) {
                h.put(
                        lines[i].substring(0, colon).trim().toLowerCase(Locale.ROOT),
                        lines[i].substring(colon + 1).trim());
            }
        }
        return h;
    }

    /** The request body exactly as sent (chunk framing kept), so it can be forwarded as it came. */
    private static byte[] readBody(InputStream in, Map<String, String> headers) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        if (headers.getOrDefault("transfer-encoding", "")
                .toLowerCase(Locale.ROOT)
                .contains("chunked")) {
            copyChunked(in, b);
        } else if (headers.containsKey("content-length")) {
            copy(in, b, Long.parseLong(headers.get("content-length").trim()));
        }
        return b.toByteArray();
    }

    private static void copy(InputStream in, OutputStream out, long n) throws IOException {
        byte[] buf = new byte[65536];
        long left = n;
        while (left > 0) {
            int k = in.read(buf, 0, (int) Math.min(buf.length, left));
            if (k < 0) {
                throw new EOFException("body ended " + left + " bytes early");
            }
            out.write(buf, 0, k);
            left -= k;
        }
    }

    private static void copyChunked(InputStream in, OutputStream out) throws IOException {
        while (true) {
            String sizeLine = readLine(in);
            out.write((sizeLine + "\r\n").getBytes(StandardCharsets.ISO_8859_1));
            int semi = sizeLine.indexOf(';');
            long size = Long.parseLong((semi < 0 ? sizeLine : sizeLine.substring(0, semi)).trim(), 16);
            if (size == 0) {
                String trailer;
                do { // trailers, then the blank line
                    trailer = readLine(in);
                    out.write((trailer + "\r\n").getBytes(StandardCharsets.ISO_8859_1));
                } while (!trailer.isEmpty());
                return;
            }
            copy(in, out, size + 2); // data and its CRLF
        }
    }

    private static String readLine(InputStream in) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        int prev = -1;
        while (true) {
            int c = in.read();
            if (c < 0) {
                throw new EOFException("connection closed inside a chunked body");
            }
            if (prev == '\r' && c == '\n') {
                byte[] all = b.toByteArray();
                return new String(all, 0, all.length - 1, StandardCharsets.ISO_8859_1);
            }
            b.write(c);
            prev = c;
        }
    }
}
