package dev.striate.activation;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;

/**
 * {@code GELU}, tanh form (PyTorch {@code gelu(approximate='tanh')}, ONNX {@code Gelu} with
 * {@code approximate="tanh"}): {@code y = ½·x·(1 + tanh(√(2/π)·(x + 0.044715·x³)))}; backward from the
 * input, with PyTorch's derivative
 * {@code ½·(1 + t) + ½·x·(1 − t²)·√(2/π)·(1 + 3·0.044715·x²)}, {@code t} the tanh above.
 *
 * <p>Error measured over the whole float range by {@code ActivationAccuracyCompiledTest} (every
 * 2⁹-th float, C2-compiled on AVX2): at most 0.95·2⁻²⁴·(|y| + |x|) — absolute in |x| rather than
 * relative to y, because {@code 1 + tanh} cancels for negative x; the test holds it to 4.
 *
 * <p>For |x| beyond ~2⁴² the cube overflows to ±∞, tanh saturates and y is x or −0, as the formula
 * gives; {@code x = −∞} gives NaN (−∞ · 0), as PyTorch's formula does.
 *
 * <p>Thread-safety: immutable.
 */
public final class Gelu extends Pointwise {

    public Gelu() {
        super("GELU(tanh)");
    }

    /** √(2/π). */
    static final float BETA = (float) Math.sqrt(2 / Math.PI);
    static final float KAPPA = 0.044715f;

    @Override
    public boolean backwardUsesOutput() {
        return false;
    }

    // y[i] := ½·x·(1 + tanh(β(x + κx³))) | y may be x | allocates nothing (formula inline: see backward)
    @Override
    void forward(float[] x, int xo, float[] y, int yo, int n) {
        int i = 0;
        for (int bound = S.loopBound(n); i < bound; i += L) {
            FloatVector v = FloatVector.fromArray(S, x, xo + i);
            FloatVector t = v.mul(v).mul(v).mul(KAPPA).add(v).mul(BETA).lanewise(VectorOperators.TANH);
            v.mul(0.5f).mul(t.add(1f)).intoArray(y, yo + i);
        }
        if (i < n) {
            VectorMask<Float> m = S.indexInRange(i, n);
            FloatVector v = FloatVector.fromArray(S, x, xo + i, m);
            FloatVector t = v.mul(v).mul(v).mul(KAPPA).add(v).mul(BETA).lanewise(VectorOperators.TANH);
            v.mul(0.5f).mul(t.add(1f)).intoArray(y, yo + i, m);
        }
    }

    // dx[i] := dy[i] · gelu'(x[i]) | dx may be dy or x | allocates nothing
    @Override
    void backward(float[] x, int xo, float[] dy, int dyo, float[] dx, int dxo, int n) {
        // The derivative is written out in both loops: as a helper taking and returning vectors it was
        // compiled on its own, too big to inline, and every vector crossing the call was boxed
        int i = 0;
        for (int bound = S.loopBound(n); i < bound; i += L) {
            FloatVector v = FloatVector.fromArray(S, x, xo + i);
            FloatVector square = v.mul(v);
            FloatVector t = square.mul(v).mul(KAPPA).add(v).mul(BETA).lanewise(VectorOperators.TANH);
            FloatVector right = v.mul(0.5f).mul(t.mul(t).neg().add(1f)).mul(square.mul(3 * KAPPA).add(1f).mul(BETA));
            FloatVector.fromArray(S, dy, dyo + i).mul(t.add(1f).mul(0.5f).add(right)).intoArray(dx, dxo + i);
        }
        if (i < n) {
            VectorMask<Float> m = S.indexInRange(i, n);
            FloatVector v = FloatVector.fromArray(S, x, xo + i, m);
            FloatVector square = v.mul(v);
            FloatVector t = square.mul(v).mul(KAPPA).add(v).mul(BETA).lanewise(VectorOperators.TANH);
            FloatVector right = v.mul(0.5f).mul(t.mul(t).neg().add(1f)).mul(square.mul(3 * KAPPA).add(1f).mul(BETA));
            FloatVector.fromArray(S, dy, dyo + i, m).mul(t.add(1f).mul(0.5f).add(right)).intoArray(dx, dxo + i, m);
        }
    }
}
