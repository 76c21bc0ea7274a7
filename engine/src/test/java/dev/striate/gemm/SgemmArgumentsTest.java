package dev.striate.gemm;

import dev.striate.simd.FloatSpecies;

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
        // The same grid with B pre-packed and A packed per call: now the rows are the cheap split.
        assertEquals(2, Sgemm.rowParts(2, 22, 33, 3, 24, true, false));
        // AlexNet conv2 on 8x2v (32 row and 23 column panels, A pre-packed): packing costs twice the
        // multiply-adds per float on 16 lanes, so the columns (12 and 11 panels) beat 16 rows that
        // would each pack all of B; on 8 lanes the rows' fewer tiles still win.
        assertEquals(FloatSpecies.LANES >= 16 ? 1 : 2, Sgemm.rowParts(2, 32, 23, 8, 32, false, true));
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
