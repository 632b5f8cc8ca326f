package org.crest.spark;

import static org.assertj.core.api.Assertions.assertThat;

import org.apache.spark.sql.SparkSession;
import org.crest.Fixtures;
import org.crest.SparkTestSession;
import org.junit.jupiter.api.Test;

/** The progress line counts the tasks and written rows of real jobs, under the job's description. */
class ProgressTest {
    @Test
    void countsFinishedTasksAndRowsWritten() throws Exception {
        SparkSession spark = SparkTestSession.get();
        java.util.List<String> printed = new java.util.ArrayList<>();
        Progress p = new Progress(printed::add);
        spark.sparkContext().addSparkListener(p);
        try {
            spark.sparkContext().setJobDescription("crest test: write 1,500 rows");
            spark.range(0, 1500, 1, 3)
                    .write()
                    .parquet(Fixtures.tempDir("progress-").resolve("out").toString());
            spark.sparkContext().setJobDescription(null);
            spark.sparkContext().listenerBus().waitUntilEmpty();
            String line = p.line();
            assertThat(line)
                    .startsWith("crest test: write 1,500 rows | ")
                    .contains("3/3 tasks")
                    .contains("1,500 rows written")
                    .contains("rows/s");
            p.report(); // no job running: nothing printed
            assertThat(printed).isEmpty();
        } finally {
            spark.sparkContext().removeSparkListener(p);
        }
        assertThat(Progress.human(2_345_678)).isEqualTo("2.3M");
    }
}
