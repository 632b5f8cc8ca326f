package org.crest.io;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The JSON Lines split reader and the ledger counters, without Spark. */
class LedgerTest {
    private final Configuration conf = new Configuration();

    private List<String> readRange(Path f, long start, long end) throws IOException {
        List<String> out = new ArrayList<>();
        try (JsonRecords.LineReader r =
                new JsonRecords.LineReader(JsonRecords.open(conf, f.toString()), start, end, false)) {
            while (r.next()) {
                if (!r.blank()) {
                    out.add(r.text());
                }
            }
        }
        return out;
    }

    @Test
    void everyLineIsReadByExactlyOneSplitWhereverTheSplitsFall(@TempDir Path dir) throws IOException {
        StringBuilder s = new StringBuilder();
        List<String> lines = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            String l = "{\"id\":" + i + ",\"text\":\"" + "x".repeat(i % 17) + "\"}";
            lines.add(l);
            s.append(l).append(i % 5 == 0 ? "\n\n" : "\n"); // blank lines between some records
        }
        Path f = dir.resolve("a.jsonl");
        Files.writeString(f, s, StandardCharsets.UTF_8);
        long size = Files.size(f);
        for (long split : new long[] {1, 2, 7, 31, 64, 100, 1000, size}) {
            List<String> got = new ArrayList<>();
            for (long start = 0; start < size; start += split) {
                got.addAll(readRange(f, start, Math.min(size, start + split)));
            }
            assertThat(got).as("split %d", split).isEqualTo(lines);
        }
        Ledger.Counter c = Ledger.counter(InputFormat.JSON, FileCheck.Shape.LINES);
        byte[] all = Files.readAllBytes(f);
        c.feed(all, all.length);
        assertThat(c.records()).isEqualTo(200);
    }

    @Test
    void csvCounterFollowsQuotesBlankLinesAndUnbalancedQuotes() {
        Ledger.Counter c = Ledger.counter(InputFormat.CSV, FileCheck.Shape.LINES);
        byte[] b =
                "id,text\r\n1,\"a\nb\"\r\n\r\n2,\"x \"\"y\"\"\"\n3,\"open\n4,after\n".getBytes(StandardCharsets.UTF_8);
        c.feed(b, b.length);
        long at = c.resumeAt();
        assertThat(at)
                .as("resumes after the line the open quote is on")
                .isEqualTo(new String(b, StandardCharsets.UTF_8).indexOf("4,after"));
        c.restartAt(at);
        byte[] rest = "4,after\n".getBytes(StandardCharsets.UTF_8);
        c.feed(rest, rest.length);
        assertThat(c.resumeAt()).isEqualTo(-1);
        assertThat(c.records()).isEqualTo(4); // 1, 2, the unbalanced line 3, 4
    }

    @Test
    void jsonArrayFilesCountElementsAndAFileThatDoesNotParseIsOne() {
        assertThat(Ledger.jsonArrayRecords("[{\"a\":1},{\"b\":[1,2]}] [3]".getBytes(StandardCharsets.UTF_8)))
                .isEqualTo(3);
        assertThat(Ledger.jsonArrayRecords("[{\"a\":1},{\"b\":".getBytes(StandardCharsets.UTF_8)))
                .isEqualTo(1);
        assertThat(JsonRecords.arrayElements("[{\"a\":1}, \"s\", null]".getBytes(StandardCharsets.UTF_8)))
                .containsExactly("{\"a\":1}", "\"s\"", "null");
    }
}
