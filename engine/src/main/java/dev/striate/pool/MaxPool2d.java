package dev.striate.pool;

import dev.striate.runtime.ThreadPool;
import dev.striate.simd.FloatSpecies;
import dev.striate.tensor.Operands;
import dev.striate.tensor.Tensor;

import java.util.Arrays;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
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
    private static final VectorSpecies<Integer> I = S.withLanes(int.class);
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
        for (int oh = 0; oh < job.oh; oh++) {
            rows.combineRows(true, x, xo, job.h, job.w, oh * p.strideH() - p.padTop(), p.kernelH(), p.dilationH(),
                    p.padLeft(), wp, Float.NEGATIVE_INFINITY);
            rows.combineTaps(true, p.kernelW(), p.dilationW(), p.strideW(), wp, job.ow, 1f, y, yo + oh * job.ow);
        }
    }

    /*
     * PyTorch's scan, L outputs of a row at a time: per tap in window order (rows, then columns), a
     * lane takes the tap when it is in the image and is its first in-image tap, or v > max, or v is
     * NaN — the scalar rule lane by lane, so values and indices are the same bits. The running max and
     * argmax live in y and the indices themselves. Each window row is copied into the padded row and,
     * at stride s > 1, split by stride phase, so the taps of L consecutive outputs are one contiguous
     * masked load (masked to the lanes whose column is in the image: padding is never taken). A masked
     * gather instead was not intrinsified on AVX2 and boxed every vector. Every vector and mask lives
     * inside the block loop.
     */
    private void forwardWithIndices(PoolRows rows, Job job, int xo, int yo, int indexAt) {
        PoolParams p = params;
        int h = job.h;
        int w = job.w;
        int ow = job.ow;
        int s = p.strideW();
        int wp = job.paddedWidth;
        float[] x = job.image.data();
        float[] y = job.other.data();
        int[] indices = job.indices;
        for (int oh = 0; oh < job.oh; oh++) {
            int yRow = yo + oh * ow;
            int iRow = indexAt + oh * ow;
            Arrays.fill(y, yRow, yRow + ow, Float.NEGATIVE_INFINITY);
            Arrays.fill(indices, iRow, iRow + ow, -1);
            for (int kh = 0; kh < p.kernelH(); kh++) {
                int ih = oh * p.strideH() - p.padTop() + kh * p.dilationH();
                if (ih < 0 || ih >= h) {
                    continue;
                }
                rows.combineRows(true, x, xo, h, w, ih, 1, 1, p.padLeft(), wp, 0f);
                int phase = s == 1 ? 0 : rows.splitPhases(s, wp);
                float[] src = s == 1 ? rows.row : rows.phases();
                for (int j = 0; j < ow; j += L) {
                    VectorMask<Float> outputs = S.indexInRange(j, ow);
                    FloatVector max = FloatVector.fromArray(S, y, yRow + j, outputs);
                    IntVector arg = IntVector.fromArray(I, indices, iRow + j, outputs.cast(I));
                    for (int kw = 0; kw < p.kernelW(); kw++) {
                        int c = kw * p.dilationW(); // the tap's padded column for output j is j·s + c
                        int at = s == 1 ? j + c : (c % s) * phase + j + c / s;
                        IntVector iw = IntVector.zero(I).addIndex(s).add(j * s + c - p.padLeft());
                        VectorMask<Float> inside = iw.compare(VectorOperators.GE, 0).and(iw.compare(VectorOperators.LT, w))
                                .cast(S).and(outputs);
                        FloatVector v = FloatVector.fromArray(S, src, at, inside);
                        VectorMask<Float> take = v.compare(VectorOperators.GT, max).or(v.test(VectorOperators.IS_NAN))
                                .or(arg.compare(VectorOperators.LT, 0).cast(S)).and(inside);
                        max = max.blend(v, take);
                        arg = arg.blend(iw.add(ih * w), take.cast(I));
                    }
                    max.intoArray(y, yRow + j, outputs);
                    arg.intoArray(indices, iRow + j, outputs.cast(I));
                }
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
