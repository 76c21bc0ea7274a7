package dev.striate.conv;

import dev.striate.runtime.FloatArena;
import dev.striate.runtime.ThreadPool;
import dev.striate.simd.Clamp;
import dev.striate.simd.Interleave;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;

/**
 * Forward convolution of one group with output channels in vector lanes, as ONNX Runtime's NCHWc
 * direct kernels compute it: the image copied pixel-major and zero-padded ({@link PixelMajorLayout}),
 * a register tile ({@link ChannelBlockedTile}) of {@value #TILE_PIXELS} output pixels by {@value #BLOCK_VECTORS} vectors of output
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
 * floats from both), then computing and storing its own output pixels — on a map with fewer ranges
 * of pixels than threads, its share of the blocks of output channels for them.
 */
final class ChannelBlockedConv extends ChannelBlockedTile implements ThreadPool.ParallelTask, Convolution.ImageKernel {

    /** Output pixels per task at least, so a task's weight traffic (all of them, from L2) pays. */
    private static final int MIN_TASK_PIXELS = 8 * TILE_PIXELS;

    private final ConvParams p;
    private final int h, w, oh, ow, channels;
    /** Output channels: the row length of {@link #out}. */
    private final int outChannels;
    private final PixelMajorLayout layout;
    /** Offset of tap (kh, kw) from an output pixel's first tap, in (kh, kw) order. */
    private final int[] taps;
    /** Each output pixel's place in the sums ({@link #out}, pixel-major, {@link #outChannels} floats each). */
    private final int[] targets;
    /** Bias per output channel, −0 for a layer without. */
    private final float[] biases;
    /** Lengths of {@link #in} and {@link #out}, lent by the pool's arena for each call. */
    private final int inFloats, outFloats;

    /* The call in flight, read by its tasks. */
    private float[] x, y;
    private int xOff, yOff, tasks;
    /** Tasks per range of output pixels, each a share of the blocks of output channels. */
    private int blockGroups;
    /** Whether the tasks in flight copy a share of the input rows (a first pass, when several share the ranges' rows). */
    private boolean loading;
    private float min, max;

    /**
     * Whether this kernel computes layer p: one group, output channels in whole blocks of
     * {@value #BLOCK_VECTORS} vectors, on machines whose 32 vector registers hold the tile (AVX-512).
     */
    static boolean applies(ConvParams p) {
        return p.groups() == 1 && p.outChannels() % BLOCK == 0 && fitsRegisters();
    }

    ChannelBlockedConv(ConvParams p, int h, int w) {
        this.inFloats = p.arrayLength("the channel-blocked convolution's input", PixelMajorLayout.floats(p, h, w, p.inChannels()));
        this.outFloats = p.arrayLength("the channel-blocked convolution's output",
                (long) p.outputHeight(h) * p.outputWidth(w) * p.outChannels());
        this.p = p;
        this.h = h;
        this.w = w;
        this.oh = p.outputHeight(h);
        this.ow = p.outputWidth(w);
        this.channels = p.inChannels();
        this.layout = new PixelMajorLayout(p, h, w, channels);
        this.outChannels = p.outChannels();
        this.targets = new int[oh * ow];
        for (int q = 0; q < targets.length; q++) {
            targets[q] = q * outChannels;
        }
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
        int width = BLOCK;
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
        // the copy and the sums from the arena every layer on the pool shares: kept per layer,
        // SqueezeNet's eight expands touched 3.7 MB of them every run
        FloatArena arena = pool.arena();
        in = arena.take(inFloats);
        out = arena.take(outFloats);
        layout.clearPadding(in);
        try {
            int threads = pool.idleParallelism();
            int ranges = Math.max(1, Math.min(oh * ow / MIN_TASK_PIXELS, threads));
            // a map too small for a range per thread splits its blocks of channels too
            blockGroups = Math.max(1, Math.min(outChannels / BLOCK, threads / ranges));
            tasks = ranges * blockGroups;
            // tasks sharing a range copy its rows in a pass of their own, each a share: all writing
            // the same rows while the others read them ran 2.2x slower than one thread (256->512/s2
            // to 7x7, two threads)
            loading = blockGroups > 1;
            if (loading) {
                pool.parallelFor(tasks, this);
                loading = false;
            }
            pool.parallelFor(tasks, this);
        } finally {
            arena.give(out);
            arena.give(in);
            this.x = this.y = null;
            this.packed = null;
            in = out = null;
        }
    }

    @Override
    public void run(int task) {
        if (loading) {
            load((int) ((long) h * task / tasks), (int) ((long) h * (task + 1) / tasks));
            return;
        }
        int plane = oh * ow;
        int ranges = tasks / blockGroups;
        int range = task / blockGroups, group = task % blockGroups;
        int q0 = (int) ((long) plane * range / ranges);
        int q1 = (int) ((long) plane * (range + 1) / ranges);
        int blocks = outChannels / BLOCK;
        int o0 = blocks * group / blockGroups * BLOCK;
        int o1 = blocks * (group + 1) / blockGroups * BLOCK;
        // the input rows this range's windows reach, copied by this task: no other task's copy is
        // read (tasks whose windows share rows write the same floats there)
        int top = q0 / ow * p.strideH() - p.padTop();
        int bottom = (q1 - 1) / ow * p.strideH() - p.padTop() + (p.kernelH() - 1) * p.dilationH() + 1;
        if (blockGroups == 1) {
            load(Math.max(0, top), Math.min(h, bottom));
        }
        compute(q0, q1, o0, o1);
    }

    /** Output pixels [q0, q1) by channels [o0, o1): the tiles, then bias and clamp, then transposed into y's planes. */
    private void compute(int q0, int q1, int o0, int o1) {
        int kk = p.groupPatchSize();
        for (int o = o0; o < o1; o += BLOCK) {
            for (int q = q0; q < q1; q += TILE_PIXELS) {
                tile(taps, channels, layout.pixels, targets, q, Math.min(TILE_PIXELS, q1 - q), o * kk, o);
            }
        }
        finish(q0, q1, o0, o1);
        Interleave.transpose(out, q0 * outChannels + o0, outChannels, q1 - q0, o1 - o0, y, yOff + o0 * oh * ow + q0,
                oh * ow);
    }

    /** Bias and clamp on the sums of pixels [q0, q1), channels [o0, o1), in out. */
    private void finish(int q0, int q1, int o0, int o1) {
        // Clamp's compare and blend per side, Math's bits: FloatVector.max and min (six instructions
        // each on AVX-512) made this pass 6% of SqueezeNet's 16->64 expand
        float lo = Clamp.lowerThreshold(min);
        float hi = Clamp.upperThreshold(max);
        for (int at = q0 * outChannels, end = q1 * outChannels; at < end; at += outChannels) {
            for (int o = o0; o < o1; o += L) {
                FloatVector v = FloatVector.fromArray(S, out, at + o).add(FloatVector.fromArray(S, biases, o));
                v = v.blend(min, v.compare(VectorOperators.LE, lo));
                v.blend(max, v.compare(VectorOperators.GE, hi)).intoArray(out, at + o);
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
