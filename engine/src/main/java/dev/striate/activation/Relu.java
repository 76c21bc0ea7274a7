package dev.striate.activation;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;

/**
 * {@code ReLU}: {@code y = max(x, 0)}, NaN propagating (PyTorch {@code relu}, ONNX {@code Relu});
 * backward {@code dx = y <= 0 ? 0 : dy}, from the output, as PyTorch's {@code threshold_backward}.
 *
 * <p>Thread-safety: immutable.
 */
public final class Relu extends Pointwise {

    public Relu() {
        super("ReLU");
    }

    @Override
    public boolean backwardUsesOutput() {
        return true;
    }

    // y[i] := max(x[i], 0) | y may be x | allocates nothing
    @Override
    void forward(float[] x, int xo, float[] y, int yo, int n) {
        int i = 0;
        for (int bound = S.loopBound(n); i < bound; i += L) {
            FloatVector.fromArray(S, x, xo + i).max(0f).intoArray(y, yo + i);
        }
        if (i < n) {
            VectorMask<Float> m = S.indexInRange(i, n);
            FloatVector.fromArray(S, x, xo + i, m).max(0f).intoArray(y, yo + i, m);
        }
    }

    // dx[i] := y[i] <= 0 ? 0 : dy[i] | dx may be dy or y | allocates nothing
    @Override
    void backward(float[] y, int yo, float[] dy, int dyo, float[] dx, int dxo, int n) {
        FloatVector zero = FloatVector.zero(S);
        int i = 0;
        for (int bound = S.loopBound(n); i < bound; i += L) {
            FloatVector g = FloatVector.fromArray(S, dy, dyo + i);
            g.blend(zero, FloatVector.fromArray(S, y, yo + i).compare(VectorOperators.LE, 0f)).intoArray(dx, dxo + i);
        }
        if (i < n) {
            VectorMask<Float> m = S.indexInRange(i, n);
            FloatVector g = FloatVector.fromArray(S, dy, dyo + i, m);
            g.blend(zero, FloatVector.fromArray(S, y, yo + i, m).compare(VectorOperators.LE, 0f)).intoArray(dx, dxo + i, m);
        }
    }

}
