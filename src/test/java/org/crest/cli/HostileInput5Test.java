package org.crest.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.crest.Columns;
import org.crest.Fixtures;
import org.crest.SparkTestSession;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Fifth round of hostile input: the commands other than plain {@code label} ({@code evaluate}, {@code evaluate
 * --suite}, {@code report}), through the real command line on the shared local[2] session with the independent test
 * model. Each test writes its own files and asserts the rule: every record comes out once (scored or quarantined
 * with a reason), the counts add up, the input bytes are unchanged, and a refusal is exit 2 with one line that names
 * the file and nothing that does not exist.
 */
class HostileInput5Test {
    private static final String BUNDLE = Fixtures.INDEPENDENT.resolve("bundle").toString();
    private static final ObjectMapper JSON = new ObjectMapper();
    private static SparkSession spark;

    @BeforeAll
    static void setUp() {
        spark = SparkTestSession.get(); // the command borrows it
    }

    private static Path write(Path p, String s) {
        try {
            Files.createDirectories(p.getParent());
            Files.writeString(p, s, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return p;
    }

    private static JsonNode json(Path p) {
        try {
            return JSON.readTree(p.toFile());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** sha-256 of every regular file under dir. */
    private static Map<String, String> hashes(Path dir) {
        return org.crest.Fixtures.fileHashes(dir);
    }

    record Run(int rc, String err) {}

    /** Runs {@code crest ARGS}; the bytes under {@code root} (the inputs) unchanged. */
    private static Run crest(Path root, String... args) {
        Map<String, String> before = hashes(root);
        picocli.CommandLine cl = CrestCommand.commandLine();
        StringWriter err = new StringWriter();
        cl.setErr(new PrintWriter(err, true));
        cl.setOut(new PrintWriter(new StringWriter(), true));
        int rc = Main.execute(cl, args);
        assertThat(hashes(root)).as("input bytes unchanged").isEqualTo(before);
        return new Run(rc, err.toString().strip());
    }

    private static List<String> scoring(String... more) {
        List<String> all = new ArrayList<>(List.of("--model", BUNDLE, "--device", "cpu"));
        all.addAll(Arrays.asList(more));
        return all;
    }

    private static String[] args(String command, List<String> a) {
        List<String> all = new ArrayList<>(List.of(command));
        all.addAll(a);
        return all.toArray(new String[0]);
    }

    /**
     * A label padded with an NBSP or a zero-width space (spreadsheets and web copies leave them) is the label it
     * shows, and a label that is only such blanks is missing: before, both stopped the run as an unknown value
     * ({@code ' unsafe'}, shown as if it were the known one).
     */
    @Test
    void labelsPaddedWithUnicodeBlanksAreReadAndBlankOnesAreMissing(@TempDir Path dir) {
        Path in = write(
                dir.resolve("in/bench.jsonl"),
                "{\"text\":\"first k001\",\"label\":\"\\u00a0unsafe\\u200b\"}\n"
                        + "{\"text\":\"second k002\",\"label\":\"\\u00a0\"}\n"
                        + "{\"text\":\"third k003\",\"label\":\"\\u3000Safe\"}\n"
                        + "{\"text\":\"fourth k004\",\"label\":\"\\ufeff1\"}\n");
        Path out = dir.resolve("out");
        Run r = crest(
                dir.resolve("in"), args("evaluate", scoring("--input", in.toString(), "--output", out.toString())));
        assertThat(r.rc()).as(r.err()).isZero();
        JsonNode rows = json(out.resolve("metrics.json")).get("rows");
        assertThat(rows.get("rows_in").asLong()).isEqualTo(4);
        assertThat(rows.get("rows_scored").asLong()).isEqualTo(3);
        assertThat(rows.get("quarantine_reasons").get("missing_label").asLong()).isEqualTo(1);
        Map<String, String> gold = new TreeMap<>();
        for (Row row : spark.read().parquet(out.resolve("scored").toString()).collectAsList()) {
            gold.put(row.getAs("eval_text").toString().substring(0, 4), row.getAs("eval_label"));
        }
        assertThat(gold).containsExactlyInAnyOrderEntriesOf(Map.of("firs", "unsafe", "thir", "safe", "four", "unsafe"));
    }

    /**
     * A benchmark whose every row is quarantined is refused with one line that gives the reasons and names the
     * input file; before, it pointed at the staging folder's _quarantine, which the refusal itself deletes.
     */
    @Test
    void aBenchmarkWithEveryRowQuarantinedIsRefusedNamingTheFile(@TempDir Path dir) {
        Path in = write(
                dir.resolve("in/all-bad.jsonl"),
                "{\"text\":\"no label k001\",\"label\":\"\"}\n{\"text\":\"  \",\"label\":\"1\"}\n{\"label\":0}\n");
        Path out = dir.resolve("out");
        Run r = crest(
                dir.resolve("in"), args("evaluate", scoring("--input", in.toString(), "--output", out.toString())));
        assertThat(r.rc()).isEqualTo(2);
        assertThat(r.err())
                .doesNotContain("\n")
                .contains("all-bad.jsonl")
                .contains("missing_label=1")
                .contains("empty_text=1")
                .contains("missing_text=1")
                .doesNotContain("crest-staging");
        assertThat(out).doesNotExist();
    }

    /** suite.json names each preset's output where it is after the run, not the staging folder it was written in. */
    @Test
    void suiteJsonNamesOutputsThatExist(@TempDir Path dir) throws IOException {
        write(
                dir.resolve("suite/xstest/xstest_prompts.csv"),
                "id,prompt,type,label,focus,note\n1,how do I kill a python process k001,homonyms,safe,kill,\n"
                        + "2,how do I kill a person k002,contrast_homonyms,unsafe,kill,\n");
        write(dir.resolve("suite/notes.txt"), "not a benchmark\n");
        Path out = dir.resolve("out");
        Run r = crest(
                dir.resolve("suite"),
                args("evaluate", scoring("--suite", dir.resolve("suite").toString(), "--output", out.toString())));
        assertThat(r.rc()).as(r.err()).isZero();
        JsonNode run = json(out.resolve("suite.json")).get("presets_run").get(0);
        assertThat(run.get("rows").get("rows_in").asLong()).isEqualTo(2);
        String output = run.get("output").asText();
        assertThat(output).doesNotContain("crest-staging");
        assertThat(Path.of(output.replaceFirst("^file:", "")).resolve("metrics.json"))
                .exists();
    }

    /**
     * A suite folder whose only benchmark file lies two folders down (and beside it files of no preset): before,
     * the refusal said there was no benchmark file at all; now it names the file it did not read and why.
     */
    @Test
    void aSuiteFileTooDeepIsNamedNotIgnored(@TempDir Path dir) {
        write(dir.resolve("suite/multijail/v1/MultiJail.csv"), "id,source,tags,en\n1,s,t,hello k001\n");
        write(dir.resolve("suite/README.md"), "# notes\n");
        Path out = dir.resolve("out");
        Run r = crest(
                dir.resolve("suite"),
                args("evaluate", scoring("--suite", dir.resolve("suite").toString(), "--output", out.toString())));
        assertThat(r.rc()).isEqualTo(2);
        assertThat(r.err())
                .doesNotContain("\n")
                .contains("not read, more than one folder down: multijail/v1/MultiJail.csv");
        assertThat(out).doesNotExist();
    }

    /**
     * {@code --language-groups} files: the header is optional (before, a headerless file silently lost its first
     * line as a header), and a file with no line, one that is not lang,group, or a language in two groups is exit 2
     * (before, each ran with exit 0 and put every language, or the dropped one, in out_of_domain).
     */
    @Test
    void languageGroupFilesWithoutHeaderOrLinesAreReadOrRefused(@TempDir Path dir) throws IOException {
        Path in = write(
                dir.resolve("in/bench.jsonl"),
                "{\"text\":\"hello k001\",\"label\":1,\"lang\":\"EN\"}\n{\"text\":\"hallo k002\",\"label\":0,\"lang\":\"de\"}\n");
        Path groups = write(dir.resolve("groups/no-header.csv"), "en,ood_low\nde,in_domain\n");
        Path out = dir.resolve("out");
        Run r = crest(
                dir.resolve("in"),
                args(
                        "evaluate",
                        scoring(
                                "--input",
                                in.toString(),
                                "--lang-col",
                                "lang",
                                "--language-groups",
                                groups.toString(),
                                "--output",
                                out.toString())));
        assertThat(r.rc()).as(r.err()).isZero();
        String averages = Files.readString(out.resolve("averages.csv"));
        assertThat(averages)
                .contains("group,ood_low,")
                .contains("group,in_domain,")
                .doesNotContain("out_of_domain");

        String[] refused = {"", "lang,group\n", "en;ood_low\n", "lang,group\nen,in_domain\nEN,ood_low\n"};
        int i = 0;
        for (String bad : refused) {
            Path g = write(dir.resolve("groups/bad" + i + ".csv"), bad);
            Path o = dir.resolve("out-bad" + i++);
            Run b = crest(
                    dir.resolve("in"),
                    args(
                            "evaluate",
                            scoring(
                                    "--input",
                                    in.toString(),
                                    "--lang-col",
                                    "lang",
                                    "--language-groups",
                                    g.toString(),
                                    "--output",
                                    o.toString())));
            assertThat(b.rc()).as("'%s': %s", bad, b.err()).isEqualTo(2);
            assertThat(b.err()).as(bad).doesNotContain("\n").contains("--language-groups");
            assertThat(o).doesNotExist();
        }
    }

    /**
     * {@code crest report} over a label output whose summary is damaged: not an object, no counts, a count that is
     * text, an empty file, or a file edited after crest wrote it (its Hadoop .crc no longer matches). Each is exit 2
     * with one line naming the summary; before, the first four gave exit 0 and a report of "0 records in" beside
     * labeled rows, and the last exit 1 with a ChecksumException.
     */
    @Test
    void reportRefusesADamagedSummary(@TempDir Path dir) throws IOException {
        Path in = write(dir.resolve("in/chat.jsonl"), "{\"text\":\"hello k001\"}\n{\"text\":\"bye k002\"}\n");
        Path labeled = dir.resolve("labeled");
        Run l = crest(
                dir.resolve("in"), args("label", scoring("--input", in.toString(), "--output", labeled.toString())));
        assertThat(l.rc()).as(l.err()).isZero();
        Run ok = crest(
                labeled,
                "report",
                "--input",
                labeled.toString(),
                "--output",
                dir.resolve("rep-ok").toString());
        assertThat(ok.rc()).as(ok.err()).isZero();

        Path summary = labeled.resolve(Columns.SUMMARY_FILE);
        Path crc = labeled.resolve("." + Columns.SUMMARY_FILE + ".crc");
        byte[] good = Files.readAllBytes(summary);
        byte[] goodCrc = Files.readAllBytes(crc);
        String[] damaged = {"[]", "{}", "{\"rows_in\":\"2\",\"rows_labeled\":2,\"rows_quarantined\":0}", ""};
        int i = 0;
        for (String bad : damaged) {
            Files.delete(crc);
            Files.writeString(summary, bad);
            Path repOut = dir.resolve("rep" + i++);
            Run r = crest(labeled, "report", "--input", labeled.toString(), "--output", repOut.toString());
            assertThat(r.rc()).as("summary '%s': %s", bad, r.err()).isEqualTo(2);
            assertThat(r.err())
                    .as(bad)
                    .doesNotContain("\n")
                    .contains(Columns.SUMMARY_FILE)
                    .contains("not a crest label summary");
            assertThat(repOut).doesNotExist();
            Files.write(summary, good);
            Files.write(crc, goodCrc);
        }
        // edited in place, its checksum file left stale
        Files.writeString(summary, new String(good, StandardCharsets.UTF_8).replace("\"rows_in\"", "\"rows_in_\""));
        Run r = crest(
                labeled,
                "report",
                "--input",
                labeled.toString(),
                "--output",
                dir.resolve("rep-crc").toString());
        assertThat(r.rc()).as(r.err()).isEqualTo(2);
        assertThat(r.err()).doesNotContain("\n").contains(Columns.SUMMARY_FILE).contains("checksum");
    }
}
