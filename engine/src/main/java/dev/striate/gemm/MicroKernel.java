package dev.striate.gemm;

import dev.striate.simd.Clamp;
import dev.striate.simd.FloatSpecies;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

import static jdk.incubator.vector.VectorOperators.GE;
import static jdk.incubator.vector.VectorOperators.LE;

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
 * per tile) when the update goes through a helper; written inline, as an {@code accumulate} branch
 * after the k loop, it allocated nothing but ran at 25 instead of 64 GFLOPS (1024³, one thread): C2
 * allocates registers for the whole method, and the extra live values of the epilogue pushed the
 * loop into spilling. Kept store-only, every accumulator stays in a register.
 *
 * <p>Each tile keeps {@code MR × NR/lanes} accumulators as locals and runs one k loop with linear
 * indices, which measured faster than manual unrolling or pointer-bumped indices. A is broadcast from
 * the panel at each step. The register budget decides the tile: C2 schedules all MR broadcasts of a
 * step before their multiply-adds, so a tile needs {@code MR·NV + NV + MR} vector registers; past the
 * 16 of AVX2 it spills accumulators to the stack and runs at half speed (6x2v measured 36 GFLOPS
 * against 79 for 3x3v on one Zen 3 core, whose peak is 81). Per element the sequence of
 * roundings is fixed — k fused multiply-adds in order, then {@code alpha·acc}, then
 * {@code fma(c, beta, ·)} — whichever thread computes a tile and whether it is an edge tile; a whole
 * tile that one K block finishes with an epilogue may start from its bias instead
 * ({@link #runFinished}). Which tiles are whole depends on the shape alone, never on the threads.
 *
 * <p>Thread-safety: stateless.
 */
abstract sealed class MicroKernel permits MicroKernel.Tile3x3v, MicroKernel.Tile2x4v, MicroKernel.Tile6x2v,
        MicroKernel.Tile8x2v, MicroKernel.Tile7x3v {

    static final VectorSpecies<Float> S = FloatSpecies.PREFERRED;
    static final int L = FloatSpecies.LANES;

    final int mr;
    final int nr;

    private MicroKernel(int mr, int nrVectors) {
        this.mr = mr;
        this.nr = nrVectors * L;
    }

    /** The tile shapes available, as {@code MRxNVv}: MR rows by NV vectors of columns. */
    static final String[] SHAPES = {"3x3v", "2x4v", "6x2v", "8x2v", "7x3v"};

    /** The kernel for a shape named like {@code 6x2v} (see {@link #SHAPES}). */
    static MicroKernel forShape(String shape) {
        return switch (shape) {
            case "3x3v" -> new Tile3x3v();
            case "2x4v" -> new Tile2x4v();
            case "6x2v" -> new Tile6x2v();
            case "8x2v" -> new Tile8x2v();
            case "7x3v" -> new Tile7x3v();
            default -> throw new IllegalArgumentException("unknown GEMM micro-kernel '" + shape
                    + "'; available: " + String.join(", ", SHAPES));
        };
    }

    /**
     * {@code T := alpha·A·B} for one MR × NR tile over kc depths: A's panel at aOff (MR floats per
     * depth), B's rows {@code ldb} apart from bOff — NR in a packed panel, a matrix's row stride where
     * B is read in place ({@code Sgemm}'s products with few rows) — and T's rows ldt apart.
     */
    abstract void run(int kc, float[] a, int aOff, float[] b, int bOff, int ldb, float alpha, float[] t, int tOff, int ldt);

    /**
     * Columns {@link #runNarrow} computes: a tile whose valid columns fit in them (the last, partial
     * column panel of a product) skips the rest. 0 for kernels without a narrow form.
     */
    int narrowColumns() {
        return 0;
    }

    /**
     * {@link #run} for the tile's first {@link #narrowColumns} columns only, the rest of t left as it
     * was: each element the same fused multiply-adds in the same order, so the same bits. Kernels
     * without a narrow form compute the whole tile.
     */
    void runNarrow(int kc, float[] a, int aOff, float[] b, int bOff, float alpha, float[] t, int tOff, int ldt) {
        run(kc, a, aOff, b, bOff, nr, alpha, t, tOff, ldt);
    }

    /**
     * Biases that change nothing, for tiles without one: {@code x + (-0.0)} is {@code x} for every
     * float, {@code -0.0} and NaN included. Long enough for any tile's rows or columns.
     */
    static final float[] NO_BIAS = negativeZeros(Math.max(8, 4 * L));

    private static float[] negativeZeros(int n) {
        float[] z = new float[n];
        java.util.Arrays.fill(z, -0f);
        return z;
    }

    /**
     * The epilogue of one whole MR × NR tile of C (leading dimension ldc), straight after {@link #run}
     * stored it: {@code c := clamp(c + rowBias[rowAt + r] + colBias[colAt + j])} by {@link #clampBounds},
     * {@link #NO_BIAS} standing for the bias the epilogue does not have. The same roundings as
     * {@link #finish}, so whole and edge tiles agree bit for bit. Straight-line code over the tile
     * in L1: the general {@link #finish}, with its row loop, mode tests and tail loops, cost as much
     * as the multiply itself on a 96×12544×16 product (MobileNetV2's expansions). A separate method
     * rather than part of {@link #run}: loading the epilogue's operands there measured as one more
     * accumulator spilled in the k loop (hsdis). Fusing the epilogue into the kernel after its k loop
     * (accumulators biased and clamped before the store, its values read only after the loop) was
     * tried again on 2026-11-26, as a branch after run's loop and as a method with its own copy of
     * the loop: either way the layers that take it ran 1.1–2.2× slower (A/B of the builds: ResNet's
     * 7x7 first layer 1.9–2.2×, a 1x1 64→256 at 56x56 1.9×); only products without an epilogue,
     * whose compiled code never reaches it, kept their speed. hsdis of the fused loop: two vector
     * registers idle inside it and one accumulator spilled (a load, FMA and store every k step); with
     * the epilogue's loads made to depend on the loop's exit value, three spilled. The form that
     * kept the loop clean is {@link Tile3x3v#runFinished}'s: biases folded into the accumulators'
     * starting values, so only the accumulators live across the loop.
     */
    abstract void finishTile(float[] c, int cAt, int ldc, float[] rowBias, int rowAt, float[] colBias, int colAt,
                             float[] bounds);

    /** {@code bounds[0, 4) :=} min, max and their {@link Clamp} thresholds, as the whole-tile kernels clamp. */
    static void clampBounds(float min, float max, float[] bounds) {
        bounds[0] = min;
        bounds[1] = max;
        bounds[2] = Clamp.lowerThreshold(min);
        bounds[3] = Clamp.upperThreshold(max);
    }

    /**
     * {@link #run} with alpha 1 straight into C, then {@link #finishTile}: a whole tile that one K
     * block computes completely. Kernels may instead start the accumulators from the biases and clamp
     * before the store (see {@link Tile3x3v#runFinished}); the default makes the two calls.
     */
    void runFinished(int kc, float[] a, int aOff, float[] b, int bOff, int ldb, float[] c, int cAt, int ldc,
                     float[] rowBias, int rowAt, float[] colBias, int colAt, float[] bounds) {
        run(kc, a, aOff, b, bOff, ldb, 1f, c, cAt, ldc);
        finishTile(c, cAt, ldc, rowBias, rowAt, colBias, colAt, bounds);
    }

    /**
     * {@link #run} that also reads {@code b[touchAt + p·touchStep]} at each depth p, a float it
     * discards: an emulated prefetch (Java has no prefetch instruction) of B's next packed panel,
     * which the next tile would otherwise read from memory in one burst. The caller keeps every
     * touched index inside b. The same bits as {@link #run}.
     * A loop of its own rather than a parameter of run's: 7x3v with the touching load in run and
     * runFinished (a stride of 0 where untouched) ran warm one-block products slower (MobileNetV2's
     * 160→960 pointwise at 7x7 115 → 119–122 µs, ResNet's 256→512 1x1/s2 106 → 115–122). Tiles
     * without a touching loop run {@link #run}; 7x3v has one (the transposed product's tile, whose
     * B is a layer's pre-packed weights).
     */
    void runTouching(int kc, float[] a, int aOff, float[] b, int bOff, int ldb, float alpha, float[] t, int tOff,
                     int ldt, int touchAt, int touchStep) {
        run(kc, a, aOff, b, bOff, ldb, alpha, t, tOff, ldt);
    }

    /**
     * Where the touching loops leave the sum of what they touched, so the loads are not dead code.
     * Written by any thread, read by none: a race that loses nothing.
     */
    static float touched;

    /**
     * {@code C[rows×cols] := fma(C, beta, T)} over the top-left of a scratch tile T (row stride
     * {@code ldt}); with {@code beta == 0} C is overwritten unread. Allocates nothing.
     *
     * <p>Scalar on purpose, like {@link #finish}: these run for edge tiles, one-row products and
     * K-blocked tiles only, so some workloads call them too rarely for C2 to compile them, and the
     * Vector API outside C2 allocates a box per vector (measured: 448 bytes per run of a small
     * MobileNetV2, from the classifier's one-row bias add, once whole tiles stopped calling it). The
     * same roundings as the vector forms: {@link Math#fma}, then add and {@link Math#max}/{@link
     * Math#min}, element by element.
     */
    static void merge(float[] t, int ldt, int rows, int cols, float beta, float[] c, int cOff, int ldc) {
        for (int r = 0; r < rows; r++) {
            int ci = cOff + r * ldc;
            int ti = r * ldt;
            if (beta == 0f) {
                System.arraycopy(t, ti, c, ci, cols);
            } else {
                for (int j = 0; j < cols; j++) {
                    c[ci + j] = Math.fma(c[ci + j], beta, t[ti + j]);
                }
            }
        }
    }

    /**
     * {@code C[MR×NR] := fma(C, beta, T)} for a whole tile T (row stride NR), a vector at a time: the
     * same roundings as {@link #merge}. Every K block after the first adds its product this way (the
     * scalar merge cost 5–10% of a 1024³ product at KC 512). Allocates nothing once compiled; it
     * runs once per tile and K block, so any product with K over KC makes it hot.
     */
    final void mergeTile(float[] t, float beta, float[] c, int cAt, int ldc) {
        FloatVector vb = FloatVector.broadcast(S, beta);
        for (int r = 0; r < mr; r++) {
            int ci = cAt + r * ldc;
            int ti = r * nr;
            for (int j = 0; j < nr; j += L) {
                FloatVector.fromArray(S, c, ci + j).fma(vb, FloatVector.fromArray(S, t, ti + j)).intoArray(c, ci + j);
            }
        }
    }

    /**
     * {@code C[rows×cols] := clamp(C + bias, min, max)} per {@code e}; {@code rowBias}/{@code colBias}
     * index the bias of the tile's first row/column. Scalar, for the reason {@link #merge} gives.
     * Allocates nothing.
     */
    static void finish(Epilogue e, float[] bias, int rowBias, int colBias, int rows, int cols,
                       float[] c, int cOff, int ldc) {
        float min = e.min();
        float max = e.max();
        for (int r = 0; r < rows; r++) {
            int ci = cOff + r * ldc;
            if (e.bias() == Epilogue.Bias.PER_COLUMN) {
                for (int j = 0; j < cols; j++) {
                    c[ci + j] = Math.min(Math.max(c[ci + j] + bias[colBias + j], min), max);
                }
            } else {
                float add = e.bias() == Epilogue.Bias.PER_ROW ? bias[rowBias + r] : -0f;
                for (int j = 0; j < cols; j++) {
                    c[ci + j] = Math.min(Math.max(c[ci + j] + add, min), max);
                }
            }
        }
    }

    /** 9 accumulators: with 3 B vectors and 3 broadcasts, 15 of AVX2's 16 vector registers — the AVX2 default. */
    static final class Tile3x3v extends MicroKernel {
        Tile3x3v() {
            super(3, 3);
        }

        @Override
        void run(int kc, float[] a, int aOff, float[] b, int bOff, int ldb, float alpha, float[] t, int tOff, int ldt) {
            FloatVector c00 = FloatVector.zero(S), c01 = c00, c02 = c00, c10 = c00, c11 = c00, c12 = c00;
            FloatVector c20 = c00, c21 = c00, c22 = c00;
            for (int p = 0; p < kc; p++) {
                int bi = bOff + p * ldb;
                int ai = aOff + p * 3;
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
            }
            // Broadcast only after the loop so it never competes with the accumulators for registers.
            FloatVector va = FloatVector.broadcast(S, alpha);
            c00.mul(va).intoArray(t, tOff);
            c01.mul(va).intoArray(t, tOff + L);
            c02.mul(va).intoArray(t, tOff + 2 * L);
            c10.mul(va).intoArray(t, tOff + ldt);
            c11.mul(va).intoArray(t, tOff + ldt + L);
            c12.mul(va).intoArray(t, tOff + ldt + 2 * L);
            c20.mul(va).intoArray(t, tOff + 2 * ldt);
            c21.mul(va).intoArray(t, tOff + 2 * ldt + L);
            c22.mul(va).intoArray(t, tOff + 2 * ldt + 2 * L);
        }

        /**
         * The accumulators start from {@code rowBias + colBias} instead of zero, and are clamped in
         * registers before the one store: nothing but the accumulators is live across the k loop,
         * and C is neither stored twice nor read back. The loop is {@link #run}'s, written again:
         * a helper passing vectors is what C2 boxes, and run cannot start from a bias that its
         * alpha would then scale. Measured (A/B of the builds, one thread, forward with bias and
         * ReLU6): MobileNetV2's 16→96 at 112x112 0.86–0.89, 24→144 at 56x56 0.87, 32→16 at
         * 112x112 0.91, 1x1 64→256 at 56x56 0.87–0.97, ResNet's 7x7 first layer 0.97.
         */
        @Override
        void runFinished(int kc, float[] a, int aOff, float[] b, int bOff, int ldb, float[] c, int cAt, int ldc,
                         float[] rowBias, int rowAt, float[] colBias, int colAt, float[] bounds) {
            FloatVector b0 = FloatVector.fromArray(S, colBias, colAt);
            FloatVector b1 = FloatVector.fromArray(S, colBias, colAt + L);
            FloatVector b2 = FloatVector.fromArray(S, colBias, colAt + 2 * L);
            FloatVector r0 = FloatVector.broadcast(S, rowBias[rowAt]);
            FloatVector c00 = b0.add(r0), c01 = b1.add(r0), c02 = b2.add(r0);
            FloatVector r1 = FloatVector.broadcast(S, rowBias[rowAt + 1]);
            FloatVector c10 = b0.add(r1), c11 = b1.add(r1), c12 = b2.add(r1);
            FloatVector r2 = FloatVector.broadcast(S, rowBias[rowAt + 2]);
            FloatVector c20 = b0.add(r2), c21 = b1.add(r2), c22 = b2.add(r2);
            for (int p = 0; p < kc; p++) {
                int bi = bOff + p * ldb;
                int ai = aOff + p * 3;
                FloatVector v0 = FloatVector.fromArray(S, b, bi);
                FloatVector v1 = FloatVector.fromArray(S, b, bi + L);
                FloatVector v2 = FloatVector.fromArray(S, b, bi + 2 * L);
                FloatVector a0 = FloatVector.broadcast(S, a[ai]);
                c00 = v0.fma(a0, c00);
                c01 = v1.fma(a0, c01);
                c02 = v2.fma(a0, c02);
                FloatVector a1 = FloatVector.broadcast(S, a[ai + 1]);
                c10 = v0.fma(a1, c10);
                c11 = v1.fma(a1, c11);
                c12 = v2.fma(a1, c12);
                FloatVector a2 = FloatVector.broadcast(S, a[ai + 2]);
                c20 = v0.fma(a2, c20);
                c21 = v1.fma(a2, c21);
                c22 = v2.fma(a2, c22);
            }
            FloatVector lo = FloatVector.broadcast(S, bounds[0]);
            FloatVector hi = FloatVector.broadcast(S, bounds[1]);
            FloatVector below = FloatVector.broadcast(S, bounds[2]);
            FloatVector above = FloatVector.broadcast(S, bounds[3]);
            c00 = c00.blend(lo, c00.compare(LE, below));
            c00.blend(hi, c00.compare(GE, above)).intoArray(c, cAt);
            c01 = c01.blend(lo, c01.compare(LE, below));
            c01.blend(hi, c01.compare(GE, above)).intoArray(c, cAt + L);
            c02 = c02.blend(lo, c02.compare(LE, below));
            c02.blend(hi, c02.compare(GE, above)).intoArray(c, cAt + 2 * L);
            c10 = c10.blend(lo, c10.compare(LE, below));
            c10.blend(hi, c10.compare(GE, above)).intoArray(c, cAt + ldc);
            c11 = c11.blend(lo, c11.compare(LE, below));
            c11.blend(hi, c11.compare(GE, above)).intoArray(c, cAt + ldc + L);
            c12 = c12.blend(lo, c12.compare(LE, below));
            c12.blend(hi, c12.compare(GE, above)).intoArray(c, cAt + ldc + 2 * L);
            c20 = c20.blend(lo, c20.compare(LE, below));
            c20.blend(hi, c20.compare(GE, above)).intoArray(c, cAt + 2 * ldc);
            c21 = c21.blend(lo, c21.compare(LE, below));
            c21.blend(hi, c21.compare(GE, above)).intoArray(c, cAt + 2 * ldc + L);
            c22 = c22.blend(lo, c22.compare(LE, below));
            c22.blend(hi, c22.compare(GE, above)).intoArray(c, cAt + 2 * ldc + 2 * L);
        }

        @Override
        void finishTile(float[] c, int cAt, int ldc, float[] rowBias, int rowAt, float[] colBias, int colAt,
                        float[] bounds) {
            FloatVector lo = FloatVector.broadcast(S, bounds[0]);
            FloatVector hi = FloatVector.broadcast(S, bounds[1]);
            FloatVector below = FloatVector.broadcast(S, bounds[2]);
            FloatVector above = FloatVector.broadcast(S, bounds[3]);
            FloatVector b0 = FloatVector.fromArray(S, colBias, colAt);
            FloatVector b1 = FloatVector.fromArray(S, colBias, colAt + L);
            FloatVector b2 = FloatVector.fromArray(S, colBias, colAt + 2 * L);
            FloatVector r0 = FloatVector.broadcast(S, rowBias[rowAt]);
            FloatVector t0 = FloatVector.fromArray(S, c, cAt).add(r0).add(b0);
            t0 = t0.blend(lo, t0.compare(LE, below));
            t0.blend(hi, t0.compare(GE, above)).intoArray(c, cAt);
            FloatVector t1 = FloatVector.fromArray(S, c, cAt + L).add(r0).add(b1);
            t1 = t1.blend(lo, t1.compare(LE, below));
            t1.blend(hi, t1.compare(GE, above)).intoArray(c, cAt + L);
            FloatVector t2 = FloatVector.fromArray(S, c, cAt + 2 * L).add(r0).add(b2);
            t2 = t2.blend(lo, t2.compare(LE, below));
            t2.blend(hi, t2.compare(GE, above)).intoArray(c, cAt + 2 * L);
            FloatVector r1 = FloatVector.broadcast(S, rowBias[rowAt + 1]);
            FloatVector t3 = FloatVector.fromArray(S, c, cAt + ldc).add(r1).add(b0);
            t3 = t3.blend(lo, t3.compare(LE, below));
            t3.blend(hi, t3.compare(GE, above)).intoArray(c, cAt + ldc);
            FloatVector t4 = FloatVector.fromArray(S, c, cAt + ldc + L).add(r1).add(b1);
            t4 = t4.blend(lo, t4.compare(LE, below));
            t4.blend(hi, t4.compare(GE, above)).intoArray(c, cAt + ldc + L);
            FloatVector t5 = FloatVector.fromArray(S, c, cAt + ldc + 2 * L).add(r1).add(b2);
            t5 = t5.blend(lo, t5.compare(LE, below));
            t5.blend(hi, t5.compare(GE, above)).intoArray(c, cAt + ldc + 2 * L);
            FloatVector r2 = FloatVector.broadcast(S, rowBias[rowAt + 2]);
            FloatVector t6 = FloatVector.fromArray(S, c, cAt + 2 * ldc).add(r2).add(b0);
            t6 = t6.blend(lo, t6.compare(LE, below));
            t6.blend(hi, t6.compare(GE, above)).intoArray(c, cAt + 2 * ldc);
            FloatVector t7 = FloatVector.fromArray(S, c, cAt + 2 * ldc + L).add(r2).add(b1);
            t7 = t7.blend(lo, t7.compare(LE, below));
            t7.blend(hi, t7.compare(GE, above)).intoArray(c, cAt + 2 * ldc + L);
            FloatVector t8 = FloatVector.fromArray(S, c, cAt + 2 * ldc + 2 * L).add(r2).add(b2);
            t8 = t8.blend(lo, t8.compare(LE, below));
            t8.blend(hi, t8.compare(GE, above)).intoArray(c, cAt + 2 * ldc + 2 * L);
        }
    }

    /** 8 accumulators, 4 B vectors, 2 broadcasts: fits 16 registers with room to spare; a sweep candidate. */
    static final class Tile2x4v extends MicroKernel {
        Tile2x4v() {
            super(2, 4);
        }

        @Override
        void run(int kc, float[] a, int aOff, float[] b, int bOff, int ldb, float alpha, float[] t, int tOff, int ldt) {
            FloatVector c00 = FloatVector.zero(S), c01 = c00, c02 = c00, c03 = c00, c10 = c00, c11 = c00;
            FloatVector c12 = c00, c13 = c00;
            for (int p = 0; p < kc; p++) {
                int bi = bOff + p * ldb;
                int ai = aOff + p * 2;
                FloatVector b0 = FloatVector.fromArray(S, b, bi);
                FloatVector b1 = FloatVector.fromArray(S, b, bi + L);
                FloatVector b2 = FloatVector.fromArray(S, b, bi + 2 * L);
                FloatVector b3 = FloatVector.fromArray(S, b, bi + 3 * L);
                FloatVector a0 = FloatVector.broadcast(S, a[ai]);
                c00 = b0.fma(a0, c00);
                c01 = b1.fma(a0, c01);
                c02 = b2.fma(a0, c02);
                c03 = b3.fma(a0, c03);
                FloatVector a1 = FloatVector.broadcast(S, a[ai + 1]);
                c10 = b0.fma(a1, c10);
                c11 = b1.fma(a1, c11);
                c12 = b2.fma(a1, c12);
                c13 = b3.fma(a1, c13);
            }
            // Broadcast only after the loop so it never competes with the accumulators for registers.
            FloatVector va = FloatVector.broadcast(S, alpha);
            c00.mul(va).intoArray(t, tOff);
            c01.mul(va).intoArray(t, tOff + L);
            c02.mul(va).intoArray(t, tOff + 2 * L);
            c03.mul(va).intoArray(t, tOff + 3 * L);
            c10.mul(va).intoArray(t, tOff + ldt);
            c11.mul(va).intoArray(t, tOff + ldt + L);
            c12.mul(va).intoArray(t, tOff + ldt + 2 * L);
            c13.mul(va).intoArray(t, tOff + ldt + 3 * L);
        }

        @Override
        void finishTile(float[] c, int cAt, int ldc, float[] rowBias, int rowAt, float[] colBias, int colAt,
                        float[] bounds) {
            FloatVector lo = FloatVector.broadcast(S, bounds[0]);
            FloatVector hi = FloatVector.broadcast(S, bounds[1]);
            FloatVector below = FloatVector.broadcast(S, bounds[2]);
            FloatVector above = FloatVector.broadcast(S, bounds[3]);
            FloatVector b0 = FloatVector.fromArray(S, colBias, colAt);
            FloatVector b1 = FloatVector.fromArray(S, colBias, colAt + L);
            FloatVector b2 = FloatVector.fromArray(S, colBias, colAt + 2 * L);
            FloatVector b3 = FloatVector.fromArray(S, colBias, colAt + 3 * L);
            FloatVector r0 = FloatVector.broadcast(S, rowBias[rowAt]);
            FloatVector t0 = FloatVector.fromArray(S, c, cAt).add(r0).add(b0);
            t0 = t0.blend(lo, t0.compare(LE, below));
            t0.blend(hi, t0.compare(GE, above)).intoArray(c, cAt);
            FloatVector t1 = FloatVector.fromArray(S, c, cAt + L).add(r0).add(b1);
            t1 = t1.blend(lo, t1.compare(LE, below));
            t1.blend(hi, t1.compare(GE, above)).intoArray(c, cAt + L);
            FloatVector t2 = FloatVector.fromArray(S, c, cAt + 2 * L).add(r0).add(b2);
            t2 = t2.blend(lo, t2.compare(LE, below));
            t2.blend(hi, t2.compare(GE, above)).intoArray(c, cAt + 2 * L);
            FloatVector t3 = FloatVector.fromArray(S, c, cAt + 3 * L).add(r0).add(b3);
            t3 = t3.blend(lo, t3.compare(LE, below));
            t3.blend(hi, t3.compare(GE, above)).intoArray(c, cAt + 3 * L);
            FloatVector r1 = FloatVector.broadcast(S, rowBias[rowAt + 1]);
            FloatVector t4 = FloatVector.fromArray(S, c, cAt + ldc).add(r1).add(b0);
            t4 = t4.blend(lo, t4.compare(LE, below));
            t4.blend(hi, t4.compare(GE, above)).intoArray(c, cAt + ldc);
            FloatVector t5 = FloatVector.fromArray(S, c, cAt + ldc + L).add(r1).add(b1);
            t5 = t5.blend(lo, t5.compare(LE, below));
            t5.blend(hi, t5.compare(GE, above)).intoArray(c, cAt + ldc + L);
            FloatVector t6 = FloatVector.fromArray(S, c, cAt + ldc + 2 * L).add(r1).add(b2);
            t6 = t6.blend(lo, t6.compare(LE, below));
            t6.blend(hi, t6.compare(GE, above)).intoArray(c, cAt + ldc + 2 * L);
            FloatVector t7 = FloatVector.fromArray(S, c, cAt + ldc + 3 * L).add(r1).add(b3);
            t7 = t7.blend(lo, t7.compare(LE, below));
            t7.blend(hi, t7.compare(GE, above)).intoArray(c, cAt + ldc + 3 * L);
        }
    }

    /** 12 accumulators, 2 B vectors, 6 broadcasts = 20 registers: the BLIS skx shape, a sweep candidate on 512-bit machines; spills on AVX2. */
    static final class Tile6x2v extends MicroKernel {
        Tile6x2v() {
            super(6, 2);
        }

        @Override
        void run(int kc, float[] a, int aOff, float[] b, int bOff, int ldb, float alpha, float[] t, int tOff, int ldt) {
            FloatVector c00 = FloatVector.zero(S), c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00;
            FloatVector c30 = c00, c31 = c00, c40 = c00, c41 = c00, c50 = c00, c51 = c00;
            for (int p = 0; p < kc; p++) {
                int bi = bOff + p * ldb;
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
            // Broadcast only after the loop so it never competes with the accumulators for registers.
            FloatVector va = FloatVector.broadcast(S, alpha);
            c00.mul(va).intoArray(t, tOff);
            c01.mul(va).intoArray(t, tOff + L);
            c10.mul(va).intoArray(t, tOff + ldt);
            c11.mul(va).intoArray(t, tOff + ldt + L);
            c20.mul(va).intoArray(t, tOff + 2 * ldt);
            c21.mul(va).intoArray(t, tOff + 2 * ldt + L);
            c30.mul(va).intoArray(t, tOff + 3 * ldt);
            c31.mul(va).intoArray(t, tOff + 3 * ldt + L);
            c40.mul(va).intoArray(t, tOff + 4 * ldt);
            c41.mul(va).intoArray(t, tOff + 4 * ldt + L);
            c50.mul(va).intoArray(t, tOff + 5 * ldt);
            c51.mul(va).intoArray(t, tOff + 5 * ldt + L);
        }

        @Override
        void finishTile(float[] c, int cAt, int ldc, float[] rowBias, int rowAt, float[] colBias, int colAt,
                        float[] bounds) {
            FloatVector lo = FloatVector.broadcast(S, bounds[0]);
            FloatVector hi = FloatVector.broadcast(S, bounds[1]);
            FloatVector below = FloatVector.broadcast(S, bounds[2]);
            FloatVector above = FloatVector.broadcast(S, bounds[3]);
            FloatVector b0 = FloatVector.fromArray(S, colBias, colAt);
            FloatVector b1 = FloatVector.fromArray(S, colBias, colAt + L);
            FloatVector r0 = FloatVector.broadcast(S, rowBias[rowAt]);
            FloatVector t0 = FloatVector.fromArray(S, c, cAt).add(r0).add(b0);
            t0 = t0.blend(lo, t0.compare(LE, below));
            t0.blend(hi, t0.compare(GE, above)).intoArray(c, cAt);
            FloatVector t1 = FloatVector.fromArray(S, c, cAt + L).add(r0).add(b1);
            t1 = t1.blend(lo, t1.compare(LE, below));
            t1.blend(hi, t1.compare(GE, above)).intoArray(c, cAt + L);
            FloatVector r1 = FloatVector.broadcast(S, rowBias[rowAt + 1]);
            FloatVector t2 = FloatVector.fromArray(S, c, cAt + ldc).add(r1).add(b0);
            t2 = t2.blend(lo, t2.compare(LE, below));
            t2.blend(hi, t2.compare(GE, above)).intoArray(c, cAt + ldc);
            FloatVector t3 = FloatVector.fromArray(S, c, cAt + ldc + L).add(r1).add(b1);
            t3 = t3.blend(lo, t3.compare(LE, below));
            t3.blend(hi, t3.compare(GE, above)).intoArray(c, cAt + ldc + L);
            FloatVector r2 = FloatVector.broadcast(S, rowBias[rowAt + 2]);
            FloatVector t4 = FloatVector.fromArray(S, c, cAt + 2 * ldc).add(r2).add(b0);
            t4 = t4.blend(lo, t4.compare(LE, below));
            t4.blend(hi, t4.compare(GE, above)).intoArray(c, cAt + 2 * ldc);
            FloatVector t5 = FloatVector.fromArray(S, c, cAt + 2 * ldc + L).add(r2).add(b1);
            t5 = t5.blend(lo, t5.compare(LE, below));
            t5.blend(hi, t5.compare(GE, above)).intoArray(c, cAt + 2 * ldc + L);
            FloatVector r3 = FloatVector.broadcast(S, rowBias[rowAt + 3]);
            FloatVector t6 = FloatVector.fromArray(S, c, cAt + 3 * ldc).add(r3).add(b0);
            t6 = t6.blend(lo, t6.compare(LE, below));
            t6.blend(hi, t6.compare(GE, above)).intoArray(c, cAt + 3 * ldc);
            FloatVector t7 = FloatVector.fromArray(S, c, cAt + 3 * ldc + L).add(r3).add(b1);
            t7 = t7.blend(lo, t7.compare(LE, below));
            t7.blend(hi, t7.compare(GE, above)).intoArray(c, cAt + 3 * ldc + L);
            FloatVector r4 = FloatVector.broadcast(S, rowBias[rowAt + 4]);
            FloatVector t8 = FloatVector.fromArray(S, c, cAt + 4 * ldc).add(r4).add(b0);
            t8 = t8.blend(lo, t8.compare(LE, below));
            t8.blend(hi, t8.compare(GE, above)).intoArray(c, cAt + 4 * ldc);
            FloatVector t9 = FloatVector.fromArray(S, c, cAt + 4 * ldc + L).add(r4).add(b1);
            t9 = t9.blend(lo, t9.compare(LE, below));
            t9.blend(hi, t9.compare(GE, above)).intoArray(c, cAt + 4 * ldc + L);
            FloatVector r5 = FloatVector.broadcast(S, rowBias[rowAt + 5]);
            FloatVector t10 = FloatVector.fromArray(S, c, cAt + 5 * ldc).add(r5).add(b0);
            t10 = t10.blend(lo, t10.compare(LE, below));
            t10.blend(hi, t10.compare(GE, above)).intoArray(c, cAt + 5 * ldc);
            FloatVector t11 = FloatVector.fromArray(S, c, cAt + 5 * ldc + L).add(r5).add(b1);
            t11 = t11.blend(lo, t11.compare(LE, below));
            t11.blend(hi, t11.compare(GE, above)).intoArray(c, cAt + 5 * ldc + L);
        }
    }

    /**
     * 16 accumulators, 2 B vectors, 8 broadcasts = 26 registers: the AVX-512 (32-register) default. Against
     * 6x2v it does a third more multiply-adds per B vector loaded and per loop step's index arithmetic, and
     * M = 64 or 256 (convolutions' output channels) falls on whole tiles. Measured on the 2-core Xeon
     * (same-process A/B, one thread, median time ratio 8x2v / 6x2v): 1024³ 0.90, 2048³ 0.89, AlexNet
     * conv2's 256×729×2400 0.89, ResNet's 64×3136×576 0.91 and 64×3136×256 0.94; 4x4v (16 accumulators,
     * 64 columns) 1.14 and 6x3v (18) 0.95–1.06.
     */
    static final class Tile8x2v extends MicroKernel {
        Tile8x2v() {
            super(8, 2);
        }

        @Override
        void run(int kc, float[] a, int aOff, float[] b, int bOff, int ldb, float alpha, float[] t, int tOff, int ldt) {
            FloatVector c00 = FloatVector.zero(S);
            FloatVector c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00, c30 = c00, c31 = c00, c40 = c00;
            FloatVector c41 = c00, c50 = c00, c51 = c00, c60 = c00, c61 = c00, c70 = c00, c71 = c00;
            for (int p = 0; p < kc; p++) {
                int bi = bOff + p * ldb;
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
            // Broadcast only after the loop so it never competes with the accumulators for registers.
            FloatVector va = FloatVector.broadcast(S, alpha);
            c00.mul(va).intoArray(t, tOff);
            c01.mul(va).intoArray(t, tOff + L);
            c10.mul(va).intoArray(t, tOff + ldt);
            c11.mul(va).intoArray(t, tOff + ldt + L);
            c20.mul(va).intoArray(t, tOff + 2 * ldt);
            c21.mul(va).intoArray(t, tOff + 2 * ldt + L);
            c30.mul(va).intoArray(t, tOff + 3 * ldt);
            c31.mul(va).intoArray(t, tOff + 3 * ldt + L);
            c40.mul(va).intoArray(t, tOff + 4 * ldt);
            c41.mul(va).intoArray(t, tOff + 4 * ldt + L);
            c50.mul(va).intoArray(t, tOff + 5 * ldt);
            c51.mul(va).intoArray(t, tOff + 5 * ldt + L);
            c60.mul(va).intoArray(t, tOff + 6 * ldt);
            c61.mul(va).intoArray(t, tOff + 6 * ldt + L);
            c70.mul(va).intoArray(t, tOff + 7 * ldt);
            c71.mul(va).intoArray(t, tOff + 7 * ldt + L);
        }

        /**
         * One vector of columns: a product's last panel holding at most L of them (16 Winograd tiles
         * on a 7x7 map, 4 or 16 columns past whole panels) costs about half the full tile's time.
         */
        @Override
        int narrowColumns() {
            return L;
        }

        @Override
        void runNarrow(int kc, float[] a, int aOff, float[] b, int bOff, float alpha, float[] t, int tOff, int ldt) {
            FloatVector c0 = FloatVector.zero(S);
            FloatVector c1 = c0, c2 = c0, c3 = c0, c4 = c0, c5 = c0, c6 = c0, c7 = c0;
            for (int p = 0; p < kc; p++) {
                FloatVector b0 = FloatVector.fromArray(S, b, bOff + p * (2 * L));
                int ai = aOff + p * 8;
                c0 = b0.fma(FloatVector.broadcast(S, a[ai]), c0);
                c1 = b0.fma(FloatVector.broadcast(S, a[ai + 1]), c1);
                c2 = b0.fma(FloatVector.broadcast(S, a[ai + 2]), c2);
                c3 = b0.fma(FloatVector.broadcast(S, a[ai + 3]), c3);
                c4 = b0.fma(FloatVector.broadcast(S, a[ai + 4]), c4);
                c5 = b0.fma(FloatVector.broadcast(S, a[ai + 5]), c5);
                c6 = b0.fma(FloatVector.broadcast(S, a[ai + 6]), c6);
                c7 = b0.fma(FloatVector.broadcast(S, a[ai + 7]), c7);
            }
            FloatVector va = FloatVector.broadcast(S, alpha);
            c0.mul(va).intoArray(t, tOff);
            c1.mul(va).intoArray(t, tOff + ldt);
            c2.mul(va).intoArray(t, tOff + 2 * ldt);
            c3.mul(va).intoArray(t, tOff + 3 * ldt);
            c4.mul(va).intoArray(t, tOff + 4 * ldt);
            c5.mul(va).intoArray(t, tOff + 5 * ldt);
            c6.mul(va).intoArray(t, tOff + 6 * ldt);
            c7.mul(va).intoArray(t, tOff + 7 * ldt);
        }

        /** {@link Tile3x3v#runFinished}'s form: the accumulators start from the biases and are clamped before the one store. */
        @Override
        void runFinished(int kc, float[] a, int aOff, float[] b, int bOff, int ldb, float[] c, int cAt, int ldc,
                         float[] rowBias, int rowAt, float[] colBias, int colAt, float[] bounds) {
            FloatVector b0 = FloatVector.fromArray(S, colBias, colAt);
            FloatVector b1 = FloatVector.fromArray(S, colBias, colAt + L);
            FloatVector r0 = FloatVector.broadcast(S, rowBias[rowAt]);
            FloatVector c00 = b0.add(r0), c01 = b1.add(r0);
            FloatVector r1 = FloatVector.broadcast(S, rowBias[rowAt + 1]);
            FloatVector c10 = b0.add(r1), c11 = b1.add(r1);
            FloatVector r2 = FloatVector.broadcast(S, rowBias[rowAt + 2]);
            FloatVector c20 = b0.add(r2), c21 = b1.add(r2);
            FloatVector r3 = FloatVector.broadcast(S, rowBias[rowAt + 3]);
            FloatVector c30 = b0.add(r3), c31 = b1.add(r3);
            FloatVector r4 = FloatVector.broadcast(S, rowBias[rowAt + 4]);
            FloatVector c40 = b0.add(r4), c41 = b1.add(r4);
            FloatVector r5 = FloatVector.broadcast(S, rowBias[rowAt + 5]);
            FloatVector c50 = b0.add(r5), c51 = b1.add(r5);
            FloatVector r6 = FloatVector.broadcast(S, rowBias[rowAt + 6]);
            FloatVector c60 = b0.add(r6), c61 = b1.add(r6);
            FloatVector r7 = FloatVector.broadcast(S, rowBias[rowAt + 7]);
            FloatVector c70 = b0.add(r7), c71 = b1.add(r7);
            for (int p = 0; p < kc; p++) {
                int bi = bOff + p * ldb;
                int ai = aOff + p * 8;
                FloatVector v0 = FloatVector.fromArray(S, b, bi);
                FloatVector v1 = FloatVector.fromArray(S, b, bi + L);
                FloatVector a0 = FloatVector.broadcast(S, a[ai]);
                c00 = v0.fma(a0, c00);
                c01 = v1.fma(a0, c01);
                FloatVector a1 = FloatVector.broadcast(S, a[ai + 1]);
                c10 = v0.fma(a1, c10);
                c11 = v1.fma(a1, c11);
                FloatVector a2 = FloatVector.broadcast(S, a[ai + 2]);
                c20 = v0.fma(a2, c20);
                c21 = v1.fma(a2, c21);
                FloatVector a3 = FloatVector.broadcast(S, a[ai + 3]);
                c30 = v0.fma(a3, c30);
                c31 = v1.fma(a3, c31);
                FloatVector a4 = FloatVector.broadcast(S, a[ai + 4]);
                c40 = v0.fma(a4, c40);
                c41 = v1.fma(a4, c41);
                FloatVector a5 = FloatVector.broadcast(S, a[ai + 5]);
                c50 = v0.fma(a5, c50);
                c51 = v1.fma(a5, c51);
                FloatVector a6 = FloatVector.broadcast(S, a[ai + 6]);
                c60 = v0.fma(a6, c60);
                c61 = v1.fma(a6, c61);
                FloatVector a7 = FloatVector.broadcast(S, a[ai + 7]);
                c70 = v0.fma(a7, c70);
                c71 = v1.fma(a7, c71);
            }
            FloatVector lo = FloatVector.broadcast(S, bounds[0]);
            FloatVector hi = FloatVector.broadcast(S, bounds[1]);
            FloatVector below = FloatVector.broadcast(S, bounds[2]);
            FloatVector above = FloatVector.broadcast(S, bounds[3]);
            c00 = c00.blend(lo, c00.compare(LE, below));
            c00.blend(hi, c00.compare(GE, above)).intoArray(c, cAt);
            c01 = c01.blend(lo, c01.compare(LE, below));
            c01.blend(hi, c01.compare(GE, above)).intoArray(c, cAt + L);
            c10 = c10.blend(lo, c10.compare(LE, below));
            c10.blend(hi, c10.compare(GE, above)).intoArray(c, cAt + ldc);
            c11 = c11.blend(lo, c11.compare(LE, below));
            c11.blend(hi, c11.compare(GE, above)).intoArray(c, cAt + ldc + L);
            c20 = c20.blend(lo, c20.compare(LE, below));
            c20.blend(hi, c20.compare(GE, above)).intoArray(c, cAt + 2 * ldc);
            c21 = c21.blend(lo, c21.compare(LE, below));
            c21.blend(hi, c21.compare(GE, above)).intoArray(c, cAt + 2 * ldc + L);
            c30 = c30.blend(lo, c30.compare(LE, below));
            c30.blend(hi, c30.compare(GE, above)).intoArray(c, cAt + 3 * ldc);
            c31 = c31.blend(lo, c31.compare(LE, below));
            c31.blend(hi, c31.compare(GE, above)).intoArray(c, cAt + 3 * ldc + L);
            c40 = c40.blend(lo, c40.compare(LE, below));
            c40.blend(hi, c40.compare(GE, above)).intoArray(c, cAt + 4 * ldc);
            c41 = c41.blend(lo, c41.compare(LE, below));
            c41.blend(hi, c41.compare(GE, above)).intoArray(c, cAt + 4 * ldc + L);
            c50 = c50.blend(lo, c50.compare(LE, below));
            c50.blend(hi, c50.compare(GE, above)).intoArray(c, cAt + 5 * ldc);
            c51 = c51.blend(lo, c51.compare(LE, below));
            c51.blend(hi, c51.compare(GE, above)).intoArray(c, cAt + 5 * ldc + L);
            c60 = c60.blend(lo, c60.compare(LE, below));
            c60.blend(hi, c60.compare(GE, above)).intoArray(c, cAt + 6 * ldc);
            c61 = c61.blend(lo, c61.compare(LE, below));
            c61.blend(hi, c61.compare(GE, above)).intoArray(c, cAt + 6 * ldc + L);
            c70 = c70.blend(lo, c70.compare(LE, below));
            c70.blend(hi, c70.compare(GE, above)).intoArray(c, cAt + 7 * ldc);
            c71 = c71.blend(lo, c71.compare(LE, below));
            c71.blend(hi, c71.compare(GE, above)).intoArray(c, cAt + 7 * ldc + L);
        }

        @Override
        void finishTile(float[] c, int cAt, int ldc, float[] rowBias, int rowAt, float[] colBias, int colAt,
                        float[] bounds) {
            FloatVector lo = FloatVector.broadcast(S, bounds[0]);
            FloatVector hi = FloatVector.broadcast(S, bounds[1]);
            FloatVector below = FloatVector.broadcast(S, bounds[2]);
            FloatVector above = FloatVector.broadcast(S, bounds[3]);
            FloatVector b0 = FloatVector.fromArray(S, colBias, colAt);
            FloatVector b1 = FloatVector.fromArray(S, colBias, colAt + L);
            FloatVector r0 = FloatVector.broadcast(S, rowBias[rowAt]);
            FloatVector t0 = FloatVector.fromArray(S, c, cAt).add(r0).add(b0);
            t0 = t0.blend(lo, t0.compare(LE, below));
            t0.blend(hi, t0.compare(GE, above)).intoArray(c, cAt);
            FloatVector t1 = FloatVector.fromArray(S, c, cAt + L).add(r0).add(b1);
            t1 = t1.blend(lo, t1.compare(LE, below));
            t1.blend(hi, t1.compare(GE, above)).intoArray(c, cAt + L);
            FloatVector r1 = FloatVector.broadcast(S, rowBias[rowAt + 1]);
            FloatVector t2 = FloatVector.fromArray(S, c, cAt + ldc).add(r1).add(b0);
            t2 = t2.blend(lo, t2.compare(LE, below));
            t2.blend(hi, t2.compare(GE, above)).intoArray(c, cAt + ldc);
            FloatVector t3 = FloatVector.fromArray(S, c, cAt + ldc + L).add(r1).add(b1);
            t3 = t3.blend(lo, t3.compare(LE, below));
            t3.blend(hi, t3.compare(GE, above)).intoArray(c, cAt + ldc + L);
            FloatVector r2 = FloatVector.broadcast(S, rowBias[rowAt + 2]);
            FloatVector t4 = FloatVector.fromArray(S, c, cAt + 2 * ldc).add(r2).add(b0);
            t4 = t4.blend(lo, t4.compare(LE, below));
            t4.blend(hi, t4.compare(GE, above)).intoArray(c, cAt + 2 * ldc);
            FloatVector t5 = FloatVector.fromArray(S, c, cAt + 2 * ldc + L).add(r2).add(b1);
            t5 = t5.blend(lo, t5.compare(LE, below));
            t5.blend(hi, t5.compare(GE, above)).intoArray(c, cAt + 2 * ldc + L);
            FloatVector r3 = FloatVector.broadcast(S, rowBias[rowAt + 3]);
            FloatVector t6 = FloatVector.fromArray(S, c, cAt + 3 * ldc).add(r3).add(b0);
            t6 = t6.blend(lo, t6.compare(LE, below));
            t6.blend(hi, t6.compare(GE, above)).intoArray(c, cAt + 3 * ldc);
            FloatVector t7 = FloatVector.fromArray(S, c, cAt + 3 * ldc + L).add(r3).add(b1);
            t7 = t7.blend(lo, t7.compare(LE, below));
            t7.blend(hi, t7.compare(GE, above)).intoArray(c, cAt + 3 * ldc + L);
            FloatVector r4 = FloatVector.broadcast(S, rowBias[rowAt + 4]);
            FloatVector t8 = FloatVector.fromArray(S, c, cAt + 4 * ldc).add(r4).add(b0);
            t8 = t8.blend(lo, t8.compare(LE, below));
            t8.blend(hi, t8.compare(GE, above)).intoArray(c, cAt + 4 * ldc);
            FloatVector t9 = FloatVector.fromArray(S, c, cAt + 4 * ldc + L).add(r4).add(b1);
            t9 = t9.blend(lo, t9.compare(LE, below));
            t9.blend(hi, t9.compare(GE, above)).intoArray(c, cAt + 4 * ldc + L);
            FloatVector r5 = FloatVector.broadcast(S, rowBias[rowAt + 5]);
            FloatVector t10 = FloatVector.fromArray(S, c, cAt + 5 * ldc).add(r5).add(b0);
            t10 = t10.blend(lo, t10.compare(LE, below));
            t10.blend(hi, t10.compare(GE, above)).intoArray(c, cAt + 5 * ldc);
            FloatVector t11 = FloatVector.fromArray(S, c, cAt + 5 * ldc + L).add(r5).add(b1);
            t11 = t11.blend(lo, t11.compare(LE, below));
            t11.blend(hi, t11.compare(GE, above)).intoArray(c, cAt + 5 * ldc + L);
            FloatVector r6 = FloatVector.broadcast(S, rowBias[rowAt + 6]);
            FloatVector t12 = FloatVector.fromArray(S, c, cAt + 6 * ldc).add(r6).add(b0);
            t12 = t12.blend(lo, t12.compare(LE, below));
            t12.blend(hi, t12.compare(GE, above)).intoArray(c, cAt + 6 * ldc);
            FloatVector t13 = FloatVector.fromArray(S, c, cAt + 6 * ldc + L).add(r6).add(b1);
            t13 = t13.blend(lo, t13.compare(LE, below));
            t13.blend(hi, t13.compare(GE, above)).intoArray(c, cAt + 6 * ldc + L);
            FloatVector r7 = FloatVector.broadcast(S, rowBias[rowAt + 7]);
            FloatVector t14 = FloatVector.fromArray(S, c, cAt + 7 * ldc).add(r7).add(b0);
            t14 = t14.blend(lo, t14.compare(LE, below));
            t14.blend(hi, t14.compare(GE, above)).intoArray(c, cAt + 7 * ldc);
            FloatVector t15 = FloatVector.fromArray(S, c, cAt + 7 * ldc + L).add(r7).add(b1);
            t15 = t15.blend(lo, t15.compare(LE, below));
            t15.blend(hi, t15.compare(GE, above)).intoArray(c, cAt + 7 * ldc + L);
        }
    }

    /**
     * 21 accumulators, 3 B vectors and 7 broadcasts: 31 of AVX-512's 32 registers. The tile of a
     * convolution's transposed product {@code Yᵀ = colᵀ·Wᵀ} on few output pixels: 7 divides ResNet's
     * maps (7, 14, 28, 56 on a side), which fill all 7 rows of every tile, and 48 channels waste
     * little of 512; 8x2v's 32 columns of pixels leave 15 of 64 empty at 7x7. Kernel alone (L1, one
     * thread) 171 GFLOPS against 8x2v's 169.
     */
    static final class Tile7x3v extends MicroKernel {
        Tile7x3v() {
            super(7, 3);
        }

        @Override
        void run(int kc, float[] a, int aOff, float[] b, int bOff, int ldb, float alpha, float[] t, int tOff, int ldt) {
            FloatVector c00 = FloatVector.zero(S);
            FloatVector c01 = c00, c02 = c00, c10 = c00, c11 = c00, c12 = c00, c20 = c00, c21 = c00, c22 = c00, c30 = c00, c31 = c00;
            FloatVector c32 = c00, c40 = c00, c41 = c00, c42 = c00, c50 = c00, c51 = c00, c52 = c00, c60 = c00, c61 = c00, c62 = c00;
            for (int p = 0; p < kc; p++) {
                int bi = bOff + p * ldb;
                int ai = aOff + p * 7;
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
                FloatVector a4 = FloatVector.broadcast(S, a[ai + 4]);
                c40 = b0.fma(a4, c40);
                c41 = b1.fma(a4, c41);
                c42 = b2.fma(a4, c42);
                FloatVector a5 = FloatVector.broadcast(S, a[ai + 5]);
                c50 = b0.fma(a5, c50);
                c51 = b1.fma(a5, c51);
                c52 = b2.fma(a5, c52);
                FloatVector a6 = FloatVector.broadcast(S, a[ai + 6]);
                c60 = b0.fma(a6, c60);
                c61 = b1.fma(a6, c61);
                c62 = b2.fma(a6, c62);
            }
            // Broadcast only after the loop so it never competes with the accumulators for registers.
            FloatVector va = FloatVector.broadcast(S, alpha);
            c00.mul(va).intoArray(t, tOff);
            c01.mul(va).intoArray(t, tOff + L);
            c02.mul(va).intoArray(t, tOff + 2 * L);
            c10.mul(va).intoArray(t, tOff + ldt);
            c11.mul(va).intoArray(t, tOff + ldt + L);
            c12.mul(va).intoArray(t, tOff + ldt + 2 * L);
            c20.mul(va).intoArray(t, tOff + 2 * ldt);
            c21.mul(va).intoArray(t, tOff + 2 * ldt + L);
            c22.mul(va).intoArray(t, tOff + 2 * ldt + 2 * L);
            c30.mul(va).intoArray(t, tOff + 3 * ldt);
            c31.mul(va).intoArray(t, tOff + 3 * ldt + L);
            c32.mul(va).intoArray(t, tOff + 3 * ldt + 2 * L);
            c40.mul(va).intoArray(t, tOff + 4 * ldt);
            c41.mul(va).intoArray(t, tOff + 4 * ldt + L);
            c42.mul(va).intoArray(t, tOff + 4 * ldt + 2 * L);
            c50.mul(va).intoArray(t, tOff + 5 * ldt);
            c51.mul(va).intoArray(t, tOff + 5 * ldt + L);
            c52.mul(va).intoArray(t, tOff + 5 * ldt + 2 * L);
            c60.mul(va).intoArray(t, tOff + 6 * ldt);
            c61.mul(va).intoArray(t, tOff + 6 * ldt + L);
            c62.mul(va).intoArray(t, tOff + 6 * ldt + 2 * L);
        }

        @Override
        void runTouching(int kc, float[] a, int aOff, float[] b, int bOff, int ldb, float alpha, float[] t, int tOff,
                         int ldt, int touchAt, int touchStep) {
            float sum = 0f;
            FloatVector c00 = FloatVector.zero(S);
            FloatVector c01 = c00, c02 = c00, c10 = c00, c11 = c00, c12 = c00, c20 = c00, c21 = c00, c22 = c00, c30 = c00, c31 = c00;
            FloatVector c32 = c00, c40 = c00, c41 = c00, c42 = c00, c50 = c00, c51 = c00, c52 = c00, c60 = c00, c61 = c00, c62 = c00;
            for (int p = 0; p < kc; p++) {
                int bi = bOff + p * ldb;
                int ai = aOff + p * 7;
                sum += b[touchAt + p * touchStep];
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
                FloatVector a4 = FloatVector.broadcast(S, a[ai + 4]);
                c40 = b0.fma(a4, c40);
                c41 = b1.fma(a4, c41);
                c42 = b2.fma(a4, c42);
                FloatVector a5 = FloatVector.broadcast(S, a[ai + 5]);
                c50 = b0.fma(a5, c50);
                c51 = b1.fma(a5, c51);
                c52 = b2.fma(a5, c52);
                FloatVector a6 = FloatVector.broadcast(S, a[ai + 6]);
                c60 = b0.fma(a6, c60);
                c61 = b1.fma(a6, c61);
                c62 = b2.fma(a6, c62);
            }
            touched = sum;
            // Broadcast only after the loop so it never competes with the accumulators for registers.
            FloatVector va = FloatVector.broadcast(S, alpha);
            c00.mul(va).intoArray(t, tOff);
            c01.mul(va).intoArray(t, tOff + L);
            c02.mul(va).intoArray(t, tOff + 2 * L);
            c10.mul(va).intoArray(t, tOff + ldt);
            c11.mul(va).intoArray(t, tOff + ldt + L);
            c12.mul(va).intoArray(t, tOff + ldt + 2 * L);
            c20.mul(va).intoArray(t, tOff + 2 * ldt);
            c21.mul(va).intoArray(t, tOff + 2 * ldt + L);
            c22.mul(va).intoArray(t, tOff + 2 * ldt + 2 * L);
            c30.mul(va).intoArray(t, tOff + 3 * ldt);
            c31.mul(va).intoArray(t, tOff + 3 * ldt + L);
            c32.mul(va).intoArray(t, tOff + 3 * ldt + 2 * L);
            c40.mul(va).intoArray(t, tOff + 4 * ldt);
            c41.mul(va).intoArray(t, tOff + 4 * ldt + L);
            c42.mul(va).intoArray(t, tOff + 4 * ldt + 2 * L);
            c50.mul(va).intoArray(t, tOff + 5 * ldt);
            c51.mul(va).intoArray(t, tOff + 5 * ldt + L);
            c52.mul(va).intoArray(t, tOff + 5 * ldt + 2 * L);
            c60.mul(va).intoArray(t, tOff + 6 * ldt);
            c61.mul(va).intoArray(t, tOff + 6 * ldt + L);
            c62.mul(va).intoArray(t, tOff + 6 * ldt + 2 * L);
        }

        /** {@link Tile3x3v#runFinished}'s form: the accumulators start from the biases and are clamped before the one store. */
        @Override
        void runFinished(int kc, float[] a, int aOff, float[] b, int bOff, int ldb, float[] c, int cAt, int ldc,
                         float[] rowBias, int rowAt, float[] colBias, int colAt, float[] bounds) {
            FloatVector b0 = FloatVector.fromArray(S, colBias, colAt);
            FloatVector b1 = FloatVector.fromArray(S, colBias, colAt + L);
            FloatVector b2 = FloatVector.fromArray(S, colBias, colAt + 2 * L);
            FloatVector r0 = FloatVector.broadcast(S, rowBias[rowAt]);
            FloatVector c00 = b0.add(r0), c01 = b1.add(r0), c02 = b2.add(r0);
            FloatVector r1 = FloatVector.broadcast(S, rowBias[rowAt + 1]);
            FloatVector c10 = b0.add(r1), c11 = b1.add(r1), c12 = b2.add(r1);
            FloatVector r2 = FloatVector.broadcast(S, rowBias[rowAt + 2]);
            FloatVector c20 = b0.add(r2), c21 = b1.add(r2), c22 = b2.add(r2);
            FloatVector r3 = FloatVector.broadcast(S, rowBias[rowAt + 3]);
            FloatVector c30 = b0.add(r3), c31 = b1.add(r3), c32 = b2.add(r3);
            FloatVector r4 = FloatVector.broadcast(S, rowBias[rowAt + 4]);
            FloatVector c40 = b0.add(r4), c41 = b1.add(r4), c42 = b2.add(r4);
            FloatVector r5 = FloatVector.broadcast(S, rowBias[rowAt + 5]);
            FloatVector c50 = b0.add(r5), c51 = b1.add(r5), c52 = b2.add(r5);
            FloatVector r6 = FloatVector.broadcast(S, rowBias[rowAt + 6]);
            FloatVector c60 = b0.add(r6), c61 = b1.add(r6), c62 = b2.add(r6);
            for (int p = 0; p < kc; p++) {
                int bi = bOff + p * ldb;
                int ai = aOff + p * 7;
                FloatVector v0 = FloatVector.fromArray(S, b, bi);
                FloatVector v1 = FloatVector.fromArray(S, b, bi + L);
                FloatVector v2 = FloatVector.fromArray(S, b, bi + 2 * L);
                FloatVector a0 = FloatVector.broadcast(S, a[ai]);
                c00 = v0.fma(a0, c00);
                c01 = v1.fma(a0, c01);
                c02 = v2.fma(a0, c02);
                FloatVector a1 = FloatVector.broadcast(S, a[ai + 1]);
                c10 = v0.fma(a1, c10);
                c11 = v1.fma(a1, c11);
                c12 = v2.fma(a1, c12);
                FloatVector a2 = FloatVector.broadcast(S, a[ai + 2]);
                c20 = v0.fma(a2, c20);
                c21 = v1.fma(a2, c21);
                c22 = v2.fma(a2, c22);
                FloatVector a3 = FloatVector.broadcast(S, a[ai + 3]);
                c30 = v0.fma(a3, c30);
                c31 = v1.fma(a3, c31);
                c32 = v2.fma(a3, c32);
                FloatVector a4 = FloatVector.broadcast(S, a[ai + 4]);
                c40 = v0.fma(a4, c40);
                c41 = v1.fma(a4, c41);
                c42 = v2.fma(a4, c42);
                FloatVector a5 = FloatVector.broadcast(S, a[ai + 5]);
                c50 = v0.fma(a5, c50);
                c51 = v1.fma(a5, c51);
                c52 = v2.fma(a5, c52);
                FloatVector a6 = FloatVector.broadcast(S, a[ai + 6]);
                c60 = v0.fma(a6, c60);
                c61 = v1.fma(a6, c61);
                c62 = v2.fma(a6, c62);
            }
            FloatVector lo = FloatVector.broadcast(S, bounds[0]);
            FloatVector hi = FloatVector.broadcast(S, bounds[1]);
            FloatVector below = FloatVector.broadcast(S, bounds[2]);
            FloatVector above = FloatVector.broadcast(S, bounds[3]);
            c00 = c00.blend(lo, c00.compare(LE, below));
            c00.blend(hi, c00.compare(GE, above)).intoArray(c, cAt);
            c01 = c01.blend(lo, c01.compare(LE, below));
            c01.blend(hi, c01.compare(GE, above)).intoArray(c, cAt + L);
            c02 = c02.blend(lo, c02.compare(LE, below));
            c02.blend(hi, c02.compare(GE, above)).intoArray(c, cAt + 2 * L);
            c10 = c10.blend(lo, c10.compare(LE, below));
            c10.blend(hi, c10.compare(GE, above)).intoArray(c, cAt + ldc);
            c11 = c11.blend(lo, c11.compare(LE, below));
            c11.blend(hi, c11.compare(GE, above)).intoArray(c, cAt + ldc + L);
            c12 = c12.blend(lo, c12.compare(LE, below));
            c12.blend(hi, c12.compare(GE, above)).intoArray(c, cAt + ldc + 2 * L);
            c20 = c20.blend(lo, c20.compare(LE, below));
            c20.blend(hi, c20.compare(GE, above)).intoArray(c, cAt + 2 * ldc);
            c21 = c21.blend(lo, c21.compare(LE, below));
            c21.blend(hi, c21.compare(GE, above)).intoArray(c, cAt + 2 * ldc + L);
            c22 = c22.blend(lo, c22.compare(LE, below));
            c22.blend(hi, c22.compare(GE, above)).intoArray(c, cAt + 2 * ldc + 2 * L);
            c30 = c30.blend(lo, c30.compare(LE, below));
            c30.blend(hi, c30.compare(GE, above)).intoArray(c, cAt + 3 * ldc);
            c31 = c31.blend(lo, c31.compare(LE, below));
            c31.blend(hi, c31.compare(GE, above)).intoArray(c, cAt + 3 * ldc + L);
            c32 = c32.blend(lo, c32.compare(LE, below));
            c32.blend(hi, c32.compare(GE, above)).intoArray(c, cAt + 3 * ldc + 2 * L);
            c40 = c40.blend(lo, c40.compare(LE, below));
            c40.blend(hi, c40.compare(GE, above)).intoArray(c, cAt + 4 * ldc);
            c41 = c41.blend(lo, c41.compare(LE, below));
            c41.blend(hi, c41.compare(GE, above)).intoArray(c, cAt + 4 * ldc + L);
            c42 = c42.blend(lo, c42.compare(LE, below));
            c42.blend(hi, c42.compare(GE, above)).intoArray(c, cAt + 4 * ldc + 2 * L);
            c50 = c50.blend(lo, c50.compare(LE, below));
            c50.blend(hi, c50.compare(GE, above)).intoArray(c, cAt + 5 * ldc);
            c51 = c51.blend(lo, c51.compare(LE, below));
            c51.blend(hi, c51.compare(GE, above)).intoArray(c, cAt + 5 * ldc + L);
            c52 = c52.blend(lo, c52.compare(LE, below));
            c52.blend(hi, c52.compare(GE, above)).intoArray(c, cAt + 5 * ldc + 2 * L);
            c60 = c60.blend(lo, c60.compare(LE, below));
            c60.blend(hi, c60.compare(GE, above)).intoArray(c, cAt + 6 * ldc);
            c61 = c61.blend(lo, c61.compare(LE, below));
            c61.blend(hi, c61.compare(GE, above)).intoArray(c, cAt + 6 * ldc + L);
            c62 = c62.blend(lo, c62.compare(LE, below));
            c62.blend(hi, c62.compare(GE, above)).intoArray(c, cAt + 6 * ldc + 2 * L);
        }

        @Override
        void finishTile(float[] c, int cAt, int ldc, float[] rowBias, int rowAt, float[] colBias, int colAt,
                        float[] bounds) {
            FloatVector lo = FloatVector.broadcast(S, bounds[0]);
            FloatVector hi = FloatVector.broadcast(S, bounds[1]);
            FloatVector below = FloatVector.broadcast(S, bounds[2]);
            FloatVector above = FloatVector.broadcast(S, bounds[3]);
            FloatVector b0 = FloatVector.fromArray(S, colBias, colAt);
            FloatVector b1 = FloatVector.fromArray(S, colBias, colAt + L);
            FloatVector b2 = FloatVector.fromArray(S, colBias, colAt + 2 * L);
            FloatVector r0 = FloatVector.broadcast(S, rowBias[rowAt]);
            FloatVector t0 = FloatVector.fromArray(S, c, cAt).add(r0).add(b0);
            t0 = t0.blend(lo, t0.compare(LE, below));
            t0.blend(hi, t0.compare(GE, above)).intoArray(c, cAt);
            FloatVector t1 = FloatVector.fromArray(S, c, cAt + L).add(r0).add(b1);
            t1 = t1.blend(lo, t1.compare(LE, below));
            t1.blend(hi, t1.compare(GE, above)).intoArray(c, cAt + L);
            FloatVector t2 = FloatVector.fromArray(S, c, cAt + 2 * L).add(r0).add(b2);
            t2 = t2.blend(lo, t2.compare(LE, below));
            t2.blend(hi, t2.compare(GE, above)).intoArray(c, cAt + 2 * L);
            FloatVector r1 = FloatVector.broadcast(S, rowBias[rowAt + 1]);
            FloatVector t3 = FloatVector.fromArray(S, c, cAt + ldc).add(r1).add(b0);
            t3 = t3.blend(lo, t3.compare(LE, below));
            t3.blend(hi, t3.compare(GE, above)).intoArray(c, cAt + ldc);
            FloatVector t4 = FloatVector.fromArray(S, c, cAt + ldc + L).add(r1).add(b1);
            t4 = t4.blend(lo, t4.compare(LE, below));
            t4.blend(hi, t4.compare(GE, above)).intoArray(c, cAt + ldc + L);
            FloatVector t5 = FloatVector.fromArray(S, c, cAt + ldc + 2 * L).add(r1).add(b2);
            t5 = t5.blend(lo, t5.compare(LE, below));
            t5.blend(hi, t5.compare(GE, above)).intoArray(c, cAt + ldc + 2 * L);
            FloatVector r2 = FloatVector.broadcast(S, rowBias[rowAt + 2]);
            FloatVector t6 = FloatVector.fromArray(S, c, cAt + 2 * ldc).add(r2).add(b0);
            t6 = t6.blend(lo, t6.compare(LE, below));
            t6.blend(hi, t6.compare(GE, above)).intoArray(c, cAt + 2 * ldc);
            FloatVector t7 = FloatVector.fromArray(S, c, cAt + 2 * ldc + L).add(r2).add(b1);
            t7 = t7.blend(lo, t7.compare(LE, below));
            t7.blend(hi, t7.compare(GE, above)).intoArray(c, cAt + 2 * ldc + L);
            FloatVector t8 = FloatVector.fromArray(S, c, cAt + 2 * ldc + 2 * L).add(r2).add(b2);
            t8 = t8.blend(lo, t8.compare(LE, below));
            t8.blend(hi, t8.compare(GE, above)).intoArray(c, cAt + 2 * ldc + 2 * L);
            FloatVector r3 = FloatVector.broadcast(S, rowBias[rowAt + 3]);
            FloatVector t9 = FloatVector.fromArray(S, c, cAt + 3 * ldc).add(r3).add(b0);
            t9 = t9.blend(lo, t9.compare(LE, below));
            t9.blend(hi, t9.compare(GE, above)).intoArray(c, cAt + 3 * ldc);
            FloatVector t10 = FloatVector.fromArray(S, c, cAt + 3 * ldc + L).add(r3).add(b1);
            t10 = t10.blend(lo, t10.compare(LE, below));
            t10.blend(hi, t10.compare(GE, above)).intoArray(c, cAt + 3 * ldc + L);
            FloatVector t11 = FloatVector.fromArray(S, c, cAt + 3 * ldc + 2 * L).add(r3).add(b2);
            t11 = t11.blend(lo, t11.compare(LE, below));
            t11.blend(hi, t11.compare(GE, above)).intoArray(c, cAt + 3 * ldc + 2 * L);
            FloatVector r4 = FloatVector.broadcast(S, rowBias[rowAt + 4]);
            FloatVector t12 = FloatVector.fromArray(S, c, cAt + 4 * ldc).add(r4).add(b0);
            t12 = t12.blend(lo, t12.compare(LE, below));
            t12.blend(hi, t12.compare(GE, above)).intoArray(c, cAt + 4 * ldc);
            FloatVector t13 = FloatVector.fromArray(S, c, cAt + 4 * ldc + L).add(r4).add(b1);
            t13 = t13.blend(lo, t13.compare(LE, below));
            t13.blend(hi, t13.compare(GE, above)).intoArray(c, cAt + 4 * ldc + L);
            FloatVector t14 = FloatVector.fromArray(S, c, cAt + 4 * ldc + 2 * L).add(r4).add(b2);
            t14 = t14.blend(lo, t14.compare(LE, below));
            t14.blend(hi, t14.compare(GE, above)).intoArray(c, cAt + 4 * ldc + 2 * L);
            FloatVector r5 = FloatVector.broadcast(S, rowBias[rowAt + 5]);
            FloatVector t15 = FloatVector.fromArray(S, c, cAt + 5 * ldc).add(r5).add(b0);
            t15 = t15.blend(lo, t15.compare(LE, below));
            t15.blend(hi, t15.compare(GE, above)).intoArray(c, cAt + 5 * ldc);
            FloatVector t16 = FloatVector.fromArray(S, c, cAt + 5 * ldc + L).add(r5).add(b1);
            t16 = t16.blend(lo, t16.compare(LE, below));
            t16.blend(hi, t16.compare(GE, above)).intoArray(c, cAt + 5 * ldc + L);
            FloatVector t17 = FloatVector.fromArray(S, c, cAt + 5 * ldc + 2 * L).add(r5).add(b2);
            t17 = t17.blend(lo, t17.compare(LE, below));
            t17.blend(hi, t17.compare(GE, above)).intoArray(c, cAt + 5 * ldc + 2 * L);
            FloatVector r6 = FloatVector.broadcast(S, rowBias[rowAt + 6]);
            FloatVector t18 = FloatVector.fromArray(S, c, cAt + 6 * ldc).add(r6).add(b0);
            t18 = t18.blend(lo, t18.compare(LE, below));
            t18.blend(hi, t18.compare(GE, above)).intoArray(c, cAt + 6 * ldc);
            FloatVector t19 = FloatVector.fromArray(S, c, cAt + 6 * ldc + L).add(r6).add(b1);
            t19 = t19.blend(lo, t19.compare(LE, below));
            t19.blend(hi, t19.compare(GE, above)).intoArray(c, cAt + 6 * ldc + L);
            FloatVector t20 = FloatVector.fromArray(S, c, cAt + 6 * ldc + 2 * L).add(r6).add(b2);
            t20 = t20.blend(lo, t20.compare(LE, below));
            t20.blend(hi, t20.compare(GE, above)).intoArray(c, cAt + 6 * ldc + 2 * L);
        }
    }
}
