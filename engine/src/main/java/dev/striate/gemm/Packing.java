package dev.striate.gemm;

import dev.striate.simd.FloatSpecies;
import dev.striate.simd.Interleave;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorSpecies;


/**
 * Copies blocks of A and B into the micro-panel layout the micro-kernels stream through.
 *
 * <p>Panels are zero-padded to full MR / NR width, so the kernels never branch on edges: a partial
 * tile multiplies zeros and only its valid part is written back.
 *
 * <p>Thread-safety: stateless; callers own the destination arrays.
 */
final class Packing {

    private static final VectorSpecies<Float> S = FloatSpecies.PREFERRED;
    private static final int L = FloatSpecies.LANES;

    /**
     * Panels of a transposed A packed together, depth-outer ({@link #packTransposedA}): each depth then
     * writes this many streams, a few KB apart. Over all the panels of a whole operand (342 at m = 1024)
     * every depth touched as many pages and ran slower than packing panel by panel.
     */
    private static final int TRANSPOSED_A_PANELS = 16;

    private Packing() {
    }

    /**
     * Packs {@code op(A)[i0, i0+mc) × [p0, p0+kc)} as ⌈mc/mr⌉ panels of {@code kc × mr} floats, panel
     * {@code q} at {@code dst[dstOff + q·mr·kc]}, element (row r, depth p) at {@code + p·mr + r}. A is row-major
     * {@code m×k} ({@code N}) or {@code k×m} ({@code T}) with leading dimension lda. Allocates nothing.
     */
    static void packA(Transpose ta, float[] a, int aOff, int lda, int i0, int mc, int p0, int kc,
                      float[] dst, int mr, int dstOff) {
        if (ta == Transpose.N) {
            packRowsOfA(a, aOff + i0 * lda + p0, lda, mc, kc, dst, mr, dstOff);
        } else {
            packTransposedA(a, aOff + p0 * lda + i0, lda, mc, kc, dst, mr, dstOff);
        }
        int rows = mc % mr;
        if (rows != 0) {
            for (int r = rows, d = dstOff + (mc - rows) * kc; r < mr; r++) {
                for (int p = 0, to = d + r; p < kc; p++, to += mr) {
                    dst[to] = 0f;
                }
            }
        }
    }

    /** {@link #packA} of an untransposed A, {@code a[src + i·lda + p]}, leaving a partial panel's padding to the caller. */
    private static void packRowsOfA(float[] a, int src, int lda, int mc, int kc, float[] dst, int mr, int dstOff) {
        for (int ip = 0, d = dstOff; ip < mc; ip += mr, d += mr * kc) {
            int rows = Math.min(mr, mc - ip);
            int from = src + ip * lda;
            if (rows == 3 && mr == 3) {
                interleave3(a, from, lda, kc, dst, d);
            } else if (rows == 8 && mr == 8) {
                interleave8(a, from, lda, kc, dst, d);
            } else {
                for (int r = 0; r < rows; r += 3, from += 3 * lda) {
                    interleaveRows(a, from, lda, Math.min(3, rows - r), kc, dst, d + r, mr);
                }
            }
        }
    }

    /**
     * A whole panel of three rows of A ({@code N}, the AVX2 tile's MR): {@code dst[d + 3p + r] = a[from
     * + r·lda + p]}. Each step reads three sequential streams and writes three adjacent floats; the
     * constant stride lets C2 unroll it to about 1.4 cycles a float, against 2–3 for the same loop with
     * the stride a variable ({@link #interleaveRows}) and 6–7 for a loop over the rows inside each depth.
     */
    private static void interleave3(float[] a, int from, int lda, int kc, float[] dst, int d) {
        for (int p = 0, to = d; p < kc; p++, to += 3) {
            dst[to] = a[from + p];
            dst[to + 1] = a[from + lda + p];
            dst[to + 2] = a[from + 2 * lda + p];
        }
    }

    /**
     * A whole panel of eight rows of A ({@code N}, the 512-bit tile's MR): {@code dst[d + 8p + r] =
     * a[from + r·lda + p]}, a vector of depths from each row at a time interleaved in registers
     * ({@link Interleave#transpose8}), the depths past the last whole vector one float at a time.
     */
    private static void interleave8(float[] a, int from, int lda, int kc, float[] dst, int d) {
        int blocks = kc / L * L;
        for (int p = 0; p < blocks; p += L) {
            Interleave.transpose8(a, from + p, lda, dst, d + 8 * p, L);
        }
        for (int p = blocks; p < kc; p++) {
            for (int r = 0; r < 8; r++) {
                dst[d + 8 * p + r] = a[from + r * lda + p];
            }
        }
    }

    /** Up to three rows of A ({@code N}) into their places in a panel of any MR: {@code dst[to + p·mr + r] = a[from + r·lda + p]}. */
    private static void interleaveRows(float[] a, int from, int lda, int rows, int kc, float[] dst, int to, int mr) {
        switch (rows) {
            case 3 -> {
                for (int p = 0; p < kc; p++, to += mr) {
                    dst[to] = a[from + p];
                    dst[to + 1] = a[from + lda + p];
                    dst[to + 2] = a[from + 2 * lda + p];
                }
            }
            case 2 -> {
                for (int p = 0; p < kc; p++, to += mr) {
                    dst[to] = a[from + p];
                    dst[to + 1] = a[from + lda + p];
                }
            }
            default -> {
                for (int p = 0; p < kc; p++, to += mr) {
                    dst[to] = a[from + p];
                }
            }
        }
    }

    /**
     * {@link #packA} of a transposed A (its rows are the source's columns): {@code dst[dstOff + q·mr·kc +
     * p·mr + r] = a[src + p·lda + q·mr + r]}, leaving a partial panel's padding to the caller. A few
     * panels at a time ({@link #TRANSPOSED_A_PANELS}), depth-outer across them, so each depth reads one
     * sequential run of the source; panel-outer read kc rows a few floats each and lost the cache lines
     * before the next panel came back to them.
     */
    private static void packTransposedA(float[] a, int src, int lda, int mc, int kc, float[] dst, int mr, int dstOff) {
        int group = TRANSPOSED_A_PANELS * mr;
        for (int i = 0; i < mc; i += group) {
            int rows = Math.min(group, mc - i);
            if (mr == 3 && rows % 3 == 0) {
                copyTriples(a, src + i, lda, rows / 3, kc, dst, dstOff + i * kc);
            } else if (2 * mr == L && rows % mr == 0) {
                copyHalfVectorPanels(a, src + i, lda, rows / mr, kc, dst, dstOff + i * kc);
            } else {
                for (int p = 0; p < kc; p++) {
                    for (int ip = 0, from = src + i + p * lda, to = dstOff + i * kc + p * mr; ip < rows; ip += mr, to += mr * kc) {
                        for (int r = 0, end = Math.min(mr, rows - ip); r < end; r++) {
                            dst[to + r] = a[from + ip + r];
                        }
                    }
                }
            }
        }
    }

    /**
     * Whole three-row panels of a transposed A (the AVX2 tile's MR): three floats per panel and depth
     * in straight-line code, 2.5× faster than the general loop over a panel's rows, whose trip count
     * C2 does not know.
     */
    private static void copyTriples(float[] a, int src, int lda, int panels, int kc, float[] dst, int dstOff) {
        for (int p = 0; p < kc; p++) {
            for (int q = 0, from = src + p * lda, to = dstOff + p * 3; q < panels; q++, from += 3, to += 3 * kc) {
                dst[to] = a[from];
                dst[to + 1] = a[from + 1];
                dst[to + 2] = a[from + 2];
            }
        }
    }

    /**
     * Whole panels of half a vector's rows of a transposed A (8 on 16 lanes: the 512-bit tile's MR,
     * 8x2v): two depths of two panels per pair of vector loads, their halves regrouped by two
     * two-vector shuffles into each panel's rows at both depths; an odd last panel, or depth, float
     * by float. The general loop copied every float alone: 13% of Winograd's transposed products at
     * 7x7 ({@code V_ξᵀ}, 16 × 512), and eight straight-line floats per panel and depth still 8–11%.
     * One species (the preferred): an eight-lane vector here put a second FloatVector species in
     * the JVM, whose type profiles inside the Vector API's shared methods then made C2 box the
     * 16-lane vectors of unrelated kernels (645 KB a call in the im2col product's patch packing).
     */
    private static void copyHalfVectorPanels(float[] a, int src, int lda, int panels, int kc, float[] dst, int dstOff) {
        int h = L / 2;
        int pairedPanels = panels & ~1;
        int pairedDepths = kc & ~1;
        for (int p = 0; p < pairedDepths; p += 2) {
            for (int q = 0; q < pairedPanels; q += 2) {
                FloatVector first = FloatVector.fromArray(S, a, src + p * lda + q * h);
                FloatVector second = FloatVector.fromArray(S, a, src + (p + 1) * lda + q * h);
                int to = dstOff + q * h * kc + p * h;
                first.rearrange(Interleave.FIRST_HALVES, second).intoArray(dst, to);
                first.rearrange(Interleave.SECOND_HALVES, second).intoArray(dst, to + h * kc);
            }
        }
        for (int q = 0; q < panels; q++) {
            for (int p = q < pairedPanels ? pairedDepths : 0; p < kc; p++) {
                System.arraycopy(a, src + p * lda + q * h, dst, dstOff + q * h * kc + p * h, h);
            }
        }
    }

    /**
     * Packs {@code op(B)[p0, p0+kc) × [j0, j0+nc)} as ⌈nc/nr⌉ panels of {@code kc × nr} floats, panel
     * {@code q} at {@code dst[dstOff + q·nr·kc]}, element (depth p, column v) at {@code + p·nr + v}. B is
     * row-major {@code k×n} ({@code N}) or {@code n×k} ({@code T}) with leading dimension ldb.
     * Allocates nothing.
     */
    static void packB(Transpose tb, float[] b, int bOff, int ldb, int p0, int kc, int j0, int nc,
                      float[] dst, int dstOff, int nr) {
        int fullPanels = 0;
        if (tb == Transpose.N) {
            fullPanels = nc / nr;
            packFullPanelsByRow(b, bOff + p0 * ldb + j0, ldb, kc, fullPanels, dst, dstOff, nr);
        }
        for (int jp = fullPanels * nr, d = dstOff + fullPanels * nr * kc; jp < nc; jp += nr, d += nr * kc) {
            int cols = Math.min(nr, nc - jp);
            if (tb == Transpose.N) {
                packPartialPanel(b, bOff + p0 * ldb + j0 + jp, ldb, kc, cols, dst, d, nr);
                continue;
            }
            // Depth-outer: writes stay sequential and the nr source rows are read in step, each
            // cache line used for 16 depths before the next. Column-outer rewrote the whole
            // kc × nr panel (48 KB, over L1) once per column: as slow as the micro-kernel on the
            // backward-weights GEMM (dY·colᵀ), measured by JFR.
            int src = bOff + (j0 + jp) * ldb + p0;
            int p = cols == nr && Interleave.SQUARE_TRANSPOSE ? transposeBlocks(b, src, ldb, kc, dst, d, nr) : 0;
            for (; p < kc; p++) {
                int to = d + p * nr;
                for (int v = 0, from = src + p; v < cols; v++, from += ldb) {
                    dst[to + v] = b[from];
                }
            }
            if (cols < nr) {
                for (p = 0; p < kc; p++) {
                    for (int v = cols; v < nr; v++) {
                        dst[d + p * nr + v] = 0f;
                    }
                }
            }
        }
    }

    /**
     * {@code panels} whole panels of B ({@code N}) from {@code b[src + p·ldb + q·nr + v]}: one source
     * row at a time across all the panels, so each row is read as one sequential stream. Packing a
     * panel at a time instead reads kc rows in parallel, nr floats from each — more streams than the
     * hardware prefetchers follow — and measured 2–3× slower (a 147 × 12544 im2col matrix: 1.5–2.2 ms
     * against 0.7–0.9, one Zen 3 core). Whole vectors: a per-row System.arraycopy of nr floats costs
     * more in call overhead than the copy. The panel widths of the default tiles (three vectors on
     * AVX2, two on 512-bit machines) are copied in straight-line code: the loop over a panel's vectors,
     * its trip count unknown to C2, made packing 576 × 3136 (ResNet's 3x3 64-channel GEMM) 1.3–1.7×
     * slower on its own and the whole product 1.02–1.05× (A/B).
     */
    private static void packFullPanelsByRow(float[] b, int src, int ldb, int kc, int panels,
                                            float[] dst, int dstOff, int nr) {
        for (int p = 0; p < kc; p++) {
            int from = src + p * ldb;
            int to = dstOff + p * nr;
            if (nr == 3 * L) {
                for (int q = 0; q < panels; q++, from += nr, to += nr * kc) {
                    FloatVector.fromArray(S, b, from).intoArray(dst, to);
                    FloatVector.fromArray(S, b, from + L).intoArray(dst, to + L);
                    FloatVector.fromArray(S, b, from + 2 * L).intoArray(dst, to + 2 * L);
                }
            } else if (nr == 2 * L) {
                for (int q = 0; q < panels; q++, from += nr, to += nr * kc) {
                    FloatVector.fromArray(S, b, from).intoArray(dst, to);
                    FloatVector.fromArray(S, b, from + L).intoArray(dst, to + L);
                }
            } else {
                for (int q = 0; q < panels; q++, from += nr, to += nr * kc) {
                    for (int v = 0; v < nr; v += L) {
                        FloatVector.fromArray(S, b, from + v).intoArray(dst, to + v);
                    }
                }
            }
        }
    }

    /**
     * One panel of B ({@code N}) with {@code cols < nr} columns, zero-padded: masked vector loads, so
     * the padding comes with the copy. A per-depth System.arraycopy of the few columns and a scalar
     * loop of zeros took a third of a 16×100×150 product (LeNet-5's second layer), more than its
     * four whole panels.
     */
    private static void packPartialPanel(float[] b, int src, int ldb, int kc, int cols, float[] dst, int d, int nr) {
        for (int v = 0; v < nr; v += L) {
            if (v >= cols) {
                FloatVector zero = FloatVector.zero(S);
                for (int p = 0, to = d + v; p < kc; p++, to += nr) {
                    zero.intoArray(dst, to);
                }
                continue;
            }
            VectorMask<Float> valid = S.indexInRange(v, cols);
            for (int p = 0, from = src + v, to = d + v; p < kc; p++, from += ldb, to += nr) {
                FloatVector.fromArray(S, b, from, valid).intoArray(dst, to);
            }
        }
    }

    /**
     * The whole blocks of one full transposed panel: {@code dst[d + p·nr + v] = b[src + v·ldb + p]} for
     * v &lt; nr, p &lt; kc rounded down to the lanes; returns how many depths it packed. 8 or 16 lanes.
     *
     * <p>A square of a vector's lanes — source rows (panel columns) by depths — is loaded as vectors and
     * transposed in registers ({@link Interleave#transposeSquare}), then
     * stored a depth at a time. The scalar gather it replaces moved one float per load and store with
     * a bounds check each, and was 13% of a LeNet-5 training step (the weight gradient's
     * {@code dY·colᵀ} packs col transposed).
     */
    private static int transposeBlocks(float[] b, int src, int ldb, int kc, float[] dst, int d, int nr) {
        int blocks = kc / L * L;
        for (int v = 0; v < nr; v += L) {
            for (int p = 0; p < blocks; p += L) {
                Interleave.transposeSquare(b, src + v * ldb + p, ldb, dst, d + p * nr + v, nr);
            }
        }
        return blocks;
    }
}
