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
