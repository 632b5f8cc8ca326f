package org.crest.label;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.crest.Fixtures;
import org.crest.SparkTestSession;
import org.junit.jupiter.api.Test;

/** notebooks/audit_report.sql runs, statement by statement, against a real label output, and adds up. */
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

  @Test
  void theAuditReportAddsUpToTheSummary() throws Exception {
    SparkSession spark = SparkTestSession.get();
    Path out = Fixtures.tempDir("notebook-").resolve("out");
    LabelSummary s = LabelJob.run(spark, Labels.options("examples/messages.jsonl", out.toString(), "demo"));
    List<String> sql = statements(Path.of("notebooks/audit_report.sql"));
    assertThat(sql).as("statements in the notebook").hasSizeGreaterThanOrEqualTo(7);

    spark.conf().set("crest.output", out.toUri().toString());
    List<List<Row>> results = new ArrayList<>();
    try {
      for (String stmt : sql) {
        results.add(spark.sql(stmt).collectAsList());
      }
    } finally {
      spark.conf().unset("crest.output");
    }
    Row totals = results.get(2).get(0);
    assertThat(totals.getLong(0)).as("rows_labeled").isEqualTo(s.rowsLabeled());
    assertThat(totals.getLong(1)).as("rows_unsafe").isEqualTo(s.unsafe());
    assertThat(totals.getLong(3)).as("content_tokens").isEqualTo(s.contentTokens());
    assertThat(totals.getString(4)).as("models").isEqualTo(s.model());
    long quarantined = results.get(3).stream().mapToLong(r -> r.getLong(1)).sum();
    assertThat(quarantined).as("quarantined rows by reason").isEqualTo(s.rowsQuarantined()).isPositive();
    assertThat(results.get(4).stream().mapToLong(r -> r.getLong(1)).sum()).as("score histogram")
        .isEqualTo(s.rowsLabeled());
    assertThat(results.get(5)).as("top rows").hasSize((int) Math.min(20, s.rowsLabeled()));
    assertThat(results.get(6).stream().mapToLong(r -> r.getLong(1)).sum()).as("rows by windows")
        .isEqualTo(s.rowsLabeled());
  }
}
