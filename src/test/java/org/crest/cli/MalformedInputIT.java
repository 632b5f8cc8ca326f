package org.crest.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.zip.GZIPOutputStream;
import org.crest.Fixtures;
import org.junit.jupiter.api.Test;

/**
 * Bad input through ./spark-submit.sh as a user meets it: a refusal is one line on stderr naming the
 * file, exit code 2, no stack trace unless --verbose; --skip-corrupt-files finishes with exit code 3.
 */
class MalformedInputIT {

    private static byte[] truncatedGzip() throws IOException {
        StringBuilder s = new StringBuilder();
        for (int i = 0; i < 300; i++) {
            s.append("{\"id\":\"t")
                    .append(i)
                    .append("\",\"text\":\"row ")
                    .append(i)
                    .append(" of a day file that a producer did not finish writing\"}\n");
        }
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(b)) {
            gz.write(s.toString().getBytes(StandardCharsets.UTF_8));
        }
        byte[] whole = b.toByteArray();
        return Arrays.copyOf(whole, whole.length / 2);
    }

    private static Path corpus() throws IOException {
        Path in = Fixtures.tempDir("malit-").resolve("in");
        Files.createDirectories(in);
        Files.write(in.resolve("day.jsonl.gz"), truncatedGzip());
        Files.writeString(
                in.resolve("ok.jsonl"), "{\"id\":\"a\",\"text\":\"hello\"}\n{\"id\":\"b\",\"text\":\"bye\"}\n");
        return in;
    }

    /** Lines on stderr that are not Spark's or crest's log lines (HH:mm:ss LEVEL ...). */
    private static List<String> messages(String stderr) {
        return stderr.lines()
                .filter(l -> !l.matches("^\\d\\d:\\d\\d:\\d\\d [A-Z]+ .*"))
                .filter(l -> !l.isBlank())
                .toList();
    }

    @Test
    void aTruncatedGzipIsOneLineExitTwoAndSkippingItIsExitThree() throws Exception {
        Path in = corpus();
        Path out = in.resolveSibling("out");

        SparkSubmitIT.Run refused = SparkSubmitIT.run("label", "--input", in.toString(), "--output", out.toString());
        assertThat(refused.exit())
                .as("exit code; stderr:%n%s", refused.stderr())
                .isEqualTo(2);
        assertThat(messages(refused.stderr()))
                .as("one message line; stderr:%n%s", refused.stderr())
                .hasSize(1);
        assertThat(messages(refused.stderr()).get(0))
                .startsWith("crest label: Cannot read ")
                .contains("day.jsonl.gz", "truncated or corrupt", "--skip-corrupt-files");
        assertThat(refused.stderr()).as("no stack trace").doesNotContain("\tat ", "Caused by");

        Path out2 = in.resolveSibling("out2");
        SparkSubmitIT.Run skipped = SparkSubmitIT.run(
                "label", "--input", in.toString(), "--output", out2.toString(), "--skip-corrupt-files");
        assertThat(skipped.exit())
                .as("exit code says rows were lost; stderr:%n%s", skipped.stderr())
                .isEqualTo(3);
        assertThat(skipped.stdout()).contains("2 rows in", "2 labeled", "skipped 1 corrupt input file");
        assertThat(messages(skipped.stderr()))
                .as("stderr:%n%s", skipped.stderr())
                .anyMatch(l -> l.startsWith("crest: ")
                        && l.contains("1 corrupt input file(s) were skipped")
                        && l.contains("day.jsonl.gz")
                        && l.contains("exit code 3"));
        JsonNode summary = Fixtures.json(out2.resolve("_crest_summary.json"));
        assertThat(summary.get("skipped_files")).hasSize(1);
        assertThat(summary.get("skipped_files").get(0).get("reason").asText()).isEqualTo("corrupt_compressed");
        assertThat(summary.get("rows_in").asLong()).isEqualTo(2);
    }

    @Test
    void withVerboseACorruptFileRefusalShowsItsTrace() throws Exception {
        // a truncated .csv.gz: the file check reads every text file to its end (it counts the ledger), so it is
        // refused before the job starts, with the decompressor's reason
        Path in = Fixtures.tempDir("malit-csv-").resolve("in");
        Files.createDirectories(in);
        StringBuilder csv = new StringBuilder("id,text\n");
        for (int i = 0; i < 400; i++) {
            csv.append("r").append(i).append(",a csv row long enough to make the gzip stream longer than the check\n");
        }
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(b)) {
            gz.write(csv.toString().getBytes(StandardCharsets.UTF_8));
        }
        Files.write(in.resolve("day.csv.gz"), Arrays.copyOf(b.toByteArray(), b.size() - 20));

        SparkSubmitIT.Run v = SparkSubmitIT.run(
                "label",
                "--input",
                in.toString(),
                "--output",
                in.resolveSibling("out-v").toString(),
                "--verbose");
        assertThat(v.exit()).as("stderr:%n%s", v.stderr()).isEqualTo(2);
        assertThat(messages(v.stderr()))
                .as("the refusal line")
                .anyMatch(l -> l.startsWith("crest label: Cannot read ")
                        && l.contains("day.csv.gz")
                        && l.contains("truncated or corrupt")
                        && l.contains("Unexpected end of input stream"));
        assertThat(v.stderr()).as("--verbose prints the trace").contains("\tat org.crest.io.");
    }
}
