package org.crest.label.resume;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import org.apache.hadoop.fs.EtagSource;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.LocatedFileStatus;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.RemoteIterator;

/**
 * {@code OUTPUT/dt=YYYY-MM-DD/_crest_manifest.json}: the commit marker of one partition of a {@code --resume} run.
 * It is written last, after the partition's Parquet, quarantine and summary are in place; a partition counts as
 * committed only when this file is present and {@link #problems valid}. It records what the output was made from
 * (input files with sizes, modification times and, where the file system has them, etags; the model's content hash;
 * the settings that change outputs), the counts, and the output files with their sizes, so that a later run can
 * tell an unchanged partition (skip) from a changed one (reprocess) and an intact output from a damaged one.
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record PartitionManifest(
        @JsonProperty("format_version") int formatVersion,
        @JsonProperty("partition") String partition,
        @JsonProperty("input") String input,
        @JsonProperty("input_format") String inputFormat,
        @JsonProperty("input_files") List<FileEntry> inputFiles,
        @JsonProperty("model") String model,
        @JsonProperty("model_sha256") String modelSha256,
        @JsonProperty("settings") Map<String, String> settings,
        @JsonProperty("rows_in") long rowsIn,
        @JsonProperty("rows_labeled") long rowsLabeled,
        @JsonProperty("rows_quarantined") long rowsQuarantined,
        @JsonProperty("unsafe") long unsafe,
        @JsonProperty("output_files") List<FileEntry> outputFiles,
        @JsonProperty("run_id") String runId,
        @JsonProperty("created_at") String createdAt) {

    public static final String FILE = "_crest_manifest.json";
    public static final int FORMAT_VERSION = 1;
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    /**
     * One file: its path relative to the partition folder, size in bytes, modification time (ms since the epoch) and
     * etag (S3, ABFS; null where the file system has none).
     */
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record FileEntry(
            @JsonProperty("path") String path,
            @JsonProperty("size") long size,
            @JsonProperty("modified") long modified,

            @JsonProperty("etag") @JsonInclude(JsonInclude.Include.NON_NULL)
            String etag) {}

    /** A manifest as found on disk: {@code manifest} when valid; else {@code problem} says why not (null: none there). */
    public record Loaded(PartitionManifest manifest, String problem) {
        public boolean absent() {
            return manifest == null && problem == null;
        }
    }

    /** Reads {@code dir/_crest_manifest.json} and checks it is a valid manifest of {@code partition}. */
    public static Loaded load(FileSystem fs, Path dir, String partition) {
        Path file = new Path(dir, FILE);
        PartitionManifest m;
        try (InputStream in = fs.open(file)) {
            m = JSON.readValue(in, PartitionManifest.class);
        } catch (FileNotFoundException e) {
            return new Loaded(null, null);
        } catch (IOException e) {
            return new Loaded(null, "manifest unreadable (" + firstLine(e.getMessage()) + ")");
        }
        List<String> problems = m == null ? List.of("empty file") : m.problems(partition);
        return problems.isEmpty() ? new Loaded(m, null) : new Loaded(null, "manifest invalid (" + problems + ")");
    }

    /** Why this manifest cannot be trusted as the commit marker of {@code expectedPartition}; empty when it can. */
    public List<String> problems(String expectedPartition) {
        List<String> p = new ArrayList<>();
        if (formatVersion != FORMAT_VERSION) {
            p.add("format_version " + formatVersion + ", expected " + FORMAT_VERSION);
        }
        if (!Objects.equals(partition, expectedPartition)) {
            p.add("partition " + partition + ", expected " + expectedPartition);
        }
        if (inputFiles == null || outputFiles == null || settings == null || modelSha256 == null || runId == null) {
            p.add("missing fields");
        }
        if (rowsIn != rowsLabeled + rowsQuarantined) {
            p.add("rows_in " + rowsIn + " != rows_labeled " + rowsLabeled + " + rows_quarantined " + rowsQuarantined);
        }
        return p;
    }

    /**
     * What differs between the inputs, model and settings this partition was made from and the current ones: files
     * added, removed, resized, with a new modification time or etag; another model; changed settings. Empty: unchanged.
     */
    public List<String> differences(
            List<FileEntry> currentFiles, String currentModelSha256, Map<String, String> currentSettings) {
        List<String> d = new ArrayList<>();
        Map<String, FileEntry> before = byPath(inputFiles);
        Map<String, FileEntry> now = byPath(currentFiles);
        List<String> added = new ArrayList<>();
        List<String> removed = new ArrayList<>();
        List<String> changed = new ArrayList<>();
        for (FileEntry f : now.values()) {
            FileEntry b = before.get(f.path());
            if (b == null) {
                added.add(f.path());
            } else if (b.size() != f.size()) {
                changed.add(f.path() + " size " + b.size() + " -> " + f.size());
            } else if (b.modified() != f.modified()) {
                changed.add(f.path() + " modified " + b.modified() + " -> " + f.modified());
            } else if (b.etag() != null && f.etag() != null && !b.etag().equals(f.etag())) {
                changed.add(f.path() + " etag " + b.etag() + " -> " + f.etag());
            }
        }
        for (String p : before.keySet()) {
            if (!now.containsKey(p)) {
                removed.add(p);
            }
        }
        if (!added.isEmpty()) {
            d.add("input files added " + abbreviate(added));
        }
        if (!removed.isEmpty()) {
            d.add("input files removed " + abbreviate(removed));
        }
        if (!changed.isEmpty()) {
            d.add("input files changed " + abbreviate(changed));
        }
        if (!Objects.equals(modelSha256, currentModelSha256)) {
            d.add("model changed (" + model + " -> sha256 " + shortHash(currentModelSha256) + ")");
        }
        if (!Objects.equals(settings, currentSettings)) {
            List<String> s = new ArrayList<>();
            TreeMap<String, String> keys = new TreeMap<>(settings);
            keys.putAll(currentSettings);
            for (String k : keys.keySet()) {
                if (!Objects.equals(settings.get(k), currentSettings.get(k))) {
                    s.add(k + " " + settings.get(k) + " -> " + currentSettings.get(k));
                }
            }
            d.add("settings changed " + s);
        }
        return d;
    }

    /** Output files listed here that are missing or have another size in {@code dir}; empty when all are intact. */
    public List<String> outputProblems(FileSystem fs, Path dir) {
        Map<String, FileEntry> present = byPath(listFiles(fs, dir, false));
        List<String> bad = new ArrayList<>();
        for (FileEntry f : outputFiles) {
            FileEntry p = present.get(f.path());
            if (p == null) {
                bad.add(f.path() + " missing");
            } else if (p.size() != f.size()) {
                bad.add(f.path() + " size " + f.size() + " -> " + p.size());
            }
        }
        return bad.isEmpty() ? List.of() : List.of("output files damaged " + abbreviate(bad));
    }

    /**
     * Writes this manifest into {@code dir}: to a temporary name first, then renamed, so that the final name never
     * holds a partial file (a rename of one file is atomic on local and HDFS file systems; on S3 the object appears
     * whole at once on both the upload and the copy).
     */
    public void write(FileSystem fs, Path dir) {
        org.crest.spark.OutputFiles.replaceJson(fs, new Path(dir, FILE), this);
    }

    /**
     * Files under {@code dir}, paths relative to it, sorted. With {@code dataOnly} hidden and _-prefixed names (at any
     * depth) are skipped as Spark's readers skip them; otherwise only this manifest and its temporary are.
     */
    public static List<FileEntry> listFiles(FileSystem fs, Path dir, boolean dataOnly) {
        List<FileEntry> out = new ArrayList<>();
        try {
            String root = fs.getFileStatus(dir).getPath().toUri().getPath();
            RemoteIterator<LocatedFileStatus> it = fs.listFiles(dir, true);
            while (it.hasNext()) {
                LocatedFileStatus f = it.next();
                String rel = f.getPath().toUri().getPath().substring(root.length() + 1);
                boolean hidden = Arrays.stream(rel.split("/")).anyMatch(s -> s.startsWith(".") || s.startsWith("_"));
                if (dataOnly ? hidden : rel.equals(FILE) || rel.equals(FILE + ".tmp")) {
                    continue;
                }
                String etag = f instanceof EtagSource e ? e.getEtag() : null;
                out.add(new FileEntry(rel, f.getLen(), f.getModificationTime(), etag));
            }
        } catch (FileNotFoundException e) {
            return List.of();
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot list " + dir + " (" + e.getMessage() + ")", e);
        }
        out.sort((a, b) -> a.path().compareTo(b.path()));
        return out;
    }

    private static Map<String, FileEntry> byPath(List<FileEntry> files) {
        Map<String, FileEntry> m = new TreeMap<>();
        for (FileEntry f : files) {
            m.put(f.path(), f);
        }
        return m;
    }

    static String abbreviate(List<String> items) {
        return items.size() <= 3
                ? items.toString()
                : items.subList(0, 3).toString().replace("]", ", ... " + (items.size() - 3) + " more]");
    }

    private static String shortHash(String sha) {
        return sha == null ? "null" : sha.substring(0, Math.min(12, sha.length()));
    }

    private static String firstLine(String s) {
        if (s == null) {
            return "no message";
        }
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }
}
