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

    private Packing() {
    }

    /**
     * Packs {@code op(A)[i0, i0+mc) × [p0, p0+kc)} as ⌈mc/mr⌉ panels of {@code kc × mr} floats, panel
     * {@code q} at {@code dst[dstOff + q·mr·kc]}, element (row r, depth p) at {@code + p·mr + r}. A is row-major
     * {@code m×k} ({@code N}) or {@code k×m} ({@code T}) with leading dimension lda. Allocates nothing.
     */
    static void packA(Transpose ta, float[] a, int aOff, int lda, int i0, int mc, int p0, int kc,
                      float[] dst, int mr, int dstOff) {
        for (int ip = 0, d = dstOff; ip < mc; ip += mr, d += mr * kc) {
            int rows = Math.min(mr, mc - ip);
            if (ta == Transpose.N) {
                // Depth-outer: each step reads one element of every row and writes mr contiguous floats.
                int src = aOff + (i0 + ip) * lda + p0;
                for (int p = 0; p < kc; p++) {
                    int to = d + p * mr;
                    for (int r = 0, from = src + p; r < rows; r++, from += lda) {
                        dst[to + r] = a[from];
                    }
                }
            } else {
                // A few floats per step: a plain loop beats System.arraycopy's call overhead.
                for (int p = 0, from = aOff + p0 * lda + i0 + ip; p < kc; p++, from += lda) {
                    for (int r = 0; r < rows; r++) {
                        dst[d + p * mr + r] = a[from + r];
                    }
                }
            }
            if (rows < mr) {
                for (int p = 0; p < kc; p++) {
                    for (int r = rows; r < mr; r++) {
                        dst[d + p * mr + r] = 0f;
                    }
                }
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
            int p = cols == nr && L == 8 ? transposeBlocks(b, src, ldb, kc, dst, d, nr) : 0;
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
     * more in call overhead than the copy.
     */
    private static void packFullPanelsByRow(float[] b, int src, int ldb, int kc, int panels,
                                            float[] dst, int dstOff, int nr) {
        for (int p = 0; p < kc; p++) {
            int from = src + p * ldb;
            for (int q = 0, to = dstOff + p * nr; q < panels; q++, from += nr, to += nr * kc) {
                for (int v = 0; v < nr; v += L) {
                    FloatVector.fromArray(S, b, from + v).intoArray(dst, to + v);
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
     * The whole 8-depth blocks of one full transposed panel: {@code dst[d + p·nr + v] = b[src + v·ldb + p]}
     * for v &lt; nr, p &lt; kc rounded down to 8; returns how many depths it packed. 8-lane vectors only.
     *
     * <p>Eight source rows (panel columns) of eight depths are loaded as vectors and transposed in
     * registers ({@link Interleave#transpose8}), then stored a depth at a time. The scalar gather it replaces moved one float per load and store with
     * a bounds check each, and was 13% of a LeNet-5 training step (the weight gradient's
     * {@code dY·colᵀ} packs col transposed).
     */
    private static int transposeBlocks(float[] b, int src, int ldb, int kc, float[] dst, int d, int nr) {
        int blocks = kc / 8 * 8;
        for (int v = 0; v < nr; v += 8) {
            for (int p = 0; p < blocks; p += 8) {
                Interleave.transpose8(b, src + v * ldb + p, ldb, dst, d + p * nr + v, nr);
            }
        }
        return blocks;
    }
}
