package dev.striate.conv;

import dev.striate.simd.FloatSpecies;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * Forward convolution of small images without a patch matrix (one group): the image is copied
 * pixel-major ({@code [H][W][C]}, zero-padded), and each output pixel's patch is read in place
 * through a table of tap offsets, {@code (c, kh, kw)} in the weights' order — im2col's product with
 * the lowering folded into the loads. Four output pixels by two vectors of output channels per
 * register tile: per tap two weight vectors and four broadcast input values feed eight fused
 * multiply-adds. On LeNet-5's 6→16 5x5 layer the im2col path spent as long lowering and packing
 * its 150 × 100 patch matrix as multiplying it.
 *
 * <p>Per output element: the taps' products summed from zero in {@code (c, kh, kw)} order, then
 * bias and clamp, whichever thread computes it.
 *
 * <p>Thread-safety: holds one thread's buffers; use one instance per concurrent task.
 */
final class PixelMajorConv {

    private static final VectorSpecies<Float> S = FloatSpecies.PREFERRED;
    private static final int L = FloatSpecies.LANES;

    private final ConvParams p;
    private final int h, w, oh, ow;
    private final int channels;
    /** Where pixels lie in the input buffer. */
    private final PixelMajorLayout layout;
    /** Output channels rounded up to whole vectors: the row length of the weights and of out. */
    private final int lanes;
    /** Input offset of tap k = (c, kh, kw) from an output pixel's first tap. */
    private final int[] taps;
    /** Input offset of each output pixel's first tap, in plane order. */
    private final int[] pixels;
    /** The image, pixel-major and zero-padded; the padding is never written. */
    private final float[] in;
    /** Output pixels, pixel-major, {@link #lanes} floats each. */
    private final float[] out;
    /** Bias per output channel, −0 past them. */
    private final float[] biases;
    /** One register tile's sums, four rows of two vectors ({@link #accumulate}). */
    private final float[] sums = new float[8 * L];

    /** Whether this kernel serves layer p: one group. */
    static boolean applies(ConvParams p) {
        return p.groups() == 1;
    }

    PixelMajorConv(ConvParams p, int h, int w) {
        this.p = p;
        this.h = h;
        this.w = w;
        this.oh = p.outputHeight(h);
        this.ow = p.outputWidth(w);
        this.channels = p.inChannels();
        this.layout = new PixelMajorLayout(p, h, w, channels);
        this.pixels = layout.pixels;
        this.lanes = (p.outChannels() + L - 1) / L * L;
        this.in = new float[layout.floats()];
        this.out = new float[Math.multiplyExact(oh * ow, lanes)];
        this.biases = new float[lanes];
        this.taps = new int[channels * p.kernelH() * p.kernelW()];
        for (int c = 0, k = 0; c < channels; c++) {
            for (int kh = 0; kh < p.kernelH(); kh++) {
                for (int kw = 0; kw < p.kernelW(); kw++, k++) {
                    taps[k] = layout.tap(kh, kw) + c;
                }
            }
        }
    }

    /** Whether this workspace serves inputs of this size (its owner's layer is fixed). */
    boolean fits(int height, int width) {
        return h == height && w == width;
    }

    /** Floats of workspace: the pixel-major input and output. */
    long floats() {
        return (long) in.length + out.length;
    }

    /** {@link #floats()} of the instance for layer p's {@code h×w} inputs, computed without building it. */
    static long floats(ConvParams p, int h, int w) {
        long lanes = (p.outChannels() + L - 1) / L * L;
        return PixelMajorLayout.floats(p, h, w, p.inChannels()) + (long) p.outputHeight(h) * p.outputWidth(w) * lanes;
    }

    /**
     * The weights {@code [OC][C][KH][KW]} as {@code [C·KH·KW][lanes]}: tap k's row holds every output
     * channel's weight, zero past them | into: reused when it has that length.
     */
    static float[] packWeights(ConvParams p, float[] weights, float[] into) {
        int oc = p.outChannels();
        int kk = p.groupPatchSize();
        int lanes = (oc + L - 1) / L * L;
        float[] packed = into != null && into.length == kk * lanes ? into : new float[Math.multiplyExact(kk, lanes)];
        for (int k = 0; k < kk; k++) {
            for (int o = 0; o < lanes; o++) {
                packed[k * lanes + o] = o < oc ? weights[o * kk + k] : 0f;
            }
        }
        return packed;
    }

    /**
     * y := clamp(conv(x) + bias) for one image | x: {@code C×h×w} at xOff; y: {@code OC×oh×ow} at
     * yOff; packed from {@link #packWeights}; bias null for none | y must not alias x | allocates nothing.
     */
    void forward(float[] x, int xOff, float[] packed, float[] bias, float min, float max, float[] y, int yOff) {
        load(x, xOff);
        int oc = p.outChannels();
        for (int o = 0; o < lanes; o++) {
            biases[o] = bias != null && o < oc ? bias[o] : -0f; // -0 is the exact additive identity
        }
        int count = pixels.length;
        for (int ob = 0; ob < lanes; ob += 2 * L) {
            boolean two = ob + L < lanes; // an odd last vector of channels runs alone
            int q = 0;
            for (; q + 3 < count; q += 4) {
                tile4x2(q, ob, two, packed, min, max);
            }
            for (; q < count; q++) {
                tile1x2(q, ob, two, packed, min, max);
            }
        }
        int plane = oh * ow;
        for (int o = 0; o < oc; o++) {
            for (int q = 0, at = yOff + o * plane; q < plane; q++) {
                y[at + q] = out[q * lanes + o];
            }
        }
    }

    /** Output pixels q..q+3, channels ob..ob+2L: summed over the taps by {@link #accumulate}, then bias and clamp. */
    private void tile4x2(int q, int ob, boolean two, float[] packed, float min, float max) {
        if (two) {
            accumulate(packed, ob, taps, pixels[q], pixels[q + 1], pixels[q + 2], pixels[q + 3]);
        } else {
            accumulate1(packed, ob, taps, pixels[q], pixels[q + 1], pixels[q + 2], pixels[q + 3]);
        }
        FloatVector bias0 = FloatVector.fromArray(S, biases, ob);
        for (int j = 0; j < 4; j++) {
            int at = (q + j) * lanes + ob;
            FloatVector.fromArray(S, sums, 2 * j * L).add(bias0).max(min).min(max).intoArray(out, at);
            if (two) {
                FloatVector.fromArray(S, sums, (2 * j + 1) * L).add(FloatVector.fromArray(S, biases, ob + L))
                        .max(min).min(max).intoArray(out, at + L);
            }
        }
    }

    /** {@link #accumulate} for one vector of output channels (the odd last one): four accumulators. */
    private void accumulate1(float[] b, int ob, int[] offsets, int i0, int i1, int i2, int i3) {
        FloatVector c0 = FloatVector.zero(S), c1 = c0, c2 = c0, c3 = c0;
        for (int k = 0, steps = offsets.length; k < steps; k++) {
            int off = offsets[k];
            FloatVector b0 = FloatVector.fromArray(S, b, k * lanes + ob);
            c0 = b0.fma(FloatVector.broadcast(S, in[i0 + off]), c0);
            c1 = b0.fma(FloatVector.broadcast(S, in[i1 + off]), c1);
            c2 = b0.fma(FloatVector.broadcast(S, in[i2 + off]), c2);
            c3 = b0.fma(FloatVector.broadcast(S, in[i3 + off]), c3);
        }
        c0.intoArray(sums, 0);
        c1.intoArray(sums, 2 * L);
        c2.intoArray(sums, 4 * L);
        c3.intoArray(sums, 6 * L);
    }

    /**
     * The register tile both passes share: for r = 0..3, {@link #sums} row pair r := Σ over steps s
     * (in order) of {@code b[s·lanes + ob, +2L) · in[base_r + offsets[s]]} — the forward pass steps
     * over taps (base: output pixels), the weight gradient over output pixels (base: taps, b: dy).
     * Eight accumulators, two vectors of b and four broadcasts per step.
     */
    private void accumulate(float[] b, int ob, int[] offsets, int i0, int i1, int i2, int i3) {
        FloatVector c00 = FloatVector.zero(S), c01 = c00, c10 = c00, c11 = c00;
        FloatVector c20 = c00, c21 = c00, c30 = c00, c31 = c00;
        // fields in locals and the row stepped, not multiplied: C2 otherwise re-read lanes from the
        // object and multiplied in every step (LeNet-5's 6->16 forward 0.88x the time with this)
        float[] in = this.in;
        int stride = lanes;
        for (int k = 0, steps = offsets.length, row = ob; k < steps; k++, row += stride) {
            int off = offsets[k];
            FloatVector b0 = FloatVector.fromArray(S, b, row);
            FloatVector b1 = FloatVector.fromArray(S, b, row + L);
            FloatVector a0 = FloatVector.broadcast(S, in[i0 + off]);
            c00 = b0.fma(a0, c00);
            c01 = b1.fma(a0, c01);
            FloatVector a1 = FloatVector.broadcast(S, in[i1 + off]);
            c10 = b0.fma(a1, c10);
            c11 = b1.fma(a1, c11);
            FloatVector a2 = FloatVector.broadcast(S, in[i2 + off]);
            c20 = b0.fma(a2, c20);
            c21 = b1.fma(a2, c21);
            FloatVector a3 = FloatVector.broadcast(S, in[i3 + off]);
            c30 = b0.fma(a3, c30);
            c31 = b1.fma(a3, c31);
        }
        c00.intoArray(sums, 0);
        c01.intoArray(sums, L);
        c10.intoArray(sums, 2 * L);
        c11.intoArray(sums, 3 * L);
        c20.intoArray(sums, 4 * L);
        c21.intoArray(sums, 5 * L);
        c30.intoArray(sums, 6 * L);
        c31.intoArray(sums, 7 * L);
    }

    /** One output pixel, channels ob..ob+2L. */
    private void tile1x2(int q, int ob, boolean two, float[] packed, float min, float max) {
        int i0 = pixels[q];
        int second = two ? L : 0; // one vector: the second sum repeats the first, unused
        FloatVector c00 = FloatVector.zero(S), c01 = c00;
        for (int k = 0, kk = taps.length; k < kk; k++) {
            int row = k * lanes + ob;
            FloatVector a0 = FloatVector.broadcast(S, in[i0 + taps[k]]);
            c00 = FloatVector.fromArray(S, packed, row).fma(a0, c00);
            c01 = FloatVector.fromArray(S, packed, row + second).fma(a0, c01);
        }
        int at = q * lanes + ob;
        c00.add(FloatVector.fromArray(S, biases, ob)).max(min).min(max).intoArray(out, at);
        if (two) {
            c01.add(FloatVector.fromArray(S, biases, ob + L)).max(min).min(max).intoArray(out, at + L);
        }
    }

    /**
     * dw := beta·dw + the weight gradient of one image (beta 0 or 1), {@code dw[oc][k] = Σ over output
     * pixels (in plane order) of dy[oc][pixel]·x[the pixel's tap k]} | x: {@code C×h×w} at xOff; dy:
     * {@code OC×oh×ow} at dyOff; dw: {@code [OC][C·KH·KW]} at dwOff | allocates nothing. Four taps by
     * two vectors of output channels per register tile; dy is transposed into {@link #out} first.
     */
    void backwardWeights(float[] x, int xOff, float[] dy, int dyOff, float beta, float[] dw, int dwOff) {
        load(x, xOff);
        int oc = p.outChannels();
        int plane = oh * ow;
        for (int o = 0; o < lanes; o++) {
            for (int q = 0, at = dyOff + o * plane; q < plane; q++) {
                out[q * lanes + o] = o < oc ? dy[at + q] : 0f;
            }
        }
        int kk = taps.length;
        for (int ob = 0; ob < lanes; ob += 2 * L) {
            boolean two = ob + L < lanes;
            int k = 0;
            for (; k + 3 < kk; k += 4) {
                gradientTile(k, 4, ob, two, beta, dw, dwOff);
            }
            if (k < kk) {
                gradientTile(k, kk - k, ob, two, beta, dw, dwOff);
            }
        }
    }

    /**
     * Taps k..k+n−1 (n ≤ 4; missing taps repeat the last, their sums unused) by output channels
     * ob..ob+2L: {@code dw[oc][k + r] := beta·dw[oc][k + r] + Σ over pixels}.
     */
    private void gradientTile(int k, int n, int ob, boolean two, float beta, float[] dw, int dwOff) {
        int t0 = taps[k], t1 = taps[k + Math.min(1, n - 1)], t2 = taps[k + Math.min(2, n - 1)], t3 = taps[k + n - 1];
        if (two) {
            accumulate(out, ob, pixels, t0, t1, t2, t3);
        } else {
            accumulate1(out, ob, pixels, t0, t1, t2, t3);
        }
        int kk = taps.length;
        for (int r = 0; r < n; r++) {
            for (int o = ob, end = Math.min(p.outChannels(), ob + (two ? 2 : 1) * L); o < end; o++) {
                int at = dwOff + o * kk + k + r;
                float sum = sums[2 * r * L + o - ob];
                dw[at] = beta == 0f ? sum : dw[at] + sum;
            }
        }
    }

    /** The image into the padded pixel-major buffer. */
    private void load(float[] x, int xOff) {
        for (int c = 0; c < channels; c++) {
            for (int ih = 0; ih < h; ih++) {
                int src = xOff + (c * h + ih) * w;
                int dst = layout.input(ih, 0) + c;
                for (int iw = 0; iw < w; iw++) {
                    in[dst + iw * channels] = x[src + iw];
                }
            }
        }
    }
}
