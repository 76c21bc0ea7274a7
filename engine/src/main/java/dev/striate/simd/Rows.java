package dev.striate.simd;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Element-wise steps on short rows of floats, the inner loops of lowering and pooling: rows of a few
 * to a few dozen floats, entered once per output row, where C2 does not vectorize a loop whose
 * stride is a variable and a call per row must stay cheap.
 *
 * <p>Thread-safety: stateless.
 */
public final class Rows {

    private static final VectorSpecies<Float> S = FloatSpecies.PREFERRED;
    private static final int L = FloatSpecies.LANES;

    private Rows() {
    }

    /**
     * {@code dst[d + i] := src[s + i]} for {@code i < n}: whole vectors, the last one moved back to
     * end at n (elements copied twice get the same value), below a vector one masked vector. The
     * ranges must not overlap. For rows of a few vectors, where {@link System#arraycopy}'s call costs
     * more than the copy (measured: half of a 14x14 depthwise layer's time in copies of 14-float
     * rows). Allocates nothing.
     */
    public static void copy(float[] src, int s, float[] dst, int d, int n) {
        if (n < L) {
            VectorMask<Float> first = S.indexInRange(0, n);
            FloatVector.fromArray(S, src, s, first).intoArray(dst, d, first);
            return;
        }
        for (int i = 0; i < n; i += L) {
            int at = Math.min(i, n - L);
            FloatVector.fromArray(S, src, s + at).intoArray(dst, d + at);
        }
    }

    /** {@code dst[d + i] += src[s + i]} for {@code i < n} (none when n ≤ 0): whole vectors, then one by one. Allocates nothing. */
    public static void add(float[] dst, int d, float[] src, int s, int n) {
        int i = 0;
        for (int bound = S.loopBound(n); i < bound; i += L) {
            FloatVector.fromArray(S, dst, d + i).add(FloatVector.fromArray(S, src, s + i)).intoArray(dst, d + i);
        }
        for (; i < n; i++) {
            dst[d + i] += src[s + i];
        }
    }

    /** {@code dst[d + i] := a[aAt + i] + b[bAt + i]} for {@code i < n}: whole vectors, then one by one. Allocates nothing. */
    public static void sum(float[] a, int aAt, float[] b, int bAt, float[] dst, int d, int n) {
        sumClamped(a, aAt, b, bAt, dst, d, n, Float.NEGATIVE_INFINITY, Float.POSITIVE_INFINITY);
    }

    /**
     * {@code dst[d + i] := Math.min(Math.max(a[aAt + i] + b[bAt + i], min), max)} for {@code i < n},
     * the clamp as {@link Clamp}'s compare and blend per side (Math's bits; infinite bounds change
     * nothing): whole vectors, then one by one. dst may be a or b at the same offset. Allocates nothing.
     */
    public static void sumClamped(float[] a, int aAt, float[] b, int bAt, float[] dst, int d, int n, float min,
                                  float max) {
        FloatVector lo = FloatVector.broadcast(S, min);
        FloatVector hi = FloatVector.broadcast(S, max);
        FloatVector below = FloatVector.broadcast(S, Clamp.lowerThreshold(min));
        FloatVector above = FloatVector.broadcast(S, Clamp.upperThreshold(max));
        int i = 0;
        for (int bound = S.loopBound(n); i < bound; i += L) {
            FloatVector v = FloatVector.fromArray(S, a, aAt + i).add(FloatVector.fromArray(S, b, bAt + i));
            v = v.blend(lo, v.compare(VectorOperators.LE, below));
            v.blend(hi, v.compare(VectorOperators.GE, above)).intoArray(dst, d + i);
        }
        for (; i < n; i++) {
            dst[d + i] = Math.min(Math.max(a[aAt + i] + b[bAt + i], min), max);
        }
    }
}
