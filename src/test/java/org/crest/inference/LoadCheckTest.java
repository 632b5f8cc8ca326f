package org.crest.inference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.crest.Fixtures;
import org.crest.ModelException;
import org.junit.jupiter.api.Test;

/**
 * The load check of a bundle: its files (config.json, tokenizer.json) when it is opened, then its kind and a
 * finite output on a fixed short and a long input when a session is made. And a non-finite logit is never a score.
 */
class LoadCheckTest {

    private static ModelSession classifier(Path dir) {
        return ModelSession.create(ModelBundle.open(dir), ModelSession.Kind.CLASSIFIER, Device.CPU, 1, -1);
    }

    private static void oneLine(Throwable e) {
        assertThat(e.getMessage()).as("one line").doesNotContain("\n");
    }

    @Test
    void aNanBiasIsRefusedAtLoadNamingTheBundle() {
        Path dir = BrokenBundles.withInitializer(Fixtures.DEMO, BrokenBundles.OUT_PROJ_BIAS, v -> v[1] = Float.NaN);
        ModelBundle b = ModelBundle.open(dir);
        assertThatThrownBy(() -> ModelSession.verify(b, ModelSession.Kind.CLASSIFIER))
                .isInstanceOf(ModelException.class)
                .hasMessageContaining("Cannot use model " + b.id())
                .hasMessageContaining(dir.toAbsolutePath().toString())
                .hasMessageContaining("its output logits on a fixed")
                .hasMessageContaining("is not finite (NaN")
                .satisfies(LoadCheckTest::oneLine);
        // executors make their sessions through create, which runs the same check
        assertThatThrownBy(() -> classifier(dir))
                .isInstanceOf(ModelException.class)
                .hasMessageContaining("not finite");
        Path inf = BrokenBundles.withInitializer(
                Fixtures.DEMO, BrokenBundles.OUT_PROJ_BIAS, v -> v[0] = Float.POSITIVE_INFINITY);
        assertThatThrownBy(() -> classifier(inf)).hasMessageContaining("is not finite (Infinity");
    }

    @Test
    void aModelThatOverflowsOnlyOnLongInputsIsRefused() {
        // positions from 300 on hold NaN: every input shorter than ~300 tokens scores normally
        Path dir = BrokenBundles.withInitializer(Fixtures.DEMO, BrokenBundles.POSITION_EMBEDDINGS, v -> {
            for (int i = 300 * 64; i < v.length; i++) {
                v[i] = Float.NaN;
            }
        });
        assertThatThrownBy(() -> classifier(dir))
                .isInstanceOf(ModelException.class)
                .hasMessageContaining("on a fixed 512-token test input (the longest it takes) is not finite")
                .satisfies(LoadCheckTest::oneLine);
    }

    @Test
    void aNanEmbedderIsRefused() {
        Path dir = BrokenBundles.withInitializer(Fixtures.EMBEDDER, "embeddings.LayerNorm.bias", v -> v[5] = Float.NaN);
        assertThatThrownBy(() -> ModelSession.verify(ModelBundle.open(dir), ModelSession.Kind.ENCODER))
                .isInstanceOf(ModelException.class)
                .hasMessageContaining("its output last_hidden_state on a fixed")
                .hasMessageContaining("is not finite");
    }

    @Test
    void theWrongKindIsRefusedInOneLine() {
        assertThatThrownBy(() -> ModelSession.verify(ModelBundle.open(Fixtures.EMBEDDER), ModelSession.Kind.CLASSIFIER))
                .isInstanceOf(ModelException.class)
                .hasMessageContaining("as a classifier: it is an embedder")
                .hasMessageContaining(Fixtures.EMBEDDER
                        .toAbsolutePath()
                        .normalize()
                        .resolve("model.onnx")
                        .toString())
                .satisfies(LoadCheckTest::oneLine);
        assertThatThrownBy(() -> ModelSession.verify(ModelBundle.open(Fixtures.DEMO), ModelSession.Kind.ENCODER))
                .isInstanceOf(ModelException.class)
                .hasMessageContaining("as an embedder: it is a classifier");
        ModelSession.verify(ModelBundle.open(Fixtures.DEMO), ModelSession.Kind.CLASSIFIER);
        ModelSession.verify(ModelBundle.open(Fixtures.EMBEDDER), ModelSession.Kind.ENCODER);
    }

    @Test
    void aNonFiniteLogitInAnyWindowIsNeverAScore() {
        assertThat(Classifier.windowScore(new float[] {Float.NaN, 1f}, 0, 2, 1)).isNaN();
        assertThat(Classifier.windowScore(new float[] {0f, Float.POSITIVE_INFINITY}, 0, 2, 1))
                .isNaN();
        assertThat(Classifier.windowScore(new float[] {Float.NEGATIVE_INFINITY, 0f}, 0, 2, 1))
                .as("not a confident 1.0 either")
                .isNaN();
        assertThat(Classifier.windowScore(new float[] {0f, 0f}, 0, 2, 1)).isEqualTo(0.5);

        String clean = "hello, how are you";
        String poisoned = "the zebra crossed the road";
        BrokenBundles.NanToken nan = BrokenBundles.nanToken(Fixtures.DEMO, poisoned);
        assertThat(BrokenBundles.tokenize(nan.dir(), clean)).doesNotContain(nan.token());
        StringBuilder longText = new StringBuilder();
        while (BrokenBundles.tokenize(nan.dir(), longText.toString()).length < 600) {
            longText.append(clean).append(". ");
        }
        longText.append(poisoned); // only the last window holds the NaN token
        try (ModelSession s = classifier(nan.dir())) {
            Classifier c = new Classifier(
                    s, new Windowing(128, 64, s.bundle().bosId(), s.bundle().eosId()), new LengthBatcher(4096, 64), 1);
            Classifier.Scores scores = c.score(List.of(clean, poisoned, longText.toString(), clean + " " + clean));
            assertThat(scores.finite(0)).isTrue();
            assertThat(scores.pUnsafe[0]).isBetween(0.0, 1.0);
            assertThat(scores.finite(1)).isFalse();
            assertThat(scores.pUnsafe[1]).isNaN();
            assertThat(scores.windows[2]).as("a long text of several windows").isGreaterThan(2);
            assertThat(scores.finite(2))
                    .as("one NaN window makes the whole text unscored")
                    .isFalse();
            assertThat(scores.finite(3)).isTrue();
        }
    }

    private static Path withFile(Path bundle, String file, String content) throws IOException {
        Path dir = BrokenBundles.copy(bundle);
        Files.writeString(dir.resolve(file), content);
        return dir;
    }

    @Test
    void aBrokenTokenizerIsRefusedWhenTheBundleIsOpened() throws IOException {
        Path notJson = withFile(Fixtures.DEMO, ModelBundle.TOKENIZER_FILE, "<html>not a tokenizer</html>");
        assertThatThrownBy(() -> ModelBundle.open(notJson))
                .isInstanceOf(ModelException.class)
                .hasMessageContaining(notJson.resolve("tokenizer.json") + " is not valid JSON")
                .satisfies(LoadCheckTest::oneLine);
        Path empty = withFile(Fixtures.DEMO, ModelBundle.TOKENIZER_FILE, "{}");
        assertThatThrownBy(() -> ModelBundle.open(empty))
                .hasMessageContaining(empty.resolve("tokenizer.json") + " is not a tokenizer: it has no model.vocab");
        Path nothing = withFile(Fixtures.DEMO, ModelBundle.TOKENIZER_FILE, "");
        assertThatThrownBy(() -> ModelBundle.open(nothing)).hasMessageContaining("tokenizer.json is not a tokenizer");
        // JSON with a vocabulary, but not a tokenizer the library can build: refused by the load check, one line
        Path odd = withFile(
                Fixtures.DEMO,
                ModelBundle.TOKENIZER_FILE,
                "{\"model\": {\"type\": \"NoSuchModel\", \"vocab\": [[\"a\", 0.0]]}}");
        ModelBundle oddBundle = ModelBundle.open(odd);
        assertThatThrownBy(() -> ModelSession.verify(oddBundle, ModelSession.Kind.CLASSIFIER))
                .isInstanceOf(ModelException.class)
                .hasMessageContaining("the tokenizer library cannot load "
                        + odd.toAbsolutePath().normalize().resolve("tokenizer.json"))
                .satisfies(LoadCheckTest::oneLine);
    }

    @Test
    void aTokenizerLargerThanTheModelsVocabularyIsRefused() throws IOException {
        String config = Files.readString(Fixtures.DEMO.resolve(ModelBundle.CONFIG_FILE));
        Path small = withFile(
                Fixtures.DEMO, ModelBundle.CONFIG_FILE, config.replace("\"vocab_size\": 8002", "\"vocab_size\": 8000"));
        assertThatThrownBy(() -> ModelBundle.open(small))
                .isInstanceOf(ModelException.class)
                .hasMessageContaining(small.resolve("tokenizer.json") + " has 8002 token ids but "
                        + small.resolve("config.json") + " has vocab_size 8000")
                .satisfies(LoadCheckTest::oneLine);
        Path spare = withFile(
                Fixtures.DEMO, ModelBundle.CONFIG_FILE, config.replace("\"vocab_size\": 8002", "\"vocab_size\": 8008"));
        assertThat(ModelBundle.open(spare).labels())
                .as("spare embedding rows are fine")
                .hasSize(2);
    }

    @Test
    void anInconsistentConfigIsRefusedNamingIt() throws IOException {
        String config = Files.readString(Fixtures.DEMO.resolve(ModelBundle.CONFIG_FILE));
        Path heads = withFile(
                Fixtures.DEMO,
                ModelBundle.CONFIG_FILE,
                config.replace("\"num_attention_heads\": 4", "\"num_attention_heads\": 3"));
        assertThatThrownBy(() -> ModelBundle.open(heads))
                .isInstanceOf(ModelException.class)
                .hasMessageContaining(heads.resolve("config.json") + " has hidden_size 64, which is not a multiple of "
                        + "num_attention_heads 3")
                .satisfies(LoadCheckTest::oneLine);
        Path layers = withFile(
                Fixtures.DEMO,
                ModelBundle.CONFIG_FILE,
                config.replace("\"num_hidden_layers\": 2", "\"num_hidden_layers\": 0"));
        assertThatThrownBy(() -> ModelBundle.open(layers))
                .hasMessageContaining("has num_hidden_layers 0, expected a " + "positive integer");
        Path labels = withFile(
                Fixtures.DEMO,
                ModelBundle.CONFIG_FILE,
                config.replace("\"id2label\": {", "\"num_labels\": 3, \"id2label\": {"));
        assertThatThrownBy(() -> ModelBundle.open(labels))
                .hasMessageContaining("has num_labels 3 but id2label names 2");
        Path notObject = withFile(Fixtures.DEMO, ModelBundle.CONFIG_FILE, "[1, 2]");
        assertThatThrownBy(() -> ModelBundle.open(notObject)).hasMessageContaining("config.json must be a JSON object");
    }
}
