package org.crest.label;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.crest.Columns;
import org.crest.Fixtures;
import org.crest.SparkTestSession;
import org.crest.UsageException;
import org.junit.jupiter.api.Test;

/**
 * {@code spark.crest.label.prefetch=on}: each task tokenizes its next chunk on a second thread while the model scores
 * the current one. On this CPU-only machine it is forced on (its default, auto, turns it on for GPU sessions only), and
 * the run must give the same rows, scores and counts as without it: chunks of 7 rows over 4 files make many chunks per
 * task, with long texts (several windows) and quarantined rows among them.
 */
class PrefetchTest {
    private static final String BUNDLE = Fixtures.INDEPENDENT.resolve("bundle").toString();

    private static Path input() throws IOException {
        Path dir = Fixtures.tempDir("prefetch-in-");
        Random r = new Random(5);
        String[] words = {"hello", "bonjour", "hola", "привет", "你好", "مرحبا", "नमस्ते", "tere", "sawubona", "kia ora"};
        for (int f = 0; f < 4; f++) {
            List<String> lines = new ArrayList<>();
            for (int i = 0; i < 60; i++) {
                String id = "f" + f + "-" + i;
                if (i % 17 == 5) {
                    lines.add("{\"id\":\"" + id + "\",\"text\":\"   \"}"); // empty_text: quarantined
                    continue;
                }
                StringBuilder t = new StringBuilder();
                int n = i % 23 == 0 ? 400 + r.nextInt(300) : 1 + r.nextInt(30); // some texts need several windows
                for (int k = 0; k < n; k++) {
                    t.append(k == 0 ? "" : " ").append(words[r.nextInt(words.length)]);
                }
                lines.add("{\"id\":\"" + id + "\",\"text\":\"" + t + "\"}");
            }
            Files.write(dir.resolve("part-" + f + ".jsonl"), lines, StandardCharsets.UTF_8);
        }
        return dir;
    }

    private static LabelSummary run(SparkSession spark, String in, String out, String prefetch) {
        String before = spark.conf().get(ScorePartition.PREFETCH_CONF, null);
        spark.conf().set(ScorePartition.PREFETCH_CONF, prefetch);
        try {
            LabelOptions o = Labels.options(in, out, BUNDLE).toBuilder()
                    .chunkRows(7)
                    .maxTokens(64)
                    .windowStride(32)
                    .build();
            return LabelJob.run(spark, o);
        } finally {
            if (before == null) {
                spark.conf().unset(ScorePartition.PREFETCH_CONF);
            } else {
                spark.conf().set(ScorePartition.PREFETCH_CONF, before);
            }
        }
    }

    private static Map<String, Row> byId(SparkSession spark, String dir) {
        Map<String, Row> m = new HashMap<>();
        for (Row r : spark.read().parquet(dir).collectAsList()) {
            assertThat(m.put(r.getString(r.fieldIndex("id")), r)).isNull();
        }
        return m;
    }

    @Test
    void tokenizingAheadGivesTheSameRowsScoresAndCounts() throws IOException {
        SparkSession spark = SparkTestSession.get();
        String in = input().toString();
        Path base = Fixtures.tempDir("prefetch-out-");
        LabelSummary off = run(spark, in, base.resolve("off").toString(), "off");
        LabelSummary on = run(spark, in, base.resolve("on").toString(), "on");

        assertThat(off.chunksTokenizedAhead()).isZero();
        // 4 tasks of 55-56 rows in chunks of 7: every chunk after each task's first is tokenized ahead
        assertThat(on.chunksTokenizedAhead()).isGreaterThanOrEqualTo(4 * 7);
        assertThat(on.conserved()).isTrue();
        assertThat(on.rowsIn()).isEqualTo(240);
        assertThat(on.rowsLabeled()).isEqualTo(off.rowsLabeled());
        assertThat(on.rowsQuarantined()).isEqualTo(off.rowsQuarantined()).isPositive();
        assertThat(on.windows()).isEqualTo(off.windows()).isGreaterThan(on.rowsLabeled());
        assertThat(on.batches()).isEqualTo(off.batches());

        Map<String, Row> a = byId(spark, base.resolve("off").toString());
        Map<String, Row> b = byId(spark, base.resolve("on").toString());
        assertThat(b.keySet()).isEqualTo(a.keySet());
        for (Map.Entry<String, Row> e : a.entrySet()) {
            Row x = e.getValue();
            Row y = b.get(e.getKey());
            // the same chunks, windows and batches: the same floating-point work, so the same score to the bit
            assertThat(y.getDouble(y.fieldIndex(Columns.SCORE_COL)))
                    .as("score of %s", e.getKey())
                    .isEqualTo(x.getDouble(x.fieldIndex(Columns.SCORE_COL)));
            assertThat(y.getString(y.fieldIndex("text"))).isEqualTo(x.getString(x.fieldIndex("text")));
        }
    }

    @Test
    void anUnknownSettingIsRefusedByName() {
        assertThatThrownBy(() -> ScorePartition.Prefetch.parse("sometimes"))
                .isInstanceOf(UsageException.class)
                .hasMessageContaining(ScorePartition.PREFETCH_CONF)
                .hasMessageContaining("sometimes");
        assertThat(ScorePartition.Prefetch.parse(" ON ")).isEqualTo(ScorePartition.Prefetch.ON);
    }
}
