package dev.striate.activation;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;

/**
 * {@code y = min(max(x, min), max)}, NaN propagating (ONNX {@code Clip}, PyTorch {@code clamp} /
 * {@code hardtanh}; {@link #relu6()} is {@code ReLU6}).
 *
 * <p>The two PyTorch functions differ only in the gradient at the bounds, so one flag serves both:
 * {@linkplain #Clip(float, float) clamp} passes the gradient where {@code min ≤ x ≤ max} and needs
 * the input (at a bound, x and anything beyond it give the same y); {@linkplain #hardtanh hardtanh}
 * passes it where {@code min < x < max}, which the output alone tells, so it may run in place.
 *
 * <p>Thread-safety: immutable.
 */
public final class Clip extends Pointwise {

    private final float min;
    private final float max;
    private final boolean gradientAtBounds;

    /**
     * Clamp semantics (gradient kept at the bounds). {@code min > max} gives {@code max} everywhere,
     * as ONNX and NumPy do.
     *
     * @throws IllegalArgumentException if a bound is NaN
     */
    public Clip(float min, float max) {
        this(min, max, true);
    }

    private Clip(float min, float max, boolean gradientAtBounds) {
        super((gradientAtBounds ? "Clip(" : "Hardtanh(") + min + ", " + max + ")");
        if (Float.isNaN(min) || Float.isNaN(max)) {
            throw new IllegalArgumentException("Clip: bounds must not be NaN, got min=" + min + ", max=" + max);
        }
        this.min = min;
        this.max = max;
        this.gradientAtBounds = gradientAtBounds;
    }

    /** PyTorch {@code Hardtanh(min, max)}: the gradient is zero at the bounds. */
    public static Clip hardtanh(float min, float max) {
        return new Clip(min, max, false);
    }

    /** PyTorch {@code ReLU6}: {@code hardtanh(0, 6)}. */
    public static Clip relu6() {
        return hardtanh(0f, 6f);
    }

    public float min() {
        return min;
    }

    public float max() {
        return max;
    }

    @Override
    public boolean backwardUsesOutput() {
        return !gradientAtBounds;
    }

    // y[i] := min(max(x[i], min), max) | y may be x | allocates nothing
    @Override
    void forward(float[] x, int xo, float[] y, int yo, int n) {
        int i = 0;
        for (int bound = S.loopBound(n); i < bound; i += L) {
            FloatVector.fromArray(S, x, xo + i).max(min).min(max).intoArray(y, yo + i);
        }
        if (i < n) {
            VectorMask<Float> m = S.indexInRange(i, n);
            FloatVector.fromArray(S, x, xo + i, m).max(min).min(max).intoArray(y, yo + i, m);
        }
    }

    // clamp: dx[i] := min <= x[i] <= max ? dy[i] : 0; hardtanh: dx[i] := y[i] <= min || y[i] >= max ? 0 : dy[i] | dx may be dy or s
    @Override
    void backward(float[] s, int so, float[] dy, int dyo, float[] dx, int dxo, int n) {
        // Two loops, not one with a helper taking vectors: vectors crossing a call C2 declined to
        // inline are boxed (measured ~20 KB per 1000 floats)
        FloatVector zero = FloatVector.zero(S);
        int i = 0;
        int bound = S.loopBound(n);
        if (gradientAtBounds) {
            for (; i < bound; i += L) {
                FloatVector v = FloatVector.fromArray(S, s, so + i);
                VectorMask<Float> inside = v.compare(VectorOperators.GE, min).and(v.compare(VectorOperators.LE, max));
                zero.blend(FloatVector.fromArray(S, dy, dyo + i), inside).intoArray(dx, dxo + i);
            }
            if (i < n) {
                VectorMask<Float> m = S.indexInRange(i, n);
                FloatVector v = FloatVector.fromArray(S, s, so + i, m);
                VectorMask<Float> inside = v.compare(VectorOperators.GE, min).and(v.compare(VectorOperators.LE, max));
                zero.blend(FloatVector.fromArray(S, dy, dyo + i, m), inside).intoArray(dx, dxo + i, m);
            }
        } else {
            for (; i < bound; i += L) {
                FloatVector v = FloatVector.fromArray(S, s, so + i);
                VectorMask<Float> outside = v.compare(VectorOperators.LE, min).or(v.compare(VectorOperators.GE, max));
                FloatVector.fromArray(S, dy, dyo + i).blend(zero, outside).intoArray(dx, dxo + i);
            }
            if (i < n) {
                VectorMask<Float> m = S.indexInRange(i, n);
                FloatVector v = FloatVector.fromArray(S, s, so + i, m);
                VectorMask<Float> outside = v.compare(VectorOperators.LE, min).or(v.compare(VectorOperators.GE, max));
                FloatVector.fromArray(S, dy, dyo + i, m).blend(zero, outside).intoArray(dx, dxo + i, m);
            }
        }
    }

}
