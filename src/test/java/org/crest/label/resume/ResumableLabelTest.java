package org.crest.label.resume;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.crest.Fixtures;
import org.crest.SparkTestSession;
import org.crest.UsageException;
import org.crest.label.LabelOptions;
import org.crest.label.Labels;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code label --resume} in this JVM on the shared local[2] session, over dt= partitions the test writes: a re-run is
 * a no-op that touches no file, changed, added and removed input files and another model are detected and only the
 * affected partitions relabeled, {@code --mode overwrite} relabels all, what a killed run leaves behind (a staging
 * folder, a partition without or with a broken manifest, a damaged output) is cleaned or relabeled, and input that
 * is not date-partitioned is refused before anything is written. The kill itself is in ResumeKillIT.
 */
class ResumableLabelTest {
    private static final String MODEL = Fixtures.INDEPENDENT.resolve("bundle").toString();
    private static SparkSession spark;

    @BeforeAll
    static void setUp() {
        spark = SparkTestSession.get();
    }

    /** JSON Lines rows id=PREFIX0.. with a text, plus one row without text (quarantined as missing_text). */
    static void jsonl(Path file, String prefix, int n) throws IOException {
        Files.createDirectories(file.getParent());
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < n; i++) {
            sb.append("{\"id\":\"")
                    .append(prefix)
                    .append(i)
                    .append("\",\"text\":\"message ")
                    .append(i)
                    .append(" of ")
                    .append(prefix)
                    .append(": how do I bake bread?\"}\n");
        }
        sb.append("{\"id\":\"").append(prefix).append("-bad\",\"text\":null}\n");
        Files.writeString(file, sb.toString(), StandardCharsets.UTF_8);
    }

    static void csv(Path file, String prefix, int n) throws IOException {
        Files.createDirectories(file.getParent());
        StringBuilder sb = new StringBuilder("id,text\n");
        for (int i = 0; i < n; i++) {
            sb.append(prefix).append(i).append(",\"csv message ").append(i).append(", with a comma\"\n");
        }
        Files.writeString(file, sb.toString(), StandardCharsets.UTF_8);
    }

    static ResumeSummary run(Path in, Path out, boolean overwrite, String model, String... dates) {
        LabelOptions o = Labels.options(in.toString(), out.toString(), model);
        return ResumableLabel.run(spark, o, new ResumableLabel.Options(overwrite, List.of(dates)));
    }

    /** Every file under {@code dir} (relative path) with its modification time. */
    static Map<String, Long> mtimes(Path dir) throws IOException {
        Map<String, Long> m = new TreeMap<>();
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path p : files.filter(Files::isRegularFile).toList()) {
                m.put(dir.relativize(p).toString(), Files.getLastModifiedTime(p).toMillis());
            }
        }
        return m;
    }

    static Map<String, ResumeSummary.Partition> byName(ResumeSummary s) {
        Map<String, ResumeSummary.Partition> m = new TreeMap<>();
        s.partitions().forEach(p -> m.put(p.partition(), p));
        return m;
    }

    /** Ids of the labeled and the quarantined rows of one committed partition, each id counted. */
    static List<String> ids(Path partition) {
        List<String> ids = new ArrayList<>();
        for (Row r : spark.read().parquet(partition.toString()).select("id").collectAsList()) {
            ids.add(r.getString(0));
        }
        for (Row r : spark.read()
                .parquet(partition.resolve("_quarantine").toString())
                .select("id")
                .collectAsList()) {
            ids.add(r.getString(0));
        }
        ids.sort(null);
        return ids;
    }

    static List<String> expectedIds(String prefix, int n, boolean bad) {
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            ids.add(prefix + i);
        }
        if (bad) {
            ids.add(prefix + "-bad");
        }
        ids.sort(null);
        return ids;
    }

    @Test
    void reRunsSkipUnchangedPartitionsAndRelabelOnlyWhatChanged() throws IOException {
        Path dir = Fixtures.tempDir("resume-");
        Path in = dir.resolve("in");
        Path out = dir.resolve("out");
        jsonl(in.resolve("dt=2026-11-01/a.jsonl"), "a", 5);
        csv(in.resolve("dt=2026-11-02/b.csv"), "b", 4);
        Files.writeString(in.resolve("dt=2026-11-02/_SUCCESS"), ""); // a producer's marker: not data

        // first run: both partitions committed, each with the usual layout and a manifest
        ResumeSummary first = run(in, out, false, MODEL);
        assertThat(first.status()).isEqualTo("ok");
        assertThat(first.partitionsCommitted()).as("committed").isEqualTo(2);
        assertThat(first.rowsIn()).as("5+1 JSON rows and 4 CSV rows").isEqualTo(10);
        assertThat(first.rowsQuarantined()).isEqualTo(1);
        assertThat(first.conserved()).isTrue();
        assertThat(ids(out.resolve("dt=2026-11-01"))).isEqualTo(expectedIds("a", 5, true));
        assertThat(ids(out.resolve("dt=2026-11-02"))).isEqualTo(expectedIds("b", 4, false));
        JsonNode m1 = Fixtures.json(out.resolve("dt=2026-11-01/" + PartitionManifest.FILE));
        assertThat(m1.get("partition").asText()).isEqualTo("dt=2026-11-01");
        assertThat(m1.get("rows_in").asLong()).isEqualTo(6);
        assertThat(m1.get("rows_quarantined").asLong()).isEqualTo(1);
        assertThat(m1.get("input_files")).hasSize(1);
        assertThat(m1.get("input_files").get(0).get("path").asText()).isEqualTo("a.jsonl");
        assertThat(m1.get("input_files").get(0).get("size").asLong())
                .isEqualTo(Files.size(in.resolve("dt=2026-11-01/a.jsonl")));
        assertThat(m1.get("model_sha256").asText()).hasSize(64);
        assertThat(m1.get("run_id").asText()).isEqualTo(first.runId());
        assertThat(m1.get("output_files").toString()).contains("_quarantine/", "_crest_summary.json", ".parquet");
        JsonNode partSummary = Fixtures.json(out.resolve("dt=2026-11-02/_crest_summary.json"));
        assertThat(partSummary.get("output").asText())
                .as("partition summary names its final place")
                .endsWith("out/dt=2026-11-02")
                .doesNotContain("_crest_staging");
        assertThat(partSummary.get("input_format").asText()).isEqualTo("csv");
        assertThat(out.resolve("_crest_staging"))
                .as("staging removed after a clean run")
                .doesNotExist();
        assertThat(Fixtures.json(out.resolve("_crest_summary.json"))
                        .get("partitions_committed")
                        .asInt())
                .isEqualTo(2);

        // the same again: a no-op that touches nothing
        Map<String, Long> before = mtimes(out.resolve("dt=2026-11-01"));
        before.putAll(mtimes(out.resolve("dt=2026-11-02")));
        ResumeSummary again = run(in, out, false, MODEL);
        assertThat(again.partitionsSkipped()).as("skipped").isEqualTo(2);
        assertThat(again.partitionsCommitted() + again.partitionsReprocessed()).isZero();
        assertThat(again.rowsInProcessed()).isZero();
        assertThat(again.rowsIn()).as("counts from the manifests").isEqualTo(first.rowsIn());
        assertThat(byName(again).get("dt=2026-11-01").committedBy()).isEqualTo(first.runId());
        Map<String, Long> after = mtimes(out.resolve("dt=2026-11-01"));
        after.putAll(mtimes(out.resolve("dt=2026-11-02")));
        assertThat(after)
                .as("files and modification times of skipped partitions")
                .isEqualTo(before);

        // a grown file, a new partition: only those are labeled
        Files.writeString(
                in.resolve("dt=2026-11-01/a.jsonl"),
                "{\"id\":\"a-late\",\"text\":\"a late message\"}\n",
                StandardOpenOption.APPEND);
        jsonl(in.resolve("dt=2026-11-03/hour=00/c1.jsonl"), "c", 3);
        jsonl(in.resolve("dt=2026-11-03/hour=01/c2.jsonl"), "d", 2);
        Map<String, Long> untouched = mtimes(out.resolve("dt=2026-11-02"));
        ResumeSummary third = run(in, out, false, MODEL);
        Map<String, ResumeSummary.Partition> p3 = byName(third);
        assertThat(p3.get("dt=2026-11-01").action()).isEqualTo("reprocessed");
        assertThat(p3.get("dt=2026-11-01").reason()).contains("input files changed", "a.jsonl size");
        assertThat(p3.get("dt=2026-11-02").action()).isEqualTo("skipped");
        assertThat(p3.get("dt=2026-11-03").action()).isEqualTo("committed");
        assertThat(mtimes(out.resolve("dt=2026-11-02"))).isEqualTo(untouched);
        List<String> a = expectedIds("a", 5, true);
        a.add("a-late");
        a.sort(null);
        assertThat(ids(out.resolve("dt=2026-11-01"))).isEqualTo(a);
        List<String> c = expectedIds("c", 3, true);
        c.addAll(expectedIds("d", 2, true));
        c.sort(null);
        assertThat(ids(out.resolve("dt=2026-11-03")))
                .as("files in hour= subfolders of a partition")
                .isEqualTo(c);
        assertThat(third.rowsIn()).isEqualTo(7 + 4 + 7);
        assertThat(third.rowsInProcessed()).isEqualTo(7 + 7);
        assertThat(third.conserved()).isTrue();

        // a removed file and a new modification time with the same size
        Files.delete(in.resolve("dt=2026-11-03/hour=01/c2.jsonl"));
        Path b = in.resolve("dt=2026-11-02/b.csv");
        Files.setLastModifiedTime(
                b, FileTime.fromMillis(Files.getLastModifiedTime(b).toMillis() - 60_000));
        Map<String, ResumeSummary.Partition> p4 = byName(run(in, out, false, MODEL));
        assertThat(p4.get("dt=2026-11-01").action()).isEqualTo("skipped");
        assertThat(p4.get("dt=2026-11-02").reason()).contains("input files changed", "b.csv modified");
        assertThat(p4.get("dt=2026-11-03").reason()).contains("input files removed", "hour=01/c2.jsonl");
        assertThat(ids(out.resolve("dt=2026-11-03"))).isEqualTo(expectedIds("c", 3, true));

        // another model, for one day picked with --dt: only that partition, and the model is named as the reason
        ResumeSummary fifth = run(in, out, false, "demo", "2026-11-01");
        assertThat(fifth.partitionsSelected()).isEqualTo(1);
        assertThat(fifth.partitions().get(0).reason()).contains("model changed");
        assertThat(Fixtures.json(out.resolve("dt=2026-11-01/" + PartitionManifest.FILE))
                        .get("model")
                        .asText())
                .startsWith("crest-tiny-demo@");

        // --mode overwrite: everything selected is relabeled even though nothing changed
        Map<String, Long> old = mtimes(out.resolve("dt=2026-11-02"));
        ResumeSummary sixth = run(in, out, true, "demo", "2026-11-01..2026-11-02", "2026-11-03");
        assertThat(sixth.partitionsReprocessed()).isEqualTo(3);
        assertThat(sixth.partitions()).allSatisfy(p -> assertThat(p.reason()).startsWith("--mode overwrite"));
        assertThat(sixth.mode()).isEqualTo("overwrite");
        assertThat(Fixtures.json(out.resolve("dt=2026-11-02/" + PartitionManifest.FILE))
                        .get("run_id")
                        .asText())
                .isEqualTo(sixth.runId());
        assertThat(mtimes(out.resolve("dt=2026-11-02"))).as("rewritten").isNotEqualTo(old);
        assertThat(sixth.rowsIn()).isEqualTo(7 + 4 + 4);

        // what a killed run leaves: a partition renamed into place without its manifest; a manifest cut short (written
        // without the temporary name); an output file lost; a staging folder of a run killed while labeling
        Files.delete(out.resolve("dt=2026-11-01/" + PartitionManifest.FILE));
        Path m2 = out.resolve("dt=2026-11-02/" + PartitionManifest.FILE);
        Files.writeString(m2, Files.readString(m2).substring(0, 100));
        try (Stream<Path> files = Files.list(out.resolve("dt=2026-11-03"))) {
            Files.delete(files.filter(p -> p.getFileName().toString().endsWith(".parquet"))
                    .findFirst()
                    .orElseThrow());
        }
        Path stale = out.resolve("_crest_staging/20260101T000000Z-dead00/dt=2026-11-02");
        Files.createDirectories(stale);
        Files.writeString(stale.resolve("part-00000.parquet"), "half a file");
        ResumeSummary seventh = run(in, out, false, "demo");
        Map<String, ResumeSummary.Partition> p7 = byName(seventh);
        assertThat(p7.get("dt=2026-11-01").action()).isEqualTo("reprocessed");
        assertThat(p7.get("dt=2026-11-01").reason()).contains("no manifest");
        assertThat(p7.get("dt=2026-11-02").reason()).contains("manifest unreadable");
        assertThat(p7.get("dt=2026-11-03").reason()).contains("output files damaged", "missing");
        assertThat(seventh.stagingCleaned()).containsExactly("20260101T000000Z-dead00");
        assertThat(out.resolve("_crest_staging")).doesNotExist();
        assertThat(ids(out.resolve("dt=2026-11-01"))).isEqualTo(a);
        assertThat(ids(out.resolve("dt=2026-11-02"))).isEqualTo(expectedIds("b", 4, false));
        assertThat(ids(out.resolve("dt=2026-11-03"))).isEqualTo(expectedIds("c", 3, true));
        org.apache.hadoop.fs.FileSystem local =
                org.apache.hadoop.fs.FileSystem.getLocal(spark.sparkContext().hadoopConfiguration());
        for (String dt : List.of("dt=2026-11-01", "dt=2026-11-02", "dt=2026-11-03")) {
            assertThat(PartitionManifest.load(
                                    local,
                                    new org.apache.hadoop.fs.Path(
                                            out.resolve(dt).toString()),
                                    dt)
                            .manifest())
                    .as("valid manifest of %s", dt)
                    .isNotNull();
        }
        assertThat(seventh.rowsIn()).isEqualTo(7 + 4 + 4);
        assertThat(seventh.conserved()).isTrue();
    }

    @Test
    void inputThatIsNotDatePartitionedIsRefusedBeforeAnythingIsWritten() throws IOException {
        Path dir = Fixtures.tempDir("resume-bad-");
        Path out = dir.resolve("out");

        Path flat = dir.resolve("flat");
        jsonl(flat.resolve("a.jsonl"), "a", 1);
        assertThatThrownBy(() -> run(flat, out, false, MODEL))
                .isInstanceOf(UsageException.class)
                .hasMessageContaining("outside dt=YYYY-MM-DD partitions [a.jsonl]");

        Path empty = dir.resolve("empty");
        Files.createDirectories(empty.resolve("_tmp"));
        assertThatThrownBy(() -> run(empty, out, false, MODEL))
                .isInstanceOf(UsageException.class)
                .hasMessageContaining("no dt=YYYY-MM-DD partitions in " + empty);

        Path stray = dir.resolve("stray");
        jsonl(stray.resolve("dt=2026-11-01/a.jsonl"), "a", 1);
        jsonl(stray.resolve("b.jsonl"), "b", 1);
        jsonl(stray.resolve("hour=05/c.jsonl"), "c", 1);
        assertThatThrownBy(() -> run(stray, out, false, MODEL))
                .isInstanceOf(UsageException.class)
                .hasMessageContaining("2 file(s) or folder(s) outside dt=YYYY-MM-DD partitions [b.jsonl, hour=05/]");

        Path notDate = dir.resolve("notdate");
        jsonl(notDate.resolve("dt=latest/a.jsonl"), "a", 1);
        assertThatThrownBy(() -> run(notDate, out, false, MODEL))
                .isInstanceOf(UsageException.class)
                .hasMessageContaining("dt=latest in " + notDate + " is not a date partition");

        assertThatThrownBy(() -> run(stray.resolve("dt=2026-11-01"), out, false, MODEL))
                .isInstanceOf(UsageException.class)
                .hasMessageContaining("is itself a dt= partition")
                .hasMessageContaining("--dt 2026-11-01");

        Path good = dir.resolve("good");
        jsonl(good.resolve("dt=2026-11-01/a.jsonl"), "a", 1);
        assertThatThrownBy(() -> run(good, out, false, MODEL, "2026-12-01..2026-12-31"))
                .isInstanceOf(UsageException.class)
                .hasMessageContaining("no partition of " + good + " matches --dt");
        assertThatThrownBy(() -> run(good, out, false, MODEL, "2026-13-01"))
                .isInstanceOf(UsageException.class)
                .hasMessageContaining(
                        "Cannot use --dt 2026-13-01: expected a day YYYY-MM-DD, today, yesterday or today-N");
        assertThatThrownBy(() -> run(dir.resolve("missing"), out, false, MODEL))
                .isInstanceOf(UsageException.class)
                .hasMessageContaining("does not exist");
        assertThat(out).as("nothing written by refused runs").doesNotExist();

        Path foreign = dir.resolve("foreign-out");
        Files.createDirectories(foreign);
        Files.writeString(foreign.resolve("part-00000.parquet"), "x");
        assertThatThrownBy(() -> run(good, foreign, false, MODEL))
                .isInstanceOf(UsageException.class)
                .hasMessageContaining("Cannot resume into " + foreign + ": it holds [part-00000.parquet]");
        assertThat(foreign.resolve("dt=2026-11-01")).doesNotExist();

        Path emptyDay = dir.resolve("emptyday");
        Files.createDirectories(emptyDay.resolve("dt=2026-11-05"));
        Files.writeString(emptyDay.resolve("dt=2026-11-05/_SUCCESS"), "");
        ResumeSummary s = run(emptyDay, out, false, MODEL);
        assertThat(s.partitionsEmpty())
                .as("a day without data files is reported, not committed")
                .isEqualTo(1);
        assertThat(s.partitions().get(0).reason()).contains("no data files");
        assertThat(out.resolve("dt=2026-11-05")).doesNotExist();
    }
}
