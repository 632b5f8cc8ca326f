package org.crest.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import javax.imageio.ImageIO;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.crest.Fixtures;
import org.crest.SparkTestSession;
import org.crest.UsageException;
import org.crest.inference.Device;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * crest cluster on the fixture embedder: centroids against the PyTorch references, outputs, determinism
 * and edge cases. The corpus is the 118 reference items; the 3 rows marked tokenizer_divergence are left
 * out (DJL tokenises them differently), as are the 2 blank texts the job skips by design, so the expected
 * centroid of a language that lost a row is the mean of its remaining reference embeddings.
 */
@org.junit.jupiter.api.Tag("smoke") // also run on Spark 4.0 and 4.1: mvn -Pspark-4.0 -Psmoke verify
class ClusterJobTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static SparkSession spark;
    private static Path corpus;
    private static Map<String, List<double[]>> expectedByLang = new HashMap<>();
    private static java.util.Set<String> complete = new java.util.HashSet<>();
    private static JsonNode torchCentroids;
    private static Path outA;
    private static ClusterSummary summaryA;

    @BeforeAll
    static void setUp() throws IOException {
        spark = SparkTestSession.get();
        Path dir = Fixtures.tempDir("cluster-in");
        corpus = dir.resolve("corpus.jsonl");
        List<String> lines = new ArrayList<>();
        Map<String, Integer> all = new HashMap<>();
        Map<String, Integer> kept = new HashMap<>();
        for (JsonNode r : Fixtures.jsonLines(Fixtures.ROOT.resolve("reference/tiny_embedder.jsonl"))) {
            String lang = org.crest.LanguageCodes.normalise(r.get("lang").asText()); // as cluster normalises codes
            all.merge(lang, 1, Integer::sum);
            if (r.hasNonNull("tokenizer_divergence") || r.get("text").asText().isBlank()) {
                continue;
            }
            kept.merge(lang, 1, Integer::sum);
            ObjectNode o = JSON.createObjectNode()
                    .put("id", r.get("id").asText())
                    .put("text", r.get("text").asText())
                    .put("lang", lang);
            lines.add(JSON.writeValueAsString(o));
            double[] e = new double[r.get("embedding").size()];
            for (int i = 0; i < e.length; i++) {
                e[i] = r.get("embedding").get(i).asDouble();
            }
            expectedByLang.computeIfAbsent(lang, x -> new ArrayList<>()).add(e);
        }
        all.forEach((l, n) -> {
            if (n.equals(kept.get(l))) {
                complete.add(l);
            }
        });
        lines.add("{\"id\": \"nolang1\", \"text\": \"a sentence without a language\"}");
        lines.add("{\"id\": \"nolang2\", \"text\": \"null language\", \"lang\": null}");
        lines.add("{\"id\": \"nolang3\", \"text\": \"blank language\", \"lang\": \"  \"}");
        lines.add("{\"id\": \"blank\", \"text\": \"   \", \"lang\": \"en\"}");
        Files.write(corpus, lines);
        ObjectNode lower = JSON.createObjectNode(); // keyed by language codes as cluster writes them (LanguageCodes)
        Fixtures.json(Fixtures.ROOT.resolve("reference/tiny_centroids.json"))
                .fields()
                .forEachRemaining(e -> lower.set(org.crest.LanguageCodes.normalise(e.getKey()), e.getValue()));
        torchCentroids = lower;
        outA = Fixtures.tempDir("cluster-a").resolve("out");
        summaryA = ClusterJob.run(spark, options(outA, null, ClusterOptions.Level.LANGUAGE));
    }

    static ClusterOptions options(Path out, Integer k, ClusterOptions.Level level) {
        return ClusterOptions.builder()
                .inputs(List.of(corpus.toString()))
                .output(out.toString())
                .embedder("demo-embedder")
                .k(k)
                .kMin(2)
                .kMax(6)
                .seeds(2)
                .seed(42)
                .level(level)
                .chunkRows(64)
                .device(Device.CPU)
                .intraOpThreads(1)
                .commandLine("test")
                .build();
    }

    @Test
    void centroidsEqualThePyTorchCentroids() {
        List<Row> rows =
                spark.read().parquet(outA.resolve("centroids").toString()).collectAsList();
        assertThat(rows).hasSize(expectedByLang.size());
        int againstJson = 0;
        for (Row r : rows) {
            String lang = r.getString(r.fieldIndex("language"));
            List<Double> c = r.getList(r.fieldIndex("centroid"));
            double[] actual = c.stream().mapToDouble(Double::doubleValue).toArray();
            List<double[]> es = expectedByLang.get(lang);
            double[] expected = new double[actual.length];
            for (double[] e : es) {
                for (int i = 0; i < e.length; i++) {
                    expected[i] += e[i] / es.size();
                }
            }
            assertThat(r.getLong(r.fieldIndex("sentences"))).as(lang).isEqualTo(es.size());
            if (complete.contains(lang)) {
                JsonNode t = torchCentroids.get(lang);
                for (int i = 0; i < expected.length; i++) {
                    expected[i] = t.get(i).asDouble();
                }
                againstJson++;
            }
            double maxDiff = 0;
            for (int i = 0; i < actual.length; i++) {
                maxDiff = Math.max(maxDiff, Math.abs(actual[i] - expected[i]));
            }
            assertThat(maxDiff).as("max |diff| of the %s centroid", lang).isLessThan(1e-4);
            assertThat(1 - Vectors.cosineDistance(actual, expected))
                    .as("cosine of %s", lang)
                    .isGreaterThanOrEqualTo(0.9999);
        }
        assertThat(againstJson)
                .as("languages compared with tiny_centroids.json directly")
                .isGreaterThanOrEqualTo(40);
    }

    @Test
    void aOneSentenceLanguageHasItsSentenceAsCentroid() throws IOException {
        assertThat(expectedByLang.get("cs")).hasSize(1);
        String csv = Files.readString(outA.resolve("clusters.csv"));
        assertThat(csv).containsPattern("(?m)^cs,\\d+,[0-9.]+,1,1.0000$");
    }

    @Test
    void countsSkippedRowsAndWritesEveryOutput() throws IOException {
        assertThat(summaryA.skipReasons())
                .containsEntry(ClusterJob.MISSING_LANGUAGE, 3L)
                .containsEntry(ClusterJob.EMPTY_TEXT, 1L);
        int sentences = expectedByLang.values().stream().mapToInt(List::size).sum();
        assertThat(summaryA.rowsIn()).isEqualTo(sentences + 4);
        assertThat(summaryA.rowsEmbedded()).isEqualTo(sentences);
        assertThat(summaryA.rowsOverCap()).isZero();
        assertThat(summaryA.languagesClustered()).isEqualTo(expectedByLang.size());
        assertThat(summaryA.kSwept()).containsExactly(2, 3, 4, 5, 6);
        assertThat(summaryA.k()).isBetween(2, 6);
        for (String f : new String[] {
            "clusters.csv",
            "k_sweep.csv",
            "train_languages.csv",
            "report.md",
            "centroids.svg",
            "excluded_languages.csv",
            ClusterJob.SUMMARY_FILE
        }) {
            assertThat(outA.resolve(f)).as(f).isRegularFile();
        }
        assertThat(Files.readAllLines(outA.resolve("clusters.csv"))).hasSize(expectedByLang.size() + 1);
        List<String> sweep = Files.readAllLines(outA.resolve("k_sweep.csv"));
        assertThat(sweep).hasSize(6);
        assertThat(sweep.stream().filter(l -> l.contains("chosen")).count()).isEqualTo(1);
        assertThat(ImageIO.read(outA.resolve("centroids.png").toFile()).getWidth())
                .isEqualTo(1100);
        assertThat(Files.readString(outA.resolve("centroids.svg")))
                .contains(">sw</text>")
                .startsWith("<svg");
        String report = Files.readString(outA.resolve("report.md"));
        assertThat(report)
                .contains(
                        "## Clusters (as the paper's Table 8)",
                        "Adjusted Rand index over them",
                        "## Training languages",
                        "demo embedder");
        assertThat(summaryA.paperSharedLanguages()).isGreaterThanOrEqualTo(30);
        List<String> train = Files.readAllLines(outA.resolve("train_languages.csv"));
        assertThat(train.size() - 1).isBetween(summaryA.k(), 2 * summaryA.k());
    }

    @Test
    void sameSeedGivesIdenticalClusters() throws IOException {
        Path outB = Fixtures.tempDir("cluster-b").resolve("out");
        ClusterJob.run(spark, options(outB, null, ClusterOptions.Level.LANGUAGE));
        assertThat(Files.readString(outB.resolve("clusters.csv")))
                .isEqualTo(Files.readString(outA.resolve("clusters.csv")));
        assertThat(Files.readString(outB.resolve("k_sweep.csv")))
                .isEqualTo(Files.readString(outA.resolve("k_sweep.csv")));
    }

    @Test
    void tooFewLanguagesForKIsAUsageError() {
        Path out = Fixtures.tempDir("cluster-k").resolve("out");
        assertThatThrownBy(() -> ClusterJob.run(spark, options(out, 60, ClusterOptions.Level.LANGUAGE)))
                .isInstanceOf(UsageException.class)
                .hasMessageContaining("Cannot cluster: --k 60 needs at least 61 languages");
    }

    @Test
    void zeroAndEmptyCentroidsAreLeftOutAndReported() {
        List<ClusterJob.LanguageCentroid> cs = new ArrayList<>();
        cs.add(new ClusterJob.LanguageCentroid("a1", 1, 0, 0, 1, 0, new double[] {1, 0.1, 0}));
        cs.add(new ClusterJob.LanguageCentroid("a2", 1, 0, 0, 1, 0, new double[] {1, 0, 0.1}));
        cs.add(new ClusterJob.LanguageCentroid("b1", 2, 0, 0, 1, 0, new double[] {0, 1, 0.1}));
        cs.add(new ClusterJob.LanguageCentroid("b2", 3, 0, 0, 1, 0, new double[] {0.1, 1, 0}));
        cs.add(new ClusterJob.LanguageCentroid("zero", 2, 0, 2, 1, 0, new double[] {0, 0, 0}));
        cs.add(new ClusterJob.LanguageCentroid("nan", 0, 2, 0, 1, 0, null));
        ClusterJob.Clustering c = ClusterJob.cluster(spark, cs, options(outA, 2, ClusterOptions.Level.LANGUAGE));
        assertThat(c.excluded()).containsOnlyKeys("zero", "nan");
        assertThat(c.excluded().get("zero")).startsWith(ClusterJob.ZERO_CENTROID);
        assertThat(c.assigned())
                .extracting(a -> a.language() + "=" + a.cluster())
                .containsExactly("a1=1", "a2=1", "b1=2", "b2=2");
        assertThat(c.kMethod()).isEqualTo("fixed by --k");
    }

    @Test
    void sentenceLevelAssignsLanguagesByMajority() throws IOException {
        Path out = Fixtures.tempDir("cluster-s").resolve("out");
        ClusterSummary s = ClusterJob.run(spark, options(out, 3, ClusterOptions.Level.SENTENCE));
        assertThat(s.k()).isEqualTo(3);
        assertThat(Files.readAllLines(out.resolve("clusters.csv"))).hasSize(expectedByLang.size() + 1);
        long sentences = spark.read()
                .parquet(out.resolve("sentence_clusters").toString())
                .count();
        assertThat(sentences).isEqualTo(s.rowsEmbedded());
        Iterator<Row> it = spark.read()
                .parquet(out.resolve("sentence_clusters").toString())
                .groupBy("cluster")
                .count()
                .toLocalIterator();
        int clusters = 0;
        while (it.hasNext()) {
            assertThat(it.next().getInt(0)).isBetween(1, 3);
            clusters++;
        }
        assertThat(clusters).isEqualTo(3);
    }

    private static ClusterOptions optionsFor(Path in, Path out, Integer k) {
        return ClusterOptions.builder()
                .inputs(List.of(in.toString()))
                .output(out.toString())
                .embedder("demo-embedder")
                .k(k)
                .kMin(2)
                .kMax(6)
                .seeds(2)
                .seed(42)
                .chunkRows(64)
                .device(Device.CPU)
                .intraOpThreads(1)
                .commandLine("test")
                .build();
    }

    @Test
    void identicalTextsInEveryLanguageAreAOneLineRefusal() throws IOException {
        Path in = Fixtures.tempDir("cluster-same").resolve("same.jsonl");
        List<String> lines = new ArrayList<>();
        for (String lang : new String[] {"en", "de", "fr", "es", "it"}) {
            for (int i = 0; i < 2; i++) {
                lines.add("{\"text\": \"The same sentence everywhere.\", \"lang\": \"" + lang + "\"}");
            }
        }
        Files.write(in, lines);
        Path out = in.resolveSibling("out");
        assertThatThrownBy(() -> ClusterJob.run(spark, optionsFor(in, out, null)))
                .isInstanceOf(UsageException.class)
                .hasMessageStartingWith("Cannot cluster the 5 languages: their centroids all point the same way")
                .hasMessageContaining("are the texts the same in every language")
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\n"));
    }

    @Test
    void centroidsOfOneDirectionOrOneClusterAreRefusedAndFewerClustersThanKAreReported() {
        List<ClusterJob.LanguageCentroid> same = new ArrayList<>();
        for (String l : new String[] {"a", "b", "c", "d"}) {
            same.add(new ClusterJob.LanguageCentroid(l, 1, 0, 0, 1, 0, new double[] {0.5, 0.5, 0}));
        }
        same.add(new ClusterJob.LanguageCentroid("e", 1, 0, 0, 1, 0, new double[] {2, 2, 0})); // same direction
        assertThatThrownBy(() -> ClusterJob.cluster(spark, same, options(outA, null, ClusterOptions.Level.LANGUAGE)))
                .isInstanceOf(UsageException.class)
                .hasMessageContaining("Cannot cluster the 5 languages");
        // two directions, k swept 2..4: k = 3 and 4 have only 2 distinct points to split, the sweep still chooses
        List<ClusterJob.LanguageCentroid> two = new ArrayList<>();
        for (String l : new String[] {"a1", "a2", "a3"}) {
            two.add(new ClusterJob.LanguageCentroid(l, 1, 0, 0, 1, 0, new double[] {1, 0, 0}));
        }
        for (String l : new String[] {"b1", "b2"}) {
            two.add(new ClusterJob.LanguageCentroid(l, 1, 0, 0, 1, 0, new double[] {0, 1, 0}));
        }
        ClusterJob.Clustering c = ClusterJob.cluster(spark, two, options(outA, null, ClusterOptions.Level.LANGUAGE));
        assertThat(c.sweep()).extracting(KSweep.Step::k).containsExactly(2, 3, 4);
        assertThat(c.assigned())
                .extracting(a -> a.language() + "=" + a.cluster())
                .containsExactly("a1=1", "a2=1", "a3=1", "b1=2", "b2=2");
    }

    @Test
    void blankTextsAreSkippedAsEmptyAndLanguageCodesAreCaseFolded() throws IOException {
        Path in = Fixtures.tempDir("cluster-blank").resolve("blank.jsonl");
        ObjectMapper json = new ObjectMapper();
        List<String> lines = new ArrayList<>();
        String[][] rows = {
            {"Hello, how are you today?", "en"},
            {"I would like a cup of tea.", " EN "},
            {"Guten Tag, wie geht es dir?", "de"},
            {"Bonjour, comment allez-vous ?", "FR"},
            {"Hola, ¿cómo estás hoy?", "es"},
            {"\t\n\r ", "en"},
            {"\u00A0\u00A0", "en"},
            {"\u200B", "de"},
            {"\u3000\u2060\uFEFF", "fr"},
            {" \u202F\u200D\u200C ", "es"}
        };
        for (String[] r : rows) {
            lines.add(json.writeValueAsString(Map.of("text", r[0], "lang", r[1])));
        }
        Files.write(in, lines);
        Path out = in.resolveSibling("out");
        ClusterSummary s = ClusterJob.run(spark, optionsFor(in, out, 2));
        assertThat(s.skipReasons()).containsExactly(Map.entry(ClusterJob.EMPTY_TEXT, 5L));
        assertThat(s.rowsEmbedded()).isEqualTo(5);
        assertThat(s.languages()).as("en and EN are one language, FR is fr").isEqualTo(4);
        assertThat(Files.readString(out.resolve("clusters.csv")))
                .containsPattern("(?m)^en,\\d+,[0-9.]+,2,")
                .containsPattern("(?m)^fr,")
                .doesNotContain("EN")
                .doesNotContain("FR");
    }
}
