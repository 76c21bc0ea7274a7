package dev.striate.pool;

import dev.striate.runtime.ThreadPool;
import dev.striate.simd.FloatSpecies;
import dev.striate.tensor.Operands;
import dev.striate.tensor.Tensor;

import java.util.Arrays;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * {@code MaxPool2d} (PyTorch {@code nn.MaxPool2d}, ONNX {@code MaxPool}): each output is the maximum
 * of its window; padding counts as −∞; NaN propagates.
 *
 * <p>Inference ({@link #forward(Tensor, Tensor)}) runs the separable vector kernel of
 * {@link PoolRows}. Training ({@link #forward(Tensor, Tensor, int[])}) also records, per output, the
 * index {@code ih·W + iw} of its maximum within the plane — PyTorch's {@code return_indices}
 * convention, ties going to the first maximum in row-major window order and NaN to the last NaN,
 * exactly as PyTorch's {@code (v > max || isnan(v))} scan — and {@link #backward} adds each output
 * gradient at that index (the "upsampling" of the classic derivation). Recording beats recomputing
 * here: the backward pass then reads only {@code dy} and the indices, not x.
 *
 * <p>Thread-safety: a layer may be shared by threads; concurrent calls use separate pooled buffers.
 */
public final class MaxPool2d extends Pooling {

    private static final VectorSpecies<Float> S = FloatSpecies.PREFERRED;
    private static final int L = FloatSpecies.LANES;

    /** On the engine's {@linkplain ThreadPool#common() common} thread pool. */
    public MaxPool2d(PoolParams params) {
        this(params, ThreadPool.common());
    }

    public MaxPool2d(PoolParams params, ThreadPool threads) {
        super(params, threads, "MaxPool2d(" + params + ")");

    }

    /**
     * {@code y := maxpool(x)} and {@code indices[i] :=} the plane-local index of output i's maximum
     * (−1 for a window with no input pixel, which dilation can make).
     *
     * @param indices at least {@code N·C·OH·OW} ints, in y's order
     */
    public void forward(Tensor x, Tensor y, int[] indices) {
        checkPair("x", x, "y", y);
        checkIndices(indices, y.size());
        run(FORWARD_WITH_INDICES, x, y, indices);
    }

    /**
     * {@code dx := ∂L/∂x}: zero except each output's gradient added at its recorded maximum.
     *
     * @param dy gradient of the output {@code [N, C, OH, OW]}
     * @param indices as written by {@link #forward(Tensor, Tensor, int[])} for this input size
     * @param dx gradient of the input {@code [N, C, H, W]}, overwritten; must not overlap dy
     * @throws IllegalArgumentException if an index lies outside its plane (checked before any write)
     */
    public void backward(Tensor dy, int[] indices, Tensor dx) {
        checkPair("dx", dx, "dy", dy);
        checkIndices(indices, dy.size());
        int plane = dx.dim(2) * dx.dim(3);
        for (int i = 0, n = dy.size(); i < n; i++) {
            if (indices[i] < -1 || indices[i] >= plane) {
                throw new IllegalArgumentException(this + ": index " + indices[i] + " at output " + i
                        + " lies outside its " + dx.dim(2) + "x" + dx.dim(3) + " plane");
            }
        }
        run(BACKWARD, dx, dy, indices);
    }

    private void checkIndices(int[] indices, int outputs) {
        if (indices == null || indices.length < outputs) {
            throw new IllegalArgumentException(this + ": indices must hold at least " + outputs + " ints, got "
                    + (indices == null ? "null" : indices.length));
        }
    }

    @Override
    void plane(int mode, PoolRows rows, Job job, int xo, int yo, int indexAt) {
        switch (mode) {
            case FORWARD -> forwardPlane(rows, job, xo, yo);
            case FORWARD_WITH_INDICES -> forwardWithIndices(rows, job, xo, yo, indexAt);
            default -> backwardPlane(job, xo, yo, indexAt);
        }
    }

    private void forwardPlane(PoolRows rows, Job job, int xo, int yo) {
        PoolParams p = params;
        int wp = job.paddedWidth;
        float[] x = job.image.data();
        float[] y = job.other.data();
        rows.fillPads(p.padLeft(), job.w, wp, Float.NEGATIVE_INFINITY);
        for (int oh = 0; oh < job.oh; oh++) {
            rows.combineRows(true, x, xo, job.h, job.w, oh * p.strideH() - p.padTop(), p.kernelH(), p.dilationH(),
                    p.padLeft(), Float.NEGATIVE_INFINITY);
            rows.combineTaps(true, p.kernelW(), p.dilationW(), p.strideW(), wp, job.ow, 1f, y, yo + oh * job.ow);
        }
    }

    /*
     * PyTorch's scan, L outputs of a row at a time: per tap in window order (rows, then columns), a
     * lane takes the tap when it is in the image and is its first in-image tap, or v > max, or v is
     * NaN — the scalar rule lane by lane, so values and indices are the same bits. The running max
     * and the running argmax (as the tap's number kh·KW + kw, exact in a float) live in rows padded
     * to whole vectors, copied out once the row is done (masked accesses that reach past an array's
     * end take the Vector API's slow, allocating path). Each window row is copied into the padded row and, at
     * stride s > 1, split by stride phase, so the taps of L consecutive outputs are one contiguous
     * load; the lanes whose column is in the image are a lane range, masked as two tail masks. Only
     * float vectors and masks of one species: a masked gather, int vectors and mask casts were tried
     * first and C2 boxed them on AVX2.
     */
    private void forwardWithIndices(PoolRows rows, Job job, int xo, int yo, int indexAt) {
        PoolParams p = params;
        int h = job.h;
        int w = job.w;
        int ow = job.ow;
        int s = p.strideW();
        int kernelW = p.kernelW();
        float[] x = job.image.data();
        float[] y = job.other.data();
        float[] taps = rows.columnCounts;
        float[] maxima = rows.outputRow;
        rows.fillPads(p.padLeft(), w, job.paddedWidth, 0f);
        for (int oh = 0; oh < job.oh; oh++) {
            int ih0 = oh * p.strideH() - p.padTop();
            Arrays.fill(maxima, 0, ow, Float.NEGATIVE_INFINITY);
            Arrays.fill(taps, 0, ow, -1f);
            for (int kh = 0; kh < p.kernelH(); kh++) {
                int ih = ih0 + kh * p.dilationH();
                if (ih < 0 || ih >= h) {
                    continue;
                }
                rows.combineRows(true, x, xo, h, w, ih, 1, 1, p.padLeft(), 0f);
                int phase = s == 1 ? 0 : rows.splitPhases(s, job.paddedWidth);
                float[] src = s == 1 ? rows.row : rows.phases();
                for (int j = 0; j < ow; j += L) {
                    int lanes = Math.min(L, ow - j);
                    FloatVector max = FloatVector.fromArray(S, maxima, j);
                    FloatVector arg = FloatVector.fromArray(S, taps, j);
                    for (int kw = 0; kw < kernelW; kw++) {
                        int c = kw * p.dilationW(); // the tap's padded column for output j + i is (j + i)·s + c
                        int at = s == 1 ? j + c : (c % s) * phase + j + c / s;
                        int column = j * s + c - p.padLeft(); // the image column of lane 0
                        int first = column >= 0 ? 0 : (-column + s - 1) / s;
                        int end = column >= w ? 0 : Math.min(lanes, (w - 1 - column) / s + 1);
                        if (end <= first) {
                            continue;
                        }
                        // lanes [first, end), from two ordinary tail masks: indexInRange with a negative
                        // offset took the JDK's slow path and, once profiled, made other kernels' tail
                        // masks allocate
                        VectorMask<Float> inside = S.indexInRange(0, end).andNot(S.indexInRange(0, first));
                        FloatVector v = FloatVector.fromArray(S, src, at);
                        VectorMask<Float> take = v.compare(VectorOperators.GT, max).or(v.test(VectorOperators.IS_NAN))
                                .or(arg.compare(VectorOperators.LT, 0f)).and(inside);
                        max = max.blend(v, take);
                        arg = arg.blend(kh * kernelW + kw, take);
                    }
                    max.intoArray(maxima, j);
                    arg.intoArray(taps, j);
                }
            }
            System.arraycopy(maxima, 0, y, yo + oh * ow, ow);
            int[] indices = job.indices;
            for (int o = 0; o < ow; o++) {
                int t = (int) taps[o];
                indices[indexAt + oh * ow + o] = t < 0 ? -1
                        : (ih0 + t / kernelW * p.dilationH()) * w + o * s - p.padLeft() + t % kernelW * p.dilationW();
            }
        }
    }

    private void backwardPlane(Job job, int xo, int yo, int indexAt) {
        float[] dx = job.image.data();
        float[] dy = job.other.data();
        int[] indices = job.indices;
        Arrays.fill(dx, xo, xo + job.h * job.w, 0f);
        for (int o = 0, n = job.oh * job.ow; o < n; o++) {
            int at = indices[indexAt + o];
            if (at >= 0) {
                dx[xo + at] += dy[yo + o];
            }
        }
    }
}
