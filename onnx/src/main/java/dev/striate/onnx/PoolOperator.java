package dev.striate.onnx;

import dev.striate.pool.AvgPool2d;
import dev.striate.pool.GlobalAvgPool;
import dev.striate.pool.GlobalMaxPool;
import dev.striate.pool.GlobalPooling;
import dev.striate.pool.MaxPool2d;
import dev.striate.pool.PoolParams;
import dev.striate.pool.Pooling;
import dev.striate.tensor.Shape;
import dev.striate.tensor.Tensor;

import java.util.Arrays;

/**
 * ONNX MaxPool and AveragePool (1-D and 2-D; pads, auto_pad, dilations, ceil_mode,
 * count_include_pad) on the engine's pooling kernels, LpPool on the same windows, GlobalMaxPool /
 * GlobalAveragePool / GlobalLpPool over any number of spatial axes, and the Reduce operators.
 */
final class PoolOperator implements Operator {

    private final String node;
    private final boolean max;
    private final Window window;
    private final boolean ceil;
    private final boolean countIncludePad;
    /** MaxPool's Indices output is asked for, flat indices column-major within a plane (storage_order 1). */
    private final boolean indices;
    private final boolean columnMajor;
    /** LpPool's p; 0 for MaxPool and AveragePool. */
    private final long lp;
    private final Execution execution;
    private volatile Pooling cached;

    /** MaxPool or AveragePool. */
    PoolOperator(Node node, boolean max, Execution execution) {
        this(node, max, 0, execution);
    }

    /** MaxPool, AveragePool, or LpPool when {@code lp > 0}. */
    PoolOperator(Node node, boolean max, long lp, Execution execution) {
        this.node = node.toString();
        this.max = max;
        this.lp = lp;
        this.execution = execution;
        this.window = new Window(node);
        if (window.kernel == null) {
            throw node.unsupported("kernel_shape is required");
        }
        this.ceil = node.getInt("ceil_mode", 0) != 0;
        if (max) {
            indices = node.hasOutput(1);
            columnMajor = node.getInt("storage_order", 0) != 0;
            countIncludePad = false;
        } else {
            indices = false;
            columnMajor = false;
            countIncludePad = node.getInt("count_include_pad", 0) != 0;
        }
    }

    @Override
    public Step plan(Value[] in) {
        Value x = in[0];
        if (x.rank() < 3) {
            throw new OnnxException(node + ": input " + x + " must be [N, C, spatial...]");
        }
        int[] g = window.resolve(Arrays.copyOfRange(x.dims, 2, x.rank()), window.kernel);
        int[] x4 = Window.as2d(x.dims);
        Pooling pool;
        int[] y4;
        try {
            PoolParams params = PoolParams.of(g[0], g[1], g[2], g[3]).dilation(g[4], g[5])
                    .padding(g[6], g[7], g[8], g[9]).ceilMode(ceil);
            pool = layer(params);
            y4 = pool.outputShape(x4);
        } catch (IllegalArgumentException e) {
            throw new OnnxException(node + ": input " + x + ": " + e.getMessage(), e);
        }
        int[] yDims = x.rank() == 3 ? new int[] {y4[0], y4[1], y4[3]} : y4;
        long flops = (long) y4[0] * y4[1] * y4[2] * y4[3] * g[0] * g[1];
        if (lp > 0) {
            return Step.compute((i, o) -> lpPool(i[0], o[0], x4, y4, g, lp), 2 * flops, Value.runtime(yDims));
        }
        if (indices) {
            if (x.size() > 1 << 24) {
                throw new OnnxException(node + ": input " + x + " has more elements than float32 indices count exactly (2^24)");
            }
            return Step.compute((i, o) -> maxPoolIndices(i[0], o[0], o[1], x4, y4, g, columnMajor), flops,
                    Value.runtime(yDims), Value.runtime(yDims));
        }
        return Step.compute((i, o) -> pool.forward(i[0], o[0]), flops, Value.runtime(yDims))
                .seenAs(new int[][] {x4}, new int[][] {y4});
    }

    private Pooling layer(PoolParams params) {
        Pooling last = cached;
        if (last != null && last.params().equals(params)) {
            return last;
        }
        Pooling p = max ? new MaxPool2d(params, execution.pool()) : new AvgPool2d(params, countIncludePad, execution.pool());
        cached = p;
        return p;
    }

    /**
     * LpPool: {@code (Σ |x|^p)^(1/p)} over each window of x4 {@code [N, C, H, W]} (window g as
     * {@link Window#resolve}: kernel, stride, dilation, pads), positions outside the image adding
     * nothing; in double, for the odd exported Lp pool, not a hot path.
     */
    private static void lpPool(Tensor x, Tensor y, int[] x4, int[] y4, int[] g, long p) {
        float[] xs = x.data();
        float[] ys = y.data();
        int h = x4[2];
        int w = x4[3];
        for (int plane = 0, at = y.offset(); plane < x4[0] * x4[1]; plane++) {
            int from = x.offset() + plane * h * w;
            for (int oh = 0; oh < y4[2]; oh++) {
                for (int ow = 0; ow < y4[3]; ow++, at++) {
                    double sum = 0;
                    for (int kh = 0; kh < g[0]; kh++) {
                        int ih = oh * g[2] + kh * g[4] - g[6];
                        for (int kw = 0; ih >= 0 && ih < h && kw < g[1]; kw++) {
                            int iw = ow * g[3] + kw * g[5] - g[7];
                            if (iw >= 0 && iw < w) {
                                sum += power(xs[from + ih * w + iw], p);
                            }
                        }
                    }
                    ys[at] = (float) root(sum, p);
                }
            }
        }
    }

    /**
     * MaxPool with its Indices output: each window's first maximum (a NaN wins) and its flat index
     * in x {@code [N, C, H, W]}, within its plane row-major or, with storage_order 1, column-major
     * (ONNX's and ONNX Runtime's {@code plane·H·W + w·H + h}); pads are never the maximum. A plain
     * loop beside the engine's pool: only an exported SegNet-style unpooling asks for indices.
     */
    private static void maxPoolIndices(Tensor x, Tensor y, Tensor index, int[] x4, int[] y4, int[] g, boolean columnMajor) {
        float[] xs = x.data();
        int h = x4[2];
        int w = x4[3];
        for (int plane = 0, at = 0; plane < x4[0] * x4[1]; plane++) {
            int from = x.offset() + plane * h * w;
            for (int oh = 0; oh < y4[2]; oh++) {
                for (int ow = 0; ow < y4[3]; ow++, at++) {
                    float best = Float.NEGATIVE_INFINITY;
                    int where = -1;
                    for (int kh = 0; kh < g[0]; kh++) {
                        int ih = oh * g[2] + kh * g[4] - g[6];
                        for (int kw = 0; ih >= 0 && ih < h && kw < g[1]; kw++) {
                            int iw = ow * g[3] + kw * g[5] - g[7];
                            if (iw >= 0 && iw < w) {
                                float v = xs[from + ih * w + iw];
                                if (where < 0 || v > best || Float.isNaN(v) && !Float.isNaN(best)) {
                                    best = v;
                                    where = columnMajor ? iw * h + ih : ih * w + iw;
                                }
                            }
                        }
                    }
                    y.data()[y.offset() + at] = best;
                    index.data()[index.offset() + at] = where < 0 ? 0 : (float) plane * h * w + where;
                }
            }
        }
    }

    private static double power(double v, long p) {
        return p == 1 ? Math.abs(v) : p == 2 ? v * v : Math.pow(Math.abs(v), p);
    }

    private static double root(double sum, long p) {
        return p == 1 ? sum : p == 2 ? Math.sqrt(sum) : Math.pow(sum, 1.0 / p);
    }

    /**
     * MaxUnpool: zeros of the pooled input's shape — {@code (in − 1)·stride + kernel − pads} per
     * spatial axis — with each X element written at its flat index from I (MaxPool's Indices output,
     * or indices known while planning); a larger {@code output_shape} holds that result in its
     * top-left corner (ONNX's reference). An index outside the unpooled shape is refused (while
     * planning) or skipped (at run time, where refusing would half-write).
     */
    static Operator maxUnpool(Node node) {
        String name = node.toString();
        Window window = new Window(node);
        if (window.kernel == null) {
            throw node.unsupported("kernel_shape is required");
        }
        return Operator.readingWhilePlanning(new int[] {1, 2}, in -> {
            Value x = in[0];
            Value index = in[1];
            if (x.rank() < 3 || x.rank() > 4 || !Arrays.equals(x.dims, index.dims)) {
                throw new OnnxException(name + ": X " + x + " and I " + index + " must be one [N, C, spatial...] shape");
            }
            int[] g = window.resolve(Arrays.copyOfRange(x.dims, 2, x.rank()), window.kernel);
            int[] yDims = x.dims.clone();
            int spatial = x.rank() - 2;
            for (int d = 0; d < spatial; d++) {
                int a = spatial == 1 ? 1 : d; // g is 2-D: axis 0 height, 1 width
                yDims[2 + d] = Math.addExact(Math.multiplyExact(x.dims[2 + d] - 1, g[2 + a]), g[a]) - g[6 + a] - g[8 + a];
            }
            int[] unpooled = yDims.clone();
            if (in.length > 2 && in[2] != null) {
                long[] shape = in[2].asLongs();
                if (shape.length != x.rank() || shape[0] != x.dims[0] || shape[1] != x.dims[1]) {
                    throw new OnnxException(name + ": output_shape " + Arrays.toString(shape) + " for X " + x);
                }
                for (int d = 2; d < shape.length; d++) {
                    if (shape[d] < yDims[d] || shape[d] > Integer.MAX_VALUE) {
                        throw new OnnxException(name + ": output_shape " + Arrays.toString(shape) + " is smaller than the unpooled "
                                + Arrays.toString(yDims));
                    }
                    yDims[d] = (int) shape[d];
                }
            }
            int outputs = Shape.checkedSize(yDims);
            int within = Shape.checkedSize(unpooled);
            // an index of the unpooled layout, as plane and row-major spatial position, re-laid in y's
            int[] inner = Arrays.copyOfRange(unpooled, 2, unpooled.length);
            int[] outer = Arrays.copyOfRange(yDims, 2, yDims.length);
            int innerPlane = Shape.checkedSize(inner);
            int outerPlane = Shape.checkedSize(outer);
            float[] constantIndex = index.floats != null ? index.floats : index.longs != null ? ElementwiseOperators.toFloats(index.longs) : null;
            if (index.longs != null) {
                for (long v : index.longs) {
                    if (v < 0 || v >= within) {
                        throw new OnnxException(name + ": index " + v + " is outside the unpooled " + Arrays.toString(unpooled));
                    }
                }
            }
            return Step.compute((i, o) -> {
                float[] ys = o[0].data();
                Arrays.fill(ys, o[0].offset(), o[0].offset() + outputs, 0f);
                float[] is = constantIndex != null ? constantIndex : i[1].data();
                int io = constantIndex != null ? 0 : i[1].offset();
                for (int k = 0, n = i[0].size(); k < n; k++) {
                    float at = is[io + k];
                    if (at >= 0 && at < within) {
                        ys[o[0].offset() + relaid((int) at, inner, innerPlane, outer, outerPlane)] = i[0].data()[i[0].offset() + k];
                    }
                }
            }, x.size(), Value.runtime(yDims));
        });
    }

    /**
     * Flat index {@code at} of planes of {@code innerPlane} elements with spatial dims {@code inner},
     * as a flat index of planes of {@code outerPlane} with dims {@code outer} (each at least as large).
     */
    private static int relaid(int at, int[] inner, int innerPlane, int[] outer, int outerPlane) {
        int rest = at % innerPlane;
        int y = 0;
        for (int d = 0, stride = innerPlane; d < inner.length; d++) {
            stride /= inner[d];
            y = y * outer[d] + rest / stride;
            rest %= stride;
        }
        return at / innerPlane * outerPlane + y;
    }

    /** LpPool (attribute p, default 2): the MaxPool/AveragePool window attributes. */
    static Operator lp(Node node, Execution execution) {
        long p = node.getInt("p", 2);
        if (p < 1) {
            throw node.unsupported("p " + p + " must be positive");
        }
        return new PoolOperator(node, false, p, execution);
    }

    /** GlobalLpPool: {@code (Σ |x|^p)^(1/p)} over each plane of {@code [N, C, spatial...]}. */
    static Operator globalLp(Node node) {
        String name = node.toString();
        long p = node.getInt("p", 2);
        if (p < 1) {
            throw node.unsupported("p " + p + " must be positive");
        }
        return in -> {
            Value x = in[0];
            int[] yDims = globalShape(name, x);
            int planes = x.dims[0] * x.dims[1];
            int plane = planes == 0 ? 0 : x.size() / planes;
            return Step.compute((i, o) -> {
                float[] xs = i[0].data();
                for (int q = 0; q < planes; q++) {
                    double sum = 0;
                    for (int j = 0, from = i[0].offset() + q * plane; j < plane; j++) {
                        sum += power(xs[from + j], p);
                    }
                    o[0].data()[o[0].offset() + q] = (float) root(sum, p);
                }
            }, 2L * x.size(), Value.runtime(yDims));
        };
    }

    /** A global pool's output shape {@code [N, C, 1, ...]} for x {@code [N, C, spatial...]}. */
    private static int[] globalShape(String name, Value x) {
        if (x.rank() < 3) {
            throw new OnnxException(name + ": input " + x + " must be [N, C, spatial...]");
        }
        int[] yDims = new int[x.rank()];
        Arrays.fill(yDims, 1);
        yDims[0] = x.dims[0];
        yDims[1] = x.dims[1];
        return yDims;
    }

    /** GlobalMaxPool or GlobalAveragePool: {@code [N, C, spatial...]} to {@code [N, C, 1, ...]}. */
    static Operator global(Node node, boolean max, Execution execution) {
        String name = node.toString();
        GlobalPooling pool = max ? new GlobalMaxPool(execution.pool()) : new GlobalAvgPool(execution.pool());
        return in -> {
            Value x = in[0];
            int[] yDims = globalShape(name, x);
            int plane = x.size() / Math.max(1, x.dims[0] * x.dims[1]);
            if (plane == 0) {
                throw new OnnxException(name + ": input " + x + " has an empty spatial extent");
            }
            return Step.compute((i, o) -> pool.forward(i[0], o[0]), x.size(), Value.runtime(yDims))
                    .seenAs(new int[][] {{x.dims[0], x.dims[1], plane, 1}}, new int[][] {{x.dims[0], x.dims[1], 1, 1}});
        };
    }

    /**
     * The Reduce operators ({@link Reduction}; axes from the attribute, or from input 1 from opset
     * 18 — 13 for ReduceSum; none: every axis, or the identity with {@code noop_with_empty_axes};
     * keepdims). Adjacent reduced axes — what CNNs export (PyTorch's {@code x.mean([2, 3])}, Keras's
     * global pooling on NHWC, an embedding's L2 norm) — make the input a view
     * {@code [outer, reduced, inner]}: a mean with nothing after the block ({@code inner = 1}) is the
     * engine's global average pool; otherwise {@code reduced} rows of {@code inner} are folded in
     * order per output row, in float (max and min propagate NaN). Other axes are walked element by
     * element. Reducing an empty axis gives NumPy's result (the identity, NaN for a mean).
     */
    static Operator reduce(Node node, Execution execution) {
        String name = node.toString();
        String kind = node.opType;
        Reduction reduction = Reduction.of(kind);
        long[] axesAttribute = node.opset < (kind.equals("ReduceSum") ? 13 : 18) ? node.getInts("axes") : null;
        boolean keep = node.getInt("keepdims", 1) != 0;
        boolean noopWithoutAxes = node.getInt("noop_with_empty_axes", 0) != 0;
        GlobalPooling pool = new GlobalAvgPool(execution.pool());
        return Operator.readingWhilePlanning(new int[] {1}, in -> {
            Value x = in[0];
            int rank = x.rank();
            long[] axes = axesAttribute != null ? axesAttribute : in.length > 1 && in[1] != null ? in[1].asLongs() : null;
            boolean[] reduced = new boolean[rank];
            if (axes == null || axes.length == 0) {
                if (noopWithoutAxes) {
                    return Step.view(0, Value.runtime(x.dims));
                }
                Arrays.fill(reduced, true);
            } else {
                for (long a : axes) {
                    long axis = a < 0 ? a + rank : a;
                    if (axis < 0 || axis >= rank || reduced[(int) axis]) {
                        throw new OnnxException(name + ": axes " + Arrays.toString(axes) + " are invalid for input " + x);
                    }
                    reduced[(int) axis] = true;
                }
            }
            int first = 0;
            while (first < rank && !reduced[first]) {
                first++;
            }
            int end = first;
            while (end < rank && reduced[end]) {
                end++;
            }
            boolean adjacent = true;
            for (int d = end; d < rank; d++) {
                adjacent &= !reduced[d];
            }
            int outer = Shape.checkedSize(Arrays.copyOfRange(x.dims, 0, first));
            int count = Shape.checkedSize(Arrays.copyOfRange(x.dims, first, end));
            int inner = Shape.checkedSize(Arrays.copyOfRange(x.dims, end, rank));
            int removed = 0;
            for (boolean r : reduced) {
                removed += r ? 1 : 0;
            }
            int[] yDims = new int[keep ? rank : rank - removed];
            for (int d = 0, k = 0; d < rank; d++) {
                if (!reduced[d]) {
                    yDims[k++] = x.dims[d];
                } else if (keep) {
                    yDims[k++] = 1;
                }
            }
            if (x.longs != null) {
                return Step.constant(Value.longs(yDims, integerFold(name, reduction, x, reduced)));
            }
            Value y = Value.runtime(yDims);
            // over no elements a boolean's max is false and its min true
            float identity = x.bool && reduction == Reduction.MAX ? 0 : x.bool && reduction == Reduction.MIN ? 1 : reduction.identity;
            if (!adjacent) {
                AxisGroups groups = AxisGroups.of(x.dims, reduced);
                return Step.compute((i, o) -> foldAxes(reduction, identity, i[0], o[0], groups), x.size(), y);
            }
            if (kind.equals("ReduceMean") && inner == 1 && count > 0) {
                return Step.compute((i, o) -> pool.forward(i[0], o[0]), x.size(), y)
                        .seenAs(new int[][] {{1, outer, count, 1}}, new int[][] {{1, outer, 1, 1}});
            }
            return Step.compute((i, o) -> foldRows(reduction, identity, i[0], o[0], outer, count, inner), x.size(), y);
        });
    }

    /**
     * {@code y[o][j] := fold over r of x[o][r][j]} for the reduction, in order of r, from
     * {@code identity} (over no r, NumPy's result: 0, 1, −∞ or +∞, NaN for a mean) | allocates nothing.
     */
    private static void foldRows(Reduction reduction, float identity, Tensor x, Tensor y, int outer, int count, int inner) {
        float[] xs = x.data();
        float[] ys = y.data();
        Arrays.fill(ys, y.offset(), y.offset() + outer * inner, identity);
        for (int o = 0; o < outer; o++) {
            int to = y.offset() + o * inner;
            int from = x.offset() + o * count * inner;
            for (int r = 0; r < count; r++) {
                for (int j = 0, at = from + r * inner; j < inner; j++) {
                    ys[to + j] = reduction.combine(ys[to + j], reduction.prepare(xs[at + j]));
                }
            }
        }
        reduction.finish(ys, y.offset(), outer * inner, count);
    }

    /**
     * Sum, Prod, Max or Min of int64 values known while planning (PyTorch's {@code x.var(dims)}
     * export multiplies the reduced dims with ReduceProd); overflow is refused.
     */
    private static long[] integerFold(String name, Reduction reduction, Value x, boolean[] reduced) {
        if (reduction != Reduction.SUM && reduction != Reduction.PROD && reduction != Reduction.MAX && reduction != Reduction.MIN) {
            throw new OnnxException(name + ": " + reduction + " of int64 " + x + " is not supported (sum, prod, max, min)");
        }
        AxisGroups groups = AxisGroups.of(x.dims, reduced);
        long identity = switch (reduction) {
            case PROD -> 1L;
            case MAX -> Long.MIN_VALUE;
            case MIN -> Long.MAX_VALUE;
            default -> 0L;
        };
        long[] y = new long[groups.base().length];
        for (int g = 0; g < y.length; g++) {
            long r = identity;
            for (int m : groups.member()) {
                long v = x.longs[groups.base()[g] + m];
                try {
                    r = switch (reduction) {
                        case PROD -> Math.multiplyExact(r, v);
                        case MAX -> Math.max(r, v);
                        case MIN -> Math.min(r, v);
                        default -> Math.addExact(r, v);
                    };
                } catch (ArithmeticException e) {
                    throw new OnnxException(name + ": the " + reduction + " of int64 " + x + " overflows", e);
                }
            }
            y[g] = r;
        }
        return y;
    }

    /**
     * The reduction over axes that are not one adjacent block (a mean over N, H and W, as an exported
     * MeanVarianceNormalization takes): each group of {@link AxisGroups} folded from the identity
     * into its output (groups are in the output's row-major order) | allocates nothing.
     */
    private static void foldAxes(Reduction reduction, float identity, Tensor x, Tensor y, AxisGroups groups) {
        float[] xs = x.data();
        float[] ys = y.data();
        int[] member = groups.member();
        for (int g = 0; g < groups.base().length; g++) {
            float r = identity;
            for (int m : member) {
                r = reduction.combine(r, reduction.prepare(xs[x.offset() + groups.base()[g] + m]));
            }
            ys[y.offset() + g] = r;
        }
        reduction.finish(ys, y.offset(), groups.base().length, member.length);
    }
}
