package dev.striate.gemm;


import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.striate.gemm.Transpose;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/** Illegal arguments are reported like BLAS's xerbla: by position and name, before C is touched. */
class SgemmArgumentsTest {

    private static final Transpose N = Transpose.N;
    private static final Transpose T = Transpose.T;

    private final float[] a = new float[6];   // 2x3
    private final float[] b = new float[12];  // 3x4
    private final float[] c = new float[8];   // 2x4

    private void assertIllegal(String expected, Executable call) {
        float[] before = c.clone();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call);
        assertTrue(e.getMessage().contains(expected), () -> "message '" + e.getMessage() + "' lacks '" + expected + "'");
        assertTrue(Arrays.equals(before, c), "C was modified by a rejected call");
    }

    @Test
    void namesEachIllegalArgument() {
        Arrays.fill(c, 7f);
        assertIllegal("argument 1 (ta", () -> Sgemm.sgemm(null, N, 2, 4, 3, 1f, a, 0, 3, b, 0, 4, 0f, c, 0, 4));
        assertIllegal("argument 2 (tb", () -> Sgemm.sgemm(N, null, 2, 4, 3, 1f, a, 0, 3, b, 0, 4, 0f, c, 0, 4));
        assertIllegal("argument 3 (m = -1)", () -> Sgemm.sgemm(N, N, -1, 4, 3, 1f, a, 0, 3, b, 0, 4, 0f, c, 0, 4));
        assertIllegal("argument 4 (n = -2)", () -> Sgemm.sgemm(N, N, 2, -2, 3, 1f, a, 0, 3, b, 0, 4, 0f, c, 0, 4));
        assertIllegal("argument 5 (k = -3)", () -> Sgemm.sgemm(N, N, 2, 4, -3, 1f, a, 0, 3, b, 0, 4, 0f, c, 0, 4));
        assertIllegal("argument 9 (lda = 2): must be >= max(1, k) = 3", () -> Sgemm.sgemm(N, N, 2, 4, 3, 1f, a, 0, 2, b, 0, 4, 0f, c, 0, 4));
        assertIllegal("argument 9 (lda = 1): must be >= max(1, m) = 2", () -> Sgemm.sgemm(T, N, 2, 4, 3, 1f, a, 0, 1, b, 0, 4, 0f, c, 0, 4));
        assertIllegal("argument 12 (ldb = 3): must be >= max(1, n) = 4", () -> Sgemm.sgemm(N, N, 2, 4, 3, 1f, a, 0, 3, b, 0, 3, 0f, c, 0, 4));
        assertIllegal("argument 12 (ldb = 2): must be >= max(1, k) = 3", () -> Sgemm.sgemm(N, T, 2, 4, 3, 1f, a, 0, 3, b, 0, 2, 0f, c, 0, 4));
        assertIllegal("argument 16 (ldc = 3)", () -> Sgemm.sgemm(N, N, 2, 4, 3, 1f, a, 0, 3, b, 0, 4, 0f, c, 0, 3));
        assertIllegal("argument 7 (a = null)", () -> Sgemm.sgemm(N, N, 2, 4, 3, 1f, null, 0, 3, b, 0, 4, 0f, c, 0, 4));
        assertIllegal("argument 8 (aOff = -1)", () -> Sgemm.sgemm(N, N, 2, 4, 3, 1f, a, -1, 3, b, 0, 4, 0f, c, 0, 4));
        assertIllegal("argument 7 (a = float[6]): too short", () -> Sgemm.sgemm(N, N, 2, 4, 3, 1f, a, 1, 3, b, 0, 4, 0f, c, 0, 4));
        assertIllegal("argument 10 (b = float[12]): too short", () -> Sgemm.sgemm(N, N, 2, 4, 3, 1f, a, 0, 3, b, 0, 5, 0f, c, 0, 4));
        assertIllegal("argument 11 (bOff = -4)", () -> Sgemm.sgemm(N, N, 2, 4, 3, 1f, a, 0, 3, b, -4, 4, 0f, c, 0, 4));
        assertIllegal("argument 14 (c = float[8]): too short", () -> Sgemm.sgemm(N, N, 2, 4, 3, 1f, a, 0, 3, b, 0, 4, 0f, c, 1, 4));
        assertIllegal("argument 15 (cOff = -1)", () -> Sgemm.sgemm(N, N, 2, 4, 3, 1f, a, 0, 3, b, 0, 4, 0f, c, -1, 4));
        assertIllegal("c overlaps a", () -> Sgemm.sgemm(N, N, 2, 4, 3, 1f, c, 0, 3, b, 0, 4, 0f, c, 0, 4));
    }

    @Test
    void hugeDimensionsCannotWrapIntoAValidIndex() {
        // (m-1)*lda overflows int; computed in long it exceeds the array and is refused.
        assertIllegal("too short", () -> Sgemm.sgemm(N, N, 1 << 17, 4, 3, 1f, a, 0, 1 << 15, b, 0, 4, 0f, c, 0, 4));
    }

    @Test
    void unreadOperandsMayBeNull() {
        float[] cc = {1f, 2f, 3f, 4f};
        Sgemm.sgemm(N, N, 2, 2, 3, 0f, null, 0, 3, null, 0, 2, 2f, cc, 0, 2);
        assertEquals(8f, cc[3]);
        Sgemm.sgemm(N, N, 2, 2, 0, 1f, null, 0, 1, null, 0, 2, 0f, cc, 0, 2);
        assertEquals(0f, cc[3]);
        Sgemm.sgemm(N, N, 0, 0, 5, 1f, null, 0, 5, null, 0, 1, 0f, null, 0, 1);
    }

    @Test
    void threadGridPrefersTheSplitWithTheLeastWorkPerThread() {
        assertEquals(1, Sgemm.rowParts(2, 22, 196, 3, 24, true, true));   // M=64 rows: split the columns
        assertEquals(2, Sgemm.rowParts(2, 400, 3, 3, 24, true, true));    // few columns: split the rows
        assertEquals(1, Sgemm.rowParts(1, 100, 100, 3, 24, true, true));
        assertEquals(4, Sgemm.rowParts(16, 100, 100, 8, 32, true, true)); // square: a 4x4 grid
        // M=64, N=784 (33 panels): rows give 363 tiles against 374, but each thread would pack all of B.
        assertEquals(1, Sgemm.rowParts(2, 22, 33, 3, 24, false, true));
        // B pre-packed, A packed per call: splitting the columns, each thread packs all of A; the rows
        // win once A is the bigger side, dealt as tiles (each reads all of B, packs half of A).
        assertEquals(2, Sgemm.rowParts(2, 100, 5, 3, 24, true, false));
        assertTrue(Sgemm.dealsTiles(2, 2, true, false));
        // Every thread reading all of a pre-packed B costs too: 22 x 33 panels stay split by columns.
        assertEquals(1, Sgemm.rowParts(2, 22, 33, 3, 24, true, false));
        // AlexNet conv2 on 8x2v (32 row and 23 column panels, A pre-packed): the columns, dealt as
        // tiles (368 each), beat 16 rows that would each pack all of B.
        assertEquals(1, Sgemm.rowParts(2, 32, 23, 8, 32, false, true));
        // 16 threads on 7 x 11 tiles, A shared: one-sided, by tiles, rather than a grid of panels.
        assertEquals(1, Sgemm.rowParts(16, 7, 11, 7, 48, false, false));
        assertEquals(16, Sgemm.colParts(16, 1, 11, false, false));
        assertEquals(8, Sgemm.colParts(16, 2, 11, true, false));
    }

    @Test
    void tilesAreDealtInRunsOfEqualAreaWithOneOwnerEach() {
        // 7 row panels of 7 (49 rows) under 11 column panels of 48 (the last 32): split by columns.
        long[] expected = {0, 37, 77};
        for (int part = 0; part <= 2; part++) {
            assertEquals(expected[part], Sgemm.firstTile(part, 2, 48, 512, 7, 49));
        }
        for (int parts : new int[] {2, 3, 5, 16, 100}) {
            for (int[] shape : new int[][] {{48, 512, 7, 49}, {32, 729, 8, 256}, {7, 50, 48, 33}, {8, 8, 32, 5}}) {
                long previous = 0;
                for (int part = 1; part <= parts; part++) {
                    long t = Sgemm.firstTile(part, parts, shape[0], shape[1], shape[2], shape[3]);
                    assertTrue(t >= previous, "boundaries never decrease");
                    previous = t;
                }
                assertEquals((long) Sgemm.ceilDiv(shape[1], shape[0]) * Sgemm.ceilDiv(shape[3], shape[2]), previous,
                        "the last part ends at the last tile");
            }
        }
    }

    @Test
    void configRejectsUnknownKernelsAndNonPositiveBlocks() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> GemmConfig.of("5x5v", 64, 64, 64));
        assertTrue(e.getMessage().contains("3x3v"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> GemmConfig.of("3x3v", 0, 64, 64));
        GemmConfig rounded = GemmConfig.of("3x3v", 100, 64, 1);
        assertEquals(99, rounded.mc());
        assertEquals(rounded.nr(), rounded.nc());
    }

    @Test
    void epilogueBiasMustCoverRowsOrColumns() {
        Sgemm gemm = Sgemm.shared();
        assertIllegal("PER_ROW bias needs m = 2 row values from offset 1, got float[2]",
                () -> gemm.gemm(N, N, 2, 4, 3, 1f, a, 0, 3, b, 0, 4, 0f, c, 0, 4,
                        Epilogue.bias(Epilogue.Bias.PER_ROW), new float[2], 1));
        assertIllegal("PER_COLUMN bias needs n = 4 column values from offset 0, got null",
                () -> gemm.gemm(N, N, 2, 4, 3, 1f, a, 0, 3, b, 0, 4, 0f, c, 0, 4,
                        Epilogue.relu(Epilogue.Bias.PER_COLUMN), null, 0));
        assertIllegal("epilogue must not be null", () -> gemm.gemm(N, N, 2, 4, 3, 1f, a, 0, 3, b, 0, 4, 0f, c, 0, 4,
                null, null, 0));
        assertThrows(IllegalArgumentException.class, () -> Epilogue.of(Epilogue.Bias.NONE, 1f, 0f));
        assertThrows(IllegalArgumentException.class, () -> Epilogue.of(Epilogue.Bias.NONE, Float.NaN, 0f));
    }
}
