package dev.striate.conv;

import dev.striate.runtime.ThreadPool;
import dev.striate.simd.Interleave;
import dev.striate.simd.Rows;

/**
 * Weight gradient of a one-group layer on the channel-blocked register tile ({@link ChannelBlockedTile}),
 * output channels in vector lanes: {@code dw[o][c][kh][kw] = Σ over output pixels of dy[o][pixel] ·
 * x[c][pixel's tap (kh, kw)]}, five taps (c, kh, kw) by four vectors of output channels per tile, per
 * output pixel four vectors of dy and five input values broadcast — the forward kernel's diet, the
 * pixels taking the place of its steps. The input channels sit in zero-padded planes split by stride
 * phase ({@link StridedPlane}), so a tap's inputs along an output row are consecutive floats; dy is
 * transposed into blocks of 64 channels, pixel-major. Im2col's path (dY·colᵀ) gathers colᵀ's panels
 * from the image and multiplies with M = 64–128 output channels, a poor GEMM shape.
 *
 * <p>Order of the sums: each gradient element sums its image's output pixels in row-major order,
 * then the images in order. The same bits whatever the thread count.
 *
 * <p>Workspace: the input planes of one image, its dy transposed, the sums ({@code C·KH·KW × OC}),
 * and for a batch the running total (as much again).
 *
 * <p>Thread-safety: one call at a time (its owner pools instances); a call's tasks run on the pool's
 * threads: first each its share of the planes and of dy's blocks, then each its share of the taps.
 */
final class ChannelBlockedWeightGradient extends ChannelBlockedTile implements ThreadPool.ParallelTask {

    private final ConvParams p;
    private final int h, w, oh, ow, channels, outChannels, patch;
    private final StridedPlane plane;
    private final int channelFloats;
    /** Offset of each output row's first tap in a channel's plane. */
    private final int[] rows;
    /** Per tap (c, kh, kw): its first input in the planes; its row of the sums. */
    private final int[] sources, targets;
    /** dy of the image in flight as blocks of 64 output channels, each {@code [pixel][64]}. */
    private final float[] blockedDy;
    /** The sums over the images so far, {@code [C·KH·KW][OC]}; allocated for the first batch. */
    private float[] total;

    /* The call in flight, read by its tasks. */
    private float[] x, dy;
    private int xOff, dyOff, tasks;
    private boolean preparing;

    /** Whether this kernel computes layer p's weight gradient: as {@link ChannelBlockedConv#applies}. */
    static boolean applies(ConvParams p) {
        return ChannelBlockedConv.applies(p);
    }

    ChannelBlockedWeightGradient(ConvParams p, int h, int w) {
        this(p, h, w, shape(p, h, w));
    }

    private ChannelBlockedWeightGradient(ConvParams p, int h, int w, StridedPlane plane) {
        super(p.arrayLength("the channel-blocked weight gradient's planes", (long) p.inChannels() * plane.floats()),
                p.arrayLength("the channel-blocked weight gradient's sums", (long) p.groupPatchSize() * p.outChannels()));
        this.p = p;
        this.h = h;
        this.w = w;
        this.oh = p.outputHeight(h);
        this.ow = p.outputWidth(w);
        this.channels = p.inChannels();
        this.outChannels = p.outChannels();
        this.patch = p.groupPatchSize();
        this.plane = plane;
        this.channelFloats = (int) plane.floats();
        this.blockedDy = new float[p.arrayLength("the channel-blocked weight gradient's dy", (long) outChannels * oh * ow)];
        this.rows = new int[oh];
        for (int r = 0; r < oh; r++) {
            rows[r] = r * p.strideH() * plane.rowStride;
        }
        int[] kernelTaps = DirectConv.tapOffsets(p, plane);
        this.sources = new int[patch];
        this.targets = new int[patch];
        for (int t = 0; t < patch; t++) {
            sources[t] = t / kernelTaps.length * channelFloats + kernelTaps[t % kernelTaps.length];
            targets[t] = t * outChannels;
        }
    }

    /** One channel's plane: the padded rows the output reads, columns split by stride phase. */
    private static StridedPlane shape(ConvParams p, int h, int w) {
        return new StridedPlane(DirectConv.bandInputRows(p, p.outputHeight(h)),
                p.arrayLength("the channel-blocked weight gradient's plane row", columns(p, h, w)), p.strideW(), p.padTop(),
                p.padLeft());
    }

    /** A plane's padded columns: every output's taps, and the image's columns with its pads. */
    private static long columns(ConvParams p, int h, int w) {
        return Math.max((long) p.strideW() * (p.outputWidth(w) - 1) + (long) p.dilationW() * (p.kernelW() - 1) + 1,
                (long) w + p.padLeft() + p.padRight());
    }

    /**
     * Floats of workspace for layer p on {@code h×w} inputs, one image: the planes, dy's blocks and the
     * sums (computed, not built: {@code AUTO}'s rule asks on every call).
     */
    static long floats(ConvParams p, int h, int w) {
        long plane = StridedPlane.floats(DirectConv.bandInputRows(p, p.outputHeight(h)), columns(p, h, w), p.strideW());
        return p.inChannels() * plane + (long) p.outChannels() * p.outputHeight(h) * p.outputWidth(w)
                + (long) p.groupPatchSize() * p.outChannels();
    }

    /** Whether this workspace serves inputs of this size (its owner's layer is fixed). */
    boolean fits(int height, int width) {
        return h == height && w == width;
    }

    /**
     * dw := the weight gradient of {@code images} images | x: {@code images×C×h×w} at xOff; dy:
     * {@code images×OC×oh×ow} at dyOff; dw: {@code OC×C×KH×KW} at dwOff, overwritten | images ≥ 1 |
     * allocates nothing in steady state (a batch's running total once).
     */
    void backwardWeights(float[] x, int xOff, float[] dy, int dyOff, int images, float[] dw, int dwOff, ThreadPool pool) {
        this.dy = dy;
        this.packed = blockedDy;
        this.x = x;
        int imageIn = channels * h * w;
        int imageOut = outChannels * oh * ow;
        int threads = pool.idleParallelism();
        try {
            for (int i = 0; i < images; i++) {
                this.xOff = xOff + i * imageIn;
                this.dyOff = dyOff + i * imageOut;
                preparing = true;
                tasks = Math.max(1, Math.min(threads, Math.max(channels, outChannels / BLOCK)));
                pool.parallelFor(tasks, this);
                preparing = false;
                tasks = Math.max(1, Math.min(threads, (patch + TILE_PIXELS - 1) / TILE_PIXELS));
                pool.parallelFor(tasks, this);
                if (images > 1) {
                    if (i == 0) {
                        if (total == null) {
                            total = new float[out.length];
                        }
                        System.arraycopy(out, 0, total, 0, out.length);
                    } else {
                        Rows.add(total, 0, out, 0, out.length);
                    }
                }
            }
        } finally {
            this.x = this.dy = null;
            this.packed = null;
        }
        Interleave.transpose(images > 1 ? total : out, 0, outChannels, patch, outChannels, dw, dwOff, patch);
    }

    @Override
    public void run(int task) {
        if (preparing) {
            prepare(task);
            return;
        }
        int t0 = (int) ((long) patch * task / tasks);
        int t1 = (int) ((long) patch * (task + 1) / tasks);
        int pixels = oh * ow;
        for (int o0 = 0; o0 < outChannels; o0 += BLOCK) {
            for (int t = t0; t < t1; t += TILE_PIXELS) {
                tile(rows, ow, sources, targets, t, Math.min(TILE_PIXELS, t1 - t), o0 * pixels, o0);
            }
        }
    }

    /** The task's share of the input planes and of dy's blocks of channels. */
    private void prepare(int task) {
        int c0 = (int) ((long) channels * task / tasks), c1 = (int) ((long) channels * (task + 1) / tasks);
        for (int c = c0; c < c1; c++) {
            plane.loadRows(x, xOff + c * h * w, h, w, 0, plane.rows, in, c * channelFloats);
        }
        int blocks = outChannels / BLOCK;
        int b0 = (int) ((long) blocks * task / tasks), b1 = (int) ((long) blocks * (task + 1) / tasks);
        int pixels = oh * ow;
        for (int b = b0; b < b1; b++) {
            Interleave.transpose(dy, dyOff + b * BLOCK * pixels, pixels, BLOCK, pixels, blockedDy, b * BLOCK * pixels, BLOCK);
        }
    }
}
