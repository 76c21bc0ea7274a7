package dev.striate.conv;

import dev.striate.simd.FloatSpecies;
import dev.striate.simd.Rows;

/**
 * Lowering between one image's channels and the patch matrix a convolution GEMM multiplies.
 *
 * <p>Layout: for channels {@code c ∈ [0, channels)} of one image ({@code h×w}, row-major, from
 * {@code xOff}), the column matrix has {@code channels·KH·KW} rows and {@code OH·OW} columns,
 * {@code col[(c·KH + kh)·KW + kw][oh·OW + ow] = x[c][oh·sh − top + kh·dh][ow·sw − left + kw·dw]}, 0
 * where that falls in the padding. Row order matches the weights' {@code [C/g][KH][KW]} order, so
 * the forward pass is {@code W_g · col}.
 *
 * <p>Each output row is split into the column range whose taps land inside the image (copied, with
 * {@code System.arraycopy} at stride 1) and the two padding ends (zero-filled), so no element is
 * bounds-tested.
 *
 * <p>Thread-safety: stateless; callers own the arrays.
 */
final class Im2col {

    private Im2col() {
    }

    /**
     * col rows of channels [c0, c1) := their patches | x: channels {@code ×h×w} at xOff (channel c at
     * {@code xOff + c·h·w}); col: {@code channels·KH·KW × OH·OW} | no aliasing
     * | allocates nothing.
     */
    static void im2col(ConvParams p, float[] x, int xOff, int c0, int c1, int h, int w,
                       int oh, int ow, float[] col) {
        int plane = oh * ow;
        int row = c0 * p.kernelH() * p.kernelW();
        for (int c = c0; c < c1; c++) {
            int channel = xOff + c * h * w;
            for (int kh = 0; kh < p.kernelH(); kh++) {
                for (int kw = 0; kw < p.kernelW(); kw++, row++) {
                    int colShift = kw * p.dilationW() - p.padLeft();
                    int lo = Math.min(ow, firstInside(colShift, p.strideW()));
                    int hi = Math.max(lo, lastInsideExclusive(colShift, p.strideW(), w, ow));
                    for (int y = 0; y < oh; y++) {
                        int dst = row * plane + y * ow;
                        int ih = y * p.strideH() - p.padTop() + kh * p.dilationH();
                        if (ih < 0 || ih >= h) {
                            java.util.Arrays.fill(col, dst, dst + ow, 0f);
                            continue;
                        }
                        // Guarded fills: on rows of a few floats (LeNet's 10) the calls cost more than the copy.
                        if (lo > 0) {
                            java.util.Arrays.fill(col, dst, dst + lo, 0f);
                        }
                        int src = channel + ih * w + colShift;
                        if (p.strideW() == 1 && hi > lo) {
                            // guarded: with no column inside, src + lo may point past the array
                            System.arraycopy(x, src + lo, col, dst + lo, hi - lo);
                        } else if (p.strideW() != 1) {
                            for (int xo = lo; xo < hi; xo++) {
                                col[dst + xo] = x[src + xo * p.strideW()];
                            }
                        }
                        if (hi < ow) {
                            java.util.Arrays.fill(col, dst + hi, dst + ow, 0f);
                        }
                    }
                }
            }
        }
    }

    /**
     * {@link #im2col} for a column stride above 1: each channel's rows that the outputs read
     * are first copied into {@code plane} (zero-padded left and right, columns split by stride phase,
     * see {@link StridedPlane}), where the input columns of consecutive outputs are consecutive, so
     * every row of col is a few {@code System.arraycopy} calls instead of one strided load per element.
     */
    static void im2colStrided(ConvParams p, StridedPlane plane, float[] x, int xOff, int c0, int c1,
                              int h, int w, int oh, int ow, float[] col) {
        int planeSize = oh * ow;
        int row = c0 * p.kernelH() * p.kernelW();
        int endRow = Math.min(h, (oh - 1) * p.strideH() - p.padTop() + (p.kernelH() - 1) * p.dilationH() + 1);
        for (int c = c0; c < c1; c++) {
            float[] pl = plane.load(x, xOff + c * h * w, h, w, 0, Math.max(0, endRow));
            for (int kh = 0; kh < p.kernelH(); kh++) {
                for (int kw = 0; kw < p.kernelW(); kw++, row++) {
                    int column = plane.offset(0, kw * p.dilationW());
                    for (int y = 0; y < oh; y++) {
                        int dst = row * planeSize + y * ow;
                        int ih = y * p.strideH() - p.padTop() + kh * p.dilationH();
                        if (ih < 0 || ih >= h) {
                            java.util.Arrays.fill(col, dst, dst + ow, 0f);
                        } else {
                            System.arraycopy(pl, ih * plane.rowStride + column, col, dst, ow);
                        }
                    }
                }
            }
        }
    }

    /** The plane {@link #im2colStrided} needs for {@code h×w} inputs of layer p: every image row, padded columns. */
    static StridedPlane planeFor(ConvParams p, int h, int w, int ow) {
        int columns = Math.max(p.padLeft() + w + p.padRight(), (ow - 1) * p.strideW() + (p.kernelW() - 1) * p.dilationW() + 1);
        return new StridedPlane(h, columns, p.strideW(), 0, p.padLeft());
    }

    /**
     * x channels [c0, c1) += their patches in col scattered back (the adjoint of {@link #im2col}) |
     * layout as im2col | no aliasing | allocates nothing.
     */
    static void col2imAdd(ConvParams p, float[] col, int c0, int c1, int h, int w, int oh, int ow,
                          float[] x, int xOff) {
        int plane = oh * ow;
        int row = c0 * p.kernelH() * p.kernelW();
        for (int c = c0; c < c1; c++) {
            int channel = xOff + c * h * w;
            for (int kh = 0; kh < p.kernelH(); kh++) {
                for (int kw = 0; kw < p.kernelW(); kw++, row++) {
                    int colShift = kw * p.dilationW() - p.padLeft();
                    int lo = firstInside(colShift, p.strideW());
                    int hi = lastInsideExclusive(colShift, p.strideW(), w, ow);
                    for (int y = 0; y < oh; y++) {
                        int ih = y * p.strideH() - p.padTop() + kh * p.dilationH();
                        if (ih < 0 || ih >= h) {
                            continue;
                        }
                        int src = row * plane + y * ow;
                        int dst = channel + ih * w + colShift;
                        if (p.strideW() == 1) {
                            // a vector add: the scalar loop below, its stride a variable, is not
                            // vectorized (LeNet-5's 6→16 layer: 0.88x the dx time with this)
                            Rows.add(x, dst + lo, col, src + lo, hi - lo);
                        } else {
                            for (int xo = lo; xo < hi; xo++) {
                                x[dst + xo * p.strideW()] += col[src + xo];
                            }
                        }
                    }
                }
            }
        }
    }

    /**
     * Whether {@link #col2imStrided} scatters layer p's dx with {@code ow}-wide output rows: at a
     * column stride above 1, taps that overlap (a kernel wider than the stride) and rows of at least
     * a vector. Time against the element-by-element scatter (one thread, whole dx): 0.69 on ResNet's
     * 7x7/s2 conv1, 0.83 on AlexNet's 11x11/s4 conv1, 0.89 on 64→128 3x3/s2 to 28x28; 1.05 on 256→512
     * 1x1/s2 (the plane's other phase all zeros) and 1.06 on 256→512 3x3/s2 to 7x7 (7-float row adds).
     */
    static boolean scattersByPlane(ConvParams p, int ow) {
        return p.strideW() > 1 && p.kernelW() * p.dilationW() > p.strideW() && ow >= FloatSpecies.LANES;
    }

    /**
     * {@link #col2imAdd} by a {@link StridedPlane} ({@link #scattersByPlane}), channels [c0, c1) of x
     * overwritten (they hold only their own patches' sums): each channel's patch rows are added into
     * the plane, where the input columns of consecutive outputs are consecutive, as whole vector row
     * adds — the same additions in the same order as col2imAdd's — then the plane is un-split into x.
     */
    static void col2imStrided(ConvParams p, StridedPlane plane, float[] col, int c0, int c1, int h, int w, int oh,
                              int ow, float[] x, int xOff) {
        int planeSize = oh * ow;
        int row = c0 * p.kernelH() * p.kernelW();
        for (int c = c0; c < c1; c++) {
            float[] pl = plane.buffer();
            java.util.Arrays.fill(pl, 0, (int) plane.floats(), 0f);
            for (int kh = 0; kh < p.kernelH(); kh++) {
                for (int kw = 0; kw < p.kernelW(); kw++, row++) {
                    int column = plane.offset(0, kw * p.dilationW());
                    for (int y = 0; y < oh; y++) {
                        int ih = y * p.strideH() - p.padTop() + kh * p.dilationH();
                        if (ih >= 0 && ih < h) {
                            Rows.add(pl, ih * plane.rowStride + column, col, row * planeSize + y * ow, ow);
                        }
                    }
                }
            }
            plane.store(x, xOff + c * h * w, h, w);
        }
    }

    /** The first output column whose input column {@code ow·stride + shift} is {@code >= 0}. */
    static int firstInside(int shift, int stride) {
        return shift >= 0 ? 0 : (-shift + stride - 1) / stride;
    }

    /** One past the last output column (of {@code ow}) whose input column is {@code < w}. */
    static int lastInsideExclusive(int shift, int stride, int w, int ow) {
        int limit = w - shift; // need xo·stride < limit
        if (limit <= 0) {
            return 0;
        }
        return Math.min(ow, (limit - 1) / stride + 1);
    }
}
