package dev.striate.activation;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;

/**
 * {@code y = x·max(0, min(1, x/6 + 1/2))}: ONNX {@code HardSwish} ({@code x·HardSigmoid(x)} with
 * α = 1/6, β = 1/2) and PyTorch {@code hardswish}, which computes {@code x·min(max(x + 3, 0), 6) / 6}:
 * the same function, rounded in another order (within a few ulps), but {@code x·6} overflows for
 * {@code |x| > Float.MAX_VALUE / 6} where this form returns x. {@code y(−∞) = −∞·0 = NaN} in both.
 * Backward as PyTorch's vectorized CPU kernel, which is what its users get for all but a tensor's last
 * few elements: {@code dx = x < −3 ? 0 : x ≥ 3 ? dy : dy·(x/3 + 1/2)}, so dy at the upper kink (its
 * scalar tail loop gives 1.5·dy there; measured with PyTorch 1.13) and NaN for a NaN input.
 *
 * <p>y is not monotonic in x (its minimum is at x = −1.5), so the backward reads the input.
 *
 * <p>Thread-safety: immutable.
 */
public final class HardSwish extends Pointwise {

    public HardSwish() {
        super("HardSwish");
    }

    @Override
    public boolean backwardUsesOutput() {
        return false;
    }

    // y[i] := x[i]·max(0, min(1, x[i]/6 + 0.5)) | y may be x | allocates nothing
    @Override
    void forward(float[] x, int xo, float[] y, int yo, int n) {
        int i = 0;
        for (int bound = S.loopBound(n); i < bound; i += L) {
            FloatVector v = FloatVector.fromArray(S, x, xo + i);
            v.mul(v.div(6f).add(0.5f).min(1f).max(0f)).intoArray(y, yo + i);
        }
        if (i < n) {
            VectorMask<Float> m = S.indexInRange(i, n);
            FloatVector v = FloatVector.fromArray(S, x, xo + i, m);
            v.mul(v.div(6f).add(0.5f).min(1f).max(0f)).intoArray(y, yo + i, m);
        }
    }

    // dx[i] := x[i] < -3 ? 0 : x[i] >= 3 ? dy[i] : dy[i]·(x[i]/3 + 0.5) | dx may be dy or x | allocates nothing
    @Override
    void backward(float[] s, int so, float[] dy, int dyo, float[] dx, int dxo, int n) {
        FloatVector zero = FloatVector.zero(S);
        int i = 0;
        for (int bound = S.loopBound(n); i < bound; i += L) {
            FloatVector v = FloatVector.fromArray(S, s, so + i);
            FloatVector g = FloatVector.fromArray(S, dy, dyo + i);
            g.mul(v.div(3f).add(0.5f)).blend(g, v.compare(VectorOperators.GE, 3f))
                    .blend(zero, v.compare(VectorOperators.LT, -3f)).intoArray(dx, dxo + i);
        }
        if (i < n) {
            VectorMask<Float> m = S.indexInRange(i, n);
            FloatVector v = FloatVector.fromArray(S, s, so + i, m);
            FloatVector g = FloatVector.fromArray(S, dy, dyo + i, m);
            g.mul(v.div(3f).add(0.5f)).blend(g, v.compare(VectorOperators.GE, 3f))
                    .blend(zero, v.compare(VectorOperators.LT, -3f)).intoArray(dx, dxo + i, m);
        }
    }
}
