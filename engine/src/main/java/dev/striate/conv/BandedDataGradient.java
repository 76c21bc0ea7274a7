package dev.striate.conv;

import dev.striate.gemm.Epilogue;
import dev.striate.gemm.PackedOperand;
import dev.striate.gemm.Sgemm;
import dev.striate.gemm.Transpose;
import dev.striate.runtime.ThreadPool;
import dev.striate.runtime.WorkspacePool;
import dev.striate.simd.FloatSpecies;
import dev.striate.simd.Rows;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * dx of one image and group of a strided im2col layer, in bands of output rows: each band is one
 * pool task that multiplies its rows of {@code Wᵀ·dy} into a patch block that fits L2 and at once
 * scatters that block into the band's own input rows (a {@link StridedPlane}-layout plane per band
 * and channel); a second pass sums, for every input row, the planes of the bands that reach it, in
 * band order, into dx. The whole patch matrix of {@link Im2col#col2imStrided} (7.4 MB for ResNet's
 * 7x7/s2 first layer) never goes through memory, and no task waits for another between its product
 * and its scatter. The bands depend on the shape only, so the bits do not depend on the threads.
 *
 * <p>A DIRECT layer (few input channels, {@link #direct}) skips the product's block: a register
 * tile of {@value #TAP_BLOCK} taps by three vectors of output pixels sums its taps' contributions
 * over the output channels — three dy vectors and eight broadcast weights per twenty-four fused
 * multiply-adds, {@link DirectConv}'s tile with taps for output channels — and adds each sum
 * from its register straight into the band's plane. The tile's taps have distinct (channel,
 * kernel row) pairs, so a pixel vector's eight adds never half overlap one another. Adding from the
 * registers rather than through a sums array (stored, then loaded back to add): 0.88 of dx's time
 * on ResNet's 7x7/s2 first layer on two threads (median of 87 one-second windows in 29 JVMs
 * alternated with the old build's), 0.96 on one; and no JVM (of 64) where dx took 1.3–1.5× its
 * usual time, as 10 of 64 did before — likely the sums array's placement, which the collector
 * sets per run, defeating store-to-load forwarding of the reloads.
 *
 * <p>Thread-safety: a workspace for one call at a time ({@link #run}); its tasks run on the pool.
 */
final class BandedDataGradient implements ThreadPool.ParallelTask {

    private static final VectorSpecies<Float> S = FloatSpecies.PREFERRED;
    private static final int L = FloatSpecies.LANES;
    /** Taps per direct register tile. */
    static final int TAP_BLOCK = 8;

    /**
     * Floats of one band's patch block at most: 1 MB, half of L2, beside the band's planes. Time of the
     * whole scatter / banded (same-process A/B medians, one thread): ResNet's 7x7/s2 first layer 1.30
     * at 256 KB blocks, 1.26 at 512 KB, 1.37 at 1 MB; AlexNet's 11x11/s4 conv1 0.97, 0.94, 1.11.
     */
    static final int BAND_FLOATS = 1 << 18;
    /**
     * Bands at least (where the output has the rows), so that up to 16 threads have one each: the
     * count cannot follow the threads, whose number must not change the bits. AlexNet's conv1 (55
     * rows) in 5 bands of 11 left one of two threads with three: whole/banded time on two threads
     * 0.85–1.09 (five runs); in 14 bands of 4, 1.03–1.37 (two), and 0.96–1.09 on one thread.
     */
    static final int MIN_BANDS = 16;
    /**
     * Patch matrices at most this large (2 MB, L2) scatter whole ({@link Im2col#col2imStrided}): the
     * product stays in cache for col2im, and bands would re-read the weights from L2 once per band.
     * Whole/banded time, one thread: 0.83–0.86 on 64→128 3x3/s2 to 28x28 (1.8 MB), 0.97–0.99 on
     * SqueezeNet's 3→64 3x3/s2 (1.3 MB).
     */
    static final long WHOLE_MAX_FLOATS = 1 << 19;

    private final ConvParams p;
    private final int h, w, oh, ow;
    /** Output rows per band, bands, and padded input rows of one band's plane. */
    private final int bandRows, bands, planeRows;
    /** Column layout of every band plane (rows are band-local). */
    private final StridedPlane layout;
    private final int planeFloats, blockFloats;
    /** [bands][groupInChannels][planeRows][rowStride]. */
    private final float[] planes;
    private final WorkspacePool<float[]> blocks = new WorkspacePool<>();
    private final WorkspacePool<TileScratch> tileScratch = new WorkspacePool<>();

    /** Whether bands are computed by the direct tile ({@link #directBand}) rather than a GEMM and a scatter. */
    private final boolean direct;
    /** Direct mode: vectors of output pixels per output row; each direct tile's taps' offsets in a band's planes. */
    private final int rowVectors;
    private final int[] tileTaps;
    /** Direct mode: each output channel's offset in dy (a plane apart), and in a band's padded copy of it. */
    private final int[] dyChannels, blockChannels;
    /** Direct mode: where band pixel vector u (output row u / rowVectors, vector u % rowVectors) adds its first tap, from the band's planes. */
    private final int[] unitOffsets;

    private Sgemm gemm;
    private PackedOperand weights;
    private float[] packedWeights;
    private float[] dy, dx;
    private int dyAt, dxAt, parts;
    private boolean summing;

    /**
     * Whether layer p's dx with {@code ow}-wide output rows runs in bands: it scatters by plane
     * ({@link Im2col#scattersByPlane}) and its patch matrix outgrows {@link #WHOLE_MAX_FLOATS}.
     */
    static boolean applies(ConvParams p, int oh, int ow) {
        return Im2col.scattersByPlane(p, ow) && (long) p.groupPatchSize() * oh * ow > WHOLE_MAX_FLOATS;
    }

    /**
     * Whether layer p's dx takes the direct tile: one group; eight taps or more per kernel column
     * ({@code C·KH ≥ 8}), so that a tile's taps never share a plane row; and a kernel of 49 taps at
     * most — on AlexNet's 11x11/s4 first layer (96 channels) the tile took 1.06–1.08× the GEMM
     * path's time, on the 7x7 and 3x3 layers 0.52–0.94× (see {@code Convolution}'s directDataGradient).
     */
    static boolean directApplies(ConvParams p) {
        return p.groups() == 1 && p.inChannels() * p.kernelH() >= TAP_BLOCK && p.kernelH() * p.kernelW() <= 49;
    }

    /**
     * The weights {@code [OC][C][KH][KW]} for the direct tile: tiles of {@value #TAP_BLOCK} taps in
     * (kw, c, kh) order, each {@code [OC][TAP_BLOCK]} (an output channel's eight weights together),
     * zero past the last tap | into: reused when it has that length.
     */
    static float[] packDirectWeights(ConvParams p, float[] weights, float[] into) {
        int oc = p.outChannels();
        int taps = p.groupPatchSize();
        int tiles = (taps + TAP_BLOCK - 1) / TAP_BLOCK;
        int size = p.arrayLength("dx's direct weights", (long) tiles * oc * TAP_BLOCK);
        float[] packed = into != null && into.length == size ? into : new float[size];
        for (int t = 0, at = 0; t < tiles; t++) {
            for (int o = 0; o < oc; o++) {
                for (int r = 0; r < TAP_BLOCK; r++, at++) {
                    int k = t * TAP_BLOCK + r;
                    packed[at] = k < taps ? weights[o * taps + weightTap(p, k)] : 0f;
                }
            }
        }
        return packed;
    }

    /** Tap k of the (kw, c, kh) order as its index in the weights' (c, kh, kw) order. */
    private static int weightTap(ConvParams p, int k) {
        int column = p.inChannels() * p.kernelH();
        int kw = k / column;
        int c = k % column / p.kernelH();
        int kh = k % p.kernelH();
        return (c * p.kernelH() + kh) * p.kernelW() + kw;
    }

    BandedDataGradient(ConvParams p, int h, int w, boolean direct) {
        this.p = p;
        this.h = h;
        this.w = w;
        this.oh = p.outputHeight(h);
        this.ow = p.outputWidth(w);
        // as few bands as keep a block within BAND_FLOATS (and MIN_BANDS), rows as even as the count allows
        long rowFloats = (long) p.groupPatchSize() * ow;
        int most = (int) Math.max(1, Math.min(Math.ceilDiv(oh, MIN_BANDS), BAND_FLOATS / rowFloats));
        this.bandRows = Math.ceilDiv(oh, Math.ceilDiv(oh, most));
        this.bands = Math.ceilDiv(oh, bandRows);
        this.direct = direct;
        this.rowVectors = (ow + L - 1) / L;
        // direct: the block holds a band's dy with rows padded to whole vectors, when they are not
        this.blockFloats = p.arrayLength("dx's band block",
                direct ? (long) p.outChannels() * bandRows * rowVectors * L : rowFloats * bandRows);
        this.planeRows = (bandRows - 1) * p.strideH() + (p.kernelH() - 1) * p.dilationH() + 1;
        // the direct tile adds whole vectors: a row's last one reaches past the image's columns
        StridedPlane columns = Im2col.planeFor(p, h, w, ow);
        int planeColumns = direct ? DirectConv.planeColumns(p, h, w) : columns.phase * columns.stride;
        this.layout = new StridedPlane(planeRows, planeColumns, p.strideW(), 0, p.padLeft());
        this.planeFloats = p.arrayLength("dx's band plane", (long) planeRows * layout.rowStride);
        this.planes = new float[p.arrayLength("dx's band planes", (long) bands * p.groupInChannels() * planeFloats)];
        int channels = direct ? p.outChannels() : 0;
        this.dyChannels = new int[channels];
        this.blockChannels = new int[channels];
        for (int o = 0; o < channels; o++) {
            dyChannels[o] = o * oh * ow;
            blockChannels[o] = o * bandRows * rowVectors * L;
        }
        this.unitOffsets = new int[direct ? bandRows * rowVectors : 0];
        for (int u = 0; u < unitOffsets.length; u++) {
            unitOffsets[u] = u / rowVectors * p.strideH() * layout.rowStride + u % rowVectors * L;
        }
        int taps = p.groupPatchSize();
        this.tileTaps = new int[direct ? (taps + TAP_BLOCK - 1) / TAP_BLOCK * TAP_BLOCK : 0];
        for (int k = 0; k < tileTaps.length; k++) {
            int t = weightTap(p, Math.min(k, taps - 1));
            int c = t / (p.kernelH() * p.kernelW());
            int kh = t / p.kernelW() % p.kernelH();
            int kw = t % p.kernelW();
            tileTaps[k] = c * planeFloats + layout.offset(kh * p.dilationH(), kw * p.dilationW());
        }
    }

    boolean fits(int h, int w, boolean direct) {
        return this.h == h && this.w == w && this.direct == direct;
    }

    /**
     * dx's group channels at dxAt := the data gradient of dy's group channels at dyAt | weights:
     * the group's Wᵀ packed as A | dy rows {@code OH·OW} apart | allocates nothing in steady state.
     */
    void run(Sgemm gemm, PackedOperand weights, float[] dy, int dyAt, float[] dx, int dxAt) {
        this.gemm = gemm;
        this.weights = weights;
        this.packedWeights = null;
        run(gemm.pool(), dy, dyAt, dx, dxAt);
    }

    /**
     * dx's channels at dxAt := the data gradient of dy's channels at dyAt, by the direct tile (an
     * instance made {@code direct}) | packed: from {@link #packDirectWeights} | allocates nothing in
     * steady state.
     */
    void runDirect(ThreadPool pool, float[] packed, float[] dy, int dyAt, float[] dx, int dxAt) {
        this.packedWeights = packed;
        run(pool, dy, dyAt, dx, dxAt);
    }

    private void run(ThreadPool pool, float[] dy, int dyAt, float[] dx, int dxAt) {
        this.dy = dy;
        this.dyAt = dyAt;
        this.dx = dx;
        this.dxAt = dxAt;
        try {
            summing = false;
            pool.parallelFor(bands, this);
            summing = true;
            parts = Math.min(p.groupInChannels() * h, pool.parallelism());
            pool.parallelFor(parts, this);
        } finally {
            this.gemm = null;
            this.weights = null;
            this.packedWeights = null;
            this.dy = this.dx = null;
        }
    }

    @Override
    public void run(int task) {
        if (summing) {
            int rows = p.groupInChannels() * h;
            for (int r = (int) ((long) rows * task / parts), end = (int) ((long) rows * (task + 1) / parts); r < end; r++) {
                sumRow(r / h, r % h);
            }
        } else if (direct) {
            directBand(task);
        } else {
            scatterBand(task);
        }
    }

    /** Band b's planes := its output rows' contributions, summed by the direct tile over every tap tile and pixel vector. */
    private void directBand(int b) {
        int y0 = b * bandRows;
        int y1 = Math.min(oh, y0 + bandRows);
        float[] block = null;
        TileScratch scratch = tileScratch.take();
        if (scratch == null) {
            scratch = new TileScratch();
        }
        try {
            float[] src = dy;
            int srcAt = dyAt + y0 * ow;
            int[] channels = dyChannels;
            int pitch = rowVectors * L;
            if (ow != pitch) {
                // rows padded with zeros to whole vectors, so that a row's last vector adds nothing past
                // it: the padding is never written, and a new block is zero
                block = blocks.take();
                if (block == null) {
                    block = new float[blockFloats];
                }
                channels = blockChannels;
                for (int o = 0; o < p.outChannels(); o++) {
                    for (int y = y0; y < y1; y++) {
                        int to = blockChannels[o] + (y - y0) * pitch;
                        System.arraycopy(dy, dyAt + o * oh * ow + y * ow, block, to, ow);
                    }
                }
                src = block;
                srcAt = 0;
            }
            scratch.source[0] = src;
            int bandAt = b * p.groupInChannels() * planeFloats;
            java.util.Arrays.fill(planes, bandAt, bandAt + p.groupInChannels() * planeFloats, 0f);
            int units = (y1 - y0) * rowVectors;
            int taps = p.groupPatchSize();
            // pixel vectors outside: their dy (three vectors of every output channel) stays in L1 across the tap tiles
            for (int u = 0; u < units; u += 3) {
                for (int t = 0; t < tileTaps.length; t += TAP_BLOCK) {
                    directTile(scratch.source, channels, srcAt, t, Math.min(TAP_BLOCK, taps - t), bandAt, u,
                            Math.min(3, units - u), scratch.sums);
                }
            }
        } finally {
            scratch.source[0] = null;
            tileScratch.give(scratch);
            if (block != null) {
                blocks.give(block);
            }
        }
    }

    /**
     * The direct register tile: for taps {@code [t, t + real)} of the (kw, c, kh) order and pixel
     * vectors {@code [u, u + count)} of the band, the sum over output channels of weight × dy vector
     * ({@link DirectConv#accumulate}) added into the band's planes at each tap's place: straight from
     * the registers for a whole tile; through {@code sums} for a short one (the last pixel vector
     * computed again where count is short, the padded taps' zero weights), which adds only its own.
     */
    private void directTile(float[][] source, int[] channels, int srcAt, int t, int real, int bandAt, int u, int count,
                            float[] sums) {
        int u1 = u + Math.min(1, count - 1);
        int u2 = u + count - 1;
        int wAt = t / TAP_BLOCK * p.outChannels() * TAP_BLOCK;
        float[] pl = planes;
        int p0 = bandAt + unitOffsets[u];
        int p1 = bandAt + unitOffsets[u1];
        int p2 = bandAt + unitOffsets[u2];
        if (real == TAP_BLOCK && count == 3) {
            DirectConv.accumulate(source, channels, packedWeights, wAt, srcAt + u * L, srcAt + u1 * L, srcAt + u2 * L,
                    pl, tileTaps, t, p0, p1, p2, true);
            return;
        }
        int l = L;
        DirectConv.accumulate(source, channels, packedWeights, wAt, srcAt + u * L, srcAt + u1 * L, srcAt + u2 * L,
                sums, DirectConv.SUM_PLACES, 0, 0, TAP_BLOCK * l, 2 * TAP_BLOCK * l, false);
        for (int r = 0; r < real; r++) {
            int tap = tileTaps[t + r];
            FloatVector.fromArray(S, pl, p0 + tap).add(FloatVector.fromArray(S, sums, r * l)).intoArray(pl, p0 + tap);
            if (count > 1) {
                FloatVector.fromArray(S, pl, p1 + tap).add(FloatVector.fromArray(S, sums, (TAP_BLOCK + r) * l))
                        .intoArray(pl, p1 + tap);
            }
            if (count > 2) {
                FloatVector.fromArray(S, pl, p2 + tap).add(FloatVector.fromArray(S, sums, (2 * TAP_BLOCK + r) * l))
                        .intoArray(pl, p2 + tap);
            }
        }
    }

    /** Band b's planes := its output rows' patches of Wᵀ·dy, added at the input rows they came from. */
    private void scatterBand(int b) {
        int y0 = b * bandRows;
        int y1 = Math.min(oh, y0 + bandRows);
        int pixels = (y1 - y0) * ow;
        float[] block = blocks.take();
        if (block == null) {
            block = new float[blockFloats];
        }
        try {
            gemm.gemm(weights, Transpose.N, pixels, 1f, dy, dyAt + y0 * ow, oh * ow, 0f, block, 0, pixels,
                    Epilogue.NONE, null, 0);
            int base = y0 * p.strideH() - p.padTop();
            int row = 0;
            for (int c = 0; c < p.groupInChannels(); c++) {
                int at = (b * p.groupInChannels() + c) * planeFloats;
                java.util.Arrays.fill(planes, at, at + planeFloats, 0f);
                for (int kh = 0; kh < p.kernelH(); kh++) {
                    for (int kw = 0; kw < p.kernelW(); kw++, row++) {
                        int column = at + layout.offset(0, kw * p.dilationW());
                        for (int y = y0; y < y1; y++) {
                            int ih = y * p.strideH() - p.padTop() + kh * p.dilationH();
                            if (ih >= 0 && ih < h) {
                                Rows.add(planes, column + (ih - base) * layout.rowStride, block,
                                        row * pixels + (y - y0) * ow, ow);
                            }
                        }
                    }
                }
            }
        } finally {
            blocks.give(block);
        }
    }

    /** dx row ih of channel c := the sum, in band order, of that row in the planes of the bands reaching it. */
    private void sumRow(int c, int ih) {
        int dst = dxAt + (c * h + ih) * w;
        int reach = (p.kernelH() - 1) * p.dilationH();
        int yMin = Math.max(0, Math.ceilDiv(ih + p.padTop() - reach, p.strideH()));
        int yMax = Math.min(oh - 1, Math.floorDiv(ih + p.padTop(), p.strideH()));
        if (yMin > yMax) {
            java.util.Arrays.fill(dx, dst, dst + w, 0f);
            return;
        }
        int last = yMax / bandRows;
        int sum = rowOf(yMin / bandRows, c, ih);
        for (int b = yMin / bandRows + 1; b <= last; b++) {
            int next = rowOf(b, c, ih);
            Rows.add(planes, next, planes, sum, layout.rowStride);
            sum = next;
        }
        layout.storeRow(planes, sum, dx, dst, w);
    }

    private int rowOf(int b, int c, int ih) {
        int base = b * bandRows * p.strideH() - p.padTop();
        return (b * p.groupInChannels() + c) * planeFloats + (ih - base) * layout.rowStride;
    }

    /** One direct band task's scratch: the tile's 24 sums, and the one-plane source {@link DirectConv#accumulate} reads. */
    private static final class TileScratch {
        final float[] sums = new float[3 * TAP_BLOCK * L];
        final float[][] source = new float[1][];
    }
}
