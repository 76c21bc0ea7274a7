package dev.striate.conv;

import dev.striate.runtime.ThreadPool;
import dev.striate.simd.FloatSpecies;
import dev.striate.simd.Interleave;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * Forward convolution of one group with output channels in vector lanes, as ONNX Runtime's NCHWc
 * direct kernels compute it: the image copied pixel-major and zero-padded ({@link PixelMajorLayout}),
 * a register tile of {@value #TILE_PIXELS} output pixels by {@value #BLOCK_VECTORS} vectors of output
 * channels — per step four weight vectors and five input values broadcast feed twenty fused
 * multiply-adds — stepping through the taps {@code (kh, kw)} and, within a tap, the input channels,
 * which lie consecutive in the pixel-major copy; no patch matrix is gathered or packed. The sums land
 * pixel-major, get bias and clamp, and go to y's planes by register transposes. The tile loop alone
 * (a probe outside the engine, one thread) ran SqueezeNet's expand layers and ResNet's 3x3/s2
 * layers at 184–222 GFLOPS of useful work; six pixels by four vectors (24 accumulators) spilled two
 * of them and ran at 123–165 (an earlier session's try), seven pixels by three vectors at 133. A
 * pass over the taps in chunks, adding each chunk's sums to the last (weights per pass kept in L2),
 * ran 2.5× slower on ResNet's 256→512 3x3/s2 layer, and padding the pixel stride off powers of two
 * changed nothing. Where {@code AUTO} picks it: {@code ConvAlgorithm.directBlockedPays}.
 *
 * <p>Per output element: the taps' products summed from zero in {@code (kh, kw, c)} order, then bias
 * and clamp, whichever thread computes it.
 *
 * <p>Thread-safety: one call at a time (its owner pools instances); a call's tasks run on the pool's
 * threads, each copying the input rows its output pixels read (rows two tasks share get the same
 * floats from both), then computing and storing its own output pixels.
 */
final class ChannelBlockedConv implements ThreadPool.ParallelTask, Convolution.ImageKernel {

    private static final VectorSpecies<Float> S = FloatSpecies.PREFERRED;
    private static final int L = FloatSpecies.LANES;
    /** Output pixels per register tile. */
    static final int TILE_PIXELS = 5;
    /** Vectors of output channels per register tile and per block of the packed weights. */
    static final int BLOCK_VECTORS = 4;
    /** Output pixels per task at least, so a task's weight traffic (all of them, from L2) pays. */
    private static final int MIN_TASK_PIXELS = 8 * TILE_PIXELS;

    private final ConvParams p;
    private final int h, w, oh, ow, channels;
    /** Output channels: the row length of {@link #out}. */
    private final int outChannels;
    private final PixelMajorLayout layout;
    /** Offset of tap (kh, kw) from an output pixel's first tap, in (kh, kw) order. */
    private final int[] taps;
    /** The image, pixel-major and zero-padded; the padding is never written. */
    private final float[] in;
    /** Output pixels, pixel-major, {@link #outChannels} floats each: the sums with bias and clamp. */
    private final float[] out;
    /** Bias per output channel, −0 for a layer without. */
    private final float[] biases;

    /* The call in flight, read by its tasks. */
    private float[] x, y, packed;
    private int xOff, yOff, tasks;
    private float min, max;

    /**
     * Whether this kernel computes layer p: one group, output channels in whole blocks of
     * {@value #BLOCK_VECTORS} vectors, on machines whose 32 vector registers hold the tile (AVX-512).
     */
    static boolean applies(ConvParams p) {
        return p.groups() == 1 && p.outChannels() % (BLOCK_VECTORS * L) == 0
                && FloatSpecies.PREFERRED.vectorBitSize() >= 512;
    }

    ChannelBlockedConv(ConvParams p, int h, int w) {
        this.p = p;
        this.h = h;
        this.w = w;
        this.oh = p.outputHeight(h);
        this.ow = p.outputWidth(w);
        this.channels = p.inChannels();
        this.layout = new PixelMajorLayout(p, h, w, channels);
        this.outChannels = p.outChannels();
        this.in = new float[layout.floats()];
        this.out = new float[p.arrayLength("the channel-blocked convolution's output", (long) oh * ow * outChannels)];
        this.biases = new float[outChannels];
        this.taps = new int[p.kernelH() * p.kernelW()];
        for (int kh = 0, k = 0; kh < p.kernelH(); kh++) {
            for (int kw = 0; kw < p.kernelW(); kw++, k++) {
                taps[k] = layout.tap(kh, kw);
            }
        }
    }

    /** Whether this workspace serves inputs of this size (its owner's layer is fixed). */
    boolean fits(int height, int width) {
        return h == height && w == width;
    }

    /** Floats of workspace for layer p on {@code h×w} inputs: the padded pixel-major input and the output pixels. */
    static long floats(ConvParams p, int h, int w) {
        return PixelMajorLayout.floats(p, h, w, p.inChannels()) + (long) p.outputHeight(h) * p.outputWidth(w) * p.outChannels();
    }

    /**
     * The weights {@code [OC][C][KH][KW]} as blocks of {@value #BLOCK_VECTORS} vectors of output
     * channels, each {@code [KH·KW·C][BLOCK_VECTORS·L]} with the steps in (kh, kw, c) order | p as
     * {@link #applies} | into: reused when it has that length.
     */
    static float[] packWeights(ConvParams p, float[] weights, float[] into) {
        int oc = p.outChannels();
        int c = p.inChannels();
        int kernel = p.kernelH() * p.kernelW();
        int kk = p.groupPatchSize();
        int width = BLOCK_VECTORS * L;
        int size = p.arrayLength("the channel-blocked convolution's packed weights", (long) kk * oc);
        float[] packed = into != null && into.length == size ? into : new float[size];
        int at = 0;
        for (int o0 = 0; o0 < oc; o0 += width) {
            for (int t = 0; t < kernel; t++) {
                for (int ci = 0; ci < c; ci++) {
                    for (int o = o0; o < o0 + width; o++, at++) {
                        packed[at] = weights[o * kk + ci * kernel + t];
                    }
                }
            }
        }
        return packed;
    }

    /**
     * y := clamp(conv(x) + bias) for one image | x: {@code C×h×w} at xOff; y: {@code OC×oh×ow} at
     * yOff; packed from {@link #packWeights}; bias null for none | y must not alias x | allocates nothing.
     */
    @Override
    public void forward(float[] x, int xOff, float[] packed, float[] bias, float min, float max, float[] y, int yOff,
                        ThreadPool pool) {
        for (int o = 0; o < outChannels; o++) {
            biases[o] = bias != null ? bias[o] : -0f; // -0 is the exact additive identity
        }
        this.x = x;
        this.xOff = xOff;
        this.packed = packed;
        this.min = min;
        this.max = max;
        this.y = y;
        this.yOff = yOff;
        try {
            int threads = pool.idleParallelism();
            tasks = Math.max(1, Math.min(oh * ow / MIN_TASK_PIXELS, threads));
            pool.parallelFor(tasks, this);
        } finally {
            this.x = this.y = this.packed = null;
        }
    }

    @Override
    public void run(int task) {
        int plane = oh * ow;
        int q0 = (int) ((long) plane * task / tasks);
        int q1 = (int) ((long) plane * (task + 1) / tasks);
        // the input rows this range's windows reach, copied by this task: no other task's copy is
        // read (tasks whose windows share rows write the same floats there)
        int top = q0 / ow * p.strideH() - p.padTop();
        int bottom = (q1 - 1) / ow * p.strideH() - p.padTop() + (p.kernelH() - 1) * p.dilationH() + 1;
        load(Math.max(0, top), Math.min(h, bottom));
        compute(q0, q1);
    }

    /** Output pixels [q0, q1): every block of channels, then bias and clamp, then transposed into y's planes. */
    private void compute(int q0, int q1) {
        int[] pixels = layout.pixels;
        int kk = p.groupPatchSize();
        for (int o0 = 0; o0 < outChannels; o0 += BLOCK_VECTORS * L) {
            for (int q = q0; q < q1; q += TILE_PIXELS) {
                tile(pixels, q, Math.min(TILE_PIXELS, q1 - q), o0 * kk, o0);
            }
        }
        finish(q0, q1);
        Interleave.transpose(out, q0 * outChannels, outChannels, q1 - q0, outChannels, y, yOff + q0, oh * ow);
    }

    /**
     * Pixels first..first+count−1 (count ≤ 5) by channels o0..o0+4L, their weights at wAt: the sums
     * over the taps, within each the input channels, into out. A range's last tile of fewer pixels
     * repeats its last one in the missing rows (the same sums to the same place), so no pixel
     * outside the range is written.
     */
    private void tile(int[] pixels, int first, int count, int wAt, int o0) {
        int q1 = first + Math.min(1, count - 1), q2 = first + Math.min(2, count - 1), q3 = first + Math.min(3, count - 1);
        int q4 = first + count - 1;
        FloatVector c00 = FloatVector.zero(S), c01 = c00, c02 = c00, c03 = c00;
        FloatVector c10 = c00, c11 = c00, c12 = c00, c13 = c00;
        FloatVector c20 = c00, c21 = c00, c22 = c00, c23 = c00;
        FloatVector c30 = c00, c31 = c00, c32 = c00, c33 = c00;
        FloatVector c40 = c00, c41 = c00, c42 = c00, c43 = c00;
        // fields in locals: C2 otherwise re-reads them from the object in every step
        float[] a = in;
        float[] b = packed;
        int[] tapOffsets = taps;
        int c = channels;
        int p0 = pixels[first], p1 = pixels[q1], p2 = pixels[q2], p3 = pixels[q3], p4 = pixels[q4];
        int bi = wAt;
        for (int tap : tapOffsets) {
            for (int ci = tap, end = tap + c; ci < end; ci++, bi += BLOCK_VECTORS * L) {
                FloatVector b0 = FloatVector.fromArray(S, b, bi);
                FloatVector b1 = FloatVector.fromArray(S, b, bi + L);
                FloatVector b2 = FloatVector.fromArray(S, b, bi + 2 * L);
                FloatVector b3 = FloatVector.fromArray(S, b, bi + 3 * L);
                FloatVector a0 = FloatVector.broadcast(S, a[p0 + ci]);
                c00 = b0.fma(a0, c00);
                c01 = b1.fma(a0, c01);
                c02 = b2.fma(a0, c02);
                c03 = b3.fma(a0, c03);
                FloatVector a1 = FloatVector.broadcast(S, a[p1 + ci]);
                c10 = b0.fma(a1, c10);
                c11 = b1.fma(a1, c11);
                c12 = b2.fma(a1, c12);
                c13 = b3.fma(a1, c13);
                FloatVector a2 = FloatVector.broadcast(S, a[p2 + ci]);
                c20 = b0.fma(a2, c20);
                c21 = b1.fma(a2, c21);
                c22 = b2.fma(a2, c22);
                c23 = b3.fma(a2, c23);
                FloatVector a3 = FloatVector.broadcast(S, a[p3 + ci]);
                c30 = b0.fma(a3, c30);
                c31 = b1.fma(a3, c31);
                c32 = b2.fma(a3, c32);
                c33 = b3.fma(a3, c33);
                FloatVector a4 = FloatVector.broadcast(S, a[p4 + ci]);
                c40 = b0.fma(a4, c40);
                c41 = b1.fma(a4, c41);
                c42 = b2.fma(a4, c42);
                c43 = b3.fma(a4, c43);
            }
        }
        // raw sums out, bias and clamp after (finish): a store helper taking the vectors was not
        // inlined (C2's node budget) and boxed them
        float[] o = out;
        int row = outChannels;
        int r0 = first * row + o0, r1 = q1 * row + o0, r2 = q2 * row + o0, r3 = q3 * row + o0, r4 = q4 * row + o0;
        c00.intoArray(o, r0);
        c01.intoArray(o, r0 + L);
        c02.intoArray(o, r0 + 2 * L);
        c03.intoArray(o, r0 + 3 * L);
        c10.intoArray(o, r1);
        c11.intoArray(o, r1 + L);
        c12.intoArray(o, r1 + 2 * L);
        c13.intoArray(o, r1 + 3 * L);
        c20.intoArray(o, r2);
        c21.intoArray(o, r2 + L);
        c22.intoArray(o, r2 + 2 * L);
        c23.intoArray(o, r2 + 3 * L);
        c30.intoArray(o, r3);
        c31.intoArray(o, r3 + L);
        c32.intoArray(o, r3 + 2 * L);
        c33.intoArray(o, r3 + 3 * L);
        c40.intoArray(o, r4);
        c41.intoArray(o, r4 + L);
        c42.intoArray(o, r4 + 2 * L);
        c43.intoArray(o, r4 + 3 * L);
    }

    /** Bias and clamp on the sums of pixels [q0, q1) in out. */
    private void finish(int q0, int q1) {
        for (int at = q0 * outChannels, end = q1 * outChannels; at < end; at += outChannels) {
            for (int o = 0; o < outChannels; o += L) {
                FloatVector.fromArray(S, out, at + o).add(FloatVector.fromArray(S, biases, o)).max(min).min(max)
                        .intoArray(out, at + o);
            }
        }
    }

    /** Image rows [r0, r1) into the padded pixel-major buffer: each row's channels by pixels, transposed. */
    private void load(int r0, int r1) {
        int plane = h * w;
        for (int ih = r0; ih < r1; ih++) {
            Interleave.transpose(x, xOff + ih * w, plane, channels, w, in, layout.input(ih, 0), layout.pixelFloats);
        }
    }
}
