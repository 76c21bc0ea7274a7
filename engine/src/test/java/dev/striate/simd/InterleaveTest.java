package dev.striate.simd;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import org.junit.jupiter.api.Test;

/** The de-interleave and its inverse against their element-wise definitions, every length to a few vectors and odd offsets. */
class InterleaveTest {

    @Test
    void splitPairsAndMergePairsFollowTheirDefinitions() {
        int l = FloatSpecies.LANES;
        for (int n = 0; n <= 5 * l + 3; n++) {
            // even n with a pair of vectors to spare after the row: short rows then take the read-on path
            float[] x = new float[n + 7 + (n % 2 == 0 ? 2 * l : 0)];
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

    @Test
    void transposeSquareTransposesABlockOfALanesSide() {
        int n = FloatSpecies.LANES;
        org.junit.jupiter.api.Assumptions.assumeTrue(n == 8 || n == 16, "8 or 16 lanes");
        float[] src = new float[3 + (n - 1) * (n + 3) + n];
        for (int i = 0; i < src.length; i++) {
            src[i] = i * 0.25f - 40f;
        }
        float[] dst = new float[5 + (n - 1) * (n + 5) + n];
        java.util.Arrays.fill(dst, Float.NaN);
        Interleave.transposeSquare(src, 3, n + 3, dst, 5, n + 5);
        float[] expected = new float[dst.length];
        java.util.Arrays.fill(expected, Float.NaN);
        for (int r = 0; r < n; r++) {
            for (int j = 0; j < n; j++) {
                expected[5 + r * (n + 5) + j] = src[3 + j * (n + 3) + r];
            }
        }
        assertArrayEquals(expected, dst, "dst row r = source column r; nothing else written");
    }

    @Test
    void transpose8InterleavesEightRowsAtAnyWidth() {
        int lanes = FloatSpecies.LANES;
        float[] src = new float[2 + 7 * 37 + lanes];
        for (int i = 0; i < src.length; i++) {
            src[i] = i * 0.5f - 3f;
        }
        float[] dst = new float[4 + 8 * lanes + 3];
        java.util.Arrays.fill(dst, Float.NaN);
        Interleave.transpose8(src, 2, 37, dst, 4, lanes);
        float[] expected = new float[dst.length];
        java.util.Arrays.fill(expected, Float.NaN);
        for (int p = 0; p < lanes; p++) {
            for (int r = 0; r < 8; r++) {
                expected[4 + 8 * p + r] = src[2 + r * 37 + p];
            }
        }
        assertArrayEquals(expected, dst, "dst[8p + r] = row r, column p; nothing else written");
    }

    @Test
    void transpose8TransposesInPlace() {
        org.junit.jupiter.api.Assumptions.assumeTrue(FloatSpecies.LANES == 8, "an 8x8 transpose at 8 lanes only");
        float[] block = new float[64];
        for (int i = 0; i < 64; i++) {
            block[i] = i;
        }
        Interleave.transpose8(block, 0, 8, block, 0, 8);
        for (int r = 0; r < 8; r++) {
            for (int j = 0; j < 8; j++) {
                org.junit.jupiter.api.Assertions.assertEquals(j * 8 + r, block[r * 8 + j], "in place, row " + r + " column " + j);
            }
        }
    }
}
