package dev.striate.simd;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import org.junit.jupiter.api.Test;

/** The de-interleave and its inverse against their element-wise definitions, every length to a few vectors and odd offsets. */
class InterleaveTest {

    @Test
    void splitPairsAndMergePairsFollowTheirDefinitions() {
        int l = FloatSpecies.LANES;
        for (int n = 0; n <= 5 * l + 3; n++) {
            float[] x = new float[n + 7];
            for (int i = 0; i < x.length; i++) {
                x[i] = i * 1.5f - 4f;
            }
            int from = 3;
            float[] even = new float[n + 9];
            float[] odd = new float[n + 9];
            Interleave.splitPairs(x, from, n, even, 2, odd, 5);
            float[] expectedEven = new float[even.length];
            float[] expectedOdd = new float[odd.length];
            for (int i = 0; i < n; i++) {
                if (i % 2 == 0) {
                    expectedEven[2 + i / 2] = x[from + i];
                } else {
                    expectedOdd[5 + i / 2] = x[from + i];
                }
            }
            assertArrayEquals(expectedEven, even, "splitPairs evens, n = " + n);
            assertArrayEquals(expectedOdd, odd, "splitPairs odds, n = " + n);

            float[] merged = new float[n + 6];
            java.util.Arrays.fill(merged, Float.NaN);
            Interleave.mergePairs(even, 2, odd, 5, merged, 4, n);
            float[] expected = new float[merged.length];
            java.util.Arrays.fill(expected, Float.NaN);
            System.arraycopy(x, from, expected, 4, n);
            assertArrayEquals(expected, merged, "mergePairs undoes splitPairs and writes nothing else, n = " + n);
        }
    }
}
