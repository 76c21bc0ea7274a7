package dev.striate.activation;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;

/**
 * {@code LeakyReLU(α)}: {@code y = x > 0 ? x : α·x} (PyTorch {@code leaky_relu}, ONNX
 * {@code LeakyRelu}; default α = 0.01); backward {@code dx = x > 0 ? dy : α·dy}.
 *
 * <p>For α ≥ 0, {@code y > 0} exactly when {@code x > 0}, so the backward reads the output and the
 * forward may run in place; for a negative α it needs the input (PyTorch refuses the in-place form).
 *
 * <p>Thread-safety: immutable.
 */
public final class LeakyRelu extends Pointwise {

    private final float alpha;

    /** PyTorch's default slope, 0.01. */
    public LeakyRelu() {
        this(0.01f);
    }

    /** @throws IllegalArgumentException if alpha is not finite */
    public LeakyRelu(float alpha) {
        super("LeakyReLU(" + alpha + ")");
        if (!Float.isFinite(alpha)) {
            throw new IllegalArgumentException("LeakyReLU: negative slope must be finite, got " + alpha);
        }
        this.alpha = alpha;
    }

    public float alpha() {
        return alpha;
    }

    @Override
    public boolean backwardUsesOutput() {
        return alpha >= 0f;
    }

    // y[i] := x[i] > 0 ? x[i] : alpha·x[i] | y may be x | allocates nothing
    @Override
    void forward(float[] x, int xo, float[] y, int yo, int n) {
        int i = 0;
        for (int bound = S.loopBound(n); i < bound; i += L) {
            FloatVector v = FloatVector.fromArray(S, x, xo + i);
            v.mul(alpha).blend(v, v.compare(VectorOperators.GT, 0f)).intoArray(y, yo + i);
        }
        if (i < n) {
            VectorMask<Float> m = S.indexInRange(i, n);
            FloatVector v = FloatVector.fromArray(S, x, xo + i, m);
            v.mul(alpha).blend(v, v.compare(VectorOperators.GT, 0f)).intoArray(y, yo + i, m);
        }
    }

    // dx[i] := s[i] > 0 ? dy[i] : alpha·dy[i], s = x, or y when alpha >= 0 | dx may be dy or s | allocates nothing
    @Override
    void backward(float[] s, int so, float[] dy, int dyo, float[] dx, int dxo, int n) {
        int i = 0;
        for (int bound = S.loopBound(n); i < bound; i += L) {
            FloatVector g = FloatVector.fromArray(S, dy, dyo + i);
            g.mul(alpha).blend(g, FloatVector.fromArray(S, s, so + i).compare(VectorOperators.GT, 0f)).intoArray(dx, dxo + i);
        }
        if (i < n) {
            VectorMask<Float> m = S.indexInRange(i, n);
            FloatVector g = FloatVector.fromArray(S, dy, dyo + i, m);
            g.mul(alpha).blend(g, FloatVector.fromArray(S, s, so + i, m).compare(VectorOperators.GT, 0f)).intoArray(dx, dxo + i, m);
        }
    }

}
