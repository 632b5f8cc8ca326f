package org.crest.inference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.crest.Fixtures;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Eq. 1 sentence embeddings of the fixture embedder against the PyTorch reference
 * (reference/tiny_embedder.jsonl: masked mean over the first 512_256 window, specials included).
 * The 3 rows marked tokenizer_divergence tokenise differently in DJL, so they are checked from the
 * reference token ids, not from the text.
 */
class EncoderTest {
    static final Path REFERENCE = Fixtures.ROOT.resolve("reference/tiny_embedder.jsonl");
    private static final double TOL = 1e-4;
    private static List<JsonNode> refs;
    private static List<JsonNode> classifierRefs;
    private static ModelSession session;

    @BeforeAll
    static void load() {
        refs = Fixtures.jsonLines(REFERENCE);
        classifierRefs = Fixtures.jsonLines(Fixtures.CLASSIFIER_REFERENCE);
        session =
                ModelSession.create(ModelBundle.open(Fixtures.EMBEDDER), ModelSession.Kind.ENCODER, Device.CPU, 2, -1);
    }

    @AfterAll
    static void close() {
        session.close();
    }

    private static double maxDiff(double[] a, JsonNode b) {
        assertThat(a).hasSize(b.size());
        double m = 0;
        for (int i = 0; i < a.length; i++) {
            m = Math.max(m, Math.abs(a[i] - b.get(i).asDouble()));
        }
        return m;
    }

    @Test
    void textEmbeddingsEqualTheReferenceInMixedBatches() {
        List<String> texts = new ArrayList<>();
        List<JsonNode> kept = new ArrayList<>();
        for (JsonNode r : refs) {
            if (!r.hasNonNull("tokenizer_divergence")) {
                texts.add(r.get("text").asText());
                kept.add(r);
            }
        }
        assertThat(kept).as("reference rows without tokenizer divergence").hasSize(refs.size() - 3);
        for (int budget : new int[] {1, 600, 8192}) {
            Encoder enc = new Encoder(session, 512, new LengthBatcher(budget, 64));
            Encoder.Embeddings e = enc.embed(texts);
            for (int i = 0; i < kept.size(); i++) {
                assertThat(maxDiff(e.vectors[i], kept.get(i).get("embedding")))
                        .as(
                                "max |diff| of %s at token budget %d",
                                kept.get(i).get("id").asText(), budget)
                        .isLessThan(TOL);
            }
            if (budget == 8192) {
                assertThat(e.batches).as("mixed lengths share batches").isLessThan(kept.size());
                assertThat(e.computedTokens).isGreaterThan(e.realTokens);
            }
        }
    }

    @Test
    void divergentRowsEqualTheReferenceFromTheirTokenIds() {
        Encoder enc = new Encoder(session, 512, new LengthBatcher(4096, 64));
        int checked = 0;
        for (int i = 0; i < refs.size(); i++) {
            JsonNode r = refs.get(i);
            if (!r.hasNonNull("tokenizer_divergence")) {
                continue;
            }
            JsonNode c = classifierRefs.get(i);
            assertThat(c.get("id").asText()).isEqualTo(r.get("id").asText());
            Encoder.Embeddings e = enc.embedTokens(List.of(Fixtures.longs(c.get("content_ids"))));
            assertThat(maxDiff(e.vectors[0], r.get("embedding")))
                    .as(r.get("id").asText())
                    .isLessThan(TOL);
            checked++;
        }
        assertThat(checked).isEqualTo(3);
    }

    @Test
    void longTextsAreTruncatedToTheFirstWindow() {
        Encoder enc = new Encoder(session, 512, new LengthBatcher(4096, 64));
        long[] content = new long[700];
        java.util.Arrays.fill(content, 10);
        long[] w = enc.firstWindow(content);
        assertThat(w).hasSize(512);
        assertThat(w[0]).isEqualTo(0);
        assertThat(w[511]).isEqualTo(2);
        Encoder.Embeddings e = enc.embedTokens(List.of(content, new long[0]));
        assertThat(e.truncated).containsExactly(true, false);
        assertThat(e.tokens).containsExactly(700, 0);
        assertThat(enc.firstWindow(new long[0])).containsExactly(0, 2);
    }

    @Test
    void refusesAClassifierSession() {
        try (ModelSession c =
                ModelSession.create(ModelBundle.open(Fixtures.DEMO), ModelSession.Kind.CLASSIFIER, Device.CPU, 1, -1)) {
            assertThatThrownBy(() -> new Encoder(c, 512, new LengthBatcher(10, 1)))
                    .hasMessageContaining("Cannot embed with a classifier session");
        }
    }
}
