package org.crest.cli.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerStageCompleted;
import org.apache.spark.scheduler.StageInfo;
import org.apache.spark.sql.SparkSession;

/**
 * Per-stage executor CPU time of the Spark jobs run while it listens (Spark's task metrics, summed over the stage's
 * tasks): where a label run spends its CPU, read and validate, shuffle, score and write, counts. CPU time, unlike wall
 * time, barely moves with the load of a shared machine.
 */
final class StageCpu extends SparkListener {
    record Stage(int id, String name, int tasks, double cpuSeconds, double runSeconds, double gcSeconds) {}

    private final List<Stage> stages = new ArrayList<>();

    static StageCpu listen(SparkSession spark) {
        StageCpu l = new StageCpu();
        spark.sparkContext().addSparkListener(l);
        return l;
    }

    void stop(SparkSession spark) {
        try {
            spark.sparkContext().listenerBus().waitUntilEmpty(); // stage events arrive asynchronously
        } catch (java.util.concurrent.TimeoutException | RuntimeException e) {
            // a late event is missing from the figures, which say so by their stage list
        }
        spark.sparkContext().removeSparkListener(this);
    }

    @Override
    public synchronized void onStageCompleted(SparkListenerStageCompleted event) {
        StageInfo s = event.stageInfo();
        if (s.taskMetrics() == null) {
            return;
        }
        String name = s.name();
        int at = name.indexOf(" at ");
        stages.add(new Stage(
                s.stageId(),
                at > 0 ? name.substring(0, at) : name,
                s.numTasks(),
                s.taskMetrics().executorCpuTime() / 1e9,
                s.taskMetrics().executorRunTime() / 1e3,
                s.taskMetrics().jvmGCTime() / 1e3));
    }

    synchronized List<Stage> stages() {
        return new ArrayList<>(stages);
    }

    /** Prints one line per stage (CPU µs per row), and returns {description: cpu µs per row}. */
    synchronized Map<String, Object> print(String title, long rows) {
        System.out.printf(Locale.ROOT, "    %s: executor CPU per stage (Spark task metrics), µs per row:%n", title);
        Map<String, Object> out = new TreeMap<>();
        double total = 0;
        for (Stage s : stages) {
            double us = s.cpuSeconds() * 1e6 / Math.max(1, rows);
            total += us;
            System.out.printf(
                    Locale.ROOT,
                    "      stage %3d %-28s %4d tasks  cpu %8.1f µs/row  run %7.1f s  gc %5.1f s%n",
                    s.id(),
                    s.name(),
                    s.tasks(),
                    us,
                    s.runSeconds(),
                    s.gcSeconds());
            out.merge("stage_" + s.id() + "_" + s.name().replaceAll("[^A-Za-z0-9]+", "_"), us, (a, b) -> b);
        }
        System.out.printf(Locale.ROOT, "      all stages: %.1f µs CPU per row%n", total);
        out.put("total", total);
        return out;
    }
}
