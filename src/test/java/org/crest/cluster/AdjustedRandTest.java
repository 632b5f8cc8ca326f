package org.crest.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class AdjustedRandTest {
    @Test
    void knownTextbookCase() {
        // contingency [[2,1,0],[0,1,2]]: index 2, rows 6, cols 3, expected 6*3/15 = 1.2, max 4.5
        assertThat(AdjustedRand.of(new int[] {0, 0, 0, 1, 1, 1}, new int[] {0, 0, 1, 1, 2, 2}))
                .isCloseTo(8.0 / 33.0, within(1e-15));
    }

    @Test
    void renamedClustersAreIdentical() {
        assertThat(AdjustedRand.of(new int[] {0, 0, 1, 1, 2, 2}, new int[] {5, 5, 3, 3, 9, 9}))
                .isEqualTo(1.0);
    }

    @Test
    void worseThanChanceIsNegative() {
        assertThat(AdjustedRand.of(new int[] {0, 0, 1, 1}, new int[] {0, 1, 0, 1}))
                .isCloseTo(-0.5, within(1e-15));
    }

    @Test
    void limitCases() {
        assertThat(AdjustedRand.of(new int[] {1, 1, 1, 1}, new int[] {0, 1, 2, 3}))
                .as("one cluster vs singletons")
                .isEqualTo(0.0);
        assertThat(AdjustedRand.of(new int[] {1, 1, 1}, new int[] {4, 4, 4}))
                .as("both one cluster")
                .isEqualTo(1.0);
        assertThat(AdjustedRand.of(new int[] {0, 1, 2}, new int[] {2, 0, 1}))
                .as("both singletons")
                .isEqualTo(1.0);
        assertThat(AdjustedRand.of(new int[] {7}, new int[] {3})).isEqualTo(1.0);
        assertThatThrownBy(() -> AdjustedRand.of(new int[] {1}, new int[] {1, 2}))
                .hasMessageContaining("Cannot compare partitions of different sizes");
    }

    @Test
    void contingencyFormEqualsLabelForm() {
        assertThat(AdjustedRand.ofContingency(new long[][] {{2, 1, 0}, {0, 1, 2}}))
                .isCloseTo(8.0 / 33.0, within(1e-15));
    }
}
