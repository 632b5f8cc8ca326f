package org.crest.model;

import java.io.BufferedInputStream;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Stream;
import java.util.zip.GZIPInputStream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.crest.ModelException;
import org.crest.inference.ModelBundle;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code --model} values that are not a folder on this disk: a bundle folder on any Hadoop file system
 * ({@code s3a://}, {@code hdfs://}, {@code dbfs:/}, {@code abfss://}, {@code gs://}), or a {@code .zip},
 * {@code .tar.gz} or {@code .tgz} archive of one, here or remote. The bundle is copied once to a local cache,
 * checked (every file complete, the hashes of its {@code crest-manifest.json} when it has one) and kept under its
 * content hash; later runs find it there by the remote files' names, sizes and dates and hash it again on opening.
 * The job then ships the local copy to executors as it ships any bundle.
 *
 * <p>Cache: the system property {@value #CACHE_PROPERTY}, else {@value #CACHE_ENV}, else {@code java.io.tmpdir/crest-models}.
 */
public final class RemoteBundles {
    public static final String CACHE_ENV = "CREST_MODEL_CACHE";
    /** A system property that wins over {@value #CACHE_ENV}. */
    public static final String CACHE_PROPERTY = "crest.model.cache";

    private static final Logger LOG = LoggerFactory.getLogger(RemoteBundles.class);
    private static final Set<String> FILES = Set.of(
            ModelBundle.MODEL_FILE,
            ModelBundle.TOKENIZER_FILE,
            ModelBundle.CONFIG_FILE,
            ModelBundle.EXTERNAL_DATA_FILE,
            ModelBundle.MANIFEST_FILE);
    private static final List<String> REQUIRED =
            List.of(ModelBundle.MODEL_FILE, ModelBundle.TOKENIZER_FILE, ModelBundle.CONFIG_FILE);

    private RemoteBundles() {}

    /** Whether {@code spec} is a URI of a file system other than this disk's (file:). */
    public static boolean isRemote(String spec) {
        String s = spec.trim();
        return s.matches("^[a-zA-Z][a-zA-Z0-9+.-]*:/.*")
                && !s.toLowerCase(Locale.ROOT).startsWith("file:");
    }

    /** Whether {@code spec} names an archive of a bundle (.zip, .tar.gz, .tgz). */
    public static boolean isArchive(String spec) {
        String s = spec.trim().toLowerCase(Locale.ROOT);
        while (s.endsWith("/")) {
            s = s.substring(0, s.length() - 1);
        }
        return s.endsWith(".zip") || s.endsWith(".tar.gz") || s.endsWith(".tgz");
    }

    /** Whether {@link #fetch} is the way to open {@code spec}. */
    public static boolean handles(String spec) {
        return spec != null && (isRemote(spec) || isArchive(spec));
    }

    /** The bundle {@code spec} names, from the local cache (filled first when it does not hold it). */
    public static ModelBundle fetch(String spec, Configuration conf) {
        String s = spec.trim();
        try {
            return isRemote(s) ? fetchRemote(s, conf) : fromLocalArchive(s);
        } catch (IOException e) {
            throw new ModelException(
                    "Cannot load model " + s + ": " + e.getClass().getSimpleName() + " " + e.getMessage(), e);
        }
    }

    static Path cacheRoot() {
        String prop = System.getProperty(CACHE_PROPERTY);
        if (prop != null && !prop.isBlank()) {
            return Path.of(prop);
        }
        String env = System.getenv(CACHE_ENV);
        return env != null && !env.isBlank()
                ? Path.of(env)
                : Path.of(System.getProperty("java.io.tmpdir"), "crest-models");
    }

    private static ModelBundle fetchRemote(String spec, Configuration conf) throws IOException {
        org.apache.hadoop.fs.Path src = new org.apache.hadoop.fs.Path(stripSlash(spec));
        FileSystem fs;
        FileStatus st;
        try {
            fs = src.getFileSystem(conf);
            st = fs.getFileStatus(src);
        } catch (FileNotFoundException e) {
            throw new ModelException("Cannot load model " + spec + ": there is no such file or folder");
        }
        List<FileStatus> files = new ArrayList<>();
        if (st.isDirectory()) {
            for (FileStatus f : fs.listStatus(src)) {
                if (f.isFile() && FILES.contains(f.getPath().getName())) {
                    files.add(f);
                }
            }
            List<String> names = files.stream().map(f -> f.getPath().getName()).toList();
            for (String r : REQUIRED) {
                if (!names.contains(r)) {
                    throw new ModelException(
                            "Cannot load model " + spec + ": the folder has no " + r + " (a bundle holds "
                                    + "model.onnx, tokenizer.json and config.json, as optimum's ONNX export writes them)");
                }
            }
        } else if (isArchive(spec)) {
            files.add(st);
        } else {
            throw new ModelException("Cannot load model " + spec
                    + ": it is a file, expected a bundle folder or a .zip, " + ".tar.gz or .tgz archive of one");
        }
        files.sort(Comparator.comparing(f -> f.getPath().getName()));
        StringBuilder fp = new StringBuilder(spec);
        for (FileStatus f : files) {
            fp.append('\n')
                    .append(f.getPath().getName())
                    .append('\t')
                    .append(f.getLen())
                    .append('\t')
                    .append(f.getModificationTime());
        }
        Path root = cacheRoot();
        ModelBundle cached = fromIndex(root, fp.toString());
        if (cached != null) {
            LOG.info("Model {}: the cached copy {}", spec, cached.dir());
            return cached;
        }
        Files.createDirectories(root);
        Path tmp = Files.createTempDirectory(root, "incoming-");
        try {
            String name = src.getName();
            Path dir;
            if (st.isDirectory()) {
                dir = Files.createDirectories(tmp.resolve(name));
                for (FileStatus f : files) {
                    Path to = dir.resolve(f.getPath().getName());
                    try (InputStream in = fs.open(f.getPath())) {
                        Files.copy(in, to);
                    }
                    if (Files.size(to) != f.getLen()) {
                        throw new ModelException(
                                "Cannot load model " + spec + ": " + f.getPath().getName() + " came " + "incomplete ("
                                        + Files.size(to) + " of " + f.getLen() + " bytes)");
                    }
                }
            } else {
                Path archive = tmp.resolve("archive");
                try (InputStream in = fs.open(src)) {
                    Files.copy(in, archive);
                }
                if (Files.size(archive) != st.getLen()) {
                    throw new ModelException("Cannot load model " + spec + ": the archive came incomplete ("
                            + Files.size(archive) + " of " + st.getLen() + " bytes)");
                }
                dir = extract(archive, name, tmp.resolve("x"), spec);
            }
            LOG.info("Model {}: copied to {}", spec, root);
            return keep(root, dir, fp.toString(), spec);
        } finally {
            deleteTree(tmp);
        }
    }

    private static ModelBundle fromLocalArchive(String spec) throws IOException {
        Path archive =
                Path.of(spec.startsWith("file:") ? java.net.URI.create(spec).getPath() : spec);
        if (!Files.isRegularFile(archive)) {
            throw new ModelException("Cannot load model " + spec + ": there is no such archive");
        }
        String fp = archive.toAbsolutePath().normalize() + "\n" + Files.size(archive) + "\t"
                + Files.getLastModifiedTime(archive).toMillis();
        Path root = cacheRoot();
        ModelBundle cached = fromIndex(root, fp);
        if (cached != null) {
            return cached;
        }
        Files.createDirectories(root);
        Path tmp = Files.createTempDirectory(root, "incoming-");
        try {
            return keep(root, extract(archive, archive.getFileName().toString(), tmp.resolve("x"), spec), fp, spec);
        } finally {
            deleteTree(tmp);
        }
    }

    /** The cached bundle a source fingerprint was stored under, hashed again; null when absent or changed. */
    private static ModelBundle fromIndex(Path root, String fingerprint) {
        Path index = root.resolve("sources").resolve(sha256(fingerprint));
        try {
            if (!Files.isRegularFile(index)) {
                return null;
            }
            Path dir =
                    root.resolve(Files.readString(index, StandardCharsets.UTF_8).trim());
            if (!Files.isDirectory(dir)) {
                return null;
            }
            ModelBundle b = ModelBundle.open(dir);
            if (!dir.getParent().getFileName().toString().equals(b.sha256())) {
                LOG.warn("The cached model {} was changed on disk (sha256 {}); fetching it again", dir, b.sha256());
                return null;
            }
            return b;
        } catch (IOException | ModelException e) {
            LOG.warn("Cannot use the cached model for this source ({}); fetching it again", e.getMessage());
            return null;
        }
    }

    /** Opens (checks) the fetched bundle, moves it to ROOT/SHA256/NAME and records the source. */
    private static ModelBundle keep(Path root, Path dir, String fingerprint, String spec) throws IOException {
        ModelBundle b = ModelBundle.open(dir); // hashes every file; a crest-manifest.json must match
        Path target = root.resolve(b.sha256()).resolve(dir.getFileName().toString());
        if (!Files.isDirectory(target)) {
            Files.createDirectories(target.getParent());
            try {
                Files.move(dir, target, StandardCopyOption.ATOMIC_MOVE);
            } catch (FileAlreadyExistsException | DirectoryNotEmptyException e) {
                // another run put the same bundle there first
            }
        }
        Path sources = Files.createDirectories(root.resolve("sources"));
        Path idx = sources.resolve(sha256(fingerprint));
        Path part = Files.createTempFile(sources, "idx-", ".tmp");
        Files.writeString(part, root.relativize(target).toString(), StandardCharsets.UTF_8);
        Files.move(part, idx, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        LOG.info("Model {}: sha256 {}, cached at {}", spec, b.sha256(), target);
        return b.at(target);
    }

    /**
     * The bundle files of an archive, wherever they sit in it (top level or one folder), into OUT/NAME, NAME being the
     * archive's name without its extension. Other entries are ignored; a bundle file found twice is refused.
     */
    static Path extract(Path archive, String archiveName, Path out, String spec) throws IOException {
        String name = archiveName.replaceFirst("(?i)(\\.tar\\.gz|\\.tgz|\\.zip)$", "");
        Path dir = Files.createDirectories(out.resolve(name.isBlank() ? "bundle" : name));
        boolean zip = archiveName.toLowerCase(Locale.ROOT).endsWith(".zip");
        TreeMap<String, Boolean> seen = new TreeMap<>();
        try (InputStream raw = new BufferedInputStream(Files.newInputStream(archive), 1 << 16)) {
            if (zip) {
                try (ZipInputStream z = new ZipInputStream(raw)) {
                    for (ZipEntry e; (e = z.getNextEntry()) != null; ) {
                        if (!e.isDirectory()) {
                            take(e.getName(), z, dir, seen, spec);
                        }
                    }
                }
            } else {
                try (InputStream gz = new GZIPInputStream(raw, 1 << 16)) {
                    readTar(gz, dir, seen, spec);
                }
            }
        } catch (java.util.zip.ZipException | java.io.EOFException e) {
            throw new ModelException(
                    "Cannot load model " + spec + ": the archive is corrupt or truncated (" + e.getMessage() + ")", e);
        }
        for (String r : REQUIRED) {
            if (!seen.containsKey(r)) {
                throw new ModelException("Cannot load model " + spec + ": the archive has no " + r + " (a bundle holds "
                        + "model.onnx, tokenizer.json and config.json)");
            }
        }
        return dir;
    }

    private static void take(String entry, InputStream in, Path dir, TreeMap<String, Boolean> seen, String spec)
            throws IOException {
        String base = entry.substring(entry.lastIndexOf('/') + 1);
        if (!FILES.contains(base) || entry.contains("__MACOSX") || base.startsWith("._")) {
            return;
        }
        if (seen.put(base, true) != null) {
            throw new ModelException("Cannot load model " + spec + ": the archive holds " + base + " twice; pack one "
                    + "bundle per archive");
        }
        Files.copy(in, dir.resolve(base)); // only the fixed names above: no entry path reaches the disk
    }

    /** A ustar/GNU tar stream: 512-byte headers, regular files taken by {@link #take}. */
    private static void readTar(InputStream in, Path dir, TreeMap<String, Boolean> seen, String spec)
            throws IOException {
        byte[] h = new byte[512];
        while (true) {
            if (in.readNBytes(h, 0, 512) < 512) {
                throw new java.io.EOFException("the tar stream ends inside a header");
            }
            if (allZero(h)) {
                return;
            }
            String name = field(h, 0, 100);
            String prefix = field(h, 345, 155);
            if (!prefix.isEmpty() && "ustar".equals(field(h, 257, 5))) {
                name = prefix + "/" + name;
            }
            long size;
            try {
                String oct = field(h, 124, 12).trim();
                size = oct.isEmpty() ? 0 : Long.parseLong(oct, 8);
            } catch (NumberFormatException e) {
                throw new java.io.EOFException("a tar header has no readable size");
            }
            char type = (char) h[156];
            BoundedStream body = new BoundedStream(in, size);
            if (type == '0' || type == 0) {
                take(name, body, dir, seen, spec);
            }
            body.skipRest();
            long pad = (512 - size % 512) % 512;
            in.skipNBytes(pad); // EOFException when the stream ends inside the padding
        }
    }

    private static boolean allZero(byte[] b) {
        for (byte x : b) {
            if (x != 0) {
                return false;
            }
        }
        return true;
    }

    private static String field(byte[] h, int off, int len) {
        int end = off;
        while (end < off + len && h[end] != 0) {
            end++;
        }
        return new String(h, off, end - off, StandardCharsets.UTF_8);
    }

    /** At most {@code size} bytes of a stream; fails if the stream ends first. */
    private static final class BoundedStream extends InputStream {
        private final InputStream in;
        private long left;

        BoundedStream(InputStream in, long size) {
            this.in = in;
            this.left = size;
        }

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (left <= 0) {
                return -1;
            }
            int n = in.read(b, off, (int) Math.min(len, left));
            if (n < 0) {
                throw new java.io.EOFException("the tar stream ends inside an entry");
            }
            left -= n;
            return n;
        }

        void skipRest() throws IOException {
            byte[] buf = new byte[8192];
            while (left > 0) {
                read(buf, 0, buf.length);
            }
        }
    }

    private static String stripSlash(String s) {
        String out = s;
        while (out.endsWith("/") && !out.endsWith(":/") && !out.endsWith("://")) {
            out = out.substring(0, out.length() - 1);
        }
        return out;
    }

    private static String sha256(String s) {
        try {
            return HexFormat.of()
                    .formatHex(MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void deleteTree(Path p) {
        if (!Files.exists(p)) {
            return;
        }
        try (Stream<Path> s = Files.walk(p)) {
            s.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
        } catch (IOException e) {
            LOG.warn("Cannot remove {} ({})", p, e.getMessage());
        }
    }
}
