package org.crest.spark;

import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerApplicationEnd;
import org.apache.spark.scheduler.SparkListenerJobEnd;
import org.apache.spark.scheduler.SparkListenerJobStart;
import org.apache.spark.scheduler.SparkListenerStageSubmitted;
import org.apache.spark.scheduler.SparkListenerTaskEnd;
import org.apache.spark.sql.SparkSession;

/**
 * A progress line (INFO log, so on stderr with the job's other log lines) every {@value #INTERVAL_CONF} (default 30 s) while Spark jobs run, for embedded runs
 * where no Spark UI is watched: {@code 12:00:30 INFO Progress: crest label: score ... | 12/40 tasks, 1.2M rows written, 3,400 rows/s}.
 * Counts come from a SparkListener: tasks finished of tasks submitted, and rows written by finished tasks (labeled
 * and quarantined rows). {@code --conf spark.crest.progress.interval=0} turns it off.
 */
public final class Progress extends SparkListener {
    public static final String INTERVAL_CONF = "spark.crest.progress.interval";

    private final AtomicInteger tasksSubmitted = new AtomicInteger();
    private final AtomicInteger tasksDone = new AtomicInteger();
    private final AtomicLong rowsWritten = new AtomicLong();
    private final AtomicInteger activeJobs = new AtomicInteger();
    private final Map<Integer, String> descriptions = new ConcurrentHashMap<>();
    private final long startNanos = System.nanoTime();
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(Progress.class);
    private final Consumer<String> out;
    private volatile String current = "";
    private ScheduledExecutorService timer;

    Progress(Consumer<String> out) {
        this.out = out;
    }

    /** Adds a progress reporter (an INFO log line) to {@code spark} unless its interval is 0; returns it, or null. */
    public static Progress install(SparkSession spark) {
        long seconds = spark.sparkContext().getConf().getTimeAsSeconds(INTERVAL_CONF, "30s");
        if (seconds <= 0) {
            return null;
        }
        Progress p = new Progress(LOG::info);
        spark.sparkContext().addSparkListener(p);
        p.timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "crest-progress");
            t.setDaemon(true);
            return t;
        });
        p.timer.scheduleAtFixedRate(p::report, seconds, seconds, TimeUnit.SECONDS);
        return p;
    }

    @Override
    public void onJobStart(SparkListenerJobStart e) {
        activeJobs.incrementAndGet();
        String d = e.properties() == null ? null : e.properties().getProperty("spark.job.description");
        if (d != null) {
            descriptions.put(e.jobId(), d);
            current = d;
        }
    }

    @Override
    public void onJobEnd(SparkListenerJobEnd e) {
        activeJobs.decrementAndGet();
        descriptions.remove(e.jobId());
    }

    @Override
    public void onStageSubmitted(SparkListenerStageSubmitted e) {
        tasksSubmitted.addAndGet(e.stageInfo().numTasks());
    }

    @Override
    public void onTaskEnd(SparkListenerTaskEnd e) {
        if (e.taskInfo() != null && e.taskInfo().successful()) {
            tasksDone.incrementAndGet();
            if (e.taskMetrics() != null) {
                rowsWritten.addAndGet(e.taskMetrics().outputMetrics().recordsWritten());
            }
        }
    }

    @Override
    public void onApplicationEnd(SparkListenerApplicationEnd e) {
        stop();
    }

    /** The line a report prints now. */
    String line() {
        double seconds = Math.max(1e-9, (System.nanoTime() - startNanos) / 1e9);
        long rows = rowsWritten.get();
        return String.format(
                Locale.ROOT,
                "%s%d/%d tasks, %s rows written, %,.0f rows/s, %s elapsed",
                current.isEmpty() ? "" : current + " | ",
                tasksDone.get(),
                tasksSubmitted.get(),
                human(rows),
                rows / seconds,
                duration((long) seconds));
    }

    void report() {
        if (activeJobs.get() > 0) {
            out.accept(line());
        }
    }

    public void stop() {
        if (timer != null) {
            timer.shutdownNow();
        }
    }

    static String human(long n) {
        if (n < 1_000_000) {
            return String.format(Locale.ROOT, "%,d", n);
        }
        return String.format(Locale.ROOT, "%.1fM", n / 1e6);
    }

    private static String duration(long s) {
        return s >= 3600
                ? String.format(Locale.ROOT, "%dh%02dm", s / 3600, s / 60 % 60)
                : String.format(Locale.ROOT, "%dm%02ds", s / 60, s % 60);
    }
}
