package org.crest.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.crest.Fixtures;
import org.crest.SparkTestSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * label --resume over days whose files hold no records (a 0-byte file, a file of blank lines): such a day is
 * reported as empty and not committed, as a day without data files is, and the other days are labeled; the run
 * does not fail because a producer wrote an empty file for a quiet day.
 */
class ResumeEmptyDayTest {

    @Test
    void daysWhoseFilesHoldNoRecordsAreEmptyNotFailures(@TempDir Path dir) throws Exception {
        SparkTestSession.get(); // the command borrows it
        Path in = dir.resolve("in");
        Files.createDirectories(in.resolve("dt=2026-11-01"));
        Files.createDirectories(in.resolve("dt=2026-11-02"));
        Files.createDirectories(in.resolve("dt=2026-11-03"));
        Files.writeString(
                in.resolve("dt=2026-11-01/a.jsonl"),
                "{\"id\":1,\"text\":\"hello\"}\n{\"id\":2,\"text\":\"bonjour\"}\n");
        Files.write(in.resolve("dt=2026-11-02/b.jsonl"), new byte[0]);
        Files.writeString(in.resolve("dt=2026-11-03/c.jsonl"), "\n\n  \n");
        Map<String, byte[]> before = new HashMap<>();
        for (String f : new String[] {"dt=2026-11-01/a.jsonl", "dt=2026-11-02/b.jsonl", "dt=2026-11-03/c.jsonl"}) {
            before.put(f, Files.readAllBytes(in.resolve(f)));
        }
        Path out = dir.resolve("out");
        picocli.CommandLine cl = CrestCommand.commandLine();
        StringWriter err = new StringWriter();
        cl.setErr(new PrintWriter(err, true));
        cl.setOut(new PrintWriter(new StringWriter(), true));
        int rc = Main.execute(cl, new String[] {
            "label",
            "--resume",
            "--input",
            in.toString(),
            "--output",
            out.toString(),
            "--model",
            Fixtures.INDEPENDENT.resolve("bundle").toString(),
            "--device",
            "cpu"
        });
        assertThat(rc).as(err.toString()).isZero();
        JsonNode s =
                new ObjectMapper().readTree(out.resolve("_crest_summary.json").toFile());
        assertThat(s.get("partitions_committed").asInt()).as(s.toString()).isEqualTo(1);
        assertThat(s.get("partitions_empty").asInt()).as(s.toString()).isEqualTo(2);
        assertThat(s.get("rows_in").asLong()).isEqualTo(2);
        assertThat(s.get("rows_labeled").asLong()).isEqualTo(2);
        assertThat(Files.exists(out.resolve("dt=2026-11-01"))).isTrue();
        assertThat(Files.exists(out.resolve("dt=2026-11-02")))
                .as("nothing committed for an empty day")
                .isFalse();
        assertThat(Files.exists(out.resolve("dt=2026-11-03"))).isFalse();
        for (Map.Entry<String, byte[]> e : before.entrySet()) {
            assertThat(Files.readAllBytes(in.resolve(e.getKey())))
                    .as(e.getKey())
                    .isEqualTo(e.getValue());
        }
    }
}
