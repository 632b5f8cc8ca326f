package org.crest.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.crest.Fixtures;
import org.junit.jupiter.api.Test;

/** crest label with an --output over its --input: exit 2 and one line, before Spark starts; the input unchanged. */
class OutputCliTest {

    @Test
    void anOutputOverTheInputExits2BeforeSparkStarts() throws Exception {
        Path root = Fixtures.tempDir("output-cli-").toAbsolutePath();
        Path in = Files.createDirectories(root.resolve("logs"));
        byte[] bytes = "{\"id\":\"1\",\"text\":\"hello\"}\n".getBytes(java.nio.charset.StandardCharsets.UTF_8);
        Files.write(in.resolve("a.jsonl"), bytes);
        for (String out : new String[] {
            in.toString(), in + "/", root.toString(), in.resolve("out").toString()
        }) {
            String[] r = InProcessCli.run("label", "--input", in.toString(), "--output", out, "--mode", "overwrite");
            assertThat(r[0]).as("exit code for --output %s", out).isEqualTo("2");
            assertThat(r[2].strip())
                    .as("stderr")
                    .startsWith("crest label: Cannot write: --output " + out)
                    .contains("--input " + in)
                    .doesNotContain("\n");
        }
        assertThat(Files.readAllBytes(in.resolve("a.jsonl"))).isEqualTo(bytes);
        try (var s = Files.list(root)) {
            assertThat(s.map(p -> p.getFileName().toString()).toList()).containsExactly("logs");
        }
        try (var s = Files.list(in)) {
            assertThat(s.map(p -> p.getFileName().toString()).toList()).containsExactly("a.jsonl");
        }
    }
}
