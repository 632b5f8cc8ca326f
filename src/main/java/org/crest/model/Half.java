package org.crest.model;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;

/** IEEE 754 binary16 conversion (Java 17 has no Float.floatToFloat16): round to nearest, ties to even. */
final class Half {
  private Half() {}

  /** The float16 bit pattern nearest to {@code f}; overflow gives ±infinity, NaN stays NaN. */
  static short fromFloat(float f) {
    int bits = Float.floatToRawIntBits(f);
    int sign = (bits >>> 16) & 0x8000;
    int exp = (bits >>> 23) & 0xff;
    int mant = bits & 0x7fffff;
    if (exp == 0xff) { // infinity or NaN
      return (short) (sign | 0x7c00 | (mant != 0 ? 0x200 | (mant >>> 13) : 0));
    }
    int e = exp - 127 + 15; // rebiased exponent
    if (e >= 0x1f) {
      return (short) (sign | 0x7c00); // too large: infinity
    }
    if (e <= 0) { // subnormal in float16, or zero
      if (e < -10) {
        return (short) sign; // below half the smallest subnormal: ±0
      }
      int m = mant | 0x800000; // implicit leading one
      int shift = 14 - e; // 14..24
      int half = m >>> shift;
      int rest = m & ((1 << shift) - 1);
      int halfway = 1 << (shift - 1);
      if (rest > halfway || (rest == halfway && (half & 1) == 1)) {
        half++;
      }
      return (short) (sign | half);
    }
    int half = (e << 10) | (mant >>> 13);
    int rest = mant & 0x1fff;
    if (rest > 0x1000 || (rest == 0x1000 && (half & 1) == 1)) {
      half++; // may carry into the exponent, up to infinity: still correct
    }
    return (short) (sign | half);
  }

  /** The float value of a float16 bit pattern. */
  static float toFloat(short h) {
    int bits = h & 0xffff;
    int sign = (bits & 0x8000) << 16;
    int exp = (bits >>> 10) & 0x1f;
    int mant = bits & 0x3ff;
    if (exp == 0x1f) {
      return Float.intBitsToFloat(sign | 0x7f800000 | (mant << 13));
    }
    if (exp == 0) {
      float v = mant * 0x1p-24f; // subnormal (or zero)
      return sign == 0 ? v : -v;
    }
    return Float.intBitsToFloat(sign | ((exp - 15 + 127) << 23) | (mant << 13));
  }

  /** Little-endian float32 bytes to little-endian float16 bytes. */
  static byte[] fromFloat32Bytes(byte[] float32) {
    FloatBuffer in = ByteBuffer.wrap(float32).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer();
    ByteBuffer out = ByteBuffer.allocate(float32.length / 2).order(ByteOrder.LITTLE_ENDIAN);
    while (in.hasRemaining()) {
      out.putShort(fromFloat(in.get()));
    }
    return out.array();
  }
}
