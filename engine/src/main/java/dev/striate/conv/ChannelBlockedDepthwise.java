package dev.striate.conv;

import dev.striate.simd.Clamp;
import dev.striate.simd.FloatSpecies;
import dev.striate.simd.Interleave;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;


/**
 * Depthwise forward and gradients for small planes, a vector's lanes of channels (8 or 16) at a time
 * ({@code groups == inChannels == outChannels}): the channels are transposed into a zero-padded, pixel-major
 * buffer (each pixel one vector of the block's channels), every output pixel is then
 * {@code KH·KW} vector loads and fused multiply-adds whatever the stride (a 3x3 kernel at unit
 * stride shares its loads along output rows, {@link #forwardRows}), and the outputs are
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
    /** Whether the forward pass runs {@link #forwardRows}: a 3x3 kernel at unit stride and dilation. */
    private final boolean rowSegments;
    /** Output pixels per run of {@link #forwardRows}. */
    private static final int SEGMENT = 7;
    /**
     * Pixels of a row's last 16x16 transpose from which {@link #load} transposes row by row
     * ({@link #loadRows}): measured a gain at 14 and 28 wide, a loss at 7 (seven transposes for
     * four groups).
     */
    private static final int ROW_TRANSPOSE_MIN_WIDTH = 12;
    /** The block's biases, −0 for a layer without (the exact additive identity). */
    private final float[] biases = new float[BLOCK];
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
        this.in = new float[layout.floats() + BLOCK * BLOCK]; // slack for a last row's transpose (loadRows)
        // output pixels, or dy's for the weight gradient, with one group of slack for a last partial transpose
        this.out = new float[Math.multiplyExact(oh * ow + BLOCK, BLOCK)];
        this.taps = new int[p.kernelH() * p.kernelW()];
        for (int kh = 0; kh < p.kernelH(); kh++) {
            for (int kw = 0; kw < p.kernelW(); kw++) {
                taps[kh * p.kernelW() + kw] = layout.tap(kh, kw);
            }
        }
        this.weights = new float[taps.length * BLOCK];
        this.rowSegments = p.kernelH() == 3 && p.kernelW() == 3 && p.unitStrideAndDilation();
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
            biases[lane] = bias == null ? -0f : bias[c0 + lane]; // -0 is the exact additive identity
        }
        FloatVector b = FloatVector.fromArray(S, biases, 0);
        load(x, xOff);
        if (rowSegments) {
            forwardRows(min, max);
            store(y, yOff);
            return;
        }
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
            forwardPixel(q, min, max);
        }
        store(y, yOff);
    }

    /** Output pixel q alone: its taps in order from zero, then bias and clamp. */
    private void forwardPixel(int q, float min, float max) {
        FloatVector b = FloatVector.fromArray(S, biases, 0);
        int i0 = pixels[q];
        FloatVector acc = FloatVector.zero(S);
        for (int t = 0; t < taps.length; t++) {
            acc = FloatVector.fromArray(S, in, i0 + taps[t]).fma(FloatVector.fromArray(S, weights, t * BLOCK), acc);
        }
        acc.add(b).max(min).min(max).intoArray(out, q * BLOCK);
    }

    /**
     * The forward pass of a 3x3 kernel at unit stride and dilation, output row by output row in runs
     * of {@value #SEGMENT} pixels: per kernel row, the run's nine input pixels are loaded once and
     * each feeds the three outputs whose windows hold it — 21 multiply-adds for 9 loads, where a pass
     * over the taps per pixel loads for each of them (and spent 20 of the 43 µs of 384 channels at
     * 14x14 there, 6 at the FMA peak). A pixel still gets its taps in (kh, kw) order from zero, then
     * bias and clamp: the same bits (the clamp as {@link Clamp}'s compare and blend, Math's bits).
     * The rest of a row (its width mod 7) goes pixel by pixel. Forward, one thread, alternated with
     * the pass over the taps: 384 channels at 14x14 34.4–35.5 µs against 42.8, 576 at 14x14 53–56
     * against 63–66, 960 at 7x7 30.1–33.6 against 35.4 (FloatVector.max/min for the clamp: 39.7–41.4,
     * 58.5, 33.1).
     */
    private void forwardRows(float min, float max) {
        FloatVector b = FloatVector.fromArray(S, biases, 0);
        float[] in = this.in;
        float[] out = this.out;
        int row = taps[3] - taps[0]; // one padded input row, in floats
        float lo = Clamp.lowerThreshold(min);
        float hi = Clamp.upperThreshold(max);
        for (int r = 0; r < oh; r++) {
            int c = 0;
            for (; c + SEGMENT <= ow; c += SEGMENT) {
                int q = r * ow + c;
                FloatVector a0 = FloatVector.zero(S), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0;
                for (int kh = 0, at = pixels[q] + taps[0]; kh < 3; kh++, at += row) {
                    FloatVector left = FloatVector.fromArray(S, weights, 3 * kh * BLOCK);
                    FloatVector middle = FloatVector.fromArray(S, weights, (3 * kh + 1) * BLOCK);
                    FloatVector right = FloatVector.fromArray(S, weights, (3 * kh + 2) * BLOCK);
                    FloatVector v = FloatVector.fromArray(S, in, at);
                    a0 = v.fma(left, a0);
                    v = FloatVector.fromArray(S, in, at + BLOCK);
                    a1 = v.fma(left, a1);
                    a0 = v.fma(middle, a0);
                    v = FloatVector.fromArray(S, in, at + 2 * BLOCK);
                    a2 = v.fma(left, a2);
                    a1 = v.fma(middle, a1);
                    a0 = v.fma(right, a0);
                    v = FloatVector.fromArray(S, in, at + 3 * BLOCK);
                    a3 = v.fma(left, a3);
                    a2 = v.fma(middle, a2);
                    a1 = v.fma(right, a1);
                    v = FloatVector.fromArray(S, in, at + 4 * BLOCK);
                    a4 = v.fma(left, a4);
                    a3 = v.fma(middle, a3);
                    a2 = v.fma(right, a2);
                    v = FloatVector.fromArray(S, in, at + 5 * BLOCK);
                    a5 = v.fma(left, a5);
                    a4 = v.fma(middle, a4);
                    a3 = v.fma(right, a3);
                    v = FloatVector.fromArray(S, in, at + 6 * BLOCK);
                    a6 = v.fma(left, a6);
                    a5 = v.fma(middle, a5);
                    a4 = v.fma(right, a4);
                    v = FloatVector.fromArray(S, in, at + 7 * BLOCK);
                    a6 = v.fma(middle, a6);
                    a5 = v.fma(right, a5);
                    v = FloatVector.fromArray(S, in, at + 8 * BLOCK);
                    a6 = v.fma(right, a6);
                }
                // bias, clamp and store written out: a helper taking the vector was not inlined (C2's
                // node budget) and boxed it, 90 µs against 35 on 384 channels at 14x14
                int o = q * BLOCK;
                a0 = a0.add(b);
                a0 = a0.blend(min, a0.compare(VectorOperators.LE, lo));
                a0.blend(max, a0.compare(VectorOperators.GE, hi)).intoArray(out, o);
                a1 = a1.add(b);
                a1 = a1.blend(min, a1.compare(VectorOperators.LE, lo));
                a1.blend(max, a1.compare(VectorOperators.GE, hi)).intoArray(out, o + BLOCK);
                a2 = a2.add(b);
                a2 = a2.blend(min, a2.compare(VectorOperators.LE, lo));
                a2.blend(max, a2.compare(VectorOperators.GE, hi)).intoArray(out, o + 2 * BLOCK);
                a3 = a3.add(b);
                a3 = a3.blend(min, a3.compare(VectorOperators.LE, lo));
                a3.blend(max, a3.compare(VectorOperators.GE, hi)).intoArray(out, o + 3 * BLOCK);
                a4 = a4.add(b);
                a4 = a4.blend(min, a4.compare(VectorOperators.LE, lo));
                a4.blend(max, a4.compare(VectorOperators.GE, hi)).intoArray(out, o + 4 * BLOCK);
                a5 = a5.add(b);
                a5 = a5.blend(min, a5.compare(VectorOperators.LE, lo));
                a5.blend(max, a5.compare(VectorOperators.GE, hi)).intoArray(out, o + 5 * BLOCK);
                a6 = a6.add(b);
                a6 = a6.blend(min, a6.compare(VectorOperators.LE, lo));
                a6.blend(max, a6.compare(VectorOperators.GE, hi)).intoArray(out, o + 6 * BLOCK);
            }
            for (; c < ow; c++) {
                forwardPixel(r * ow + c, min, max);
            }
        }
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
        int lastChunk = (w - 1) / BLOCK * BLOCK; // the column of a row's last transpose in loadRows
        if (w - lastChunk >= ROW_TRANSPOSE_MIN_WIDTH && xOff + (BLOCK - 1) * plane + (h - 1) * w + lastChunk + BLOCK <= x.length) {
            loadRows(x, xOff);
            return;
        }
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

    /**
     * The image's rows into the padded buffer by 16x16 transposes along each row: a transpose's 16
     * pixels land in consecutive slots, so a row's last one writes past its last pixel into the
     * padding and the next row's first slots — which the next row's transposes then overwrite — so
     * rows go top to bottom and the padding they reached is cleared after. Against the groups of 16
     * consecutive pixels of {@link #load}, each copied from a scratch block to its padded place
     * (forward, one thread, alternated): 384 channels at 14x14 31.7–32.5 µs against 33.4–34.9, 576 at
     * 14x14 with stride 2 31.9–32.7 against 35.6–36.9, 192 at 28x28 with stride 2 34.7–35.8 against
     * 39.2–44.3; at 7x7 (960 channels), seven transposes for four groups, 32.4–33.2 against
     * 29.7–30.8, hence {@link #ROW_TRANSPOSE_MIN_WIDTH}.
     */
    private void loadRows(float[] x, int xOff) {
        int plane = h * w;
        int lastChunk = (w - 1) / BLOCK * BLOCK;
        for (int ih = 0; ih < h; ih++) {
            for (int iw = 0; iw <= lastChunk; iw += BLOCK) {
                Interleave.transposeSquare(x, xOff + ih * w + iw, plane, in, layout.input(ih, iw), BLOCK);
            }
        }
        FloatVector zero = FloatVector.zero(S);
        int left = p.padLeft();
        for (int ih = 0; ih < h; ih++) {
            for (int at = layout.input(ih, w), end = layout.input(ih, w) + p.padRight() * BLOCK; at < end; at += BLOCK) {
                zero.intoArray(in, at);
            }
            for (int at = layout.input(ih, -left), end = layout.input(ih, 0); at < end; at += BLOCK) {
                zero.intoArray(in, at);
            }
        }
        // the last row's overflow into the rows of bottom padding (or the buffer's slack past them)
        for (int at = layout.input(h, -left), end = Math.min(in.length, layout.input(h - 1, lastChunk) + BLOCK * BLOCK); at < end; at += BLOCK) {
            zero.intoArray(in, at);
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
