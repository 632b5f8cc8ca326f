package org.crest.io;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.crest.UsageException;
import org.junit.jupiter.api.Test;

class InputFormatTest {
    @Test
    void byExtension() {
        assertThat(InputFormat.ofFileName("a.jsonl")).isEqualTo(InputFormat.JSON);
        assertThat(InputFormat.ofFileName("a.JSON")).isEqualTo(InputFormat.JSON);
        assertThat(InputFormat.ofFileName("a.jsonl.gz")).isEqualTo(InputFormat.JSON);
        assertThat(InputFormat.ofFileName("a.csv.bz2")).isEqualTo(InputFormat.CSV);
        assertThat(InputFormat.ofFileName("part-00000-x.snappy.parquet")).isEqualTo(InputFormat.PARQUET);
        assertThat(InputFormat.ofFileName("part-00000.c000.parquet")).isEqualTo(InputFormat.PARQUET);
        assertThat(InputFormat.ofFileName("notes.txt")).isNull();
    }

    @Test
    void refusesMixedOrUnknownFolders() {
        assertThatThrownBy(() -> InputReader.detect(List.of("d"), List.of("d/a.jsonl", "d/b.csv")))
                .isInstanceOf(UsageException.class)
                .hasMessageContaining("mixes formats");
        assertThatThrownBy(() -> InputReader.detect(List.of("d"), List.of("d/a.jsonl", "d/readme.txt")))
                .isInstanceOf(UsageException.class)
                .hasMessageContaining("d/readme.txt")
                .hasMessageContaining("--format");
        assertThat(InputReader.detect(List.of("d"), List.of("d/a.jsonl", "d/b.json.gz")))
                .isEqualTo(InputFormat.JSON);
    }

    @Test
    void parsesFlagValues() {
        assertThat(InputFormat.parse("JSONL")).isEqualTo(InputFormat.JSON);
        assertThatThrownBy(() -> InputFormat.parse("xml")).hasMessageContaining("expected one of");
    }
}
