package org.crest.label;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.crest.Fixtures;
import org.crest.SparkTestSession;
import org.crest.UsageException;
import org.crest.label.resume.ResumableLabel;
import org.crest.label.resume.ResumeSummary;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code label --output-table/--quarantine-table} on the shared local[2] session, with tables of Spark's built-in
 * session catalog (Parquet, warehouse in a temp folder): neither Iceberg (1.12.0, built for Spark 4.1) nor Delta
 * (4.2.0, built for Spark 4.1.0) runs on Spark 4.2.0 (docs/PLATFORMS.md). Plain runs append and their rows carry their
 * run id; --resume replaces a re-run day and never duplicates it; the counts checked are read back from the tables.
 */
class TableOutputTest {
    private static final String MODEL = Fixtures.INDEPENDENT.resolve("bundle").toString();
    private static SparkSession spark;

    @BeforeAll
    static void setUp() {
        spark = SparkTestSession.get();
        spark.sql("CREATE DATABASE IF NOT EXISTS crest_tables");
    }

    /** JSON Lines rows id=PREFIX0.. with a text, plus {@code bad} rows with a null text (quarantined). */
    static void jsonl(Path file, String prefix, int n, int bad) throws IOException {
        Files.createDirectories(file.getParent());
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < n; i++) {
            sb.append("{\"id\":\"")
                    .append(prefix)
                    .append(i)
                    .append("\",\"text\":\"message ")
                    .append(i)
                    .append(" of ")
                    .append(prefix)
                    .append(": where is the station?\"}\n");
        }
        for (int i = 0; i < bad; i++) {
            sb.append("{\"id\":\"").append(prefix).append("-bad").append(i).append("\",\"text\":null}\n");
        }
        Files.writeString(file, sb.toString(), StandardCharsets.UTF_8);
    }

    /** {value of col: count} over {@code sql}. */
    static Map<String, Long> countBy(String sql) {
        Map<String, Long> m = new TreeMap<>();
        for (Row r : spark.sql(sql).collectAsList()) {
            m.put(String.valueOf(r.get(0)), r.getLong(1));
        }
        return m;
    }

    static List<String> ids(String sql) {
        List<String> ids = new ArrayList<>();
        for (Row r : spark.sql(sql).collectAsList()) {
            ids.add(r.getString(0));
        }
        ids.sort(null);
        return ids;
    }

    static List<String> files(Path dir) throws IOException {
        try (Stream<Path> s = Files.walk(dir)) {
            return s.filter(Files::isRegularFile)
                    .map(p -> dir.relativize(p).toString())
                    .filter(n -> !n.startsWith(".") && !n.contains("/."))
                    .sorted()
                    .toList();
        }
    }

    @Test
    void tableNamesAreCheckedWithoutSpark() {
        assertThat(TableOutput.parts("--output-table", "labels")).containsExactly("labels");
        assertThat(TableOutput.parts("--output-table", "main.audit.crest_labels"))
                .containsExactly("main", "audit", "crest_labels");
        assertThat(TableOutput.parts("--output-table", "`audit-db`.`a``b`")).containsExactly("audit-db", "a`b");
        assertThat(TableOutput.quoted(List.of("audit-db", "a`b"))).isEqualTo("`audit-db`.`a``b`");
        assertThat(TableOutput.pathOf(TableOutput.parts("--output-table", "delta.`/data/t`")))
                .isEqualTo("/data/t");
        assertThat(TableOutput.pathOf(TableOutput.parts("--output-table", "delta.t")))
                .isNull();
        for (String bad : List.of("", " ", "a b", "1abc", "db..t", "t.", ".t", "`open", "db.`x`y", "a;drop", "a-b")) {
            assertThatThrownBy(() -> new TableOutput(bad, null))
                    .as(bad)
                    .isInstanceOf(UsageException.class)
                    .hasMessageStartingWith("Cannot use --output-table " + bad + ": not a table name");
        }
        assertThatThrownBy(() -> new TableOutput("db.t", "DB.T"))
                .isInstanceOf(UsageException.class)
                .hasMessageContaining("same table");
        assertThatThrownBy(() -> new TableOutput(null, "db.q"))
                .isInstanceOf(UsageException.class)
                .hasMessageContaining("--quarantine-table without --output-table");
    }

    @Test
    void plainRunsAppendAndEachRunsRowsCarryItsRunId() throws IOException {
        Path dir = Fixtures.tempDir("tables-plain-");
        Path in = dir.resolve("in/a.jsonl");
        jsonl(in, "a", 12, 2);
        TableOutput t = new TableOutput("crest_tables.labels", "crest_tables.quarantine");

        LabelSummary s1 = LabelJob.run(
                spark, Labels.options(in.toString(), dir.resolve("run1").toString(), MODEL), t);
        LabelSummary s2 = LabelJob.run(
                spark, Labels.options(in.toString(), dir.resolve("run2").toString(), MODEL), t);
        assertThat(s1.status()).isEqualTo("ok");
        assertThat(s2.status()).isEqualTo("ok");
        assertThat(s1.rowsIn()).isEqualTo(14);
        assertThat(s1.rowsLabeled()).isEqualTo(12);
        assertThat(s1.rowsQuarantined()).isEqualTo(2);

        JsonNode j1 = Fixtures.json(dir.resolve("run1/_crest_summary.json"));
        JsonNode j2 = Fixtures.json(dir.resolve("run2/_crest_summary.json"));
        String run1 = j1.get(TableOutput.RUN_ID_COL).asText();
        String run2 = j2.get(TableOutput.RUN_ID_COL).asText();
        assertThat(run1).isNotBlank().isNotEqualTo(run2);
        assertThat(j1.get("output_table").asText()).isEqualTo("crest_tables.labels");
        assertThat(j1.get("quarantine_table").asText()).isEqualTo("crest_tables.quarantine");
        // the summary folder holds the summary only: the rows are in the tables
        assertThat(files(dir.resolve("run1"))).containsExactly("_crest_summary.json");

        // two runs appended: counts add up, and each run's rows are found by its run id
        assertThat(countBy("SELECT crest_run_id, count(*) FROM crest_tables.labels GROUP BY crest_run_id"))
                .isEqualTo(Map.of(run1, 12L, run2, 12L));
        assertThat(countBy("SELECT crest_run_id, count(*) FROM crest_tables.quarantine GROUP BY crest_run_id"))
                .isEqualTo(Map.of(run1, 2L, run2, 2L));
        List<String> expected = new ArrayList<>();
        for (int i = 0; i < 12; i++) {
            expected.add("a" + i);
        }
        expected.sort(null);
        assertThat(ids("SELECT id FROM crest_tables.labels WHERE crest_run_id = '" + run1 + "'"))
                .isEqualTo(expected);
        assertThat(ids("SELECT id FROM crest_tables.quarantine WHERE crest_run_id = '" + run2 + "'"))
                .containsExactly("a-bad0", "a-bad1");
        assertThat(countBy("SELECT crest_error, count(*) FROM crest_tables.quarantine GROUP BY crest_error"))
                .containsOnlyKeys("null_text");
        // the summary's counts are the tables' (read back after the write) and the ledger's
        assertThat(j1.get("rows_labeled").asLong() + j1.get("rows_quarantined").asLong())
                .isEqualTo(j1.get("rows_in").asLong())
                .isEqualTo(14);
        assertThat(spark.sql("SELECT crest_score, crest_label, crest_model FROM crest_tables.labels")
                        .where("crest_score IS NULL OR crest_label IS NULL")
                        .count())
                .isZero();

        // a run whose columns differ (crest_lang) is refused before it writes, and the table keeps its rows
        LabelOptions lang = Labels.options(in.toString(), dir.resolve("run3").toString(), MODEL)
                .withDetectLanguage(true);
        assertThatThrownBy(() -> LabelJob.run(spark, lang, t))
                .isInstanceOf(UsageException.class)
                .hasMessageContaining("Cannot write --output-table crest_tables.labels: its columns are not this run's")
                .hasMessageContaining("crest_lang");
        assertThat(spark.table("crest_tables.labels").count()).isEqualTo(24);

        // without --quarantine-table the quarantine stays Parquet in the summary folder
        LabelSummary s4 = LabelJob.run(
                spark,
                Labels.options(in.toString(), dir.resolve("run4").toString(), MODEL),
                new TableOutput("crest_tables.labels_only", null));
        assertThat(s4.status()).isEqualTo("ok");
        assertThat(spark.table("crest_tables.labels_only").count()).isEqualTo(12);
        assertThat(spark.read()
                        .parquet(dir.resolve("run4/_quarantine").toString())
                        .count())
                .isEqualTo(2);
    }

    @Test
    void aTableThatDoesNotKeepTheRunsRowsFailsTheRun() throws IOException {
        Path dir = Fixtures.tempDir("tables-lossy-");
        Path in = dir.resolve("in/a.jsonl");
        jsonl(in, "a", 6, 2);
        // a table made beforehand whose crest_run_id is an INT: with Spark's LEGACY store assignment the run id is
        // silently written as null, so the table does not hold the rows this run wrote as this run's
        spark.sql(
                "CREATE TABLE crest_tables.lossy (id STRING, text STRING, crest_extra STRING, crest_score DOUBLE, crest_label STRING, "
                        + "crest_windows INT, crest_tokens INT, crest_model STRING, crest_run_id INT) USING parquet");
        String before = spark.conf().get("spark.sql.storeAssignmentPolicy");
        spark.conf().set("spark.sql.storeAssignmentPolicy", "LEGACY");
        try {
            assertThatThrownBy(() -> LabelJob.run(
                            spark,
                            Labels.options(in.toString(), dir.resolve("out").toString(), MODEL),
                            new TableOutput("crest_tables.lossy", null)))
                    .isInstanceOf(org.crest.ConservationException.class)
                    .hasMessageContaining("6 unit(s) to label and 2 to quarantine, but the output holds 0 labeled")
                    .hasMessageContaining("counted in table crest_tables.lossy after the write");
        } finally {
            spark.conf().set("spark.sql.storeAssignmentPolicy", before);
        }
        assertThat(spark.table("crest_tables.lossy").count())
                .as("written, but not as this run's")
                .isEqualTo(6);
        JsonNode j = Fixtures.json(dir.resolve("out/_crest_summary.json"));
        assertThat(j.get("status").asText()).startsWith("failed: ");
        assertThat(j.get("rows_labeled").asLong()).isZero();
    }

    @Test
    void resumeReplacesAReRunDayAndNeverDuplicatesIt() throws IOException {
        Path dir = Fixtures.tempDir("tables-resume-");
        Path in = dir.resolve("in");
        Path out = dir.resolve("out");
        jsonl(in.resolve("dt=2026-11-26/a.jsonl"), "a", 8, 1);
        jsonl(in.resolve("dt=2026-11-27/b.jsonl"), "b", 5, 1);
        TableOutput t = new TableOutput("crest_tables.daily", "crest_tables.daily_quarantine");
        String perDay = "SELECT CAST(dt AS STRING), count(*) FROM crest_tables.daily GROUP BY dt";
        String perDayQ = "SELECT CAST(dt AS STRING), count(*) FROM crest_tables.daily_quarantine GROUP BY dt";

        ResumeSummary first = resume(in, out, t, false);
        assertThat(first.status()).isEqualTo("ok");
        assertThat(first.partitionsCommitted()).isEqualTo(2);
        assertThat(countBy(perDay)).isEqualTo(Map.of("2026-11-26", 8L, "2026-11-27", 5L));
        assertThat(countBy(perDayQ)).isEqualTo(Map.of("2026-11-26", 1L, "2026-11-27", 1L));
        assertThat(files(out.resolve("dt=2026-11-27"))).containsExactly("_crest_manifest.json", "_crest_summary.json");
        JsonNode day = Fixtures.json(out.resolve("dt=2026-11-27/_crest_summary.json"));
        assertThat(day.get("output_table").asText()).isEqualTo("crest_tables.daily");
        assertThat(day.get(TableOutput.RUN_ID_COL).asText()).isEqualTo(first.runId());

        // a re-run with nothing changed writes nothing
        ResumeSummary noop = resume(in, out, t, false);
        assertThat(noop.partitionsSkipped()).isEqualTo(2);
        assertThat(countBy(perDay)).isEqualTo(Map.of("2026-11-26", 8L, "2026-11-27", 5L));

        // relabel one day: its rows are replaced (the new run's id), not added; the other day is untouched
        ResumeSummary again = resume(in, out, t, true, "2026-11-27");
        assertThat(again.partitionsReprocessed()).isEqualTo(1);
        assertThat(countBy(perDay)).isEqualTo(Map.of("2026-11-26", 8L, "2026-11-27", 5L));
        assertThat(countBy(perDayQ)).isEqualTo(Map.of("2026-11-26", 1L, "2026-11-27", 1L));
        assertThat(countBy("SELECT crest_run_id, count(*) FROM crest_tables.daily GROUP BY crest_run_id"))
                .isEqualTo(Map.of(first.runId(), 8L, again.runId(), 5L));
        assertThat(ids("SELECT id FROM crest_tables.daily WHERE dt = DATE'2026-11-27'"))
                .containsExactly("b0", "b1", "b2", "b3", "b4");

        // the day's file grows: that day is relabeled and holds the new rows once
        jsonl(in.resolve("dt=2026-11-27/b.jsonl"), "b", 7, 1);
        ResumeSummary grown = resume(in, out, t, false);
        assertThat(grown.partitionsReprocessed()).isEqualTo(1);
        assertThat(grown.partitionsSkipped()).isEqualTo(1);
        assertThat(countBy(perDay)).isEqualTo(Map.of("2026-11-26", 8L, "2026-11-27", 7L));

        // a day now without a single row to label: the table's old rows of that day go too
        jsonl(in.resolve("dt=2026-11-27/b.jsonl"), "b", 0, 3);
        ResumeSummary allBad = resume(in, out, t, false);
        assertThat(allBad.status()).isEqualTo("ok");
        assertThat(countBy(perDay)).isEqualTo(Map.of("2026-11-26", 8L));
        assertThat(countBy(perDayQ)).isEqualTo(Map.of("2026-11-26", 1L, "2026-11-27", 3L));

        // a committed day whose rows were removed from the table behind crest's back is labeled again
        spark.sql("ALTER TABLE crest_tables.daily DROP PARTITION (dt = '2026-11-26')");
        assertThat(countBy(perDay)).isEmpty();
        ResumeSummary healed = resume(in, out, t, false);
        ResumeSummary.Partition p26 = healed.partitions().stream()
                .filter(p -> p.partition().equals("dt=2026-11-26"))
                .findFirst()
                .orElseThrow();
        assertThat(p26.action()).isEqualTo(ResumeSummary.REPROCESSED);
        assertThat(p26.reason()).contains("table crest_tables.daily holds 0 row(s) for dt=2026-11-26");
        assertThat(countBy(perDay)).isEqualTo(Map.of("2026-11-26", 8L));
        assertThat(healed.conserved()).isTrue();
    }

    private static ResumeSummary resume(Path in, Path out, TableOutput t, boolean overwrite, String... dates) {
        LabelOptions o = Labels.options(in.toString(), out.toString(), MODEL);
        return ResumableLabel.run(spark, o, new ResumableLabel.Options(overwrite, List.of(dates), t));
    }
}
