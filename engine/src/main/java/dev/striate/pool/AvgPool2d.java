package dev.striate.pool;

import dev.striate.runtime.ThreadPool;
import dev.striate.tensor.Tensor;

import java.util.Arrays;

/**
 * {@code AvgPool2d} (PyTorch {@code nn.AvgPool2d}, ONNX {@code AveragePool}): each output is the
 * mean of its window. With {@code countIncludePad} the divisor counts the window's taps that fall in
 * the image or its padding (PyTorch's {@code count_include_pad=True}: a ceil-mode window's overhang
 * past the padding is not counted); without it, only the taps in the image (ONNX's default).
 * A window with no tap in the image (dilation can make one) averages to 0.
 *
 * <p>Forward and backward run the separable row kernels of {@link PoolRows}: the backward pass
 * spreads each output gradient evenly over its window's taps, row by row.
 *
 * <p>Thread-safety: a layer may be shared by threads; concurrent calls use separate pooled buffers.
 */
public final class AvgPool2d extends Pooling {

    private final boolean countIncludePad;

    /** PyTorch's default: padding counted in the divisor. */
    public AvgPool2d(PoolParams params) {
        this(params, true);
    }

    public AvgPool2d(PoolParams params, boolean countIncludePad) {
        this(params, countIncludePad, ThreadPool.common());
    }

    public AvgPool2d(PoolParams params, boolean countIncludePad, ThreadPool threads) {
        super(params, threads, "AvgPool2d(" + params + (countIncludePad ? ", count_include_pad" : "") + ")");
        this.countIncludePad = countIncludePad;
    }

    public boolean countIncludePad() {
        return countIncludePad;
    }

    /**
     * {@code dx := ∂L/∂x}.
     *
     * @param dy gradient of the output {@code [N, C, OH, OW]}
     * @param dx gradient of the input {@code [N, C, H, W]}, overwritten; must not overlap dy
     */
    public void backward(Tensor dy, Tensor dx) {
        checkPair("dx", dx, "dy", dy);
        run(BACKWARD, dx, dy, null);
    }

    @Override
    void prepare(PoolRows rows, int w, int ow) {
        PoolParams p = params;
        for (int o = 0; o < ow; o++) {
            // at least 1: a column of window taps that all miss the image sums to 0, and 0/1 is the defined result
            rows.columnCounts[o] = Math.max(1, taps(o * p.strideW() - p.padLeft(), p.kernelW(), p.dilationW(), w, p.padLeft(), p.padRight()));
        }
    }

    /** Taps {@code start + k·dilation} (k < kernel) the divisor counts, for an axis of the given size. */
    private int taps(int start, int kernel, int dilation, int size, int padBefore, int padAfter) {
        int lo = countIncludePad ? -padBefore : 0;
        int hi = countIncludePad ? size + padAfter : size;
        int count = 0;
        for (int k = 0; k < kernel; k++) {
            int at = start + k * dilation;
            if (at >= lo && at < hi) {
                count++;
            }
        }
        return count;
    }

    @Override
    void plane(int mode, PoolRows rows, Job job, int xo, int yo, int indexAt) {
        PoolParams p = params;
        int wp = job.paddedWidth;
        float[] image = job.image.data();
        float[] out = job.other.data();
        if (mode == BACKWARD) {
            Arrays.fill(image, xo, xo + job.h * job.w, 0f);
        } else {
            rows.fillPads(p.padLeft(), job.w, wp, 0f);
        }
        for (int oh = 0; oh < job.oh; oh++) {
            int ih0 = oh * p.strideH() - p.padTop();
            int rowCount = Math.max(1, taps(ih0, p.kernelH(), p.dilationH(), job.h, p.padTop(), p.padBottom()));
            if (mode == BACKWARD) {
                backwardRow(rows, job, xo, out, yo + oh * job.ow, ih0, wp, rowCount);
                continue;
            }
            rows.combineRows(false, image, xo, job.h, job.w, ih0, p.kernelH(), p.dilationH(), p.padLeft(), 0f);
            rows.combineTaps(false, p.kernelW(), p.dilationW(), p.strideW(), wp, job.ow,
                    rowCount, out, yo + oh * job.ow, yo + job.oh * job.ow);
        }
    }

    private void backwardRow(PoolRows rows, Job job, int xo, float[] dy, int dyAt, int ih0, int wp, int rowCount) {
        PoolParams p = params;
        rows.clearRow(wp);
        rows.scatterTaps(dy, dyAt, p.kernelW(), p.dilationW(), p.strideW(), job.ow, rowCount);
        for (int k = 0; k < p.kernelH(); k++) {
            int ih = ih0 + k * p.dilationH();
            if (ih >= 0 && ih < job.h) {
                rows.addRowInto(job.image.data(), xo + ih * job.w, p.padLeft(), job.w);
            }
        }
    }
}
