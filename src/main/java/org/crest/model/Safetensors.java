package org.crest.model;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.crest.ModelException;

/**
 * A reader of the safetensors format (huggingface/safetensors): an unsigned 64-bit little-endian
 * header length N, N bytes of JSON {@code {name: {dtype, shape, data_offsets: [begin, end]}, "__metadata__": {...}}},
 * then the tensors' raw little-endian bytes, offsets relative to the end of the header.
 *
 * <p>The header is validated when the file is opened, with the rules of the reference implementation: every
 * tensor of a known dtype must span exactly shape × element-size bytes and lie inside the file; a tensor name
 * appears once; sorted by offset, the tensors tile the data section exactly (no overlap, which would share
 * weights silently, no gap) and the file ends where the last tensor ends (no trailing bytes). Tensor data is read on demand, one tensor at a time,
 * and converted to float32 (from F32, F16, BF16 or F64). Not thread-safe; {@link #close()} is idempotent.
 */
public final class Safetensors implements AutoCloseable {
    /** The safetensors library refuses headers above 100 MB; so do we (a corrupt length would allocate GBs). */
    static final long MAX_HEADER = 100L << 20;

    /** Element sizes of the dtypes safetensors defines. */
    private static final Map<String, Integer> SIZES = Map.ofEntries(
            Map.entry("F64", 8),
            Map.entry("F32", 4),
            Map.entry("F16", 2),
            Map.entry("BF16", 2),
            Map.entry("I64", 8),
            Map.entry("I32", 4),
            Map.entry("I16", 2),
            Map.entry("I8", 1),
            Map.entry("U64", 8),
            Map.entry("U32", 4),
            Map.entry("U16", 2),
            Map.entry("U8", 1),
            Map.entry("BOOL", 1),
            Map.entry("F8_E4M3", 1),
            Map.entry("F8_E5M2", 1));

    /** One entry of the header. {@code begin}/{@code end} are absolute file positions. */
    public record Tensor(String name, String dtype, long[] shape, long begin, long end) {
        public long elements() {
            long n = 1;
            for (long d : shape) {
                n = Math.multiplyExact(n, d);
            }
            return n;
        }

        public boolean isFloat() {
            return dtype.equals("F32") || dtype.equals("F16") || dtype.equals("BF16") || dtype.equals("F64");
        }

        @Override
        public String toString() {
            return name + " " + dtype + Arrays.toString(shape);
        }
    }

    private final Path path;
    private final String label;
    private final FileChannel channel;
    private final long size;
    private final Map<String, Tensor> tensors;
    private final Map<String, String> metadata;
    private boolean closed;

    private Safetensors(
            Path path, FileChannel channel, long size, Map<String, Tensor> tensors, Map<String, String> metadata) {
        this.path = path;
        this.label = path.getFileName().toString();
        this.channel = channel;
        this.size = size;
        this.tensors = tensors;
        this.metadata = metadata;
    }

    /** Opens a file and validates its header; the caller closes it. */
    public static Safetensors open(Path path) {
        String label = path.getFileName().toString();
        FileChannel ch;
        try {
            ch = FileChannel.open(path, StandardOpenOption.READ);
        } catch (IOException e) {
            throw new ModelException("Cannot read " + path + ": " + e.getMessage(), e);
        }
        try {
            long size = ch.size();
            if (size < 8) {
                throw new ModelException("Cannot read " + label + ": the file has " + size
                        + " bytes, too short for a safetensors header (8-byte length + JSON) (" + path + ")");
            }
            ByteBuffer lenBuf = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
            readFully(ch, lenBuf, 0, path);
            long headerLen = lenBuf.flip().getLong();
            if (headerLen < 2 || headerLen > MAX_HEADER || headerLen > size - 8) {
                throw new ModelException("Cannot read " + label + ": its header claims "
                        + Long.toUnsignedString(headerLen) + " bytes but the file has " + size
                        + " (not a safetensors file, or truncated?) (" + path + ")");
            }
            ByteBuffer hb = ByteBuffer.allocate((int) headerLen);
            readFully(ch, hb, 8, path);
            String json = new String(hb.array(), StandardCharsets.UTF_8);
            Map<String, String> meta = new LinkedHashMap<>();
            Map<String, Tensor> tensors = parseHeader(json, 8 + headerLen, size, label, meta);
            return new Safetensors(
                    path, ch, size, Collections.unmodifiableMap(tensors), Collections.unmodifiableMap(meta));
        } catch (IOException e) {
            closeQuietly(ch);
            throw new ModelException("Cannot read " + path + ": " + e.getMessage(), e);
        } catch (RuntimeException e) {
            closeQuietly(ch);
            throw e;
        }
    }

    private static Map<String, Tensor> parseHeader(
            String json, long dataStart, long fileSize, String label, Map<String, String> meta) {
        JsonNode root;
        try {
            root = new ObjectMapper()
                    .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
                    .readTree(json);
        } catch (JsonProcessingException e) {
            String m = e.getOriginalMessage();
            if (m != null && m.startsWith("Duplicate field")) {
                // a repeated name would make one tensor silently replace another
                throw new ModelException(
                        "Cannot read " + label + ": the header names a tensor twice ("
                                + m.substring("Duplicate field".length()).trim() + "); each tensor must appear once",
                        e);
            }
            throw new ModelException(
                    "Cannot read " + label + ": the header is not valid JSON (" + e.getOriginalMessage() + ")", e);
        }
        if (root == null || !root.isObject()) {
            throw new ModelException("Cannot read " + label + ": the header must be a JSON object of tensors");
        }
        Map<String, Tensor> out = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = root.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            String name = e.getKey();
            JsonNode v = e.getValue();
            if (name.equals("__metadata__")) {
                if (v.isObject()) {
                    v.fields()
                            .forEachRemaining(
                                    m -> meta.put(m.getKey(), m.getValue().asText()));
                }
                continue;
            }
            JsonNode dtype = v.get("dtype");
            JsonNode shape = v.get("shape");
            JsonNode offsets = v.get("data_offsets");
            if (dtype == null
                    || !dtype.isTextual()
                    || shape == null
                    || !shape.isArray()
                    || offsets == null
                    || !offsets.isArray()
                    || offsets.size() != 2
                    || !offsets.get(0).canConvertToLong()
                    || !offsets.get(1).canConvertToLong()) {
                throw new ModelException("Cannot read " + label + ": tensor " + name
                        + " must have a dtype, a shape and two data_offsets in the header (found " + v + ")");
            }
            long[] dims = new long[shape.size()];
            for (int i = 0; i < dims.length; i++) {
                if (!shape.get(i).canConvertToLong() || shape.get(i).asLong() < 0) {
                    throw new ModelException(
                            "Cannot read " + label + ": tensor " + name + " has an invalid shape " + shape);
                }
                dims[i] = shape.get(i).asLong();
            }
            long begin = offsets.get(0).asLong();
            long end = offsets.get(1).asLong();
            if (begin < 0 || end < begin) {
                throw new ModelException(
                        "Cannot read " + label + ": tensor " + name + " has invalid data_offsets " + offsets);
            }
            Tensor t = new Tensor(name, dtype.asText(), dims, dataStart + begin, dataStart + end);
            Integer elemSize = SIZES.get(t.dtype());
            if (elemSize != null) {
                long want;
                try {
                    want = Math.multiplyExact(t.elements(), elemSize);
                } catch (ArithmeticException ex) {
                    throw new ModelException("Cannot read " + label + ": tensor " + t + " is too large");
                }
                if (want != end - begin) {
                    throw new ModelException("Cannot read " + label + ": tensor " + name + " is " + t.dtype()
                            + Arrays.toString(dims) + " (" + want + " bytes) but its data_offsets span " + (end - begin)
                            + " bytes");
                }
            }
            if (t.end() > fileSize) {
                throw new ModelException("Cannot read " + label + ": tensor " + name + " needs " + t.end()
                        + " bytes but the file has " + fileSize + " (truncated?)");
            }
            out.put(name, t);
        }
        checkLayout(out, dataStart, fileSize, label);
        return out;
    }

    /**
     * Sorted by offset, the tensors must tile the data section exactly, and the file must end with the last
     * one, as the reference implementation requires: no overlap (two tensors sharing bytes), no gap, no
     * trailing bytes.
     */
    private static void checkLayout(Map<String, Tensor> tensors, long dataStart, long fileSize, String label) {
        List<Tensor> sorted = new ArrayList<>(tensors.values());
        sorted.sort(Comparator.comparingLong(Tensor::begin).thenComparingLong(Tensor::end));
        long expected = dataStart;
        Tensor previous = null;
        for (Tensor t : sorted) {
            if (t.begin() < expected) {
                throw new ModelException("Cannot read " + label + ": the data of tensor " + t.name()
                        + " (data_offsets ["
                        + (t.begin() - dataStart) + ", " + (t.end() - dataStart) + "]) overlaps tensor "
                        + previous.name()
                        + " (data_offsets [" + (previous.begin() - dataStart) + ", " + (previous.end() - dataStart)
                        + "]); each tensor needs its own bytes");
            }
            if (t.begin() > expected) {
                throw new ModelException("Cannot read " + label + ": " + (t.begin() - expected)
                        + " unused bytes before "
                        + "tensor " + t.name() + " (data_offsets start at " + (t.begin() - dataStart) + ", expected "
                        + (expected - dataStart) + "); the tensors must follow each other without gaps");
            }
            expected = t.end();
            previous = t;
        }
        if (expected != fileSize) {
            throw new ModelException("Cannot read " + label + ": " + (fileSize - expected) + " trailing bytes after "
                    + (previous == null ? "the header" : "the last tensor (" + previous.name() + ")")
                    + "; the file must end where the last tensor ends");
        }
    }

    public Path path() {
        return path;
    }

    /** The tensors of the header, in header order. */
    public Map<String, Tensor> tensors() {
        return tensors;
    }

    /** The {@code __metadata__} entries (e.g. format=pt), or none. */
    public Map<String, String> metadata() {
        return metadata;
    }

    public Tensor tensor(String name) {
        Tensor t = tensors.get(name);
        if (t == null) {
            throw new ModelException("Cannot read " + label + ": it has no tensor " + name);
        }
        return t;
    }

    /** The tensor as float32 values, row-major. */
    public float[] floats(String name) {
        Tensor t = tensor(name);
        byte[] le = float32Bytes(t);
        float[] out = new float[le.length / 4];
        ByteBuffer.wrap(le).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(out);
        return out;
    }

    /**
     * The tensor as little-endian float32 bytes, the layout of an ONNX TensorProto's raw_data. F32 data is
     * returned as read; F16, BF16 and F64 are converted (F64 rounds to nearest).
     */
    public byte[] float32Bytes(Tensor t) {
        if (!t.isFloat()) {
            throw new ModelException("Cannot read " + label + ": tensor " + t.name() + " has dtype " + t.dtype()
                    + ", expected F32, F16, BF16 or F64");
        }
        long n = t.elements();
        if (n * 4 > Integer.MAX_VALUE - 16) {
            throw new ModelException("Cannot read " + label + ": tensor " + t + " has more than 2 GB of float32 data");
        }
        byte[] raw = rawBytes(t);
        if (t.dtype().equals("F32")) {
            return raw;
        }
        ByteBuffer in = ByteBuffer.wrap(raw).order(ByteOrder.LITTLE_ENDIAN);
        ByteBuffer out = ByteBuffer.allocate((int) (n * 4)).order(ByteOrder.LITTLE_ENDIAN);
        switch (t.dtype()) {
            case "F16":
                for (long i = 0; i < n; i++) {
                    out.putFloat(halfToFloat(in.getShort()));
                }
                break;
            case "BF16":
                for (long i = 0; i < n; i++) {
                    out.putInt((in.getShort() & 0xffff) << 16);
                }
                break;
            case "F64":
                for (long i = 0; i < n; i++) {
                    out.putFloat((float) in.getDouble());
                }
                break;
            default:
                throw new IllegalStateException(t.dtype());
        }
        return out.array();
    }

    /** IEEE 754 binary16 to float32, exactly (every half value is a float). Java 17 has no Float.float16ToFloat. */
    static float halfToFloat(short h) {
        int bits = h & 0xffff;
        int sign = (bits & 0x8000) << 16;
        int exp = (bits >>> 10) & 0x1f;
        int mant = bits & 0x3ff;
        if (exp == 0x1f) {
            return Float.intBitsToFloat(sign | 0x7f800000 | (mant << 13)); // infinities and NaNs
        }
        if (exp == 0) {
            float sub = mant * 0x1p-24f; // zero or subnormal: mant · 2^-24, exact in float
            return sign == 0 ? sub : -sub;
        }
        return Float.intBitsToFloat(sign | ((exp + 112) << 23) | (mant << 13));
    }

    /** The tensor's bytes as stored, whatever its dtype. */
    byte[] rawBytes(Tensor t) {
        ensureOpen();
        long len = t.end() - t.begin();
        if (len > Integer.MAX_VALUE - 16) {
            throw new ModelException("Cannot read " + label + ": tensor " + t + " is larger than 2 GB");
        }
        ByteBuffer buf = ByteBuffer.allocate((int) len);
        readFully(channel, buf, t.begin(), path);
        return buf.array();
    }

    private static void readFully(FileChannel ch, ByteBuffer buf, long position, Path path) {
        try {
            long pos = position;
            while (buf.hasRemaining()) {
                int r = ch.read(buf, pos);
                if (r < 0) {
                    throw new ModelException("Cannot read " + path.getFileName() + ": unexpected end of file at byte "
                            + pos + " (truncated?) (" + path + ")");
                }
                pos += r;
            }
        } catch (IOException e) {
            throw new ModelException("Cannot read " + path + ": " + e.getMessage(), e);
        }
    }

    private void ensureOpen() {
        if (closed) {
            throw new IllegalStateException("Safetensors " + path + " is closed");
        }
    }

    /** File size in bytes. */
    public long size() {
        return size;
    }

    @Override
    public void close() {
        if (!closed) {
            closed = true;
            closeQuietly(channel);
        }
    }

    private static void closeQuietly(FileChannel ch) {
        try {
            ch.close();
        } catch (IOException ignored) {
            // read-only: nothing to lose
        }
    }
}
