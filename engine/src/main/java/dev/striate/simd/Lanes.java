package dev.striate.simd;

import jdk.incubator.vector.FloatVector;

/**
 * Sums of a vector's lanes in lane order. {@code reduceLanes(ADD)} leaves the order of floating-point
 * additions to the implementation, and it differs: C2's intrinsic adds pairwise, the Java fallback
 * (interpreter, C1) lane by lane. The same call then returns different bits before and after the
 * kernel is compiled, and a training run would depend on JIT timing (measured: a depthwise weight
 * gradient changed by an ulp between the first and later calls). These sums are the same in every mode.
 *
 * <p>Thread-safety: stateless.
 */
public final class Lanes {

    private Lanes() {
    }

    /*
     * Constant lane indices only: C2 expands lane(i) as an intrinsic while parsing, before loops are
     * unrolled, so a loop index would leave the vector boxed. The length tests fold away for the
     * one species in use. Callers on a hot path where C2 might not inline this (it is over
     * MaxInlineSize) should store the vector and add the array instead, as the softmax does.
     */

    /** {@code ((v[0] + v[1]) + v[2]) + ...} for 2 to 16 lanes. */
    public static float sum(FloatVector v) {
        int n = v.length();
        float s = v.lane(0) + v.lane(1);
        if (n > 2) {
            s = s + v.lane(2) + v.lane(3);
        }
        if (n > 4) {
            s = s + v.lane(4) + v.lane(5) + v.lane(6) + v.lane(7);
        }
        if (n > 8) {
            s = s + v.lane(8) + v.lane(9) + v.lane(10) + v.lane(11) + v.lane(12) + v.lane(13) + v.lane(14) + v.lane(15);
        }
        return s;
    }

    /**
     * {@link #sum(FloatVector)} of the {@code lanes} floats a vector stored at {@code a[from]}: the same
     * additions in the same order, so a kernel may store its accumulators and sum them here instead.
     * That is the form for a kernel that ends in several sums: at 16 lanes each inlined vector sum is
     * sixteen lane extracts, C2 stops inlining after a few (node count), and a vector passed to a call
     * that is not inlined is boxed — the depthwise weight gradient allocated 96 bytes per sum on a
     * 512-bit machine.
     */
    public static float sum(float[] a, int from, int lanes) {
        float s = a[from] + a[from + 1];
        for (int i = 2; i < lanes; i++) {
            s += a[from + i];
        }
        return s;
    }
}
