package dev.striate.activation;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;

/**
 * {@code y = max(0, min(1, α·x + β))}, NaN propagating: ONNX {@code HardSigmoid} (defaults
 * α = 0.2, β = 0.5 there) and PyTorch {@code hardsigmoid} ({@link #HardSigmoid()}: α = 1/6,
 * β = 1/2, which PyTorch's ONNX export writes). Backward {@code dx = 0 < y < 1 ? α·dy : 0} (zero at
 * the kinks and for NaN, as PyTorch's {@code (x > −3) & (x < 3)}).
 *
 * <p>Whether the clamp is active shows in the output, so the backward reads y and the forward may
 * run in place.
 *
 * <p>Thread-safety: immutable.
 */
public final class HardSigmoid extends Pointwise {

    private final float alpha;
    private final float beta;

    /** PyTorch's {@code Hardsigmoid}: α = 1/6, β = 1/2 (saturating at x = ±3). */
    public HardSigmoid() {
        this(1f / 6, 0.5f);
    }

    /** @throws IllegalArgumentException if alpha or beta is not finite */
    public HardSigmoid(float alpha, float beta) {
        super("HardSigmoid(" + alpha + ", " + beta + ")");
        if (!Float.isFinite(alpha) || !Float.isFinite(beta)) {
            throw new IllegalArgumentException("HardSigmoid: alpha and beta must be finite, got " + alpha + ", " + beta);
        }
        this.alpha = alpha;
        this.beta = beta;
    }

    public float alpha() {
        return alpha;
    }

    public float beta() {
        return beta;
    }

    @Override
    public boolean backwardUsesOutput() {
        return true;
    }

    // y[i] := max(0, min(1, alpha·x[i] + beta)) | y may be x | allocates nothing
    @Override
    void forward(float[] x, int xo, float[] y, int yo, int n) {
        int i = 0;
        for (int bound = S.loopBound(n); i < bound; i += L) {
            FloatVector.fromArray(S, x, xo + i).mul(alpha).add(beta).min(1f).max(0f).intoArray(y, yo + i);
        }
        if (i < n) {
            VectorMask<Float> m = S.indexInRange(i, n);
            FloatVector.fromArray(S, x, xo + i, m).mul(alpha).add(beta).min(1f).max(0f).intoArray(y, yo + i, m);
        }
    }

    // dx[i] := 0 < y[i] < 1 ? alpha·dy[i] : 0 | dx may be dy or y | allocates nothing
    @Override
    void backward(float[] s, int so, float[] dy, int dyo, float[] dx, int dxo, int n) {
        FloatVector zero = FloatVector.zero(S);
        int i = 0;
        for (int bound = S.loopBound(n); i < bound; i += L) {
            FloatVector v = FloatVector.fromArray(S, s, so + i);
            VectorMask<Float> inside = v.compare(VectorOperators.GT, 0f).and(v.compare(VectorOperators.LT, 1f));
            zero.blend(FloatVector.fromArray(S, dy, dyo + i).mul(alpha), inside).intoArray(dx, dxo + i);
        }
        if (i < n) {
            VectorMask<Float> m = S.indexInRange(i, n);
            FloatVector v = FloatVector.fromArray(S, s, so + i, m);
            VectorMask<Float> inside = v.compare(VectorOperators.GT, 0f).and(v.compare(VectorOperators.LT, 1f));
            zero.blend(FloatVector.fromArray(S, dy, dyo + i, m).mul(alpha), inside).intoArray(dx, dxo + i, m);
        }
    }
}
