package dev.striate.pool;

import dev.striate.runtime.ThreadPool;
import dev.striate.tensor.Operands;
import dev.striate.tensor.Tensor;

import java.util.Arrays;

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
            case FORWARD_WITH_INDICES -> forwardWithIndices(job, xo, yo, indexAt);
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

    // PyTorch's scan: the first in-image tap, then any later tap with v > max or v NaN
    private void forwardWithIndices(Job job, int xo, int yo, int indexAt) {
        PoolParams p = params;
        int h = job.h;
        int w = job.w;
        float[] x = job.image.data();
        float[] y = job.other.data();
        int[] indices = job.indices;
        for (int oh = 0; oh < job.oh; oh++) {
            int ih0 = oh * p.strideH() - p.padTop();
            for (int ow = 0; ow < job.ow; ow++) {
                int iw0 = ow * p.strideW() - p.padLeft();
                float max = Float.NEGATIVE_INFINITY;
                int arg = -1;
                for (int kh = 0; kh < p.kernelH(); kh++) {
                    int ih = ih0 + kh * p.dilationH();
                    if (ih < 0 || ih >= h) {
                        continue;
                    }
                    for (int kw = 0; kw < p.kernelW(); kw++) {
                        int iw = iw0 + kw * p.dilationW();
                        if (iw < 0 || iw >= w) {
                            continue;
                        }
                        float v = x[xo + ih * w + iw];
                        if (arg < 0 || v > max || Float.isNaN(v)) {
                            max = v;
                            arg = ih * w + iw;
                        }
                    }
                }
                y[yo + oh * job.ow + ow] = max;
                indices[indexAt + oh * job.ow + ow] = arg;
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
