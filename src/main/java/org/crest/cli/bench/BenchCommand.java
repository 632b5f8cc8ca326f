package org.crest.cli.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.apache.spark.sql.SparkSession;
import org.crest.UsageException;
import org.crest.cli.options.BatchOptions;
import org.crest.cli.options.ModelOptions;
import org.crest.cli.options.ScoringOptions;
import org.crest.cli.options.SparkOptions;
import org.crest.inference.Device;
import org.crest.inference.LengthBatcher;
import org.crest.inference.ModelBundle;
import org.crest.inference.ModelSession;
import org.crest.inference.Windowing;
import org.crest.io.InputFormat;
import org.crest.label.LabelJob;
import org.crest.label.LabelOptions;
import org.crest.label.LabelSummary;
import org.crest.model.ModelResolver;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code crest bench}: throughput of the label job against (a) the same model in a plain ONNX Runtime
 * loop over the same token batches in one JVM (the ceiling) and (b) a naive baseline (fixed batches of
 * 8 in input order, padded to the longest), on synthetic chat messages, in one run.
 */
@Command(
        name = "bench",
        mixinStandardHelpOptions = true,
        usageHelpAutoWidth = true,
        sortOptions = false,
        description = {
            "Measure label throughput against a plain ONNX Runtime loop and a naive batching baseline.",
            "Prints rows/s, tokens/s (real tokens: specials included, padding excluded), padding efficiency and ratios. "
                    + "Figures vary ±20%% between runs on shared machines: compare ratios within one run."
        })
public final class BenchCommand implements Callable<Integer> {
    @Option(
            names = "--rows",
            defaultValue = "2000",
            paramLabel = "N",
            description = "Synthetic messages. Default: ${DEFAULT-VALUE}.")
    int rows;

    @Option(
            names = "--seed",
            defaultValue = "1",
            paramLabel = "N",
            description = "Seed of the synthetic messages. Default: ${DEFAULT-VALUE}.")
    long seed;

    @Option(
            names = "--threads",
            defaultValue = "0",
            paramLabel = "N",
            description = "Intra-op threads of the plain loops. Default 0: the cores of --master (local[N]), else 1.")
    int threads;

    @Option(
            names = "--partitions",
            defaultValue = "0",
            paramLabel = "N",
            description =
                    "Partitions the job scores in: the input is written as this many files of consecutive rows, "
                            + "which the job reads in parallel and scores without a shuffle. Default 0: 4 × the plain-loop threads.")
    int partitions;

    @Option(names = "--report", paramLabel = "FILE", description = "Also write the figures as JSON to this file.")
    Path report;

    @Option(
            names = "--candidate",
            paramLabel = "BUNDLE",
            description = "Also run this bundle of the same model "
                    + "(e.g. converted with --precision int8 or --graph fused) against the plain loop's session, batch by "
                    + "batch in turn, and print its speed ratio and |ΔP(unsafe)| per window (crest bench-precision does "
                    + "the same in more detail). Repeat it to compare several bundles in one run, e.g. "
                    + "--candidate FUSED --candidate INT8.")
    List<String> candidates = new ArrayList<>();

    @Option(
            names = "--pipeline-model",
            paramLabel = "BUNDLE",
            description = "Also measure the pipeline without the model: the label job with this near-null bundle "
                    + "(e.g. 1 layer, hidden 8, the real vocabulary) against the raw DJL tokenizer on the same texts "
                    + "with as many threads as the job has cores, and print their ratio.")
    String pipelineModel;

    @Option(
            names = "--pipeline-rows",
            defaultValue = "160000",
            paramLabel = "N",
            description = "Texts of the --pipeline-model run. Default: ${DEFAULT-VALUE}.")
    int pipelineRows;

    @Option(
            names = "--pipeline-input",
            paramLabel = "FILE",
            description = "JSON Lines whose \"text\" fields the --pipeline-model run uses (its first --pipeline-rows "
                    + "lines). Default: short synthetic chat messages (3-32 words).")
    Path pipelineInput;

    @Option(
            names = "--pipeline-warm-runs",
            defaultValue = "2",
            paramLabel = "N",
            description = "Full-size runs of the --pipeline-model job before the measured one, so that the JIT has "
                    + "compiled its per-row code, as in an executor that labels for hours (the first run's ratio is "
                    + "printed too). Default: ${DEFAULT-VALUE}.")
    int pipelineWarmRuns;

    @Mixin
    ModelOptions model;

    @Mixin
    ScoringOptions scoring;

    @Mixin
    SparkOptions spark;

    /** Refuses values the run cannot use, before anything is created. */
    void validate() {
        BatchOptions batch = scoring.batch();
        BenchArgs.atLeast("--rows", rows, 1);
        BenchArgs.atLeast("--threads", threads, 0);
        BenchArgs.atLeast("--partitions", partitions, 0);
        BenchArgs.atLeast("--pipeline-rows", pipelineRows, 1);
        BenchArgs.atLeast("--pipeline-warm-runs", pipelineWarmRuns, 0);
        BenchArgs.atLeast("--batch-tokens", batch.batchTokens(), 1);
        BenchArgs.atLeast("--max-batch-size", batch.maxBatchSize(), 1);
        BenchArgs.atLeast("--chunk-rows", batch.chunkRows(), 1);
        BenchArgs.atLeast("--max-tokens", batch.maxTokens(), 3);
        BenchArgs.atLeast("--window-stride", scoring.windowStride(), 1);
        if (scoring.windowStride() > batch.maxTokens() - 2) {
            throw new UsageException("Cannot use --window-stride " + scoring.windowStride()
                    + ": at most --max-tokens - 2 = " + (batch.maxTokens() - 2));
        }
    }

    @Override
    public Integer call() throws Exception {
        validate();
        String master = spark.master("local[2]");
        int cores = threads > 0 ? threads : coresOf(master);
        int parts = partitions > 0 ? partitions : 4 * cores;
        ModelBundle bundle = ModelResolver.resolve(model.model());
        Path dir = Files.createTempDirectory("crest-bench-");
        try {
            return run(bundle, dir, cores, parts);
        } finally {
            BenchArgs.deleteTree(dir); // on every exit path
        }
    }

    private int run(ModelBundle bundle, Path dir, int cores, int parts) throws Exception {
        String master = spark.master("local[2]");
        BatchOptions batch = scoring.batch();
        List<String> texts = SyntheticChats.messages(rows, seed);
        List<Path> input = writeJsonlParts(dir.resolve("chats"), texts, parts);
        ModelBundle pipelineBundle = pipelineModel == null ? null : ModelResolver.resolve(pipelineModel);
        List<String> pipelineTexts = pipelineBundle == null ? null : pipelineTexts();
        String loadStart = PipelineBench.loadAverage();
        System.out.printf(
                "crest bench: %d synthetic messages, model %s, master %s, %d plain-loop thread(s), %d partitions; "
                        + "load average %s%n",
                rows, bundle.id(), master, cores, parts, loadStart);

        // (a) and (b): one session with all cores, outside Spark, on pre-tokenized windows
        Windowing windowing = new Windowing(batch.maxTokens(), scoring.windowStride(), bundle.bosId(), bundle.eosId());
        long t = System.nanoTime();
        ModelSession plain = ModelSession.create(bundle, ModelSession.Kind.CLASSIFIER, batch.device(), cores, -1);
        double sessionSeconds = (System.nanoTime() - t) / 1e9;
        List<long[]> windows = new ArrayList<>();
        for (String s : texts) {
            windows.addAll(windowing.windows(plain.tokenize(s)));
        }
        System.out.printf(
                "session creation (plain loop): %.1f s; %d windows, %d real tokens%n",
                sessionSeconds,
                windows.size(),
                windows.stream().mapToLong(x -> x.length).sum());
        Loop ceiling = plainLoop(
                plain,
                windows,
                new LengthBatcher(batch.batchTokens(), batch.maxBatchSize()).forDevice(plain.device()),
                batch.chunkRows());
        System.out.printf("(a) plain loop done in %.1f s%n", ceiling.seconds);
        Loop naive = naiveLoop(plain, windows, 8);
        System.out.printf("(b) naive loop done in %.1f s%n", naive.seconds);
        List<Map<String, Object>> candidateFigures = new ArrayList<>();
        for (String c : candidates) {
            candidateFigures.add(candidateLoop(c, plain, windows, cores));
        }
        plain.close();

        // the job: warm the executor's session on a few rows, then measure
        SparkSession.Builder builder = SparkSession.builder()
                .appName("crest bench")
                .master(master)
                .config("spark.driver.host", "127.0.0.1")
                .config("spark.driver.bindAddress", "127.0.0.1")
                .config("spark.ui.enabled", "false");
        spark.conf().forEach(builder::config);
        SparkSession session = builder.getOrCreate();
        LabelSummary job;
        Map<String, Object> pipeline = null;
        Map<String, Object> jobStages;
        try {
            Path warm = dir.resolve("warm.jsonl");
            writeJsonl(warm, texts.subList(0, Math.min(32, texts.size())));
            LabelJob.run(
                    session,
                    options(List.of(warm), dir.resolve("warm-out"), bundle.dir().toString()));
            StageCpu stages = StageCpu.listen(session);
            try {
                job = LabelJob.run(
                        session, options(input, dir.resolve("out"), bundle.dir().toString()));
            } finally {
                stages.stop(session);
            }
            jobStages = stages.print("label job", rows);
            if (pipelineBundle != null) {
                pipeline = PipelineBench.run(
                        session,
                        pipelineBundle,
                        pipelineTexts,
                        cores,
                        dir,
                        parts,
                        pipelineWarmRuns,
                        (in, out) -> options(in, out, pipelineBundle.dir().toString()));
            }
        } finally {
            session.stop();
        }
        double jobRows = job.rowsLabeled() / job.labelSeconds();
        double jobTokens = job.modelTokens() / job.labelSeconds();

        System.out.printf("%-34s %10s %12s %10s %8s%n", "", "rows/s", "tokens/s", "padding", "batches");
        System.out.printf(
                "%-34s %10.1f %12.0f %10.3f %8d%n",
                "label job (Spark, " + master + ")", jobRows, jobTokens, job.paddingEfficiency(), job.batches());
        System.out.printf(
                "%-34s %10.1f %12.0f %10.3f %8d%n",
                "(a) plain ORT loop, same batches",
                rows / ceiling.seconds,
                ceiling.real / ceiling.seconds,
                (double) ceiling.real / ceiling.computed,
                ceiling.batches);
        System.out.printf(
                "%-34s %10.1f %12.0f %10.3f %8d%n",
                "(b) naive: 8 per batch, input order",
                rows / naive.seconds,
                naive.real / naive.seconds,
                (double) naive.real / naive.computed,
                naive.batches);
        double vsCeiling = jobTokens / (ceiling.real / ceiling.seconds);
        double vsNaive = jobTokens / (naive.real / naive.seconds);
        System.out.printf(
                "job / plain loop = %.2f×, job / naive = %.2f×, plain loop / naive = %.2f×%n",
                vsCeiling, vsNaive, (ceiling.real / ceiling.seconds) / (naive.real / naive.seconds));
        System.out.printf(
                "windows %d, real tokens %d, job label pass %.1f s (Spark read, validate, score, write)%n",
                windows.size(), ceiling.real, job.labelSeconds());
        String loadEnd = PipelineBench.loadAverage();
        System.out.printf(
                "peak RSS of this JVM (driver and local executors): %s; heap max %d MB; load average %s -> %s%n",
                peakRss(), Runtime.getRuntime().maxMemory() >> 20, loadStart, loadEnd);
        if (report != null) {
            Map<String, Object> figures = new java.util.LinkedHashMap<>(Map.of(
                    "model",
                    bundle.id(),
                    "rows",
                    rows,
                    "master",
                    master,
                    "plain_threads",
                    cores,
                    "partitions",
                    parts,
                    "job",
                    Map.of("rows_per_s", jobRows, "tokens_per_s", jobTokens, "padding", job.paddingEfficiency()),
                    "plain",
                    Map.of(
                            "rows_per_s",
                            rows / ceiling.seconds,
                            "tokens_per_s",
                            ceiling.real / ceiling.seconds,
                            "padding",
                            (double) ceiling.real / ceiling.computed),
                    "naive",
                    Map.of(
                            "rows_per_s",
                            rows / naive.seconds,
                            "tokens_per_s",
                            naive.real / naive.seconds,
                            "padding",
                            (double) naive.real / naive.computed),
                    "ratios",
                    Map.of("job_vs_plain", vsCeiling, "job_vs_naive", vsNaive)));
            figures.put("padding", job.paddingEfficiency());
            figures.put("job_stage_cpu_us_per_row", jobStages);
            figures.put("peak_rss_mb", peakRssMb());
            figures.put("load_average_start", loadStart);
            figures.put("load_average_end", loadEnd);
            if (pipeline != null) {
                figures.put("pipeline", pipeline);
            }
            if (candidateFigures.size() == 1) {
                figures.put("candidate", candidateFigures.get(0));
            }
            if (!candidateFigures.isEmpty()) {
                figures.put("candidates", candidateFigures);
            }
            new ObjectMapper().writerWithDefaultPrettyPrinter().writeValue(report.toFile(), figures);
        }
        return 0;
    }

    /**
     * Label options over the given input files, scored in the input's partitions (one per file): the job reads its
     * files in parallel and scores them without a shuffle, as label does with an input of many files.
     */
    private LabelOptions options(List<Path> in, Path out, String bundleDir) {
        return scoring.applyTo(model.applyTo(LabelOptions.builder()))
                .model(bundleDir)
                .inputs(in.stream().map(Path::toString).toList())
                .format(InputFormat.JSON)
                .output(out.toString())
                .build();
    }

    record Loop(double seconds, long real, long computed, int batches) {}

    /** (a) against --candidate: the same windows and batches, the two sessions in turn per batch. */
    private Map<String, Object> candidateLoop(String candidate, ModelSession plain, List<long[]> windows, int cores) {
        ModelBundle cb = ModelResolver.resolve(candidate);
        try (ModelSession cand = ModelSession.create(cb, ModelSession.Kind.CLASSIFIER, Device.CPU, cores, -1)) {
            int[] lengths = windows.stream().mapToInt(x -> x.length).toArray();
            List<int[]> batches = new LengthBatcher(
                            scoring.batch().batchTokens(), scoring.batch().maxBatchSize())
                    .forDevice(plain.device())
                    .batches(lengths);
            PrecisionCompareCommand.Interleaved run = PrecisionCompareCommand.Interleaved.run(
                    plain,
                    cand,
                    windows,
                    batches,
                    (int) plain.outputWidth(),
                    plain.bundle().unsafeIndex(null),
                    0);
            PrecisionCompareCommand.Agreement a = PrecisionCompareCommand.Agreement.of(run.pRef(), run.pCand(), 0.5);
            double refTps = run.doneTokens() / (run.refNanos() / 1e9);
            double candTps = run.doneTokens() / (run.candNanos() / 1e9);
            System.out.printf(
                    java.util.Locale.ROOT,
                    "(a') candidate %s, same batches in turn with (a): %.0f vs %.0f "
                            + "tokens/s = %.2f×; |ΔP(unsafe)| per window max %.2e, p99 %.2e, %d flips at 0.5 of %d windows%n",
                    cb.id(),
                    candTps,
                    refTps,
                    candTps / refTps,
                    a.max(),
                    a.p99(),
                    a.flips(),
                    a.n());
            Map<String, Object> m = new java.util.LinkedHashMap<>();
            m.put("bundle", cb.id());
            m.put("tokens_per_s", candTps);
            m.put("plain_tokens_per_s_interleaved", refTps);
            m.put("speedup_vs_plain", candTps / refTps);
            m.put("per_window", a.asMap());
            return m;
        }
    }

    /** (a): windows in chunks of the job's size, length-sorted batches by token budget, straight into ORT. */
    static Loop plainLoop(ModelSession s, List<long[]> windows, LengthBatcher batcher, int chunk) {
        long real = 0;
        long computed = 0;
        int batches = 0;
        long t = System.nanoTime();
        for (int from = 0; from < windows.size(); from += chunk) {
            List<long[]> part = windows.subList(from, Math.min(windows.size(), from + chunk));
            int[] lengths = part.stream().mapToInt(x -> x.length).toArray();
            for (int[] b : batcher.batches(lengths)) {
                List<long[]> batch = new ArrayList<>(b.length);
                for (int i : b) {
                    batch.add(part.get(i));
                }
                long[] rc = runPadded(s, batch);
                real += rc[0];
                computed += rc[1];
                batches++;
            }
        }
        return new Loop((System.nanoTime() - t) / 1e9, real, computed, batches);
    }

    /** (b): fixed batches of {@code size} windows in input order, padded to the longest in each. */
    static Loop naiveLoop(ModelSession s, List<long[]> windows, int size) {
        long real = 0;
        long computed = 0;
        int batches = 0;
        long t = System.nanoTime();
        for (int from = 0; from < windows.size(); from += size) {
            long[] rc = runPadded(s, windows.subList(from, Math.min(windows.size(), from + size)));
            real += rc[0];
            computed += rc[1];
            batches++;
        }
        return new Loop((System.nanoTime() - t) / 1e9, real, computed, batches);
    }

    private static long[] runPadded(ModelSession s, List<long[]> batch) {
        int[] all = java.util.stream.IntStream.range(0, batch.size()).toArray();
        ModelSession.Batch run = s.runPadded(batch, all);
        return new long[] {batch.stream().mapToLong(x -> x.length).sum(), run.computedTokens()};
    }

    /** VmHWM from /proc/self/status (Linux), or "n/a". */
    static String peakRss() {
        long mb = peakRssMb();
        return mb < 0 ? "n/a" : mb + " MB";
    }

    /** VmHWM from /proc/self/status in MB (Linux), or -1. */
    static long peakRssMb() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("VmHWM:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", "")) >> 10;
                }
            }
        } catch (IOException | NumberFormatException e) {
            // not Linux
        }
        return -1;
    }

    /** The --pipeline-model run's texts: the first --pipeline-rows "text" fields of --pipeline-input, or short synthetic ones. */
    private List<String> pipelineTexts() throws IOException {
        if (pipelineInput == null) {
            return SyntheticChats.shortMessages(pipelineRows, seed);
        }
        ObjectMapper json = new ObjectMapper();
        List<String> out = new ArrayList<>();
        int line = 0;
        for (String l : Files.readAllLines(pipelineInput, StandardCharsets.UTF_8)) {
            line++;
            if (out.size() >= pipelineRows) {
                break;
            }
            if (l.isBlank()) {
                continue;
            }
            com.fasterxml.jackson.databind.JsonNode text;
            try {
                text = json.readTree(l).get("text");
            } catch (IOException e) {
                throw new UsageException("Cannot use --pipeline-input " + pipelineInput + ": line " + line
                        + " is not a JSON object (" + e.getMessage().split("\n")[0] + ")");
            }
            if (text == null || !text.isTextual() || text.asText().isBlank()) {
                continue; // label would quarantine it: the comparison uses texts both sides tokenize
            }
            out.add(text.asText());
        }
        if (out.isEmpty()) {
            throw new UsageException(
                    "Cannot use --pipeline-input " + pipelineInput + ": no line has a non-blank \"text\"");
        }
        return out;
    }

    static int coresOf(String master) {
        java.util.regex.Matcher m =
                java.util.regex.Pattern.compile("local\\[(\\d+)]").matcher(master);
        if (m.matches()) {
            return Integer.parseInt(m.group(1));
        }
        return master.equals("local[*]") ? Runtime.getRuntime().availableProcessors() : 1;
    }

    /** The texts as {@code parts} JSON Lines files of consecutive rows (ids s0, s1, ... in order) in {@code folder}. */
    static List<Path> writeJsonlParts(Path folder, List<String> texts, int parts) throws IOException {
        Files.createDirectories(folder);
        List<Path> out = new ArrayList<>();
        ObjectMapper json = new ObjectMapper();
        int n = texts.size();
        for (int k = 0; k < Math.min(parts, n); k++) {
            Path p = folder.resolve(String.format("part-%05d.jsonl", k));
            try (BufferedWriter w = Files.newBufferedWriter(p, StandardCharsets.UTF_8)) {
                for (int i = (int) ((long) k * n / parts); i < (int) ((long) (k + 1) * n / parts); i++) {
                    w.write(json.writeValueAsString(Map.of("id", "s" + i, "text", texts.get(i))));
                    w.newLine();
                }
            }
            out.add(p);
        }
        return out;
    }

    static void writeJsonl(Path p, List<String> texts) {
        ObjectMapper json = new ObjectMapper();
        try (BufferedWriter w = Files.newBufferedWriter(p, StandardCharsets.UTF_8)) {
            for (int i = 0; i < texts.size(); i++) {
                w.write(json.writeValueAsString(Map.of("id", "s" + i, "text", texts.get(i))));
                w.newLine();
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
