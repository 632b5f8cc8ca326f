package org.crest.cli.bench;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.FloatBuffer;
import java.nio.LongBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicBoolean;
import org.crest.ModelException;
import org.crest.UsageException;
import org.crest.inference.Device;
import org.crest.inference.ModelBundle;
import org.crest.model.ModelResolver;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code crest bench-device}: one bundle in a plain ONNX Runtime loop on a device, fixed batches (batch × sequence
 * tokens, no padding), with 1 or more caller threads sharing one session, as several Spark tasks share an
 * executor's session on one GPU. Prints tokens/s and sequences/s, and where the time of a call goes: creating the
 * input tensors on the host, {@code session.run} (on a GPU: copying inputs to the device, the kernels, copying the
 * output back, waiting for the stream), and reading the output into a Java array; with {@code --profile}, ONNX
 * Runtime's own profile: the share of its run time spent in Memcpy nodes and in all kernels. ONNX Runtime's Java
 * API has no IOBinding, so inputs and outputs cross host ↔ device on every call.
 */
@Command(
        name = "bench-device",
        mixinStandardHelpOptions = true,
        usageHelpAutoWidth = true,
        sortOptions = false,
        description = {
            "Throughput of one bundle in a plain ONNX Runtime loop on a device (cpu or cuda), with N caller threads "
                    + "sharing one session, and where a call's time goes (host tensor creation, run, output read; with "
                    + "--profile the Memcpy nodes' share of ONNX Runtime's own profile). For tools/gpu-check.sh."
        })
public final class DeviceBenchCommand implements Callable<Integer> {
    @Option(names = "--model", required = true, paramLabel = "BUNDLE", description = "Bundle directory (or demo).")
    String model;

    @Option(
            names = "--device",
            defaultValue = "auto",
            paramLabel = "auto|cpu|cuda",
            description = "Default: ${DEFAULT-VALUE} (CUDA when the gpu build and a GPU are there).")
    String device;

    @Option(names = "--gpu", defaultValue = "0", paramLabel = "N", description = "GPU id. Default: ${DEFAULT-VALUE}.")
    int gpu;

    @Option(names = "--batch", defaultValue = "64", paramLabel = "N", description = "Default: ${DEFAULT-VALUE}.")
    int batch;

    @Option(names = "--seq", defaultValue = "128", paramLabel = "N", description = "Default: ${DEFAULT-VALUE}.")
    int seq;

    @Option(
            names = "--callers",
            defaultValue = "1",
            paramLabel = "N",
            description = "Threads calling run on the one session at once (tasks per GPU). Default: ${DEFAULT-VALUE}.")
    int callers;

    @Option(
            names = "--intra-op-threads",
            defaultValue = "1",
            paramLabel = "N",
            description = "Intra-op threads of the session. Default: ${DEFAULT-VALUE}.")
    int intraOpThreads;

    @Option(
            names = "--seconds",
            defaultValue = "20",
            paramLabel = "S",
            description = "Measure for this long after 3 warm-up calls per caller. Default: ${DEFAULT-VALUE}.")
    double seconds;

    @Option(
            names = "--profile",
            description = "Also run 20 calls with ONNX Runtime profiling and report the Memcpy nodes' share.")
    boolean profile;

    @Option(names = "--report", paramLabel = "FILE", description = "Also write the figures as JSON to this file.")
    Path report;

    /** Nanoseconds per phase, summed over a caller's calls. */
    private static final class Times {
        long calls;
        long create;
        long run;
        long read;
    }

    @Override
    public Integer call() throws Exception {
        BenchArgs.atLeast("--batch", batch, 1);
        BenchArgs.atLeast("--seq", seq, 3);
        BenchArgs.atLeast("--callers", callers, 1);
        BenchArgs.atLeast("--intra-op-threads", intraOpThreads, 1);
        if (!(seconds > 0)) {
            throw new UsageException("Cannot use --seconds " + seconds + ": expected a positive number");
        }
        Device dev;
        try {
            dev = Device.parse(device);
        } catch (IllegalArgumentException e) {
            throw new UsageException(e.getMessage());
        }
        ModelBundle bundle = ModelResolver.resolve(model);
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        long[][] ids = new long[callers][];
        SplittableRandom rng = new SplittableRandom(1);
        for (int c = 0; c < callers; c++) {
            ids[c] = new long[batch * seq];
            for (int i = 0; i < ids[c].length; i++) {
                int pos = i % seq;
                ids[c][i] = pos == 0 ? bundle.bosId() : pos == seq - 1 ? bundle.eosId() : 5 + rng.nextInt(995);
            }
        }
        long[] mask = new long[batch * seq];
        java.util.Arrays.fill(mask, 1L);

        String where;
        Map<String, Object> figures = new LinkedHashMap<>();
        try (OrtSession.SessionOptions options = options()) {
            where = dev == Device.CPU ? "cpu" : tryCuda(options, dev);
            long t0 = System.nanoTime();
            try (OrtSession session = env.createSession(
                    bundle.dir().resolve(ModelBundle.MODEL_FILE).toString(), options)) {
                double sessionSeconds = (System.nanoTime() - t0) / 1e9;
                System.out.printf(
                        Locale.ROOT,
                        "crest bench-device: %s on %s, batch %d × %d tokens, %d caller(s), %d intra-op thread(s); "
                                + "session %.1f s%n",
                        bundle.id(),
                        where,
                        batch,
                        seq,
                        callers,
                        intraOpThreads,
                        sessionSeconds);
                Times[] times = runLoop(env, session, ids, mask);
                Times all = new Times();
                for (Times t : times) {
                    all.calls += t.calls;
                    all.create += t.create;
                    all.run += t.run;
                    all.read += t.read;
                }
                double wall = measuredSeconds;
                double seqPerS = all.calls * batch / wall;
                double tokPerS = seqPerS * seq;
                double perCall = (all.create + all.run + all.read) / 1e6 / all.calls;
                System.out.printf(
                        Locale.ROOT,
                        "%d calls in %.1f s: %.0f tokens/s, %.1f sequences/s; per call %.2f ms: host tensor creation "
                                + "%.1f%%, run %.1f%%, output read %.1f%%%n",
                        all.calls,
                        wall,
                        tokPerS,
                        seqPerS,
                        perCall,
                        100.0 * all.create / (all.create + all.run + all.read),
                        100.0 * all.run / (all.create + all.run + all.read),
                        100.0 * all.read / (all.create + all.run + all.read));
                figures.put("model", bundle.id());
                figures.put("device", where);
                figures.put("batch", batch);
                figures.put("seq", seq);
                figures.put("callers", callers);
                figures.put("intra_op_threads", intraOpThreads);
                figures.put("session_seconds", sessionSeconds);
                figures.put("calls", all.calls);
                figures.put("seconds", wall);
                figures.put("tokens_per_s", tokPerS);
                figures.put("sequences_per_s", seqPerS);
                figures.put("ms_per_call", perCall);
                figures.put("share_host_tensor_creation", (double) all.create / (all.create + all.run + all.read));
                figures.put("share_run", (double) all.run / (all.create + all.run + all.read));
                figures.put("share_output_read", (double) all.read / (all.create + all.run + all.read));
                figures.put("bytes_in_per_call", 2L * 8 * batch * seq);
            }
        }
        if (profile) {
            figures.put("profile", profiled(env, dev, ids[0], mask));
        }
        if (report != null) {
            new ObjectMapper().writerWithDefaultPrettyPrinter().writeValue(report.toFile(), figures);
        }
        return 0;
    }

    private double measuredSeconds;

    private OrtSession.SessionOptions options() throws OrtException {
        OrtSession.SessionOptions o = new OrtSession.SessionOptions();
        o.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
        o.setExecutionMode(OrtSession.SessionOptions.ExecutionMode.SEQUENTIAL);
        o.setIntraOpNumThreads(intraOpThreads);
        o.setInterOpNumThreads(1);
        return o;
    }

    private String tryCuda(OrtSession.SessionOptions o, Device dev) {
        try {
            o.addCUDA(gpu);
            return "cuda:" + gpu;
        } catch (OrtException | RuntimeException | UnsatisfiedLinkError e) {
            if (dev == Device.CUDA) {
                throw new ModelException("Cannot use CUDA on GPU " + gpu + ": " + e.getMessage()
                        + " (build with -Pgpu; it needs CUDA 12 and cuDNN 9 libraries on the library path)");
            }
            System.out.println("CUDA not available (" + e.getMessage() + "): running on the CPU");
            return "cpu";
        }
    }

    /** Each caller: 3 warm-up calls, then calls until {@code seconds} have passed since all callers were warm. */
    private Times[] runLoop(OrtEnvironment env, OrtSession session, long[][] ids, long[] mask) throws Exception {
        Times[] times = new Times[callers];
        List<Thread> threads = new ArrayList<>();
        java.util.concurrent.CyclicBarrier warm = new java.util.concurrent.CyclicBarrier(callers);
        AtomicBoolean stop = new AtomicBoolean();
        Exception[] failure = new Exception[1];
        long[] start = new long[1];
        for (int c = 0; c < callers; c++) {
            int me = c;
            times[c] = new Times();
            Thread t = new Thread(() -> {
                try {
                    for (int i = 0; i < 3; i++) {
                        call(env, session, ids[me], mask, new Times());
                    }
                    if (warm.await() == 0) {
                        System.out.printf(Locale.ROOT, "warm: measuring for %.1f s%n", seconds);
                        System.out.flush();
                        start[0] = System.nanoTime();
                    }
                    warm.await();
                    while (!stop.get()) {
                        call(env, session, ids[me], mask, times[me]);
                    }
                } catch (Exception e) {
                    synchronized (failure) {
                        failure[0] = e;
                    }
                    stop.set(true);
                }
            });
            t.setName("bench-device-" + c);
            threads.add(t);
            t.start();
        }
        long deadline = System.nanoTime() + (long) (seconds * 1e9) + 600_000_000_000L;
        while (start[0] == 0 && System.nanoTime() < deadline && failure[0] == null) {
            Thread.sleep(10);
        }
        while (failure[0] == null && System.nanoTime() - start[0] < seconds * 1e9) {
            Thread.sleep(10);
        }
        stop.set(true);
        for (Thread t : threads) {
            t.join();
        }
        measuredSeconds = (System.nanoTime() - start[0]) / 1e9;
        if (failure[0] != null) {
            throw failure[0];
        }
        return times;
    }

    private void call(OrtEnvironment env, OrtSession session, long[] ids, long[] mask, Times t) throws OrtException {
        long a = System.nanoTime();
        long[] shape = {batch, seq};
        try (OnnxTensor in = OnnxTensor.createTensor(env, LongBuffer.wrap(ids), shape);
                OnnxTensor m = OnnxTensor.createTensor(env, LongBuffer.wrap(mask), shape)) {
            long b = System.nanoTime();
            try (OrtSession.Result r = session.run(Map.of("input_ids", in, "attention_mask", m))) {
                long c = System.nanoTime();
                FloatBuffer fb = ((OnnxTensor) r.get(0)).getFloatBuffer();
                float[] out = new float[fb.remaining()];
                fb.get(out);
                long d = System.nanoTime();
                t.calls++;
                t.create += b - a;
                t.run += c - b;
                t.read += d - c;
            }
        }
    }

    /**
     * 20 calls in a session with ONNX Runtime profiling: the summed durations of its Memcpy nodes (inserted where
     * data crosses between the CUDA and the CPU provider inside the graph) and of all nodes, against its
     * model_run events. On a GPU the node durations are host-side (kernel launches are asynchronous), and the copy
     * of the graph inputs and outputs themselves is not a node: it is in model_run outside the nodes.
     */
    private Map<String, Object> profiled(OrtEnvironment env, Device dev, long[] ids, long[] mask) throws Exception {
        Path dir = Files.createTempDirectory("crest-ort-profile-");
        Map<String, Object> p = new LinkedHashMap<>();
        try (OrtSession.SessionOptions options = options()) {
            if (dev != Device.CPU) {
                tryCuda(options, dev);
            }
            options.enableProfiling(dir.resolve("ort").toString());
            ModelBundle bundle = ModelResolver.resolve(model);
            String file;
            try (OrtSession session = env.createSession(
                    bundle.dir().resolve(ModelBundle.MODEL_FILE).toString(), options)) {
                for (int i = 0; i < 23; i++) {
                    call(env, session, ids, mask, new Times());
                }
                file = session.endProfiling();
            }
            JsonNode events = new ObjectMapper().readTree(Path.of(file).toFile());
            List<Long> runs = new ArrayList<>();
            long memcpy = 0;
            long kernels = 0;
            int memcpyNodes = 0;
            for (JsonNode e : events) {
                String cat = e.path("cat").asText();
                String name = e.path("name").asText();
                long dur = e.path("dur").asLong();
                if (cat.equals("Session") && name.equals("model_run")) {
                    runs.add(dur);
                } else if (cat.equals("Node") && name.endsWith("_kernel_time")) {
                    kernels += dur;
                    String op = e.path("args").path("op_name").asText();
                    if (op.startsWith("Memcpy")) {
                        memcpy += dur;
                        memcpyNodes++;
                    }
                }
            }
            // all 23 runs (3 warm-up) in both sums, so the shares compare like with like
            long runTotal = runs.stream().mapToLong(Long::longValue).sum();
            p.put("model_runs", runs.size());
            p.put("model_run_us", runTotal);
            p.put("memcpy_node_us", memcpy);
            p.put("memcpy_nodes", memcpyNodes);
            p.put("kernel_us", kernels);
            p.put("share_memcpy_nodes", runTotal > 0 ? (double) memcpy / runTotal : 0.0);
            p.put("share_outside_nodes", runTotal > 0 ? Math.max(0.0, 1.0 - (double) kernels / runTotal) : 0.0);
            System.out.printf(
                    Locale.ROOT,
                    "ONNX Runtime profile (%d runs): Memcpy nodes %.1f%% of run time (%d node runs), all node kernels "
                            + "%.1f%%, outside the nodes (input/output copies, scheduling, stream waits) %.1f%%%n",
                    runs.size(),
                    100.0 * (double) p.get("share_memcpy_nodes"),
                    memcpyNodes,
                    runTotal > 0 ? 100.0 * kernels / runTotal : 0.0,
                    100.0 * (double) p.get("share_outside_nodes"));
        } finally {
            BenchArgs.deleteTree(dir);
        }
        return p;
    }
}
