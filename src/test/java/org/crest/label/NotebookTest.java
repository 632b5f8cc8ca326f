package org.crest.label;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.crest.Fixtures;
import org.crest.SparkTestSession;
import org.crest.label.resume.ResumableLabel;
import org.crest.label.resume.ResumeSummary;
import org.junit.jupiter.api.Test;

/** notebooks/audit_report.sql runs, statement by statement, against real label outputs (plain and --resume), and adds up. */
class NotebookTest {

    static List<String> statements(Path sql) throws Exception {
        List<String> out = new ArrayList<>();
        StringBuilder cur = new StringBuilder();
        for (String line : Files.readAllLines(sql)) {
            if (line.strip().startsWith("--")) {
                continue;
            }
            cur.append(line).append('\n');
            if (line.strip().endsWith(";")) {
                String s = cur.toString().strip();
                out.add(s.substring(0, s.length() - 1));
                cur.setLength(0);
            }
        }
        assertThat(cur.toString().strip()).as("text after the last statement").isEmpty();
        return out;
    }

    /**
     * Runs the notebook as Databricks does: CREATE WIDGET is Databricks' own command (skipped here), and the widget's
     * value is bound to the named parameter marker :output of each statement.
     */
    static List<List<Row>> runNotebook(SparkSession spark, Path out) throws Exception {
        List<String> sql = statements(Path.of("notebooks/audit_report.sql"));
        assertThat(sql.get(0)).as("the widget comes first").startsWith("CREATE WIDGET TEXT output");
        List<List<Row>> results = new ArrayList<>();
        for (String stmt : sql.subList(1, sql.size())) {
            assertThat(stmt).as("no SET/${} substitution").doesNotContain("${").doesNotStartWith("SET ");
            results.add(spark.sql(
                            stmt,
                            Map.<String, Object>of(
                                    "output", out.toAbsolutePath().toString()))
                    .collectAsList());
        }
        assertThat(results).as("statements in the notebook").hasSizeGreaterThanOrEqualTo(6);
        return results;
    }

    @Test
    void theAuditReportAddsUpToTheSummary() throws Exception {
        SparkSession spark = SparkTestSession.get();
        Path out = Fixtures.tempDir("notebook-").resolve("out");
        LabelSummary s = LabelJob.run(spark, Labels.options("examples/messages.jsonl", out.toString(), "demo"));
        List<List<Row>> results = runNotebook(spark, out);
        Row totals = results.get(0).get(0);
        assertThat(totals.getLong(0)).as("rows_labeled").isEqualTo(s.rowsLabeled());
        assertThat(totals.getLong(1)).as("rows_unsafe").isEqualTo(s.unsafe());
        assertThat(totals.getLong(3)).as("content_tokens").isEqualTo(s.contentTokens());
        assertThat(totals.getString(4)).as("models").isEqualTo(s.model());
        long quarantined = results.get(1).stream().mapToLong(r -> r.getLong(2)).sum();
        assertThat(quarantined)
                .as("quarantined rows by reason")
                .isEqualTo(s.rowsQuarantined())
                .isPositive();
        assertThat(results.get(2)).as("one day, empty, for a plain output").hasSize(1);
        assertThat(results.get(2).get(0).getString(0)).isEmpty();
        assertThat(results.get(3).stream().mapToLong(r -> r.getLong(1)).sum())
                .as("score histogram")
                .isEqualTo(s.rowsLabeled());
        assertThat(results.get(4)).as("top rows").hasSize((int) Math.min(20, s.rowsLabeled()));
        assertThat(results.get(5).stream().mapToLong(r -> r.getLong(1)).sum())
                .as("rows by windows")
                .isEqualTo(s.rowsLabeled());
    }

    @Test
    void onAResumeOutputQuarantineAndDaysComeFromEveryPartition() throws Exception {
        SparkSession spark = SparkTestSession.get();
        Path dir = Fixtures.tempDir("notebook-resume-");
        for (String dt : List.of("dt=2026-11-26", "dt=2026-11-27")) {
            Files.createDirectories(dir.resolve("logs").resolve(dt));
            Files.copy(
                    Path.of("examples/messages.jsonl"),
                    dir.resolve("logs").resolve(dt).resolve("part-0.jsonl"));
        }
        Path out = dir.resolve("audit");
        ResumeSummary s = ResumableLabel.run(
                spark,
                Labels.options(dir.resolve("logs").toString(), out.toString(), "demo"),
                new ResumableLabel.Options(false, List.of()));
        List<List<Row>> results = runNotebook(spark, out);
        assertThat(results.get(0).get(0).getLong(0)).as("rows_labeled").isEqualTo(s.rowsLabeled());
        Map<String, Long> quarantinedPerDay = new TreeMap<>();
        for (Row r : results.get(1)) {
            quarantinedPerDay.merge(r.getString(0), r.getLong(2), Long::sum);
        }
        Map<String, Long> expected = new TreeMap<>();
        for (ResumeSummary.Partition p : s.partitions()) {
            expected.put(p.partition().substring(3), p.rowsQuarantined());
        }
        assertThat(quarantinedPerDay)
                .as("quarantine under dt=*/_quarantine, per day")
                .isEqualTo(expected);
        assertThat(expected.values()).allMatch(v -> v > 0);
        Map<String, Long> labeledPerDay = new TreeMap<>();
        for (Row r : results.get(2)) {
            labeledPerDay.put(r.getString(0), r.getLong(1));
        }
        Map<String, Long> expectedLabeled = new TreeMap<>();
        for (ResumeSummary.Partition p : s.partitions()) {
            expectedLabeled.put(p.partition().substring(3), p.rowsLabeled());
        }
        assertThat(labeledPerDay).as("labeled per day").isEqualTo(expectedLabeled);
    }
}
