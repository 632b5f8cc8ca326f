package org.crest.cli;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** label --resume on the command line: the help teaches it, and mode mix-ups exit 2 before Spark starts. */
class ResumeCliTest {

    private static String[] run(String... args) {
        return InProcessCli.run(args);
    }

    @Test
    void helpTeachesResumeModesAndDays() {
        String[] r = run("label", "--help");
        assertThat(r[0]).isEqualTo("0");
        assertThat(r[1].replaceAll("\\s+", " "))
                .contains(
                        "--resume",
                        "dt=YYYY-MM-DD",
                        "_crest_manifest.json",
                        "--dt",
                        "today-3..yesterday",
                        "continues; --mode overwrite relabels committed days",
                        "--mode",
                        "resume (the",
                        "overwrite relabels every",
                        "docs/RESUME.md");
    }

    @Test
    void modesThatDoNotFitAreUsageErrors() {
        String[] r = run("label", "--resume", "--mode", "error", "--input", "in", "--output", "/tmp/never");
        assertThat(r[0]).isEqualTo("2");
        assertThat(r[2]).contains("Cannot use --mode error with --resume", "resume", "overwrite");
        r = run("label", "--mode", "resume", "--input", "in", "--output", "/tmp/never");
        assertThat(r[0]).isEqualTo("2");
        assertThat(r[2]).contains("--mode resume needs --resume");
        r = run("label", "--dt", "2026-11-27", "--input", "in", "--output", "/tmp/never");
        assertThat(r[0]).isEqualTo("2");
        assertThat(r[2]).contains("Cannot use --dt without --resume");
        r = run("label", "--mode", "append", "--input", "in", "--output", "/tmp/never");
        assertThat(r[0]).isEqualTo("2");
        assertThat(r[2]).contains("Unknown --mode append, expected error or overwrite");
    }
}
