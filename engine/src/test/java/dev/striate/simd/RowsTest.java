package dev.striate.simd;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** {@link Rows#sumClamped}: the bits of {@code Math.min(Math.max(a + b, min), max)}, in the vector body and the tail, in place too. */
class RowsTest {

    private static final float[] VALUES = {Float.NaN, Float.NEGATIVE_INFINITY, -Float.MAX_VALUE, -6f, -1f, -Float.MIN_NORMAL,
        -Float.MIN_VALUE, -0f, 0f, Float.MIN_VALUE, Float.MIN_NORMAL, 0.5f, 1f, 6f, Float.MAX_VALUE, Float.POSITIVE_INFINITY};

    private static final float[][] BOUNDS = {{Float.NEGATIVE_INFINITY, Float.POSITIVE_INFINITY}, {0f, Float.POSITIVE_INFINITY},
        {-0f, Float.POSITIVE_INFINITY}, {0f, 6f}, {-1f, 0f}, {-1f, -0f}, {0.5f, 0.5f}};

    @Test
    void sumClampedGivesMathsBitsForEveryPairAndBound() {
        int n = VALUES.length * VALUES.length; // 256: whole vectors at 8 or 16 lanes; a tail below
        float[] a = new float[n + 3];
        float[] b = new float[n + 3];
        for (int i = 0; i < n; i++) {
            a[i + 3] = VALUES[i / VALUES.length];
            b[i + 3] = VALUES[i % VALUES.length];
        }
        for (float[] bound : BOUNDS) {
            for (int count : new int[] {n, n - 1, 5}) {
                float[] out = new float[n + 1];
                Rows.sumClamped(a, 3, b, 3, out, 1, count, bound[0], bound[1]);
                float[] inPlace = a.clone();
                Rows.sumClamped(inPlace, 3, b, 3, inPlace, 3, count, bound[0], bound[1]);
                for (int i = 0; i < count; i++) {
                    float expected = Math.min(Math.max(a[i + 3] + b[i + 3], bound[0]), bound[1]);
                    int at = i;
                    assertEquals(Float.floatToRawIntBits(expected), Float.floatToRawIntBits(out[i + 1]),
                            () -> a[at + 3] + " + " + b[at + 3] + " clamped to [" + bound[0] + ", " + bound[1] + "]");
                    assertEquals(Float.floatToRawIntBits(expected), Float.floatToRawIntBits(inPlace[i + 3]),
                            () -> "in place: " + a[at + 3] + " + " + b[at + 3]);
                }
                assertEquals(0f, out[0]);
                if (count < n) {
                    assertEquals(0f, out[count + 1], "nothing written past n");
                }
            }
        }
    }
}
