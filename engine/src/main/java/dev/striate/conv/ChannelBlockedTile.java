package dev.striate.conv;

import dev.striate.simd.FloatSpecies;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * The register tile of the channel-blocked kernels ({@link ChannelBlockedConv}, its dx by stride
 * phases {@link ChannelBlockedDataGradient}): {@value #TILE_PIXELS} pixels by {@value #BLOCK_VECTORS}
 * vectors of channels (a channel per lane), per step four weight vectors and five values of a
 * pixel-major copy broadcast feeding twenty fused multiply-adds, over a list of taps and, within a
 * tap, {@code steps} consecutive channels of the copy. Twenty accumulators and the four weight vectors
 * take 24 of the 32 vector registers of AVX-512; six pixels (24 accumulators) spilled two of them.
 *
 * <p>Thread-safety: a subclass's call sets {@link #packed} before its tasks run; the tasks read the
 * copy and write disjoint pixels of the sums.
 */
abstract class ChannelBlockedTile {

    static final VectorSpecies<Float> S = FloatSpecies.PREFERRED;
    static final int L = FloatSpecies.LANES;
    /** Pixels per register tile. */
    static final int TILE_PIXELS = 5;
    /** Vectors of channels per register tile and per block of the packed weights. */
    static final int BLOCK_VECTORS = 4;
    /** Channels per block of the packed weights. */
    static final int BLOCK = BLOCK_VECTORS * L;

    /** The values the tiles broadcast: pixel-major, zero-padded (the tile's own, or lent for each call). */
    float[] in;
    /** The tiles' sums, pixel-major (as {@link #in}). */
    float[] out;
    /** The packed weights of the call in flight: per step, a block's {@link #BLOCK} channels. */
    float[] packed;

    /** A tile with arrays of its own, whose padding stays zero because it is never written. */
    ChannelBlockedTile(int inFloats, int outFloats) {
        this.in = new float[inFloats];
        this.out = new float[outFloats];
    }

    /** A tile whose subclass sets {@link #in} and {@link #out} for each call. */
    ChannelBlockedTile() {
    }

    /** Whether the machine's vector registers hold the tile: 32 of them, 512 bits (AVX-512). */
    static boolean fitsRegisters() {
        return FloatSpecies.PREFERRED.vectorBitSize() >= 512;
    }

    /**
     * Pixels first..first+count−1 (count ≤ 5) by channels lane0..lane0+4L, weights from wAt: for each
     * pixel q, the sums over the taps (offsets from {@code sources[q]} in {@link #in}), within each tap
     * {@code steps} consecutive values, stored at {@code targets[q] + lane0} in {@link #out}. A short
     * tile repeats its last pixel in the missing rows (the same sums to the same place), so no pixel
     * outside the range is written.
     */
    final void tile(int[] taps, int steps, int[] sources, int[] targets, int first, int count, int wAt, int lane0) {
        int q1 = first + Math.min(1, count - 1), q2 = first + Math.min(2, count - 1), q3 = first + Math.min(3, count - 1);
        int q4 = first + count - 1;
        FloatVector c00 = FloatVector.zero(S), c01 = c00, c02 = c00, c03 = c00;
        FloatVector c10 = c00, c11 = c00, c12 = c00, c13 = c00;
        FloatVector c20 = c00, c21 = c00, c22 = c00, c23 = c00;
        FloatVector c30 = c00, c31 = c00, c32 = c00, c33 = c00;
        FloatVector c40 = c00, c41 = c00, c42 = c00, c43 = c00;
        // fields in locals: C2 otherwise re-reads them from the object in every step
        float[] a = in;
        float[] b = packed;
        int p0 = sources[first], p1 = sources[q1], p2 = sources[q2], p3 = sources[q3], p4 = sources[q4];
        int bi = wAt;
        for (int tap : taps) {
            for (int ci = tap, end = tap + steps; ci < end; ci++, bi += BLOCK) {
                FloatVector b0 = FloatVector.fromArray(S, b, bi);
                FloatVector b1 = FloatVector.fromArray(S, b, bi + L);
                FloatVector b2 = FloatVector.fromArray(S, b, bi + 2 * L);
                FloatVector b3 = FloatVector.fromArray(S, b, bi + 3 * L);
                FloatVector a0 = FloatVector.broadcast(S, a[p0 + ci]);
                c00 = b0.fma(a0, c00);
                c01 = b1.fma(a0, c01);
                c02 = b2.fma(a0, c02);
                c03 = b3.fma(a0, c03);
                FloatVector a1 = FloatVector.broadcast(S, a[p1 + ci]);
                c10 = b0.fma(a1, c10);
                c11 = b1.fma(a1, c11);
                c12 = b2.fma(a1, c12);
                c13 = b3.fma(a1, c13);
                FloatVector a2 = FloatVector.broadcast(S, a[p2 + ci]);
                c20 = b0.fma(a2, c20);
                c21 = b1.fma(a2, c21);
                c22 = b2.fma(a2, c22);
                c23 = b3.fma(a2, c23);
                FloatVector a3 = FloatVector.broadcast(S, a[p3 + ci]);
                c30 = b0.fma(a3, c30);
                c31 = b1.fma(a3, c31);
                c32 = b2.fma(a3, c32);
                c33 = b3.fma(a3, c33);
                FloatVector a4 = FloatVector.broadcast(S, a[p4 + ci]);
                c40 = b0.fma(a4, c40);
                c41 = b1.fma(a4, c41);
                c42 = b2.fma(a4, c42);
                c43 = b3.fma(a4, c43);
            }
        }
        // the stores written out: a store helper taking the vectors was not inlined (C2's node
        // budget) and boxed them
        float[] o = out;
        int r0 = targets[first] + lane0, r1 = targets[q1] + lane0, r2 = targets[q2] + lane0;
        int r3 = targets[q3] + lane0, r4 = targets[q4] + lane0;
        c00.intoArray(o, r0);
        c01.intoArray(o, r0 + L);
        c02.intoArray(o, r0 + 2 * L);
        c03.intoArray(o, r0 + 3 * L);
        c10.intoArray(o, r1);
        c11.intoArray(o, r1 + L);
        c12.intoArray(o, r1 + 2 * L);
        c13.intoArray(o, r1 + 3 * L);
        c20.intoArray(o, r2);
        c21.intoArray(o, r2 + L);
        c22.intoArray(o, r2 + 2 * L);
        c23.intoArray(o, r2 + 3 * L);
        c30.intoArray(o, r3);
        c31.intoArray(o, r3 + L);
        c32.intoArray(o, r3 + 2 * L);
        c33.intoArray(o, r3 + 3 * L);
        c40.intoArray(o, r4);
        c41.intoArray(o, r4 + L);
        c42.intoArray(o, r4 + 2 * L);
        c43.intoArray(o, r4 + 3 * L);
    }
}
