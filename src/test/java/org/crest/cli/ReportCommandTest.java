package org.crest.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.crest.Columns;
import org.crest.Fixtures;
import org.crest.SparkTestSession;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code crest report} on a 20-day output shaped like a {@code label --resume} output (Parquet with crest_* columns
 * in dt= folders, per-day _crest_summary.json and _crest_manifest.json) that the test writes with known counts: one
 * day with a high unsafe rate and one language unsafe every day. The alerts name exactly those (and the language's
 * cluster), --fail-on-alert exits 4, a partition without manifest is left out, hostile texts are escaped, and
 * --redact leaves every text out.
 */
class ReportCommandTest {
    static final String[] LANGS = {"en", "de", "fr", "es", "ru", "zh", "ar", "sw"};
    static final int PER_LANG = 50;
    static final String SPIKE_DAY = "2026-11-15";
    static final String HOSTILE_SCRIPT = "<script>alert('pwned')</script> SECRET-TEXT-1";
    static final String HOSTILE_RTL = "\u202Eexe.gnp SECRET-TEXT-2";
    static Path root;
    /** dt -> {labeled, unsafe}, lang -> {labeled, unsafe}: counted while writing. */
    static final Map<String, long[]> DAYS = new TreeMap<>();

    static final Map<String, long[]> BY_LANG = new TreeMap<>();

    @BeforeAll
    static void writeOutput() throws Exception {
        SparkSession spark = SparkTestSession.get();
        root = Fixtures.tempDir("report-trend-").resolve("audit");
        StructType schema = new StructType()
                .add("id", DataTypes.StringType)
                .add("text", DataTypes.StringType)
                .add("language", DataTypes.StringType)
                .add(Columns.SCORE_COL, DataTypes.DoubleType)
                .add(Columns.LABEL_COL, DataTypes.StringType)
                .add(Columns.MODEL_COL, DataTypes.StringType)
                .add("dt", DataTypes.StringType);
        List<Row> rows = new ArrayList<>();
        for (int day = 1; day <= 21; day++) {
            String dt = String.format("2026-11-%02d", day);
            long dayUnsafe = 0;
            for (int l = 0; l < LANGS.length; l++) {
                // 2-4 unsafe of 50 (4-8 %), the spiking language 20 of 50, every language 15 of 50 on the spiking day
                int k = dt.equals(SPIKE_DAY) ? 15 : LANGS[l].equals("sw") ? 20 : 2 + (day * 7 + l * l) % 3;
                for (int i = 0; i < PER_LANG; i++) {
                    boolean unsafe = i < k;
                    String text = "message " + i + " in " + LANGS[l] + " on " + dt;
                    double score = unsafe ? 0.6 + 0.3 * i / PER_LANG : 0.4 * i / PER_LANG;
                    if (day == 20 && l == 0 && i < 2) {
                        text = i == 0 ? HOSTILE_SCRIPT : HOSTILE_RTL;
                        score = 0.999 - i * 0.001;
                    }
                    rows.add(RowFactory.create(
                            dt + "-" + LANGS[l] + i,
                            text,
                            LANGS[l],
                            score,
                            unsafe ? "unsafe" : "safe",
                            "crest-base@0123456789ab",
                            dt));
                    if (day <= 20) {
                        BY_LANG.computeIfAbsent(LANGS[l], x -> new long[2])[0]++;
                        BY_LANG.get(LANGS[l])[1] += unsafe ? 1 : 0;
                    }
                }
                dayUnsafe += k;
            }
            if (day <= 20) {
                DAYS.put(dt, new long[] {(long) PER_LANG * LANGS.length, dayUnsafe});
            }
        }
        spark.createDataFrame(rows, schema)
                .repartition(2)
                .write()
                .partitionBy("dt")
                .parquet(root.toString());
        ObjectMapper json = new ObjectMapper();
        for (Map.Entry<String, long[]> d : DAYS.entrySet()) {
            Path part = root.resolve("dt=" + d.getKey());
            Map<String, Object> s = new LinkedHashMap<>();
            s.put("status", "ok");
            s.put("rows_in", d.getValue()[0] + 2);
            s.put("rows_labeled", d.getValue()[0]);
            s.put("rows_quarantined", 2);
            s.put("unsafe", d.getValue()[1]);
            s.put("threshold", 0.5);
            s.put("model", "crest-base@0123456789ab");
            s.put("model_is_demo", false);
            s.put("input_files", 1);
            s.put("quarantine_reasons", Map.of("malformed_json", 1, "null_text", 1));
            s.put("skipped_files", List.of());
            json.writeValue(part.resolve(Columns.SUMMARY_FILE).toFile(), s);
            json.writeValue(
                    part.resolve("_crest_manifest.json").toFile(),
                    Map.of("format_version", 1, "partition", "dt=" + d.getKey(), "model_sha256", "0123456789abcdef"));
        }
        // dt=2026-11-21 has Parquet but no manifest: not committed, so left out
    }

    @Test
    void alertsOnTheSpikingDayAndLanguageAndFailOnAlertExits4() throws Exception {
        Path out = root.getParent().resolve("report");
        String[] r = InProcessCli.run(
                "report",
                "--input",
                root.toString(),
                "--output",
                out.toString(),
                "--lang-col",
                "language",
                "--fail-on-alert",
                "--top",
                "5");
        assertThat(r[0]).as("exit code; stderr: %s", r[2]).isEqualTo("4");
        JsonNode j = Fixtures.json(out.resolve("report.json"));

        // every day: counted while writing
        assertThat(j.get("days")).hasSize(20);
        for (JsonNode d : j.get("days")) {
            long[] e = DAYS.get(d.get("dt").asText());
            assertThat(d.get("rows").asLong()).as("labeled on %s", d.get("dt")).isEqualTo(e[0]);
            assertThat(d.get("unsafe").asLong()).as("unsafe on %s", d.get("dt")).isEqualTo(e[1]);
            assertThat(d.get("unsafe_rate").asDouble()).isCloseTo((double) e[1] / e[0], within(1e-6));
            assertThat(d.get("rows_in").asLong()).isEqualTo(e[0] + 2);
        }
        // the baseline of the spiking day: median and MAD of the 14 days before it, computed here
        List<Double> before = new ArrayList<>();
        for (int day = 1; day < 15; day++) {
            long[] e = DAYS.get(String.format("2026-11-%02d", day));
            before.add((double) e[1] / e[0]);
        }
        before.sort(null);
        double median = (before.get(6) + before.get(7)) / 2;
        List<Double> dev = new ArrayList<>();
        before.forEach(x -> dev.add(Math.abs(x - median)));
        dev.sort(null);
        double spread = 1.4826 * (dev.get(6) + dev.get(7)) / 2;
        JsonNode spike = j.get("days").get(14);
        assertThat(spike.get("dt").asText()).isEqualTo(SPIKE_DAY);
        assertThat(spike.get("baseline").asDouble()).isCloseTo(median, within(1e-6));
        assertThat(spike.get("baseline_spread").asDouble()).isCloseTo(spread, within(1e-6));
        assertThat(spike.get("baseline_peers").asInt()).isEqualTo(14);

        Map<String, Long> langRows = new TreeMap<>();
        for (JsonNode g : j.get("languages")) {
            long[] e = BY_LANG.get(g.get("key").asText());
            assertThat(g.get("rows").asLong()).as("rows of %s", g.get("key")).isEqualTo(e[0]);
            assertThat(g.get("unsafe").asLong())
                    .as("unsafe of %s", g.get("key"))
                    .isEqualTo(e[1]);
            langRows.put(g.get("key").asText(), g.get("rows").asLong());
        }
        assertThat(langRows.keySet()).containsExactlyInAnyOrder(LANGS);
        assertThat(j.get("totals").get("rows_labeled").asLong()).isEqualTo(20L * 8 * PER_LANG);
        assertThat(j.get("totals").get("partitions_left_out")).hasSize(1);
        assertThat(j.get("totals").get("partitions_left_out").get(0).asText()).startsWith("dt=2026-11-21");
        assertThat(j.get("totals")
                        .get("quarantine_reasons")
                        .get("malformed_json")
                        .asLong())
                .isEqualTo(20);

        List<String> alerts = new ArrayList<>();
        for (JsonNode a : Fixtures.json(out.resolve("alerts.json")).get("alerts")) {
            alerts.add(a.get("kind").asText() + " " + a.get("key").asText());
        }
        // and on the spiking day every language but sw (always at 40 %) lies far above its own trailing days
        List<String> expected = new ArrayList<>(List.of("day " + SPIKE_DAY, "language sw", "cluster cluster 7"));
        for (String l : LANGS) {
            if (!l.equals("sw")) {
                expected.add("language-day " + l);
            }
        }
        assertThat(alerts).as("alerts").containsExactlyInAnyOrderElementsOf(expected);

        String html = Files.readString(out.resolve("report.html"));
        org.crest.report.ReportJobTestAccess.assertSelfContained(html);
        assertThat(html)
                .contains("&lt;script&gt;alert(&#39;pwned&#39;)&lt;/script&gt;")
                .contains("[U+202E]")
                .contains("SECRET-TEXT-1")
                .contains("8,000");
        assertThat(Files.readString(out.resolve("report.md")))
                .contains("&lt;script&gt;")
                .doesNotContain("<script");
        assertThat(r[1]).contains(expected.size() + " alert(s)");
        try (var files = Files.list(out)) {
            assertThat(files.map(p -> p.getFileName().toString()))
                    .as("the report folder")
                    .containsExactlyInAnyOrder("report.html", "report.md", "report.json", "alerts.json");
        }
    }

    @Test
    void redactLeavesTheTextsOutAndNoFailWithoutTheFlag() throws Exception {
        Path out = root.getParent().resolve("redacted");
        String[] r = InProcessCli.run("report", "--input", root.toString(), "--output", out.toString(), "--redact");
        assertThat(r[0])
                .as("exit code without --fail-on-alert; stderr: %s", r[2])
                .isEqualTo("0");
        for (String f : List.of("report.html", "report.md", "report.json", "alerts.json")) {
            String s = Files.readString(out.resolve(f));
            assertThat(s).as(f).doesNotContain("SECRET-TEXT").doesNotContain("message 1 in");
        }
        JsonNode top = Fixtures.json(out.resolve("report.json")).get("top_unsafe");
        assertThat(top).hasSize(20);
        assertThat(top.get(0).get("score").asDouble()).isEqualTo(0.999);
        assertThat(top.get(0).has("text")).isFalse();
    }

    @Test
    void labelHasTheReportHook() {
        String[] r = InProcessCli.run("label", "--help");
        assertThat(r[1]).contains("--report").contains("--fail-on-alert").contains("_crest_report");
        r = InProcessCli.run("label", "--input", "x.jsonl", "--output", "y", "--fail-on-alert");
        assertThat(r[0]).isEqualTo("2");
        assertThat(r[2]).contains("--fail-on-alert without --report");
        assertThat(InProcessCli.run("--help")[1]).contains("report");
    }

    @Test
    void wrongOptionsAreRefusedWithExit2() {
        String[] r = InProcessCli.run("report", "--input", root.toString(), "--lang-col", "nope");
        assertThat(r[0]).isEqualTo("2");
        assertThat(r[2]).contains("--lang-col nope is not a column");
        r = InProcessCli.run(
                "report", "--input", root.getParent().resolve("missing").toString());
        assertThat(r[0]).isEqualTo("2");
        assertThat(r[2]).contains("does not exist");
        r = InProcessCli.run("report", "--input", root.toString(), "--baseline-days", "0");
        assertThat(r[0]).isEqualTo("2");
    }
}
