package org.crest.spark;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * Writes the small driver-side files of a job (summaries, manifests, CSV tables, reports, plots) through the Hadoop
 * file system of the output, so that local paths, hdfs:// and s3a:// behave alike. An existing file is replaced.
 */
public final class OutputFiles {
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    /** What goes into the file. */
    @FunctionalInterface
    public interface Body {
        void writeTo(OutputStream os) throws IOException;
    }

    private OutputFiles() {}

    /** Writes {@code body} to {@code file}; a failure names the file. */
    public static void write(FileSystem fs, Path file, Body body) {
        try (OutputStream os = fs.create(file, true)) {
            body.writeTo(os);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot write " + file + " (" + e.getMessage() + ")", e);
        }
    }

    public static void write(FileSystem fs, Path file, byte[] bytes) {
        write(fs, file, os -> os.write(bytes));
    }

    /** {@code text} as UTF-8. */
    public static void write(FileSystem fs, Path file, String text) {
        write(fs, file, text.getBytes(StandardCharsets.UTF_8));
    }

    /** {@code value} as indented JSON (Jackson). */
    public static void writeJson(FileSystem fs, Path file, Object value) {
        write(fs, file, os -> JSON.writeValue(os, value));
    }

    /**
     * As {@link #writeJson}, but to a temporary name first and then renamed, so that {@code file} never holds a partial
     * file (a rename of one file is atomic on local and HDFS file systems; on S3 the object appears whole at once on
     * both the upload and the copy).
     */
    public static void replaceJson(FileSystem fs, Path file, Object value) {
        Path tmp = new Path(file.getParent(), file.getName() + ".tmp");
        writeJson(fs, tmp, value);
        try {
            if (!fs.rename(tmp, file)) {
                throw new IOException("rename " + tmp + " -> " + file + " returned false");
            }
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot write " + file + " (" + e.getMessage() + ")", e);
        }
    }
}
