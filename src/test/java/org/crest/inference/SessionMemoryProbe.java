package org.crest.inference;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;

/**
 * Not a test: measures the memory one ONNX Runtime session takes outside the Java heap, for executor
 * {@code spark.executor.memoryOverhead} (docs/PLATFORMS.md, "Executor memory for ONNX Runtime"). It reads the
 * process's resident set (VmRSS, and its peak VmHWM) from /proc/self/status before the session is opened, after it
 * is opened and after each of a few batches of BATCH×SEQ tokens; the peak is reset after opening, so the batch
 * peaks are the batches' own. Run it with a pre-touched fixed heap
 * ({@code -Xms1g -Xmx1g -XX:+AlwaysPreTouch}), so the heap is resident from the start and what grows is ONNX
 * Runtime's (weights, arena, threads) and the tokenizer's native memory.
 *
 * <p>Usage: {@code java -Xms1g -Xmx1g -XX:+AlwaysPreTouch -cp target/test-classes:target/crest-spark.jar:target/lib/*
 * org.crest.inference.SessionMemoryProbe BUNDLE_DIR [BATCH SEQ BATCHES THREADS]} (default 64 256 2 2).
 */
public final class SessionMemoryProbe {
    private SessionMemoryProbe() {}

    public static void main(String[] args) throws Exception {
        Path dir = Path.of(args[0]);
        int batch = args.length > 1 ? Integer.parseInt(args[1]) : 64;
        int seq = args.length > 2 ? Integer.parseInt(args[2]) : 256;
        int batches = args.length > 3 ? Integer.parseInt(args[3]) : 2;
        int threads = args.length > 4 ? Integer.parseInt(args[4]) : 2;

        ModelBundle bundle = ModelBundle.open(dir);
        System.gc();
        long base = kb("VmRSS");
        report("before the session", base, base);
        long t0 = System.nanoTime();
        try (ModelSession session =
                ModelSession.create(bundle, ModelSession.Kind.CLASSIFIER, Device.CPU, threads, -1)) {
            report(
                    "session open (" + (System.nanoTime() - t0) / 1_000_000 + " ms, " + session.device() + ", "
                            + threads + " threads)",
                    base,
                    kb("VmRSS"));
            report("  peak while opening (VmHWM)", base, kb("VmHWM"));
            resetPeak();
            Random random = new Random(7);
            long[] ids = new long[batch * seq];
            long[] mask = new long[ids.length];
            Arrays.fill(mask, 1L);
            for (int b = 0; b < batches; b++) {
                for (int i = 0; i < ids.length; i++) {
                    // content ids from the lower vocabulary (every XLM-R tokenizer has them), <s> ... </s> per row
                    ids[i] = i % seq == 0
                            ? bundle.bosId()
                            : i % seq == seq - 1 ? bundle.eosId() : 5 + random.nextInt(5000);
                }
                long t1 = System.nanoTime();
                float[] out = session.run(ids, mask, batch, seq);
                report(
                        "batch " + (b + 1) + " of " + batch + "×" + seq + " (" + (System.nanoTime() - t1) / 1_000_000
                                + " ms, " + out.length + " outputs)",
                        base,
                        kb("VmRSS"));
                report("  peak while running it (VmHWM)", base, kb("VmHWM"));
            }
        }
        report("session closed", base, kb("VmRSS"));
    }

    private static void report(String what, long base, long rss) {
        System.out.printf("%-60s RSS %6d MB  (+%d MB)%n", what, rss / 1024, (rss - base) / 1024);
    }

    /** Resets VmHWM to the current RSS (Linux: "5" to /proc/self/clear_refs), so the next peak is the batch's. */
    private static void resetPeak() {
        try {
            Files.writeString(Path.of("/proc/self/clear_refs"), "5");
        } catch (IOException e) {
            System.out.println("(cannot reset VmHWM: " + e.getMessage() + "; later peaks include the opening)");
        }
    }

    /** A kB figure of /proc/self/status. */
    private static long kb(String field) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith(field + ":")) {
                return Long.parseLong(line.replaceAll("[^0-9]", ""));
            }
        }
        throw new IOException("no " + field + " in /proc/self/status");
    }
}
