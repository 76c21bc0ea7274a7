package dev.striate.pool;

import dev.striate.tensor.Shape;

/**
 * The hyperparameters of 2-D max or average pooling, as PyTorch's {@code MaxPool2d}/{@code AvgPool2d}
 * and ONNX's {@code MaxPool}/{@code AveragePool}: output pixel {@code (oh, ow)} covers input rows
 * {@code oh·strideH − padTop + kh·dilationH} for {@code kh < kernelH} (likewise columns); padding per
 * side, asymmetric as ONNX allows.
 *
 * <p>Output size (PyTorch's {@code pooling_output_shape}, which ONNX's later opsets adopt):
 * {@code floor_or_ceil((H + top + bottom − dilation·(K−1) − 1) / stride) + 1}, rounding up in
 * {@code ceilMode}, where a last window that would start in the bottom (right) padding is dropped.
 * Each pad must be smaller than the dilated kernel (ONNX Runtime's rule: a window never lies wholly
 * in one side's padding). Arithmetic is in {@code long}.
 *
 * <p>Thread-safety: immutable.
 */
public record PoolParams(int kernelH, int kernelW, int strideH, int strideW,
                         int padTop, int padLeft, int padBottom, int padRight,
                         int dilationH, int dilationW, boolean ceilMode) {

    /** @throws IllegalArgumentException naming the hyperparameter that is out of range */
    public PoolParams {
        positive("kernelH", kernelH);
        positive("kernelW", kernelW);
        positive("strideH", strideH);
        positive("strideW", strideW);
        positive("dilationH", dilationH);
        positive("dilationW", dilationW);
        if (padTop < 0 || padLeft < 0 || padBottom < 0 || padRight < 0) {
            throw new IllegalArgumentException("pool: padding must be >= 0, got (top " + padTop + ", left "
                    + padLeft + ", bottom " + padBottom + ", right " + padRight + ")");
        }
        long spanH = (long) dilationH * (kernelH - 1) + 1;
        long spanW = (long) dilationW * (kernelW - 1) + 1;
        if (spanH > Integer.MAX_VALUE || spanW > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("pool: dilated kernel " + spanH + "x" + spanW + " exceeds " + Integer.MAX_VALUE);
        }
        if (Math.max(padTop, padBottom) >= spanH || Math.max(padLeft, padRight) >= spanW) {
            throw new IllegalArgumentException("pool: each pad must be smaller than the dilated kernel ("
                    + spanH + "x" + spanW + "), got (top " + padTop + ", left " + padLeft + ", bottom "
                    + padBottom + ", right " + padRight + ")");
        }
    }

    /** {@code kernel × kernel}, stride = kernel (PyTorch's default), no padding. */
    public static PoolParams of(int kernel) {
        return of(kernel, kernel);
    }

    /** {@code kernel × kernel} with the given stride, no padding. */
    public static PoolParams of(int kernel, int stride) {
        return new PoolParams(kernel, kernel, stride, stride, 0, 0, 0, 0, 1, 1, false);
    }

    public static PoolParams of(int kernelH, int kernelW, int strideH, int strideW) {
        return new PoolParams(kernelH, kernelW, strideH, strideW, 0, 0, 0, 0, 1, 1, false);
    }

    /** Per-side padding in ONNX's order of sides: top, left, bottom, right. */
    public PoolParams padding(int top, int left, int bottom, int right) {
        return new PoolParams(kernelH, kernelW, strideH, strideW, top, left, bottom, right, dilationH, dilationW, ceilMode);
    }

    /** The same padding on all four sides (PyTorch's {@code padding=p}). */
    public PoolParams padding(int padding) {
        return padding(padding, padding, padding, padding);
    }

    public PoolParams dilation(int dilationH, int dilationW) {
        return new PoolParams(kernelH, kernelW, strideH, strideW, padTop, padLeft, padBottom, padRight, dilationH, dilationW, ceilMode);
    }

    public PoolParams dilation(int dilation) {
        return dilation(dilation, dilation);
    }

    public PoolParams ceilMode(boolean ceil) {
        return new PoolParams(kernelH, kernelW, strideH, strideW, padTop, padLeft, padBottom, padRight, dilationH, dilationW, ceil);
    }

    /** Output height for input height h. @throws IllegalArgumentException if the output would be empty */
    public int outputHeight(int h) {
        return outputSize("height", h, kernelH, strideH, padTop, padBottom, dilationH);
    }

    /** Output width for input width w. @throws IllegalArgumentException if the output would be empty */
    public int outputWidth(int w) {
        return outputSize("width", w, kernelW, strideW, padLeft, padRight, dilationW);
    }

    private int outputSize(String axis, int in, int kernel, int stride, int before, int after, int dilation) {
        return Shape.slidingWindowOutput("pool", this, axis, in, kernel, stride, before, after, dilation, ceilMode);
    }

    /** Like {@code k3x3s2x2p1,1,1,1d1x1} with a trailing {@code ceil} in ceil mode. */
    @Override
    public String toString() {
        return "k" + kernelH + "x" + kernelW + "s" + strideH + "x" + strideW
                + "p" + padTop + "," + padLeft + "," + padBottom + "," + padRight
                + "d" + dilationH + "x" + dilationW + (ceilMode ? "ceil" : "");
    }

    private static void positive(String name, int value) {
        if (value <= 0) {
            throw new IllegalArgumentException("pool: " + name + " must be > 0, got " + value);
        }
    }
}
