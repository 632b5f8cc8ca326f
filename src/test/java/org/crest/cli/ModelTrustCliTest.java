package org.crest.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.crest.Fixtures;
import org.crest.inference.BrokenBundles;
import org.crest.model.BrokenCheckpoints;
import org.junit.jupiter.api.Test;

/**
 * A model that cannot be trusted is refused on the command line with exit 2 and one line that names it, before
 * Spark starts and before any output is written: NaN weights at convert, a NaN bundle, a broken tokenizer, or the
 * wrong kind of bundle at load.
 */
class ModelTrustCliTest {

    /** {exit code, stdout, stderr}; asserts exit 2 and exactly one line on stderr. */
    private static String refused(String... args) {
        String[] r = InProcessCli.run(args);
        assertThat(r[0])
                .as("exit code of %s (stderr %s)", String.join(" ", args), r[2])
                .isEqualTo("2");
        assertThat(r[2].strip().lines().count()).as("one line: %s", r[2]).isEqualTo(1);
        return r[2];
    }

    private static Path input() throws IOException {
        Path in = Fixtures.tempDir("trust-in-").resolve("in.jsonl");
        Files.writeString(in, "{\"text\": \"hello\"}\n{\"text\": \"how are you\"}\n");
        return in;
    }

    @Test
    void convertRefusesNanWeightsNamingTheTensor() {
        Path ckpt = BrokenCheckpoints.tinyWithValue("classifier.out_proj.bias", 0, Float.NaN);
        Path out = Fixtures.tempDir("trust-bundle-").resolve("b");
        String err = refused("model", "convert", ckpt.toString(), "--output", out.toString());
        assertThat(err)
                .contains(
                        "crest model convert: Cannot convert " + ckpt,
                        "tensor classifier.out_proj.bias",
                        "NaN or infinite");
        assertThat(out.resolve("model.onnx")).doesNotExist();
        Path html = BrokenCheckpoints.withFile(BrokenCheckpoints.TINY, "tokenizer.json", "<html>");
        assertThat(refused("model", "convert", html.toString(), "--output", out.toString()))
                .contains(html.resolve("tokenizer.json") + " is not valid JSON");
    }

    @Test
    void labelRefusesANanBundleBeforeAnyRowIsLabeled() throws IOException {
        Path bundle = BrokenBundles.withInitializer(Fixtures.DEMO, BrokenBundles.OUT_PROJ_BIAS, v -> v[0] = Float.NaN);
        Path out = Fixtures.tempDir("trust-out-").resolve("out");
        String err = refused(
                "label", "--input", input().toString(), "--output", out.toString(), "--model", bundle.toString());
        assertThat(err)
                .contains(
                        "crest label: Cannot use model", bundle.toAbsolutePath().toString(), "is not finite");
        assertThat(out).as("no output").doesNotExist();
    }

    @Test
    void labelAndEvaluateRefuseAnEmbedderAsModel() throws IOException {
        Path out = Fixtures.tempDir("trust-out-").resolve("out");
        String err = refused(
                "label",
                "--input",
                input().toString(),
                "--output",
                out.toString(),
                "--model",
                Fixtures.EMBEDDER.toString());
        assertThat(err).contains("as a classifier: it is an embedder", "model.onnx");
        Path bench = Fixtures.tempDir("trust-bench-").resolve("bench.csv");
        Files.writeString(bench, "text,label\nhello,0\n");
        err = refused(
                "evaluate",
                "--input",
                bench.toString(),
                "--output",
                out.toString(),
                "--model",
                Fixtures.EMBEDDER.toString());
        assertThat(err).contains("crest evaluate: Cannot use model", "it is an embedder");
        assertThat(out).doesNotExist();
        err = refused(
                "cluster",
                "--input",
                input().toString(),
                "--output",
                out.toString(),
                "--embedder",
                Fixtures.DEMO.toString());
        assertThat(err).contains("crest cluster: Cannot use model", "as an embedder: it is a classifier");
    }

    @Test
    void labelRefusesABrokenTokenizerNamingTheFile() throws IOException {
        Path bundle = BrokenBundles.copy(Fixtures.DEMO);
        Files.writeString(bundle.resolve("tokenizer.json"), "{}");
        Path out = Fixtures.tempDir("trust-out-").resolve("out");
        String err = refused(
                "label", "--input", input().toString(), "--output", out.toString(), "--model", bundle.toString());
        assertThat(err).contains(bundle.resolve("tokenizer.json") + " is not a tokenizer");
        Files.writeString(bundle.resolve("tokenizer.json"), "not json at all");
        assertThat(refused(
                        "label",
                        "--input",
                        input().toString(),
                        "--output",
                        out.toString(),
                        "--model",
                        bundle.toString()))
                .contains(bundle.resolve("tokenizer.json") + " is not valid JSON");
    }
}
