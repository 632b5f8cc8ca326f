package org.crest.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.crest.Fixtures;
import org.junit.jupiter.api.Test;

/** label --output-table on the command line: bad names and unclear combinations exit 2 with one line, before Spark. */
class TableCliTest {

    private static void refused(String expected, String... args) {
        String[] r = InProcessCli.run(args);
        assertThat(r[0]).as("exit code of %s", String.join(" ", args)).isEqualTo("2");
        assertThat(r[2].strip())
                .as("stderr")
                .contains(expected)
                .doesNotContain("\n")
                .doesNotContain("Exception");
    }

    @Test
    void badNamesAndUnclearCombinationsAreUsageErrors() throws Exception {
        Path root = Fixtures.tempDir("table-cli-").toAbsolutePath();
        Path in = Files.createDirectories(root.resolve("logs"));
        Files.writeString(in.resolve("a.jsonl"), "{\"id\":\"1\",\"text\":\"hello\"}\n");
        String out = root.resolve("out").toString();
        String i = in.toString();
        refused(
                "Cannot use --output-table audit labels: not a table name",
                "label",
                "--input",
                i,
                "--output",
                out,
                "--output-table",
                "audit labels");
        refused(
                "Cannot use --output-table db..t: not a table name",
                "label",
                "--input",
                i,
                "--output",
                out,
                "--output-table",
                "db..t");
        refused(
                "Cannot use --quarantine-table `q: not a table name",
                "label",
                "--input",
                i,
                "--output",
                out,
                "--output-table",
                "db.t",
                "--quarantine-table",
                "`q");
        refused(
                "Cannot use --quarantine-table without --output-table",
                "label",
                "--input",
                i,
                "--output",
                out,
                "--quarantine-table",
                "db.q");
        refused(
                "Cannot use the same table for --output-table and --quarantine-table",
                "label",
                "--input",
                i,
                "--output",
                out,
                "--output-table",
                "db.t",
                "--quarantine-table",
                "db.t");
        refused(
                "Cannot use --report with --output-table",
                "label",
                "--input",
                i,
                "--output",
                out,
                "--output-table",
                "db.t",
                "--report");
        refused(
                "Cannot use --mode overwrite with --output-table without --resume",
                "label",
                "--input",
                i,
                "--output",
                out,
                "--output-table",
                "db.t",
                "--mode",
                "overwrite");
        refused("Missing required option: '--output=PATH'", "label", "--input", i, "--output-table", "db.t");
        // a path-based table over the input is refused as an --output over it is
        refused(
                "Cannot write: --output-table parquet.`" + i + "` (location " + i + ") is the same path as --input "
                        + i,
                "label",
                "--input",
                i,
                "--output",
                out,
                "--output-table",
                "parquet.`" + i + "`");
        refused(
                "lies inside --output " + out,
                "label",
                "--input",
                i,
                "--output",
                out,
                "--output-table",
                "delta.`" + out + "/table`");
        try (var s = Files.list(root)) {
            assertThat(s.map(p -> p.getFileName().toString()).toList()).containsExactly("logs");
        }
    }

    @Test
    void helpNamesTheTableFlags() {
        String[] r = InProcessCli.run("label", "--help");
        assertThat(r[0]).isEqualTo("0");
        assertThat(r[1].replaceAll("\\s+", " "))
                .contains("--output-table", "--quarantine-table", "crest_run_id", "docs/PLATFORMS.md");
    }
}
