package org.crest.cli.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import org.crest.UsageException;
import org.crest.inference.Device;
import org.crest.inference.LengthBatcher;
import org.crest.inference.ModelBundle;
import org.crest.inference.ModelSession;
import org.crest.inference.Windowing;
import org.crest.model.ModelResolver;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code crest bench-precision}: a candidate bundle (int8, fp16, another graph) against a reference bundle
 * (fp32) of the same model, on the same texts in one JVM: agreement of P(unsafe) per text (the maximum over
 * its windows, as the label job reports it) and per window, label flips at the threshold, and the speed of
 * the two in a plain ONNX Runtime loop over the same length-sorted batches, run alternately batch by batch
 * so that the load of a shared machine falls on both alike.
 */
@Command(
        name = "bench-precision",
        mixinStandardHelpOptions = true,
        sortOptions = false,
        description = {
            "Compare a candidate bundle (e.g. --precision int8) with a reference bundle (fp32) of the same",
            "model on the same texts: max, p99 and mean |ΔP(unsafe)| per text and per window, label flips at",
            "--threshold, and tokens/s of each in a plain ONNX Runtime loop, batches interleaved, in one run."
        })
public final class PrecisionCompareCommand implements Callable<Integer> {
    @Option(
            names = {"-m", "--model"},
            required = true,
            description = "Reference bundle (fp32).")
    String model;

    @Option(names = "--candidate", required = true, description = "Candidate bundle (e.g. int8) of the same model.")
    String candidate;

    @Option(
            names = "--input",
            description = "JSON Lines texts (a multilingual chat corpus, e.g. "
                    + "../shared/perf/chat_corpus.py's). Default: synthetic chat messages (SyntheticChats).")
    Path input;

    @Option(names = "--text-field", defaultValue = "text", description = "Field of --input. Default: ${DEFAULT-VALUE}.")
    String textField;

    @Option(
            names = "--rows",
            defaultValue = "500",
            description = "Texts (the first N of --input). Default: ${DEFAULT-VALUE}.")
    int rows;

    @Option(names = "--seed", defaultValue = "1", description = "Seed of the synthetic messages.")
    long seed;

    @Option(
            names = "--threads",
            defaultValue = "2",
            description = "Intra-op threads of each session. Default: ${DEFAULT-VALUE}.")
    int threads;

    @Option(
            names = "--threshold",
            defaultValue = "0.5",
            description = "Label threshold for flips. Default: ${DEFAULT-VALUE}.")
    double threshold;

    @picocli.CommandLine.Mixin
    org.crest.cli.options.ScoringOptions scoring;

    @Option(
            names = "--max-seconds",
            defaultValue = "110",
            description = "Stop starting batches after this many "
                    + "seconds of the timed loop (a shared machine keeps benchmarks short); the figures then cover the texts whose "
                    + "windows all ran. 0: no limit. Default: ${DEFAULT-VALUE}.")
    double maxSeconds;

    @Option(names = "--report", description = "Also write the figures as JSON to this file.")
    Path report;

    @Override
    public Integer call() throws IOException {
        List<String> texts = input != null ? readTexts(input, textField, rows) : SyntheticChats.messages(rows, seed);
        ModelBundle refBundle = ModelResolver.resolve(model);
        ModelBundle candBundle = ModelResolver.resolve(candidate);
        String load0 = loadAverage();
        long t = System.nanoTime();
        ModelSession ref = ModelSession.create(refBundle, ModelSession.Kind.CLASSIFIER, Device.CPU, threads, -1);
        double refCreate = (System.nanoTime() - t) / 1e9;
        t = System.nanoTime();
        ModelSession cand = ModelSession.create(candBundle, ModelSession.Kind.CLASSIFIER, Device.CPU, threads, -1);
        double candCreate = (System.nanoTime() - t) / 1e9;
        try {
            if (ref.outputWidth() != cand.outputWidth()) {
                throw new UsageException("--candidate " + candidate + " has " + cand.outputWidth() + " labels, --model "
                        + model + " has " + ref.outputWidth() + ": not the same model");
            }
            int unsafe = refBundle.unsafeIndex(null);
            int labels = (int) ref.outputWidth();
            Windowing windowing = new Windowing(
                    scoring.batch().maxTokens(), scoring.windowStride(), refBundle.bosId(), refBundle.eosId());
            List<long[]> windows = new ArrayList<>();
            List<Integer> owner = new ArrayList<>();
            for (int i = 0; i < texts.size(); i++) {
                for (long[] w : windowing.windows(ref.tokenize(texts.get(i)))) {
                    windows.add(w);
                    owner.add(i);
                }
            }
            long realTokens = windows.stream().mapToLong(w -> w.length).sum();
            System.out.printf(
                    Locale.ROOT,
                    "crest bench-precision: %d texts, %d windows, %d real tokens; reference %s "
                            + "(session %.1f s), candidate %s (session %.1f s), %d thread(s) each; load average %s%n",
                    texts.size(),
                    windows.size(),
                    realTokens,
                    refBundle.id(),
                    refCreate,
                    candBundle.id(),
                    candCreate,
                    threads,
                    load0);

            int[] lengths = windows.stream().mapToInt(w -> w.length).toArray();
            List<int[]> batches = new ArrayList<>(new LengthBatcher(
                            scoring.batch().batchTokens(), scoring.batch().maxBatchSize())
                    .batches(lengths));
            // batches in a seeded random order: a --max-seconds cut then samples all lengths, not the shortest ones
            java.util.Collections.shuffle(batches, new java.util.Random(seed));
            Interleaved run = Interleaved.run(ref, cand, windows, batches, labels, unsafe, maxSeconds);
            double[] pRef = run.pRef();
            double[] pCand = run.pCand();
            boolean[] done = run.done();
            long refNanos = run.refNanos();
            long candNanos = run.candNanos();
            long computed = run.computed();
            long doneTokens = run.doneTokens();
            int ran = run.ran();
            String load1 = loadAverage();

            // texts count only when all their windows ran
            boolean[] textDone = new boolean[texts.size()];
            Arrays.fill(textDone, true);
            double[] rowRef = new double[texts.size()];
            double[] rowCand = new double[texts.size()];
            for (int w = 0; w < windows.size(); w++) {
                int o = owner.get(w);
                textDone[o] &= done[w];
                rowRef[o] = Math.max(rowRef[o], pRef[w]);
                rowCand[o] = Math.max(rowCand[o], pCand[w]);
            }
            Agreement perText = Agreement.of(select(rowRef, textDone), select(rowCand, textDone), threshold);
            Agreement perWindow = Agreement.of(select(pRef, done), select(pCand, done), threshold);
            if (ran < batches.size()) {
                System.out.printf(
                        Locale.ROOT,
                        "--max-seconds %.0f reached: %d of %d batches ran (%d of %d windows, %d of %d "
                                + "texts complete)%n",
                        maxSeconds,
                        ran,
                        batches.size(),
                        perWindow.n,
                        windows.size(),
                        perText.n,
                        texts.size());
            }
            double refTps = doneTokens / (refNanos / 1e9);
            double candTps = doneTokens / (candNanos / 1e9);
            System.out.printf(
                    Locale.ROOT,
                    "%-12s %10s %10s %10s %10s %14s %12s%n",
                    "|ΔP(unsafe)|",
                    "max",
                    "p99",
                    "p50",
                    "mean",
                    "flips at " + threshold,
                    "positives");
            System.out.printf(
                    Locale.ROOT,
                    "%-12s %10.2e %10.2e %10.2e %10.2e %8d (%4.2f%%) %6d / %d%n",
                    "per text",
                    perText.max,
                    perText.p99,
                    perText.p50,
                    perText.mean,
                    perText.flips,
                    100.0 * perText.flips / perText.n,
                    perText.refPositives,
                    perText.n);
            System.out.printf(
                    Locale.ROOT,
                    "%-12s %10.2e %10.2e %10.2e %10.2e %8d (%4.2f%%) %6d / %d%n",
                    "per window",
                    perWindow.max,
                    perWindow.p99,
                    perWindow.p50,
                    perWindow.mean,
                    perWindow.flips,
                    100.0 * perWindow.flips / perWindow.n,
                    perWindow.refPositives,
                    perWindow.n);
            double[] refDone = select(rowRef, textDone);
            double pMin = Arrays.stream(refDone).min().orElse(Double.NaN);
            double pMax = Arrays.stream(refDone).max().orElse(Double.NaN);
            System.out.printf(
                    Locale.ROOT,
                    "reference P(unsafe) per text: min %.4f, max %.4f%s%n",
                    pMin,
                    pMax,
                    pMax - pMin < 0.2
                            ? " (a narrow range, as random weights give: |ΔP| is then small and flips rare "
                                    + "whatever the quantization)"
                            : "");
            System.out.printf(
                    Locale.ROOT,
                    "plain ORT loop, %d batches, %d real tokens, padding %.3f: reference %.0f tokens/s (%.1f s), "
                            + "candidate %.0f tokens/s (%.1f s): candidate / reference = %.2f×%n",
                    ran,
                    doneTokens,
                    (double) doneTokens / computed,
                    refTps,
                    refNanos / 1e9,
                    candTps,
                    candNanos / 1e9,
                    candTps / refTps);
            System.out.printf(
                    Locale.ROOT,
                    "load average before %s, after %s; peak RSS of this JVM %s%n",
                    load0,
                    load1,
                    BenchCommand.peakRss());
            if (report != null) {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("reference", refBundle.id());
                m.put("candidate", candBundle.id());
                m.put("texts", texts.size());
                m.put("windows", windows.size());
                m.put("real_tokens", realTokens);
                m.put("batches", Map.of("ran", ran, "of", batches.size()));
                m.put("timed_tokens", doneTokens);
                m.put("threads", threads);
                m.put("threshold", threshold);
                m.put("per_text", perText.asMap());
                m.put("per_window", perWindow.asMap());
                m.put(
                        "reference_p_unsafe_range",
                        List.of(
                                Arrays.stream(refDone).min().orElse(Double.NaN),
                                Arrays.stream(refDone).max().orElse(Double.NaN)));
                m.put("reference_tokens_per_s", refTps);
                m.put("candidate_tokens_per_s", candTps);
                m.put("speedup", candTps / refTps);
                m.put("session_seconds", Map.of("reference", refCreate, "candidate", candCreate));
                m.put("load_average", List.of(load0, load1));
                new ObjectMapper().writerWithDefaultPrettyPrinter().writeValue(report.toFile(), m);
            }
        } finally {
            ref.close();
            cand.close();
        }
        return 0;
    }

    /**
     * Two sessions over the same batches, back to back per batch, the order alternating from batch to batch: P of
     * label {@code unsafe} per window for each, their run times, and which windows ran (all, unless
     * {@code maxSeconds} > 0 stopped the loop).
     */
    record Interleaved(
            double[] pRef,
            double[] pCand,
            boolean[] done,
            long refNanos,
            long candNanos,
            long computed,
            long doneTokens,
            int ran) {
        static Interleaved run(
                ModelSession ref,
                ModelSession cand,
                List<long[]> windows,
                List<int[]> batches,
                int labels,
                int unsafe,
                double maxSeconds) {
            double[] pRef = new double[windows.size()];
            double[] pCand = new double[windows.size()];
            // one small warm-up batch each (ORT allocates and plans on its first runs), not timed
            int[] warm = {batches.get(0)[0]};
            ref.runPadded(windows, warm);
            cand.runPadded(windows, warm);
            long refNanos = 0;
            long candNanos = 0;
            long computed = 0;
            long doneTokens = 0;
            boolean[] done = new boolean[windows.size()];
            long loopStart = System.nanoTime();
            int ran = 0;
            for (int b = 0; b < batches.size(); b++) {
                if (maxSeconds > 0 && System.nanoTime() - loopStart > maxSeconds * 1e9) {
                    break;
                }
                int[] idx = batches.get(b);
                ran++;
                for (int i : idx) {
                    done[i] = true;
                    doneTokens += windows.get(i).length;
                }
                // alternate which model goes first, so neither always runs on a cache the other warmed
                for (int turn = 0; turn < 2; turn++) {
                    boolean refTurn = (turn == 0) == (b % 2 == 0);
                    long s = System.nanoTime();
                    ModelSession.Batch out = (refTurn ? ref : cand).runPadded(windows, idx);
                    long e = System.nanoTime() - s;
                    double[] p = refTurn ? pRef : pCand;
                    for (int r = 0; r < idx.length; r++) {
                        p[idx[r]] = softmaxAt(out.output(), r * labels, labels, unsafe);
                    }
                    if (refTurn) {
                        refNanos += e;
                        computed += out.computedTokens();
                    } else {
                        candNanos += e;
                    }
                }
            }
            return new Interleaved(pRef, pCand, done, refNanos, candNanos, computed, doneTokens, ran);
        }
    }

    /** |ΔP| statistics of two score arrays, and label flips at a threshold. */
    record Agreement(int n, double max, double p99, double p50, double mean, int flips, int refPositives) {
        static Agreement of(double[] ref, double[] cand, double threshold) {
            int n = ref.length;
            double[] d = new double[n];
            double sum = 0;
            int flips = 0;
            int positives = 0;
            for (int i = 0; i < n; i++) {
                d[i] = Math.abs(cand[i] - ref[i]);
                sum += d[i];
                if ((cand[i] >= threshold) != (ref[i] >= threshold)) {
                    flips++;
                }
                if (ref[i] >= threshold) {
                    positives++;
                }
            }
            Arrays.sort(d);
            return new Agreement(
                    n,
                    n == 0 ? 0 : d[n - 1],
                    quantile(d, 0.99),
                    quantile(d, 0.5),
                    n == 0 ? 0 : sum / n,
                    flips,
                    positives);
        }

        /** The nearest-rank quantile of sorted values. */
        static double quantile(double[] sorted, double q) {
            if (sorted.length == 0) {
                return 0;
            }
            int rank = (int) Math.ceil(q * sorted.length);
            return sorted[Math.max(0, Math.min(sorted.length - 1, rank - 1))];
        }

        Map<String, Object> asMap() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("n", n);
            m.put("max_abs_dp", max);
            m.put("p99_abs_dp", p99);
            m.put("p50_abs_dp", p50);
            m.put("mean_abs_dp", mean);
            m.put("label_flips", flips);
            m.put("reference_positives", refPositives);
            return m;
        }
    }

    private static double[] select(double[] values, boolean[] keep) {
        double[] out = new double[values.length];
        int n = 0;
        for (int i = 0; i < values.length; i++) {
            if (keep[i]) {
                out[n++] = values[i];
            }
        }
        return Arrays.copyOf(out, n);
    }

    static double softmaxAt(float[] logits, int offset, int labels, int k) {
        double lk = logits[offset + k];
        double sum = 0;
        for (int j = 0; j < labels; j++) {
            sum += Math.exp(logits[offset + j] - lk);
        }
        return 1.0 / sum;
    }

    static List<String> readTexts(Path file, String field, int limit) throws IOException {
        ObjectMapper json = new ObjectMapper();
        List<String> out = new ArrayList<>();
        try (BufferedReader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            String line;
            int n = 0;
            while (out.size() < limit && (line = r.readLine()) != null) {
                n++;
                if (line.isBlank()) {
                    continue;
                }
                JsonNode node = json.readTree(line);
                JsonNode text = node.get(field);
                if (text == null || !text.isTextual()) {
                    throw new UsageException(
                            file + " line " + n + ": no string field \"" + field + "\" (--text-field)");
                }
                out.add(text.asText());
            }
        }
        if (out.isEmpty()) {
            throw new UsageException(file + " has no texts");
        }
        return out;
    }

    /** The 1, 5 and 15 minute load averages (Linux /proc/loadavg), or "n/a". */
    static String loadAverage() {
        try {
            String[] f = Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+");
            return f[0] + " " + f[1] + " " + f[2];
        } catch (IOException | RuntimeException e) {
            return "n/a";
        }
    }
}
