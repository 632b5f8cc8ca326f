package org.crest.label;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.GZIPOutputStream;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.crest.Columns;
import org.crest.Fixtures;
import org.crest.SparkTestSession;
import org.crest.UsageException;
import org.crest.evaluate.Evals;
import org.crest.evaluate.EvaluateJob;
import org.crest.evaluate.RelabelJob;
import org.crest.io.BadInputException;
import org.crest.io.FileCheck;
import org.crest.io.FileProblem;
import org.crest.io.InputReader;
import org.crest.io.ReadFailures;
import org.crest.io.SkippedFiles;
import org.crest.io.Units;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A corpus of malformed inputs, written here, labeled on the shared local[2] session. Each kind ends
 * as a quarantine row with its reason (and rows_in = labeled + quarantined = records written), or as a
 * refusal whose message names the file and the problem. docs/MALFORMED.md has the table; this test
 * prints it as it checks it.
 */
class MalformedCorpusTest {
    private static final String BUNDLE = Fixtures.INDEPENDENT.resolve("bundle").toString();
    private static final Pattern TOKEN = Pattern.compile("k\\d\\d");
    private static final Map<String, String> TABLE = new TreeMap<>();
    private static SparkSession spark;

    @BeforeAll
    static void setUp() {
        spark = SparkTestSession.get();
    }

    @AfterAll
    static void printTable() {
        System.out.println("| kind | outcome |\n|---|---|");
        TABLE.forEach((k, v) -> System.out.println("| " + k + " | " + v + " |"));
    }

    private static void kind(String kind, String outcome) {
        TABLE.put(kind, outcome);
    }

    // ---------------------------------------------------------------- writing the corpus

    private static void write(Path p, byte[] bytes) {
        try {
            Files.createDirectories(p.getParent());
            Files.write(p, bytes);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void write(Path p, String utf8) {
        write(p, utf8.getBytes(StandardCharsets.UTF_8));
    }

    private static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            b.writeBytes(p);
        }
        return b.toByteArray();
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static byte[] gzip(byte[] data) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(b)) {
            gz.write(data);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return b.toByteArray();
    }

    /** {@code n} JSON lines of about 100 bytes, so that the gzip stream is longer than FileCheck's sniff. */
    private static String manyLines(String prefix, int n) {
        StringBuilder s = new StringBuilder();
        for (int i = 0; i < n; i++) {
            s.append("{\"id\":\"")
                    .append(prefix)
                    .append(i)
                    .append("\",\"text\":\"line ")
                    .append(i)
                    .append(" of a long gzip file that has to be decompressed to the end to see it is whole\"}\n");
        }
        return s.toString();
    }

    private static String out(Path dir) {
        return dir.resolve("out").toString();
    }

    private static LabelSummary label(Path input, Path dir) {
        return LabelJob.run(spark, Labels.options(input.toString(), out(dir), BUNDLE));
    }

    /** Token (k00..k99) -> outcome: "labeled" or the quarantine reason, each token seen exactly once. */
    private static Map<String, String> outcomes(String output) {
        Map<String, String> seen = new TreeMap<>();
        for (Row r : spark.read().parquet(output).collectAsList()) {
            String id = r.getString(r.fieldIndex("id"));
            assertThat(seen.put(id, "labeled")).as("%s labeled once", id).isNull();
        }
        for (Row r : spark.read().parquet(output + "/" + Columns.QUARANTINE_DIR).collectAsList()) {
            String record = r.getString(r.fieldIndex(Columns.RECORD_COL));
            String reason = r.getString(r.fieldIndex(Columns.ERROR_COL));
            if (record.equals("null")) { // the null element of d.json's array
                assertThat(seen.put("null-element", reason))
                        .as("one null element")
                        .isNull();
                continue;
            }
            Matcher m = TOKEN.matcher(record);
            boolean any = false;
            while (m.find()) {
                any = true;
                assertThat(seen.put(m.group(), reason))
                        .as("%s quarantined once (record %s)", m.group(), record)
                        .isNull();
            }
            assertThat(any)
                    .as("quarantined record %s carries its token", record)
                    .isTrue();
        }
        return seen;
    }

    private static void assertRefused(Throwable t, Class<? extends Throwable> type, String file, String... problem) {
        assertThat(t).as("refusal").isInstanceOf(type);
        assertThat(t.getMessage()).as("message names the file").contains(file);
        assertThat(t.getMessage()).as("message names the problem").contains(problem);
    }

    // ---------------------------------------------------------------- JSON Lines, row by row

    @Test
    void jsonRowsEachGetAnOutcomeAndNoneIsLost() {
        Path dir = Fixtures.tempDir("mal-json-");
        Path in = dir.resolve("in");
        // a: UTF-8 byte order mark and CRLF line ends
        write(
                in.resolve("a.jsonl"),
                "\uFEFF{\"id\":\"k01\",\"text\":\"bom first line\",\"n\":1}\r\n"
                        + "{\"id\":\"k02\",\"text\":\"crlf line\",\"n\":2}\r\n\r\n");
        // b: bad bytes and wrong types, one per line, with blank lines between (blank lines are not records)
        write(
                in.resolve("b.jsonl"),
                concat(
                        utf8("{\"id\":\"k03\",\"text\":\"caf"),
                        new byte[] {(byte) 0xe9},
                        utf8("\",\"n\":3}\n"),
                        utf8("{\"id\":\"k04\",\"text\":\"nul\u0000byte\",\"n\":4}\n"),
                        utf8("{\"id\":\"k05\",\"text\":12345}\n"),
                        utf8("{\"id\":\"k06\",\"text\":{\"nested\":\"object\"}}\n"),
                        utf8("{\"id\":\"k07\",\"text\":true}\n\n"),
                        utf8("{\"id\":\"k08\",\"text\":[\"a\",\"list\"]}\n"),
                        utf8("{\"id\":\"k09\",\"text\":null}\n"),
                        utf8("{\"id\":\"k10\",\"body\":\"no text field\"}\n"),
                        utf8("{\"id\":\"k11\",\"text\":\"unterminated\n"),
                        utf8("\"k12 is a bare string, not an object\"\n"),
                        utf8("{\"id\":\"k13\",\"text\":\"fine\",\"n\":13}\n")));
        // c: gzip; schema drift: lang only here, n a string here and a number elsewhere
        write(
                in.resolve("c.jsonl.gz"),
                gzip(utf8("{\"id\":\"k14\",\"text\":\"gzipped\",\"n\":\"fourteen\",\"lang\":\"en\"}\n"
                        + "{\"id\":\"k15\",\"text\":\"gzipped too\",\"lang\":\"fr\"}\n")));
        // d: a .json file holding one pretty-printed array of objects
        write(
                in.resolve("d.json"),
                "[\n  {\"id\": \"k16\", \"text\": \"first element\"},\n  {\"id\": \"k17\"},\n"
                        + "  null,\n  {\"id\": \"k18\", \"text\": \"third\"}\n]\n");
        // e: an array document cut short: kept whole, quarantined
        write(in.resolve("e.json"), "[{\"id\": \"k19\", \"text\": \"a\"}, {\"id\": \"k20\", \"te");
        // empty, hidden and _ files: no records, counted
        write(in.resolve("empty.jsonl"), "");
        write(in.resolve("_SUCCESS"), "");
        write(in.resolve(".hidden.jsonl"), "{\"id\":\"k98\",\"text\":\"hidden, never read\"}\n");
        write(in.resolve("_tmp/part.jsonl"), "{\"id\":\"k99\",\"text\":\"under _tmp, never read\"}\n");

        LabelSummary s = label(in, dir);
        Map<String, String> expected = new TreeMap<>(Map.ofEntries(
                Map.entry("k01", "labeled"),
                Map.entry("k02", "labeled"),
                Map.entry("k03", Units.INVALID_UTF8),
                Map.entry("k04", Units.NUL_BYTE),
                Map.entry("k05", Units.NON_STRING_TEXT),
                Map.entry("k06", Units.NON_STRING_TEXT),
                Map.entry("k07", Units.NON_STRING_TEXT),
                Map.entry("k08", Units.NON_STRING_TEXT),
                Map.entry("k09", Units.NULL_TEXT),
                Map.entry("k10", Units.MISSING_TEXT),
                Map.entry("k11", Units.MALFORMED_JSON),
                Map.entry("k12", Units.NOT_AN_OBJECT),
                Map.entry("k13", "labeled"),
                Map.entry("k14", "labeled"),
                Map.entry("k15", "labeled"),
                Map.entry("k16", "labeled"),
                Map.entry("k17", Units.MISSING_TEXT),
                Map.entry("k18", "labeled"),
                Map.entry("k19", Units.MALFORMED_JSON),
                Map.entry("k20", Units.MALFORMED_JSON),
                Map.entry("null-element", Units.NOT_AN_OBJECT)));
        assertThat(outcomes(out(dir))).as("outcome of every record written").isEqualTo(expected);
        // records: 20 tokens, the array's null element is one more, the cut-short array is one record for two tokens
        assertThat(s.rowsIn()).as("rows in = records written").isEqualTo(20 + 1 - 1);
        assertThat(s.rowsIn()).as("conservation").isEqualTo(s.rowsLabeled() + s.rowsQuarantined());
        assertThat(s.quarantineReasons().get(Units.NOT_AN_OBJECT))
                .as("bare string and the array's null")
                .isEqualTo(2);

        Map<String, Row> labeled = new HashMap<>();
        for (Row r : spark.read().parquet(out(dir)).collectAsList()) {
            labeled.put(r.getString(r.fieldIndex("id")), r);
        }
        assertThat(labeled.get("k01").getString(labeled.get("k01").fieldIndex("text")))
                .isEqualTo("bom first line");
        assertThat(labeled.get("k02").getString(labeled.get("k02").fieldIndex("text")))
                .as("no \\r left")
                .isEqualTo("crlf line");
        assertThat(labeled.get("k14").getString(labeled.get("k14").fieldIndex("lang")))
                .isEqualTo("en");
        assertThat(labeled.get("k13").isNullAt(labeled.get("k13").fieldIndex("lang")))
                .as("lang absent in b")
                .isTrue();
        assertThat(labeled.get("k13").getAs("n").toString())
                .as("n: number and string across files")
                .isEqualTo("13");
        assertThat(labeled.get("k14").getAs("n").toString()).isEqualTo("fourteen");

        JsonNode summary = Fixtures.json(Path.of(out(dir), Columns.SUMMARY_FILE));
        assertThat(summary.get("input_files_empty").asInt()).as("empty.jsonl").isEqualTo(1);
        assertThat(summary.get("input_files_ignored").asInt())
                .as("_SUCCESS, .hidden.jsonl, _tmp/part.jsonl")
                .isEqualTo(3);
        assertThat(summary.get("skipped_files")).as("nothing skipped").isEmpty();
        kind("JSONL: UTF-8 byte order mark", "labeled (mark stripped)");
        kind("JSONL: CRLF line ends, blank lines", "labeled (\\r stripped; blank lines are not records)");
        kind("JSONL: Latin-1 byte (invalid UTF-8)", "quarantine `invalid_utf8`");
        kind("JSONL: NUL byte in a line", "quarantine `nul_byte`");
        kind("JSONL: text is a number / object / boolean / array", "quarantine `non_string_text`");
        kind("JSONL: text null / field missing", "quarantine `null_text` / `missing_text`");
        kind("JSONL: unterminated line", "quarantine `malformed_json`");
        kind("JSONL: a line that is not an object", "quarantine `not_an_object`");
        kind(
                "JSON: schema drift (column in one file only; number in one, string in another)",
                "labeled; union of columns, mixed types read as string");
        kind(
                "JSON: .json file holding one top-level array (pretty-printed)",
                "one row per element; a null element " + "`not_an_object`");
        kind("JSON: array document cut short", "whole document one quarantine row `malformed_json`");
        kind("gzip: .jsonl.gz", "labeled");
        kind("empty (0-byte) file among others", "no records; counted in `input_files_empty`");
        kind("hidden (.x) and _-prefixed files and folders", "not read (as Spark); counted in `input_files_ignored`");
    }

    // ---------------------------------------------------------------- chats: messages arrays

    @Test
    void brokenMessageArraysAreQuarantinedByReason() {
        Path dir = Fixtures.tempDir("mal-msg-");
        Path in = dir.resolve("chats.jsonl");
        write(
                in,
                String.join(
                        "\n",
                        "{\"id\":\"k01\",\"messages\":[{\"role\":\"user\",\"content\":\"hello\"}]}",
                        "{\"id\":\"k02\",\"messages\":null}",
                        "{\"id\":\"k03\",\"messages\":\"not a list\"}",
                        "{\"id\":\"k04\",\"messages\":{\"role\":\"user\",\"content\":\"an object, not a list\"}}",
                        "{\"id\":\"k05\",\"messages\":[{\"role\":\"user\"}]}",
                        "{\"id\":\"k06\",\"messages\":[\"k06 a bare string\"]}",
                        "{\"id\":\"k07\",\"messages\":[]}",
                        "{\"id\":\"k08\"}",
                        "{\"id\":\"k09\",\"messages\":[{\"role\":\"user\",\"content\":42}]}",
                        ""));
        LabelSummary s = LabelJob.run(
                spark, Labels.messages(Labels.options(in.toString(), out(dir), BUNDLE), "messages", Set.of()));
        assertThat(s.rowsIn()).as("one unit per message, one per broken chat").isEqualTo(9);
        assertThat(s.rowsLabeled()).isEqualTo(1);
        assertThat(s.quarantineReasons())
                .as("reasons")
                .containsExactlyInAnyOrderEntriesOf(Map.of(
                        Units.MESSAGES_MISSING,
                        2L,
                        Units.MESSAGES_NOT_ARRAY,
                        2L,
                        Units.MISSING_CONTENT,
                        1L,
                        Units.MESSAGE_NOT_OBJECT,
                        1L,
                        Units.EMPTY_CONVERSATION,
                        1L,
                        Units.NON_STRING_TEXT,
                        1L));
        kind("messages: null or absent", "quarantine `messages_missing`");
        kind("messages: a string or an object, not a list", "quarantine `messages_not_array`");
        kind(
                "messages: message without content / not an object / content a number",
                "quarantine `missing_content` / `message_not_object` / `non_string_text`");
        kind("messages: empty list", "quarantine `empty_conversation`");
    }

    // ---------------------------------------------------------------- CSV, row by row

    @Test
    void csvRowsEachGetAnOutcomeAndNoneIsLost() {
        Path dir = Fixtures.tempDir("mal-csv-");
        Path in = dir.resolve("in");
        write(
                in.resolve("a.csv"),
                concat(
                        utf8("\uFEFFid,text,lang\r\n"),
                        utf8("k01,plain row,en\r\n"),
                        utf8("k02,\"quoted, with a comma\r\nand a CRLF line break inside\",en\r\n"),
                        utf8("k03,\"she said \"\"hi\"\"\",en\r\n"),
                        utf8("k04,caf"),
                        new byte[] {(byte) 0xe9},
                        utf8(" latin-1,fr\r\n"),
                        utf8("k05,nul\u0000inside,en\r\n"),
                        utf8("k06,missing the last column\r\n"),
                        utf8("k07,too,many,columns\r\n"),
                        utf8("k08,,en\r\n")));
        write(in.resolve("b.csv.gz"), gzip(utf8("id,text,lang\nk09,gzipped csv,en\n")));
        // a quote that never closes: its line is quarantined, the next line is read as a record
        write(in.resolve("c.csv"), "id,text,lang\nk10,fine,en\nk11,\"never closed,en\nk12,swallowed,en\n");

        LabelSummary s = label(in, dir);
        Map<String, String> expected = new TreeMap<>(Map.ofEntries(
                Map.entry("k01", "labeled"),
                Map.entry("k02", "labeled"),
                Map.entry("k03", "labeled"),
                Map.entry("k04", Units.INVALID_UTF8),
                Map.entry("k05", Units.NUL_BYTE),
                Map.entry("k06", Units.MALFORMED_CSV),
                Map.entry("k07", Units.MALFORMED_CSV),
                Map.entry("k08", Units.NULL_TEXT),
                Map.entry("k09", "labeled"),
                Map.entry("k10", "labeled"),
                Map.entry("k11", Units.UNBALANCED_QUOTE),
                Map.entry("k12", "labeled")));
        assertThat(outcomes(out(dir))).as("outcome of every record written").isEqualTo(expected);
        assertThat(s.rowsIn())
                .as("12 records written; k11's open quote does not swallow k12")
                .isEqualTo(12);
        assertThat(s.rowsIn()).isEqualTo(s.rowsLabeled() + s.rowsQuarantined());
        Map<String, String> texts = new HashMap<>();
        for (Row r : spark.read().parquet(out(dir)).collectAsList()) {
            texts.put(r.getString(r.fieldIndex("id")), r.getString(r.fieldIndex("text")));
        }
        assertThat(texts.get("k01")).as("BOM header read, CRLF stripped").isEqualTo("plain row");
        assertThat(texts.get("k02"))
                .as("CRLF inside quotes becomes \\n (univocity normalizes line separators)")
                .isEqualTo("quoted, with a comma\nand a CRLF line break inside");
        assertThat(texts.get("k03")).isEqualTo("she said \"hi\"");
        kind("CSV: byte order mark in the header, CRLF line ends", "labeled");
        kind("CSV: multi-line quoted field, doubled quotes", "labeled, text intact (a CRLF inside quotes becomes \\n)");
        kind("CSV: Latin-1 byte in the text", "quarantine `invalid_utf8` (U+FFFD after decoding)");
        kind("CSV: NUL in the text", "quarantine `nul_byte`");
        kind("CSV: row missing trailing columns", "quarantine `malformed_csv` (Spark flags short rows)");
        kind("CSV: row with extra columns", "quarantine `malformed_csv`");
        kind("CSV: empty text", "quarantine `null_text`");
        kind(
                "CSV: unbalanced quote",
                "quarantine `unbalanced_quote` (the line it opened on); the following lines are read");
        kind("gzip: .csv.gz", "labeled");
    }

    // ---------------------------------------------------------------- refusals

    private static Throwable refusal(Path input) {
        Path dir = input.getParent();
        return catchThrowable(() -> LabelJob.run(
                spark,
                Labels.options(
                        input.toString(),
                        dir.resolve("out-" + input.getFileName()).toString(),
                        BUNDLE)));
    }

    @Test
    void corruptCompressedAndMisencodedFilesAreRefusedByName() {
        Path dir = Fixtures.tempDir("mal-gz-");
        byte[] whole = gzip(utf8(manyLines("t", 400)));
        Path truncated = dir.resolve("trunc/day.jsonl.gz");
        write(truncated, Arrays.copyOf(whole, whole.length / 2));
        write(dir.resolve("trunc/ok.jsonl"), "{\"id\":\"k01\",\"text\":\"fine\"}\n");
        Throwable t = refusal(truncated.getParent());
        assertRefused(t, BadInputException.class, "day.jsonl.gz", "truncated or corrupt", "Unexpected end of input");
        assertThat(((BadInputException) t).reason()).isEqualTo(FileCheck.CORRUPT_COMPRESSED);
        kind(
                "gzip: truncated .jsonl.gz",
                "refused (exit 2): `Cannot read …/day.jsonl.gz: truncated or corrupt compressed "
                        + "data: Unexpected end of input stream`");

        Path truncCsv = dir.resolve("trunccsv/day.csv.gz");
        StringBuilder csv = new StringBuilder("id,text\n");
        for (int i = 0; i < 400; i++) {
            csv.append("r").append(i).append(",a csv row long enough to make the gzip stream longer than the sniff\n");
        }
        byte[] wholeCsv = gzip(utf8(csv.toString()));
        write(truncCsv, Arrays.copyOf(wholeCsv, wholeCsv.length - 20));
        assertRefused(refusal(truncCsv.getParent()), BadInputException.class, "day.csv.gz", "truncated or corrupt");
        kind("gzip: truncated .csv.gz", "refused (exit 2), file named (Spark's task failure translated)");

        Path notGzip = dir.resolve("notgz/x.jsonl.gz");
        write(notGzip, "{\"id\":\"k01\",\"text\":\"plain text named .gz\"}\n");
        t = refusal(notGzip.getParent());
        assertRefused(t, BadInputException.class, "x.jsonl.gz", "not gzip data", "7b 22");
        kind("gzip: .gz that is not gzip", "refused (exit 2): `not gzip data: it starts with 7b 22 …`");

        Path utf16 = dir.resolve("utf16/x.jsonl");
        write(utf16, "{\"id\":\"k01\",\"text\":\"utf-16\"}\n".getBytes(StandardCharsets.UTF_16)); // big-endian + BOM
        assertRefused(refusal(utf16.getParent()), BadInputException.class, "x.jsonl", "UTF-16", "fe ff");
        kind("encoding: UTF-16 with byte order mark", "refused (exit 2): `UTF-16 text (byte order mark fe ff) …`");

        Path utf16le = dir.resolve("utf16le/x.csv");
        write(utf16le, "id,text\nk01,utf-16 without a mark\n".getBytes(StandardCharsets.UTF_16LE));
        assertRefused(refusal(utf16le.getParent()), BadInputException.class, "x.csv", "NUL", "UTF-16 without");
        kind(
                "encoding: UTF-16LE without a mark / binary",
                "refused (exit 2): `… bytes are NUL: binary data or UTF-16 " + "without a byte order mark`");
    }

    @Test
    void brokenParquetIsRefusedByName() throws IOException {
        Path dir = Fixtures.tempDir("mal-pq-");
        Path good = dir.resolve("good");
        spark.sql("SELECT 'k01' AS id, 'parquet text' AS text")
                .coalesce(1)
                .write()
                .parquet(good.toString());
        byte[] part = Files.readAllBytes(Files.list(good)
                .filter(p -> p.toString().endsWith(".parquet"))
                .findFirst()
                .orElseThrow());

        Path zero = dir.resolve("zero");
        write(zero.resolve("a.parquet"), part);
        write(zero.resolve("b.parquet"), new byte[0]);
        Throwable t = refusal(zero);
        assertRefused(t, BadInputException.class, "b.parquet", "zero-byte");
        assertThat(((BadInputException) t).reason()).isEqualTo(FileCheck.ZERO_BYTE_PARQUET);
        kind("Parquet: zero-byte file", "refused (exit 2): `a zero-byte file is not Parquet …`");

        Path footer = dir.resolve("footer");
        byte[] damaged = part.clone();
        int footerLen = (damaged[damaged.length - 8] & 0xff) | (damaged[damaged.length - 7] & 0xff) << 8;
        for (int i = damaged.length - 8 - footerLen; i < damaged.length - 8; i++) {
            damaged[i] = (byte) 0xab; // footer bytes garbage, PAR1 magic at both ends intact
        }
        write(footer.resolve("a.parquet"), damaged);
        assertRefused(refusal(footer), BadInputException.class, "a.parquet", "corrupt Parquet footer");
        kind("Parquet: corrupt footer (magic intact)", "refused (exit 2): `corrupt Parquet footer: …`");

        Path cut = dir.resolve("cut");
        write(cut.resolve("a.parquet"), Arrays.copyOf(part, part.length - 5));
        assertRefused(refusal(cut), BadInputException.class, "a.parquet", "no PAR1 magic at its end");
        kind("Parquet: truncated file", "refused (exit 2): `no PAR1 magic at its end …`");

        Path types = dir.resolve("types");
        spark.sql("SELECT 'k01' AS id, 'a string' AS text")
                .write()
                .parquet(types.resolve("dt=1").toString());
        spark.sql("SELECT 'k02' AS id, 42 AS text")
                .write()
                .parquet(types.resolve("dt=2").toString());
        t = refusal(types);
        assertRefused(t, BadInputException.class, "dt=2", "column 'text' has incompatible Parquet types", "int32");
        kind(
                "Parquet: text string in one file, int in another",
                "refused (exit 2), both types and a file of each named");

        Path struct = dir.resolve("struct");
        spark.sql("SELECT 'k01' AS id, named_struct('body', 'x') AS text")
                .write()
                .parquet(struct.toString());
        assertRefused(refusal(struct), UsageException.class, "struct", "text column 'text' has type struct");
        kind(
                "Parquet: struct-typed text column",
                "refused (exit 2): `text column 'text' has type struct<…>, expected " + "string`");

        Path asText = dir.resolve("astext");
        write(asText.resolve("x.jsonl"), part);
        assertRefused(refusal(asText), BadInputException.class, "x.jsonl", "a Parquet file read as json");
        kind("Parquet file named .jsonl", "refused (exit 2): `a Parquet file read as json; pass --format parquet …`");
    }

    @Test
    void csvThatCannotBeMappedIsRefused() {
        Path dir = Fixtures.tempDir("mal-csvref-");
        Path semi = dir.resolve("semi/x.csv");
        write(semi, "id;text;lang\nk01;hello;en\n");
        assertRefused(
                refusal(semi.getParent()),
                UsageException.class,
                "x.csv",
                "no column 'text'",
                "[id;text;lang]",
                "';'-separated");
        kind(
                "CSV: ; delimiter",
                "refused (exit 2): `no column 'text' (columns: [id;text;lang]); its header looks "
                        + "';'-separated …`");

        Path tab = dir.resolve("tab/x.csv");
        write(tab, "id\ttext\nk01\thello\n");
        assertRefused(refusal(tab.getParent()), UsageException.class, "x.csv", "no column 'text'", "tab-separated");
        kind("CSV: tab delimiter", "refused (exit 2), header named, `tab-separated`");

        Path noText = dir.resolve("notext/x.csv");
        write(noText, "id,body\nk01,hello\n");
        assertRefused(refusal(noText.getParent()), UsageException.class, "x.csv", "no column 'text'", "[id, body]");
        kind("CSV: text column missing", "refused (exit 2): `no column 'text' (columns: [id, body]) …`");

        Path headers = dir.resolve("headers");
        write(headers.resolve("a.csv"), "id,text\nk01,hello\n");
        write(headers.resolve("b.csv"), "text,id\nbye,k02\n");
        Throwable t = refusal(headers);
        assertRefused(t, BadInputException.class, "b.csv", "CSV header differs", "text, id");
        kind(
                "CSV: files with different headers (columns reordered)",
                "refused (exit 2): `its CSV header differs from the " + "first file's …` (never mapped by position)");
    }

    @Test
    void emptyHiddenAndMixedInputsAreRefused() {
        Path dir = Fixtures.tempDir("mal-empty-");
        Path emptyDir = dir.resolve("emptydir");
        write(emptyDir.resolve("sub/.keep"), "");
        assertRefused(refusal(emptyDir), UsageException.class, "emptydir", "no data files");
        kind("empty folder", "refused (exit 2): `no data files in …`");

        Path hidden = dir.resolve("hidden");
        write(hidden.resolve(".a.jsonl"), "{\"text\":\"x\"}\n");
        write(hidden.resolve("_b.jsonl"), "{\"text\":\"y\"}\n");
        assertRefused(refusal(hidden), UsageException.class, "hidden", "only 2 hidden or _-prefixed file(s)");
        kind("only hidden and _ files", "refused (exit 2): `only 2 hidden or _-prefixed file(s), which are ignored …`");

        Path empties = dir.resolve("empties");
        write(empties.resolve("a.jsonl"), "");
        write(empties.resolve("b.jsonl"), "");
        assertRefused(refusal(empties), BadInputException.class, "empties", "all empty (0 bytes)");
        kind("only empty files", "refused (exit 2): `its 2 data file(s) are all empty`");

        Path blank = dir.resolve("blank");
        write(blank.resolve("a.jsonl"), "\n\n  \n");
        assertRefused(refusal(blank), BadInputException.class, "blank", "no JSON records");
        kind("only blank lines", "refused (exit 2): `its files hold no JSON records`");

        Path pretty = dir.resolve("pretty");
        write(pretty.resolve("a.jsonl"), "{\n  \"text\": \"a pretty-printed object\"\n}\n");
        assertRefused(refusal(pretty), BadInputException.class, "a.jsonl", "none of its lines is a JSON object");
        kind(
                "pretty-printed JSON object (not JSON Lines)",
                "refused (exit 2): `none of its lines is a JSON object, e.g. " + "FILE starts with '{'`");

        Path mixed = dir.resolve("mixed");
        write(mixed.resolve("a.jsonl"), "{\"text\":\"x\"}\n");
        write(mixed.resolve("b.csv"), "text\ny\n");
        assertRefused(refusal(mixed), UsageException.class, "mixed", "mixes formats");
        kind("mixed formats in one folder", "refused (exit 2): `it mixes formats {csv=1, json=1}`");

        Path unknown = dir.resolve("unknown");
        write(unknown.resolve("a.txt"), "hello\n");
        assertRefused(refusal(unknown), UsageException.class, "a.txt", "Cannot tell the input format");
        kind("unknown extension", "refused (exit 2): `Cannot tell the input format of …`");
    }

    @Test
    void aFileThatDisappearsMidJobIsNamed() throws IOException {
        Path dir = Fixtures.tempDir("mal-gone-");
        Path f = dir.resolve("a.jsonl");
        write(f, "{\"text\":\"here at listing time\"}\n");
        Dataset<Row> lines = spark.read().text(dir.toString());
        Files.delete(f);
        Throwable t = catchThrowable(() -> ReadFailures.translating(lines::collectAsList));
        assertRefused(t, BadInputException.class, "a.jsonl", "listed but is gone now");
        kind("file deleted after listing", "refused (exit 2): `it was listed but is gone now …`");
    }

    @Test
    void evaluateAndRelabelShareTheReaderAndItsRefusals() {
        Path dir = Fixtures.tempDir("mal-eval-");
        Path notGzip = dir.resolve("bench/x.csv.gz");
        write(notGzip, "text,label\nhello,0\n");
        Throwable t = catchThrowable(() -> EvaluateJob.run(
                spark,
                Evals.options(
                        notGzip.getParent().toString(),
                        dir.resolve("out").toString(),
                        BUNDLE,
                        org.crest.evaluate.Preset.GENERIC,
                        null,
                        null,
                        Map.of(),
                        0.5)));
        assertRefused(t, BadInputException.class, "x.csv.gz", "not gzip data");
        Path utf16 = dir.resolve("bench16/x.csv");
        write(utf16, "text,label\nhello,0\n".getBytes(StandardCharsets.UTF_16));
        t = catchThrowable(() -> RelabelJob.run(
                spark,
                Evals.options(
                        utf16.getParent().toString(),
                        dir.resolve("out2").toString(),
                        BUNDLE,
                        org.crest.evaluate.Preset.GENERIC,
                        null,
                        null,
                        Map.of(),
                        0.5)));
        assertRefused(t, BadInputException.class, "x.csv", "UTF-16");
        kind(
                "evaluate / relabel over a corrupt file",
                "the same refusals (shared InputReader); task-side read failures "
                        + "are translated by the CLI for every command");
    }

    // ---------------------------------------------------------------- --skip-corrupt-files

    @Test
    void skipCorruptFilesLeavesThemOutListsThemAndCountsOnlyWhatWasRead() {
        Path dir = Fixtures.tempDir("mal-skip-");
        Path in = dir.resolve("in");
        write(in.resolve("good.jsonl.gz"), gzip(utf8(manyLines("g", 50))));
        byte[] whole = gzip(utf8(manyLines("t", 400)));
        write(in.resolve("truncated.jsonl.gz"), Arrays.copyOf(whole, whole.length / 2));
        write(in.resolve("plain.jsonl.gz"), "{\"text\":\"not gzip\"}\n");
        write(in.resolve("wide.jsonl"), "{\"text\":\"utf-16\"}\n".getBytes(StandardCharsets.UTF_16));
        write(in.resolve("ok.jsonl"), "{\"id\":\"o1\",\"text\":\"plain and fine\"}\n");

        SkippedFiles.clear();
        spark.conf().set(InputReader.SKIP_CORRUPT_FILES, "true");
        LabelSummary s;
        try {
            s = label(in, dir);
        } finally {
            spark.conf().unset(InputReader.SKIP_CORRUPT_FILES);
        }
        assertThat(s.rowsIn()).as("rows of the readable files only").isEqualTo(51);
        assertThat(s.rowsLabeled()).isEqualTo(51);
        Map<String, String> reasons = new TreeMap<>();
        for (FileProblem p : s.skippedFiles()) {
            reasons.put(Path.of(p.file().replace("file:", "")).getFileName().toString(), p.reason());
        }
        assertThat(reasons)
                .as("skipped files and reasons")
                .isEqualTo(Map.of(
                        "truncated.jsonl.gz",
                        FileCheck.CORRUPT_COMPRESSED,
                        "plain.jsonl.gz",
                        FileCheck.NOT_GZIP,
                        "wide.jsonl",
                        FileCheck.UTF16));
        assertThat(SkippedFiles.all()).as("recorded for the exit code").hasSize(3);
        JsonNode summary = Fixtures.json(Path.of(out(dir), Columns.SUMMARY_FILE));
        assertThat(summary.get("skipped_files")).as("summary lists them").hasSize(3);
        List<String> listed = new ArrayList<>();
        summary.get("skipped_files")
                .forEach(n -> listed.add(n.get("file").asText() + " "
                        + n.get("reason").asText() + " " + n.get("bytes").asLong() + " "
                        + n.get("detail").asText()));
        assertThat(String.join("\n", listed))
                .contains("truncated.jsonl.gz corrupt_compressed", "Unexpected end of input");
        SkippedFiles.clear();
        kind(
                "--skip-corrupt-files with truncated / non-gzip / UTF-16 files",
                "readable files labeled; the others listed " + "in `skipped_files` with reason and size; exit code 3");
    }
}
