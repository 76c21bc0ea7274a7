package dev.striate.gemm;

import dev.striate.simd.FloatSpecies;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * The register-blocked inner kernels of the GEMM, one class per register tile.
 *
 * <p>Contract of {@link #run}: {@code T[MR×NR] := alpha · Ã · B̃} where {@code Ã} is a packed
 * micro-panel of A ({@code kc} steps of {@code MR} floats), {@code B̃} one of B ({@code kc} steps of
 * {@code NR} floats), and T is row-major with leading dimension {@code ldt}: C itself when C is only
 * overwritten, else a scratch tile that {@link #merge} adds into C as {@code fma(c, beta, t)}. T must
 * not alias the panels. Allocates nothing.
 *
 * <p>Why beta is not applied inside the kernel: a kernel that also loads C compiles, in some JIT
 * profiles, into code that boxes its accumulators (measured: ~320 bytes allocated and half the speed
 * per tile); kept store-only, every accumulator stays in a register.
 *
 * <p>Each tile keeps {@code MR × NR/lanes} accumulators as locals (C2 keeps them in registers) and
 * runs one k loop with linear indices, which measured faster than manual unrolling or pointer-bumped
 * indices. A is broadcast from the panel at each step rather than hoisted. Per element the sequence of
 * roundings is fixed — k fused multiply-adds in order, then {@code alpha·acc}, then
 * {@code fma(c, beta, ·)} — whichever thread computes a tile and whether it is an edge tile.
 *
 * <p>Thread-safety: stateless.
 */
abstract sealed class MicroKernel permits MicroKernel.Tile4x3v, MicroKernel.Tile6x2v, MicroKernel.Tile8x2v {

    static final VectorSpecies<Float> S = FloatSpecies.PREFERRED;
    static final int L = FloatSpecies.LANES;

    final int mr;
    final int nr;

    private MicroKernel(int mr, int nrVectors) {
        this.mr = mr;
        this.nr = nrVectors * L;
    }

    /** The tile shapes available, as {@code MRxNVv}: MR rows by NV vectors of columns. */
    static final String[] SHAPES = {"6x2v", "4x3v", "8x2v"};

    /** The kernel for a shape named like {@code 6x2v} (see {@link #SHAPES}). */
    static MicroKernel forShape(String shape) {
        return switch (shape) {
            case "6x2v" -> new Tile6x2v();
            case "4x3v" -> new Tile4x3v();
            case "8x2v" -> new Tile8x2v();
            default -> throw new IllegalArgumentException("unknown GEMM micro-kernel '" + shape
                    + "'; available: " + String.join(", ", SHAPES));
        };
    }

    abstract void run(int kc, float[] a, int aOff, float[] b, int bOff, float alpha, float[] t, int tOff, int ldt);

    /**
     * {@code C[rows×cols] := fma(C, beta, T)} over the top-left of a scratch tile T (row stride
     * {@code ldt}); with {@code beta == 0} C is overwritten unread. Allocates nothing.
     */
    static void merge(float[] t, int ldt, int rows, int cols, float beta, float[] c, int cOff, int ldc) {
        FloatVector vb = FloatVector.broadcast(S, beta);
        int vectorCols = S.loopBound(cols);
        for (int r = 0; r < rows; r++) {
            int ci = cOff + r * ldc;
            int ti = r * ldt;
            if (beta == 0f) {
                System.arraycopy(t, ti, c, ci, cols);
                continue;
            }
            int j = 0;
            for (; j < vectorCols; j += L) {
                FloatVector.fromArray(S, c, ci + j).fma(vb, FloatVector.fromArray(S, t, ti + j)).intoArray(c, ci + j);
            }
            for (; j < cols; j++) {
                c[ci + j] = Math.fma(c[ci + j], beta, t[ti + j]);
            }
        }
    }

    static final class Tile6x2v extends MicroKernel {
        Tile6x2v() {
            super(6, 2);
        }

        @Override
        void run(int kc, float[] a, int aOff, float[] b, int bOff, float alpha, float[] t, int tOff, int ldt) {
            FloatVector c00 = FloatVector.zero(S), c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00;
            FloatVector c30 = c00, c31 = c00, c40 = c00, c41 = c00, c50 = c00, c51 = c00;
            for (int p = 0; p < kc; p++) {
                int bi = bOff + p * (2 * L);
                int ai = aOff + p * 6;
                FloatVector b0 = FloatVector.fromArray(S, b, bi);
                FloatVector b1 = FloatVector.fromArray(S, b, bi + L);
                FloatVector a0 = FloatVector.broadcast(S, a[ai]);
                c00 = b0.fma(a0, c00);
                c01 = b1.fma(a0, c01);
                FloatVector a1 = FloatVector.broadcast(S, a[ai + 1]);
                c10 = b0.fma(a1, c10);
                c11 = b1.fma(a1, c11);
                FloatVector a2 = FloatVector.broadcast(S, a[ai + 2]);
                c20 = b0.fma(a2, c20);
                c21 = b1.fma(a2, c21);
                FloatVector a3 = FloatVector.broadcast(S, a[ai + 3]);
                c30 = b0.fma(a3, c30);
                c31 = b1.fma(a3, c31);
                FloatVector a4 = FloatVector.broadcast(S, a[ai + 4]);
                c40 = b0.fma(a4, c40);
                c41 = b1.fma(a4, c41);
                FloatVector a5 = FloatVector.broadcast(S, a[ai + 5]);
                c50 = b0.fma(a5, c50);
                c51 = b1.fma(a5, c51);
            }
            // Broadcast only now: live across the loop it would take a 16th register and force spills.
            FloatVector va = FloatVector.broadcast(S, alpha);
            int r0 = tOff, r1 = r0 + ldt, r2 = r1 + ldt, r3 = r2 + ldt, r4 = r3 + ldt, r5 = r4 + ldt;
            c00.mul(va).intoArray(t, r0);
            c01.mul(va).intoArray(t, r0 + L);
            c10.mul(va).intoArray(t, r1);
            c11.mul(va).intoArray(t, r1 + L);
            c20.mul(va).intoArray(t, r2);
            c21.mul(va).intoArray(t, r2 + L);
            c30.mul(va).intoArray(t, r3);
            c31.mul(va).intoArray(t, r3 + L);
            c40.mul(va).intoArray(t, r4);
            c41.mul(va).intoArray(t, r4 + L);
            c50.mul(va).intoArray(t, r5);
            c51.mul(va).intoArray(t, r5 + L);
        }
    }

    static final class Tile4x3v extends MicroKernel {
        Tile4x3v() {
            super(4, 3);
        }

        @Override
        void run(int kc, float[] a, int aOff, float[] b, int bOff, float alpha, float[] t, int tOff, int ldt) {
            FloatVector c00 = FloatVector.zero(S), c01 = c00, c02 = c00, c10 = c00, c11 = c00, c12 = c00;
            FloatVector c20 = c00, c21 = c00, c22 = c00, c30 = c00, c31 = c00, c32 = c00;
            for (int p = 0; p < kc; p++) {
                int bi = bOff + p * (3 * L);
                int ai = aOff + p * 4;
                FloatVector b0 = FloatVector.fromArray(S, b, bi);
                FloatVector b1 = FloatVector.fromArray(S, b, bi + L);
                FloatVector b2 = FloatVector.fromArray(S, b, bi + 2 * L);
                FloatVector a0 = FloatVector.broadcast(S, a[ai]);
                c00 = b0.fma(a0, c00);
                c01 = b1.fma(a0, c01);
                c02 = b2.fma(a0, c02);
                FloatVector a1 = FloatVector.broadcast(S, a[ai + 1]);
                c10 = b0.fma(a1, c10);
                c11 = b1.fma(a1, c11);
                c12 = b2.fma(a1, c12);
                FloatVector a2 = FloatVector.broadcast(S, a[ai + 2]);
                c20 = b0.fma(a2, c20);
                c21 = b1.fma(a2, c21);
                c22 = b2.fma(a2, c22);
                FloatVector a3 = FloatVector.broadcast(S, a[ai + 3]);
                c30 = b0.fma(a3, c30);
                c31 = b1.fma(a3, c31);
                c32 = b2.fma(a3, c32);
            }
            // Broadcast only now: live across the loop it would take a 16th register and force spills.
            FloatVector va = FloatVector.broadcast(S, alpha);
            int r0 = tOff, r1 = r0 + ldt, r2 = r1 + ldt, r3 = r2 + ldt;
            c00.mul(va).intoArray(t, r0);
            c01.mul(va).intoArray(t, r0 + L);
            c02.mul(va).intoArray(t, r0 + 2 * L);
            c10.mul(va).intoArray(t, r1);
            c11.mul(va).intoArray(t, r1 + L);
            c12.mul(va).intoArray(t, r1 + 2 * L);
            c20.mul(va).intoArray(t, r2);
            c21.mul(va).intoArray(t, r2 + L);
            c22.mul(va).intoArray(t, r2 + 2 * L);
            c30.mul(va).intoArray(t, r3);
            c31.mul(va).intoArray(t, r3 + L);
            c32.mul(va).intoArray(t, r3 + 2 * L);
        }
    }

    /** 16 accumulators: for 32-register AVX-512 machines; spills on 16-register AVX2. */
    static final class Tile8x2v extends MicroKernel {
        Tile8x2v() {
            super(8, 2);
        }

        @Override
        void run(int kc, float[] a, int aOff, float[] b, int bOff, float alpha, float[] t, int tOff, int ldt) {
            FloatVector c00 = FloatVector.zero(S), c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00;
            FloatVector c30 = c00, c31 = c00, c40 = c00, c41 = c00, c50 = c00, c51 = c00;
            FloatVector c60 = c00, c61 = c00, c70 = c00, c71 = c00;
            for (int p = 0; p < kc; p++) {
                int bi = bOff + p * (2 * L);
                int ai = aOff + p * 8;
                FloatVector b0 = FloatVector.fromArray(S, b, bi);
                FloatVector b1 = FloatVector.fromArray(S, b, bi + L);
                FloatVector a0 = FloatVector.broadcast(S, a[ai]);
                c00 = b0.fma(a0, c00);
                c01 = b1.fma(a0, c01);
                FloatVector a1 = FloatVector.broadcast(S, a[ai + 1]);
                c10 = b0.fma(a1, c10);
                c11 = b1.fma(a1, c11);
                FloatVector a2 = FloatVector.broadcast(S, a[ai + 2]);
                c20 = b0.fma(a2, c20);
                c21 = b1.fma(a2, c21);
                FloatVector a3 = FloatVector.broadcast(S, a[ai + 3]);
                c30 = b0.fma(a3, c30);
                c31 = b1.fma(a3, c31);
                FloatVector a4 = FloatVector.broadcast(S, a[ai + 4]);
                c40 = b0.fma(a4, c40);
                c41 = b1.fma(a4, c41);
                FloatVector a5 = FloatVector.broadcast(S, a[ai + 5]);
                c50 = b0.fma(a5, c50);
                c51 = b1.fma(a5, c51);
                FloatVector a6 = FloatVector.broadcast(S, a[ai + 6]);
                c60 = b0.fma(a6, c60);
                c61 = b1.fma(a6, c61);
                FloatVector a7 = FloatVector.broadcast(S, a[ai + 7]);
                c70 = b0.fma(a7, c70);
                c71 = b1.fma(a7, c71);
            }
            // Broadcast only now: live across the loop it would take a 16th register and force spills.
            FloatVector va = FloatVector.broadcast(S, alpha);
            int r0 = tOff, r1 = r0 + ldt, r2 = r1 + ldt, r3 = r2 + ldt;
            int r4 = r3 + ldt, r5 = r4 + ldt, r6 = r5 + ldt, r7 = r6 + ldt;
            c00.mul(va).intoArray(t, r0);
            c01.mul(va).intoArray(t, r0 + L);
            c10.mul(va).intoArray(t, r1);
            c11.mul(va).intoArray(t, r1 + L);
            c20.mul(va).intoArray(t, r2);
            c21.mul(va).intoArray(t, r2 + L);
            c30.mul(va).intoArray(t, r3);
            c31.mul(va).intoArray(t, r3 + L);
            c40.mul(va).intoArray(t, r4);
            c41.mul(va).intoArray(t, r4 + L);
            c50.mul(va).intoArray(t, r5);
            c51.mul(va).intoArray(t, r5 + L);
            c60.mul(va).intoArray(t, r6);
            c61.mul(va).intoArray(t, r6 + L);
            c70.mul(va).intoArray(t, r7);
            c71.mul(va).intoArray(t, r7 + L);
        }
    }
}
