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
    /** Built once: the checks run on every call and must not allocate. */
    private final String name;

    AxisSoftmax(int axis, boolean log) {
        VectorSupport.require();
        this.axis = axis;
        this.log = log;
        this.name = (log ? "LogSoftmax(axis=" : "Softmax(axis=") + axis + ")";
    }

    @Override
    public final String toString() {
        return name;
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
        String layer = name;
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
                    forwardLanes(x.data(), xo + j, y.data(), yo + j, n, inner, inner - j);
                }
            }
        }
    }

    @Override
    public void backward(Tensor y, Tensor dy, Tensor dx) {
        String layer = name;
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
                            dx.data(), dx.offset() + at + j, n, inner, inner - j);
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

    /*
     * The kernels below keep every vector inside one method and out of any branch on the mode:
     * a vector that crosses a call or a conditional store was measured boxed (48 bytes per row).
     * Each helper returns a scalar; the modes get their own small loops.
     */

    // one contiguous slice x[xo, xo+n) -> y | y may be x | allocates nothing
    private void forwardRow(float[] x, int xo, float[] y, int yo, int n) {
        float max = rowMax(x, xo, n);
        if (log) {
            float logSum = (float) Math.log(rowExpSum(x, xo, n, max, LANE_SCRATCH.get()));
            for (int i = 0; i < n; i += L) {
                VectorMask<Float> m = S.indexInRange(i, n);
                FloatVector.fromArray(S, x, xo + i, m).sub(max).sub(logSum).intoArray(y, yo + i, m);
            }
        } else {
            float total = (float) rowExpStore(x, xo, y, yo, n, max, LANE_SCRATCH.get());
            for (int i = 0; i < n; i += L) {
                VectorMask<Float> m = S.indexInRange(i, n);
                FloatVector.fromArray(S, y, yo + i, m).div(total).intoArray(y, yo + i, m);
            }
        }
    }

    /**
     * Where the row sums' lanes are added in lane order. reduceLanes(ADD) would leave the order to
     * the JIT (pairwise when C2 intrinsifies it, sequential in the fallback), so the same row could
     * sum to different bits before and after compilation; and a helper taking the vector would box
     * it whenever C2 declines to inline the helper. One array per thread, allocated once.
     */
    private static final ThreadLocal<double[]> LANE_SCRATCH = ThreadLocal.withInitial(() -> new double[D.length()]);

    private static double inLaneOrder(double[] lanes) {
        double s = lanes[0];
        for (int i = 1; i < lanes.length; i++) {
            s += lanes[i];
        }
        return s;
    }

    private static float rowMax(float[] x, int xo, int n) {
        FloatVector max = FloatVector.broadcast(S, Float.NEGATIVE_INFINITY);
        int i = 0;
        for (int bound = S.loopBound(n); i < bound; i += L) {
            max = max.max(FloatVector.fromArray(S, x, xo + i));
        }
        float m = max.reduceLanes(VectorOperators.MAX);
        for (; i < n; i++) {
            m = Math.max(m, x[xo + i]);  // NaN propagates, as the lanes' max does
        }
        return m;
    }

    /** Σ exp(x − max) in double. */
    private static double rowExpSum(float[] x, int xo, int n, float max, double[] lanes) {
        FloatVector zero = FloatVector.zero(S);
        DoubleVector sum0 = DoubleVector.zero(D);
        DoubleVector sum1 = sum0;
        for (int i = 0; i < n; i += L) {
            VectorMask<Float> m = S.indexInRange(i, n);
            FloatVector e = FloatVector.fromArray(S, x, xo + i, m).sub(max).lanewise(VectorOperators.EXP).blend(zero, m.not());
            sum0 = sum0.add((DoubleVector) e.convertShape(VectorOperators.F2D, D, 0));
            sum1 = sum1.add((DoubleVector) e.convertShape(VectorOperators.F2D, D, 1));
        }
        sum0.add(sum1).intoArray(lanes, 0);
        return inLaneOrder(lanes);
    }

    /** y := exp(x − max); returns Σ y in double. */
    private static double rowExpStore(float[] x, int xo, float[] y, int yo, int n, float max, double[] lanes) {
        FloatVector zero = FloatVector.zero(S);
        DoubleVector sum0 = DoubleVector.zero(D);
        DoubleVector sum1 = sum0;
        for (int i = 0; i < n; i += L) {
            VectorMask<Float> m = S.indexInRange(i, n);
            FloatVector e = FloatVector.fromArray(S, x, xo + i, m).sub(max).lanewise(VectorOperators.EXP).blend(zero, m.not());
            e.intoArray(y, yo + i, m);
            sum0 = sum0.add((DoubleVector) e.convertShape(VectorOperators.F2D, D, 0));
            sum1 = sum1.add((DoubleVector) e.convertShape(VectorOperators.F2D, D, 1));
        }
        sum0.add(sum1).intoArray(lanes, 0);
        return inLaneOrder(lanes);
    }

    /** Σ a·b (or Σ a when b is null) over a row, in double. */
    private static double rowDot(float[] a, int ao, float[] b, int bo, int n, double[] lanes) {
        DoubleVector sum0 = DoubleVector.zero(D);
        DoubleVector sum1 = sum0;
        for (int i = 0; i < n; i += L) {
            VectorMask<Float> m = S.indexInRange(i, n);
            FloatVector term = FloatVector.fromArray(S, a, ao + i, m);
            if (b != null) {
                term = term.mul(FloatVector.fromArray(S, b, bo + i, m));
            }
            sum0 = sum0.add((DoubleVector) term.convertShape(VectorOperators.F2D, D, 0));
            sum1 = sum1.add((DoubleVector) term.convertShape(VectorOperators.F2D, D, 1));
        }
        sum0.add(sum1).intoArray(lanes, 0);
        return inLaneOrder(lanes);
    }

    // softmax: dx = y·(dy − Σ dy·y); log-softmax: dx = dy − exp(y)·Σ dy | dx may be dy or y | allocates nothing
    private void backwardRow(float[] y, int yo, float[] dy, int dyo, float[] dx, int dxo, int n) {
        if (log) {
            float sum = (float) rowDot(dy, dyo, null, 0, n, LANE_SCRATCH.get());
            for (int i = 0; i < n; i += L) {
                VectorMask<Float> m = S.indexInRange(i, n);
                FloatVector p = FloatVector.fromArray(S, y, yo + i, m).lanewise(VectorOperators.EXP);
                FloatVector.fromArray(S, dy, dyo + i, m).sub(p.mul(sum)).intoArray(dx, dxo + i, m);
            }
        } else {
            float sum = (float) rowDot(dy, dyo, y, yo, n, LANE_SCRATCH.get());
            for (int i = 0; i < n; i += L) {
                VectorMask<Float> m = S.indexInRange(i, n);
                FloatVector v = FloatVector.fromArray(S, y, yo + i, m);
                FloatVector.fromArray(S, dy, dyo + i, m).sub(sum).mul(v).intoArray(dx, dxo + i, m);
            }
        }
    }

    // min(L, lanes) slices side by side: element a of lane l at x[xo + a·stride + l] | y may be x | allocates nothing.
    // The mask is made inside each kernel, not passed in: a mask crossing a call is an object. One
    // kernel per mode keeps each compile unit small (one method with both modes measured boxed lanes).
    private void forwardLanes(float[] x, int xo, float[] y, int yo, int n, int stride, int lanes) {
        if (log) {
            logSoftmaxLanes(x, xo, y, yo, n, stride, lanes);
        } else {
            softmaxLanes(x, xo, y, yo, n, stride, lanes);
        }
    }

    private static void softmaxLanes(float[] x, int xo, float[] y, int yo, int n, int stride, int lanes) {
        VectorMask<Float> m = S.indexInRange(0, lanes);
        FloatVector max = FloatVector.broadcast(S, Float.NEGATIVE_INFINITY);
        for (int a = 0; a < n; a++) {
            max = max.max(FloatVector.fromArray(S, x, xo + a * stride, m));
        }
        DoubleVector sum0 = DoubleVector.zero(D);
        DoubleVector sum1 = sum0;
        for (int a = 0; a < n; a++) {
            FloatVector e = FloatVector.fromArray(S, x, xo + a * stride, m).sub(max).lanewise(VectorOperators.EXP);
            e.intoArray(y, yo + a * stride, m);
            sum0 = sum0.add((DoubleVector) e.convertShape(VectorOperators.F2D, D, 0));
            sum1 = sum1.add((DoubleVector) e.convertShape(VectorOperators.F2D, D, 1));
        }
        FloatVector total = (FloatVector) sum0.convertShape(VectorOperators.D2F, S, 0)
                .add(sum1.convertShape(VectorOperators.D2F, S, -1));
        for (int a = 0; a < n; a++) {
            FloatVector.fromArray(S, y, yo + a * stride, m).div(total).intoArray(y, yo + a * stride, m);
        }
    }

    private static void logSoftmaxLanes(float[] x, int xo, float[] y, int yo, int n, int stride, int lanes) {
        VectorMask<Float> m = S.indexInRange(0, lanes);
        FloatVector max = FloatVector.broadcast(S, Float.NEGATIVE_INFINITY);
        for (int a = 0; a < n; a++) {
            max = max.max(FloatVector.fromArray(S, x, xo + a * stride, m));
        }
        DoubleVector sum0 = DoubleVector.zero(D);
        DoubleVector sum1 = sum0;
        for (int a = 0; a < n; a++) {
            FloatVector e = FloatVector.fromArray(S, x, xo + a * stride, m).sub(max).lanewise(VectorOperators.EXP);
            sum0 = sum0.add((DoubleVector) e.convertShape(VectorOperators.F2D, D, 0));
            sum1 = sum1.add((DoubleVector) e.convertShape(VectorOperators.F2D, D, 1));
        }
        // the log in double: near a sum of 1 a float sum's rounding would dominate a tiny result
        FloatVector logSum = (FloatVector) sum0.lanewise(VectorOperators.LOG).convertShape(VectorOperators.D2F, S, 0)
                .add(sum1.lanewise(VectorOperators.LOG).convertShape(VectorOperators.D2F, S, -1));
        for (int a = 0; a < n; a++) {
            FloatVector.fromArray(S, x, xo + a * stride, m).sub(max).sub(logSum).intoArray(y, yo + a * stride, m);
        }
    }

    private void backwardLanes(float[] y, int yo, float[] dy, int dyo, float[] dx, int dxo, int n, int stride,
                               int lanes) {
        if (log) {
            logSoftmaxBackwardLanes(y, yo, dy, dyo, dx, dxo, n, stride, lanes);
        } else {
            softmaxBackwardLanes(y, yo, dy, dyo, dx, dxo, n, stride, lanes);
        }
    }

    // dx = dy − exp(y)·Σ dy, lane-wise slices | dx may be dy or y | allocates nothing
    private static void logSoftmaxBackwardLanes(float[] y, int yo, float[] dy, int dyo, float[] dx, int dxo, int n,
                                                int stride, int lanes) {
        VectorMask<Float> m = S.indexInRange(0, lanes);
        DoubleVector sum0 = DoubleVector.zero(D);
        DoubleVector sum1 = sum0;
        for (int a = 0; a < n; a++) {
            FloatVector g = FloatVector.fromArray(S, dy, dyo + a * stride, m);
            sum0 = sum0.add((DoubleVector) g.convertShape(VectorOperators.F2D, D, 0));
            sum1 = sum1.add((DoubleVector) g.convertShape(VectorOperators.F2D, D, 1));
        }
        FloatVector sum = (FloatVector) sum0.convertShape(VectorOperators.D2F, S, 0)
                .add(sum1.convertShape(VectorOperators.D2F, S, -1));
        for (int a = 0; a < n; a++) {
            FloatVector p = FloatVector.fromArray(S, y, yo + a * stride, m).lanewise(VectorOperators.EXP);
            FloatVector.fromArray(S, dy, dyo + a * stride, m).sub(p.mul(sum)).intoArray(dx, dxo + a * stride, m);
        }
    }

    // dx = y·(dy − Σ dy·y), lane-wise slices | dx may be dy or y | allocates nothing
    private static void softmaxBackwardLanes(float[] y, int yo, float[] dy, int dyo, float[] dx, int dxo, int n,
                                             int stride, int lanes) {
        VectorMask<Float> m = S.indexInRange(0, lanes);
        DoubleVector sum0 = DoubleVector.zero(D);
        DoubleVector sum1 = sum0;
        for (int a = 0; a < n; a++) {
            FloatVector term = FloatVector.fromArray(S, dy, dyo + a * stride, m)
                    .mul(FloatVector.fromArray(S, y, yo + a * stride, m));
            sum0 = sum0.add((DoubleVector) term.convertShape(VectorOperators.F2D, D, 0));
            sum1 = sum1.add((DoubleVector) term.convertShape(VectorOperators.F2D, D, 1));
        }
        FloatVector sum = (FloatVector) sum0.convertShape(VectorOperators.D2F, S, 0)
                .add(sum1.convertShape(VectorOperators.D2F, S, -1));
        for (int a = 0; a < n; a++) {
            FloatVector v = FloatVector.fromArray(S, y, yo + a * stride, m);
            FloatVector.fromArray(S, dy, dyo + a * stride, m).sub(sum).mul(v).intoArray(dx, dxo + a * stride, m);
        }
    }
}
