package org.crest.label;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.stream.Stream;
import org.crest.Fixtures;
import org.crest.ModelException;
import org.crest.SparkTestSession;
import org.crest.inference.ModelBundle;
import org.junit.jupiter.api.Test;

/** A truncated model.onnx stops the label job with a clear message before any row is labeled. */
class ModelIntegrityTest {

    @Test
    void aTruncatedModelFailsBeforeAnyRowIsLabeled() throws Exception {
        Path bundle = Fixtures.tempDir("truncated-bundle-");
        for (String f : new String[] {ModelBundle.MODEL_FILE, ModelBundle.TOKENIZER_FILE, ModelBundle.CONFIG_FILE}) {
            Files.copy(
                    Fixtures.INDEPENDENT.resolve("bundle").resolve(f),
                    bundle.resolve(f),
                    StandardCopyOption.REPLACE_EXISTING);
        }
        byte[] model = Files.readAllBytes(bundle.resolve(ModelBundle.MODEL_FILE));
        Files.write(bundle.resolve(ModelBundle.MODEL_FILE), java.util.Arrays.copyOf(model, model.length / 3));
        Path out = Fixtures.tempDir("truncated-out-").resolve("out");

        assertThatThrownBy(() -> LabelJob.run(
                        SparkTestSession.get(),
                        Labels.options(
                                Fixtures.INDEPENDENT.resolve("input.jsonl").toString(),
                                out.toString(),
                                bundle.toString())))
                .as("the job fails")
                .satisfies(e -> {
                    Throwable t = e;
                    while (t != null && !(t instanceof ModelException)) {
                        t = t.getCause();
                    }
                    assertThat(t)
                            .as("a ModelException in the cause chain of %s", e)
                            .isNotNull();
                    assertThat(t.getMessage()).as("its message").contains("Cannot load model", bundle.toString());
                });
        long parts = 0;
        if (Files.exists(out)) {
            try (Stream<Path> s = Files.walk(out)) {
                parts = s.filter(p -> p.getFileName().toString().endsWith(".parquet"))
                        .count();
            }
        }
        assertThat(parts).as("Parquet files written under %s", out).isZero();
        assertThat(out)
                .as("no partial output left behind, so the same command can run again")
                .doesNotExist();
    }
}
