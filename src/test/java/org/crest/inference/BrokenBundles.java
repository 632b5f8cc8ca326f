package org.crest.inference;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import ai.onnx.proto.OnnxMl;
import com.google.protobuf.ByteString;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.HashSet;
import java.util.Set;
import java.util.function.Consumer;
import org.crest.Fixtures;

/**
 * Test helper: copies of the fixture bundles with one broken part, written by the test itself. An ONNX
 * initializer is edited through the OnnxMl protobuf classes (its float32 raw data), so the graph stays the same.
 */
public final class BrokenBundles {
    public static final String WORD_EMBEDDINGS = "roberta.embeddings.word_embeddings.weight";
    public static final String POSITION_EMBEDDINGS = "roberta.embeddings.position_embeddings.weight";
    public static final String OUT_PROJ_BIAS = "classifier.out_proj.bias";

    private BrokenBundles() {}

    /** A copy of the three files of a bundle in a fresh directory. */
    public static Path copy(Path bundle) {
        Path dir = Fixtures.tempDir("broken-bundle-");
        try {
            for (String f :
                    new String[] {ModelBundle.MODEL_FILE, ModelBundle.TOKENIZER_FILE, ModelBundle.CONFIG_FILE}) {
                Files.copy(bundle.resolve(f), dir.resolve(f), StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return dir;
    }

    /** A copy of {@code bundle} whose float32 initializer {@code name} went through {@code edit}. */
    public static Path withInitializer(Path bundle, String name, Consumer<float[]> edit) {
        Path dir = copy(bundle);
        try {
            OnnxMl.ModelProto model =
                    OnnxMl.ModelProto.parseFrom(Files.readAllBytes(dir.resolve(ModelBundle.MODEL_FILE)));
            OnnxMl.GraphProto.Builder graph = model.getGraph().toBuilder();
            boolean found = false;
            for (int i = 0; i < graph.getInitializerCount(); i++) {
                OnnxMl.TensorProto t = graph.getInitializer(i);
                if (!t.getName().equals(name)) {
                    continue;
                }
                float[] v = new float[t.getRawData().size() / 4];
                t.getRawData()
                        .asReadOnlyByteBuffer()
                        .order(ByteOrder.LITTLE_ENDIAN)
                        .asFloatBuffer()
                        .get(v);
                edit.accept(v);
                ByteBuffer b = ByteBuffer.allocate(v.length * 4).order(ByteOrder.LITTLE_ENDIAN);
                b.asFloatBuffer().put(v);
                graph.setInitializer(i, t.toBuilder().setRawData(ByteString.copyFrom(b.array())));
                found = true;
            }
            if (!found) {
                throw new IllegalArgumentException("no initializer " + name + " in " + bundle);
            }
            Files.write(
                    dir.resolve(ModelBundle.MODEL_FILE),
                    model.toBuilder().setGraph(graph).build().toByteArray());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return dir;
    }

    /** Content token ids of {@code text} with the bundle's tokenizer, as the pipeline tokenizes. */
    public static long[] tokenize(Path bundle, String text) {
        try (HuggingFaceTokenizer t = BundleFiles.openTokenizer(bundle.resolve(ModelBundle.TOKENIZER_FILE), "test")) {
            return t.encode(text, false, false).getIds();
        }
    }

    /** A bundle whose word embedding of {@code token} is NaN, and that token. */
    public record NanToken(Path dir, long token) {}

    /**
     * A copy of the demo classifier whose word embedding row of one token of {@code text} is NaN: a token that the
     * load check's fixed text does not use, so the bundle passes the load check, and exactly the texts holding that
     * token get a NaN score.
     */
    public static NanToken nanToken(Path bundle, String text) {
        Set<Long> probe = new HashSet<>();
        for (long id : tokenize(bundle, ModelSession.PROBE_TEXT)) {
            probe.add(id);
        }
        long token = -1;
        for (long id : tokenize(bundle, text)) {
            if (id > 3 && !probe.contains(id)) {
                token = id;
                break;
            }
        }
        if (token < 0) {
            throw new IllegalArgumentException("every token of '" + text + "' is in the load check's text");
        }
        int hidden = 64;
        long row = token;
        Path dir = withInitializer(bundle, WORD_EMBEDDINGS, v -> {
            for (int h = 0; h < hidden; h++) {
                v[(int) (row * hidden + h)] = Float.NaN;
            }
        });
        return new NanToken(dir, token);
    }
}
