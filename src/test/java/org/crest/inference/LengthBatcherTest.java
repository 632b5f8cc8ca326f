package org.crest.inference;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class LengthBatcherTest {

    @Test
    void sortsByLengthAndFillsTheBudget() {
        int[] lengths = {20, 200, 20, 20, 200, 20};
        List<int[]> b = new LengthBatcher(400, 64).batches(lengths);
        // four 20-token windows cost 80; two 200-token windows cost 400
        assertThat(b).hasSize(2);
        assertThat(b.get(0)).containsExactly(0, 2, 3, 5);
        assertThat(b.get(1)).containsExactly(1, 4);
    }

    @Test
    void aWindowLongerThanTheBudgetIsABatchOfItsOwn() {
        List<int[]> b = new LengthBatcher(100, 64).batches(new int[] {300, 10, 10});
        assertThat(b).hasSize(2);
        assertThat(b.get(0)).containsExactly(1, 2);
        assertThat(b.get(1)).containsExactly(0);
    }

    @Test
    void respectsMaxBatchSize() {
        List<int[]> b = new LengthBatcher(1_000_000, 3).batches(new int[] {5, 5, 5, 5, 5, 5, 5});
        assertThat(b).extracting(x -> x.length).containsExactly(3, 3, 1);
    }

    @Test
    void everyIndexOnceAndBudgetsHoldOnRandomInput() {
        Random r = new Random(7);
        for (int trial = 0; trial < 200; trial++) {
            int n = r.nextInt(300);
            int[] lengths = new int[n];
            for (int i = 0; i < n; i++) {
                lengths[i] = 2 + (r.nextDouble() < 0.1 ? r.nextInt(510) : r.nextInt(40));
            }
            int budget = 64 + r.nextInt(4000);
            int maxBatch = 1 + r.nextInt(64);
            List<int[]> batches = new LengthBatcher(budget, maxBatch).batches(lengths);
            List<Integer> seen = new ArrayList<>();
            for (int[] b : batches) {
                int longest = 0;
                int prev = 0;
                for (int idx : b) {
                    seen.add(idx);
                    assertThat(lengths[idx]).isGreaterThanOrEqualTo(prev);
                    prev = lengths[idx];
                    longest = Math.max(longest, lengths[idx]);
                }
                assertThat(b.length).isBetween(1, maxBatch);
                if (b.length > 1) {
                    assertThat((long) b.length * longest).as("padded cost").isLessThanOrEqualTo(budget);
                }
            }
            assertThat(seen).hasSize(n).doesNotHaveDuplicates();
        }
    }
}
