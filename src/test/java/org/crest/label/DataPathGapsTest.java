package org.crest.label;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
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
import org.crest.io.BadInputException;
import org.crest.io.Units;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The gaps issue 11's closing note left open (docs/MALFORMED.md): each one now has a precise outcome. */
class DataPathGapsTest {
    private static final String BUNDLE = Fixtures.INDEPENDENT.resolve("bundle").toString();
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

    private static Throwable refusal(Path in, Path out) {
        return catchThrowable(() -> LabelJob.run(spark, Labels.options(in.toString(), out.toString(), BUNDLE)));
    }

    /** id -> "labeled" or the quarantine reason. */
    private static Map<String, String> outcomes(Path out) {
        Map<String, String> m = new TreeMap<>();
        for (Row r : spark.read().parquet(out.toString()).collectAsList()) {
            m.put(r.getString(r.fieldIndex("id")), "labeled");
        }
        Path q = out.resolve(Columns.QUARANTINE_DIR);
        if (Files.exists(q)) {
            for (Row r : spark.read().parquet(q.toString()).collectAsList()) {
                String rec = r.getString(r.fieldIndex(Columns.RECORD_COL));
                String id = r.isNullAt(r.fieldIndex("id"))
                        ? rec.replaceAll("(?s).*\"id\":\"([^\"]+)\".*", "$1")
                        : r.getString(r.fieldIndex("id"));
                m.put(id, r.getString(r.fieldIndex(Columns.ERROR_COL)));
            }
        }
        return m;
    }

    @Test
    void aJsonArrayOfArraysIsRefusedSayingSo(@TempDir Path dir) {
        Path in = dir.resolve("in");
        write(in.resolve("nested.json"), "[[{\"id\":\"a\",\"text\":\"x\"}], [{\"id\":\"b\",\"text\":\"y\"}]]");
        assertThat(refusal(in, dir.resolve("out")))
                .isInstanceOf(BadInputException.class)
                .hasMessageContaining("nested.json")
                .hasMessageContaining("arrays")
                .hasMessageNotContaining("no column")
                .hasMessageNotContaining("\n");
    }

    @Test
    void aJsonArrayFollowedByJunkIsRefusedSayingWhere(@TempDir Path dir) {
        Path in = dir.resolve("in");
        write(in.resolve("junk.json"), "[{\"id\":\"a\",\"text\":\"x\"}]\ntrailing junk here\n");
        assertThat(refusal(in, dir.resolve("out")))
                .isInstanceOf(BadInputException.class)
                .hasMessageContaining("junk.json")
                .hasMessageContaining("line 2")
                .hasMessageNotContaining("no column")
                .hasMessageNotContaining("\n");
    }

    @Test
    void aHeaderOnlyCsvIsRefusedNamingTheFile(@TempDir Path dir) {
        Path in = dir.resolve("in");
        write(in.resolve("only-header.csv"), "id,text\n");
        assertThat(refusal(in, dir.resolve("out")))
                .isInstanceOf(BadInputException.class)
                .hasMessageContaining("only-header.csv")
                .hasMessageContaining("header");
    }

    @Test
    void parquetFilesWithNoRowsAreRefusedAsEmptyTextInputIs(@TempDir Path dir) {
        Path in = dir.resolve("in");
        StructType schema = new StructType().add("id", DataTypes.StringType).add("text", DataTypes.StringType);
        spark.createDataFrame(List.<Row>of(), schema).coalesce(1).write().parquet(in.toString());
        Throwable t = refusal(in, dir.resolve("out"));
        assertThat(t)
                .isInstanceOf(BadInputException.class)
                .hasMessageContaining(".parquet")
                .hasMessageContaining("no records")
                .hasMessageNotContaining("\n");
        // one file with rows beside the empty one: labeled
        spark.createDataFrame(List.of(RowFactory.create("p1", "hello")), schema)
                .coalesce(1)
                .write()
                .mode("append")
                .parquet(in.toString());
        Path out = dir.resolve("out2");
        LabelJob.run(spark, Labels.options(in.toString(), out.toString(), BUNDLE));
        assertThat(outcomes(out)).containsOnly(Map.entry("p1", "labeled"));
    }

    @Test
    void anEscapedNulIsQuarantinedLikeARawOne(@TempDir Path dir) {
        Path in = dir.resolve("in").resolve("a.jsonl");
        write(
                in,
                "{\"id\":\"n1\",\"text\":\"raw \u0000 nul\"}\n"
                        + "{\"id\":\"n2\",\"text\":\"escaped \\u0000 nul\"}\n"
                        + "{\"id\":\"n3\",\"text\":\"not a nul: \\\\u0000\"}\n"
                        + "{\"id\":\"n4\",\"text\":\"ok\",\"meta\":{\"x\":\"\\u0000\"}}\n"
                        + "{\"id\":\"n5\",\"messages_like\":[\"\\u0000\"],\"text\":\"ok\"}\n");
        Path out = dir.resolve("out");
        LabelJob.run(spark, Labels.options(in.toString(), out.toString(), BUNDLE));
        assertThat(outcomes(out))
                .containsOnly(
                        Map.entry("n1", Units.NUL_BYTE),
                        Map.entry("n2", Units.NUL_BYTE),
                        Map.entry("n3", "labeled"),
                        Map.entry("n4", Units.NUL_BYTE),
                        Map.entry("n5", Units.NUL_BYTE));
    }

    @Test
    void anEscapedNulInAMessageIsQuarantined(@TempDir Path dir) {
        Path in = dir.resolve("in").resolve("chats.jsonl");
        write(
                in,
                "{\"id\":\"m1\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}\n"
                        + "{\"id\":\"m2\",\"messages\":[{\"role\":\"user\",\"content\":\"a \\u0000 b\"}]}\n");
        Path out = dir.resolve("out");
        LabelJob.run(
                spark,
                Labels.messages(Labels.options(in.toString(), out.toString(), BUNDLE), "messages", java.util.Set.of()));
        Map<String, String> m = outcomes(out);
        assertThat(m).containsEntry("m1", "labeled").containsEntry("m2", Units.NUL_BYTE);
    }

    private static LabelOptions textCol(Path in, Path out, String col) {
        return Labels.options(in.toString(), out.toString(), BUNDLE).toBuilder()
                .textCol(col)
                .build();
    }

    @Test
    void aDottedTextColReadsInsideNestedJsonObjects(@TempDir Path dir) {
        Path in = dir.resolve("in").resolve("nested.jsonl");
        write(
                in,
                "{\"id\":\"d1\",\"msg\":{\"body\":\"hello there\",\"n\":1}}\n"
                        + "{\"id\":\"d2\",\"msg\":{\"body\":5}}\n"
                        + "{\"id\":\"d3\",\"msg\":\"flat\"}\n"
                        + "{\"id\":\"d4\",\"msg\":{\"body\":null}}\n"
                        + "{\"id\":\"d5\",\"msg\":{\"other\":{\"body\":\"deeper\"}}}\n");
        Path out = dir.resolve("out");
        LabelJob.run(spark, textCol(in, out, "msg.body"));
        assertThat(outcomes(out))
                .containsOnly(
                        Map.entry("d1", "labeled"),
                        Map.entry("d2", Units.NON_STRING_TEXT),
                        Map.entry("d3", Units.MISSING_TEXT),
                        Map.entry("d4", Units.NULL_TEXT),
                        Map.entry("d5", Units.MISSING_TEXT));
        Row r = spark.read().parquet(out.toString()).first();
        assertThat(r.<String>getAs("msg.body")).isEqualTo("hello there");
    }

    @Test
    void aBackquotedTextColIsALiteralNameWithADot(@TempDir Path dir) {
        Path in = dir.resolve("in").resolve("dotted.jsonl");
        write(in, "{\"id\":\"q1\",\"a.b\":\"literal key\",\"a\":{\"b\":\"nested\"}}\n");
        Path out = dir.resolve("out");
        LabelJob.run(spark, textCol(in, out, "`a.b`"));
        Row r = spark.read().parquet(out.toString()).first();
        assertThat(r.<String>getAs("`a.b`")).isEqualTo("literal key");
        // unquoted, the top-level key named exactly a.b wins
        Path out2 = dir.resolve("out2");
        LabelJob.run(spark, textCol(in, out2, "a.b"));
        assertThat(outcomes(out2)).containsOnly(Map.entry("q1", "labeled"));
    }

    @Test
    void aDottedTextColReadsParquetStructsAndIsExplainedWhenItLeadsNowhere(@TempDir Path dir) {
        Path in = dir.resolve("in");
        StructType msg = new StructType().add("body", DataTypes.StringType);
        StructType schema = new StructType().add("id", DataTypes.StringType).add("msg", msg);
        spark.createDataFrame(
                        List.of(
                                RowFactory.create("s1", RowFactory.create("hello")),
                                RowFactory.create("s2", RowFactory.create((Object) null)),
                                RowFactory.create("s3", null)),
                        schema)
                .coalesce(1)
                .write()
                .parquet(in.toString());
        Path out = dir.resolve("out");
        LabelJob.run(spark, textCol(in, out, "msg.body"));
        Map<String, String> m = new TreeMap<>();
        for (Row r : spark.read().parquet(out.toString()).collectAsList()) {
            m.put(r.getString(r.fieldIndex("id")), "labeled");
        }
        for (Row r : spark.read()
                .parquet(out.resolve(Columns.QUARANTINE_DIR).toString())
                .collectAsList()) {
            m.put(r.getString(r.fieldIndex("id")), r.getString(r.fieldIndex(Columns.ERROR_COL)));
        }
        assertThat(m)
                .containsOnly(
                        Map.entry("s1", "labeled"), Map.entry("s2", Units.NULL_TEXT), Map.entry("s3", Units.NULL_TEXT));
        Path csv = dir.resolve("csv").resolve("a.csv");
        write(csv, "id,text\nc1,hello\n");
        assertThat(catchThrowable(() -> LabelJob.run(spark, textCol(csv, dir.resolve("out3"), "msg.body"))))
                .isInstanceOf(org.crest.UsageException.class)
                .hasMessageContaining("no column 'msg.body'")
                .hasMessageContaining("path into nested data");
    }

    @Test
    void aCsvLedgerCountsMultiLineQuotedFieldsThatSpanTwoReads(@TempDir Path dir) throws IOException {
        // as MultiJail.csv: quoted texts with CRLF inside, in a file larger than one 64 KiB read, so that read
        // boundaries fall inside quotes; the ledger used to call those unbalanced quotes and count 370 for 315
        StringBuilder csv = new StringBuilder("id,text\n");
        int n = 1000;
        for (int i = 0; i < n; i++) {
            csv.append("r")
                    .append(i)
                    .append(",\"line one of ")
                    .append(i)
                    .append("\r\n\r\nline three, ")
                    .append("x".repeat(300 + i % 50));
            csv.append(" \"\"quoted\"\"\"\n");
        }
        Path in = dir.resolve("in").resolve("multi.csv");
        write(in, csv.toString());
        assertThat(Files.size(in)).isGreaterThan(3 * 65536);
        Path out = dir.resolve("out");
        LabelSummary s = LabelJob.run(spark, Labels.options(in.toString(), out.toString(), BUNDLE));
        assertThat(s.rowsIn()).isEqualTo(n);
        assertThat(s.rowsLabeled()).isEqualTo(n);
    }
}
