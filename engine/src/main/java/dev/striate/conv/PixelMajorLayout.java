package dev.striate.conv;

/**
 * The zero-padded, pixel-major buffer the small-map kernels read ({@link PixelMajorConv},
 * {@link ChannelBlockedDepthwise}): padded pixel (r, c) holds {@code pixelFloats} consecutive floats
 * at {@code (r·paddedWidth + c)·pixelFloats}, large enough for every tap of every output pixel.
 *
 * <p>Thread-safety: immutable.
 */
final class PixelMajorLayout {

    final int paddedHeight, paddedWidth, pixelFloats;
    /** Buffer offset of each output pixel's first tap, in plane order. */
    final int[] pixels;
    private final ConvParams p;
    private final int h, w;

    /** The layout of layer p's {@code h×w} inputs with {@code pixelFloats} floats per pixel. */
    PixelMajorLayout(ConvParams p, int h, int w, int pixelFloats) {
        this.p = p;
        this.h = h;
        this.w = w;
        int oh = p.outputHeight(h);
        int ow = p.outputWidth(w);
        this.paddedHeight = paddedHeight(p, h);
        this.paddedWidth = paddedWidth(p, w);
        this.pixelFloats = pixelFloats;
        this.pixels = new int[oh * ow];
        for (int yo = 0; yo < oh; yo++) {
            for (int xo = 0; xo < ow; xo++) {
                pixels[yo * ow + xo] = (yo * p.strideH() * paddedWidth + xo * p.strideW()) * pixelFloats;
            }
        }
    }

    /** Floats of the buffer. */
    int floats() {
        return Math.multiplyExact(Math.multiplyExact(paddedHeight, paddedWidth), pixelFloats);
    }

    /** Floats of the buffer of layer p's {@code h×w} inputs with {@code pixelFloats} floats per pixel, without building the layout. */
    static long floats(ConvParams p, int h, int w, int pixelFloats) {
        return (long) paddedHeight(p, h) * paddedWidth(p, w) * pixelFloats;
    }

    private static int paddedHeight(ConvParams p, int h) {
        return Math.max(p.padTop() + h + p.padBottom(),
                (p.outputHeight(h) - 1) * p.strideH() + (p.kernelH() - 1) * p.dilationH() + 1);
    }

    private static int paddedWidth(ConvParams p, int w) {
        return Math.max(p.padLeft() + w + p.padRight(),
                (p.outputWidth(w) - 1) * p.strideW() + (p.kernelW() - 1) * p.dilationW() + 1);
    }

    /**
     * Zeroes every float of {@code buffer} outside the input's pixels: the padding, for a buffer
     * whose earlier contents are unknown (lent by an arena) and whose pixels are about to be written.
     */
    void clearPadding(float[] buffer) {
        int row = paddedWidth * pixelFloats;
        int top = p.padTop() * row;
        int bottom = (p.padTop() + h) * row;
        java.util.Arrays.fill(buffer, 0, top, 0f);
        java.util.Arrays.fill(buffer, bottom, floats(), 0f);
        int left = p.padLeft() * pixelFloats;
        int right = (p.padLeft() + w) * pixelFloats;
        for (int at = top; at < bottom; at += row) {
            java.util.Arrays.fill(buffer, at, at + left, 0f);
            java.util.Arrays.fill(buffer, at + right, at + row, 0f);
        }
    }

    /** Offset of tap (kh, kw) from an output pixel's first tap. */
    int tap(int kh, int kw) {
        return (kh * p.dilationH() * paddedWidth + kw * p.dilationW()) * pixelFloats;
    }

    /** Offset of input pixel (ih, iw), past the padding. */
    int input(int ih, int iw) {
        return ((ih + p.padTop()) * paddedWidth + iw + p.padLeft()) * pixelFloats;
    }
}
