package dev.striate.activation;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;

/**
 * {@code Sigmoid}: {@code y = 1 / (1 + exp(−x))}; backward from the output, {@code dx = dy·y·(1 − y)}.
 *
 * <p>{@code exp} is the Vector API's lanewise {@code EXP} (an intrinsic on x86). For large negative
 * x it overflows to +∞ and y becomes 0 (the true value is below 2⁻¹²⁶ there), for large positive x
 * it underflows to 0 and y becomes 1: no input gives NaN except NaN. Error measured over the whole
 * float range by {@code ActivationAccuracyCompiledTest} (every 2⁹-th float, C2-compiled on AVX2):
 * 2.14 ulp at most where y is a normal float (exp's error, then an addition and a division: bound
 * 2.5 ulp), below 2⁻¹²⁶ absolute where it is not.
 *
 * <p>Thread-safety: immutable.
 */
public final class Sigmoid extends Pointwise {

    public Sigmoid() {
        super("Sigmoid");
    }

    @Override
    public boolean backwardUsesOutput() {
        return true;
    }

    // y[i] := 1 / (1 + exp(-x[i])) | y may be x | allocates nothing
    @Override
    void forward(float[] x, int xo, float[] y, int yo, int n) {
        FloatVector one = FloatVector.broadcast(S, 1f);
        int i = 0;
        for (int bound = S.loopBound(n); i < bound; i += L) {
            one.div(FloatVector.fromArray(S, x, xo + i).neg().lanewise(VectorOperators.EXP).add(one)).intoArray(y, yo + i);
        }
        if (i < n) {
            VectorMask<Float> m = S.indexInRange(i, n);
            one.div(FloatVector.fromArray(S, x, xo + i, m).neg().lanewise(VectorOperators.EXP).add(one)).intoArray(y, yo + i, m);
        }
    }

    // dx[i] := dy[i] · y[i] · (1 - y[i]) | dx may be dy or y | allocates nothing
    @Override
    void backward(float[] y, int yo, float[] dy, int dyo, float[] dx, int dxo, int n) {
        FloatVector one = FloatVector.broadcast(S, 1f);
        int i = 0;
        for (int bound = S.loopBound(n); i < bound; i += L) {
            FloatVector v = FloatVector.fromArray(S, y, yo + i);
            FloatVector.fromArray(S, dy, dyo + i).mul(one.sub(v)).mul(v).intoArray(dx, dxo + i);
        }
        if (i < n) {
            VectorMask<Float> m = S.indexInRange(i, n);
            FloatVector v = FloatVector.fromArray(S, y, yo + i, m);
            FloatVector.fromArray(S, dy, dyo + i, m).mul(one.sub(v)).mul(v).intoArray(dx, dxo + i, m);
        }
    }

}
