package org.crest.model;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Consumer;
import org.crest.Fixtures;

/**
 * Test helper: checkpoint directories with one broken part, written by the test (the safetensors writer of
 * {@link CheckpointErrorsTest}). Public so that the command-line tests can use them.
 */
public final class BrokenCheckpoints {
    public static final Path TINY = CheckpointConverterTest.TINY;
    public static final Path TINY_F16 = CheckpointConverterTest.TINY_F16;
    public static final Path TINY_BF16 = CheckpointConverterTest.TINY_BF16;

    private BrokenCheckpoints() {}

    /**
     * A copy of checkpoint {@code src} (config.json, tokenizer.json, model.safetensors) in which the stored bytes of
     * {@code tensor} (little-endian, in its own dtype) went through {@code edit}.
     */
    public static Path withTensorBytes(Path src, String tensor, Consumer<ByteBuffer> edit) {
        try {
            Path dir = Fixtures.tempDir("ckpt-broken-");
            Files.copy(src.resolve("config.json"), dir.resolve("config.json"));
            Files.copy(src.resolve("tokenizer.json"), dir.resolve("tokenizer.json"));
            Map<String, CheckpointErrorsTest.Entry> out = new LinkedHashMap<>();
            boolean found = false;
            try (Safetensors st = Safetensors.open(src.resolve("model.safetensors"))) {
                for (Safetensors.Tensor t : st.tensors().values()) {
                    byte[] data = st.rawBytes(t);
                    if (t.name().equals(tensor)) {
                        edit.accept(ByteBuffer.wrap(data).order(ByteOrder.LITTLE_ENDIAN));
                        found = true;
                    }
                    out.put(t.name(), new CheckpointErrorsTest.Entry(t.dtype(), t.shape(), data));
                }
            }
            if (!found) {
                throw new IllegalArgumentException("no tensor " + tensor + " in " + src);
            }
            CheckpointErrorsTest.write(dir.resolve("model.safetensors"), out);
            return dir;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A copy of checkpoint-tiny whose float32 tensor {@code tensor} has {@code value} at element {@code index}. */
    public static Path tinyWithValue(String tensor, int index, float value) {
        return withTensorBytes(TINY, tensor, b -> b.putFloat(4 * index, value));
    }

    /** A copy of checkpoint {@code src} with another file content. */
    public static Path withFile(Path src, String file, String content) {
        Path dir = withTensorBytes(src, "classifier.out_proj.bias", b -> {});
        try {
            Files.writeString(dir.resolve(file), content);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return dir;
    }

    /** Writes a safetensors file from a header given as JSON text (padded with spaces to 8 bytes) and raw data. */
    public static void writeRaw(Path file, String header, byte[] data) {
        byte[] h = header.getBytes(StandardCharsets.UTF_8);
        int padded = (h.length + 7) / 8 * 8;
        try (OutputStream out = Files.newOutputStream(file)) {
            out.write(ByteBuffer.allocate(8)
                    .order(ByteOrder.LITTLE_ENDIAN)
                    .putLong(padded)
                    .array());
            out.write(h);
            out.write(" ".repeat(padded - h.length).getBytes(StandardCharsets.US_ASCII));
            out.write(data);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
