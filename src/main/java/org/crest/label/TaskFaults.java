package org.crest.label;

import org.apache.spark.SparkEnv;
import org.apache.spark.TaskContext;

/**
 * Test hook of the label tasks, {@link #NONE} unless the Spark setting {@value #FAULT_CONF} asks for a fault, for the
 * fault-tolerance tests (StandaloneClusterIT). Its value is a comma-separated list of
 * <ul>
 *   <li>{@code fail-once:P}: attempt 0 of partition P throws after it has handed its first chunk of rows to the
 *       writer, so Spark must discard the partial output and retry the task;</li>
 *   <li>{@code slow:P:MILLIS}: attempt 0 of partition P sleeps MILLIS at that same point (a straggler for
 *       speculative execution, or a window in which a test kills the executor), after logging
 *       {@value #SLOW_MARKER} to the executor's log.</li>
 * </ul>
 * Later attempts (retries, speculative copies) run normally. Partitions with no valid rows never reach the fault
 * point.
 */
interface TaskFaults {
    /** Spark setting read by the hook. */
    String FAULT_CONF = "spark.crest.test.fault";
    /** Logged by the slow fault when it starts sleeping. */
    String SLOW_MARKER = "crest test fault: slow partition";

    /** No fault: what every task gets unless {@value #FAULT_CONF} names its partition. */
    TaskFaults NONE = () -> {};

    /** Called once per task, when it has handed its first chunk of rows to the writer. */
    void afterFirstChunk();

    /** The fault {@value #FAULT_CONF} asks of this task attempt, else {@link #NONE}. */
    static TaskFaults forThisTask(SparkEnv env) {
        TaskContext tc = TaskContext.get();
        String spec = env == null ? "" : env.conf().get(FAULT_CONF, "").trim();
        if (tc == null || spec.isEmpty() || tc.attemptNumber() != 0) {
            return NONE;
        }
        for (String item : spec.split(",")) {
            String[] f = item.trim().split(":");
            boolean fail = f[0].equals("fail-once") && f.length == 2;
            if (!fail && !(f[0].equals("slow") && f.length == 3)) {
                throw new IllegalArgumentException("Cannot read " + FAULT_CONF + ": expected fail-once:PARTITION or "
                        + "slow:PARTITION:MILLIS (" + item + ")");
            }
            try {
                if (Integer.parseInt(f[1]) == tc.partitionId()) {
                    return new Fault(fail, fail ? 0 : Long.parseLong(f[2]));
                }
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("Cannot read " + FAULT_CONF + ": not a number in (" + item + ")", e);
            }
        }
        return NONE;
    }

    /** A configured fault: fail, or sleep {@code sleepMillis} (killable). */
    record Fault(boolean fail, long sleepMillis) implements TaskFaults {
        @Override
        public void afterFirstChunk() {
            TaskContext tc = TaskContext.get();
            if (fail) {
                throw new IllegalStateException("crest test fault: failing attempt 0 of partition " + tc.partitionId()
                        + " (" + FAULT_CONF + ")");
            }
            org.slf4j.LoggerFactory.getLogger(TaskFaults.class)
                    .warn(
                            "{} {} attempt 0: sleeping {} ms in pid {}",
                            SLOW_MARKER,
                            tc.partitionId(),
                            sleepMillis,
                            ProcessHandle.current().pid());
            long end = System.nanoTime() + sleepMillis * 1_000_000L;
            try {
                while (System.nanoTime() < end) {
                    Thread.sleep(Math.min(100, Math.max(1, (end - System.nanoTime()) / 1_000_000L)));
                    tc.killTaskIfInterrupted();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                tc.killTaskIfInterrupted();
                throw new IllegalStateException("crest test fault: interrupted", e);
            }
        }
    }
}
