package org.crest.label.resume;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.crest.UsageException;
import org.crest.label.resume.PartitionManifest.FileEntry;
import org.junit.jupiter.api.Test;

/** Pure logic of --resume: what counts as a change of a committed partition, and --dt values. */
class PartitionManifestTest {
    private static final String SHA = "a".repeat(64);

    private static PartitionManifest manifest(List<FileEntry> inputs, Map<String, String> settings) {
        return new PartitionManifest(
                1,
                "dt=2026-11-27",
                "file:/in/dt=2026-11-27",
                "json",
                inputs,
                "m@aaaaaaaaaaaa",
                SHA,
                settings,
                10,
                8,
                2,
                3,
                List.of(new FileEntry("part-0.parquet", 100, 1, null)),
                "run-1",
                "2026-11-28T00:00:00Z");
    }

    @Test
    void differencesNameEveryKindOfChange() {
        Map<String, String> settings = new TreeMap<>(Map.of("threshold", "0.5", "max_tokens", "512"));
        List<FileEntry> files =
                List.of(new FileEntry("a.jsonl", 10, 1000, "e1"), new FileEntry("b.jsonl", 20, 1000, null));
        PartitionManifest m = manifest(files, settings);
        assertThat(m.problems("dt=2026-11-27")).isEmpty();
        assertThat(m.differences(files, SHA, settings)).as("unchanged").isEmpty();

        List<FileEntry> now = List.of(
                new FileEntry("a.jsonl", 10, 1000, "e2"),
                new FileEntry("b.jsonl", 20, 2000, null),
                new FileEntry("c.jsonl", 5, 1, null));
        Map<String, String> other = new TreeMap<>(settings);
        other.put("threshold", "0.7");
        assertThat(m.differences(now, "b".repeat(64), other))
                .containsExactly(
                        "input files added [c.jsonl]",
                        "input files changed [a.jsonl etag e1 -> e2, b.jsonl modified 1000 -> 2000]",
                        "model changed (m@aaaaaaaaaaaa -> sha256 bbbbbbbbbbbb)",
                        "settings changed [threshold 0.5 -> 0.7]");
        assertThat(m.differences(List.of(new FileEntry("a.jsonl", 11, 1000, "e1")), SHA, settings))
                .containsExactly("input files removed [b.jsonl]", "input files changed [a.jsonl size 10 -> 11]");
    }

    @Test
    void aManifestOfAnotherPartitionOrWithLostRowsIsInvalid() {
        PartitionManifest m = manifest(List.of(), Map.of());
        assertThat(m.problems("dt=2026-11-26")).containsExactly("partition dt=2026-11-27, expected dt=2026-11-26");
        PartitionManifest lost = new PartitionManifest(
                1, "dt=2026-11-27", "x", "json", List.of(), "m", SHA, Map.of(), 10, 8, 1, 0, List.of(), "run", "t");
        assertThat(lost.problems("dt=2026-11-27")).containsExactly("rows_in 10 != rows_labeled 8 + rows_quarantined 1");
    }

    @Test
    void dtValuesAreDaysRangesOrDaysRelativeToTodayInUtc() {
        LocalDate today = LocalDate.now(ZoneOffset.UTC);
        List<LocalDate[]> r =
                ResumableLabel.parseDates(List.of("2026-11-20..2026-11-27", "yesterday", "today-3..today"));
        assertThat(r.get(0)).containsExactly(LocalDate.of(2026, 11, 20), LocalDate.of(2026, 11, 27));
        assertThat(r.get(1)).containsExactly(today.minusDays(1), today.minusDays(1));
        assertThat(r.get(2)).containsExactly(today.minusDays(3), today);
        assertThatThrownBy(() -> ResumableLabel.parseDates(List.of("2026-11-27..2026-11-20")))
                .isInstanceOf(UsageException.class)
                .hasMessageContaining("ends before it starts");
        assertThatThrownBy(() -> ResumableLabel.parseDates(List.of("tomorrow")))
                .isInstanceOf(UsageException.class)
                .hasMessageContaining("Cannot use --dt tomorrow");
    }
}
