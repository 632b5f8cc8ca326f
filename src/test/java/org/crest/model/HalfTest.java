package org.crest.model;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class HalfTest {

  @Test
  void knownValues() {
    assertThat(Half.fromFloat(1f)).isEqualTo((short) 0x3c00);
    assertThat(Half.fromFloat(-2f)).isEqualTo((short) 0xc000);
    assertThat(Half.fromFloat(65504f)).as("largest finite").isEqualTo((short) 0x7bff);
    assertThat(Half.fromFloat(-65504f)).isEqualTo((short) 0xfbff);
    assertThat(Half.fromFloat(65520f)).as("rounds up to infinity").isEqualTo((short) 0x7c00);
    assertThat(Half.fromFloat(65519f)).as("rounds down to the largest finite").isEqualTo((short) 0x7bff);
    assertThat(Half.fromFloat(-Float.MAX_VALUE)).isEqualTo((short) 0xfc00);
    assertThat(Half.fromFloat(0x1p-24f)).as("smallest subnormal").isEqualTo((short) 0x0001);
    assertThat(Half.fromFloat(0x1p-25f)).as("half of it ties to even: zero").isEqualTo((short) 0x0000);
    assertThat(Half.fromFloat(0x1.8p-24f)).as("1.5 ulp ties to even: 2").isEqualTo((short) 0x0002);
    assertThat(Half.fromFloat(0x1p-14f)).as("smallest normal").isEqualTo((short) 0x0400);
    assertThat(Half.fromFloat(1f + 0x1p-11f)).as("tie between 1 and 1+2^-10 goes to even (1)").isEqualTo((short) 0x3c00);
    assertThat(Half.fromFloat(1f + 0x1.8p-10f)).as("tie goes to even (1+2^-9)").isEqualTo((short) 0x3c02);
    assertThat(Half.fromFloat(-0f)).isEqualTo((short) 0x8000);
    assertThat(Float.isNaN(Half.toFloat(Half.fromFloat(Float.NaN)))).isTrue();
  }

  @Test
  void everyHalfRoundTripsThroughFloat() {
    for (int bits = 0; bits < 0x10000; bits++) {
      short h = (short) bits;
      float f = Half.toFloat(h);
      if (Float.isNaN(f)) {
        assertThat(Float.isNaN(Half.toFloat(Half.fromFloat(f)))).as("NaN %04x", bits).isTrue();
      } else {
        assertThat(Half.fromFloat(f)).as("bits %04x (%s)", bits, f).isEqualTo(h);
      }
    }
  }

  @Test
  void roundingIsToTheNearestHalf() {
    java.util.Random r = new java.util.Random(3);
    for (int i = 0; i < 200_000; i++) {
      float f = (float) (r.nextGaussian() * Math.pow(2, r.nextInt(30) - 20));
      short h = Half.fromFloat(f);
      float got = Half.toFloat(h);
      // no other finite half is closer
      float up = Half.toFloat((short) (h + 1));
      float down = Half.toFloat((short) (h - 1));
      double err = Math.abs((double) got - f);
      if (!Float.isInfinite(up) && !Float.isNaN(up)) {
        assertThat(err).as("%s -> %s vs %s", f, got, up).isLessThanOrEqualTo(Math.abs((double) up - f));
      }
      if (!Float.isInfinite(down) && !Float.isNaN(down)) {
        assertThat(err).as("%s -> %s vs %s", f, got, down).isLessThanOrEqualTo(Math.abs((double) down - f));
      }
    }
  }
}
