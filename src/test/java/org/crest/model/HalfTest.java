package org.crest.model;

import static org.assertj.core.api.Assertions.assertThat;

import ai.onnxruntime.platform.Fp16Conversions;
import org.junit.jupiter.api.Test;

/**
 * The float16 contract the fp16 conversion (OnnxGraph.toFloat16, crest model convert --precision fp16) relies on,
 * checked against ONNX Runtime's {@link Fp16Conversions}: IEEE 754 binary16, round to nearest, ties to even,
 * overflow to infinity, subnormals kept, every float16 round-trips.
 */
class HalfTest {

    @Test
    void knownValues() {
        assertThat(Fp16Conversions.floatToFp16(1f)).isEqualTo((short) 0x3c00);
        assertThat(Fp16Conversions.floatToFp16(-2f)).isEqualTo((short) 0xc000);
        assertThat(Fp16Conversions.floatToFp16(65504f)).as("largest finite").isEqualTo((short) 0x7bff);
        assertThat(Fp16Conversions.floatToFp16(-65504f)).isEqualTo((short) 0xfbff);
        assertThat(Fp16Conversions.floatToFp16(65520f))
                .as("rounds up to infinity")
                .isEqualTo((short) 0x7c00);
        assertThat(Fp16Conversions.floatToFp16(65519f))
                .as("rounds down to the largest finite")
                .isEqualTo((short) 0x7bff);
        assertThat(Fp16Conversions.floatToFp16(-Float.MAX_VALUE)).isEqualTo((short) 0xfc00);
        assertThat(Fp16Conversions.floatToFp16(0x1p-24f))
                .as("smallest subnormal")
                .isEqualTo((short) 0x0001);
        assertThat(Fp16Conversions.floatToFp16(0x1p-25f))
                .as("half of it ties to even: zero")
                .isEqualTo((short) 0x0000);
        assertThat(Fp16Conversions.floatToFp16(0x1.8p-24f))
                .as("1.5 ulp ties to even: 2")
                .isEqualTo((short) 0x0002);
        assertThat(Fp16Conversions.floatToFp16(0x1p-14f)).as("smallest normal").isEqualTo((short) 0x0400);
        assertThat(Fp16Conversions.floatToFp16(1f + 0x1p-11f))
                .as("tie between 1 and 1+2^-10 goes to even (1)")
                .isEqualTo((short) 0x3c00);
        assertThat(Fp16Conversions.floatToFp16(1f + 0x1.8p-10f))
                .as("tie goes to even (1+2^-9)")
                .isEqualTo((short) 0x3c02);
        assertThat(Fp16Conversions.floatToFp16(-0f)).isEqualTo((short) 0x8000);
        assertThat(Float.isNaN(Fp16Conversions.fp16ToFloat(Fp16Conversions.floatToFp16(Float.NaN))))
                .isTrue();
    }

    @Test
    void everyHalfRoundTripsThroughFloat() {
        for (int bits = 0; bits < 0x10000; bits++) {
            short h = (short) bits;
            float f = Fp16Conversions.fp16ToFloat(h);
            if (Float.isNaN(f)) {
                assertThat(Float.isNaN(Fp16Conversions.fp16ToFloat(Fp16Conversions.floatToFp16(f))))
                        .as("NaN %04x", bits)
                        .isTrue();
            } else {
                assertThat(Fp16Conversions.floatToFp16(f))
                        .as("bits %04x (%s)", bits, f)
                        .isEqualTo(h);
            }
        }
    }

    @Test
    void roundingIsToTheNearestHalf() {
        java.util.Random r = new java.util.Random(3);
        for (int i = 0; i < 200_000; i++) {
            float f = (float) (r.nextGaussian() * Math.pow(2, r.nextInt(30) - 20));
            short h = Fp16Conversions.floatToFp16(f);
            float got = Fp16Conversions.fp16ToFloat(h);
            // no other finite half is closer
            float up = Fp16Conversions.fp16ToFloat((short) (h + 1));
            float down = Fp16Conversions.fp16ToFloat((short) (h - 1));
            double err = Math.abs((double) got - f);
            if (!Float.isInfinite(up) && !Float.isNaN(up)) {
                assertThat(err).as("%s -> %s vs %s", f, got, up).isLessThanOrEqualTo(Math.abs((double) up - f));
            }
            if (!Float.isInfinite(down) && !Float.isNaN(down)) {
                assertThat(err).as("%s -> %s vs %s", f, got, down).isLessThanOrEqualTo(Math.abs((double) down - f));
            }
        }
    }

    @Test
    void bundleBytesAreLittleEndianFloat16() {
        byte[] f32 = java.nio.ByteBuffer.allocate(8)
                .order(java.nio.ByteOrder.LITTLE_ENDIAN)
                .putFloat(1f)
                .putFloat(-2f)
                .array();
        assertThat(OnnxGraph.toFloat16(f32)).containsExactly(0x00, 0x3c, 0x00, (byte) 0xc0);
    }
}
