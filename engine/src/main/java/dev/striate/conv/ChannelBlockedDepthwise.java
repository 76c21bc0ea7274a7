package dev.striate.conv;

import dev.striate.simd.FloatSpecies;
import dev.striate.simd.Interleave;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;


/**
 * Depthwise forward and gradients for small planes, a vector's lanes of channels (8 or 16) at a time
 * ({@code groups == inChannels == outChannels}): the channels are transposed into a zero-padded, pixel-major
 * buffer (each pixel one vector of the block's channels), every output pixel is then
 * {@code KH·KW} vector loads and fused multiply-adds whatever the stride, and the outputs are
 * transposed back. {@link Depthwise} vectorizes along a plane's rows instead: on MobileNetV2's 7x7
 * and 14x14 planes its per-row and per-plane costs outweighed the arithmetic (4–7 GFLOPS).
 *
 * <p>Per output element the taps are summed in (kh, kw) order from zero, then bias and clamp: the
 * same float operations as {@link Depthwise#forward}, so either kernel gives the same bits.
 *
 * <p>Thread-safety: holds one thread's buffers; use one instance per concurrent task.
 */
final class ChannelBlockedDepthwise {

    private static final VectorSpecies<Float> S = FloatSpecies.PREFERRED;
    /** Channels per block: the lanes of a vector (8 or 16), so a block's transposes are square. */
    static final int BLOCK = FloatSpecies.LANES;

    private final ConvParams p;
    private final int h, w, oh, ow;
    /** Where pixels lie in the input buffer. */
    private final PixelMajorLayout layout;
    /** Buffer offset of tap t from an output pixel's first tap, in floats. */
    private final int[] taps;
    /** Buffer offset of each output pixel's first tap, in plane order ({@link PixelMajorLayout#pixels}). */
    private final int[] pixels;
    /** Input pixels as vectors of the block's channels, zero-padded; the padding is never written. */
    private final float[] in;
    /** Output pixels as vectors, with one block of slack for the last partial transpose. */
    private final float[] out;
    /** The block's weights, tap by tap, as vectors of its channels. */
    private final float[] weights;
    /** dx of the block accumulated in the padded pixel-major layout; cleared per call, made on first use. */
    private float[] gradients = new float[0];
    /** A partial block of rows on its way in or out. */
    private final float[] scratch = new float[BLOCK * BLOCK];

    /** Whether this kernel serves layer p on this machine. */
    static boolean applies(ConvParams p) {
        return Interleave.SQUARE_TRANSPOSE && p.groups() == p.inChannels() && p.outChannels() == p.inChannels()
                && p.inChannels() >= BLOCK;
    }

    ChannelBlockedDepthwise(ConvParams p, int h, int w) {
        this.p = p;
        this.h = h;
        this.w = w;
        this.oh = p.outputHeight(h);
        this.ow = p.outputWidth(w);
        this.layout = new PixelMajorLayout(p, h, w, BLOCK);
        this.pixels = layout.pixels;
        this.in = new float[layout.floats()];
        // output pixels, or dy's for the weight gradient, with one group of slack for a last partial transpose
        this.out = new float[Math.multiplyExact(oh * ow + BLOCK, BLOCK)];
        this.taps = new int[p.kernelH() * p.kernelW()];
        for (int kh = 0; kh < p.kernelH(); kh++) {
            for (int kw = 0; kw < p.kernelW(); kw++) {
                taps[kh * p.kernelW() + kw] = layout.tap(kh, kw);
            }
        }
        this.weights = new float[taps.length * BLOCK];
    }

    /** Whether this workspace serves inputs of this size (its owner's layer is fixed). */
    boolean fits(int height, int width) {
        return h == height && w == width;
    }

    /** Floats of workspace: the two pixel-major buffers. */
    long floats() {
        return (long) in.length + out.length;
    }

    /**
     * y channels [c0, c0 + 8) := clamp(conv(x) + bias) for one image | x: the image's channels, c0's
     * plane at xOff ({@code h×w} each); y likewise at yOff ({@code oh×ow}); filter c at
     * {@code filters[c·KH·KW]}; bias null for none | y must not alias x | allocates nothing.
     */
    void forward(float[] x, int xOff, float[] filters, int c0, float[] bias, float min, float max,
                 float[] y, int yOff) {
        int kk = taps.length;
        for (int t = 0; t < kk; t++) {
            for (int lane = 0; lane < BLOCK; lane++) {
                weights[t * BLOCK + lane] = filters[(c0 + lane) * kk + t];
            }
        }
        for (int lane = 0; lane < BLOCK; lane++) {
            scratch[lane] = bias == null ? -0f : bias[c0 + lane]; // -0 is the exact additive identity
        }
        FloatVector b = FloatVector.fromArray(S, scratch, 0);
        load(x, xOff);
        int count = pixels.length;
        int q = 0;
        // four output pixels (in plane order, across rows) per pass over the taps: one weight load
        // serves four multiply-adds, and four independent sums hide the multiply-add latency
        for (; q + 3 < count; q += 4) {
            int i0 = pixels[q], i1 = pixels[q + 1], i2 = pixels[q + 2], i3 = pixels[q + 3];
            FloatVector a0 = FloatVector.zero(S), a1 = a0, a2 = a0, a3 = a0;
            for (int t = 0; t < kk; t++) {
                FloatVector wt = FloatVector.fromArray(S, weights, t * BLOCK);
                int tap = taps[t];
                a0 = FloatVector.fromArray(S, in, i0 + tap).fma(wt, a0);
                a1 = FloatVector.fromArray(S, in, i1 + tap).fma(wt, a1);
                a2 = FloatVector.fromArray(S, in, i2 + tap).fma(wt, a2);
                a3 = FloatVector.fromArray(S, in, i3 + tap).fma(wt, a3);
            }
            int o = q * BLOCK;
            a0.add(b).max(min).min(max).intoArray(out, o);
            a1.add(b).max(min).min(max).intoArray(out, o + BLOCK);
            a2.add(b).max(min).min(max).intoArray(out, o + 2 * BLOCK);
            a3.add(b).max(min).min(max).intoArray(out, o + 3 * BLOCK);
        }
        for (; q < count; q++) {
            int i0 = pixels[q];
            FloatVector acc = FloatVector.zero(S);
            for (int t = 0; t < kk; t++) {
                acc = FloatVector.fromArray(S, in, i0 + taps[t]).fma(FloatVector.fromArray(S, weights, t * BLOCK), acc);
            }
            acc.add(b).max(min).min(max).intoArray(out, q * BLOCK);
        }
        store(y, yOff);
    }

    /**
     * dw[c][t] += Σ over this image's output pixels of dy[c][pixel]·x[c][the pixel's tap t], for the
     * block's channels c in [c0, c0 + 8) | x and dy: the image's channels, c0's plane at xOff / dyOff;
     * dw: {@code [C][KH·KW]} at dwOff | allocates nothing. Per tap the pixels are summed in four interleaved
     * partial sums (pixel mod 4), then {@code (s0 + s1) + (s2 + s3)}: a fixed order whatever the
     * thread count.
     */
    void backwardWeights(float[] x, int xOff, float[] dy, int dyOff, float[] dw, int dwOff, int c0) {
        load(x, xOff);
        gather(dy, dyOff);
        int kk = taps.length;
        int count = pixels.length;
        for (int t = 0; t < kk; t++) {
            int tap = taps[t];
            FloatVector s0 = FloatVector.zero(S), s1 = s0, s2 = s0, s3 = s0;
            int q = 0;
            for (; q + 3 < count; q += 4) {
                int o = q * BLOCK;
                s0 = FloatVector.fromArray(S, out, o).fma(FloatVector.fromArray(S, in, pixels[q] + tap), s0);
                s1 = FloatVector.fromArray(S, out, o + BLOCK).fma(FloatVector.fromArray(S, in, pixels[q + 1] + tap), s1);
                s2 = FloatVector.fromArray(S, out, o + 2 * BLOCK).fma(FloatVector.fromArray(S, in, pixels[q + 2] + tap), s2);
                s3 = FloatVector.fromArray(S, out, o + 3 * BLOCK).fma(FloatVector.fromArray(S, in, pixels[q + 3] + tap), s3);
            }
            for (; q < count; q++) {
                s0 = FloatVector.fromArray(S, out, q * BLOCK).fma(FloatVector.fromArray(S, in, pixels[q] + tap), s0);
            }
            s0.add(s1).add(s2.add(s3)).intoArray(scratch, 0);
            for (int lane = 0; lane < BLOCK; lane++) {
                dw[dwOff + (c0 + lane) * kk + t] += scratch[lane];
            }
        }
    }

    /**
     * dx channels [c0, c0 + 8) := dy sent back through the block's filters, for one image | dy: the
     * image's channels, c0's plane at dyOff; dx likewise at dxOff, overwritten | allocates nothing
     * after the first call. Each output pixel's gradient is scattered over its taps (pixels in plane
     * order, taps in (kh, kw) order) in the padded layout, whose interior is then transposed back.
     */
    void backwardData(float[] dy, int dyOff, float[] filters, int c0, float[] dx, int dxOff) {
        if (gradients.length != in.length) {
            gradients = new float[in.length];
        }
        float[] g = gradients;
        java.util.Arrays.fill(g, 0f);
        gather(dy, dyOff);
        int kk = taps.length;
        for (int t = 0; t < kk; t++) {
            for (int lane = 0; lane < BLOCK; lane++) {
                weights[t * BLOCK + lane] = filters[(c0 + lane) * kk + t];
            }
        }
        for (int q = 0, count = pixels.length; q < count; q++) {
            FloatVector d = FloatVector.fromArray(S, out, q * BLOCK);
            int at = pixels[q];
            for (int t = 0; t < kk; t++) {
                int i = at + taps[t];
                d.fma(FloatVector.fromArray(S, weights, t * BLOCK), FloatVector.fromArray(S, g, i)).intoArray(g, i);
            }
        }
        int plane = h * w;
        int ih = 0;
        int iw = 0;
        for (int p0 = 0; p0 < plane; p0 += BLOCK) {
            int count = Math.min(BLOCK, plane - p0);
            // pixel p0 + j's channels into scratch row j, then the block's rows back into planes
            for (int j = 0; j < BLOCK; j++) {
                if (j < count) {
                    FloatVector.fromArray(S, g, layout.input(ih, iw))
                            .intoArray(scratch, j * BLOCK);
                    if (++iw == w) {
                        iw = 0;
                        ih++;
                    }
                }
            }
            if (count == BLOCK) {
                Interleave.transposeSquare(scratch, 0, BLOCK, dx, dxOff + p0, plane);
            } else {
                Interleave.transposeSquare(scratch, 0, BLOCK, scratch, 0, BLOCK);
                for (int lane = 0; lane < BLOCK; lane++) {
                    System.arraycopy(scratch, lane * BLOCK, dx, dxOff + lane * plane + p0, count);
                }
            }
        }
    }

    /** The block's planes of dy ({@code oh×ow}, c0's at dyOff) into the pixel-major output buffer. */
    private void gather(float[] dy, int dyOff) {
        int plane = oh * ow;
        for (int p0 = 0; p0 < plane; p0 += BLOCK) {
            if (p0 + BLOCK <= plane || dyOff + (BLOCK - 1) * plane + p0 + BLOCK <= dy.length) {
                // a last partial group reads on into the next plane: pixels past the plane are never summed
                Interleave.transposeSquare(dy, dyOff + p0, plane, out, p0 * BLOCK, BLOCK);
            } else {
                int count = plane - p0;
                for (int lane = 0; lane < BLOCK; lane++) {
                    System.arraycopy(dy, dyOff + lane * plane + p0, scratch, lane * BLOCK, count);
                }
                Interleave.transposeSquare(scratch, 0, BLOCK, out, p0 * BLOCK, BLOCK);
            }
        }
    }

    /**
     * The block's planes into the padded pixel-major buffer, a block of pixels (in plane order,
     * across rows) at a time; the last partial group through {@link #scratch}.
     */
    private void load(float[] x, int xOff) {
        int plane = h * w;
        int whole = plane - plane % BLOCK;
        int ih = 0;
        int iw = 0;
        for (int p0 = 0; p0 < plane; p0 += BLOCK) {
            int count = Math.min(BLOCK, plane - p0);
            if (p0 < whole || xOff + (BLOCK - 1) * plane + p0 + BLOCK <= x.length) {
                // a last partial group reads on into the next plane: lanes not placed below
                Interleave.transposeSquare(x, xOff + p0, plane, scratch, 0, BLOCK);
            } else {
                for (int lane = 0; lane < BLOCK; lane++) {
                    System.arraycopy(x, xOff + lane * plane + p0, scratch, lane * BLOCK, count);
                }
                Interleave.transposeSquare(scratch, 0, BLOCK, scratch, 0, BLOCK);
            }
            // scratch row j: pixel p0 + j's channels, placed at its padded position
            for (int j = 0; j < count; j++) {
                FloatVector.fromArray(S, scratch, j * BLOCK)
                        .intoArray(in, layout.input(ih, iw));
                if (++iw == w) {
                    iw = 0;
                    ih++;
                }
            }
        }
    }

    /** The output pixels back into the block's planes of y, a block of pixels at a time. */
    private void store(float[] y, int yOff) {
        int plane = oh * ow;
        for (int p0 = 0; p0 < plane; p0 += BLOCK) {
            int count = Math.min(BLOCK, plane - p0);
            if (count == BLOCK) {
                Interleave.transposeSquare(out, p0 * BLOCK, BLOCK, y, yOff + p0, plane);
            } else {
                // the out buffer's slack holds the lanes past the plane: whole vectors, then the part
                Interleave.transposeSquare(out, p0 * BLOCK, BLOCK, scratch, 0, BLOCK);
                for (int lane = 0; lane < BLOCK; lane++) {
                    System.arraycopy(scratch, lane * BLOCK, y, yOff + lane * plane + p0, count);
                }
            }
        }
    }
}
