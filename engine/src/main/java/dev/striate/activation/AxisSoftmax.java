package dev.striate.activation;

import dev.striate.simd.FloatSpecies;
import dev.striate.simd.VectorSupport;
import dev.striate.tensor.Operands;
import dev.striate.tensor.Tensor;
import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * Softmax or log-softmax along one axis (PyTorch {@code softmax(dim)} / {@code log_softmax(dim)},
 * ONNX opset ≥ 13 {@code Softmax} / {@code LogSoftmax}); the two differ in one flag.
 *
 * <p>Numerically stable: each slice is shifted by its maximum before {@code exp}, so no finite input
 * overflows; a slice holding NaN, or +∞, or only −∞, gives NaN, as PyTorch does. Sums run in double
 * so the error does not grow with the axis length; what remains is the float rounding of
 * {@code x − max}, {@code exp} (the Vector API's intrinsic) and the final division.
 *
 * <p>Layout: a tensor is viewed as {@code [outer, n, inner]} around the axis. With {@code inner == 1}
 * (the last axis: class scores) each slice is a contiguous row and is vectorized along it; otherwise
 * (the channel axis of NCHW) vectors run across {@code inner}, each lane its own slice.
 */
abstract class AxisSoftmax implements Activation {

    private static final VectorSpecies<Float> S = FloatSpecies.PREFERRED;
    private static final int L = FloatSpecies.LANES;
    private static final VectorSpecies<Double> D =
            DoubleVector.SPECIES_PREFERRED.withShape(VectorShape.forBitSize(S.vectorBitSize())).check(double.class);

    private final int axis;
    private final boolean log;

    AxisSoftmax(int axis, boolean log) {
        VectorSupport.require();
        this.axis = axis;
        this.log = log;
    }

    /** The axis as given (negative counts from the end). */
    public int axis() {
        return axis;
    }

    @Override
    public boolean backwardUsesOutput() {
        return true;
    }

    @Override
    public void forward(Tensor x, Tensor y) {
        String layer = toString();
        Operands.contiguous(layer, "x", x);
        Operands.sameShape(layer, "y", y, "x", x);
        Operands.sameOrDisjoint(layer, "y", y, "x", x);
        int a = normalizedAxis(x);
        int n = x.dim(a);
        int inner = innerSize(x, a);
        int outer = n == 0 || inner == 0 ? 0 : x.size() / n / inner;
        for (int o = 0; o < outer; o++) {
            int xo = x.offset() + o * n * inner;
            int yo = y.offset() + o * n * inner;
            if (inner == 1) {
                forwardRow(x.data(), xo, y.data(), yo, n);
            } else {
                for (int j = 0; j < inner; j += L) {
                    forwardLanes(x.data(), xo + j, y.data(), yo + j, n, inner, S.indexInRange(j, inner));
                }
            }
        }
    }

    @Override
    public void backward(Tensor y, Tensor dy, Tensor dx) {
        String layer = toString();
        Operands.contiguous(layer, "y", y);
        Operands.sameShape(layer, "dy", dy, "y", y);
        Operands.sameShape(layer, "dx", dx, "y", y);
        Operands.sameOrDisjoint(layer, "dx", dx, "dy", dy);
        Operands.sameOrDisjoint(layer, "dx", dx, "y", y);
        int a = normalizedAxis(y);
        int n = y.dim(a);
        int inner = innerSize(y, a);
        int outer = n == 0 || inner == 0 ? 0 : y.size() / n / inner;
        for (int o = 0; o < outer; o++) {
            int at = o * n * inner;
            if (inner == 1) {
                backwardRow(y.data(), y.offset() + at, dy.data(), dy.offset() + at, dx.data(), dx.offset() + at, n);
            } else {
                for (int j = 0; j < inner; j += L) {
                    backwardLanes(y.data(), y.offset() + at + j, dy.data(), dy.offset() + at + j,
                            dx.data(), dx.offset() + at + j, n, inner, S.indexInRange(j, inner));
                }
            }
        }
    }

    private int normalizedAxis(Tensor t) {
        int r = t.rank();
        if (axis < -r || axis >= r) {
            throw new IllegalArgumentException(this + ": axis " + axis + " out of range for shape " + t.shape());
        }
        return axis < 0 ? axis + r : axis;
    }

    private static int innerSize(Tensor t, int axis) {
        int inner = 1;
        for (int d = axis + 1; d < t.rank(); d++) {
            inner *= t.dim(d);
        }
        return inner;
    }

    // one contiguous slice x[xo, xo+n) -> y | y may be x | allocates nothing
    private void forwardRow(float[] x, int xo, float[] y, int yo, int n) {
        FloatVector maxV = FloatVector.broadcast(S, Float.NEGATIVE_INFINITY);
        for (int i = 0; i < n; i += L) {
            VectorMask<Float> m = S.indexInRange(i, n);
            maxV = maxV.lanewise(VectorOperators.MAX, FloatVector.fromArray(S, x, xo + i, m), m);
        }
        float max = maxV.reduceLanes(VectorOperators.MAX);
        DoubleVector sum0 = DoubleVector.zero(D);
        DoubleVector sum1 = sum0;
        for (int i = 0; i < n; i += L) {
            VectorMask<Float> m = S.indexInRange(i, n);
            FloatVector e = FloatVector.fromArray(S, x, xo + i, m).sub(max).lanewise(VectorOperators.EXP).blend(0f, m.not());
            if (!log) {
                e.intoArray(y, yo + i, m);
            }
            sum0 = sum0.add((DoubleVector) e.convertShape(VectorOperators.F2D, D, 0));
            sum1 = sum1.add((DoubleVector) e.convertShape(VectorOperators.F2D, D, 1));
        }
        double sum = sum0.add(sum1).reduceLanes(VectorOperators.ADD);
        if (log) {
            float logSum = (float) Math.log(sum);
            for (int i = 0; i < n; i += L) {
                VectorMask<Float> m = S.indexInRange(i, n);
                FloatVector.fromArray(S, x, xo + i, m).sub(max).sub(logSum).intoArray(y, yo + i, m);
            }
        } else {
            float total = (float) sum;
            for (int i = 0; i < n; i += L) {
                VectorMask<Float> m = S.indexInRange(i, n);
                FloatVector.fromArray(S, y, yo + i, m).div(total).intoArray(y, yo + i, m);
            }
        }
    }

    // L slices side by side: element a of lane l at x[xo + a·stride + l] | y may be x | allocates nothing
    private void forwardLanes(float[] x, int xo, float[] y, int yo, int n, int stride, VectorMask<Float> m) {
        FloatVector max = FloatVector.broadcast(S, Float.NEGATIVE_INFINITY);
        for (int a = 0; a < n; a++) {
            max = max.max(FloatVector.fromArray(S, x, xo + a * stride, m));
        }
        DoubleVector sum0 = DoubleVector.zero(D);
        DoubleVector sum1 = sum0;
        for (int a = 0; a < n; a++) {
            FloatVector e = FloatVector.fromArray(S, x, xo + a * stride, m).sub(max).lanewise(VectorOperators.EXP);
            if (!log) {
                e.intoArray(y, yo + a * stride, m);
            }
            sum0 = sum0.add((DoubleVector) e.convertShape(VectorOperators.F2D, D, 0));
            sum1 = sum1.add((DoubleVector) e.convertShape(VectorOperators.F2D, D, 1));
        }
        if (log) {
            // the log in double: near a sum of 1 a float sum's rounding would dominate a tiny result
            FloatVector logSum = (FloatVector) sum0.lanewise(VectorOperators.LOG).convertShape(VectorOperators.D2F, S, 0)
                    .add(sum1.lanewise(VectorOperators.LOG).convertShape(VectorOperators.D2F, S, -1));
            for (int a = 0; a < n; a++) {
                FloatVector.fromArray(S, x, xo + a * stride, m).sub(max).sub(logSum).intoArray(y, yo + a * stride, m);
            }
        } else {
            FloatVector total = (FloatVector) sum0.convertShape(VectorOperators.D2F, S, 0)
                    .add(sum1.convertShape(VectorOperators.D2F, S, -1));
            for (int a = 0; a < n; a++) {
                FloatVector.fromArray(S, y, yo + a * stride, m).div(total).intoArray(y, yo + a * stride, m);
            }
        }
    }

    // softmax: dx = y·(dy − Σ dy·y); log-softmax: dx = dy − exp(y)·Σ dy | dx may be dy or y | allocates nothing
    private void backwardRow(float[] y, int yo, float[] dy, int dyo, float[] dx, int dxo, int n) {
        DoubleVector sum0 = DoubleVector.zero(D);
        DoubleVector sum1 = sum0;
        for (int i = 0; i < n; i += L) {
            VectorMask<Float> m = S.indexInRange(i, n);
            FloatVector g = FloatVector.fromArray(S, dy, dyo + i, m);
            FloatVector term = log ? g : g.mul(FloatVector.fromArray(S, y, yo + i, m));
            sum0 = sum0.add((DoubleVector) term.convertShape(VectorOperators.F2D, D, 0));
            sum1 = sum1.add((DoubleVector) term.convertShape(VectorOperators.F2D, D, 1));
        }
        float sum = (float) sum0.add(sum1).reduceLanes(VectorOperators.ADD);
        for (int i = 0; i < n; i += L) {
            VectorMask<Float> m = S.indexInRange(i, n);
            FloatVector v = FloatVector.fromArray(S, y, yo + i, m);
            FloatVector g = FloatVector.fromArray(S, dy, dyo + i, m);
            (log ? g.sub(v.lanewise(VectorOperators.EXP).mul(sum)) : g.sub(sum).mul(v)).intoArray(dx, dxo + i, m);
        }
    }

    private void backwardLanes(float[] y, int yo, float[] dy, int dyo, float[] dx, int dxo, int n, int stride,
                               VectorMask<Float> m) {
        DoubleVector sum0 = DoubleVector.zero(D);
        DoubleVector sum1 = sum0;
        for (int a = 0; a < n; a++) {
            FloatVector g = FloatVector.fromArray(S, dy, dyo + a * stride, m);
            FloatVector term = log ? g : g.mul(FloatVector.fromArray(S, y, yo + a * stride, m));
            sum0 = sum0.add((DoubleVector) term.convertShape(VectorOperators.F2D, D, 0));
            sum1 = sum1.add((DoubleVector) term.convertShape(VectorOperators.F2D, D, 1));
        }
        FloatVector sum = (FloatVector) sum0.convertShape(VectorOperators.D2F, S, 0)
                .add(sum1.convertShape(VectorOperators.D2F, S, -1));
        for (int a = 0; a < n; a++) {
            FloatVector v = FloatVector.fromArray(S, y, yo + a * stride, m);
            FloatVector g = FloatVector.fromArray(S, dy, dyo + a * stride, m);
            (log ? g.sub(v.lanewise(VectorOperators.EXP).mul(sum)) : g.sub(sum).mul(v)).intoArray(dx, dxo + a * stride, m);
        }
    }
}
