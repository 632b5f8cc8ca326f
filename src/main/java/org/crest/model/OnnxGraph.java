package org.crest.model;

import ai.onnx.proto.OnnxMl;
import ai.onnx.proto.OnnxMl.AttributeProto;
import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import ai.onnxruntime.platform.Fp16Conversions;
import com.google.protobuf.ByteString;
import com.google.protobuf.UnsafeByteOperations;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A small builder over the ONNX protobuf classes ({@code ai.onnx.proto.OnnxMl}): nodes with generated
 * output names, float/int64 initializers, and optionally ONNX external data (large initializers written to
 * a side file, referenced by location/offset/length).
 */
final class OnnxGraph {
    /** Initializers at least this large go to the external data file when there is one. */
    static final int EXTERNAL_MIN_BYTES = 1024;
    /** Offsets in the external data file are aligned like onnx's own writer does for mmap. */
    private static final int EXTERNAL_ALIGN = 4096;

    private final GraphProto.Builder graph = GraphProto.newBuilder();
    private final Map<String, Integer> counters = new HashMap<>();
    private final ExternalData external;
    private final boolean fp16;
    private long initializerBytes;

    /** Where external tensor data goes: the stream of the data file and its name relative to model.onnx. */
    static final class ExternalData {
        final OutputStream out;
        final String location;
        long offset;

        ExternalData(OutputStream out, String location) {
            this.out = out;
            this.location = location;
        }
    }

    OnnxGraph(String name, ExternalData external) {
        this(name, external, false);
    }

    /** @param fp16 store float initializers and constants as float16 (the graph then computes in float16) */
    OnnxGraph(String name, ExternalData external, boolean fp16) {
        graph.setName(name);
        this.external = external;
        this.fp16 = fp16;
    }

    /** The element type of float tensors in this graph: FLOAT, or FLOAT16 for an fp16 graph. */
    int floatType() {
        return fp16 ? TensorProto.DataType.FLOAT16_VALUE : TensorProto.DataType.FLOAT_VALUE;
    }

    GraphProto.Builder proto() {
        return graph;
    }

    long initializerBytes() {
        return initializerBytes;
    }

    /** A fresh value name from a readable prefix. */
    String fresh(String prefix) {
        int n = counters.merge(prefix, 1, Integer::sum);
        return n == 1 ? prefix : prefix + "_" + n;
    }

    /** Adds a node with one output and returns the output's name. */
    String op(String opType, String outPrefix, List<String> inputs, AttributeProto... attrs) {
        String out = fresh(outPrefix);
        opTo(opType, out, inputs, attrs);
        return out;
    }

    /** Adds a node whose single output has the given name. */
    void opTo(String opType, String output, List<String> inputs, AttributeProto... attrs) {
        NodeProto.Builder n = NodeProto.newBuilder()
                .setOpType(opType)
                .setName(output + "/" + opType)
                .addAllInput(inputs)
                .addOutput(output);
        for (AttributeProto a : attrs) {
            n.addAttribute(a);
        }
        graph.addNode(n);
    }

    /** ONNX Runtime's contrib operator domain (DynamicQuantizeMatMul, ...). */
    static final String MS_DOMAIN = "com.microsoft";

    /**
     * Adds a node of an operator domain ("" for standard ONNX, or {@link #MS_DOMAIN}) with {@code outputs}
     * outputs and returns their names. An empty input name skips an optional input.
     */
    List<String> opIn(
            String domain, String opType, String outPrefix, int outputs, List<String> inputs, AttributeProto... attrs) {
        List<String> outs = new java.util.ArrayList<>(outputs);
        for (int i = 0; i < outputs; i++) {
            outs.add(fresh(outputs == 1 ? outPrefix : outPrefix + "." + i));
        }
        NodeProto.Builder n = NodeProto.newBuilder()
                .setOpType(opType)
                .setName(outs.get(0) + "/" + opType)
                .setDomain(domain)
                .addAllInput(inputs)
                .addAllOutput(outs);
        for (AttributeProto a : attrs) {
            n.addAttribute(a);
        }
        graph.addNode(n);
        return outs;
    }

    static AttributeProto attr(String name, long value) {
        return AttributeProto.newBuilder()
                .setName(name)
                .setType(AttributeProto.AttributeType.INT)
                .setI(value)
                .build();
    }

    static AttributeProto attr(String name, float value) {
        return AttributeProto.newBuilder()
                .setName(name)
                .setType(AttributeProto.AttributeType.FLOAT)
                .setF(value)
                .build();
    }

    static AttributeProto attrInts(String name, long... values) {
        AttributeProto.Builder b = AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.INTS);
        for (long v : values) {
            b.addInts(v);
        }
        return b.build();
    }

    /**
     * A float initializer from little-endian float32 bytes (raw_data, or external data); in an fp16 graph
     * the values are rounded to float16 (round to nearest even) first.
     */
    String floatInit(String name, long[] dims, byte[] float32LittleEndian) {
        long n = 1;
        for (long d : dims) {
            n *= d;
        }
        if (n * 4 != float32LittleEndian.length) {
            throw new IllegalArgumentException(
                    name + ": " + float32LittleEndian.length + " bytes for " + n + " floats");
        }
        byte[] littleEndian = fp16 ? toFloat16(float32LittleEndian) : float32LittleEndian;
        if (fp16) {
            checkHalfRange(name, float32LittleEndian, littleEndian);
        }
        return rawInit(name, floatType(), dims, littleEndian);
    }

    /** An int8 initializer (one byte per element), e.g. quantized weights. */
    String int8Init(String name, long[] dims, byte[] values) {
        long n = 1;
        for (long d : dims) {
            n *= d;
        }
        if (n != values.length) {
            throw new IllegalArgumentException(name + ": " + values.length + " bytes for " + n + " int8 values");
        }
        return rawInit(name, TensorProto.DataType.INT8_VALUE, dims, values);
    }

    /** An initializer of elemType from its little-endian bytes, in raw_data or in the external data file. */
    private String rawInit(String name, int elemType, long[] dims, byte[] littleEndian) {
        TensorProto.Builder t = TensorProto.newBuilder().setName(name).setDataType(elemType);
        for (long d : dims) {
            t.addDims(d);
        }
        initializerBytes += littleEndian.length;
        if (external != null && littleEndian.length >= EXTERNAL_MIN_BYTES) {
            try {
                long pad = (EXTERNAL_ALIGN - external.offset % EXTERNAL_ALIGN) % EXTERNAL_ALIGN;
                external.out.write(new byte[(int) pad]);
                external.offset += pad;
                external.out.write(littleEndian);
            } catch (IOException e) {
                throw new UncheckedIOException("Cannot write external data " + external.location, e);
            }
            t.setDataLocation(TensorProto.DataLocation.EXTERNAL);
            t.addExternalData(entry("location", external.location));
            t.addExternalData(entry("offset", Long.toString(external.offset)));
            t.addExternalData(entry("length", Long.toString(littleEndian.length)));
            external.offset += littleEndian.length;
        } else {
            // the array is not touched again: wrap it instead of copying GBs of weights
            t.setRawData(UnsafeByteOperations.unsafeWrap(littleEndian));
        }
        graph.addInitializer(t);
        return name;
    }

    private static OnnxMl.StringStringEntryProto entry(String k, String v) {
        return OnnxMl.StringStringEntryProto.newBuilder().setKey(k).setValue(v).build();
    }

    /** A float initializer from values (float16 in an fp16 graph). */
    /** A finite float32 weight beyond float16's range (±65504) would become an infinity in an fp16 graph. */
    private static void checkHalfRange(String name, byte[] float32, byte[] half) {
        ByteBuffer f = ByteBuffer.wrap(float32).order(ByteOrder.LITTLE_ENDIAN);
        ByteBuffer h = ByteBuffer.wrap(half).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < half.length / 2; i++) {
            short s = h.getShort(2 * i);
            if ((s & 0x7c00) == 0x7c00 && Float.isFinite(f.getFloat(4 * i))) {
                throw new org.crest.ModelException("Cannot convert to float16: tensor " + name + " has the value "
                        + f.getFloat(4 * i) + " at element " + i + ", outside float16's range (±65504); convert with "
                        + "--precision fp32");
            }
        }
    }

    String floatInit(String name, long[] dims, float... values) {
        ByteBuffer b = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        b.asFloatBuffer().put(values);
        return floatInit(name, dims, b.array());
    }

    /** A float scalar constant (rank 0; float16 in an fp16 graph). */
    String floatScalar(String name, float value) {
        return floatInit(fresh(name), new long[0], value);
    }

    /** An int64 initializer; {@code dims} empty for a scalar. */
    String int64Init(String name, long[] dims, long... values) {
        ByteBuffer b = ByteBuffer.allocate(values.length * 8).order(ByteOrder.LITTLE_ENDIAN);
        b.asLongBuffer().put(values);
        TensorProto.Builder t = TensorProto.newBuilder()
                .setName(fresh(name))
                .setDataType(TensorProto.DataType.INT64_VALUE)
                .setRawData(ByteString.copyFrom(b.array()));
        for (long d : dims) {
            t.addDims(d);
        }
        graph.addInitializer(t);
        return t.getName();
    }

    /** A graph input or output: a tensor of elemType with named (dynamic) or fixed dimensions. */
    static OnnxMl.ValueInfoProto valueInfo(String name, int elemType, Object... dims) {
        OnnxMl.TensorShapeProto.Builder shape = OnnxMl.TensorShapeProto.newBuilder();
        for (Object d : dims) {
            OnnxMl.TensorShapeProto.Dimension.Builder dim = OnnxMl.TensorShapeProto.Dimension.newBuilder();
            if (d instanceof String) {
                dim.setDimParam((String) d);
            } else {
                dim.setDimValue(((Number) d).longValue());
            }
            shape.addDim(dim);
        }
        return OnnxMl.ValueInfoProto.newBuilder()
                .setName(name)
                .setType(OnnxMl.TypeProto.newBuilder()
                        .setTensorType(OnnxMl.TypeProto.Tensor.newBuilder()
                                .setElemType(elemType)
                                .setShape(shape)))
                .build();
    }

    /**
     * Little-endian float32 bytes to little-endian float16 bytes, each value rounded to the nearest float16 (ties to
     * even) by ONNX Runtime's {@link Fp16Conversions} (HalfTest checks that contract).
     */
    static byte[] toFloat16(byte[] float32) {
        java.nio.FloatBuffer in =
                ByteBuffer.wrap(float32).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer();
        ByteBuffer out = ByteBuffer.allocate(float32.length / 2).order(ByteOrder.LITTLE_ENDIAN);
        while (in.hasRemaining()) {
            out.putShort(Fp16Conversions.floatToFp16(in.get()));
        }
        return out.array();
    }
}
