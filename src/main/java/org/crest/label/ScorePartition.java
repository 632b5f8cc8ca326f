package org.crest.label;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.TreeMap;
import org.apache.spark.SparkEnv;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.util.CollectionAccumulator;
import org.apache.spark.util.LongAccumulator;
import org.crest.inference.Classifier;
import org.crest.inference.ModelBundle;
import org.crest.inference.ModelSession;
import org.crest.inference.SessionCache;
import org.crest.io.Units;
import org.crest.spark.JobSupport;

/**
 * Executor side of {@code label}: per partition, rows are taken in chunks of {@code chunkRows} (or
 * {@link #MAX_CHUNK_CHARS} characters of text, whichever comes first),
 * scored with the JVM's cached session, and emitted with the crest_* columns appended. Rows stream:
 * memory holds one chunk at a time.
 *
 * <p>Every task reports its executor id, process id and how many sessions of this model its JVM has
 * created ({@link Metrics#sessionsPerExecutor}), so the summary shows the sessions of every executor JVM even
 * when tasks fail or are killed (an executor that dies before any of its tasks reports is missing).
 *
 * <p>Fault-tolerance tests inject faults through {@link TaskFaults} (off unless {@value TaskFaults#FAULT_CONF} is set).
 */
public final class ScorePartition implements MapPartitionsFunction<Row, Row> {
    private static final long serialVersionUID = 1L;

    /**
     * A chunk also ends once its texts reach this many characters (about 250k tokens), so a partition
     * with many very long texts holds a bounded amount of tokens and windows at a time.
     */
    public static final int MAX_CHUNK_CHARS = 1 << 20;

    /**
     * A task sends at most this many rows with a non-finite score to the driver for the quarantine; a model that
     * gives more is broken, and the driver stops the run ({@link LabelJob}).
     */
    static final int MAX_NON_FINITE_ROWS = 1000;

    /**
     * Spark setting: {@code auto} (default: on when the task's session runs on a GPU), {@code on} or {@code off}.
     * On, a task tokenizes its next chunk on a thread of its own while the model runs the current one, so a GPU
     * does not wait for the CPU between chunks; on a CPU that thread would only compete with the model for the
     * task's core.
     */
    public static final String PREFETCH_CONF = "spark.crest.label.prefetch";

    /** {@link #PREFETCH_CONF}'s values. */
    public enum Prefetch {
        AUTO,
        ON,
        OFF;

        /** The setting's value, or a UsageException naming it. */
        public static Prefetch parse(String v) {
            try {
                return valueOf(v.trim().toUpperCase(java.util.Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new org.crest.UsageException(
                        "Cannot label: " + PREFETCH_CONF + " must be auto, on or off (" + v + ")");
            }
        }

        boolean on(String device) {
            return this == ON || (this == AUTO && device != null && device.startsWith("cuda"));
        }
    }

    private final ModelBundle bundle;
    private final String shippedAs; // name under SparkFiles, or null to use the bundle's own path
    private final ScoringSettings settings;
    private final int textIndex;
    private final Metrics metrics;
    private final Prefetch prefetch;

    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(ScorePartition.class);

    /** Accumulators the driver reads for the summary (exact on success; retried tasks add again). */
    static final class Metrics implements java.io.Serializable {
        private static final long serialVersionUID = 1L;
        final LongAccumulator realTokens;
        final LongAccumulator computedTokens;
        final LongAccumulator batches;
        /** Chunks tokenized on the task's second thread while the model ran the chunk before ({@link Prefetch}). */
        final LongAccumulator tokenizedAhead;

        final LongAccumulator sessions;
        /** One "executorId TAB pid TAB sessions of this model in that JVM" per task, failed and killed ones too. */
        final CollectionAccumulator<String> sessionReports;
        /** Rows whose score was NaN or infinite: not labeled, quarantined as {@link Units#NON_FINITE_SCORE}. */
        final LongAccumulator nonFinite;
        /**
         * Those rows (at most {@link #MAX_NON_FINITE_ROWS} per task), in the unit schema: the scored columns, then
         * crest_error and crest_record. The driver writes them to the quarantine.
         */
        final CollectionAccumulator<Row> nonFiniteRows;

        Metrics(org.apache.spark.SparkContext sc) {
            nonFinite = sc.longAccumulator("crest.rows.non_finite");
            nonFiniteRows = sc.collectionAccumulator("crest.rows.non_finite.sample");
            realTokens = sc.longAccumulator("crest.tokens.real");
            computedTokens = sc.longAccumulator("crest.tokens.computed");
            batches = sc.longAccumulator("crest.batches");
            tokenizedAhead = sc.longAccumulator("crest.chunks.tokenized_ahead");
            sessions = sc.longAccumulator("crest.sessions.created");
            // counts failed and killed tasks too (a plain collectionAccumulator drops them): a speculative original
            // that was killed, or an attempt that failed, still created its JVM's session
            sessionReports = new CollectionAccumulator<>();
            sessionReports.register(sc, scala.Option.apply("crest.sessions.per_executor"), true);
        }

        /**
         * Sessions of the model created per executor (its id; "driver" in local mode): the most any of its
         * tasks saw, so a session made by a task that later failed or was killed still counts. Warns about an executor that
         * created more than one, which means the model was loaded again in the same JVM.
         */
        Map<String, Long> sessionsPerExecutor(String modelId) {
            Map<String, Long> out = new TreeMap<>();
            Map<String, String> pids = new TreeMap<>();
            for (String report : sessionReports.value()) {
                String[] f = report.split("\t", 3);
                out.merge(f[0], Long.parseLong(f[2]), Math::max);
                pids.put(f[0], f[1]);
            }
            out.forEach((executor, n) -> {
                if (n > 1) {
                    LOG.warn(
                            "Executor {} (pid {}) created {} ONNX Runtime sessions for model {}; one per executor JVM is "
                                    + "expected, so it loaded the model again (another copy, device or thread setting)",
                            executor,
                            pids.get(executor),
                            n,
                            modelId);
                }
            });
            return out;
        }
    }

    ScorePartition(
            ModelBundle bundle,
            String shippedAs,
            ScoringSettings settings,
            int textIndex,
            Metrics metrics,
            Prefetch prefetch) {
        this.bundle = bundle;
        this.shippedAs = shippedAs;
        this.settings = settings;
        this.textIndex = textIndex;
        this.metrics = metrics;
        this.prefetch = prefetch;
    }

    @Override
    public Iterator<Row> call(Iterator<Row> rows) {
        Classifier classifier = classifier(bundle, shippedAs, settings, () -> metrics.sessions.add(1));
        SparkEnv env = SparkEnv.get();
        metrics.sessionReports.add((env == null ? "driver" : env.executorId()) + "\t"
                + ProcessHandle.current().pid() + "\t"
                + SessionCache.created(bundle.sha256(), ModelSession.Kind.CLASSIFIER));
        Chunks chunks = new Chunks(rows, classifier, bundle.id(), TaskFaults.forThisTask(env));
        if (prefetch.on(classifier.session().device())) {
            chunks.prefetch();
        }
        return chunks;
    }

    /**
     * Executor side, shared with org.crest.api: the classifier over this JVM's cached session of the bundle (its
     * SparkFiles copy when {@code shippedAs} is set), on the task's GPU when it has one, with the settings' windows
     * and length-sorted batches. {@code onSessionCreated} runs when this call had to create the session.
     */
    public static Classifier classifier(
            ModelBundle bundle, String shippedAs, ScoringSettings settings, Runnable onSessionCreated) {
        ModelBundle local = JobSupport.localBundle(bundle, shippedAs);
        ModelSession session = SessionCache.get(
                local,
                ModelSession.Kind.CLASSIFIER,
                settings.device(),
                settings.intraOpThreads(),
                JobSupport.assignedGpu(),
                onSessionCreated);
        return new Classifier(
                session,
                settings.windowing(local.bosId(), local.eosId()),
                settings.batcher().forDevice(session.device()),
                settings.unsafeIndex());
    }

    private final class Chunks implements Iterator<Row> {
        private final Iterator<Row> in;
        private final Classifier classifier;
        private final String modelId;
        private final ArrayDeque<Row> ready = new ArrayDeque<>();
        private final TaskFaults faults;
        private boolean firstChunkDone;
        private long emitted;
        private int nonFiniteSent;
        /** The tokenizing thread when prefetching, else null. */
        private java.util.concurrent.ExecutorService tokenizer;
        /** The chunk read ahead, being tokenized (prefetching only). */
        private Chunk next;

        Chunks(Iterator<Row> in, Classifier classifier, String modelId, TaskFaults faults) {
            this.in = in;
            this.classifier = classifier;
            this.modelId = modelId;
            this.faults = faults;
        }

        /**
         * Tokenizes each next chunk on a thread of this task while the model scores the current one. Rows are read
         * on the task's own thread (Spark's iterators and input-file bookkeeping belong to it); only the texts go
         * to the tokenizing thread, which ends with the task.
         */
        void prefetch() {
            tokenizer = java.util.concurrent.Executors.newSingleThreadExecutor(r -> {
                Thread t = new Thread(r, "crest-tokenize-ahead");
                t.setDaemon(true);
                return t;
            });
            java.util.concurrent.ExecutorService pool = tokenizer;
            org.apache.spark.TaskContext task = org.apache.spark.TaskContext.get();
            if (task != null) {
                task.addTaskCompletionListener(new org.apache.spark.util.TaskCompletionListener() {
                    @Override
                    public void onTaskCompletion(org.apache.spark.TaskContext context) {
                        pool.shutdownNow(); // also when the task failed or was killed mid-partition
                    }
                });
            }
        }

        @Override
        public boolean hasNext() {
            if (ready.isEmpty() && emitted > 0 && !firstChunkDone) {
                firstChunkDone = true;
                faults.afterFirstChunk();
            }
            while (ready.isEmpty() && (next != null || in.hasNext())) {
                fill(); // a chunk whose rows all went to the quarantine leaves nothing ready: take the next one
            }
            if (ready.isEmpty() && tokenizer != null) {
                tokenizer.shutdown();
            }
            return !ready.isEmpty();
        }

        @Override
        public Row next() {
            if (!hasNext()) {
                throw new NoSuchElementException();
            }
            emitted++;
            return ready.poll();
        }

        /** A chunk's rows and texts; when read ahead, its tokenization in flight. */
        private record Chunk(List<Row> rows, List<String> texts, java.util.concurrent.Future<List<long[]>> ids) {}

        /** The next chunk of rows (at least one), read on the task's thread. */
        private Chunk read() {
            List<Row> chunk = new ArrayList<>(settings.chunkRows());
            List<String> texts = new ArrayList<>(settings.chunkRows());
            long chars = 0;
            while (chunk.size() < settings.chunkRows() && chars < MAX_CHUNK_CHARS && in.hasNext()) {
                Row r = in.next();
                chunk.add(r);
                String text = r.getString(textIndex);
                texts.add(text);
                chars += text.length();
            }
            return new Chunk(
                    chunk, texts, tokenizer == null ? null : tokenizer.submit(() -> classifier.tokenize(texts)));
        }

        private List<long[]> tokens(Chunk c) {
            try {
                return c.ids().get();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("Interrupted while tokenizing a chunk ahead", e);
            } catch (java.util.concurrent.ExecutionException e) {
                if (e.getCause() instanceof RuntimeException re) {
                    throw re;
                }
                if (e.getCause() instanceof Error err) {
                    throw err;
                }
                throw new IllegalStateException("Cannot tokenize a chunk ahead", e.getCause());
            }
        }

        private void fill() {
            Classifier.Scores s;
            List<Row> chunk;
            if (tokenizer == null) {
                Chunk c = read();
                chunk = c.rows();
                s = classifier.score(c.texts());
            } else {
                Chunk c = next != null ? next : read();
                next = in.hasNext() ? read() : null; // tokenized while the model scores c
                if (next != null) {
                    metrics.tokenizedAhead.add(1);
                }
                chunk = c.rows();
                s = classifier.scoreTokens(tokens(c));
            }
            metrics.realTokens.add(s.realTokens);
            metrics.computedTokens.add(s.computedTokens);
            metrics.batches.add(s.batches);
            for (int i = 0; i < chunk.size(); i++) {
                Row r = chunk.get(i);
                if (!s.finite(i)) {
                    // never a label: the row goes to the quarantine through the driver (reason non_finite_score)
                    metrics.nonFinite.add(1);
                    if (nonFiniteSent < MAX_NON_FINITE_ROWS) {
                        nonFiniteSent++;
                        Object[] q = new Object[r.length() + 2];
                        for (int j = 0; j < r.length(); j++) {
                            q[j] = r.get(j);
                        }
                        q[r.length()] = Units.NON_FINITE_SCORE;
                        q[r.length() + 1] = null;
                        metrics.nonFiniteRows.add(RowFactory.create(q));
                    }
                    continue;
                }
                Object[] v = new Object[r.length() + 5];
                for (int j = 0; j < r.length(); j++) {
                    v[j] = r.get(j);
                }
                double p = s.pUnsafe[i];
                v[r.length()] = p;
                v[r.length() + 1] = p >= settings.threshold() ? "unsafe" : "safe";
                v[r.length() + 2] = s.windows[i];
                v[r.length() + 3] = s.tokens[i];
                v[r.length() + 4] = modelId;
                ready.add(RowFactory.create(v));
            }
        }
    }
}
