package org.crest.inference;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import java.util.stream.IntStream;
import org.crest.Fixtures;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The fast scoring path gives the scores the straightforward one gives (issue 12.3/12.4): token ids read straight from
 * the native encoding equal DJL's {@code Encoding.getIds()}; the primitive sort of the batcher orders windows as a
 * stable sort by length did; and the scores of {@link Classifier#score} equal, bit for bit, those of the same batches
 * fed from DJL's ids, and agree with a plain per-row path (each window alone, no padding) to float rounding.
 */
class SameScoresTest {
    private static ModelSession session;
    private static List<String> texts;

    @BeforeAll
    static void load() {
        session = ModelSession.create(ModelBundle.open(Fixtures.DEMO), ModelSession.Kind.CLASSIFIER, Device.CPU, 1, -1);
        texts = corpus();
    }

    @AfterAll
    static void close() {
        session.close();
    }

    /**
     * The classifier reference's texts (many scripts), chat-like turns, edge cases, and long texts that make several
     * windows at 64/32.
     */
    static List<String> corpus() {
        List<String> out = new ArrayList<>();
        for (JsonNode r : Fixtures.jsonLines(Fixtures.CLASSIFIER_REFERENCE)) {
            out.add(r.get("text").asText());
        }
        out.addAll(List.of(
                "",
                " ",
                "\t\n",
                "hi",
                "user: how do I reset my router?\nassistant: Hold the reset button for ten seconds.",
                "😀🔥 ok 👍🏽 family 👨‍👩‍👧",
                "e\u0301te\u0301 cafe\u0301 (combining marks)",
                "ＦＵＬＬＷＩＤＴＨ ｔｅｘｔ ①②③",
                "مرحبا بالعالم — שלום עולם — नमस्ते दुनिया — 你好，世界 — こんにちは",
                "control\u0000chars\u0007and\u200bzero\u200dwidth",
                "lone surrogate \uD800 here"));
        StringBuilder sb = new StringBuilder();
        for (int i = 0; sb.length() < 4000; i++) {
            sb.append(out.get(i % 40)).append(' ');
        }
        out.add(sb.toString());
        out.add(sb.substring(0, 1500));
        out.add(String.join(" ", out.subList(0, 118)));
        return out;
    }

    @Test
    void tokenIdsEqualDjlEncoding() {
        for (String t : texts) {
            assertThat(session.tokenize(t)).as("ids of %s", t).isEqualTo(session.tokenizeWithEncoding(t));
        }
    }

    @Test
    void batchOrderEqualsAStableSortByLength() {
        Random r = new Random(3);
        for (int trial = 0; trial < 100; trial++) {
            int[] lengths = new int[r.nextInt(500)];
            for (int i = 0; i < lengths.length; i++) {
                lengths[i] = 3 + r.nextInt(r.nextBoolean() ? 8 : 600);
            }
            Integer[] stable = IntStream.range(0, lengths.length).boxed().toArray(Integer[]::new);
            Arrays.sort(stable, Comparator.comparingInt(i -> lengths[i]));
            int[] flat = new LengthBatcher(1 << 30, 1 << 30)
                    .batches(lengths).stream().flatMapToInt(Arrays::stream).toArray();
            assertThat(flat)
                    .isEqualTo(Arrays.stream(stable).mapToInt(Integer::intValue).toArray());
        }
    }

    @Test
    void scoresAreBitIdenticalToDjlIdsAndAgreeWithAPerRowPath() {
        for (int[] setting : new int[][] {{512, 256, 4096, 64}, {64, 32, 600, 8}, {16, 7, 64, 3}}) {
            Windowing w = new Windowing(
                    setting[0],
                    setting[1],
                    session.bundle().bosId(),
                    session.bundle().eosId());
            Classifier c = new Classifier(session, w, new LengthBatcher(setting[2], setting[3]), 1);
            Classifier.Scores fast = c.score(texts);
            List<long[]> djl = new ArrayList<>();
            for (String t : texts) {
                djl.add(session.tokenizeWithEncoding(t));
            }
            Classifier.Scores reference = c.scoreTokens(djl);
            assertThat(fast.pUnsafe).as("scores, %s", Arrays.toString(setting)).isEqualTo(reference.pUnsafe);
            assertThat(fast.windows).isEqualTo(reference.windows);
            assertThat(fast.tokens).isEqualTo(reference.tokens);
            assertThat(fast.realTokens).isEqualTo(reference.realTokens);
            assertThat(fast.computedTokens).isEqualTo(reference.computedTokens);
            int multi = 0;
            for (int i = 0; i < texts.size(); i++) {
                double perRow = Double.NEGATIVE_INFINITY;
                List<long[]> windows = w.windows(djl.get(i));
                multi += windows.size() > 1 ? 1 : 0;
                for (long[] x : windows) {
                    long[] mask = new long[x.length];
                    Arrays.fill(mask, 1L);
                    perRow = Math.max(perRow, Classifier.softmaxAt(session.run(x, mask, 1, x.length), 0, 2, 1));
                }
                // padding changes the shapes ONNX Runtime computes with, so its float sums may round differently
                assertThat(fast.pUnsafe[i])
                        .as("text %d, %s", i, Arrays.toString(setting))
                        .isCloseTo(perRow, org.assertj.core.data.Offset.offset(1e-5));
            }
            assertThat(multi).as("texts with several windows").isGreaterThan(2);
        }
    }
}
