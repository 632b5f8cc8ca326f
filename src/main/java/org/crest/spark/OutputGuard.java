package org.crest.spark;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayOutputStream;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Paths;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Supplier;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FileAlreadyExistsException;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.SparkSession;
import org.crest.OutputException;
import org.crest.UsageException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What every job that writes an output folder does before, while and after writing it (docs/OUTPUTS.md).
 *
 * <ul>
 *   <li><b>No overlap with the input.</b> An output that is, contains or lies inside a path the job reads is
 *   refused (UsageException, exit 2) before anything is created or deleted. Paths are compared after
 *   canonicalising: relative paths, {@code file:} or not, trailing slashes, {@code ..}, symlinks (local files);
 *   bucket and key prefix on object stores ({@code s3a://}, {@code s3://} and {@code s3n://} count as one).</li>
 *   <li><b>A lock</b> {@code PARENT/.NAME.crest-lock} beside the output, one JSON line saying who holds it. Local
 *   files: an OS file lock, which the kernel drops when the process ends, so a local lock is never stale. Other file
 *   systems: a file created only if absent (HDFS: create with overwrite=false, atomic at the NameNode; S3A: a
 *   conditional put, If-None-Match, where the store supports it), deleted when the run ends; a run killed hard leaves
 *   it, and the refusal says how to remove it. A second run on a locked output exits 2 and touches nothing.</li>
 *   <li><b>Stage, then swap</b> (not on object stores). The job writes into {@code PARENT/.NAME.crest-staging-RUN};
 *   only when it is complete does {@link #commit()} rename the old output to {@code PARENT/.NAME.crest-old-RUN},
 *   the staging folder to the output, and delete the old one. A failed run removes its staging folder and nothing
 *   else. On object stores rename is a copy, so the job writes in place through the S3A committers, as before.</li>
 *   <li><b>One line for an unwritable output or a full disk</b> ({@link OutputException}, exit 1).</li>
 * </ul>
 */
public final class OutputGuard implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(OutputGuard.class);
    public static final String LOCK_SUFFIX = ".crest-lock";
    public static final String STAGING_MARK = ".crest-staging-";
    public static final String OLD_MARK = ".crest-old-";
    /** Schemes whose rename is a copy: written in place (docs/S3.md). */
    static final Set<String> OBJECT_STORES = Set.of("s3a", "s3", "s3n", "gs", "oss", "cosn", "obs", "wasb", "wasbs");
    /** Hadoop's createFile() option for a write that fails when the object exists (S3A: If-None-Match: *). */
    static final String CONDITIONAL_CREATE = "fs.option.create.conditional.overwrite";

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final DateTimeFormatter RUN_ID =
            DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'", Locale.ROOT).withZone(ZoneOffset.UTC);
    /** Local locks this JVM holds (real path → holder): a second channel on the same file would drop the OS lock. */
    private static final Map<String, String> HELD_HERE = new ConcurrentHashMap<>();

    /** A path the job reads, with the option that named it (for the refusal). */
    public record Input(String flag, String path) {
        public static List<Input> of(String flag, Collection<String> paths) {
            return paths.stream().map(p -> new Input(flag, p)).toList();
        }

        /** {@code value} when it names a local folder (a model bundle), else nothing (a hub id, demo, a URL). */
        public static List<Input> ifLocalFolder(String flag, String value) {
            try {
                return value != null && Files.isDirectory(Paths.get(value))
                        ? List.of(new Input(flag, value))
                        : List.of();
            } catch (java.nio.file.InvalidPathException e) {
                return List.of();
            }
        }
    }

    private final FileSystem fs;
    private final String outputArg;
    private final Path output;
    private final Path writeTo;
    private final boolean staged;
    private final boolean existed;
    private final boolean overwrite;
    private final boolean removeOnFailure;
    private final String runId;
    private final Lock lock;
    private boolean committed;
    private boolean keep;

    private OutputGuard(
            FileSystem fs,
            String outputArg,
            Path output,
            Path writeTo,
            boolean staged,
            boolean existed,
            boolean overwrite,
            boolean removeOnFailure,
            String runId,
            Lock lock) {
        this.fs = fs;
        this.outputArg = outputArg;
        this.output = output;
        this.writeTo = writeTo;
        this.staged = staged;
        this.existed = existed;
        this.overwrite = overwrite;
        this.removeOnFailure = removeOnFailure;
        this.runId = runId;
        this.lock = lock;
    }

    /**
     * For a job that writes {@code output} as one whole: refuses overlap with {@code inputs}, takes the lock,
     * refuses an existing output unless {@code overwrite}, and returns where the job writes ({@link #writePath()}).
     */
    public static OutputGuard claim(
            SparkSession spark, String command, String output, boolean overwrite, List<Input> inputs) {
        return open(spark.sparkContext().hadoopConfiguration(), command, output, overwrite, inputs, true);
    }

    /** For {@code label --resume}, which commits partition by partition into the output: overlap check and lock. */
    public static OutputGuard lock(SparkSession spark, String command, String output, List<Input> inputs) {
        return open(spark.sparkContext().hadoopConfiguration(), command, output, true, inputs, false);
    }

    static OutputGuard open(
            Configuration conf,
            String command,
            String outputArg,
            boolean overwrite,
            List<Input> inputs,
            boolean whole) {
        refuseOverlap(conf, outputArg, inputs);
        Path arg = new Path(outputArg);
        FileSystem fs;
        try {
            fs = arg.getFileSystem(conf);
        } catch (IOException e) {
            throw new UsageException("Cannot open the file system of " + outputArg + " (" + e.getMessage() + ")", e);
        }
        Path out = fs.makeQualified(arg);
        if (out.getParent() == null) {
            throw new UsageException("Cannot write to " + outputArg
                    + ": it is the root of its file system; name a folder " + "under it");
        }
        String runId = RUN_ID.format(Instant.now()) + "-"
                + Integer.toHexString(0x100000 + ThreadLocalRandom.current().nextInt(0xf00000));
        boolean objectStore = OBJECT_STORES.contains(scheme(out));
        Lock lock = Lock.acquire(fs, out, outputArg, info(command, outputArg, runId), objectStore);
        boolean ok = false;
        try {
            boolean staged = whole && !objectStore;
            if (staged) {
                tidy(fs, out);
            }
            boolean existed = fs.exists(out);
            if (existed && !overwrite) {
                throw new UsageException("Cannot write: output " + outputArg + " already exists (pass --mode overwrite "
                        + "to replace it)");
            }
            if (existed && whole) {
                refuseOtherData(fs, out, outputArg, command);
            }
            Path writeTo = staged ? sibling(out, STAGING_MARK + runId) : out;
            OutputGuard g =
                    new OutputGuard(fs, outputArg, out, writeTo, staged, existed, overwrite, whole, runId, lock);
            ok = true;
            if (staged) {
                LOG.info("Writing {} into {}; it replaces {} when complete", command, writeTo, out);
            }
            return g;
        } catch (IOException e) {
            throw new OutputException(
                    "Cannot write output " + outputArg + ": cannot check it (" + e.getMessage() + ")", e);
        } finally {
            if (!ok) {
                lock.release();
            }
        }
    }

    /**
     * The files at the top of an earlier output of each command; a non-empty folder with none of them is not an
     * earlier output of that command, and --mode overwrite refuses to replace it.
     */
    private static final Map<String, List<String>> MARKERS = Map.of(
            "label", List.of(org.crest.Columns.SUMMARY_FILE, "_SUCCESS"),
            "evaluate", List.of("metrics.json", "metrics.csv", "suite.json", "suite.md", "_SUCCESS"),
            "relabel", List.of("relabel.json", "disagreements.csv", "_SUCCESS"),
            "cluster", List.of("_crest_cluster_summary.json", "clusters.csv", "report.md"));

    /**
     * --mode overwrite replaces an earlier output, never other data: an output that is a file is refused, and so is
     * a non-empty folder with none of the command's output files at its top ({@link #MARKERS}; a typo such as
     * {@code --output /data} would otherwise delete a folder of someone's files).
     */
    private static void refuseOtherData(FileSystem fs, Path out, String arg, String command) throws IOException {
        FileStatus st = fs.getFileStatus(out);
        String keep = "; --mode overwrite replaces only an earlier output, so nothing was written or deleted: pass "
                + "another --output";
        if (st.isFile()) {
            throw new UsageException("Cannot write: --output " + arg + " is a file, not an output folder" + keep);
        }
        List<String> markers = MARKERS.get(command);
        if (markers == null) {
            return;
        }
        FileStatus[] children = fs.listStatus(out);
        for (FileStatus c : children) {
            if (markers.contains(c.getPath().getName())) {
                return;
            }
        }
        if (children.length > 0) {
            throw new UsageException("Cannot write: --output " + arg + " holds files that are not a crest " + command
                    + " output (none of " + String.join(", ", markers) + ", e.g. "
                    + children[0].getPath().getName()
                    + ")" + keep + ", or empty that folder first");
        }
    }

    /** Where the job writes: the staging folder, or the output itself on object stores and under --resume. */
    public String writePath() {
        return writeTo.toString();
    }

    /** Whether the job writes into a staging folder that {@link #commit()} swaps in. */
    public boolean staged() {
        return staged;
    }

    public String runId() {
        return runId;
    }

    /**
     * Runs the job; an exception whose cause is a full disk or a refused write becomes one {@link OutputException}
     * naming the output, others pass unchanged.
     */
    public <T> T run(Supplier<T> job) {
        try {
            return job.get();
        } catch (Exception | Error e) { // Spark's exceptions are checked ones that Scala throws undeclared
            OutputException o = translate(e);
            if (o != null) {
                throw o;
            }
            throw e;
        }
    }

    /**
     * Puts the complete new output in place: the old one (if any) is renamed away, the staging folder renamed to the
     * output, and the old one deleted. Without staging it only marks the run as done.
     */
    public void commit() {
        if (committed) {
            return;
        }
        if (!staged) {
            committed = true;
            return;
        }
        Path old = null;
        try {
            boolean present = fs.exists(output);
            if (present && !overwrite) {
                keep = true;
                throw new OutputException(
                        "Cannot finish: " + outputArg + " appeared while this run was writing it (written "
                                + "by something that does not take crest's lock " + lock.path()
                                + "); the new output is kept at "
                                + writeTo);
            }
            if (present) {
                old = sibling(output, OLD_MARK + runId);
                if (!fs.rename(output, old)) {
                    throw new IOException("rename " + output + " -> " + old + " returned false");
                }
            }
            if (!fs.rename(writeTo, output)) {
                String back = "";
                if (old != null) {
                    back = fs.rename(old, output)
                            ? "; the previous output is back in place"
                            : "; the previous output is at " + old + ": rename it back to " + output;
                    old = null;
                }
                throw new IOException("rename " + writeTo + " -> " + output + " returned false" + back);
            }
            committed = true;
        } catch (IOException e) {
            throw new OutputException(
                    "Cannot put the new output in place at " + outputArg + " (" + e.getMessage() + ")", e);
        }
        if (old != null) {
            try {
                if (!fs.delete(old, true)) {
                    LOG.warn("Cannot remove the replaced output {}; remove it by hand", old);
                }
            } catch (IOException e) {
                LOG.warn("Cannot remove the replaced output {} ({}); remove it by hand", old, e.getMessage());
            }
        }
    }

    /** Releases the lock; a run that did not commit removes what it wrote, and only that. */
    @Override
    public void close() {
        try {
            if (!committed && !keep && removeOnFailure) {
                Path partial = staged ? writeTo : existed ? null : output;
                if (partial != null) {
                    try {
                        if (fs.exists(partial) && fs.delete(partial, true)) {
                            LOG.warn("Removed {}, the partial output of the failed run", partial);
                        }
                    } catch (IOException e) {
                        LOG.warn(
                                "Cannot remove {}, the partial output of the failed run ({}); remove it by hand",
                                partial,
                                e.getMessage());
                    }
                }
            }
        } finally {
            lock.release();
        }
    }

    /** A full disk or a refused write somewhere in {@code e}'s causes, as one line naming the output; else null. */
    OutputException translate(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof OutputException o) {
                return o;
            }
            String m = String.valueOf(t.getMessage());
            if (m.contains("No space left on device") || m.contains("Disk quota exceeded")) {
                return new OutputException(
                        "Cannot write output " + outputArg + ": no space left on device (writing " + writeTo
                                + ", or Spark's scratch space spark.local.dir); free space and run again",
                        e);
            }
            boolean denied = t instanceof java.nio.file.AccessDeniedException
                    || t instanceof org.apache.hadoop.security.AccessControlException
                    || m.contains("Permission denied")
                    || m.contains("Read-only file system");
            if (denied
                    && (m.contains(output.toUri().getPath())
                            || m.contains(writeTo.toUri().getPath()))) {
                return new OutputException(
                        "Cannot write output " + outputArg + ": not writable (" + firstLine(m) + ")", e);
            }
        }
        return null;
    }

    // ---- overlap ------------------------------------------------------------------------------------------------

    /**
     * Refuses an output that is, contains or lies inside one of the inputs (exit 2), before anything is written. The
     * command line calls it before Spark starts (with a plain Configuration); the jobs call it again with Spark's.
     */
    public static void refuseOverlap(Configuration conf, String outputArg, List<Input> inputs) {
        if (outputArg == null || outputArg.isBlank()) {
            throw new UsageException("Cannot write: --output is empty ('" + (outputArg == null ? "" : outputArg)
                    + "'); give the folder to write to");
        }
        refuseUnwritableName(outputArg);
        Canonical out = canonical(conf, outputArg);
        if (out == null) {
            return;
        }
        for (Input in : inputs) {
            if (in.path() == null || in.path().isBlank()) {
                continue;
            }
            Canonical c = canonical(conf, in.path());
            if (c == null || !c.root().equals(out.root())) {
                continue;
            }
            String relation = c.parts().equals(out.parts())
                    ? "is the same path as"
                    : startsWith(c.parts(), out.parts())
                            ? "contains"
                            : startsWith(out.parts(), c.parts()) ? "lies inside" : null;
            if (relation != null) {
                String resolved =
                        out.toString().equals(outputArg) && c.toString().equals(in.path())
                                ? ""
                                : " (" + out + " and " + c + ")";
                throw new UsageException("Cannot write: --output " + outputArg + " " + relation + " " + in.flag() + " "
                        + in.path() + resolved
                        + "; crest never writes where it reads, so nothing was written or deleted: "
                        + "pass an --output outside the input");
            }
        }
    }

    /**
     * Refuses an output name Spark and Hadoop cannot write to and read back (exit 2): glob characters ({@code [ ] { }
     * * ? \}: the job reads its staged output back by path, and Hadoop globs it, so {@code out[1]} failed with "Path
     * does not exist" and {@code out*} could read other folders' data), and a colon in the folder's name (its staging
     * folder {@code .out:x.crest-staging-...} is "a relative path in an absolute URI" to Hadoop).
     */
    static void refuseUnwritableName(String outputArg) {
        String trimmed = outputArg.replaceAll("/+$", "");
        String name = trimmed.substring(trimmed.lastIndexOf('/') + 1);
        for (char c : "[]{}*?\\".toCharArray()) {
            if (outputArg.indexOf(c) >= 0) {
                throw new UsageException("Cannot write: --output " + outputArg + " holds the character '" + c
                        + "', which Hadoop reads as a glob pattern; pick a name without [ ] { } * ? \\");
            }
        }
        if (name.indexOf(':') >= 0) {
            throw new UsageException("Cannot write: --output " + outputArg + " has a colon in its name, which Hadoop "
                    + "cannot use in a file name; pick a name without ':'");
        }
    }

    /** A path as file system root (scheme://authority) and its name components, or null if it cannot be resolved. */
    record Canonical(String root, List<String> parts) {
        @Override
        public String toString() {
            return root + "/" + String.join("/", parts);
        }
    }

    static Canonical canonical(Configuration conf, String arg) {
        try {
            Path p = new Path(arg);
            URI raw = p.toUri();
            boolean complete = raw.getScheme() != null
                    && raw.getPath() != null
                    && raw.getPath().startsWith("/")
                    && (raw.getAuthority() != null || raw.getScheme().equalsIgnoreCase("file"));
            // a complete URI needs no file system (s3:// may have none configured); others resolve against fs.defaultFS
            URI u = complete ? raw : p.getFileSystem(conf).makeQualified(p).toUri();
            String scheme = u.getScheme() == null ? "" : u.getScheme().toLowerCase(Locale.ROOT);
            if (scheme.equals("file")) {
                java.nio.file.Path n = real(Paths.get(u).toAbsolutePath().normalize());
                List<String> parts = new ArrayList<>();
                n.forEach(x -> parts.add(x.toString()));
                return new Canonical("file://", parts);
            }
            String family = scheme.equals("s3") || scheme.equals("s3n") ? "s3a" : scheme;
            String authority = u.getAuthority() == null ? "" : u.getAuthority().toLowerCase(Locale.ROOT);
            String path = u.getPath() == null
                    ? ""
                    : new URI(null, null, u.getPath(), null).normalize().getPath();
            List<String> parts =
                    Arrays.stream(path.split("/")).filter(s -> !s.isEmpty()).toList();
            return new Canonical(family + "://" + authority, parts);
        } catch (IOException | IllegalArgumentException | java.net.URISyntaxException e) {
            return null; // the job's own reading or writing reports a path it cannot use
        }
    }

    /** Symlinks resolved along the longest part of {@code n} that exists; the rest appended as written. */
    private static java.nio.file.Path real(java.nio.file.Path n) {
        java.nio.file.Path existing = n;
        List<java.nio.file.Path> rest = new ArrayList<>();
        while (existing != null && !Files.exists(existing)) {
            rest.add(0, existing.getFileName());
            existing = existing.getParent();
        }
        if (existing == null) {
            return n;
        }
        try {
            java.nio.file.Path r = existing.toRealPath();
            for (java.nio.file.Path x : rest) {
                r = r.resolve(x.toString());
            }
            return r;
        } catch (IOException e) {
            return n;
        }
    }

    private static boolean startsWith(List<String> longer, List<String> prefix) {
        return longer.size() > prefix.size() && longer.subList(0, prefix.size()).equals(prefix);
    }

    // ---- staging --------------------------------------------------------------------------------------------------

    static Path sibling(Path out, String mark) {
        return new Path(out.getParent(), "." + out.getName() + mark);
    }

    /**
     * Under the lock, what dead runs left beside the output: an output renamed away by a swap that did not finish
     * comes back when the output is missing; other staging and old folders are removed.
     */
    private static void tidy(FileSystem fs, Path out) throws IOException {
        String staging = "." + out.getName() + STAGING_MARK;
        String old = "." + out.getName() + OLD_MARK;
        FileStatus[] left;
        try {
            left = fs.listStatus(
                    out.getParent(),
                    p -> p.getName().startsWith(staging) || p.getName().startsWith(old));
        } catch (FileNotFoundException e) {
            return;
        }
        List<FileStatus> olds = new ArrayList<>(Arrays.stream(left)
                .filter(s -> s.getPath().getName().startsWith(old))
                .sorted(Comparator.comparing((FileStatus s) -> s.getPath().getName())
                        .reversed())
                .toList());
        if (!olds.isEmpty() && !fs.exists(out)) {
            Path back = olds.remove(0).getPath();
            if (fs.rename(back, out)) {
                LOG.warn("Restored {} from {}, left by a run that stopped while swapping its output in", out, back);
            }
        }
        for (FileStatus s : left) {
            if (fs.exists(s.getPath())) {
                LOG.warn("Removing {}, left by an earlier run that did not finish", s.getPath());
                fs.delete(s.getPath(), true);
            }
        }
    }

    // ---- lock -----------------------------------------------------------------------------------------------------

    private static String info(String command, String output, String runId) {
        ObjectNode n = JSON.createObjectNode();
        n.put("run_id", runId);
        n.put("command", "crest " + command);
        n.put("output", output);
        n.put("pid", ProcessHandle.current().pid());
        n.put("host", host());
        n.put("user", System.getProperty("user.name"));
        n.put("started_at", Instant.now().toString());
        return n.toString() + "\n";
    }

    private static String host() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (IOException e) {
            return "unknown";
        }
    }

    /** "run R (crest label, pid P on H, since T)" from a lock's content. */
    static String holder(String content) {
        try {
            JsonNode n = JSON.readTree(content == null ? "" : content);
            if (n == null || !n.isObject()) {
                return "a run that left no details";
            }
            return "run " + n.path("run_id").asText("?") + " ("
                    + n.path("command").asText("crest") + ", pid "
                    + n.path("pid").asText("?") + " on " + n.path("host").asText("?") + ", since "
                    + n.path("started_at").asText("?") + ")";
        } catch (IOException e) {
            return "a run that left no details";
        }
    }

    private static String scheme(Path p) {
        String s = p.toUri().getScheme();
        return s == null ? "" : s.toLowerCase(Locale.ROOT);
    }

    private static String firstLine(String s) {
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }

    /** A held output lock. */
    private abstract static class Lock {
        abstract String path();

        abstract void release();

        static Lock acquire(FileSystem fs, Path out, String outputArg, String info, boolean objectStore) {
            Path lockPath = sibling(out, "").suffix(LOCK_SUFFIX);
            return scheme(out).equals("file")
                    ? LocalLock.acquire(lockPath, outputArg, info)
                    : FsLock.acquire(fs, lockPath, outputArg, info, objectStore);
        }

        static UsageException held(String outputArg, String lockPath, String content, String removal) {
            return new UsageException("Cannot write " + outputArg + ": another crest run is writing it, "
                    + holder(content) + ", and holds its lock " + lockPath
                    + "; nothing was touched. Wait for that run to end" + removal);
        }

        static OutputException unwritable(String outputArg, Object where, Exception e) {
            String why = e.getMessage() == null
                    ? e.getClass().getSimpleName()
                    : e.getClass().getSimpleName() + ": " + firstLine(e.getMessage());
            return new OutputException(
                    "Cannot write output " + outputArg + ": cannot create " + where + " (" + why + ")", e);
        }
    }

    /** An OS lock (fcntl) on a local file, dropped by the kernel when the process ends: never stale. */
    private static final class LocalLock extends Lock {
        private final String key;
        private final FileChannel channel;
        private final FileLock lock;

        private LocalLock(String key, FileChannel channel, FileLock lock) {
            this.key = key;
            this.channel = channel;
            this.lock = lock;
        }

        static Lock acquire(Path lockPath, String outputArg, String info) {
            java.nio.file.Path file = Paths.get(lockPath.toUri());
            String key;
            try {
                Files.createDirectories(file.getParent());
                key = file.getParent()
                        .toRealPath()
                        .resolve(file.getFileName().toString())
                        .toString();
            } catch (IOException e) {
                throw unwritable(outputArg, file.getParent(), e);
            }
            String other = HELD_HERE.putIfAbsent(key, info);
            if (other != null) {
                throw held(outputArg, file.toString(), other, " (it runs in this process)");
            }
            FileChannel ch = null;
            try {
                ch = FileChannel.open(
                        Paths.get(key), StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
                FileLock fl;
                try {
                    fl = ch.tryLock();
                } catch (OverlappingFileLockException e) {
                    fl = null;
                }
                if (fl == null) {
                    String content = read(ch);
                    throw held(outputArg, key, content, "; the lock goes when that process ends");
                }
                String previous = read(ch);
                if (!previous.isBlank()) {
                    LOG.info("Taking the lock {} left by {}, which ended without releasing it", key, holder(previous));
                }
                ch.truncate(0);
                ch.write(ByteBuffer.wrap(info.getBytes(StandardCharsets.UTF_8)), 0);
                ch.force(true);
                LocalLock l = new LocalLock(key, ch, fl);
                ch = null;
                return l;
            } catch (IOException e) {
                throw unwritable(outputArg, Paths.get(key), e);
            } finally {
                if (ch != null) {
                    HELD_HERE.remove(key);
                    try {
                        ch.close();
                    } catch (IOException e) {
                        LOG.debug("closing {}", key, e);
                    }
                }
            }
        }

        private static String read(FileChannel ch) throws IOException {
            ByteBuffer b = ByteBuffer.allocate((int) Math.min(ch.size(), 1 << 16));
            ch.read(b, 0);
            return new String(b.array(), 0, b.position(), StandardCharsets.UTF_8);
        }

        @Override
        String path() {
            return key;
        }

        /** Empties the file and drops the OS lock; the empty file stays (deleting it would race a waiting run). */
        @Override
        void release() {
            try {
                channel.truncate(0);
                lock.release();
            } catch (IOException e) {
                LOG.warn("Cannot release the lock {} ({}); it goes when this process ends", key, e.getMessage());
            } finally {
                try {
                    channel.close();
                } catch (IOException e) {
                    LOG.debug("closing {}", key, e);
                }
                HELD_HERE.remove(key);
            }
        }
    }

    /** A lock file created only if absent (HDFS: atomic; S3A: a conditional put where supported), deleted at the end. */
    private static final class FsLock extends Lock {
        private final FileSystem fs;
        private final Path path;
        private final String info;

        private FsLock(FileSystem fs, Path path, String info) {
            this.fs = fs;
            this.path = path;
            this.info = info;
        }

        static Lock acquire(FileSystem fs, Path path, String outputArg, String info, boolean objectStore) {
            String removal = "; if it is no longer running (killed), remove the stale lock with: hadoop fs -rm " + path;
            byte[] bytes = info.getBytes(StandardCharsets.UTF_8);
            try {
                boolean conditional = objectStore && fs.hasPathCapability(path, CONDITIONAL_CREATE);
                if (objectStore && !conditional) {
                    LOG.warn(
                            "{} offers no conditional put here ({} is off or unsupported): the output lock {} is checked, "
                                    + "then written, so two runs started within the same moment can both take it",
                            fs.getUri(),
                            CONDITIONAL_CREATE,
                            path);
                }
                if (conditional) {
                    org.apache.hadoop.fs.FSDataOutputStreamBuilder<?, ?> b = fs.createFile(path);
                    b.overwrite(true);
                    b.must(CONDITIONAL_CREATE, true);
                    try (FSDataOutputStream os = b.build()) {
                        os.write(bytes);
                    }
                } else {
                    try (FSDataOutputStream os = fs.create(path, false)) {
                        os.write(bytes);
                    }
                }
                return new FsLock(fs, path, info);
            } catch (FileAlreadyExistsException e) {
                throw held(outputArg, path.toString(), read(fs, path), removal);
            } catch (IOException e) {
                // a conditional put that lost the race fails at close (412) with the store's own exception
                String content = read(fs, path);
                if (info.equals(content)) {
                    return new FsLock(fs, path, info); // a retried put whose first attempt had gone through
                }
                if (content != null) {
                    throw held(outputArg, path.toString(), content, removal);
                }
                throw unwritable(outputArg, path, e);
            }
        }

        private static String read(FileSystem fs, Path p) {
            try (InputStream in = fs.open(p)) {
                ByteArrayOutputStream b = new ByteArrayOutputStream();
                in.transferTo(b);
                return b.toString(StandardCharsets.UTF_8);
            } catch (IOException e) {
                return null;
            }
        }

        @Override
        String path() {
            return path.toString();
        }

        /** Deletes the lock if it is still this run's. */
        @Override
        void release() {
            try {
                String content = read(fs, path);
                if (info.equals(content)) {
                    fs.delete(path, false);
                } else {
                    LOG.warn("The lock {} is no longer this run's ({}); left as it is", path, holder(content));
                }
            } catch (IOException e) {
                LOG.warn(
                        "Cannot remove the lock {} ({}); remove it with: hadoop fs -rm {}", path, e.getMessage(), path);
            }
        }
    }
}
