package dev.striate.verify;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.striate.gemm.Epilogue;
import dev.striate.gemm.GemmConfig;
import dev.striate.gemm.Sgemm;
import dev.striate.gemm.Transpose;
import dev.striate.runtime.ThreadPool;
import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The fused epilogue, {@code C := clamp(alpha·op(A)·op(B) + beta·C + bias, min, max)}, against the
 * GEMM oracle plus the bias and clamp applied in double; with several KC blocks, so it must run once,
 * after the last. Bound as {@link GemmCheck}, with one more rounding for the bias add.
 */
class SgemmEpilogueTest {

    /** Small blocks: every packed B block fits L2, so C is swept row panel by row panel. */
    private static final Sgemm SMALL_BLOCKS = new Sgemm(GemmConfig.of("3x3v", 6, 17, 48), new ThreadPool(2));

    /** Blocks whose packed B (KC × NC > 2^16 floats when k and n are large) is swept column panel first. */
    private static final Sgemm LARGE_BLOCKS = new Sgemm(GemmConfig.of("3x3v", 12, 280, 264), new ThreadPool(2));

    @ParameterizedTest(name = "{0} [{1}, {2}] {3}{4} m{5}n{6}k{7} beta{8} large blocks {9}")
    @CsvSource({
        "PER_ROW, 0, Infinity, N, N, 37, 53, 41, 0, false",
        "PER_ROW, -Infinity, Infinity, T, N, 5, 100, 70, 0.5, false",
        "PER_COLUMN, 0, 6, N, T, 29, 31, 35, 1, false",
        "PER_COLUMN, -Infinity, Infinity, T, T, 1, 67, 9, 0, false",
        "NONE, -0.25, 0.25, N, N, 40, 23, 50, 2, false",
        "NONE, 0, Infinity, N, N, 7, 7, 0, 1, false",
        "PER_ROW, 0, Infinity, N, N, 29, 290, 301, 0, true",
        "PER_COLUMN, -1, 1, T, N, 31, 289, 600, 0, true",
        "NONE, 0, 6, N, T, 7, 300, 290, 0.5, true",
    })
    void biasAndClampAfterTheLastKBlock(Epilogue.Bias mode, float min, float max, Transpose ta, Transpose tb,
                                        int m, int n, int k, float beta, boolean large) {
        check(large ? LARGE_BLOCKS : SMALL_BLOCKS, mode, min, max, ta, tb, m, n, k, 1.5f, beta);
    }

    /**
     * Each micro-kernel's own epilogue code on whole tiles: with alpha 1, beta 0 and one K block the
     * kernel starts from the bias and clamps before its store ({@code runFinished}); with two K blocks
     * the tile is finished after the merge ({@code finishTile}). Shapes of several whole tiles plus
     * an edge row and column, so both paths meet the scalar edge epilogue in one C.
     */
    @ParameterizedTest(name = "{0} {1} [{2}, {3}] k{4}")
    @CsvSource({
        "3x3v, PER_ROW, 0, Infinity, 40", "3x3v, PER_COLUMN, -1, 1, 90", "3x3v, NONE, -0.5, 6, 40",
        "2x4v, PER_ROW, 0, 6, 40", "2x4v, PER_COLUMN, -Infinity, Infinity, 90", "2x4v, NONE, 0, Infinity, 90",
        "6x2v, PER_ROW, -Infinity, Infinity, 90", "6x2v, PER_COLUMN, 0, Infinity, 40", "6x2v, NONE, -1, 1, 40",
        "8x2v, PER_ROW, 0, 6, 40", "8x2v, PER_COLUMN, -1, 1, 40", "8x2v, NONE, 0, Infinity, 90",
        "8x2v, PER_ROW, -Infinity, Infinity, 90", "8x2v, PER_COLUMN, 0, Infinity, 90",
    })
    void eachKernelFinishesItsWholeTiles(String kernel, Epilogue.Bias mode, float min, float max, int k) {
        GemmConfig probe = GemmConfig.of(kernel, 64, 64, 64);
        int m = 3 * probe.mr() + 1;
        int n = 2 * probe.nr() + 3;
        try (ThreadPool pool = new ThreadPool(1)) {
            check(new Sgemm(GemmConfig.of(kernel, 64 * probe.mr(), 64, 8 * probe.nr()), pool), mode, min, max,
                    Transpose.N, Transpose.N, m, n, k, 1f, 0f);
        }
    }

    /**
     * The whole-tile kernels clamp by a compare and a blend, with thresholds that give Math.max's and
     * Math.min's bits at a zero bound of either sign (MicroKernel.clampBounds): C's elements are made
     * exactly ±0, ±2^-149, ±∞, NaN and a few ordinary values (A = [1, −0] per row, B's first row the
     * values, its second 1, so the second product adds −0 and changes no sign), on one K block
     * (runFinished) and two (finishTile after the merge), whole tiles and edges together, and compared
     * bit for bit with {@code Math.min(Math.max(v, min), max)} of the same product unclamped.
     */
    @ParameterizedTest(name = "{0} [{1}, {2}]")
    @CsvSource({
        "3x3v, -0.0, 0.0", "8x2v, -0.0, 0.0", "7x3v, 0.0, 6", "6x2v, -0.0, 6", "2x4v, -6, -0.0", "8x2v, -6, 0.0",
        "7x3v, -Infinity, 0.0", "3x3v, 0.0, 0.0", "8x2v, -0.0, -0.0", "7x3v, -Infinity, Infinity", "2x4v, 0.0, Infinity",
    })
    void clampKeepsMathsBitsAtSignedZerosInfinitiesAndNaN(String kernel, float min, float max) {
        float[] values = {Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, 0f, -0f, Float.MIN_VALUE,
            -Float.MIN_VALUE, 1f, -1f, 6f, 7f, -7f, 0.5f};
        GemmConfig probe = GemmConfig.of(kernel, 64, 64, 64);
        int m = 2 * probe.mr() + 1;
        int n = 2 * probe.nr() + 3;
        for (int kc : new int[] {2, 1}) { // one K block (the kernel clamps before its store), then two
            float[] a = new float[m * 2];
            float[] b = new float[2 * n];
            for (int i = 0; i < m; i++) {
                a[2 * i] = 1f;
                a[2 * i + 1] = -0f;
            }
            for (int j = 0; j < n; j++) {
                b[j] = values[j % values.length];
                b[n + j] = 1f;
            }
            float[] sums = new float[m * n];
            float[] c = new float[m * n];
            try (ThreadPool pool = new ThreadPool(1)) {
                Sgemm gemm = new Sgemm(GemmConfig.of(kernel, 64 * probe.mr(), kc, 8 * probe.nr()), pool);
                // the sums through the same paths unclamped first (a bias of −0 keeps the epilogue,
                // so the tiles the clamped call finishes in the kernel are finished there too): a
                // zero's sign is the path's (a whole tile starts from its bias, an edge tile from +0)
                float[] negativeZeros = new float[m];
                java.util.Arrays.fill(negativeZeros, -0f);
                gemm.gemm(Transpose.N, Transpose.N, m, n, 2, 1f, a, 0, 2, b, 0, n, 0f, sums, 0, n,
                        Epilogue.of(Epilogue.Bias.PER_ROW, Float.NEGATIVE_INFINITY, Float.POSITIVE_INFINITY), negativeZeros, 0);
                gemm.gemm(Transpose.N, Transpose.N, m, n, 2, 1f, a, 0, 2, b, 0, n, 0f, c, 0, n,
                        Epilogue.of(Epilogue.Bias.PER_ROW, min, max), negativeZeros, 0);
            }
            for (int i = 0; i < m; i++) {
                for (int j = 0; j < n; j++) {
                    float sum = sums[i * n + j];
                    float expected = Math.min(Math.max(sum, min), max);
                    float got = c[i * n + j];
                    String at = kernel + " kc " + kc + " C[" + i + "][" + j + "] of " + sum;
                    if (Float.isNaN(expected)) {
                        assertTrue(Float.isNaN(got), at + ": NaN stays NaN, got " + got);
                    } else {
                        assertEquals(Float.floatToRawIntBits(expected), Float.floatToRawIntBits(got),
                                at + ": expected " + expected + ", got " + got);
                    }
                }
            }
        }
    }

    private static void check(Sgemm gemm, Epilogue.Bias mode, float min, float max, Transpose ta, Transpose tb,
                              int m, int n, int k, float alpha, float beta) {
        SplittableRandom random = new SplittableRandom(m * 31L + n);
        float[] a = RandomData.uniform(random, m * k);
        float[] b = RandomData.uniform(random, k * n);
        float[] c = RandomData.uniform(random, m * n);
        float[] bias = RandomData.uniform(random, Math.max(m, n) + 3);
        float[] before = c.clone();
        int lda = ta == Transpose.N ? Math.max(1, k) : m;
        int ldb = tb == Transpose.N ? n : Math.max(1, k);
        gemm.gemm(ta, tb, m, n, k, alpha, a, 0, lda, b, 0, ldb, beta, c, 0, n, Epilogue.of(mode, min, max), bias, 3);
        double[] ref = ReferenceGemm.multiply(ta, tb, m, n, k, alpha, a, 0, lda, b, 0, ldb, beta, before, 0, n);
        double[] mag = ReferenceGemm.productMagnitudes(ta, tb, m, n, k, alpha, a, 0, lda, b, 0, ldb);
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                double add = switch (mode) {
                    case PER_ROW -> bias[3 + i];
                    case PER_COLUMN -> bias[3 + j];
                    case NONE -> 0;
                };
                double expected = Math.min(Math.max(ref[i * n + j] + add, min), max);
                double scale = (k + 3) * mag[i * n + j] + 2 * Math.abs(beta * before[i * n + j]) + Math.abs(add);
                double bound = GemmCheck.C0 * GemmCheck.FLOAT_UNIT_ROUNDOFF * scale;
                double got = c[i * n + j];
                int row = i, col = j;
                assertTrue(Math.abs(got - expected) <= bound,
                        () -> "C[" + row + "][" + col + "] = " + got + ", expected " + expected + " ± " + bound);
            }
        }
    }
}
