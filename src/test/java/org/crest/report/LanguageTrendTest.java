package org.crest.report;

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
import org.junit.jupiter.api.Test;

/**
 * Per-language per-day rates of a 20-day output shaped like a {@code label --resume} output, written by the test with
 * known counts: ten languages of different volumes (the eight largest get trends), one of them absent on one day,
 * and one language ({@code de}) spiking on one day. report.json's {@code language_trends} equals the counts made
 * while writing, the spiking language-day's baseline equals the median and MAD of its own earlier days computed here,
 * and it is the only language-day alert.
 */
class LanguageTrendTest {
    static final String[] LANGS = {"en", "de", "fr", "es", "ru", "zh", "ar", "sw", "ja", "ko"};
    static final String SPIKE = "2026-10-12";
    static final String FR_ABSENT = "2026-10-05";

    @Test
    void languageTrendsEqualCountsMadeWhileWritingAndTheSpikeAlerts() throws Exception {
        SparkSession spark = SparkTestSession.get();
        Path root = Fixtures.tempDir("report-lang-trend-").resolve("audit");
        StructType schema = new StructType()
                .add("id", DataTypes.StringType)
                .add("text", DataTypes.StringType)
                .add(Columns.LANG_COL, DataTypes.StringType)
                .add(Columns.SCORE_COL, DataTypes.DoubleType)
                .add(Columns.LABEL_COL, DataTypes.StringType)
                .add("dt", DataTypes.StringType);
        // lang -> dt -> {labeled, unsafe}
        Map<String, Map<String, long[]>> counts = new LinkedHashMap<>();
        Map<String, long[]> perDay = new TreeMap<>();
        List<Row> rows = new ArrayList<>();
        for (int day = 1; day <= 20; day++) {
            String dt = String.format("2026-10-%02d", day);
            for (int l = 0; l < LANGS.length; l++) {
                int volume = 120 - 10 * l; // en 120 a day ... ko 30: a clear order by volume
                if (LANGS[l].equals("fr") && dt.equals(FR_ABSENT)) {
                    volume = 0;
                }
                // about 5 % unsafe, +-1 row from day to day; de 40 of 110 on the spiking day
                int k = dt.equals(SPIKE) && LANGS[l].equals("de") ? 40 : Math.max(0, volume / 20 + (day + l) % 3 - 1);
                for (int i = 0; i < volume; i++) {
                    boolean unsafe = i < k;
                    rows.add(RowFactory.create(
                            dt + "-" + LANGS[l] + i,
                            "message " + i,
                            LANGS[l],
                            unsafe ? 0.9 : 0.1,
                            unsafe ? "unsafe" : "safe",
                            dt));
                }
                long[] c =
                        counts.computeIfAbsent(LANGS[l], x -> new TreeMap<>()).computeIfAbsent(dt, x -> new long[2]);
                c[0] += volume;
                c[1] += k;
                long[] d = perDay.computeIfAbsent(dt, x -> new long[2]);
                d[0] += volume;
                d[1] += k;
            }
        }
        spark.createDataFrame(rows, schema)
                .repartition(2)
                .write()
                .partitionBy("dt")
                .parquet(root.toString());
        ObjectMapper json = new ObjectMapper();
        for (Map.Entry<String, long[]> d : perDay.entrySet()) {
            Path part = root.resolve("dt=" + d.getKey());
            Map<String, Object> s = new LinkedHashMap<>();
            s.put("status", "ok");
            s.put("rows_in", d.getValue()[0]);
            s.put("rows_labeled", d.getValue()[0]);
            s.put("rows_quarantined", 0);
            s.put("unsafe", d.getValue()[1]);
            s.put("threshold", 0.5);
            s.put("model", "crest-base@0123456789ab");
            s.put("input_files", 1);
            s.put("quarantine_reasons", Map.of());
            json.writeValue(part.resolve(Columns.SUMMARY_FILE).toFile(), s);
            json.writeValue(
                    part.resolve(ReportJob.MANIFEST).toFile(),
                    Map.of("format_version", 1, "partition", "dt=" + d.getKey(), "model_sha256", "0123456789abcdef"));
        }

        Path out = root.getParent().resolve("report");
        ReportFiles.run(
                spark,
                new ReportOptions(
                        root.toString(),
                        out.toString(),
                        ReportOptions.DEFAULT_BASELINE_DAYS,
                        5,
                        false,
                        null,
                        null,
                        ReportOptions.DEFAULT_ALERT_THRESHOLD));
        JsonNode j = Fixtures.json(out.resolve(ReportFiles.JSON));
        assertThat(j.get("checks")).as("summaries agree with the Parquet").isEmpty();
        assertThat(j.get("settings").get("trend_languages").asInt()).isEqualTo(8);

        // the eight largest languages, largest first; ja and ko (the smallest) have no trend
        JsonNode trends = j.get("language_trends");
        List<String> keys = new ArrayList<>();
        trends.forEach(t -> keys.add(t.get("key").asText()));
        assertThat(keys).containsExactly("en", "de", "fr", "es", "ru", "zh", "ar", "sw");
        for (JsonNode t : trends) {
            String lang = t.get("key").asText();
            Map<String, long[]> e = counts.get(lang);
            assertThat(t.get("days")).as("a cell for every day of %s", lang).hasSize(20);
            long n = 0;
            long k = 0;
            for (JsonNode c : t.get("days")) {
                String dt = c.get("dt").asText();
                long[] x = e.get(dt);
                n += x[0];
                k += x[1];
                assertThat(c.get("rows").asLong())
                        .as("rows of %s on %s", lang, dt)
                        .isEqualTo(x[0]);
                assertThat(c.get("unsafe").asLong())
                        .as("unsafe of %s on %s", lang, dt)
                        .isEqualTo(x[1]);
                if (x[0] == 0) {
                    assertThat(c.has("unsafe_rate")).as("no rate without rows").isFalse();
                } else {
                    assertThat(c.get("unsafe_rate").asDouble())
                            .as("rate of %s on %s", lang, dt)
                            .isCloseTo((double) x[1] / x[0], within(1e-6));
                    double[] ci = Wilson.interval(x[1], x[0]);
                    assertThat(c.get("ci_low").asDouble()).isCloseTo(ci[0], within(1e-6));
                    assertThat(c.get("ci_high").asDouble()).isCloseTo(ci[1], within(1e-6));
                }
            }
            assertThat(t.get("rows").asLong()).isEqualTo(n);
            assertThat(t.get("unsafe").asLong()).isEqualTo(k);
        }
        assertThat(trends.get(2).get("days").get(4).get("rows").asLong())
                .as("fr has no rows on %s", FR_ABSENT)
                .isZero();

        // de on the spiking day: its baseline is the median and 1.4826 x MAD of its own 11 earlier days
        List<Double> earlier = new ArrayList<>();
        for (int day = 1; day < 12; day++) {
            long[] x = counts.get("de").get(String.format("2026-10-%02d", day));
            earlier.add((double) x[1] / x[0]);
        }
        earlier.sort(null);
        double median = earlier.get(5);
        List<Double> dev = new ArrayList<>();
        earlier.forEach(x -> dev.add(Math.abs(x - median)));
        dev.sort(null);
        double spread = 1.4826 * dev.get(5);
        long[] spike = counts.get("de").get(SPIKE);
        double q = Math.max(median, 1.0 / spike[0]);
        double z = ((double) spike[1] / spike[0] - median) / Math.sqrt(spread * spread + q * (1 - q) / spike[0]);
        JsonNode cell = trends.get(1).get("days").get(11);
        assertThat(cell.get("dt").asText()).isEqualTo(SPIKE);
        assertThat(cell.get("baseline").asDouble()).isCloseTo(median, within(1e-6));
        assertThat(cell.get("baseline_spread").asDouble()).isCloseTo(spread, within(1e-6));
        assertThat(cell.get("baseline_peers").asInt()).isEqualTo(11);
        assertThat(cell.get("z").asDouble()).isCloseTo(z, within(1e-5)).isGreaterThan(3);
        assertThat(cell.get("alert").asBoolean()).isTrue();
        // fr's day after its absence: its peers are the days it had rows
        assertThat(trends.get(2).get("days").get(5).get("baseline_peers").asInt())
                .isEqualTo(4);

        List<String> languageDayAlerts = new ArrayList<>();
        for (JsonNode a : Fixtures.json(out.resolve(ReportFiles.ALERTS)).get("alerts")) {
            if (a.get("kind").asText().equals("language-day")) {
                languageDayAlerts.add(a.get("key").asText() + " " + a.get("dt").asText());
                assertThat(a.get("message").asText()).startsWith("language de on " + SPIKE + ": unsafe rate");
            } else {
                assertThat(a.has("dt")).as("only language-day alerts have dt").isFalse();
            }
        }
        assertThat(languageDayAlerts).containsExactly("de " + SPIKE);

        String md = Files.readString(out.resolve(ReportFiles.MARKDOWN));
        assertThat(md)
                .contains("## Per language, per day")
                .contains("| day | en | de | fr | es | ru | zh | ar | sw |")
                .contains("| " + SPIKE + " | ")
                .contains(HtmlReport.pct((double) spike[1] / spike[0]) + " (40/110) **ALERT**")
                .contains("| " + FR_ABSENT + " | ");
        String html = Files.readString(out.resolve(ReportFiles.HTML));
        ReportJobTest.assertSelfContained(html);
        assertThat(html).contains("Per language, per day").contains("(40/110) <b>alert</b>");
    }
}
