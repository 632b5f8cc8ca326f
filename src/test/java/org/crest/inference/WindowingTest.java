package org.crest.inference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;

class WindowingTest {
    private static final long BOS = 0;
    private static final long EOS = 2;

    private static long[] tokens(int n) {
        return LongStream.range(100, 100 + n).toArray();
    }

    @Test
    void emptyTextIsOneWindowOfSpecials() {
        List<long[]> w = new Windowing(512, 256, BOS, EOS).windows(new long[0]);
        assertThat(w).hasSize(1);
        assertThat(w.get(0)).containsExactly(BOS, EOS);
    }

    @Test
    void shortTextIsWrappedOnce() {
        List<long[]> w = new Windowing(6, 2, BOS, EOS).windows(tokens(4));
        assertThat(w).hasSize(1);
        assertThat(w.get(0)).containsExactly(0, 100, 101, 102, 103, 2);
    }

    @Test
    void windowsStartEveryStrideAndStopAfterTheFirstThatReachesTheEnd() {
        Windowing win = new Windowing(6, 2, BOS, EOS); // 4 content tokens per window
        List<long[]> w = win.windows(tokens(7));
        assertThat(w).hasSize(3);
        assertThat(w.get(0)).containsExactly(0, 100, 101, 102, 103, 2);
        assertThat(w.get(1)).containsExactly(0, 102, 103, 104, 105, 2);
        assertThat(w.get(2)).containsExactly(0, 104, 105, 106, 2);
        assertThat(win.windows(tokens(8))).hasSize(3);
        assertThat(win.windows(tokens(9))).hasSize(4);
    }

    @Test
    void everyTokenIsCoveredAndCountsAgreeForManyLengths() {
        for (int max : new int[] {3, 4, 7, 16, 512}) {
            for (int stride = 1; stride <= max - 2; stride += Math.max(1, (max - 2) / 5)) {
                Windowing win = new Windowing(max, stride, BOS, EOS);
                for (int n = 0; n <= 3 * max; n++) {
                    List<long[]> w = win.windows(tokens(n));
                    assertThat(w)
                            .as("count max=%d stride=%d n=%d", max, stride, n)
                            .hasSize(win.windowCount(n));
                    boolean[] seen = new boolean[n];
                    for (int i = 0; i < w.size(); i++) {
                        long[] x = w.get(i);
                        assertThat(x.length).isLessThanOrEqualTo(max);
                        assertThat(x[0]).isEqualTo(BOS);
                        assertThat(x[x.length - 1]).isEqualTo(EOS);
                        assertThat(x.length - 2 == 0 ? 0 : x[1] - 100)
                                .as("start of window %d", i)
                                .isEqualTo((long) i * stride);
                        for (int j = 1; j < x.length - 1; j++) {
                            seen[(int) (x[j] - 100)] = true;
                        }
                        boolean reachesEnd = n == 0 || x[x.length - 2] - 100 == n - 1;
                        assertThat(reachesEnd)
                                .as("only the last window reaches the end")
                                .isEqualTo(i == w.size() - 1);
                    }
                    for (int t = 0; t < n; t++) {
                        assertThat(seen[t])
                                .as("token %d of %d covered (max=%d stride=%d)", t, n, max, stride)
                                .isTrue();
                    }
                }
            }
        }
    }

    @Test
    void rejectsStridesThatWouldSkipTokens() {
        assertThatThrownBy(() -> new Windowing(512, 511, BOS, EOS)).hasMessageContaining("stride");
        assertThatThrownBy(() -> new Windowing(512, 0, BOS, EOS)).hasMessageContaining("stride");
        assertThatThrownBy(() -> new Windowing(2, 1, BOS, EOS)).hasMessageContaining("at least 3");
    }
}
