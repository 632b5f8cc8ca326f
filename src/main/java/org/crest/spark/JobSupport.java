package org.crest.spark;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.TaskContext;
import org.apache.spark.resource.ResourceInformation;
import org.apache.spark.sql.SparkSession;
import org.crest.UsageException;
import org.crest.inference.ModelBundle;

/** Driver-side pieces every model job needs: threads per task, shipping the bundle, file systems. */
public final class JobSupport {
    private JobSupport() {}

    /** ONNX Runtime intra-op threads per task: {@code requested} when positive, else spark.task.cpus. */
    public static int intraOpThreads(SparkSession spark, int requested) {
        if (requested > 0) {
            return requested;
        }
        try {
            return Math.max(
                    1, Integer.parseInt(spark.conf().get("spark.task.cpus", "1").trim()));
        } catch (NumberFormatException e) {
            return 1;
        }
    }

    /**
     * Local mode reads the bundle where it is (returns null); a cluster gets a copy through SparkFiles,
     * under the returned name. Spark cannot ship a local folder to a cluster (UNSUPPORTED_ADD_FILE.LOCAL_DIRECTORY),
     * so the bundle's files go into one uncompressed zip named after the model hash, which Spark unpacks into a
     * folder of that name on every executor.
     */
    public static String ship(SparkSession spark, ModelBundle bundle) {
        if (spark.sparkContext().isLocal()) {
            return null;
        }
        java.nio.file.Path zip = BUNDLE_ZIPS.computeIfAbsent(bundle.sha256(), sha -> zipBundle(bundle));
        spark.sparkContext().addArchive(zip.toUri().toString());
        return zip.getFileName().toString();
    }

    private static final Map<String, java.nio.file.Path> BUNDLE_ZIPS = new ConcurrentHashMap<>();

    /** The bundle's files, stored without compression (ONNX weights do not compress), in a temporary zip. */
    private static java.nio.file.Path zipBundle(ModelBundle bundle) {
        java.nio.file.Path dir = bundle.dir();
        try {
            java.nio.file.Path tmp = Files.createTempDirectory("crest-ship-");
            java.nio.file.Path zip =
                    tmp.resolve("crest-model-" + bundle.sha256().substring(0, 16) + ".zip");
            List<String> names = new ArrayList<>(
                    List.of(ModelBundle.MODEL_FILE, ModelBundle.TOKENIZER_FILE, ModelBundle.CONFIG_FILE));
            if (Files.isRegularFile(dir.resolve(ModelBundle.EXTERNAL_DATA_FILE))) {
                names.add(ModelBundle.EXTERNAL_DATA_FILE);
            }
            byte[] buf = new byte[1 << 20];
            try (ZipOutputStream out =
                    new ZipOutputStream(new BufferedOutputStream(Files.newOutputStream(zip), 1 << 20))) {
                for (String name : names) {
                    java.nio.file.Path f = dir.resolve(name);
                    CRC32 crc = new CRC32();
                    try (InputStream in = Files.newInputStream(f)) {
                        for (int r; (r = in.read(buf)) > 0; ) {
                            crc.update(buf, 0, r);
                        }
                    }
                    ZipEntry e = new ZipEntry(name);
                    e.setMethod(ZipEntry.STORED);
                    e.setSize(Files.size(f));
                    e.setCompressedSize(e.getSize());
                    e.setCrc(crc.getValue());
                    out.putNextEntry(e);
                    Files.copy(f, out);
                    out.closeEntry();
                }
            }
            tmp.toFile().deleteOnExit(); // deleted after the zip: deleteOnExit runs in reverse order
            zip.toFile().deleteOnExit();
            return zip;
        } catch (IOException e) {
            throw new java.io.UncheckedIOException("Cannot pack model bundle " + dir + " for the executors", e);
        }
    }

    /**
     * Checks that {@code output} may be written: refuses an existing one unless {@code overwrite}, and
     * with {@code clear} deletes it first (jobs that write several things into it; Spark's own overwrite
     * replaces the folder otherwise). Returns the output's file system.
     */
    public static FileSystem claimOutput(SparkSession spark, String output, boolean overwrite, boolean clear) {
        Path out = new Path(output);
        FileSystem fs = fileSystem(spark, out);
        try {
            if (fs.exists(out)) {
                if (!overwrite) {
                    throw new UsageException("Cannot write: output " + output
                            + " already exists (pass --mode overwrite " + "to replace it)");
                }
                if (clear) {
                    fs.delete(out, true);
                }
            }
        } catch (IOException e) {
            throw new java.io.UncheckedIOException("Cannot check output " + output, e);
        }
        return fs;
    }

    /** The bundle on this executor: where the driver had it (local mode), or its SparkFiles copy. */
    public static ModelBundle localBundle(ModelBundle bundle, String shippedAs) {
        return shippedAs == null
                ? bundle
                : bundle.at(java.nio.file.Path.of(org.apache.spark.SparkFiles.get(shippedAs)));
    }

    public static FileSystem fileSystem(SparkSession spark, Path p) {
        try {
            return p.getFileSystem(spark.sparkContext().hadoopConfiguration());
        } catch (IOException e) {
            throw new UsageException("Cannot open the file system of " + p + " (" + e.getMessage() + ")", e);
        }
    }

    /** The first GPU address Spark assigned to this task, or -1. */
    public static int assignedGpu() {
        TaskContext tc = TaskContext.get();
        if (tc == null) {
            return -1;
        }
        Map<String, ResourceInformation> res = tc.resourcesJMap();
        ResourceInformation gpu = res == null ? null : res.get("gpu");
        if (gpu == null || gpu.addresses().length == 0) {
            return -1;
        }
        try {
            return Integer.parseInt(gpu.addresses()[0].trim());
        } catch (NumberFormatException e) {
            return -1;
        }
    }
}
