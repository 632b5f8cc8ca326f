package org.crest.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class KneeTest {
    @Test
    void elbowOfAConvexDecreasingCurve() {
        // x = 0,.2,.4,.6,.8,1; y = (c-17)/83; d = 1-x-y = 0, .4024, .5036, .3639, .1880, 0 -> k = 4
        int[] ks = {2, 3, 4, 5, 6, 7};
        double[] costs = {100, 50, 25, 20, 18, 17};
        assertThat(Knee.knee(ks, costs)).isEqualTo(2);
        assertThat(Knee.difference(4, 2, 5, 25, 17, 100)).isCloseTo(1 - 0.4 - 8.0 / 83, within(1e-15));
    }

    @Test
    void unevenlySpacedKs() {
        // x = 0, 1/6, 2/6, 1; y = 1, .25, .125, 0; d = 0, .5833, .5417, 0 -> k = 3
        assertThat(Knee.knee(new int[] {2, 3, 4, 8}, new double[] {10, 4, 3, 2}))
                .isEqualTo(1);
    }

    @Test
    void noKneeOnStraightConcaveFlatOrShortCurves() {
        assertThat(Knee.knee(new int[] {2, 3, 4, 5, 6}, new double[] {5, 4, 3, 2, 1}))
                .as("straight")
                .isEqualTo(-1);
        assertThat(Knee.knee(new int[] {2, 3, 4, 5, 6}, new double[] {10, 9.9, 9.5, 8, 0}))
                .as("concave")
                .isEqualTo(-1);
        assertThat(Knee.knee(new int[] {2, 3, 4}, new double[] {1, 1, 1}))
                .as("flat")
                .isEqualTo(-1);
        assertThat(Knee.knee(new int[] {2, 3}, new double[] {9, 1}))
                .as("two points")
                .isEqualTo(-1);
    }

    @Test
    void tiesGoToTheSmallerK() {
        // d = 0, .25, .25, 0 for x = 0, 1/3, 2/3, 1 and y = 1, 5/12, 1/12, 0
        assertThat(Knee.knee(new int[] {2, 3, 4, 5}, new double[] {12, 5, 1, 0}))
                .isEqualTo(1);
    }
}
