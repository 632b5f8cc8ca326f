package org.crest.cli.bench;

import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.BiFunction;
import org.apache.spark.sql.SparkSession;
import org.crest.inference.Device;
import org.crest.inference.ModelBundle;
import org.crest.inference.ModelSession;
import org.crest.label.LabelJob;
import org.crest.label.LabelOptions;
import org.crest.label.LabelSummary;

/**
 * The pipeline without the model ({@code crest bench --pipeline-model}): the label job with a near-null model (one
 * layer, hidden 8, the real vocabulary, so the model costs almost nothing) against the raw DJL tokenizer
 * ({@code HuggingFaceTokenizer.encode(text, false, false).getIds()}) on the same texts with the same number of
 * threads as the job has cores. Their ratio says how much of the job's time is anything but tokenizing: read,
 * validate, window, batch, the near-null model, build rows, write. A GPU can only be fed as fast as this runs.
 */
final class PipelineBench {
    private PipelineBench() {}

    /** Wall seconds and process CPU seconds of one measured step. */
    record Timed(double seconds, double cpuSeconds) {}

    /** Tokenizes every text with DJL's own API on {@code threads} threads (text i on thread i mod threads). */
    static Timed rawTokenizer(ModelSession session, List<String> texts, int threads) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            long cpu = processCpuNanos();
            long t = System.nanoTime();
            List<Future<Long>> parts = new ArrayList<>();
            for (int k = 0; k < threads; k++) {
                int first = k;
                parts.add(pool.submit(() -> {
                    long tokens = 0;
                    for (int i = first; i < texts.size(); i += threads) {
                        tokens += session.tokenizeWithEncoding(texts.get(i)).length;
                    }
                    return tokens;
                }));
            }
            for (Future<Long> f : parts) {
                f.get();
            }
            return new Timed((System.nanoTime() - t) / 1e9, (processCpuNanos() - cpu) / 1e9);
        } finally {
            pool.shutdownNow();
        }
    }

    /**
     * Runs the comparison and prints it; returns the figures for {@code --report}. {@code options} makes the label
     * options for (input, output) with the near-null bundle.
     */
    static Map<String, Object> run(
            SparkSession spark,
            ModelBundle bundle,
            List<String> texts,
            int cores,
            Path dir,
            int parts,
            int warmRuns,
            BiFunction<List<Path>, Path, LabelOptions> options)
            throws Exception {
        List<Path> input = BenchCommand.writeJsonlParts(dir.resolve("pipeline"), texts, parts);
        Path warm = dir.resolve("pipeline-warm.jsonl");
        BenchCommand.writeJsonl(warm, texts.subList(0, Math.min(256, texts.size())));
        String loadBefore = loadAverage();
        long tokens = 0;
        Timed raw;
        // the JVM's JIT compiles Spark's, Parquet's and crest's per-row code during the first full-size runs (on a
        // 2-core box its compiler threads took ~17 s of CPU in the first 160k-row run); an executor that labels for
        // hours pays that once, so the job runs the whole input until its rate is steady and the last run is
        // measured. Each job run follows a raw tokenizer pass of its own, so that each ratio compares two adjacent
        // measurements (a shared box's load changes from minute to minute).
        List<Double> runs = new ArrayList<>();
        List<Double> runRatios = new ArrayList<>();
        try (ModelSession s = ModelSession.create(bundle, ModelSession.Kind.CLASSIFIER, Device.CPU, 1, -1)) {
            rawTokenizer(s, texts.subList(0, Math.min(2000, texts.size())), cores); // warm the JIT
            for (String x : texts) {
                tokens += s.tokenize(x).length;
            }
            LabelJob.run(spark, options.apply(List.of(warm), dir.resolve("pipeline-warm-out")));
            for (int k = 0; k < warmRuns; k++) {
                Timed r = rawTokenizer(s, texts, cores);
                LabelSummary w = LabelJob.run(spark, options.apply(input, dir.resolve("pipeline-out-warm-" + k)));
                runs.add(w.rowsLabeled() / w.labelSeconds());
                runRatios.add(runs.get(k) / (texts.size() / r.seconds()));
                deleteQuietly(dir.resolve("pipeline-out-warm-" + k));
            }
            raw = rawTokenizer(s, texts, cores);
        }
        long cpu = processCpuNanos();
        StageCpu stages = StageCpu.listen(spark);
        LabelSummary job;
        try {
            job = LabelJob.run(spark, options.apply(input, dir.resolve("pipeline-out")));
        } finally {
            stages.stop(spark);
        }
        double jobCpu = (processCpuNanos() - cpu) / 1e9;
        String loadAfter = loadAverage();
        int n = texts.size();
        double rawRows = n / raw.seconds();
        double jobRows = job.rowsLabeled() / job.labelSeconds();
        double ratio = jobRows / rawRows;
        System.out.printf(
                Locale.ROOT,
                "(p) pipeline without the model: %s, %d texts (%.1f content tokens each), %d core(s); load average %s -> %s%n"
                        + "    raw DJL tokenizer (encode, %d threads): %.0f rows/s (%.0f rows/s per core), %.1f µs CPU per row%n"
                        + "    label job, near-null model:            %.0f rows/s (%.0f rows/s per core), label pass %.1f s, "
                        + "%.1f µs CPU per row (whole run)%n"
                        + "    pipeline / raw tokenizer = %.2f×%s%n",
                bundle.id(),
                n,
                (double) tokens / n,
                cores,
                loadBefore,
                loadAfter,
                cores,
                rawRows,
                rawRows / cores,
                raw.cpuSeconds() * 1e6 / n,
                jobRows,
                jobRows / cores,
                job.labelSeconds(),
                jobCpu * 1e6 / n,
                ratio,
                runs.isEmpty()
                        ? " (first full-size run of this JVM: JIT compilation included)"
                        : String.format(
                                Locale.ROOT,
                                " (run %d of the job on these texts in this JVM; the earlier ones: %s rows/s, "
                                        + "%s × the raw tokenizer pass before each)",
                                runs.size() + 1,
                                runs.stream()
                                        .map(r -> String.format(Locale.ROOT, "%.0f", r))
                                        .collect(java.util.stream.Collectors.joining(", ")),
                                runRatios.stream()
                                        .map(r -> String.format(Locale.ROOT, "%.2f", r))
                                        .collect(java.util.stream.Collectors.joining(", "))));
        Map<String, Object> stageCpu = stages.print("label job, near-null model", n);
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("model", bundle.id());
        m.put("rows", n);
        m.put("content_tokens", tokens);
        m.put("cores", cores);
        m.put("raw_tokenizer_rows_per_s", rawRows);
        m.put("raw_tokenizer_cpu_us_per_row", raw.cpuSeconds() * 1e6 / n);
        m.put("job_rows_per_s", jobRows);
        m.put("job_rows_per_s_per_core", jobRows / cores);
        m.put("job_label_seconds", job.labelSeconds());
        m.put("job_cpu_us_per_row_whole_run", jobCpu * 1e6 / n);
        m.put("ratio_vs_raw_tokenizer", ratio);
        m.put("job_warm_runs", runs.size());
        m.put("job_rows_per_s_earlier_runs", runs);
        m.put("ratio_vs_raw_tokenizer_earlier_runs", runRatios);
        if (!runs.isEmpty()) {
            m.put("ratio_vs_raw_tokenizer_first_run", runRatios.get(0));
        }
        m.put("job_stage_cpu_us_per_row", stageCpu);
        m.put("load_average_before", loadBefore);
        m.put("load_average_after", loadAfter);
        return m;
    }

    private static void deleteQuietly(Path p) {
        try (java.util.stream.Stream<Path> all = Files.walk(p)) {
            all.sorted(java.util.Comparator.reverseOrder())
                    .forEach(f -> f.toFile().delete());
        } catch (java.io.IOException | RuntimeException e) {
            // a leftover in the bench's temporary folder, removed with it
        }
    }

    static long processCpuNanos() {
        java.lang.management.OperatingSystemMXBean os = ManagementFactory.getOperatingSystemMXBean();
        if (os instanceof com.sun.management.OperatingSystemMXBean sun) {
            return sun.getProcessCpuTime();
        }
        return 0;
    }

    /** The 1, 5 and 15 minute load averages from /proc/loadavg (Linux), or "n/a". */
    static String loadAverage() {
        try {
            String[] f = Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+");
            return f[0] + " " + f[1] + " " + f[2];
        } catch (java.io.IOException | RuntimeException e) {
            return "n/a";
        }
    }
}
