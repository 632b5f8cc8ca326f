package org.crest.inference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import org.crest.Fixtures;
import org.crest.ModelException;
import org.junit.jupiter.api.Test;

class ModelBundleTest {

    /** A copy of the demo bundle with another config.json (and optionally without one file). */
    private static Path bundleWith(String config, String without) throws IOException {
        Path dir = Fixtures.tempDir("bundle-");
        for (String f : new String[] {ModelBundle.MODEL_FILE, ModelBundle.TOKENIZER_FILE, ModelBundle.CONFIG_FILE}) {
            if (!f.equals(without)) {
                Files.copy(Fixtures.DEMO.resolve(f), dir.resolve(f), StandardCopyOption.REPLACE_EXISTING);
            }
        }
        if (config != null) {
            Files.writeString(dir.resolve(ModelBundle.CONFIG_FILE), config);
        }
        return dir;
    }

    @Test
    void saysWhatABundleMustContain() throws IOException {
        assertThatThrownBy(() -> ModelBundle.open(Path.of("no/such/dir")))
                .isInstanceOf(ModelException.class)
                .hasMessageContaining("is not a directory")
                .hasMessageContaining("model.onnx, tokenizer.json and config.json");
        Path noTok = bundleWith(null, ModelBundle.TOKENIZER_FILE);
        assertThatThrownBy(() -> ModelBundle.open(noTok)).hasMessageContaining("has no tokenizer.json");
        Path badJson = bundleWith("{not json", null);
        assertThatThrownBy(() -> ModelBundle.open(badJson))
                .hasMessageContaining("config.json")
                .hasMessageContaining("not valid JSON");
    }

    @Test
    void findsTheUnsafeLabel() throws IOException {
        assertThat(ModelBundle.open(bundleWith("{\"id2label\": {\"0\": \"SAFE\", \"1\": \"Unsafe\"}}", null))
                        .unsafeIndex(null))
                .isEqualTo(1);
        assertThat(ModelBundle.open(bundleWith("{\"id2label\": {\"1\": \"safe\", \"0\": \"unsafe\"}}", null))
                        .unsafeIndex(null))
                .as("by name, not position")
                .isZero();
        ModelBundle generic =
                ModelBundle.open(bundleWith("{\"id2label\": {\"0\": \"LABEL_0\", \"1\": \"LABEL_1\"}}", null));
        assertThat(generic.unsafeIndex(null)).as("index 1 as in the paper").isEqualTo(1);
        assertThat(generic.unsafeIndex("label_0")).isZero();
        assertThat(generic.unsafeIndex("0")).isZero();
        assertThatThrownBy(() -> generic.unsafeIndex("toxic"))
                .isInstanceOf(ModelException.class)
                .hasMessageContaining("Unknown unsafe label toxic")
                .hasMessageContaining("[LABEL_0, LABEL_1]");
        ModelBundle none = ModelBundle.open(bundleWith("{\"num_labels\": 2}", null));
        assertThat(none.labels()).containsExactly("LABEL_0", "LABEL_1");
        assertThatThrownBy(() -> ModelBundle.open(bundleWith("{\"id2label\": {\"0\": \"a\", \"2\": \"b\"}}", null)))
                .hasMessageContaining("must have ids 0..1");
    }

    @Test
    void identityIsTheContentHash() throws IOException {
        ModelBundle a = ModelBundle.open(Fixtures.DEMO);
        ModelBundle b = ModelBundle.open(bundleWith(null, null));
        assertThat(b.sha256()).isEqualTo(a.sha256());
        assertThat(a.id()).isEqualTo("crest-tiny-demo@" + a.sha256().substring(0, 12));
        ModelBundle c = ModelBundle.open(bundleWith("{\"_name_or_path\": \"x\"}", null));
        assertThat(c.sha256()).isNotEqualTo(a.sha256());
    }

    @Test
    void checksTheOnnxContractAtLoad() throws IOException {
        ModelBundle embedder = ModelBundle.open(Fixtures.EMBEDDER);
        assertThatThrownBy(() -> ModelSession.create(embedder, ModelSession.Kind.CLASSIFIER, Device.CPU, 1, -1))
                .isInstanceOf(ModelException.class)
                .hasMessageContaining("expected an output called 'logits'")
                .hasMessageContaining("last_hidden_state");
        ModelBundle threeLabels = ModelBundle.open(
                bundleWith("{\"id2label\": {\"0\": \"safe\", \"1\": \"unsafe\", \"2\": \"other\"}}", null));
        assertThatThrownBy(() -> ModelSession.create(threeLabels, ModelSession.Kind.CLASSIFIER, Device.CPU, 1, -1))
                .hasMessageContaining("output logits has 2 classes but config.json id2label names 3");
        Path broken = bundleWith(null, null);
        Files.write(broken.resolve(ModelBundle.MODEL_FILE), new byte[] {1, 2, 3});
        assertThatThrownBy(() ->
                        ModelSession.create(ModelBundle.open(broken), ModelSession.Kind.CLASSIFIER, Device.CPU, 1, -1))
                .isInstanceOf(ModelException.class)
                .hasMessageContaining("Cannot load model");
        try (ModelSession s = ModelSession.create(embedder, ModelSession.Kind.ENCODER, Device.CPU, 1, -1)) {
            assertThat(s.outputWidth()).isEqualTo(64);
        }
    }

    @Test
    void aCopyAlteredAfterOpeningIsRefusedBeforeAnyScoring() throws IOException {
        Path dir = bundleWith(null, null);
        ModelBundle opened = ModelBundle.open(dir);
        byte[] model = Files.readAllBytes(dir.resolve(ModelBundle.MODEL_FILE));
        Files.write(dir.resolve(ModelBundle.MODEL_FILE), java.util.Arrays.copyOf(model, model.length / 2));
        assertThatThrownBy(() -> ModelSession.create(opened, ModelSession.Kind.CLASSIFIER, Device.CPU, 1, -1))
                .isInstanceOf(ModelException.class)
                .hasMessageContaining("differ from the bundle")
                .hasMessageContaining(opened.sha256())
                .hasMessageContaining("truncated or altered");
    }

    @Test
    void aManifestCatchesAnAlteredFileWhenTheBundleIsOpened() throws Exception {
        Path dir = bundleWith(null, null);
        StringBuilder files = new StringBuilder();
        for (String f : new String[] {ModelBundle.MODEL_FILE, ModelBundle.TOKENIZER_FILE, ModelBundle.CONFIG_FILE}) {
            byte[] d = java.security.MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(dir.resolve(f)));
            files.append(files.length() == 0 ? "" : ", ")
                    .append('"')
                    .append(f)
                    .append("\": \"")
                    .append(java.util.HexFormat.of().formatHex(d))
                    .append('"');
        }
        Files.writeString(
                dir.resolve(ModelBundle.MANIFEST_FILE), "{\"format\": \"crest-bundle/1\", \"files\": {" + files + "}}");
        assertThat(ModelBundle.open(dir).sha256()).as("an intact bundle opens").hasSize(64);

        // one byte changed in the middle of the weights: the file still parses, the scores would be wrong
        byte[] model = Files.readAllBytes(dir.resolve(ModelBundle.MODEL_FILE));
        model[model.length / 2] ^= 0x5a;
        Files.write(dir.resolve(ModelBundle.MODEL_FILE), model);
        assertThatThrownBy(() -> ModelBundle.open(dir))
                .isInstanceOf(ModelException.class)
                .hasMessageContaining("model.onnx in " + dir)
                .hasMessageContaining("does not match crest-manifest.json")
                .hasMessageContaining("truncated or altered");

        Files.delete(dir.resolve(ModelBundle.TOKENIZER_FILE));
        assertThatThrownBy(() -> ModelBundle.open(dir))
                .isInstanceOf(ModelException.class)
                .hasMessageContaining("has no tokenizer.json");
    }

    @Test
    void externalDataIsPartOfTheIdentity() throws IOException {
        Path dir = bundleWith(null, null);
        Files.write(dir.resolve(ModelBundle.EXTERNAL_DATA_FILE), new byte[] {1, 2, 3, 4});
        ModelBundle opened = ModelBundle.open(dir);
        assertThat(opened.sha256()).isNotEqualTo(ModelBundle.open(Fixtures.DEMO).sha256());
        opened.verifyOnDisk();
        Files.write(dir.resolve(ModelBundle.EXTERNAL_DATA_FILE), new byte[] {1, 2, 3});
        assertThatThrownBy(opened::verifyOnDisk)
                .isInstanceOf(ModelException.class)
                .hasMessageContaining("truncated or altered");
    }

    @Test
    void cudaIsExplainedOnTheCpuBuildAndAutoFallsBack() {
        ModelBundle demo = ModelBundle.open(Fixtures.DEMO);
        assertThatThrownBy(() -> ModelSession.create(demo, ModelSession.Kind.CLASSIFIER, Device.CUDA, 1, 0))
                .isInstanceOf(ModelException.class)
                .hasMessageContaining("Cannot use CUDA")
                .hasMessageContaining("-Pgpu");
        try (ModelSession s = ModelSession.create(demo, ModelSession.Kind.CLASSIFIER, Device.AUTO, 1, 0)) {
            assertThat(s.device()).isEqualTo("cpu");
        }
    }

    @Test
    void theCacheMakesOneSessionPerModelAndSettings() {
        SessionCache.closeAll();
        ModelBundle demo = ModelBundle.open(Fixtures.DEMO);
        ModelSession a = SessionCache.get(demo, ModelSession.Kind.CLASSIFIER, Device.CPU, 1, -1);
        ModelSession b =
                SessionCache.get(ModelBundle.open(Fixtures.DEMO), ModelSession.Kind.CLASSIFIER, Device.CPU, 1, -1);
        assertThat(b).isSameAs(a);
        assertThat(SessionCache.created()).isEqualTo(1);
        SessionCache.get(demo, ModelSession.Kind.CLASSIFIER, Device.CPU, 2, -1);
        assertThat(SessionCache.created()).isEqualTo(2);
        SessionCache.closeAll();
        assertThat(SessionCache.created()).isZero();
    }
}
