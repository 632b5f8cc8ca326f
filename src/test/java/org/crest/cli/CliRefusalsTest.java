package org.crest.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.crest.Fixtures;
import org.junit.jupiter.api.Test;

/** Bad option values end in one stderr line with exit code 2, before anything runs or is created. */
class CliRefusalsTest {

    /** Runs the command in this JVM and checks exit code 2 and a single stderr line; returns that line. */
    private static String refused(String... args) {
        String[] r = InProcessCli.run(args);
        assertThat(r[0])
                .as("exit code of %s; stderr %s", String.join(" ", args), r[2])
                .isEqualTo("2");
        String err = r[2].strip();
        assertThat(err.lines().count())
                .as("stderr of %s: %s", String.join(" ", args), err)
                .isEqualTo(1);
        assertThat(err).doesNotContain("Usage:").doesNotContain("Exception");
        return err;
    }

    @Test
    void benchArgumentsAreValidated() {
        assertThat(refused("bench", "--rows", "-5")).contains("--rows -5", "expected a positive number");
        assertThat(refused("bench", "--rows", "0")).contains("--rows 0");
        assertThat(refused("bench", "--batch-tokens", "0")).contains("--batch-tokens 0");
        assertThat(refused("bench", "--max-tokens", "64", "--window-stride", "63"))
                .contains("--window-stride 63");
        assertThat(refused("bench-memory", "--rows", "-1")).contains("--rows -1");
        assertThat(refused("bench-memory", "--long-share", "2")).contains("--long-share 2.0", "from 0 to 1");
        assertThat(refused("bench-memory", "--long-share", "-0.1")).contains("--long-share -0.1");
    }

    @Test
    void aBadNumberOrUnknownOptionIsOneLineNotTheUsage() {
        String threshold = refused("evaluate", "--input", "x.csv", "--output", "/tmp/never", "--threshold", "abc");
        assertThat(threshold)
                .startsWith("crest evaluate: ")
                .contains("'abc'", "--threshold", "see 'crest evaluate --help'");
        assertThat(refused("label", "--input", "x.jsonl", "--output", "/tmp/never", "--max-tokens", "many"))
                .contains("'many'", "--max-tokens");
        assertThat(refused("bench", "--rows", "lots")).contains("'lots'", "--rows");
        assertThat(refused("cluster", "--input", "a", "--output", "b", "--embedder", "demo", "--nope"))
                .contains("--nope");
        assertThat(refused("model", "pull")).contains("ORG/NAME");
    }

    @Test
    void aCacheDirThatIsAFileIsRefused() throws IOException {
        Path file = Fixtures.tempDir("cache-file-").resolve("not-a-folder");
        Files.writeString(file, "x");
        assertThat(refused("model", "pull", "test/tiny", "--cache-dir", file.toString()))
                .contains("--cache-dir " + file, "is a file, not a folder");
        assertThat(refused("model", "list", "--cache-dir", file.toString())).contains("is a file, not a folder");
    }
}
