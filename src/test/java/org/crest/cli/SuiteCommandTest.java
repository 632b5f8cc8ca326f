package org.crest.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.crest.Fixtures;
import org.junit.jupiter.api.Test;

/** {@code evaluate --suite}: the refusals that end before Spark starts (exit 2, one line) and its help. */
class SuiteCommandTest {

    @Test
    void aSuiteFolderWithNoBenchmarkIsRefusedInOneLine() throws IOException {
        Path dir = Fixtures.tempDir("suite-cli-");
        Files.writeString(dir.resolve("notes.txt"), "no benchmark here\n");
        String[] r = InProcessCli.run(
                "evaluate",
                "--suite",
                dir.toString(),
                "--output",
                dir.resolve("out").toString());
        assertThat(r[0]).isEqualTo("2");
        assertThat(r[2].strip())
                .startsWith("crest evaluate: Cannot use --suite: no benchmark file of any preset in " + dir)
                .doesNotContain("\n");
        assertThat(dir.resolve("out")).doesNotExist();
        r = InProcessCli.run("evaluate", "--suite", dir.resolve("nope").toString(), "--output", "/tmp/never");
        assertThat(r[0]).isEqualTo("2");
        assertThat(r[2]).contains("Cannot use --suite: no such folder");
    }

    @Test
    void suiteReplacesInputAndPresetAndOneOfThemIsNeeded() {
        String[] r = InProcessCli.run(
                "evaluate",
                "--suite",
                "benchmarks/",
                "--input",
                "x.csv",
                "--preset",
                "xstest",
                "--output",
                "/tmp/never");
        assertThat(r[0]).isEqualTo("2");
        assertThat(r[2]).contains("Cannot use --suite with --input, --preset");
        r = InProcessCli.run("evaluate", "--output", "/tmp/never");
        assertThat(r[0]).isEqualTo("2");
        assertThat(r[2]).contains("Missing required option: '--input=PATH' (or --suite DIR)");
        // relabel is unchanged: --input stays required there
        r = InProcessCli.run("relabel", "--output", "/tmp/never");
        assertThat(r[0]).isEqualTo("2");
        assertThat(r[2]).contains("Missing required option: '--input=PATH'");
    }

    @Test
    void helpShowsTheSuite() {
        String[] r = InProcessCli.run("evaluate", "--help");
        assertThat(r[0]).isEqualTo("0");
        assertThat(r[1])
                .contains("--suite=DIR", "suite.md", "suite.json, suite.csv", "--input=PATH", "evaluate --suite");
    }
}
