package org.crest.evaluate;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.crest.Columns;
import org.crest.Fixtures;
import org.crest.SparkTestSession;
import org.crest.io.InputFormat;
import org.crest.io.Units;
import org.crest.label.LabelJob;
import org.crest.label.LabelOptions;
import org.crest.label.Labels;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * evaluate and relabel read a benchmark with the exact per-record reader: key anomalies, odd gold labels, CSV
 * quirks and bad bytes end as scored rows or quarantine rows with a reason, each record exactly once, counted per
 * file, and the input bytes are unchanged.
 */
class HostileBenchmarkTest {
    private static final String BUNDLE = Fixtures.INDEPENDENT.resolve("bundle").toString();
    private static final Pattern TOKEN = Pattern.compile("e\\d{2}");
    private static final ObjectMapper JSON = new ObjectMapper();
    private static SparkSession spark;

    @BeforeAll
    static void setUp() {
        spark = SparkTestSession.get();
    }

    private static void write(Path p, String s) {
        try {
            Files.createDirectories(p.getParent());
            Files.write(p, s.getBytes(StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static Map<String, String> hashes(Path dir) {
        return org.crest.Fixtures.fileHashes(dir);
    }

    private static EvalOptions options(Path in, Path out, Preset preset, String labelCol) {
        BenchmarkOptions b = new BenchmarkOptions(
                List.of(in.toString()), InputFormat.AUTO, preset, null, labelCol, null, null, Map.of(), null);
        return new EvalOptions(
                b,
                out.toString(),
                false,
                LabelOptions.builder()
                        .model(BUNDLE)
                        .threshold(0.5)
                        .device(org.crest.inference.Device.CPU)
                        .build());
    }

    /** Token (id) -> "scored:LABEL" or the quarantine reason; each token exactly once over the given folders. */
    private static Map<String, String> outcomes(Path scored, Path... quarantines) {
        Map<String, String> seen = new TreeMap<>();
        for (Row r : spark.read().parquet(scored.toString()).collectAsList()) {
            String id = r.getString(r.fieldIndex("id"));
            assertThat(seen.put(id, "scored:" + r.getString(r.fieldIndex(BenchmarkRows.LABEL))))
                    .as("%s out once", id)
                    .isNull();
        }
        for (Path q : quarantines) {
            if (!Files.exists(q)) {
                continue;
            }
            for (Row r : spark.read().parquet(q.toString()).collectAsList()) {
                String record = r.getString(r.fieldIndex(Columns.RECORD_COL));
                Matcher m = TOKEN.matcher(record);
                assertThat(m.find()).as("token in %s", record).isTrue();
                assertThat(seen.put(m.group(), r.getString(r.fieldIndex(Columns.ERROR_COL))))
                        .as("%s out once", m.group())
                        .isNull();
            }
        }
        return seen;
    }

    /** The per-file lines of metrics.json / relabel.json: file name -> the line. */
    private static Map<String, JsonNode> files(Path json) throws IOException {
        Map<String, JsonNode> m = new TreeMap<>();
        for (JsonNode f : JSON.readTree(json.toFile()).get("files")) {
            String file = f.get("file").asText();
            m.put(file.substring(file.lastIndexOf('/') + 1), f);
        }
        return m;
    }

    @Test
    void keyAnomaliesOddLabelsAndBadBytesAreAccountedPerFile(@TempDir Path dir) throws IOException {
        Path in = dir.resolve("in");
        write(
                in.resolve("a.jsonl"),
                "\uFEFF{\"id\":\"e01\",\"text\":\"one\",\"label\":1}\n"
                        + "{\"id\":\"e02\",\"text\":\"two\",\"text\":\"dup\",\"label\":\"unsafe\"}\n"
                        + "{\"id\":\"e03\",\"Text\":\"case\",\"text\":\"three\",\"label\":true}\n"
                        + "\n"
                        + "{\"id\":\"e04\",\"text\":\"four\",\"label\":\" Unsafe \"}\n"
                        + "{\"id\":\"e05\",\"text\":\"five\",\"label\":\"1\"}\n"
                        + "{\"id\":\"e06\",\"text\":\"six\",\"label\":null}\n"
                        + "{\"id\":\"e07\" \"text\": broken\n"
                        + "{\"id\":\"e08\",\"text\":\"has \\u0000 a nul\",\"label\":0}\n"
                        + "{\"id\":\"e09\",\"text\":5,\"label\":0}\n"
                        + "{\"id\":\"e10\",\"label\":0}\n"
                        + "{\"id\":\"e11\",\"text\":\"eleven\",\"label\":1.0}\n"
                        + "{\"id\":\"e16\",\"text\":\"sixteen\",\"label\":\"  \"}\n");
        write(
                in.resolve("b.jsonl"),
                "{\"id\":\"e12\",\"TEXT\":\"x\",\"text\":\"twelve\",\"label\":\"safe\"}\n"
                        + "{\"id\":\"e13\",\"text\":\"thirteen\",\"label\":0,\"lang\":7}\n");
        Map<String, String> before = hashes(in);
        Path out = dir.resolve("out");
        EvaluateJob.Result r = EvaluateJob.run(spark, options(in, out, Preset.GENERIC, null));
        assertThat(hashes(in)).as("input bytes unchanged").isEqualTo(before);

        Map<String, String> seen = outcomes(
                out.resolve(EvaluateJob.SCORED_DIR),
                out.resolve(BenchmarkScoring.QUARANTINE_DIR),
                out.resolve(EvaluateJob.SCORED_DIR).resolve(Columns.QUARANTINE_DIR));
        assertThat(seen)
                .containsEntry("e01", "scored:unsafe")
                .containsEntry("e02", "scored:unsafe")
                .containsEntry("e03", "scored:unsafe")
                .containsEntry("e04", "scored:unsafe")
                .containsEntry("e05", "scored:unsafe")
                .containsEntry("e06", BenchmarkRows.MISSING_LABEL)
                .containsEntry("e07", Units.MALFORMED_JSON)
                .containsEntry("e08", Units.NUL_BYTE)
                .containsEntry("e09", Units.NON_STRING_TEXT)
                .containsEntry("e10", Units.MISSING_TEXT)
                .containsEntry("e11", "scored:unsafe")
                .containsEntry("e12", "scored:safe")
                .containsEntry("e13", "scored:safe")
                .containsEntry("e16", BenchmarkRows.MISSING_LABEL)
                .hasSize(14);
        assertThat(r.scored().rowsIn()).isEqualTo(14);
        assertThat(r.scored().scored()).isEqualTo(8);
        Map<String, JsonNode> files = files(out.resolve(EvaluateJob.METRICS_JSON));
        assertThat(files).containsOnlyKeys("a.jsonl", "b.jsonl");
        JsonNode a = files.get("a.jsonl");
        assertThat(a.get("records").asLong()).isEqualTo(12);
        assertThat(a.get("rows_scored").asLong()).isEqualTo(6);
        assertThat(a.get("rows_quarantined").asLong()).isEqualTo(6);
        assertThat(a.get("quarantine_reasons").get(BenchmarkRows.MISSING_LABEL).asLong())
                .isEqualTo(2);
        assertThat(files.get("b.jsonl").get("records").asLong()).isEqualTo(2);
        assertThat(files.get("b.jsonl").get("rows_scored").asLong()).isEqualTo(2);
    }

    @Test
    void csvQuirksAreQuarantinedWithTheirReasons(@TempDir Path dir) throws IOException {
        Path in = dir.resolve("bench.csv");
        write(
                in,
                "id,text,label\n"
                        + "e01,fine,1\n"
                        + "e02,\"a\u0000b\",0\n"
                        + "e03,x,y,z,0\n"
                        + "e04,\"multi\nline\",0\n"
                        + "e05,\"never closes,1\n"
                        + "e06,last,0\n");
        Map<String, String> before = hashes(dir);
        Path out = dir.resolve("out");
        EvaluateJob.Result r = EvaluateJob.run(spark, options(in, out, Preset.GENERIC, null));
        assertThat(hashes(in.getParent()).get(in.toString())).isEqualTo(before.get(in.toString()));
        Map<String, String> seen = outcomes(
                out.resolve(EvaluateJob.SCORED_DIR),
                out.resolve(BenchmarkScoring.QUARANTINE_DIR),
                out.resolve(EvaluateJob.SCORED_DIR).resolve(Columns.QUARANTINE_DIR));
        assertThat(seen)
                .containsEntry("e01", "scored:unsafe")
                .containsEntry("e02", Units.NUL_BYTE)
                .containsEntry("e03", Units.MALFORMED_CSV)
                .containsEntry("e04", "scored:safe")
                .containsEntry("e05", Units.UNBALANCED_QUOTE)
                .containsEntry("e06", "scored:safe")
                .hasSize(6);
        assertThat(r.scored().rowsIn()).isEqualTo(6);
    }

    @Test
    void relabelingACrestOutputKeepsTheOldLabelsAndConservesRows(@TempDir Path dir) throws IOException {
        Path in = dir.resolve("in").resolve("a.jsonl");
        StringBuilder s = new StringBuilder();
        for (int i = 1; i <= 6; i++) {
            s.append("{\"id\":\"e0")
                    .append(i)
                    .append("\",\"text\":\"")
                    .append(i == 6 ? " " : "text number " + i)
                    .append("\",\"gold\":")
                    .append(i % 2)
                    .append("}\n");
        }
        write(in, s.toString());
        Path labeled = dir.resolve("labeled");
        LabelJob.run(spark, Labels.options(in.toString(), labeled.toString(), BUNDLE));
        Map<String, String> before = hashes(labeled);
        Path out = dir.resolve("relabel");
        RelabelJob.Result r = RelabelJob.run(spark, options(labeled, out, Preset.GENERIC, "gold"));
        assertThat(hashes(labeled)).as("the earlier output is unchanged").isEqualTo(before);
        List<Row> rows = spark.read()
                .parquet(out.resolve(RelabelJob.ROWS_DIR).toString())
                .collectAsList();
        assertThat(rows).hasSize(5); // e06 was quarantined by the first run, so it is not in its output
        Row first = rows.get(0);
        List<String> cols = List.of(first.schema().fieldNames());
        assertThat(cols)
                .contains(
                        Columns.PREV_PREFIX + "label",
                        Columns.PREV_PREFIX + "score",
                        Columns.LABEL_COL,
                        Columns.SCORE_COL,
                        RelabelJob.AGREES_COL);
        assertThat(r.scored().rowsIn()).isEqualTo(5);
        Map<String, JsonNode> files = files(out.resolve(RelabelJob.SUMMARY_JSON));
        long records = files.values().stream()
                .mapToLong(f -> f.get("records").asLong())
                .sum();
        long scored = files.values().stream()
                .mapToLong(f -> f.get("rows_scored").asLong())
                .sum();
        assertThat(records).isEqualTo(5);
        assertThat(scored).isEqualTo(5);
    }

    @Test
    void parquetWithBooleanLabelsNestedTextAndAZeroRowFile(@TempDir Path dir) throws IOException {
        Path in = dir.resolve("in");
        org.apache.spark.sql.types.StructType q = new org.apache.spark.sql.types.StructType()
                .add("text", org.apache.spark.sql.types.DataTypes.StringType);
        org.apache.spark.sql.types.StructType schema = new org.apache.spark.sql.types.StructType()
                .add("id", org.apache.spark.sql.types.DataTypes.StringType)
                .add("q", q)
                .add("harm", org.apache.spark.sql.types.DataTypes.BooleanType)
                .add("lang", org.apache.spark.sql.types.DataTypes.IntegerType);
        spark.createDataFrame(
                        List.of(
                                org.apache.spark.sql.RowFactory.create(
                                        "e01", org.apache.spark.sql.RowFactory.create("first text"), true, 1),
                                org.apache.spark.sql.RowFactory.create(
                                        "e02", org.apache.spark.sql.RowFactory.create("second text"), false, null),
                                org.apache.spark.sql.RowFactory.create(
                                        "e03", org.apache.spark.sql.RowFactory.create("third text"), null, 2),
                                org.apache.spark.sql.RowFactory.create("e04", null, true, 3)),
                        schema)
                .coalesce(1)
                .write()
                .parquet(in.toString());
        spark.createDataFrame(List.<Row>of(), schema)
                .coalesce(1)
                .write()
                .mode("append")
                .parquet(in.toString());
        BenchmarkOptions b = new BenchmarkOptions(
                List.of(in.toString()),
                InputFormat.AUTO,
                Preset.GENERIC,
                "q.text",
                "harm",
                "lang",
                null,
                Map.of(),
                null);
        Path out = dir.resolve("out");
        EvaluateJob.Result r = EvaluateJob.run(
                spark,
                new EvalOptions(
                        b,
                        out.toString(),
                        false,
                        LabelOptions.builder()
                                .model(BUNDLE)
                                .threshold(0.5)
                                .device(org.crest.inference.Device.CPU)
                                .build()));
        Map<String, String> seen = new TreeMap<>();
        for (Row x : spark.read()
                .parquet(out.resolve(EvaluateJob.SCORED_DIR).toString())
                .collectAsList()) {
            seen.put(
                    x.getString(x.fieldIndex("id")),
                    x.getString(x.fieldIndex(BenchmarkRows.LABEL)) + "/"
                            + x.getString(x.fieldIndex(BenchmarkRows.LANG)));
        }
        for (Row x : spark.read()
                .parquet(out.resolve(BenchmarkScoring.QUARANTINE_DIR).toString())
                .collectAsList()) {
            seen.put(x.getString(x.fieldIndex("id")), x.getString(x.fieldIndex(Columns.ERROR_COL)));
        }
        assertThat(seen)
                .containsOnly(
                        Map.entry("e01", "unsafe/1"),
                        Map.entry("e02", "safe/und"),
                        Map.entry("e03", BenchmarkRows.MISSING_LABEL),
                        Map.entry("e04", Units.NULL_TEXT));
        Map<String, JsonNode> files = files(out.resolve(EvaluateJob.METRICS_JSON));
        assertThat(files).hasSize(2);
        assertThat(files.values().stream()
                        .mapToLong(f -> f.get("records").asLong())
                        .sorted()
                        .boxed()
                        .toList())
                .containsExactly(0L, 4L);
        assertThat(r.scored().rowsIn()).isEqualTo(4);
    }
}
