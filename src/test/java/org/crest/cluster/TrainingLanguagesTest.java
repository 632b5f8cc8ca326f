package org.crest.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import java.util.List;
import java.util.Map;
import org.crest.LanguageCodes;
import org.crest.langid.Table8;
import org.junit.jupiter.api.Test;

class TrainingLanguagesTest {
    @Test
    void largestResourceFirstThenClosestToTheCentre() {
        List<TrainingLanguages.Member> ms = List.of(
                new TrainingLanguages.Member("es", 1, 0.10),
                new TrainingLanguages.Member("pt", 1, 0.05),
                new TrainingLanguages.Member("gl", 1, 0.20),
                new TrainingLanguages.Member("xx", 2, 0.30),
                new TrainingLanguages.Member("yy", 2, 0.10),
                new TrainingLanguages.Member("zh-Hant", 3, 0.0));
        List<TrainingLanguages.Pick> picks = TrainingLanguages.select(ms, LanguageTables.cc100Gib(), 3);
        assertThat(picks)
                .extracting(
                        TrainingLanguages.Pick::cluster,
                        TrainingLanguages.Pick::language,
                        TrainingLanguages.Pick::rank,
                        TrainingLanguages.Pick::cc100Gib)
                .containsExactly(
                        tuple(1, "es", 1, 53.3),
                        tuple(1, "pt", 2, 49.1),
                        tuple(2, "yy", 1, null),
                        tuple(3, "zh-Hant", 1, 63.5));
        assertThat(picks.get(0).reason()).startsWith("largest CC-100 size in cluster 1 (53.3 GiB");
        assertThat(picks.get(2).reason()).contains("closest to the cluster centre");
    }

    @Test
    void equalSizesAreBrokenByDistance() {
        List<TrainingLanguages.Member> ms =
                List.of(new TrainingLanguages.Member("a", 1, 0.3), new TrainingLanguages.Member("b", 1, 0.1));
        List<TrainingLanguages.Pick> picks = TrainingLanguages.select(ms, Map.of("a", 1.0, "b", 1.0), 11);
        assertThat(picks).extracting(TrainingLanguages.Pick::language).containsExactly("b");
        assertThat(picks.get(0).reason()).contains("tie on size broken by closeness");
    }

    @Test
    void tablesLoad() {
        Map<String, Table8.Language> paper = Table8.byCode();
        assertThat(paper).hasSize(92);
        assertThat(paper.get("tl").cluster()).isEqualTo(8);
        assertThat(paper.values().stream().filter(p -> p.role().equals("train")).count())
                .isEqualTo(13);
        assertThat(LanguageTables.cc100Gib().get("my")).isEqualTo(2.0);
        assertThat(LanguageTables.cc100Gib()).doesNotContainKey("-");
        assertThat(LanguageCodes.base(" SR_Latn ")).isEqualTo("sr");
    }

    @Test
    void pcaOfPointsOnALine() {
        double[][] rows = {{0, 0, 0}, {1, 1, 0}, {2, 2, 0}, {4, 4, 0.0}};
        double[] explained = new double[2];
        double[][] p = Pca.project2(rows, explained);
        double s = Math.sqrt(2);
        assertThat(p[0][0]).isCloseTo(-1.75 * s, org.assertj.core.api.Assertions.within(1e-9));
        assertThat(p[3][0])
                .as("largest score positive")
                .isCloseTo(2.25 * s, org.assertj.core.api.Assertions.within(1e-9));
        assertThat(explained[0]).isCloseTo(1.0, org.assertj.core.api.Assertions.within(1e-9));
        assertThat(p[1][1]).isCloseTo(0, org.assertj.core.api.Assertions.within(1e-6));
    }
}
