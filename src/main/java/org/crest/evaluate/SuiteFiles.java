package org.crest.evaluate;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.crest.UsageException;

/**
 * Which presets' benchmark files a suite folder holds. Each preset is looked for under the file names its
 * benchmark is distributed with (shared/data's SOURCE.md files), in the folder itself and in its direct
 * subfolders (so both {@code DIR/MultiJail.csv} and {@code DIR/multijail/MultiJail.csv} count); names are
 * compared case-insensitively; folders and files starting with {@code .} or {@code _} are skipped.
 */
public final class SuiteFiles {
    private SuiteFiles() {}

    /**
     * Where a preset's files are looked for: the first alternative with any file found is used (so the upstream
     * "all" file wins over its test + val halves); {@code folder}: only in subfolders whose name contains it.
     */
    record Layout(Preset preset, List<List<String>> alternatives, String folder) {
        String describe() {
            String names = alternatives.stream().map(a -> String.join(" + ", a)).collect(Collectors.joining(" or "));
            return folder == null
                    ? names + " in the folder or a subfolder"
                    : names + " in a subfolder whose name contains '" + folder + "'";
        }
    }

    static final List<Layout> LAYOUTS = List.of(
            new Layout(Preset.AEGIS, List.of(List.of("test.json"), List.of("test.jsonl")), "aegis"),
            new Layout(
                    Preset.HARMBENCH,
                    List.of(
                            List.of("harmbench_behaviors_text_all.csv"),
                            List.of("harmbench_behaviors_text_test.csv", "harmbench_behaviors_text_val.csv")),
                    null),
            new Layout(
                    Preset.STRONGREJECT,
                    List.of(List.of("strongreject_dataset.csv"), List.of("strongreject_small_dataset.csv")),
                    null),
            new Layout(
                    Preset.REDTEAM2K,
                    List.of(List.of("Explicit_RedTeam_2K.csv", "Implicit_RedTeam_2K.csv"), List.of("RedTeam_2K.csv")),
                    null),
            new Layout(Preset.JBB_BEHAVIORS, List.of(List.of("harmful-behaviors.csv", "benign-behaviors.csv")), null),
            new Layout(Preset.JBB_JUDGE, List.of(List.of("judge_comparison.csv")), null),
            new Layout(Preset.XSTEST, List.of(List.of("xstest_prompts.csv"), List.of("xstest_v2_prompts.csv")), null),
            new Layout(Preset.MULTIJAIL, List.of(List.of("MultiJail.csv")), null),
            new Layout(Preset.CSRT, List.of(List.of("csrt.csv")), null),
            new Layout(
                    Preset.SIMPLESAFETYTESTS,
                    List.of(List.of("simplesafetytests.csv"), List.of("SimpleSafetyTests - test cases.csv")),
                    null));

    /**
     * A preset whose files were found; {@code names}: the same files relative to the suite folder; {@code note}: what
     * of its layout was not found (or null).
     */
    public record Found(Preset preset, List<String> files, List<String> names, String note) {}

    /** A preset not run, and why. */
    public record Missing(Preset preset, String reason) {}

    /** What a suite folder holds. */
    public record Discovery(String dir, List<Found> found, List<Missing> missing) {}

    /** The folder's benchmark files per preset; refuses (exit 2) a folder that is missing or holds none. */
    public static Discovery discover(Configuration conf, String dir) {
        Path root = new Path(dir);
        FileSystem fs;
        List<FileStatus> files = new ArrayList<>();
        List<Path> deeper = new ArrayList<>();
        try {
            fs = root.getFileSystem(conf);
            root = fs.makeQualified(root);
            FileStatus st = fs.getFileStatus(root);
            if (!st.isDirectory()) {
                throw new UsageException("Cannot use --suite: not a folder (" + dir + ")");
            }
            for (FileStatus s : sorted(fs.listStatus(root))) {
                if (hidden(s.getPath())) {
                    continue;
                }
                if (s.isDirectory()) {
                    for (FileStatus f : sorted(fs.listStatus(s.getPath()))) {
                        if (f.isFile() && !hidden(f.getPath())) {
                            files.add(f);
                        } else if (f.isDirectory() && !hidden(f.getPath())) {
                            deeper(fs, f.getPath(), deeper);
                        }
                    }
                } else if (s.isFile()) {
                    files.add(s);
                }
            }
        } catch (FileNotFoundException e) {
            throw new UsageException("Cannot use --suite: no such folder (" + dir + ")", e);
        } catch (IOException e) {
            throw new UsageException(
                    "Cannot use --suite: cannot list the folder: " + e.getMessage() + " (" + dir + ")", e);
        }
        List<Found> found = new ArrayList<>();
        List<Missing> missing = new ArrayList<>();
        for (Layout l : LAYOUTS) {
            find(l, root, files, found, missing);
        }
        // a benchmark file more than one folder down is not read: say so rather than leave it out unmentioned
        List<Missing> named = new ArrayList<>();
        Path base = root;
        for (Missing m : missing) {
            Layout l = LAYOUTS.stream()
                    .filter(x -> x.preset() == m.preset())
                    .findFirst()
                    .orElseThrow();
            List<String> there = deeper.stream()
                    .filter(p -> l.alternatives().stream()
                            .flatMap(List::stream)
                            .anyMatch(n -> n.equalsIgnoreCase(p.getName())))
                    .map(p -> relative(base, p))
                    .toList();
            named.add(
                    there.isEmpty() || !m.reason().startsWith("no ")
                            ? m
                            : new Missing(
                                    m.preset(),
                                    m.reason() + " (not read, more than one folder down: " + String.join(", ", there)
                                            + "; move it into " + dir + " or a direct subfolder)"));
        }
        missing = named;
        if (found.isEmpty()) {
            List<String> notRead = missing.stream()
                    .map(Missing::reason)
                    .filter(r -> r.contains("more than one folder down"))
                    .map(r -> r.substring(r.indexOf("more than one folder down: ") + 27, r.lastIndexOf("; move")))
                    .toList();
            throw new UsageException("Cannot use --suite: no benchmark file of any preset in " + dir
                    + " or its subfolders (expected e.g. MultiJail.csv, xstest_prompts.csv, "
                    + "harmbench_behaviors_text_all.csv, aegis*/test.json; see docs/EVALUATE.md)"
                    + (notRead.isEmpty()
                            ? ""
                            : "; not read, more than one folder down: " + String.join(", ", notRead)));
        }
        return new Discovery(dir, List.copyOf(found), List.copyOf(missing));
    }

    private static void find(Layout l, Path root, List<FileStatus> files, List<Found> found, List<Missing> missing) {
        for (List<String> alternative : l.alternatives()) {
            Map<String, List<Path>> hits = new LinkedHashMap<>();
            for (String name : alternative) {
                List<Path> at = files.stream()
                        .map(FileStatus::getPath)
                        .filter(p -> p.getName().equalsIgnoreCase(name))
                        .filter(p -> l.folder() == null
                                || (!p.getParent().equals(root)
                                        && p.getParent()
                                                .getName()
                                                .toLowerCase(Locale.ROOT)
                                                .contains(l.folder())))
                        .toList();
                if (!at.isEmpty()) {
                    hits.put(name, at);
                }
            }
            if (hits.isEmpty()) {
                continue;
            }
            for (Map.Entry<String, List<Path>> h : hits.entrySet()) {
                if (h.getValue().size() > 1) {
                    missing.add(new Missing(
                            l.preset(),
                            h.getKey() + " is in " + h.getValue().size() + " places ("
                                    + h.getValue().stream().map(Path::toString).collect(Collectors.joining(", "))
                                    + "): keep one"));
                    return;
                }
            }
            List<String> absent =
                    alternative.stream().filter(n -> !hits.containsKey(n)).toList();
            found.add(new Found(
                    l.preset(),
                    hits.values().stream().map(p -> p.get(0).toString()).toList(),
                    hits.values().stream()
                            .map(p -> p.get(0))
                            .map(p -> p.getParent().equals(root)
                                    ? p.getName()
                                    : p.getParent().getName() + "/" + p.getName())
                            .toList(),
                    absent.isEmpty() ? null : "no " + String.join(", ", absent) + ": run without it"));
            return;
        }
        missing.add(new Missing(l.preset(), "no " + l.describe()));
    }

    /** Every file under {@code dir} (a folder two levels down), skipping hidden and _-prefixed names. */
    private static void deeper(FileSystem fs, Path dir, List<Path> out) throws IOException {
        for (FileStatus f : sorted(fs.listStatus(dir))) {
            if (hidden(f.getPath())) {
                continue;
            }
            if (f.isDirectory()) {
                deeper(fs, f.getPath(), out);
            } else {
                out.add(f.getPath());
            }
        }
    }

    private static String relative(Path root, Path p) {
        String r = root.toUri().getPath();
        String s = p.toUri().getPath();
        return s.startsWith(r + "/") ? s.substring(r.length() + 1) : s;
    }

    private static boolean hidden(Path p) {
        return p.getName().startsWith(".") || p.getName().startsWith("_");
    }

    private static List<FileStatus> sorted(FileStatus[] s) {
        return Arrays.stream(s)
                .sorted(Comparator.comparing(f -> f.getPath().getName()))
                .toList();
    }
}
