package org.crest.cli;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** Command-line checks that fail before Spark starts (exit 2), and the help that teaches. */
class EvaluateCommandTest {

    private static String[] run(String... args) {
        return InProcessCli.run(args);
    }

    @Test
    void badLabelMapPresetOrThresholdIsAUsageError() {
        String[] r = run("evaluate", "--input", "x.csv", "--output", "/tmp/never", "--label-map", "a=maybe");
        assertThat(r[0]).isEqualTo("2");
        assertThat(r[2]).contains("Cannot use --label-map", "a=maybe");
        // a value mapped twice was decided silently by the last entry; an empty value had no effect
        r = run("evaluate", "--input", "x.csv", "--output", "/tmp/never", "--label-map", "1=unsafe,1=safe");
        assertThat(r[0]).isEqualTo("2");
        assertThat(r[2]).contains("Cannot use --label-map", "mapped twice", "1=unsafe", "1=safe");
        r = run(
                "evaluate",
                "--input",
                "x.csv",
                "--output",
                "/tmp/never",
                "--label-map",
                "Caution=unsafe",
                "--label-map",
                " caution=safe");
        assertThat(r[0]).isEqualTo("2");
        assertThat(r[2]).contains("mapped twice");
        r = run("evaluate", "--input", "x.csv", "--output", "/tmp/never", "--label-map", "=unsafe");
        assertThat(r[0]).isEqualTo("2");
        assertThat(r[2]).contains("Cannot use --label-map entry '=unsafe'", "empty");
        r = run("evaluate", "--input", "x.csv", "--output", "/tmp/never", "--label-map", "unsafe");
        assertThat(r[0]).isEqualTo("2");
        assertThat(r[2]).contains("expected VALUE=safe or VALUE=unsafe");
        r = run("relabel", "--input", "x.csv", "--output", "/tmp/never", "--preset", "nope");
        assertThat(r[0]).isEqualTo("2");
        assertThat(r[2]).contains("unknown preset", "xstest", "(nope)");
        r = run("evaluate", "--input", "x.csv", "--output", "/tmp/never", "--threshold", "1.5");
        assertThat(r[0]).isEqualTo("2");
        assertThat(r[2]).contains("Cannot use --threshold");
    }

    @Test
    void helpListsPresetsOutputsAndExamples() {
        String[] r = run("evaluate", "--help");
        assertThat(r[0]).isEqualTo("0");
        assertThat(r[1])
                .contains(
                        "--preset",
                        "multijail",
                        "--label-map",
                        "metrics.csv",
                        "thresholds.png",
                        "report.md",
                        "Examples:");
        r = run("relabel", "--help");
        assertThat(r[1]).contains("crest_agrees", "disagreements.csv");
        r = run("--help");
        assertThat(r[1]).contains("evaluate", "relabel", "label", "bench");
    }
}
