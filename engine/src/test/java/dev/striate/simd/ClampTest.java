package dev.striate.simd;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** {@link Clamp}'s compare-and-blend gives {@code Math.min(Math.max(x, min), max)}'s bits for every value and bound. */
class ClampTest {

    private static final float[] VALUES = {Float.NaN, Float.NEGATIVE_INFINITY, -Float.MAX_VALUE, -6f, -1f, -Float.MIN_NORMAL,
        -Float.MIN_VALUE, -0f, 0f, Float.MIN_VALUE, Float.MIN_NORMAL, 0.5f, 1f, 6f, Float.MAX_VALUE, Float.POSITIVE_INFINITY,
        Float.intBitsToFloat(0xffc00000), Float.intBitsToFloat(0x7fc00001)};

    @Test
    void blendsGiveMathsBitsForEveryValueAndBound() {
        for (float min : VALUES) {
            for (float max : VALUES) {
                if (!(min <= max)) {
                    continue; // an epilogue's clamp needs min <= max
                }
                float below = Clamp.lowerThreshold(min);
                float above = Clamp.upperThreshold(max);
                for (float x : VALUES) {
                    float low = x <= below ? min : x;
                    float clamped = low >= above ? max : low;
                    float expected = Math.min(Math.max(x, min), max);
                    assertEquals(Float.floatToRawIntBits(expected), Float.floatToRawIntBits(clamped),
                            () -> "clamp(" + x + ", " + min + ", " + max + ")");
                }
            }
        }
    }
}
