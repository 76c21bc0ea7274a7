package dev.striate.conv;

import dev.striate.gemm.Epilogue;
import dev.striate.gemm.PackedOperand;
import dev.striate.gemm.Sgemm;
import dev.striate.gemm.Transpose;
import dev.striate.runtime.ThreadPool;
import dev.striate.runtime.WorkspacePool;
import dev.striate.simd.FloatSpecies;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

/**
 * Winograd's minimal filtering F(2x2, 3x3) (Lavin &amp; Gray, 2016) for 3x3, stride-1, undilated,
 * ungrouped layers: each 2x2 output tile is {@code Aᵀ[(G g Gᵀ) ⊙ (Bᵀ d B)]A} over the 4x4 input tile
 * d, so the 36 multiplications of a direct 2x2 tile become 16 — 2.25× fewer. Summed over input
 * channels, the 16 element-wise products become 16 independent GEMMs
 * {@code M_ξ[OC×T] = U_ξ[OC×C] · V_ξ[C×T]} over the T tiles of an image, run on {@link Sgemm}.
 *
 * <p>Transforms are vectorized across L neighbouring tiles: the input is read from a
 * {@link StridedPlane} of stride 2, where the columns {@code 2t + j} of consecutive tiles t are
 * consecutive floats, and V is written straight into the GEMM's row-major B operand. The output
 * transform adds the bias and clamps as it writes y: no extra pass.
 *
 * <p>Error: the transforms add and halve, so the result is not the direct sum's rounding. Measured
 * against the exact im2col path, max |difference| is 8.1e-7 of max |y| on ResNet's 64→64 at 56x56
 * and 8.8e-7 on 256→256 at 14x14 (uniform [−1, 1) data); the oracle tests hold it to the same bound
 * as the direct algorithms. {@link ConvAlgorithm#IM2COL} forces the exact path.
 *
 * <p>Thread-safety: holds one call's workspace; use one instance per concurrent call.
 */
final class Winograd implements ThreadPool.ParallelTask {

    private static final VectorSpecies<Float> S = FloatSpecies.PREFERRED;
    private static final int L = FloatSpecies.LANES;
    /** Interleave two vectors: lanes a0 b0 a1 b1 … (first half) and the second half. */
    private static final VectorShuffle<Float> ZIP_LOW = VectorShuffle.fromOp(S, i -> (i % 2) * L + i / 2);
    private static final VectorShuffle<Float> ZIP_HIGH = VectorShuffle.fromOp(S, i -> (i % 2) * L + L / 2 + i / 2);

    private final ConvParams p;
    private final int h, w, oh, ow;
    /** Tile rows and columns, tiles per image, and the row stride of V and M (tiles + L of slack). */
    private final int tileRows, tileCols, tiles, ldt;
    private final int roundedCols;
    private final float[] v, m;
    /** Per-thread scratch (a plane, two output rows), borrowed by each transform task. */
    private final WorkspacePool<Scratch> idleScratch = new WorkspacePool<>();

    /* The call in flight, read by the transform tasks. */
    private boolean outputPhase;
    private float[] x, y, bias;
    private int xOff, yOff;
    private float min, max;

    /** Whether F(2x2, 3x3) computes layer p. */
    static boolean applies(ConvParams p) {
        return p.kernelH() == 3 && p.kernelW() == 3 && p.strideH() == 1 && p.strideW() == 1
                && p.dilationH() == 1 && p.dilationW() == 1 && p.groups() == 1;
    }

    Winograd(ConvParams p, int h, int w) {
        this.p = p;
        this.h = h;
        this.w = w;
        this.oh = p.outputHeight(h);
        this.ow = p.outputWidth(w);
        this.tileRows = (oh + 1) / 2;
        this.tileCols = (ow + 1) / 2;
        this.tiles = tileRows * tileCols;
        this.ldt = tiles + L;
        this.roundedCols = (tileCols + L - 1) / L * L;
        this.v = new float[16 * p.inChannels() * ldt];
        this.m = new float[16 * p.outChannels() * ldt];
    }

    /** Whether this workspace serves inputs of this size (its owner's layer is fixed). */
    boolean fits(int height, int width) {
        return h == height && w == width;
    }

    /** One transform task's scratch: the input plane and two output rows. */
    private final class Scratch {
        // Tile (ty, tx) reads padded rows 2ty..2ty+3 and columns 2tx..2tx+3, lanes past tileCols included.
        final StridedPlane plane = new StridedPlane(2 * tileRows + 2, 2 * roundedCols + 2, 2, p.padTop(), p.padLeft());
        final float[] rows = new float[2 * 2 * roundedCols];
    }

    /** Floats of workspace: V and M, and per thread a plane and two output rows (U belongs to the layer). */
    long workspaceFloats() {
        return (long) v.length + m.length + new Scratch().plane.floats() + 4L * roundedCols;
    }

    /**
     * The transformed weights {@code U_ξ[oc][c] = (G g Gᵀ)_ξ} for every filter g, ξ = 4i + j | weights
     * {@code [OC][C][3][3]} | written into {@code into} ({@code 16·OC·C} floats), or a new array when it is null.
     */
    static float[] transformWeights(ConvParams p, float[] weights, float[] into) {
        float[] u = into != null ? into : new float[16 * p.outChannels() * p.inChannels()];
        int oc = p.outChannels();
        int c = p.inChannels();
        for (int o = 0; o < oc; o++) {
            for (int i = 0; i < c; i++) {
                int g = (o * c + i) * 9;
                for (int row = 0; row < 4; row++) {
                    // (G g) row: G = [[1,0,0],[½,½,½],[½,−½,½],[0,0,1]] applied down each column k.
                    float t0 = gRow(weights, g, row, 0);
                    float t1 = gRow(weights, g, row, 1);
                    float t2 = gRow(weights, g, row, 2);
                    int at = (row * 4 * oc + o) * c + i; // ξ = 4·row + col
                    u[at] = t0;
                    u[at + oc * c] = 0.5f * (t0 + t1 + t2);
                    u[at + 2 * oc * c] = 0.5f * (t0 - t1 + t2);
                    u[at + 3 * oc * c] = t2;
                }
            }
        }
        return u;
    }

    /** Row {@code row} of {@code G g}, column k, for the filter at g. */
    private static float gRow(float[] weights, int g, int row, int k) {
        float g0 = weights[g + k];
        float g1 = weights[g + 3 + k];
        float g2 = weights[g + 6 + k];
        return switch (row) {
            case 0 -> g0;
            case 1 -> 0.5f * (g0 + g1 + g2);
            case 2 -> 0.5f * (g0 - g1 + g2);
            default -> g2;
        };
    }

    /**
     * y := clamp(conv(x) + bias) for one image, U from {@link #transformWeights} packed per ξ as A | x:
     * {@code C×h×w} at xOff; y: {@code OC×oh×ow} at yOff; bias null for none | y must not alias x |
     * allocates nothing.
     */
    void forward(PackedOperand[] u, float[] x, int xOff, Sgemm gemm, float[] bias, float min, float max, float[] y, int yOff) {
        int c = p.inChannels();
        int oc = p.outChannels();
        this.x = x;
        this.xOff = xOff;
        this.y = y;
        this.yOff = yOff;
        this.bias = bias;
        this.min = min;
        this.max = max;
        try {
            // Channels are independent in both transforms (V and M rows have L floats of slack, so
            // a vector past a row's last tile never reaches the next row): one task per channel.
            outputPhase = false;
            gemm.pool().parallelFor(c, this);
            for (int xi = 0; xi < 16; xi++) {
                gemm.gemm(u[xi], Transpose.N, tiles, 1f, v, xi * c * ldt, ldt, 0f, m, xi * oc * ldt, ldt,
                        Epilogue.NONE, null, 0);
            }
            outputPhase = true;
            gemm.pool().parallelFor(oc, this);
        } finally {
            this.x = this.y = this.bias = null;
        }
    }

    /** Transform task: input channel {@code task} before the GEMMs, output channel {@code task} after. */
    @Override
    public void run(int task) {
        Scratch scratch = idleScratch.take();
        if (scratch == null) {
            scratch = new Scratch();
        }
        try {
            if (outputPhase) {
                transformOutput(task, bias == null ? -0f : bias[task], scratch.rows, y, yOff + task * oh * ow);
            } else {
                transformInput(scratch.plane.load(x, xOff + task * h * w, h, w), scratch.plane, task);
            }
        } finally {
            idleScratch.give(scratch);
        }
    }

    /** V_ξ[c][tiles] := (Bᵀ d B)_ξ for every tile of input channel c. */
    private void transformInput(float[] pl, StridedPlane plane, int c) {
        int rs = plane.rowStride;
        int ph = plane.phase;
        int stride = p.inChannels() * ldt; // from V_ξ to V_ξ+1
        for (int ty = 0; ty < tileRows; ty++) {
            for (int tx = 0; tx < tileCols; tx += L) {
                // Padded column 2·tile + j lives at phase j mod 2, slot tile + j/2.
                int r0 = 2 * ty * rs + tx;
                int r1 = r0 + rs;
                int r2 = r1 + rs;
                int r3 = r2 + rs;
                // d·B per row: (d0 − d2, d1 + d2, d2 − d1, d1 − d3)
                FloatVector a0 = FloatVector.fromArray(S, pl, r0), a1 = FloatVector.fromArray(S, pl, r0 + ph);
                FloatVector a2 = FloatVector.fromArray(S, pl, r0 + 1), a3 = FloatVector.fromArray(S, pl, r0 + ph + 1);
                FloatVector b0 = FloatVector.fromArray(S, pl, r1), b1 = FloatVector.fromArray(S, pl, r1 + ph);
                FloatVector b2 = FloatVector.fromArray(S, pl, r1 + 1), b3 = FloatVector.fromArray(S, pl, r1 + ph + 1);
                FloatVector c0 = FloatVector.fromArray(S, pl, r2), c1 = FloatVector.fromArray(S, pl, r2 + ph);
                FloatVector c2 = FloatVector.fromArray(S, pl, r2 + 1), c3 = FloatVector.fromArray(S, pl, r2 + ph + 1);
                FloatVector e0 = FloatVector.fromArray(S, pl, r3), e1 = FloatVector.fromArray(S, pl, r3 + ph);
                FloatVector e2 = FloatVector.fromArray(S, pl, r3 + 1), e3 = FloatVector.fromArray(S, pl, r3 + ph + 1);
                int at = c * ldt + ty * tileCols + tx;
                // Columns j of d·B: (d0 − d2, d1 + d2, d2 − d1, d1 − d3) in each row
                FloatVector a0j = a0.sub(a2), b0j = b0.sub(b2), c0j = c0.sub(c2), e0j = e0.sub(e2);
                FloatVector a1j = a1.add(a2), b1j = b1.add(b2), c1j = c1.add(c2), e1j = e1.add(e2);
                FloatVector a2j = a2.sub(a1), b2j = b2.sub(b1), c2j = c2.sub(c1), e2j = e2.sub(e1);
                FloatVector a3j = a1.sub(a3), b3j = b1.sub(b3), c3j = c1.sub(c3), e3j = e1.sub(e3);
                // Bᵀ·(d·B): rows (r0 − r2, r1 + r2, r2 − r1, r1 − r3); V[i][j] at ξ = 4i + j. Written
                // out rather than through a helper: vectors passed to a method C2 does not inline are boxed.
                a0j.sub(c0j).intoArray(v, at);
                a1j.sub(c1j).intoArray(v, at + stride);
                a2j.sub(c2j).intoArray(v, at + 2 * stride);
                a3j.sub(c3j).intoArray(v, at + 3 * stride);
                b0j.add(c0j).intoArray(v, at + 4 * stride);
                b1j.add(c1j).intoArray(v, at + 5 * stride);
                b2j.add(c2j).intoArray(v, at + 6 * stride);
                b3j.add(c3j).intoArray(v, at + 7 * stride);
                c0j.sub(b0j).intoArray(v, at + 8 * stride);
                c1j.sub(b1j).intoArray(v, at + 9 * stride);
                c2j.sub(b2j).intoArray(v, at + 10 * stride);
                c3j.sub(b3j).intoArray(v, at + 11 * stride);
                b0j.sub(e0j).intoArray(v, at + 12 * stride);
                b1j.sub(e1j).intoArray(v, at + 13 * stride);
                b2j.sub(e2j).intoArray(v, at + 14 * stride);
                b3j.sub(e3j).intoArray(v, at + 15 * stride);
            }
        }
    }

    /** y[o] := clamp(Aᵀ M A + bias) over every tile, M_ξ[o][tiles] from the GEMMs. */
    private void transformOutput(int o, float bias, float[] rows, float[] y, int yOff) {
        int stride = p.outChannels() * ldt;
        int half = rows.length / 2;
        for (int ty = 0; ty < tileRows; ty++) {
            for (int tx = 0; tx < tileCols; tx += L) {
                int at = o * ldt + ty * tileCols + tx;
                // M[i][j] at ξ = 4i + j
                FloatVector m00 = FloatVector.fromArray(S, m, at), m01 = FloatVector.fromArray(S, m, at + stride), m02 = FloatVector.fromArray(S, m, at + 2 * stride), m03 = FloatVector.fromArray(S, m, at + 3 * stride);
                FloatVector m10 = FloatVector.fromArray(S, m, at + 4 * stride), m11 = FloatVector.fromArray(S, m, at + 5 * stride), m12 = FloatVector.fromArray(S, m, at + 6 * stride), m13 = FloatVector.fromArray(S, m, at + 7 * stride);
                FloatVector m20 = FloatVector.fromArray(S, m, at + 8 * stride), m21 = FloatVector.fromArray(S, m, at + 9 * stride), m22 = FloatVector.fromArray(S, m, at + 10 * stride), m23 = FloatVector.fromArray(S, m, at + 11 * stride);
                FloatVector m30 = FloatVector.fromArray(S, m, at + 12 * stride), m31 = FloatVector.fromArray(S, m, at + 13 * stride), m32 = FloatVector.fromArray(S, m, at + 14 * stride), m33 = FloatVector.fromArray(S, m, at + 15 * stride);
                // Aᵀ·M: rows (m0 + m1 + m2, m1 − m2 − m3) per column j
                FloatVector s00 = m00.add(m10).add(m20), s10 = m10.sub(m20).sub(m30);
                FloatVector s01 = m01.add(m11).add(m21), s11 = m11.sub(m21).sub(m31);
                FloatVector s02 = m02.add(m12).add(m22), s12 = m12.sub(m22).sub(m32);
                FloatVector s03 = m03.add(m13).add(m23), s13 = m13.sub(m23).sub(m33);
                // (Aᵀ·M)·A: columns (s0 + s1 + s2, s1 − s2 − s3), then bias and clamp
                FloatVector y00 = s00.add(s01).add(s02).add(bias).max(min).min(max);
                FloatVector y01 = s01.sub(s02).sub(s03).add(bias).max(min).min(max);
                FloatVector y10 = s10.add(s11).add(s12).add(bias).max(min).min(max);
                FloatVector y11 = s11.sub(s12).sub(s13).add(bias).max(min).min(max);
                y00.rearrange(ZIP_LOW, y01).intoArray(rows, 2 * tx);
                y00.rearrange(ZIP_HIGH, y01).intoArray(rows, 2 * tx + L);
                y10.rearrange(ZIP_LOW, y11).intoArray(rows, half + 2 * tx);
                y10.rearrange(ZIP_HIGH, y11).intoArray(rows, half + 2 * tx + L);
            }
            System.arraycopy(rows, 0, y, yOff + 2 * ty * ow, ow);
            if (2 * ty + 1 < oh) {
                System.arraycopy(rows, half, y, yOff + (2 * ty + 1) * ow, ow);
            }
        }
    }

}
