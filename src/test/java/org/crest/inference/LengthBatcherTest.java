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
            int cost = trial % 2 == 0 ? LengthBatcher.FILL : r.nextInt(64);
            List<int[]> batches = new LengthBatcher(budget, maxBatch, cost).batches(lengths);
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

    private static long computed(List<int[]> batches, int[] lengths) {
        long c = 0;
        for (int[] b : batches) {
            int longest = 0;
            for (int idx : b) {
                longest = Math.max(longest, lengths[idx]);
            }
            c += (long) b.length * longest;
        }
        return c;
    }

    @Test
    void aBatchCostCutsWhereFillingWouldPad() {
        // filling puts the 10-token window with the 500-token one (1,000 tokens computed); at 16 tokens a batch,
        // two batches cost 510 + 32
        int[] lengths = {500, 10};
        assertThat(new LengthBatcher(4096, 64).batches(lengths)).hasSize(1);
        List<int[]> cut = new LengthBatcher(4096, 64, 16).batches(lengths);
        assertThat(cut).hasSize(2);
        assertThat(cut.get(0)).containsExactly(1);
        assertThat(cut.get(1)).containsExactly(0);
        // equal lengths: one batch whatever the cost, since padding is nil and each batch costs
        assertThat(new LengthBatcher(4096, 64, 16).batches(new int[] {7, 7, 7, 7}))
                .hasSize(1);
    }

    @Test
    void theCutNeverComputesMoreThanFillingPlusItsBatchCosts() {
        // the dynamic programme is optimal for Σ size × longest + cost × batches, and filling is one of the cuts it
        // considers, so it can never come out worse on that sum
        Random r = new Random(11);
        for (int trial = 0; trial < 300; trial++) {
            int n = 1 + r.nextInt(400);
            int[] lengths = new int[n];
            for (int i = 0; i < n; i++) {
                lengths[i] = 3 + (r.nextDouble() < 0.2 ? r.nextInt(510) : r.nextInt(60));
            }
            int budget = 512 + r.nextInt(8000);
            int maxBatch = 1 + r.nextInt(64);
            int cost = r.nextInt(200);
            List<int[]> fill = new LengthBatcher(budget, maxBatch).batches(lengths);
            List<int[]> cut = new LengthBatcher(budget, maxBatch, cost).batches(lengths);
            assertThat(computed(cut, lengths) + (long) cost * cut.size())
                    .isLessThanOrEqualTo(computed(fill, lengths) + (long) cost * fill.size());
        }
    }

    @Test
    void aGpuFillsItsBatchesAndACpuCutsThem() {
        LengthBatcher b = new LengthBatcher(4096, 64);
        assertThat(b.forDevice("cuda:0").batchCost()).isEqualTo(LengthBatcher.FILL);
        assertThat(b.forDevice("cpu").batchCost()).isEqualTo(LengthBatcher.CPU_BATCH_COST_TOKENS);
        assertThat(b.forDevice("cpu").tokenBudget()).isEqualTo(4096);
        assertThat(b.forDevice("cpu").maxBatchSize()).isEqualTo(64);
    }
}
