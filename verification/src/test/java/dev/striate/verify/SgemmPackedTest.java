package dev.striate.verify;

import dev.striate.gemm.Epilogue;
import dev.striate.gemm.GemmConfig;
import dev.striate.gemm.PackedOperand;
import dev.striate.gemm.PanelSource;
import dev.striate.gemm.Sgemm;
import dev.striate.gemm.Transpose;
import dev.striate.runtime.ThreadPool;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * Products with a pre-packed operand ({@link Sgemm#packA}, {@link Sgemm#packB}) give the same bits as
 * the unpacked call, which the oracle tests prove correct: for every transpose, edge shapes (partial
 * panels, several KC slices and MC/NC blocks), alpha/beta, an epilogue, and 1 or 2 threads. A C of
 * one row, which the unpacked call computes as a vector-matrix product, is checked against the
 * oracle's bound instead. B packing its own panels ({@link PanelSource}) gives the same bits too,
 * slots past its last column (NaN here) never reaching C, and so does A packed from its transpose as
 * a source (the 7x3v blocking included: the transposed convolution product's), and a product on
 * some rows of a packed A (or columns of a packed B) gives those rows (columns) of the whole product, and a
 * B packed block by block the bits of B packed whole. A pre-packed B on the 7x3v tile
 * runs the touching loop (an emulated prefetch of the next packed panel) in its K-blocked products,
 * up to the last panel, whose touches would fall past the array. Repacking reuses the operand; an
 * operand packed for another blocking, or rows (columns) that do not start a panel or lie past A (B),
 * are refused.
 */
class SgemmPackedTest {

    private static final ThreadPool TWO = new ThreadPool(2);

    @AfterAll
    static void close() {
        TWO.close();
    }

    @Test
    void packedProductsEqualUnpackedBitForBit() {
        int[][] shapes = {{2, 37, 19}, {7, 5, 3}, {49, 512, 600}, {130, 49, 1100}, {3, 300, 1}, {97, 83, 61}};
        SplittableRandom random = new SplittableRandom(5);
        for (GemmConfig config : new GemmConfig[] {GemmConfig.defaults(), GemmConfig.of("2x4v", 16, 64, 48),
                GemmConfig.defaults().withKernel("7x3v")}) {
            for (ThreadPool pool : new ThreadPool[] {ThreadPool.common(), TWO}) {
                Sgemm gemm = new Sgemm(config, pool);
                for (int[] s : shapes) {
                    int m = s[0];
                    int n = s[1];
                    int k = s[2];
                    for (Transpose ta : Transpose.values()) {
                        for (Transpose tb : Transpose.values()) {
                            float[] a = RandomData.uniform(random, m * k);
                            float[] b = RandomData.uniform(random, k * n);
                            float[] c0 = RandomData.uniform(random, m * n);
                            float[] bias = RandomData.uniform(random, Math.max(m, n));
                            int lda = ta == Transpose.N ? k : m;
                            int ldb = tb == Transpose.N ? n : k;
                            Epilogue e = Epilogue.of(Epilogue.Bias.PER_ROW, -0.5f, 0.75f);
                            float[] expected = c0.clone();
                            gemm.gemm(ta, tb, m, n, k, 0.5f, a, 0, lda, b, 0, ldb, 0.25f, expected, 0, n, e, bias, 0);
                            float[] viaA = c0.clone();
                            gemm.gemm(gemm.packA(ta, m, k, a, 0, lda, null), tb, n, 0.5f, b, 0, ldb, 0.25f, viaA, 0, n, e, bias, 0);
                            float[] viaB = c0.clone();
                            gemm.gemm(ta, m, 0.5f, a, 0, lda, gemm.packB(tb, k, n, b, 0, ldb, null), 0.25f, viaB, 0, n, e, bias, 0);
                            float[] viaSource = c0.clone();
                            gemm.gemm(gemm.packA(ta, m, k, a, 0, lda, null), new StoredPanels(tb, k, n, b), 0.5f, 0.25f,
                                    viaSource, 0, n, e, bias, 0);
                            float[] viaSourceUnpackedA = c0.clone();
                            gemm.gemm(ta, m, 0.5f, a, 0, lda, new StoredPanels(tb, k, n, b), 0.25f, viaSourceUnpackedA, 0, n,
                                    e, bias, 0);
                            float[] viaSourceOfA = c0.clone();
                            // A's transpose (k×m) as the source: stored the other way round from A
                            Transpose aSource = ta == Transpose.N ? Transpose.T : Transpose.N;
                            gemm.gemm(new StoredPanels(aSource, k, m, a), gemm.packB(tb, k, n, b, 0, ldb, null), 0.5f, 0.25f,
                                    viaSourceOfA, 0, n, e, bias, 0);
                            // Rows of the packed A from its second panel, the last row left out: those rows
                            // of the whole product, the others of C untouched.
                            PackedOperand packedA = gemm.packA(ta, m, k, a, 0, lda, null);
                            int first = m > config.mr() ? config.mr() : 0;
                            int rows = Math.max(1, m - first - 1);
                            float[] viaRows = c0.clone();
                            gemm.gemm(packedA, first, rows, tb, n, 0.5f, b, 0, ldb, 0.25f, viaRows, first * n, n, e, bias, first);
                            float[] expectedRows = c0.clone();
                            System.arraycopy(expected, first * n, expectedRows, first * n, rows * n);
                            // Columns of the packed B from its second panel, the last column left out,
                            // with a per-column bias: those columns of the whole product
                            Epilogue perColumn = Epilogue.of(Epilogue.Bias.PER_COLUMN, -0.5f, 0.75f);
                            float[] expectedColumns = c0.clone();
                            gemm.gemm(ta, tb, m, n, k, 0.5f, a, 0, lda, b, 0, ldb, 0.25f, expectedColumns, 0, n, perColumn, bias, 0);
                            int firstCol = n > config.nr() ? config.nr() : 0;
                            int cols = Math.max(1, n - firstCol - 1);
                            float[] viaColumns = c0.clone();
                            gemm.gemm(ta, m, 0.5f, a, 0, lda, gemm.packB(tb, k, n, b, 0, ldb, null), firstCol, cols, 0.25f,
                                    viaColumns, firstCol, n, perColumn, bias, firstCol);
                            for (int i = 0; i < m; i++) {
                                System.arraycopy(c0, i * n + firstCol + cols, expectedColumns, i * n + firstCol + cols,
                                        n - firstCol - cols);
                                System.arraycopy(c0, i * n, expectedColumns, i * n, firstCol);
                            }
                            String what = config + " " + ta + tb + " m" + m + "n" + n + "k" + k;
                            assertArrayEquals(expectedRows, viaRows, what + ": rows [" + first + ", " + (first + rows) + ") of packed A");
                            assertArrayEquals(expectedColumns, viaColumns,
                                    what + ": columns [" + firstCol + ", " + (firstCol + cols) + ") of packed B");
                            assertArrayEquals(expected, viaA, what + ": packed A");
                            assertArrayEquals(expected, viaB, what + ": packed B");
                            assertArrayEquals(expected, viaSource, what + ": B from a panel source");
                            assertArrayEquals(expected, viaSourceUnpackedA, what + ": A unpacked, B from a panel source");
                            assertArrayEquals(expected, viaSourceOfA, what + ": A from a panel source, B packed");
                        }
                    }
                }
            }
        }
    }

    @Test
    void oneRowWithAPackedOperandMeetsTheOracleBound() {
        Sgemm gemm = new Sgemm(GemmConfig.defaults(), TWO);
        SplittableRandom random = new SplittableRandom(9);
        int n = 300;
        int k = 1030;
        for (Transpose tb : Transpose.values()) {
            float[] a = RandomData.uniform(random, k);
            float[] b = RandomData.uniform(random, k * n);
            int ldb = tb == Transpose.N ? n : k;
            double[] exact = ReferenceGemm.multiply(Transpose.N, tb, 1, n, k, 1f, a, 0, k, b, 0, ldb, 0f, null, 0, n);
            double[] magnitude = ReferenceGemm.productMagnitudes(Transpose.N, tb, 1, n, k, 1f, a, 0, k, b, 0, ldb);
            float[] viaA = new float[n];
            gemm.gemm(gemm.packA(Transpose.N, 1, k, a, 0, k, null), tb, n, 1f, b, 0, ldb, 0f, viaA, 0, n, Epilogue.NONE, null, 0);
            float[] viaB = new float[n];
            gemm.gemm(Transpose.N, 1, 1f, a, 0, k, gemm.packB(tb, k, n, b, 0, ldb, null), 0f, viaB, 0, n, Epilogue.NONE, null, 0);
            for (int j = 0; j < n; j++) {
                // GemmCheck's forward bound for one dot product of length k.
                double bound = 2 * Math.scalb(1.0, -24) * (k + 2) * magnitude[j];
                org.junit.jupiter.api.Assertions.assertTrue(Math.abs(viaA[j] - exact[j]) <= bound, tb + " packed A, column " + j);
                org.junit.jupiter.api.Assertions.assertTrue(Math.abs(viaB[j] - exact[j]) <= bound, tb + " packed B, column " + j);
            }
        }
    }

    @Test
    void repackingReusesTheOperandAndOtherBlockingsAreRefused() {
        Sgemm gemm = new Sgemm(GemmConfig.defaults(), ThreadPool.common());
        float[] w = new float[20 * 30];
        PackedOperand p = gemm.packA(Transpose.N, 20, 30, w, 0, 30, null);
        assertSame(p, gemm.packA(Transpose.N, 20, 30, w, 0, 30, p));
        assertThrows(IllegalArgumentException.class, () -> gemm.packA(Transpose.N, 21, 30, new float[21 * 30], 0, 30, p));
        Sgemm other = new Sgemm(GemmConfig.of("2x4v", 16, 64, 48), ThreadPool.common());
        assertThrows(IllegalArgumentException.class, () -> other.gemm(p, Transpose.N, 5, 1f, new float[150], 0, 5, 0f,
                new float[100], 0, 5, Epilogue.NONE, null, 0));
        StoredPanels b = new StoredPanels(Transpose.N, 30, 5, new float[150]);
        assertThrows(IllegalArgumentException.class, () -> other.gemm(p, b, 1f, 0f, new float[100], 0, 5, Epilogue.NONE, null, 0),
                "A packed for another blocking");
        assertThrows(IllegalArgumentException.class, () -> gemm.gemm(p, new StoredPanels(Transpose.N, 29, 5, new float[145]),
                1f, 0f, new float[100], 0, 5, Epilogue.NONE, null, 0), "B one row short of A's depth");
        assertThrows(IllegalArgumentException.class, () -> gemm.gemm(p, b, 1f, 0f, new float[99], 0, 5, Epilogue.NONE, null, 0),
                "C one float short");
        PackedOperand packedB = gemm.packB(Transpose.N, 30, 5, new float[150], 0, 5, null);
        assertThrows(IllegalArgumentException.class, () -> gemm.gemm(new StoredPanels(Transpose.N, 29, 20, new float[580]),
                packedB, 1f, 0f, new float[100], 0, 5, Epilogue.NONE, null, 0), "A's source one row short of B's depth");
        assertThrows(IllegalArgumentException.class, () -> gemm.gemm((PanelSource) null, packedB, 1f, 0f, new float[100], 0, 5,
                Epilogue.NONE, null, 0), "no source of A");
        assertThrows(IllegalArgumentException.class, () -> gemm.gemm(new StoredPanels(Transpose.N, 30, 20, new float[600]),
                packedB, 1f, 0f, new float[99], 0, 5, Epilogue.NONE, null, 0), "C one float short of A's source's columns × n");
        assertThrows(IllegalArgumentException.class, () -> gemm.gemm(Transpose.N, 20, 1f, new float[20 * 30 - 1], 0, 30, b, 0f,
                new float[100], 0, 5, Epilogue.NONE, null, 0), "unpacked A one float short");
        assertThrows(IllegalArgumentException.class, () -> gemm.packA(Transpose.N, 20, 30, new float[20 * 30 - 1], 0, 30, null),
                "A to pack one float short");
        int mr = gemm.config().mr();
        float[] b150 = new float[150];
        assertThrows(IllegalArgumentException.class, () -> gemm.gemm(p, 1, 5, Transpose.N, 5, 1f, b150, 0, 5, 0f,
                new float[100], 0, 5, Epilogue.NONE, null, 0), "rows not starting a panel");
        assertThrows(IllegalArgumentException.class, () -> gemm.gemm(p, mr, 21 - mr, Transpose.N, 5, 1f, b150, 0, 5, 0f,
                new float[100], 0, 5, Epilogue.NONE, null, 0), "rows one past A's last");
        assertThrows(IllegalArgumentException.class, () -> gemm.gemm(p, -mr, 5, Transpose.N, 5, 1f, b150, 0, 5, 0f,
                new float[100], 0, 5, Epilogue.NONE, null, 0), "a negative first row");
        assertThrows(IllegalArgumentException.class, () -> gemm.gemm(p, 0, -1, Transpose.N, 5, 1f, b150, 0, 5, 0f,
                new float[100], 0, 5, Epilogue.NONE, null, 0), "negative rows");
        assertThrows(IllegalArgumentException.class, () -> gemm.gemm(p, 0, 20, Transpose.N, 5, 1f, b150, 0, 5, 0f,
                new float[99], 0, 5, Epilogue.NONE, null, 0), "C one float short of the rows");
        assertThrows(IllegalArgumentException.class, () -> gemm.packB(Transpose.T, 30, 5, new float[149], 0, 30, null),
                "B to pack one float short");
        int nr = gemm.config().nr();
        PackedOperand wide = gemm.packB(Transpose.N, 30, 2 * nr, new float[30 * 2 * nr], 0, 2 * nr, null);
        float[] a600 = new float[600];
        assertThrows(IllegalArgumentException.class, () -> gemm.gemm(Transpose.N, 20, 1f, a600, 0, 30, wide, 1, 5, 0f,
                new float[100], 0, 5, Epilogue.NONE, null, 0), "columns not starting a panel");
        assertThrows(IllegalArgumentException.class, () -> gemm.gemm(Transpose.N, 20, 1f, a600, 0, 30, wide, nr, nr + 1, 0f,
                new float[20 * (nr + 1)], 0, nr + 1, Epilogue.NONE, null, 0), "columns one past B's last");
        assertThrows(IllegalArgumentException.class, () -> gemm.gemm(Transpose.N, 20, 1f, a600, 0, 30, wide, -nr, 5, 0f,
                new float[100], 0, 5, Epilogue.NONE, null, 0), "a negative first column");
        assertThrows(IllegalArgumentException.class, () -> gemm.gemm(Transpose.N, 20, 1f, a600, 0, 30, wide, 0, 5, 0f,
                new float[99], 0, 5, Epilogue.NONE, null, 0), "C one float short of the columns");
    }

    /**
     * A packed B laid over the caller's floats ({@link Sgemm#packedB}, from an offset, sentinels
     * around it) and filled block by block ({@link Sgemm#packB(Transpose, float[], int, int, int, int,
     * int, int, PackedOperand)} of each block given alone, in shuffled order) gives the bits of B
     * packed whole, and writes no float of the storage outside its {@link Sgemm#packedFloats}: blocks
     * of every depth range — inside a KC slice, across a slice's end, a single depth — and panel-wide
     * column ranges, the last one partial. The view re-pointed at other storage (the first's floats
     * scrambled) reads there. Refused: blocks with columns not starting a panel, a partial width
     * short of B's end, depths or columns past B, an operand packed for another blocking; storage
     * too short; re-pointing a view of another shape or an operand with floats of its own.
     */
    @Test
    void blocksPackedOneAtATimeEqualTheWholePacking() {
        SplittableRandom random = new SplittableRandom(11);
        for (GemmConfig config : new GemmConfig[] {GemmConfig.defaults(), GemmConfig.of("2x4v", 16, 64, 48)}) {
            Sgemm gemm = new Sgemm(config, ThreadPool.common());
            int nr = config.nr();
            int m = 9;
            int n = 2 * nr + 5;
            for (int k : new int[] {7, 130, 2100}) {
                for (Transpose tb : Transpose.values()) {
                    float[] a = RandomData.uniform(random, m * k);
                    float[] b = RandomData.uniform(random, k * n);
                    int ldb = tb == Transpose.N ? n : k;
                    float[] expected = new float[m * n];
                    gemm.gemm(Transpose.N, m, 1f, a, 0, k, gemm.packB(tb, k, n, b, 0, ldb, null), 0f, expected, 0, n,
                            Epilogue.NONE, null, 0);
                    int offset = 1 + random.nextInt(40);
                    int floats = Math.toIntExact(gemm.packedFloats(k, n));
                    float[] storage = new float[offset + floats + 17];
                    java.util.Arrays.fill(storage, -7f);
                    PackedOperand blocks = gemm.packedB(k, n, storage, offset, null);
                    // depth cuts at random, one of them a single depth; each cut's column panels shuffled
                    java.util.List<int[]> cuts = new java.util.ArrayList<>();
                    for (int p0 = 0; p0 < k; ) {
                        int depths = Math.min(k - p0, cuts.size() == 1 ? 1 : 1 + random.nextInt(Math.max(1, k / 3)));
                        for (int j0 = 0; j0 < n; j0 += nr) {
                            cuts.add(new int[] {p0, depths, j0, Math.min(nr, n - j0)});
                        }
                        p0 += depths;
                    }
                    java.util.Collections.shuffle(cuts, new java.util.Random(random.nextLong()));
                    for (int[] cut : cuts) {
                        // the block alone, in a row stride of its own, one float of slack before it
                        int rows = tb == Transpose.N ? cut[1] : cut[3];
                        int cols = tb == Transpose.N ? cut[3] : cut[1];
                        int ld = cols + 3;
                        float[] block = new float[1 + rows * ld];
                        for (int r = 0; r < rows; r++) {
                            for (int c = 0; c < cols; c++) {
                                int depth = cut[0] + (tb == Transpose.N ? r : c);
                                int column = cut[2] + (tb == Transpose.N ? c : r);
                                block[1 + r * ld + c] = tb == Transpose.N ? b[depth * ldb + column] : b[column * ldb + depth];
                            }
                        }
                        gemm.packB(tb, block, 1, ld, cut[0], cut[1], cut[2], cut[3], blocks);
                    }
                    float[] viaBlocks = new float[m * n];
                    gemm.gemm(Transpose.N, m, 1f, a, 0, k, blocks, 0f, viaBlocks, 0, n, Epilogue.NONE, null, 0);
                    assertArrayEquals(expected, viaBlocks, 0f, config + ", k " + k + ", " + tb);
                    for (int i = 0; i < storage.length; i++) {
                        if (i < offset || i >= offset + floats) {
                            assertEquals(-7f, storage[i], "storage float " + i + " outside the packing");
                        }
                    }
                    // the same floats elsewhere, the view re-pointed there, the first storage scrambled
                    float[] moved = new float[floats + 3];
                    System.arraycopy(storage, offset, moved, 3, floats);
                    java.util.Arrays.fill(storage, Float.NaN);
                    assertSame(blocks, gemm.packedB(k, n, moved, 3, blocks));
                    float[] viaMoved = new float[m * n];
                    gemm.gemm(Transpose.N, m, 1f, a, 0, k, blocks, 0f, viaMoved, 0, n, Epilogue.NONE, null, 0);
                    assertArrayEquals(expected, viaMoved, 0f, config + ", k " + k + ", " + tb + ", re-pointed");
                }
            }
            PackedOperand packed = gemm.packedB(30, n, new float[Math.toIntExact(gemm.packedFloats(30, n))], 0, null);
            float[] block = new float[30 * n];
            assertThrows(IllegalArgumentException.class, () -> gemm.packB(Transpose.N, block, 0, n, 0, 30, 1, nr, packed),
                    "columns not starting a panel");
            assertThrows(IllegalArgumentException.class, () -> gemm.packB(Transpose.N, block, 0, n, 0, 30, 0, nr - 1, packed),
                    "a partial width short of B's last column");
            assertThrows(IllegalArgumentException.class, () -> gemm.packB(Transpose.N, block, 0, n, 1, 30, 0, nr, packed),
                    "depths past B's last");
            assertThrows(IllegalArgumentException.class, () -> gemm.packB(Transpose.N, block, 0, n, 0, 30, 2 * nr, nr, packed),
                    "columns past B's last");
            assertThrows(IllegalArgumentException.class, () -> gemm.packB(Transpose.N, block, 0, n, -1, 1, 0, nr, packed),
                    "a negative first depth");
            assertThrows(IllegalArgumentException.class, () -> gemm.packB(Transpose.N, new float[29 * n], 0, n, 0, 30, 0, nr,
                    packed), "the block one row short");
            Sgemm other = new Sgemm(GemmConfig.of("2x4v", 16, 64, 48), ThreadPool.common());
            if (other.config().nr() != nr) {
                assertThrows(IllegalArgumentException.class, () -> other.packB(Transpose.N, block, 0, n, 0, 30, 0, nr, packed),
                        "an operand packed for another blocking");
            }
            assertThrows(IllegalArgumentException.class, () -> gemm.packedB(-1, n, new float[8], 0, null), "a negative depth");
            float[] exact = new float[Math.toIntExact(gemm.packedFloats(30, n))];
            assertThrows(IllegalArgumentException.class, () -> gemm.packedB(30, n, exact, 1, null), "storage one float short");
            assertThrows(IllegalArgumentException.class, () -> gemm.packedB(30, n, null, 0, null), "no storage");
            assertThrows(IllegalArgumentException.class, () -> gemm.packedB(29, n, exact, 0, packed), "a view of another shape");
            PackedOperand owning = gemm.packB(Transpose.N, 30, n, block, 0, n, null);
            assertThrows(IllegalArgumentException.class, () -> gemm.packedB(30, n, exact, 0, owning),
                    "an operand with floats of its own");
        }
    }

    /** A stored {@code op(B)} serving its panels one element at a time: the plainest {@link PanelSource}. */
    private record StoredPanels(Transpose tb, int depth, int columns, float[] b) implements PanelSource {
        @Override
        public void packB(int p0, int kc, int j0, int cols, float[] dst, int dstOff, int nr) {
            for (int q = 0; q * nr < cols; q++) {
                for (int p = 0; p < kc; p++) {
                    for (int v = 0; v < nr; v++) {
                        int j = j0 + q * nr + v;
                        float element = j >= columns ? Float.NaN // slots past n: never reach C
                                : tb == Transpose.N ? b[(p0 + p) * columns + j] : b[j * depth + p0 + p];
                        dst[dstOff + q * nr * kc + p * nr + v] = element;
                    }
                }
            }
        }
    }
}
