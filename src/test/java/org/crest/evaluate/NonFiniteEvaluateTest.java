package org.crest.evaluate;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.apache.spark.sql.SparkSession;
import org.crest.Columns;
import org.crest.Fixtures;
import org.crest.SparkTestSession;
import org.crest.inference.BrokenBundles;
import org.crest.io.Units;
import org.junit.jupiter.api.Test;

/**
 * evaluate with a model whose score is NaN for one row: the row is quarantined as non_finite_score and counted,
 * the metrics are computed over the finite scores (no arithmetic overflow on -Infinity), and the report is written.
 */
class NonFiniteEvaluateTest {

    @Test
    void aNonFiniteScoreIsQuarantinedAndTheMetricsStillCompute() throws IOException {
        String poisoned = "the zebra crossed the road";
        BrokenBundles.NanToken nan = BrokenBundles.nanToken(Fixtures.DEMO, poisoned);
        Path in = Fixtures.tempDir("nan-bench-").resolve("bench.csv");
        Files.writeString(
                in, "text,label\nhello how are you,0\ngood morning to you,1\nsee you later,0\n" + poisoned + ",1\n");
        Path out = Fixtures.tempDir("nan-eval-").resolve("out");
        SparkSession spark = SparkTestSession.get();

        EvaluateJob.Result r = EvaluateJob.run(
                spark,
                Evals.options(
                        in.toString(),
                        out.toString(),
                        nan.dir().toString(),
                        Preset.GENERIC,
                        null,
                        null,
                        Map.of(),
                        0.5));

        assertThat(r.scored().rowsIn()).isEqualTo(4);
        assertThat(r.scored().scored()).isEqualTo(3);
        assertThat(r.scored().quarantinedTotal()).isEqualTo(1);
        assertThat(EvaluateJob.rowCounts(r.scored()).get("quarantine_reasons").toString())
                .contains(Units.NON_FINITE_SCORE + "=1");
        assertThat(r.overall().c().n())
                .as("metrics over the finite scores only")
                .isEqualTo(3);
        assertThat(spark.read()
                        .parquet(out.resolve(EvaluateJob.SCORED_DIR).toString())
                        .where(org.apache.spark.sql.functions.col("text").equalTo(poisoned))
                        .count())
                .isZero();
        assertThat(spark.read()
                        .parquet(out.resolve(EvaluateJob.SCORED_DIR).toString())
                        .collectAsList())
                .allSatisfy(row -> assertThat(Double.isFinite(row.getDouble(row.fieldIndex(Columns.SCORE_COL))))
                        .isTrue());
        assertThat(out.resolve(EvaluateJob.REPORT_MD)).exists();
    }

    @Test
    void aModelWithoutAnyFiniteScoreStopsEvaluateWithoutPartialOutput() throws IOException {
        String poisoned = "the zebra crossed the road";
        BrokenBundles.NanToken nan = BrokenBundles.nanToken(Fixtures.DEMO, poisoned);
        Path in = Fixtures.tempDir("nan-bench-").resolve("bench.csv");
        Files.writeString(in, "text,label\n" + poisoned + ",1\nso " + poisoned + ",0\n");
        Path out = Fixtures.tempDir("nan-eval-").resolve("out");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> EvaluateJob.run(
                        SparkTestSession.get(),
                        Evals.options(
                                in.toString(),
                                out.toString(),
                                nan.dir().toString(),
                                Preset.GENERIC,
                                null,
                                null,
                                Map.of(),
                                0.5)))
                .isInstanceOf(org.crest.ModelException.class)
                .hasMessageContaining("a NaN or infinite score for every row it scored (2)");
        assertThat(out).as("no partial output").doesNotExist();
    }
}
