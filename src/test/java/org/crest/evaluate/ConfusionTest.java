package org.crest.evaluate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class ConfusionTest {

    @Test
    void ratesOnHandMadeCounts() {
        Confusion c = new Confusion(6, 2, 10, 4); // tp fp tn fn
        assertThat(c.n()).isEqualTo(22);
        assertThat(c.positives()).isEqualTo(10);
        assertThat(c.precision()).isEqualTo(6.0 / 8);
        assertThat(c.recall()).isEqualTo(6.0 / 10);
        assertThat(c.f1()).as("2tp / (2tp + fp + fn)").isEqualTo(12.0 / 18);
        double p = 0.75;
        double r = 0.6;
        assertThat(c.f1())
                .as("harmonic mean of P and R")
                .isCloseTo(2 * p * r / (p + r), org.assertj.core.api.Assertions.within(1e-15));
        assertThat(c.accuracy()).isEqualTo(16.0 / 22);
        assertThat(c.plus(new Confusion(1, 1, 1, 1))).isEqualTo(new Confusion(7, 3, 11, 5));
    }

    @Test
    void zeroDivisionsAreZero() {
        Confusion noPositives = new Confusion(0, 0, 5, 0);
        assertThat(noPositives.precision()).as("nothing predicted unsafe").isZero();
        assertThat(noPositives.recall()).as("no unsafe row").isZero();
        assertThat(noPositives.f1())
                .as("F1 with neither true nor predicted positives")
                .isZero();
        assertThat(noPositives.accuracy()).isEqualTo(1.0);

        Confusion falseAlarms = new Confusion(0, 3, 2, 0);
        assertThat(falseAlarms.precision()).isZero();
        assertThat(falseAlarms.recall()).isZero();
        assertThat(falseAlarms.f1()).isZero();

        Confusion allMissed = new Confusion(0, 0, 0, 4);
        assertThat(allMissed.precision()).isZero();
        assertThat(allMissed.recall()).isZero();
        assertThat(allMissed.f1()).isZero();

        Confusion allUnsafeAllFound = new Confusion(4, 0, 0, 0);
        assertThat(allUnsafeAllFound.f1()).isEqualTo(1.0);
        assertThat(Confusion.ZERO.accuracy()).as("empty cell").isZero();
        assertThat(Confusion.ZERO.f1()).isZero();
        assertThatThrownBy(() -> new Confusion(-1, 0, 0, 0)).hasMessageContaining("negative");
    }

    @Test
    void averagesAreMeansOfF1OverCellsAndGroupsMeansOfLanguageAverages() {
        List<Cell> cells = List.of(
                new Cell(Metrics.DATASET_LANG, "harmbench", "en", 2, "in_domain", new Confusion(3, 0, 0, 1)), // 6/7
                new Cell(Metrics.DATASET_LANG, "xstest", "en", 2, "in_domain", new Confusion(1, 1, 1, 1)), // 1/2
                new Cell(Metrics.DATASET_LANG, "harmbench", "gl", 1, "ood_low", new Confusion(1, 0, 0, 1)), // 2/3
                new Cell(Metrics.DATASET_LANG, "csrt", "mul", null, "out_of_domain", new Confusion(2, 0, 0, 0))); // 1
        List<Cell> all = Metrics.rollUp(cells);
        Cell overall = all.stream()
                .filter(c -> c.level().equals(Metrics.OVERALL))
                .findFirst()
                .orElseThrow();
        assertThat(overall.c()).isEqualTo(new Confusion(7, 1, 1, 3));
        Cell harmbench = all.stream()
                .filter(c -> c.level().equals(Metrics.DATASET) && c.dataset().equals("harmbench"))
                .findFirst()
                .orElseThrow();
        assertThat(harmbench.c()).isEqualTo(new Confusion(4, 0, 0, 2));
        List<Metrics.Average> avg = Metrics.averages(all);
        assertThat(avg)
                .contains(
                        new Metrics.Average(Metrics.LANG, "en", (6.0 / 7 + 0.5) / 2, 2),
                        new Metrics.Average(Metrics.LANG, "gl", 2.0 / 3, 1),
                        new Metrics.Average(Metrics.GROUP, "in_domain", (6.0 / 7 + 0.5) / 2, 1),
                        new Metrics.Average(Metrics.GROUP, "ood_low", 2.0 / 3, 1),
                        new Metrics.Average(Metrics.DATASET, "harmbench", (6.0 / 7 + 2.0 / 3) / 2, 2),
                        new Metrics.Average(Metrics.CLUSTER, "none", 1.0, 1));
        assertThat(Metrics.table2(all))
                .as("English rows, and CSRT with all its rows")
                .containsOnlyKeys("harmbench", "xstest", "csrt");
        assertThat(avg).contains(new Metrics.Average("table2", "english", (6.0 / 7 + 0.5 + 1.0) / 3, 3));
    }
}
