package dev.striate.conv;

import dev.striate.runtime.ThreadPool;
import dev.striate.simd.Interleave;

/**
 * dx of a strided one-group layer by stride phases on {@link ChannelBlockedConv}'s register tile,
 * input channels in vector lanes: the dx pixels {@code (sh·Y + a, sw·X + b)} of phase (a, b) take dy
 * only through the taps with {@code (a + padTop − kh·dh) ≡ 0 (mod sh)} (and likewise kw), each at a
 * fixed dy offset, so every phase is a stride-1 convolution of dy with its share of the taps (ResNet's
 * 3x3/s2: 1x1, 1x2, 2x1 and 2x2, the nine taps between them, no multiply on a zero). dy is copied
 * once, pixel-major and zero-padded; each phase's sums land at their own pixels of a pixel-major dx,
 * which square-block transposes then turn into dx's planes. Against Wᵀ·dY and a stride-2 col2im: no
 * patch matrix, no scatter.
 *
 * <p>Per dx element: the products of its phase's taps summed from zero in (kh, kw, o) order, whichever
 * thread computes it.
 *
 * <p>Thread-safety: one call at a time (its owner pools instances); a call's tasks run on the pool's
 * threads, each on a band of phase rows: it copies the dy rows the band reads (rows two tasks share
 * get the same floats from both), computes the band's dx pixels of every phase and transposes its dx
 * rows.
 */
final class ChannelBlockedDataGradient extends ChannelBlockedTile implements ThreadPool.ParallelTask {

    /** dx pixels per task at least, so a task's weight traffic (all of them, from L2) pays. */
    private static final int MIN_TASK_PIXELS = 8 * TILE_PIXELS;

    private final ConvParams p;
    private final int h, w, oh, ow, channels, outChannels;
    /** Phase rows (Y) of phase row a = 0: the most any phase has. */
    private final int phaseRows;
    /** dy's padding and padded width, in pixels. */
    private final int padTop, padLeft, paddedWidth;
    /** Lowest and highest dy row offset of any tap (dy row = Y + offset). */
    private final int minRowOffset, maxRowOffset;
    /** Phase (a, b) at index a·sw + b: its rows, columns, first entry in the pixel tables, tap offsets in the dy copy. */
    private final int[] rowsOf, colsOf, startOf;
    private final int[][] tapsOf;
    /** Offset of each phase's packed weights within a block of channels. */
    private final int[] weightsOf;
    /** Per dx pixel, phase by phase, each row-major: its dy base pixel in the copy, its place in the pixel-major dx. */
    private final int[] sources, targets;

    /* The call in flight, read by its tasks. */
    private float[] dy, dx;
    private int dyOff, dxOff, tasks;

    /**
     * Whether this kernel computes layer p's dx: one group, input channels in whole blocks of four
     * vectors, on machines whose 32 vector registers hold the tile (AVX-512), and every phase of dx
     * reached by a tap.
     */
    static boolean applies(ConvParams p) {
        return p.groups() == 1 && p.inChannels() % BLOCK == 0 && fitsRegisters()
                && reachesEveryPhase(p.strideH(), p.padTop(), p.kernelH(), p.dilationH())
                && reachesEveryPhase(p.strideW(), p.padLeft(), p.kernelW(), p.dilationW());
    }

    /** Whether some tap reaches each phase of a dimension (a 1x1/s2 kernel leaves three of four phases of dx zero). */
    private static boolean reachesEveryPhase(int stride, int pad, int kernel, int dilation) {
        for (int a = 0; a < stride; a++) {
            boolean reached = false;
            for (int k = 0; k < kernel && !reached; k++) {
                reached = phaseOf(k, pad, dilation, stride) == a;
            }
            if (!reached) {
                return false;
            }
        }
        return true;
    }

    /** The phase of dx (rows or columns) tap k reaches: {@code a ≡ k·dilation − pad (mod stride)}. */
    private static int phaseOf(int k, int pad, int dilation, int stride) {
        return Math.floorMod(k * dilation - pad, stride);
    }

    ChannelBlockedDataGradient(ConvParams p, int h, int w) {
        super(p.arrayLength("the channel-blocked dx's copy of dy", dyFloats(p, h, w)),
                p.arrayLength("the channel-blocked dx's pixels", (long) h * w * p.inChannels()));
        this.p = p;
        this.h = h;
        this.w = w;
        this.oh = p.outputHeight(h);
        this.ow = p.outputWidth(w);
        this.channels = p.inChannels();
        this.outChannels = p.outChannels();
        int sh = p.strideH(), sw = p.strideW();
        this.phaseRows = phaseLength(0, h, sh);
        this.minRowOffset = extent(Extent.LOWEST_OFFSET, h, sh, p.padTop(), p.kernelH(), p.dilationH());
        this.maxRowOffset = extent(Extent.HIGHEST_OFFSET, h, sh, p.padTop(), p.kernelH(), p.dilationH());
        this.padTop = Math.max(0, -minRowOffset);
        this.padLeft = Math.max(0, -extent(Extent.LOWEST_OFFSET, w, sw, p.padLeft(), p.kernelW(), p.dilationW()));
        this.paddedWidth = paddedSize(w, ow, sw, p.padLeft(), p.kernelW(), p.dilationW());
        int phases = sh * sw;
        this.rowsOf = new int[phases];
        this.colsOf = new int[phases];
        this.startOf = new int[phases];
        this.tapsOf = new int[phases][];
        this.weightsOf = new int[phases];
        this.sources = new int[h * w];
        this.targets = new int[h * w];
        for (int a = 0, at = 0, weightsAt = 0; a < sh; a++) {
            for (int b = 0; b < sw; b++) {
                int phase = a * sw + b;
                int rows = phaseLength(a, h, sh), cols = phaseLength(b, w, sw);
                rowsOf[phase] = rows;
                colsOf[phase] = cols;
                startOf[phase] = at;
                for (int y = 0; y < rows; y++) {
                    for (int x = 0; x < cols; x++, at++) {
                        sources[at] = ((y + padTop) * paddedWidth + x + padLeft) * outChannels;
                        targets[at] = ((y * sh + a) * w + x * sw + b) * channels;
                    }
                }
                int[] khs = phaseTaps(a, p.padTop(), p.kernelH(), p.dilationH(), sh);
                int[] kws = phaseTaps(b, p.padLeft(), p.kernelW(), p.dilationW(), sw);
                int[] taps = new int[khs.length * kws.length];
                for (int i = 0, t = 0; i < khs.length; i++) {
                    for (int j = 0; j < kws.length; j++, t++) {
                        int dr = offset(a, p.padTop(), khs[i], p.dilationH(), sh);
                        int dc = offset(b, p.padLeft(), kws[j], p.dilationW(), sw);
                        taps[t] = (dr * paddedWidth + dc) * outChannels;
                    }
                }
                tapsOf[phase] = taps;
                weightsOf[phase] = weightsAt;
                weightsAt += taps.length * outChannels * BLOCK;
            }
        }
    }

    /** What {@link #extent} finds over a dimension's taps. */
    private enum Extent { LOWEST_OFFSET, HIGHEST_OFFSET, LAST_READ }

    /**
     * Over the taps k of one dimension (rows or columns: dx's size, stride, pad before, kernel,
     * dilation): the lowest or highest dy offset of a tap, or the last dy row or column any phase
     * pixel reads.
     */
    private static int extent(Extent what, int size, int stride, int pad, int kernel, int dilation) {
        int found = what == Extent.LOWEST_OFFSET ? Integer.MAX_VALUE : Integer.MIN_VALUE;
        for (int k = 0; k < kernel; k++) {
            int a = phaseOf(k, pad, dilation, stride);
            int d = offset(a, pad, k, dilation, stride);
            found = switch (what) {
                case LOWEST_OFFSET -> Math.min(found, d);
                case HIGHEST_OFFSET -> Math.max(found, d);
                case LAST_READ -> Math.max(found, phaseLength(a, size, stride) - 1 + d);
            };
        }
        return found;
    }

    /** dy's padded size in one dimension: room for every tap of every dx pixel, zero outside dy's {@code out} rows or columns. */
    private static int paddedSize(int size, int out, int stride, int pad, int kernel, int dilation) {
        int before = Math.max(0, -extent(Extent.LOWEST_OFFSET, size, stride, pad, kernel, dilation));
        return before + Math.max(out, extent(Extent.LAST_READ, size, stride, pad, kernel, dilation) + 1);
    }

    /** Floats of workspace for layer p's dx on {@code h×w} inputs: the padded copy of dy and dx's pixels. */
    static long floats(ConvParams p, int h, int w) {
        return dyFloats(p, h, w) + (long) h * w * p.inChannels();
    }

    private static long dyFloats(ConvParams p, int h, int w) {
        return (long) paddedSize(h, p.outputHeight(h), p.strideH(), p.padTop(), p.kernelH(), p.dilationH())
                * paddedSize(w, p.outputWidth(w), p.strideW(), p.padLeft(), p.kernelW(), p.dilationW()) * p.outChannels();
    }

    /** Pixels {@code ≡ a (mod stride)} among {@code size}. */
    private static int phaseLength(int a, int size, int stride) {
        return a < size ? (size - a + stride - 1) / stride : 0;
    }

    /** dy's offset (rows or columns) of tap k for the pixels of phase a: {@code (a + pad − k·dilation) / stride}, exact. */
    private static int offset(int a, int pad, int k, int dilation, int stride) {
        return (a + pad - k * dilation) / stride;
    }

    /** The taps k (ascending) that reach the pixels of phase a. */
    private static int[] phaseTaps(int a, int pad, int kernel, int dilation, int stride) {
        return java.util.stream.IntStream.range(0, kernel).filter(k -> phaseOf(k, pad, dilation, stride) == a).toArray();
    }

    /** Whether this workspace serves inputs of this size (its owner's layer is fixed). */
    boolean fits(int height, int width) {
        return h == height && w == width;
    }

    /**
     * The weights {@code [OC][C][KH][KW]} as blocks of four vectors of input channels, each holding
     * the phases in order, a phase's taps (kh, kw) in order, a tap's {@code OC} rows of the block's
     * channels | p as {@link #applies} | into: reused when it has that length.
     */
    static float[] packWeights(ConvParams p, float[] weights, float[] into) {
        int oc = p.outChannels();
        int c = p.inChannels();
        int kw = p.kernelW();
        int kernel = p.kernelH() * kw;
        int size = p.arrayLength("the channel-blocked dx's packed weights", (long) c * oc * kernel);
        float[] packed = into != null && into.length == size ? into : new float[size];
        int at = 0;
        for (int c0 = 0; c0 < c; c0 += BLOCK) {
            for (int a = 0; a < p.strideH(); a++) {
                for (int b = 0; b < p.strideW(); b++) {
                    for (int kh : phaseTaps(a, p.padTop(), p.kernelH(), p.dilationH(), p.strideH())) {
                        for (int kx : phaseTaps(b, p.padLeft(), kw, p.dilationW(), p.strideW())) {
                            for (int o = 0; o < oc; o++) {
                                for (int ci = c0; ci < c0 + BLOCK; ci++, at++) {
                                    packed[at] = weights[(o * c + ci) * kernel + kh * kw + kx];
                                }
                            }
                        }
                    }
                }
            }
        }
        return packed;
    }

    /**
     * dx := the input gradient of one image | dy: {@code OC×oh×ow} at dyOff; dx: {@code C×h×w} at
     * dxOff, overwritten; packed from {@link #packWeights} | dx must not alias dy | allocates nothing.
     */
    void backwardData(float[] dy, int dyOff, float[] packed, float[] dx, int dxOff, ThreadPool pool) {
        this.dy = dy;
        this.dyOff = dyOff;
        this.packed = packed;
        this.dx = dx;
        this.dxOff = dxOff;
        try {
            tasks = Math.max(1, Math.min(Math.min(phaseRows, h * w / MIN_TASK_PIXELS), pool.idleParallelism()));
            pool.parallelFor(tasks, this);
        } finally {
            this.dy = this.dx = null;
            this.packed = null;
        }
    }

    @Override
    public void run(int task) {
        int y0 = (int) ((long) phaseRows * task / tasks);
        int y1 = (int) ((long) phaseRows * (task + 1) / tasks);
        load(Math.max(0, y0 + minRowOffset), Math.min(oh, y1 - 1 + maxRowOffset + 1));
        int kernel = p.kernelH() * p.kernelW();
        for (int c0 = 0; c0 < channels; c0 += BLOCK) {
            int block = c0 * outChannels * kernel;
            for (int phase = 0; phase < tapsOf.length; phase++) {
                int cols = colsOf[phase];
                int q0 = startOf[phase] + Math.min(y0, rowsOf[phase]) * cols;
                int q1 = startOf[phase] + Math.min(y1, rowsOf[phase]) * cols;
                for (int q = q0; q < q1; q += TILE_PIXELS) {
                    tile(tapsOf[phase], outChannels, sources, targets, q, Math.min(TILE_PIXELS, q1 - q), block + weightsOf[phase], c0);
                }
            }
        }
        int r0 = Math.min(h, y0 * p.strideH());
        int r1 = Math.min(h, y1 * p.strideH());
        if (r1 > r0) {
            Interleave.transpose(out, r0 * w * channels, channels, (r1 - r0) * w, channels, dx, dxOff + r0 * w, h * w);
        }
    }

    /** dy rows [r0, r1) into the padded pixel-major copy: each row's channels by pixels, transposed. */
    private void load(int r0, int r1) {
        for (int r = r0; r < r1; r++) {
            Interleave.transpose(dy, dyOff + r * ow, oh * ow, outChannels, ow, in,
                    ((r + padTop) * paddedWidth + padLeft) * outChannels, outChannels);
        }
    }
}
