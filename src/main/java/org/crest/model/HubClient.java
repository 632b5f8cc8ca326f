package org.crest.model;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.crest.ModelException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Downloads files of a Hugging Face Hub model repository ({@code {endpoint}/{repo}/resolve/{revision}/{file}})
 * into a cache laid out as huggingface_hub lays it out: {@code {root}/hub/models--ORG--NAME/snapshots/{commit}/FILE}
 * and {@code refs/{revision}} holding the commit a branch or tag resolved to. Files are written to a temporary
 * file, checked against the size and hash the server announced ({@code X-Linked-Etag} / {@code ETag}: the sha256
 * of an LFS file, the git blob sha1 of a small one; {@code X-Linked-Size} / {@code Content-Length}) and only then
 * renamed into place, so a cut-off or corrupted download never lands in the cache. A transfer that breaks off
 * is kept as {@code .FILE.HASH.incomplete} and continued with a Range request (a few times at once, and by a later
 * run); a lock per file ({@code hub/.locks/models--ORG--NAME/FILE.lock}) lets only one of several concurrent pulls
 * download it. The token is sent as {@code Authorization: Bearer} to the endpoint's host only and never logged.
 *
 * <p>Before a file is renamed into the snapshot, its content is checked too ({@link CacheCheck}: config.json,
 * tokenizer.json and the index are JSON objects of the right kind, a .safetensors file has a valid header whose
 * tensors lie inside it), so an HTML page or an empty body the server sent is refused and never cached. Every
 * read has a timeout: the response headers, and the body, which is abandoned after {@code readTimeout} without
 * a byte (HF_HUB_DOWNLOAD_TIMEOUT seconds, default 60) and then retried or resumed as a transfer that broke off.
 * Without an announced hash the partial file is {@code .FILE.incomplete}, never continued and removed when the
 * transfer fails.
 */
public final class HubClient {
    private static final Logger LOG = LoggerFactory.getLogger(HubClient.class);
    public static final String DEFAULT_ENDPOINT = "https://huggingface.co";
    /** Files at least this large log their progress every 10 %. */
    static final long PROGRESS_MIN_BYTES = 16L << 20;
    /** A transfer that broke off is retried this many times, resuming where the server allows. */
    static final int RETRIES = 3;
    /** The pause before the first retry; it doubles before each further one. */
    static final long RETRY_DELAY_MS = 250;

    private static final Pattern SHA256 = Pattern.compile("[0-9a-f]{64}");
    private static final Pattern SHA1 = Pattern.compile("[0-9a-f]{40}");
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]*");
    /** How long a response's headers, or the next bytes of its body, may take before the read is abandoned. */
    public static final Duration DEFAULT_READ_TIMEOUT = Duration.ofSeconds(60);

    /** A model repository and a revision (branch, tag or commit; default main). */
    public record Repo(String id, String revision) {
        public static Repo parse(String spec) {
            String s = spec == null ? "" : spec.trim();
            String rev = "main";
            int at = s.indexOf('@');
            if (at >= 0) {
                rev = s.substring(at + 1);
                s = s.substring(0, at);
            }
            String[] parts = s.split("/", -1);
            boolean ok = parts.length >= 1 && parts.length <= 2 && !rev.isBlank() && !rev.contains("..");
            for (String p : parts) {
                ok &= NAME.matcher(p).matches() && !p.contains("--") && !p.contains("..");
            }
            if (!ok) {
                throw new ModelException("Cannot read the Hub model " + spec
                        + ": expected ORG/NAME or ORG/NAME@REVISION " + "(e.g. repelloai/CREST-Base)");
            }
            return new Repo(s, rev);
        }

        /** The repository's folder in the hub cache: models--ORG--NAME. */
        public String folderName() {
            return "models--" + id.replace("/", "--");
        }

        Repo at(String rev) {
            return new Repo(id, rev);
        }

        @Override
        public String toString() {
            return revision.equals("main") ? id : id + "@" + revision;
        }
    }

    /** A file the Hub answered 404 for. */
    public static final class NotFoundException extends ModelException {
        private static final long serialVersionUID = 1L;

        NotFoundException(String message) {
            super(message);
        }
    }

    private final URI endpoint;
    private final String token;
    private final Path root;
    private final boolean offline;
    private final HttpClient http;
    private final Duration readTimeout;
    private final AtomicInteger requests = new AtomicInteger();

    /**
     * @param endpoint the Hub, e.g. https://huggingface.co (HF_ENDPOINT)
     * @param token a Hub access token (HF_TOKEN), or null
     * @param cacheRoot the cache root ($HF_HOME): Hub files go to cacheRoot/hub, converted bundles to cacheRoot/crest
     * @param offline use the cache only (HF_HUB_OFFLINE=1)
     */
    public HubClient(String endpoint, String token, Path cacheRoot, boolean offline) {
        this(endpoint, token, cacheRoot, offline, DEFAULT_READ_TIMEOUT);
    }

    /**
     * As {@link #HubClient(String, String, Path, boolean)}, with the time a response's headers or the next bytes of
     * its body may take before the read is abandoned (a stalled body is then retried or resumed).
     */
    public HubClient(String endpoint, String token, Path cacheRoot, boolean offline, Duration readTimeout) {
        this.readTimeout = readTimeout;
        String e = endpoint == null || endpoint.isBlank() ? DEFAULT_ENDPOINT : endpoint.trim();
        this.endpoint = URI.create(e.endsWith("/") ? e.substring(0, e.length() - 1) : e);
        this.token = token == null || token.isBlank() ? null : token.trim();
        this.root = cacheRoot;
        this.offline = offline;
        this.http = HttpClient.newBuilder()
                .connectTimeout(Duration.ofSeconds(30))
                .followRedirects(HttpClient.Redirect.NEVER)
                .build();
    }

    /**
     * From HF_ENDPOINT, HF_TOKEN, HF_HOME, HF_HUB_OFFLINE and HF_HUB_DOWNLOAD_TIMEOUT (seconds); {@code cacheDir}
     * (--cache-dir) replaces HF_HOME. Refuses a cache root that exists but is not a folder.
     */
    public static HubClient fromEnvironment(Path cacheDir) {
        Path root = cacheDir != null ? cacheDir : defaultCacheRoot();
        String where = cacheDir != null ? "--cache-dir" : "the Hub cache ($HF_HOME)";
        if (Files.exists(root) && !Files.isDirectory(root)) {
            throw new ModelException("Cannot use " + where + " " + root + ": it is a file, not a folder; pass a folder "
                    + "(it is created if missing)");
        }
        if (Files.exists(root.resolve("hub")) && !Files.isDirectory(root.resolve("hub"))) {
            throw new ModelException(
                    "Cannot use " + where + " " + root + ": " + root.resolve("hub") + " is a file, not " + "a folder");
        }
        return new HubClient(
                System.getenv("HF_ENDPOINT"),
                System.getenv("HF_TOKEN"),
                root,
                truthy(System.getenv("HF_HUB_OFFLINE")),
                readTimeout(System.getenv("HF_HUB_DOWNLOAD_TIMEOUT")));
    }

    /** HF_HUB_DOWNLOAD_TIMEOUT: seconds (a decimal number above 0); unset or blank: the default. */
    static Duration readTimeout(String seconds) {
        if (seconds == null || seconds.isBlank()) {
            return DEFAULT_READ_TIMEOUT;
        }
        try {
            double s = Double.parseDouble(seconds.trim());
            if (s > 0 && s <= 86_400) {
                return Duration.ofMillis(Math.max(1, Math.round(s * 1000)));
            }
        } catch (NumberFormatException e) {
            // refused below
        }
        throw new ModelException("Cannot use HF_HUB_DOWNLOAD_TIMEOUT=" + seconds + ": expected seconds, a number "
                + "above 0 (default " + DEFAULT_READ_TIMEOUT.toSeconds() + ")");
    }

    /** How long a response's headers, or the next bytes of its body, may take. */
    public Duration readTimeout() {
        return readTimeout;
    }

    static Path defaultCacheRoot() {
        String home = System.getenv("HF_HOME");
        if (home != null && !home.isBlank()) {
            return Path.of(home);
        }
        String xdg = System.getenv("XDG_CACHE_HOME");
        Path base = xdg != null && !xdg.isBlank() ? Path.of(xdg) : Path.of(System.getProperty("user.home"), ".cache");
        return base.resolve("huggingface");
    }

    static boolean truthy(String v) {
        return v != null && List.of("1", "on", "yes", "true").contains(v.trim().toLowerCase(Locale.ROOT));
    }

    public Path cacheRoot() {
        return root;
    }

    public Path hubCache() {
        return root.resolve("hub");
    }

    public boolean offline() {
        return offline;
    }

    /** HTTP requests sent so far (redirect hops included). */
    public int requests() {
        return requests.get();
    }

    public Path repoDir(Repo r) {
        return hubCache().resolve(r.folderName());
    }

    /** The commit (or, without one, the revision) whose snapshot holds repo@revision, read from refs/. */
    public String cachedCommit(Repo r) {
        Path ref = repoDir(r).resolve("refs").resolve(r.revision());
        if (Files.isRegularFile(ref)) {
            try {
                String c = Files.readString(ref).trim();
                if (!c.isEmpty()) {
                    return c;
                }
            } catch (IOException e) {
                throw new UncheckedIOException("Cannot read " + ref, e);
            }
        }
        return r.revision();
    }

    /** The snapshot folder of repo@revision (it may not exist yet). */
    public Path snapshotDir(Repo r) {
        return repoDir(r).resolve("snapshots").resolve(safe(cachedCommit(r)));
    }

    private static String safe(String rev) {
        return rev.replace('/', '_').replace('\\', '_');
    }

    /**
     * The local path of {@code file} of repo@revision: from the cache when it is there (no request), else
     * downloaded and verified. With a branch or tag, the commit the server names ({@code X-Repo-Commit}) is
     * recorded in refs/REVISION; pass {@link #pinned} to fetch the other files of the same commit.
     *
     * @throws NotFoundException when the Hub answers 404
     */
    public Path file(Repo r, String file) {
        return file(r, file, false);
    }

    /**
     * As {@link #file(Repo, String)}; with {@code force}, downloaded (and verified) again even when it is cached,
     * replacing the cached file only once the new one has passed the checks.
     */
    public Path file(Repo r, String file, boolean force) {
        Path cached = snapshotDir(r).resolve(file);
        if (Files.isRegularFile(cached) && !(force && !offline)) {
            return cached;
        }
        if (offline) {
            throw new ModelException("Cannot get " + file + " of " + r + ": HF_HUB_OFFLINE is set and it is not in the "
                    + "cache " + hubCache() + " (" + describeCache(r) + "); run crest model pull " + r
                    + " with network access first, or unset HF_HUB_OFFLINE");
        }
        return download(r, file, force);
    }

    /** repo@revision with the revision replaced by the commit it resolved to, when one is known. */
    public Repo pinned(Repo r) {
        return r.at(cachedCommit(r));
    }

    /** Whether the Hub has {@code file} (a HEAD request; false on 404). */
    public synchronized boolean exists(Repo r, String file) {
        if (offline) {
            return Files.isRegularFile(snapshotDir(r).resolve(file));
        }
        hops.clear();
        try {
            closeQuietly(send(r, file, "HEAD"));
            return true;
        } catch (NotFoundException e) {
            return false;
        }
    }

    private URI url(Repo r, String file) {
        StringBuilder path = new StringBuilder();
        for (String seg : file.split("/")) {
            path.append('/')
                    .append(URLEncoder.encode(seg, StandardCharsets.UTF_8).replace("+", "%20"));
        }
        return URI.create(
                endpoint + "/" + r.id() + "/resolve/" + URLEncoder.encode(r.revision(), StandardCharsets.UTF_8) + path);
    }

    /**
     * Headers gathered over redirect hops: the Hub's own answer carries X-Linked-*, the CDN's the body.
     *
     * @param hash the sha256 or git blob sha1 announced, else the ETag of the body (null when none)
     * @param size the whole file's size, -1 when unknown
     * @param etag the raw ETag of the hop that sent the body (what If-Range must repeat), or null
     * @param rangeStart the first byte of a 206 answer (Content-Range), -1 without one
     * @param rangeTotal the whole size a Content-Range names, -1 when it names none
     */
    private record Announced(String commit, String hash, long size, String etag, long rangeStart, long rangeTotal) {
        /** What names a kept partial file: the announced hash, so a different version never continues it. */
        String key() {
            if (hash == null || hash.isBlank()) {
                return null;
            }
            String k = hash.replaceAll("[^0-9A-Za-z_-]", "_");
            return k.length() <= 64 ? k : sha256Hex(k);
        }
    }

    private HttpResponse<InputStream> send(Repo r, String file, String method) {
        return send(r, file, method, 0, null);
    }

    /**
     * Sends method for file, following redirects. With {@code from > 0} it asks for {@code Range: bytes=from-}
     * (and {@code If-Range: ifRange} when given) and also returns a 206 or 416 answer; else only a 200 one.
     */
    private HttpResponse<InputStream> send(Repo r, String file, String method, long from, String ifRange) {
        URI uri = url(r, file);
        String where = file + " of " + r + " from " + endpoint;
        for (int hop = 0; hop < 10; hop++) {
            HttpRequest.Builder b = HttpRequest.newBuilder(uri)
                    .timeout(readTimeout)
                    .header(
                            "User-Agent",
                            "crest-spark/" + CheckpointConverter.version().replace(' ', '-'))
                    .method(method, HttpRequest.BodyPublishers.noBody());
            if (token != null && sameHost(uri)) {
                b.header("Authorization", "Bearer " + token);
            }
            if (from > 0) {
                b.header("Range", "bytes=" + from + "-");
                if (ifRange != null) {
                    b.header("If-Range", ifRange);
                }
            }
            HttpResponse<InputStream> resp;
            try {
                requests.incrementAndGet();
                resp = http.send(b.build(), HttpResponse.BodyHandlers.ofInputStream());
            } catch (IOException e) {
                throw new ModelException(
                        "Cannot download " + where + ": cannot reach " + uri.getHost() + " ("
                                + e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage())
                                + "). "
                                + "In the cache " + hubCache() + ": " + describeCache(r)
                                + ". To run from the cache only, set "
                                + "HF_HUB_OFFLINE=1; behind a proxy or mirror, set HF_ENDPOINT",
                        e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new ModelException("Interrupted while downloading " + where, e);
            }
            int status = resp.statusCode();
            if (status >= 300
                    && status < 400
                    && resp.headers().firstValue("Location").isPresent()) {
                closeQuietly(resp);
                hops.add(resp.headers());
                uri = uri.resolve(resp.headers().firstValue("Location").get());
                continue;
            }
            if (status == 200 || (from > 0 && (status == 206 || status == 416))) {
                hops.add(resp.headers());
                return resp;
            }
            closeQuietly(resp);
            String code = resp.headers().firstValue("X-Error-Code").orElse("");
            if (status == 404) {
                String what =
                        switch (code) {
                            case "RepoNotFound" ->
                                "there is no model repository " + r.id() + " (or it is private: set HF_TOKEN)";
                            case "RevisionNotFound" -> r.id() + " has no revision " + r.revision();
                            default ->
                                code.equals("EntryNotFound")
                                        ? r + " has no file " + file
                                        : "not found (no repository " + r.id() + ", no revision " + r.revision()
                                                + " or no file " + file + ")";
                        };
                throw new NotFoundException("Cannot download " + where + ": HTTP 404, " + what);
            }
            if (status == 401 || status == 403) {
                throw new ModelException(
                        "Cannot download " + where + ": HTTP " + status + ", the repository is gated or "
                                + "private"
                                + (token == null
                                        ? "; set HF_TOKEN to an access token of an account that may read it (and accept the model's terms "
                                                + "on its Hub page)"
                                        : "; the token in HF_TOKEN may not read it (accept the model's terms on its Hub page, or use a "
                                                + "token with read access)")
                                + (code.isEmpty() ? "" : " [" + code + "]"));
            }
            throw new ModelException(
                    "Cannot download " + where + ": HTTP " + status + (code.isEmpty() ? "" : " [" + code + "]"));
        }
        throw new ModelException("Cannot download " + where + ": too many redirects");
    }

    // headers of the hops of the request in flight (a client downloads one file at a time)
    private final List<HttpHeaders> hops = new ArrayList<>();

    /**
     * Downloads file while holding its lock, so that of two pulls of the same file (threads or processes) one
     * downloads and the other waits, then finds it cached and sends no request.
     */
    private synchronized Path download(Repo r, String file, boolean force) {
        Path locks = hubCache().resolve(".locks").resolve(r.folderName());
        Path lockFile = locks.resolve(file + ".lock").normalize();
        if (!lockFile.startsWith(locks)) {
            throw new ModelException("Cannot download " + file + " of " + r + ": not a file name");
        }
        try (CacheLock held = CacheLock.acquire(lockFile, "downloading " + file + " of " + r)) {
            Path cached = snapshotDir(r).resolve(file);
            if (Files.isRegularFile(cached) && !force) {
                LOG.info("{} of {} was downloaded by another pull meanwhile: {}", file, r, cached);
                return cached;
            }
            return transfer(r, file);
        } catch (java.nio.file.FileSystemException e) {
            throw new ModelException(
                    "Cannot write " + file + " of " + r + " to the cache " + hubCache() + ": "
                            + e.getClass().getSimpleName() + " " + e.getMessage(),
                    e);
        } catch (IOException e) {
            throw new UncheckedIOException(
                    "Cannot write " + file + " of " + r + " to " + hubCache() + ": " + e.getMessage(), e);
        }
    }

    /**
     * Fetches file into {@code .FILE.KEY.incomplete} beside its place in the snapshot (KEY: the hash the server
     * announced), resuming with a Range request after a break-off (up to {@link #RETRIES} times, and in a later run),
     * then checks size and hash of the whole file and renames it into place. Without an announced hash or ETag a
     * partial file cannot be told apart from another version's, so it is not kept and a retry starts from 0.
     */
    private Path transfer(Repo r, String file) throws IOException {
        Path resumeFrom = keptPartial(snapshotDir(r).resolve(file)); // left by an earlier run, if any
        // an unverifiable partial file (no hash was announced) left by a killed run is never continued
        Files.deleteIfExists(unkeyedPartial(snapshotDir(r).resolve(file)));
        String ifRange = null;
        int resumed = 0;
        int breaks = 0;
        while (true) {
            long from = resumeFrom == null ? 0 : Files.size(resumeFrom);
            hops.clear();
            HttpResponse<InputStream> resp = send(r, file, "GET", from, ifRange);
            Announced a = announced(hops);
            String commit = a.commit() != null ? a.commit() : r.revision();
            Path snapshots = repoDir(r).resolve("snapshots");
            Path target = snapshots.resolve(safe(commit)).resolve(file).normalize();
            if (!target.startsWith(snapshots)) {
                closeQuietly(resp);
                throw new ModelException("Cannot download " + file + " of " + r + ": not a file name");
            }
            Files.createDirectories(target.getParent());
            Path partial = a.key() == null
                    ? null
                    : target.resolveSibling("." + target.getFileName() + "." + a.key() + ".incomplete");
            boolean append = from > 0
                    && resp.statusCode() == 206
                    && partial != null
                    && partial.equals(resumeFrom)
                    && a.rangeStart() == from
                    && (a.rangeTotal() < 0 || a.size() < 0 || a.rangeTotal() == a.size());
            if (from > 0 && !append) {
                if (partial == null || !partial.equals(resumeFrom)) {
                    Files.deleteIfExists(resumeFrom); // another version's bytes, never continued
                }
                if (resp.statusCode() != 200) {
                    // 416, or a range of another version or at another offset: ask again for the whole file
                    LOG.info(
                            "Cannot resume {} of {} at byte {} (HTTP {}{}); starting over",
                            file,
                            r,
                            from,
                            resp.statusCode(),
                            a.rangeStart() >= 0 ? ", range from " + a.rangeStart() : "");
                    closeQuietly(resp);
                    resumeFrom = null;
                    ifRange = null;
                    continue;
                }
                LOG.info(
                        "The server sent all of {} of {} again instead of the bytes from {} on; starting over",
                        file,
                        r,
                        from);
            }
            if (append) {
                resumed++;
                LOG.info("Resuming {} of {} at {} of {} bytes", file, r, from, a.size() >= 0 ? a.size() : "?");
            }
            Path out = partial != null ? partial : unkeyedPartial(target);
            long have = append ? from : 0;
            MessageDigest sha256 = digestOf(append ? out : null, have); // the kept prefix first
            long n = have;
            IOException broke = null;
            long step = a.size() >= PROGRESS_MIN_BYTES ? Math.max(1, a.size() / 10) : Long.MAX_VALUE;
            long nextLog = (have / step + 1) * step;
            long t0 = System.nanoTime();
            if (step != Long.MAX_VALUE && !append && breaks == 0) {
                LOG.info("Downloading {} of {} ({} MB)", file, r, a.size() / 1_000_000);
            }
            try (InputStream in = new StallGuard(resp.body(), readTimeout);
                    OutputStream os = append
                            ? Files.newOutputStream(out, StandardOpenOption.APPEND)
                            : Files.newOutputStream(out)) {
                byte[] buf = new byte[1 << 16];
                int k;
                while ((k = in.read(buf)) > 0) {
                    os.write(buf, 0, k);
                    sha256.update(buf, 0, k);
                    n += k;
                    if (n >= nextLog && n < a.size()) {
                        LOG.info(
                                "Downloading {} of {}: {} % ({} of {} MB, {} MB/s)",
                                file,
                                r,
                                n * 100 / a.size(),
                                n / 1_000_000,
                                a.size() / 1_000_000,
                                String.format(
                                        Locale.ROOT,
                                        "%.1f",
                                        (n - have) / 1e6 / Math.max(1e-3, (System.nanoTime() - t0) / 1e9)));
                        nextLog = (n / step + 1) * step;
                    }
                }
            } catch (IOException e) {
                broke = e;
            }
            if (broke == null && a.size() >= 0 && n < a.size()) {
                broke = new IOException("the connection closed early");
            }
            if (broke != null) {
                breaks++;
                String what = "the transfer broke off after " + n + (a.size() >= 0 ? " of " + a.size() : "")
                        + " bytes (" + broke.getClass().getSimpleName()
                        + (broke.getMessage() == null ? "" : ": " + broke.getMessage()) + ")";
                if (partial == null) {
                    Files.deleteIfExists(out);
                }
                if (breaks > RETRIES) {
                    throw new ModelException(
                            "Cannot download " + file + " of " + r + ": " + what + "; tried " + breaks
                                    + " times, resumed " + resumed + " times; "
                                    + (partial != null && n > 0
                                            ? "the " + n + " bytes are kept in " + out
                                                    + " and the next crest model pull " + r + " continues from there"
                                            : "nothing was cached, run the command again"),
                            broke);
                }
                long delay = RETRY_DELAY_MS << (breaks - 1);
                LOG.warn(
                        "Downloading {} of {}: {}; retrying in {} ms ({} of {})",
                        file,
                        r,
                        what,
                        delay,
                        breaks,
                        RETRIES);
                pause(delay, file, r);
                resumeFrom = partial != null && n > 0 ? partial : null;
                ifRange = a.etag();
                continue;
            }
            return finish(r, file, a, out, n, sha256, target, resumed, t0, step != Long.MAX_VALUE);
        }
    }

    /** Where a transfer without an announced hash writes: one fixed name per file, removed when it fails. */
    private static Path unkeyedPartial(Path target) {
        return target.resolveSibling("." + target.getFileName() + ".incomplete");
    }

    /** Removes the partial files of {@code target} other versions left (after it was committed). */
    private static void removePartials(Path target) {
        Path dir = target.getParent();
        String prefix = "." + target.getFileName() + ".";
        try (Stream<Path> s = Files.list(dir)) {
            for (Path p : s.filter(p -> p.getFileName().toString().startsWith(prefix)
                            && p.getFileName().toString().endsWith(".incomplete"))
                    .toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            LOG.debug("Cannot clean partial files of {}: {}", target, e.getMessage());
        }
    }

    /** Checks the whole downloaded file against what the server announced and renames it into place. */
    private Path finish(
            Repo r,
            String file,
            Announced a,
            Path out,
            long n,
            MessageDigest sha256,
            Path target,
            int resumed,
            long t0,
            boolean log)
            throws IOException {
        String again =
                (resumed > 0 ? " (resumed " + resumed + " times)" : "") + "; nothing was cached, run the command again";
        if (a.size() >= 0 && n != a.size()) {
            Files.deleteIfExists(out);
            throw new ModelException("Cannot download " + file + " of " + r + ": got " + n + " bytes but the server "
                    + "announced " + a.size() + " (corrupted download)" + again);
        }
        String want = a.hash();
        String got = null;
        if (want != null && SHA256.matcher(want).matches()) {
            got = HexFormat.of().formatHex(sha256.digest());
        } else if (want != null && SHA1.matcher(want).matches()) {
            got = gitBlobSha1(out, n);
        }
        if (got != null && !got.equals(want)) {
            Files.deleteIfExists(out);
            throw new ModelException("Cannot download " + file + " of " + r + ": its hash is " + got
                    + " but the server " + "announced " + want + " (corrupted download)" + again);
        }
        String bad = CacheCheck.problem(file, out);
        if (bad != null) {
            Files.deleteIfExists(out);
            throw new ModelException("Cannot download " + file + " of " + r + " from " + url(r, file) + ": the server "
                    + "sent " + n + " bytes that are " + bad + "; nothing was cached (is HF_ENDPOINT " + endpoint
                    + " the Hub or a mirror of it?)");
        }
        Files.move(out, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        removePartials(target);
        if (a.commit() != null && !a.commit().equals(r.revision())) {
            Path refs = repoDir(r).resolve("refs").resolve(r.revision());
            Files.createDirectories(refs.getParent());
            Path refTmp = Files.createTempFile(refs.getParent(), ".ref", ".tmp");
            Files.writeString(refTmp, a.commit());
            Files.move(refTmp, refs, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        }
        if (log || resumed > 0) {
            LOG.info(
                    "Downloaded {} of {}: {} MB, the last part in {} s{}{}",
                    file,
                    r,
                    n / 1_000_000,
                    String.format(Locale.ROOT, "%.1f", (System.nanoTime() - t0) / 1e9),
                    resumed > 0 ? ", resumed " + resumed + " times" : "",
                    got != null ? ", hash verified" : "");
        }
        return target;
    }

    /** The partial file of {@code target} an earlier run kept ({@code .NAME.KEY.incomplete}), the newest if several. */
    private static Path keptPartial(Path target) throws IOException {
        Path dir = target.getParent();
        if (!Files.isDirectory(dir)) {
            return null;
        }
        Pattern kept = Pattern.compile(
                Pattern.quote("." + target.getFileName() + ".") + "[0-9A-Za-z_-]{1,64}" + Pattern.quote(".incomplete"));
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> kept.matcher(p.getFileName().toString()).matches() && Files.isRegularFile(p))
                    .filter(p -> p.toFile().length() > 0)
                    .max(Comparator.comparingLong(p -> p.toFile().lastModified()))
                    .orElse(null);
        }
    }

    /** A SHA-256 digest that has read the first {@code length} bytes of {@code kept} (none when kept is null). */
    private static MessageDigest digestOf(Path kept, long length) throws IOException {
        MessageDigest md = sha256();
        if (kept != null) {
            try (InputStream in = Files.newInputStream(kept)) {
                byte[] buf = new byte[1 << 16];
                long left = length;
                int k;
                while (left > 0 && (k = in.read(buf, 0, (int) Math.min(buf.length, left))) > 0) {
                    md.update(buf, 0, k);
                    left -= k;
                }
                if (left > 0) {
                    throw new IOException(kept + " is shorter than " + length + " bytes");
                }
            }
        }
        return md;
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String sha256Hex(String s) {
        return HexFormat.of().formatHex(sha256().digest(s.getBytes(StandardCharsets.UTF_8)));
    }

    private static void pause(long ms, String file, Repo r) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ModelException("Interrupted while downloading " + file + " of " + r, e);
        }
    }

    private static final Pattern CONTENT_RANGE = Pattern.compile("bytes\\s+(\\d+)-(\\d+)/(\\d+|\\*)");

    private static Announced announced(List<HttpHeaders> hops) {
        String commit = null;
        String linkedHash = null;
        long linkedSize = -1;
        for (HttpHeaders h : hops) {
            if (commit == null) {
                commit = h.firstValue("X-Repo-Commit").orElse(null);
            }
            if (linkedHash == null) {
                linkedHash = h.firstValue("X-Linked-Etag").map(HubClient::etag).orElse(null);
            }
            if (linkedSize < 0) {
                linkedSize =
                        h.firstValue("X-Linked-Size").map(HubClient::parseLong).orElse(-1L);
            }
        }
        HttpHeaders first = hops.get(0);
        HttpHeaders last = hops.get(hops.size() - 1);
        String hash = linkedHash != null
                ? linkedHash
                : Optional.ofNullable(
                                first.firstValue("ETag").map(HubClient::etag).orElse(null))
                        .filter(e ->
                                SHA256.matcher(e).matches() || SHA1.matcher(e).matches())
                        .orElse(last.firstValue("ETag").map(HubClient::etag).orElse(null));
        long rangeStart = -1;
        long rangeTotal = -1;
        Matcher m = CONTENT_RANGE.matcher(last.firstValue("Content-Range").orElse(""));
        if (m.matches()) {
            rangeStart = parseLong(m.group(1));
            rangeTotal = m.group(3).equals("*") ? -1 : parseLong(m.group(3));
        }
        long size = linkedSize >= 0
                ? linkedSize
                : rangeTotal >= 0
                        ? rangeTotal
                        : m.matches()
                                ? -1
                                : last.firstValueAsLong("Content-Length").orElse(-1L);
        if (commit != null && !SHA1.matcher(commit).matches()) {
            commit = null;
        }
        return new Announced(commit, hash, size, last.firstValue("ETag").orElse(null), rangeStart, rangeTotal);
    }

    private static String etag(String v) {
        String s = v.trim();
        if (s.startsWith("W/")) {
            s = s.substring(2);
        }
        return s.replace("\"", "").toLowerCase(Locale.ROOT);
    }

    private static long parseLong(String s) {
        try {
            return Long.parseLong(s.trim());
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    private boolean sameHost(URI uri) {
        return endpoint.getHost() != null
                && endpoint.getHost().equalsIgnoreCase(uri.getHost())
                && endpoint.getPort() == uri.getPort();
    }

    private static String gitBlobSha1(Path p, long size) throws IOException {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-1");
            md.update(("blob " + size + "\0").getBytes(StandardCharsets.US_ASCII));
            try (InputStream in = Files.newInputStream(p)) {
                byte[] buf = new byte[1 << 16];
                int k;
                while ((k = in.read(buf)) > 0) {
                    md.update(buf, 0, k);
                }
            }
            return HexFormat.of().formatHex(md.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void closeQuietly(HttpResponse<InputStream> resp) {
        try {
            resp.body().close();
        } catch (IOException ignored) {
            // nothing to do
        }
    }

    /** One line on what the cache holds for r's repository. */
    String describeCache(Repo r) {
        Path snaps = repoDir(r).resolve("snapshots");
        if (!Files.isDirectory(snaps)) {
            List<String> repos = cachedRepos();
            return "nothing of " + r.id() + (repos.isEmpty() ? ", no models at all" : "; cached models: " + repos);
        }
        List<String> parts = new ArrayList<>();
        try (Stream<Path> s = Files.list(snaps)) {
            s.filter(Files::isDirectory).forEach(d -> {
                try (Stream<Path> f = Files.list(d)) {
                    parts.add(d.getFileName() + " "
                            + f.filter(Files::isRegularFile)
                                    .map(p -> p.getFileName().toString())
                                    .filter(n -> !n.endsWith(".incomplete"))
                                    .sorted()
                                    .toList());
                } catch (IOException e) {
                    parts.add(d.getFileName() + " (unreadable)");
                }
            });
        } catch (IOException e) {
            return "unreadable (" + e.getMessage() + ")";
        }
        return r.id() + " snapshots " + parts;
    }

    /** ORG/NAME of every model with a folder in the hub cache. */
    public List<String> cachedRepos() {
        if (!Files.isDirectory(hubCache())) {
            return List.of();
        }
        try (Stream<Path> s = Files.list(hubCache())) {
            return s.map(p -> p.getFileName().toString())
                    .filter(n -> n.startsWith("models--"))
                    .map(n -> n.substring("models--".length()).replace("--", "/"))
                    .sorted()
                    .toList();
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot list " + hubCache(), e);
        }
    }
}
