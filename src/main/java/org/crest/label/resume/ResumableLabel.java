package org.crest.label.resume;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.SparkSession;
import org.crest.Columns;
import org.crest.ConservationException;
import org.crest.UsageException;
import org.crest.inference.ModelBundle;
import org.crest.io.BadInputException;
import org.crest.label.LabelJob;
import org.crest.label.LabelOptions;
import org.crest.label.LabelSummary;
import org.crest.label.ScoringSettings;
import org.crest.label.TableOutput;
import org.crest.label.resume.PartitionManifest.FileEntry;
import org.crest.spark.JobSupport;
import org.crest.spark.OutputFiles;
import org.crest.spark.OutputGuard;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code crest label --resume}: labels date-partitioned input ({@code INPUT/dt=YYYY-MM-DD/...}) one partition at a
 * time into {@code OUTPUT/dt=YYYY-MM-DD/}, and commits each partition on its own, so that a killed run loses at most
 * the partition it was working on and a re-run does only what is missing or changed.
 *
 * <p>Per partition: list its input files (before Spark reads them); if a valid {@link PartitionManifest} is in place
 * and matches those files, the model and the output-changing settings, and its output files are intact, skip it.
 * Otherwise label it with {@link LabelJob} into {@code OUTPUT/_crest_staging/RUN_ID/dt=X}, list the input again
 * (refuse to commit when it changed meanwhile), then commit: delete the old manifest (un-commit), delete the old
 * partition, rename the staging folder to {@code OUTPUT/dt=X}, and write the manifest last. A partition is committed
 * exactly when its manifest is present and valid, so a crash at any step leaves it either committed (old or new)
 * or without a manifest, which the next run reprocesses. See docs/RESUME.md for the guarantees per file system.
 */
public final class ResumableLabel {
    private static final Logger LOG = LoggerFactory.getLogger(ResumableLabel.class);
    public static final String STAGING_DIR = "_crest_staging";
    static final Pattern DT = Pattern.compile("dt=(\\d{4}-\\d{2}-\\d{2})");
    private static final Pattern RELATIVE = Pattern.compile("today-(\\d{1,5})");
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    private static final DateTimeFormatter RUN_ID =
            DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'", Locale.ROOT).withZone(ZoneOffset.UTC);

    private ResumableLabel() {}

    /**
     * @param overwrite {@code --mode overwrite}: reprocess every selected partition, committed or not
     * @param dates {@code --dt} values: a day {@code YYYY-MM-DD} or an inclusive range {@code FROM..TO}; empty = all
     * @param tables {@code --output-table}: each day's rows replace that day in the tables (the manifests and
     *     summaries stay in the output folder); null: Parquet in the output folder
     */
    public record Options(boolean overwrite, List<String> dates, TableOutput tables) {
        public Options {
            dates = List.copyOf(dates);
        }

        public Options(boolean overwrite, List<String> dates) {
            this(overwrite, dates, null);
        }
    }

    /** Everything one partition needs, fixed for the run. */
    private record Run(
            SparkSession spark,
            LabelOptions label,
            Options options,
            List<String> dtFilter,
            String runId,
            Path root,
            FileSystem inFs,
            Path out,
            FileSystem fs,
            Path staging,
            ModelBundle bundle,
            Map<String, String> settings) {}

    /**
     * Runs under the output's lock ({@link OutputGuard}): a second run on the same output is refused before it
     * touches anything (it would otherwise clean this run's staging folder), and so is an output that overlaps the
     * input.
     */
    public static ResumeSummary run(SparkSession spark, LabelOptions o, Options r) {
        try (OutputGuard guard =
                OutputGuard.lock(spark, "label --resume", o.output(), OutputGuard.Input.of("--input", o.inputs()))) {
            if (r.tables() != null) {
                r.tables().checkLocations(spark, LabelJob.reads(o), o.output());
            }
            return guard.run(() -> runLocked(spark, o, r));
        }
    }

    private static ResumeSummary runLocked(SparkSession spark, LabelOptions o, Options r) {
        long t0 = System.nanoTime();
        String startedAt = Instant.now().toString();
        if (o.inputs().size() != 1) {
            throw new UsageException("Cannot resume: --resume takes one --input folder that holds dt=YYYY-MM-DD "
                    + "partitions (" + o.inputs() + ")");
        }
        List<LocalDate[]> ranges = parseDates(r.dates());
        String rootArg = o.inputs().get(0);
        Path root = new Path(rootArg);
        FileSystem inFs = JobSupport.fileSystem(spark, root);
        List<String> found = discover(inFs, root, rootArg);
        List<String> selected = new ArrayList<>();
        for (String dt : found) {
            if (selected(dt, ranges)) {
                selected.add(dt);
            }
        }
        if (selected.isEmpty()) {
            throw new UsageException("Cannot resume: no partition of " + rootArg + " matches --dt " + r.dates()
                    + (r.dates().equals(List.of(describe(ranges).split(","))) ? "" : " = " + describe(ranges))
                    + " (found " + found.get(0) + (found.size() > 1 ? " .. " + found.get(found.size() - 1) : "") + ", "
                    + found.size() + " partitions)");
        }
        Path out = new Path(o.output());
        FileSystem fs = JobSupport.fileSystem(spark, out);
        checkOutput(fs, out, o.output());

        ModelBundle bundle = LabelJob.resolveModel(spark, o);
        int unsafeIndex = bundle.unsafeIndex(o.unsafeLabel());
        // refuse bad scoring options before the first partition, not inside it
        new ScoringSettings(
                o.maxTokens(),
                o.windowStride(),
                o.batchTokens(),
                o.maxBatchSize(),
                o.chunkRows(),
                o.device(),
                1,
                unsafeIndex,
                o.threshold());
        Map<String, String> settings = settings(o, unsafeIndex);
        if (r.tables() != null) {
            settings.putAll(r.tables().settings()); // a day labeled into other tables (or folders) is redone
        }
        String runId = RUN_ID.format(Instant.now()) + "-"
                + Integer.toHexString(0x100000 + ThreadLocalRandom.current().nextInt(0xf00000));
        Path stagingRoot = new Path(out, STAGING_DIR);
        List<String> cleaned = cleanStaging(fs, stagingRoot);
        List<String> dtFilter =
                ranges.isEmpty() ? List.of() : List.of(describe(ranges).split(","));
        Run run = new Run(
                spark, o, r, dtFilter, runId, root, inFs, out, fs, new Path(stagingRoot, runId), bundle, settings);
        LOG.info(
                "crest label --resume run {}: {} of {} partitions of {} selected, mode {}, output {}",
                runId,
                selected.size(),
                found.size(),
                rootArg,
                mode(r),
                o.output());

        List<ResumeSummary.Partition> results = new ArrayList<>();
        for (String dt : selected) {
            long tp = System.nanoTime();
            try {
                results.add(partition(run, dt));
            } catch (RuntimeException e) {
                results.add(new ResumeSummary.Partition(
                        dt, ResumeSummary.FAILED, e.getMessage(), 0, 0, 0, 0, 0, null, seconds(tp)));
                writeSummary(
                        run,
                        fs,
                        new Path(out, Columns.SUMMARY_FILE),
                        summary(
                                run,
                                "failed: " + dt + ": " + e.getMessage(),
                                found.size(),
                                results,
                                cleaned,
                                startedAt,
                                t0));
                LOG.error(
                        "crest label --resume run {} stopped at {}; partitions committed before it stay committed, "
                                + "its staging folder {} is kept for inspection and removed by the next run",
                        runId,
                        dt,
                        run.staging());
                throw e;
            }
        }
        delete(fs, run.staging());
        try {
            FileStatus[] left = fs.listStatus(stagingRoot);
            if (left.length == 0) {
                fs.delete(stagingRoot, false);
            }
        } catch (IOException e) {
            LOG.warn("Cannot tidy {} ({})", stagingRoot, e.getMessage());
        }
        ResumeSummary s = summary(run, "ok", found.size(), results, cleaned, startedAt, t0);
        if (!s.conserved()) {
            s = summary(
                    run,
                    "failed: rows_in != rows_labeled + rows_quarantined",
                    found.size(),
                    results,
                    cleaned,
                    startedAt,
                    t0);
        }
        Path summaryFile = new Path(out, Columns.SUMMARY_FILE);
        writeSummary(run, fs, summaryFile, s);
        if (!s.conserved()) {
            throw new ConservationException("Cannot finish: rows_in = " + s.rowsIn() + " but rows_labeled + "
                    + "rows_quarantined = " + s.rowsLabeled() + " + " + s.rowsQuarantined()
                    + " over the partitions; see "
                    + summaryFile);
        }
        LOG.info(
                "crest label --resume run {}: {} committed, {} reprocessed, {} skipped, {} empty; summary at {}",
                runId,
                s.partitionsCommitted(),
                s.partitionsReprocessed(),
                s.partitionsSkipped(),
                s.partitionsEmpty(),
                summaryFile);
        return s;
    }

    private static ResumeSummary.Partition partition(Run run, String dt) {
        long t0 = System.nanoTime();
        Path in = new Path(run.root(), dt);
        Path target = new Path(run.out(), dt);
        List<FileEntry> files = PartitionManifest.listFiles(run.inFs(), in, true);
        PartitionManifest.Loaded prev = PartitionManifest.load(run.fs(), target, dt);
        if (files.isEmpty()) {
            String reason = "no data files in " + in
                    + (prev.manifest() != null
                            ? "; the output committed by run " + prev.manifest().runId() + " stays"
                            : "");
            LOG.warn("Skipping {}: {}", dt, reason);
            return new ResumeSummary.Partition(
                    dt,
                    ResumeSummary.EMPTY,
                    reason,
                    0,
                    0,
                    0,
                    0,
                    0,
                    prev.manifest() == null ? null : prev.manifest().runId(),
                    seconds(t0));
        }
        String reason = null;
        if (prev.manifest() != null) {
            PartitionManifest m = prev.manifest();
            List<String> why = new ArrayList<>(m.differences(files, run.bundle().sha256(), run.settings()));
            if (why.isEmpty()) {
                why.addAll(m.outputProblems(run.fs(), target));
            }
            if (why.isEmpty() && run.options().tables() != null) {
                why.addAll(run.options()
                        .tables()
                        .problems(run.spark(), dt.substring(3), m.rowsLabeled(), m.rowsQuarantined()));
            }
            if (why.isEmpty() && !run.options().overwrite()) {
                LOG.info("{}: committed by run {} from the same input, model and settings; skipped", dt, m.runId());
                return new ResumeSummary.Partition(
                        dt,
                        ResumeSummary.SKIPPED,
                        "unchanged since run " + m.runId(),
                        m.inputFiles().size(),
                        m.rowsIn(),
                        m.rowsLabeled(),
                        m.rowsQuarantined(),
                        m.unsafe(),
                        m.runId(),
                        seconds(t0));
            }
            reason = run.options().overwrite()
                    ? "--mode overwrite" + (why.isEmpty() ? "" : "; " + String.join("; ", why))
                    : String.join("; ", why);
        } else if (prev.problem() != null) {
            reason = prev.problem();
        } else if (exists(run.fs(), target)) {
            reason = "no manifest: left unfinished by an earlier run";
        }
        LOG.info("{}: labeling {} file(s){}", dt, files.size(), reason == null ? "" : " (" + reason + ")");

        Path stage = new Path(run.staging(), dt);
        TableOutput tables = run.options().tables();
        LabelSummary s;
        try {
            s = LabelJob.run(
                    run.spark(),
                    run.label().forPartition(List.of(in.toString()), stage.toString()),
                    run.bundle(),
                    tables == null ? null : tables.bind(run.spark(), run.runId(), dt.substring(3)));
        } catch (BadInputException e) {
            if (!"no_records".equals(e.reason())) {
                throw e;
            }
            // a day whose files hold no records (0-byte or blank-line files, Parquet files of 0 rows, as producers
            // write for a day without traffic) is empty like a day without data files: nothing is committed, a
            // committed output stays, and the next run looks again
            String why = e.getMessage()
                    + (prev.manifest() != null
                            ? "; the output committed by run " + prev.manifest().runId() + " stays"
                            : "");
            LOG.warn("Skipping {}: {}", dt, why);
            return new ResumeSummary.Partition(
                    dt,
                    ResumeSummary.EMPTY,
                    why,
                    files.size(),
                    0,
                    0,
                    0,
                    0,
                    prev.manifest() == null ? null : prev.manifest().runId(),
                    seconds(t0));
        }
        List<FileEntry> after = PartitionManifest.listFiles(run.inFs(), in, true);
        if (!after.equals(files)) {
            PartitionManifest probe = manifest(run, dt, in, s, files, List.of());
            throw new ResumeException("Cannot commit " + dt + ": its input changed while it was being labeled ("
                    + String.join("; ", probe.differences(after, run.bundle().sha256(), run.settings()))
                    + "); run again when the producer has finished writing " + in);
        }
        try {
            if (exists(run.fs(), target)) {
                // un-commit first: from here until the new manifest is written the partition has none
                run.fs().delete(new Path(target, PartitionManifest.FILE), false);
                if (!run.fs().delete(target, true)) {
                    throw new IOException("delete returned false");
                }
            }
            if (!run.fs().rename(stage, target)) {
                throw new IOException("rename " + stage + " -> " + target + " returned false");
            }
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot commit " + dt + " into " + target + " (" + e.getMessage() + ")", e);
        }
        patchPartitionSummary(run, dt, target);
        PartitionManifest m = manifest(run, dt, in, s, files, PartitionManifest.listFiles(run.fs(), target, false));
        m.write(run.fs(), target);
        String action = reason == null ? ResumeSummary.COMMITTED : ResumeSummary.REPROCESSED;
        LOG.info(
                "{}: {} ({} rows in, {} labeled, {} quarantined)",
                dt,
                action,
                s.rowsIn(),
                s.rowsLabeled(),
                s.rowsQuarantined());
        return new ResumeSummary.Partition(
                dt,
                action,
                reason,
                files.size(),
                s.rowsIn(),
                s.rowsLabeled(),
                s.rowsQuarantined(),
                s.unsafe(),
                run.runId(),
                seconds(t0));
    }

    private static PartitionManifest manifest(
            Run run, String dt, Path in, LabelSummary s, List<FileEntry> inputs, List<FileEntry> outputs) {
        return new PartitionManifest(
                PartitionManifest.FORMAT_VERSION,
                dt,
                qualified(run.inFs(), in),
                s.inputFormat(),
                inputs,
                run.bundle().id(),
                run.bundle().sha256(),
                run.settings(),
                s.rowsIn(),
                s.rowsLabeled(),
                s.rowsQuarantined(),
                s.unsafe(),
                outputs,
                run.runId(),
                Instant.now().toString());
    }

    /** The partition's own _crest_summary.json names where it ended up, not the staging folder. */
    private static void patchPartitionSummary(Run run, String dt, Path target) {
        Path file = new Path(target, Columns.SUMMARY_FILE);
        try {
            ObjectNode n;
            try (InputStream is = run.fs().open(file)) {
                n = (ObjectNode) JSON.readTree(is);
            }
            n.put("output", qualified(run.fs(), target));
            n.put("mode", mode(run.options()));
            n.put("partition", dt);
            n.put("run_id", run.runId());
            try (OutputStream os = run.fs().create(file, true)) {
                JSON.writeValue(os, n);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot update " + file + " (" + e.getMessage() + ")", e);
        }
    }

    /**
     * The settings that change what a partition's output holds; a committed partition made with other values is
     * reprocessed. Batching, device, threads and partitioning change only speed and file layout, so they are not here.
     */
    static Map<String, String> settings(LabelOptions o, int unsafeIndex) {
        Map<String, String> m = new TreeMap<>();
        m.put("format", o.format().toString());
        m.put("text_col", o.messagesCol() == null ? o.textCol() : "");
        m.put("messages_col", o.messagesCol() == null ? "" : o.messagesCol());
        m.put("roles", String.join(",", new java.util.TreeSet<>(o.roles())));
        m.put("unsafe_index", Integer.toString(unsafeIndex));
        m.put("threshold", Double.toString(o.threshold()));
        m.put("max_tokens", Integer.toString(o.maxTokens()));
        m.put("window_stride", Integer.toString(o.windowStride()));
        m.put("detect_language", Boolean.toString(o.detectLanguage()));
        return m;
    }

    /** The dt= partitions directly under {@code root}, sorted; refuses input that is not date-partitioned. */
    static List<String> discover(FileSystem fs, Path root, String rootArg) {
        Matcher self = DT.matcher(root.getName());
        if (self.matches()) {
            throw new UsageException("Cannot resume: --input " + rootArg
                    + " is itself a dt= partition; pass the folder "
                    + "that holds the partitions and pick days with --dt (--input " + root.getParent() + " --dt "
                    + self.group(1) + ")");
        }
        FileStatus[] children;
        try {
            if (!fs.getFileStatus(root).isDirectory()) {
                throw new UsageException("Cannot resume: --input " + rootArg + " is a file; --resume needs a folder of "
                        + "dt=YYYY-MM-DD partitions");
            }
            children = fs.listStatus(root);
        } catch (FileNotFoundException e) {
            throw new UsageException("Cannot read input: " + rootArg + " does not exist");
        } catch (IOException e) {
            throw new UsageException("Cannot read input: cannot list " + rootArg + " (" + e.getMessage() + ")", e);
        }
        List<String> dts = new ArrayList<>();
        List<String> outside = new ArrayList<>();
        for (FileStatus c : children) {
            String name = c.getPath().getName();
            if (name.startsWith(".") || name.startsWith("_")) {
                continue;
            }
            if (c.isDirectory() && name.startsWith("dt=")) {
                if (!DT.matcher(name).matches() || !isDate(name.substring(3))) {
                    throw new UsageException("Cannot resume: " + name + " in " + rootArg + " is not a date partition "
                            + "(expected dt=YYYY-MM-DD, e.g. dt=2026-11-27)");
                }
                dts.add(name);
            } else {
                outside.add(name + (c.isDirectory() ? "/" : ""));
            }
        }
        outside.sort(null);
        if (!outside.isEmpty()) {
            throw new UsageException("Cannot resume: " + rootArg + " holds " + outside.size() + " file(s) or folder(s) "
                    + "outside dt=YYYY-MM-DD partitions " + PartitionManifest.abbreviate(outside)
                    + "; --resume reads only "
                    + "dt= folders, so move them into one (or name them with a leading _ to have them ignored)");
        }
        if (dts.isEmpty()) {
            throw new UsageException("Cannot resume: no dt=YYYY-MM-DD partitions in " + rootArg + "; --resume needs "
                    + "date-partitioned input such as " + rootArg + "/dt=2026-11-27/part-0.jsonl");
        }
        dts.sort(null);
        return dts;
    }

    /** Refuses an output folder that holds anything a --resume run does not write there. */
    static void checkOutput(FileSystem fs, Path out, String outArg) {
        try {
            FileStatus st = fs.getFileStatus(out);
            if (!st.isDirectory()) {
                throw new UsageException("Cannot resume into " + outArg + ": it is a file");
            }
            List<String> foreign = new ArrayList<>();
            for (FileStatus c : fs.listStatus(out)) {
                String name = c.getPath().getName();
                boolean ours = name.startsWith(".")
                        || name.equals(STAGING_DIR)
                        || name.equals(Columns.SUMMARY_FILE)
                        || name.equals(Columns.REPORT_DIR)
                        || (c.isDirectory() && DT.matcher(name).matches());
                if (!ours) {
                    foreign.add(name);
                }
            }
            foreign.sort(null);
            if (!foreign.isEmpty()) {
                throw new UsageException(
                        "Cannot resume into " + outArg + ": it holds " + PartitionManifest.abbreviate(foreign)
                                + ", which --resume does not write (the output of a run without --resume?); pass a new or empty "
                                + "--output");
            }
        } catch (FileNotFoundException e) {
            // a new output: the first commit creates it
        } catch (IOException e) {
            throw new UsageException("Cannot check output " + outArg + " (" + e.getMessage() + ")", e);
        }
    }

    /** Removes what killed or failed runs left in OUTPUT/_crest_staging; nothing there is ever committed or read. */
    private static List<String> cleanStaging(FileSystem fs, Path stagingRoot) {
        List<String> cleaned = new ArrayList<>();
        try {
            for (FileStatus c : fs.listStatus(stagingRoot)) {
                LOG.info("Removing {}, left by an earlier run that did not finish", c.getPath());
                fs.delete(c.getPath(), true);
                cleaned.add(c.getPath().getName());
            }
        } catch (FileNotFoundException e) {
            return cleaned;
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot clean " + stagingRoot + " (" + e.getMessage() + ")", e);
        }
        cleaned.sort(null);
        return cleaned;
    }

    static List<LocalDate[]> parseDates(List<String> specs) {
        List<LocalDate[]> out = new ArrayList<>();
        for (String spec : specs) {
            String s = spec.trim();
            int dots = s.indexOf("..");
            try {
                LocalDate from = day(dots < 0 ? s : s.substring(0, dots));
                LocalDate to = dots < 0 ? from : day(s.substring(dots + 2));
                if (to.isBefore(from)) {
                    throw new UsageException("Cannot use --dt " + spec + ": the range ends before it starts");
                }
                out.add(new LocalDate[] {from, to});
            } catch (DateTimeParseException e) {
                throw new UsageException(
                        "Cannot use --dt " + spec + ": expected a day YYYY-MM-DD, today, yesterday or "
                                + "today-N (UTC), or a range FROM..TO of these, e.g. 2026-11-20..2026-11-27 or today-3..yesterday");
            }
        }
        return out;
    }

    /** A --dt day: YYYY-MM-DD, or today, yesterday, today-N in UTC (the day a nightly run starts on). */
    private static LocalDate day(String s) {
        LocalDate today = LocalDate.now(ZoneOffset.UTC);
        Matcher rel = RELATIVE.matcher(s);
        if (s.equals("today")) {
            return today;
        } else if (s.equals("yesterday")) {
            return today.minusDays(1);
        } else if (rel.matches()) {
            return today.minusDays(Integer.parseInt(rel.group(1)));
        }
        return LocalDate.parse(s);
    }

    private static String describe(List<LocalDate[]> ranges) {
        List<String> out = new ArrayList<>();
        for (LocalDate[] r : ranges) {
            out.add(r[0].equals(r[1]) ? r[0].toString() : r[0] + ".." + r[1]);
        }
        return String.join(",", out);
    }

    private static boolean selected(String dt, List<LocalDate[]> ranges) {
        if (ranges.isEmpty()) {
            return true;
        }
        LocalDate d = LocalDate.parse(dt.substring(3));
        return ranges.stream().anyMatch(r -> !d.isBefore(r[0]) && !d.isAfter(r[1]));
    }

    private static boolean isDate(String s) {
        try {
            LocalDate.parse(s);
            return true;
        } catch (DateTimeParseException e) {
            return false;
        }
    }

    private static ResumeSummary summary(
            Run run,
            String status,
            int found,
            List<ResumeSummary.Partition> parts,
            List<String> cleaned,
            String startedAt,
            long t0) {
        int committed = 0;
        int reprocessed = 0;
        int skipped = 0;
        int empty = 0;
        long in = 0;
        long labeled = 0;
        long quarantined = 0;
        long unsafe = 0;
        long processed = 0;
        for (ResumeSummary.Partition p : parts) {
            switch (p.action()) {
                case ResumeSummary.COMMITTED -> committed++;
                case ResumeSummary.REPROCESSED -> reprocessed++;
                case ResumeSummary.SKIPPED -> skipped++;
                case ResumeSummary.EMPTY -> empty++;
                default -> {}
            }
            in += p.rowsIn();
            labeled += p.rowsLabeled();
            quarantined += p.rowsQuarantined();
            unsafe += p.unsafe();
            if (!p.action().equals(ResumeSummary.SKIPPED)) {
                processed += p.rowsIn();
            }
        }
        return ResumeSummary.builder()
                .status(status)
                .runId(run.runId())
                .mode(mode(run.options()))
                .input(qualified(run.inFs(), run.root()))
                .output(qualified(run.fs(), run.out()))
                .dtFilter(run.dtFilter())
                .model(run.bundle().id())
                .modelSha256(run.bundle().sha256())
                .modelIsDemo(run.bundle().isDemo())
                .partitionsFound(found)
                .partitionsSelected(parts.size())
                .partitionsCommitted(committed)
                .partitionsReprocessed(reprocessed)
                .partitionsSkipped(skipped)
                .partitionsEmpty(empty)
                .rowsIn(in)
                .rowsLabeled(labeled)
                .rowsQuarantined(quarantined)
                .unsafe(unsafe)
                .rowsInProcessed(processed)
                .stagingCleaned(cleaned)
                .partitions(List.copyOf(parts))
                .startedAt(startedAt)
                .finishedAt(Instant.now().toString())
                .elapsedSeconds(Math.round((System.nanoTime() - t0) / 1e6) / 1000.0)
                .build();
    }

    private static void writeSummary(Run run, FileSystem fs, Path file, ResumeSummary s) {
        TableOutput tables = run.options().tables();
        OutputFiles.writeJson(fs, file, tables == null ? s : tables.annotate(s, null));
    }

    static String mode(Options r) {
        return r.overwrite() ? "overwrite" : "resume";
    }

    private static boolean exists(FileSystem fs, Path p) {
        try {
            return fs.exists(p);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot check " + p + " (" + e.getMessage() + ")", e);
        }
    }

    private static void delete(FileSystem fs, Path p) {
        try {
            fs.delete(p, true);
        } catch (IOException e) {
            LOG.warn("Cannot remove {} ({}); the next run removes it", p, e.getMessage());
        }
    }

    private static String qualified(FileSystem fs, Path p) {
        return fs.makeQualified(p).toString();
    }

    private static double seconds(long t0) {
        return Math.round((System.nanoTime() - t0) / 1e6) / 1000.0;
    }

    /** A partition could not be committed safely. */
    public static final class ResumeException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        public ResumeException(String message) {
            super(message);
        }
    }
}
