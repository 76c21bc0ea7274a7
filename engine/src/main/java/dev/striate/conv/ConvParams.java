package dev.striate.conv;

import dev.striate.tensor.Shape;

/**
 * The hyperparameters of a 2-D convolution, as PyTorch's {@code Conv2d} and ONNX's {@code Conv}: the
 * input has {@code inChannels} channels, the weights are {@code [outChannels, inChannels/groups,
 * kernelH, kernelW]}, and output pixel {@code (oh, ow)} reads input row {@code oh·strideH − padTop +
 * kh·dilationH} (likewise columns); padding per side may be asymmetric, as ONNX allows.
 *
 * <p>Everything except the image size is fixed here; {@link #outputHeight}/{@link #outputWidth}
 * apply the ONNX formula {@code floor((H + top + bottom − dilation·(K−1) − 1)/stride) + 1} and reject
 * an input too small to give an output. Arithmetic is in {@code long}: no size can wrap around.
 *
 * <p>Thread-safety: immutable.
 */
public record ConvParams(int inChannels, int outChannels, int kernelH, int kernelW,
                         int strideH, int strideW, int padTop, int padLeft, int padBottom, int padRight,
                         int dilationH, int dilationW, int groups) {

    /** @throws IllegalArgumentException naming the hyperparameter that is out of range */
    public ConvParams {
        positive("inChannels", inChannels);
        positive("outChannels", outChannels);
        positive("kernelH", kernelH);
        positive("kernelW", kernelW);
        positive("strideH", strideH);
        positive("strideW", strideW);
        positive("dilationH", dilationH);
        positive("dilationW", dilationW);
        positive("groups", groups);
        if (padTop < 0 || padLeft < 0 || padBottom < 0 || padRight < 0) {
            throw new IllegalArgumentException("conv: padding must be >= 0, got (top " + padTop + ", left "
                    + padLeft + ", bottom " + padBottom + ", right " + padRight + ")");
        }
        if (inChannels % groups != 0 || outChannels % groups != 0) {
            throw new IllegalArgumentException("conv: groups = " + groups + " must divide inChannels = "
                    + inChannels + " and outChannels = " + outChannels);
        }
        Shape.checkedSize(outChannels, inChannels / groups, kernelH, kernelW);
    }

    /** Stride 1, no padding, no dilation, one group: {@code Conv2d(inChannels, outChannels, kernel)}. */
    public static ConvParams of(int inChannels, int outChannels, int kernelH, int kernelW) {
        return new ConvParams(inChannels, outChannels, kernelH, kernelW, 1, 1, 0, 0, 0, 0, 1, 1, 1);
    }

    /** Square kernel. */
    public static ConvParams of(int inChannels, int outChannels, int kernel) {
        return of(inChannels, outChannels, kernel, kernel);
    }

    public ConvParams stride(int strideH, int strideW) {
        return new ConvParams(inChannels, outChannels, kernelH, kernelW, strideH, strideW,
                padTop, padLeft, padBottom, padRight, dilationH, dilationW, groups);
    }

    public ConvParams stride(int stride) {
        return stride(stride, stride);
    }

    /** Per-side padding in ONNX's order of sides: top, left, bottom, right. */
    public ConvParams padding(int top, int left, int bottom, int right) {
        return new ConvParams(inChannels, outChannels, kernelH, kernelW, strideH, strideW,
                top, left, bottom, right, dilationH, dilationW, groups);
    }

    /** The same padding on all four sides (PyTorch's {@code padding=p}). */
    public ConvParams padding(int padding) {
        return padding(padding, padding, padding, padding);
    }

    public ConvParams dilation(int dilationH, int dilationW) {
        return new ConvParams(inChannels, outChannels, kernelH, kernelW, strideH, strideW,
                padTop, padLeft, padBottom, padRight, dilationH, dilationW, groups);
    }

    public ConvParams dilation(int dilation) {
        return dilation(dilation, dilation);
    }

    public ConvParams groups(int groups) {
        return new ConvParams(inChannels, outChannels, kernelH, kernelW, strideH, strideW,
                padTop, padLeft, padBottom, padRight, dilationH, dilationW, groups);
    }

    /** Input channels per group: the weights' second dimension. */
    public int groupInChannels() {
        return inChannels / groups;
    }

    /** Output channels per group. */
    public int groupOutChannels() {
        return outChannels / groups;
    }

    /** One group's reduction length, {@code inChannels/groups · kernelH · kernelW}: the GEMM's K. */
    public int groupPatchSize() {
        return groupInChannels() * kernelH * kernelW;
    }

    /** {@code floats} as an array length, or an exception naming this layer and the buffer ({@code what}). */
    int arrayLength(String what, long floats) {
        if (floats > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("conv " + this + ": " + what + " needs " + floats
                    + " floats, more than one array holds");
        }
        return (int) floats;
    }

    /** The weight tensor's shape, {@code [outChannels, inChannels/groups, kernelH, kernelW]}. */
    public int[] weightShape() {
        return new int[] {outChannels, groupInChannels(), kernelH, kernelW};
    }

    public int weightSize() {
        return outChannels * groupPatchSize();
    }

    /** Whether every output channel reads exactly one input channel (MobileNet's depthwise layers). */
    public boolean isDepthwise() {
        return groups == inChannels;
    }

    /** Whether the output is a plain channel mix of the input: a 1x1 kernel, stride 1, no padding. */
    public boolean isPointwise() {
        return kernelH == 1 && kernelW == 1 && strideH == 1 && strideW == 1
                && padTop == 0 && padLeft == 0 && padBottom == 0 && padRight == 0;
    }

    /** Stride 1 and dilation 1 both ways: consecutive output pixels read consecutive input pixels at every tap. */
    boolean unitStrideAndDilation() {
        return strideH == 1 && strideW == 1 && dilationH == 1 && dilationW == 1;
    }

    /** @throws IllegalArgumentException if an input of height h gives no output row */
    public int outputHeight(int h) {
        return outputSize("height", h, kernelH, strideH, padTop, padBottom, dilationH);
    }

    /** @throws IllegalArgumentException if an input of width w gives no output column */
    public int outputWidth(int w) {
        return outputSize("width", w, kernelW, strideW, padLeft, padRight, dilationW);
    }

    private int outputSize(String axis, int in, int kernel, int stride, int before, int after, int dilation) {
        return Shape.slidingWindowOutput("conv", this, axis, in, kernel, stride, before, after, dilation, false);
    }

    /**
     * The input shape a batch must have, {@code [batch, inChannels, h, w]}, checked against x.
     *
     * @throws IllegalArgumentException naming this layer, the expected and the actual shape
     */
    void checkInput(Shape x) {
        if (x.rank() != 4 || x.dim(1) != inChannels) {
            throw new IllegalArgumentException("conv " + this + ": input must be [N, " + inChannels
                    + ", H, W], got " + x);
        }
        outputHeight(x.dim(2));
        outputWidth(x.dim(3));
    }

    /** The output shape for input shape x (already {@linkplain #checkInput checked}). */
    Shape outputShape(Shape x) {
        return Shape.of(x.dim(0), outChannels, outputHeight(x.dim(2)), outputWidth(x.dim(3)));
    }

    /** Like {@code ic64oc64k3x3s1x1p1,1,1,1d1x1g1}. */
    @Override
    public String toString() {
        return "ic" + inChannels + "oc" + outChannels + "k" + kernelH + "x" + kernelW + "s" + strideH + "x" + strideW
                + "p" + padTop + "," + padLeft + "," + padBottom + "," + padRight
                + "d" + dilationH + "x" + dilationW + "g" + groups;
    }

    private static void positive(String name, int value) {
        if (value <= 0) {
            throw new IllegalArgumentException("conv: " + name + " must be > 0, got " + value);
        }
    }
}
