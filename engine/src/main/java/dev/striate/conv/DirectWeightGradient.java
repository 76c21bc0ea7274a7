package dev.striate.conv;

import dev.striate.runtime.ThreadPool;
import dev.striate.runtime.WorkspacePool;
import dev.striate.simd.FloatSpecies;
import dev.striate.simd.Interleave;
import dev.striate.simd.Rows;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * Weight gradient of a one-group layer straight from the image, the adjoint of {@link DirectConv}:
 * {@code dw[o][c][kh][kw] = Σ over images and output pixels of dy[o][pixel] · x[c][pixel's tap (kh, kw)]}.
 * The input rows sit in zero-padded planes split by stride phase ({@link StridedPlane}), so a tap's
 * input for consecutive output pixels is consecutive floats; dy is transposed a pass of rows at a
 * time, pixel-major, so a pixel's output channels are whole vectors. A register tile of four vectors
 * of output channels by {@value #TAP_BLOCK} taps then takes, per pixel, four vector loads and five
 * broadcast inputs for twenty fused multiply-adds — the GEMM micro-kernel's diet, with no
 * patch matrix and no gathered panel. Im2col's path (dY·colᵀ) gathers colᵀ's panels from the
 * image: ResNet's 7x7/s2 first layer spent 42% of its weight gradient there. A first form summing
 * along output rows (dy and input both as vectors, lanes summed at the end) ran at half the FMA
 * rate: nine vector loads per twenty multiply-adds, and this machine's loads, not its FMAs, bound it.
 * The bias gradient comes on the way, from the transposed dy (one thread summed it apart: 3% of
 * the pass on one thread, more on two).
 *
 * <p>Order of the sums: output rows are cut into chunks fixed by the layer's shape (about
 * {@value #CHUNK_PIXELS} pixels), a task each — split further into runs of taps, whose sums are
 * disjoint, when the threads outnumber the chunks; within a chunk each gradient element sums its
 * pixels in order, image after image; dw is the chunks' sums in chunk order. The same bits whatever
 * the thread count.
 *
 * <p>Workspace per task in flight: the chunk's input rows of its channels, a pass of dy transposed
 * and the chunk's sums (OC' × K' floats); per call, every chunk's dw and db ({@link #partialFloats}).
 *
 * <p>Thread-safety: one call at a time (its owner pools instances); the chunks of a call run on the
 * pool's threads, each on a scratch of its own.
 */
final class DirectWeightGradient implements ThreadPool.ParallelTask {

    private static final VectorSpecies<Float> S = FloatSpecies.PREFERRED;
    private static final int L = FloatSpecies.LANES;
    /**
     * Output channels by taps of the register tile: four vectors by five taps, 20 sums, 4 loads and 5
     * broadcasts per pixel. Six taps (24 sums) made C2 spill sums inside the loop: 0.6× the speed.
     */
    static final int OC_BLOCK = 4 * L, TAP_BLOCK = 5;
    /** Output channels and taps of the remainder tile ({@link #tileNarrow}); its taps are two of the wide tile's blocks. */
    static final int NARROW_OC_BLOCK = 2 * L, NARROW_TAP_BLOCK = 2 * TAP_BLOCK;
    /** Output pixels per chunk (a task, and a partial sum) at most, about. */
    private static final int CHUNK_PIXELS = 4096;
    /**
     * Output pixels per pass of the tiles over a chunk, about (whole rows, one at least): the pass's
     * dy, transposed, is read once per tap block (112 KB at 64 channels, from L2). Passes of 112 to
     * 1792 pixels measured within the noise of each other (ResNet's first layer, 1364–1559 µs).
     */
    private static final int PASS_PIXELS = 448;

    private final ConvParams p;
    private final int h, w, oh, ow;
    /** Shape of one channel's chunk of padded input rows. */
    private final StridedPlane rows;
    /** Floats per channel in a chunk's planes. */
    private final int channelFloats;
    /** Tap k = (c, kh, kw)'s offset in a chunk's planes from its output pixel's first tap; past K: the last tap's. */
    private final int[] taps;
    /** Taps K and rounded up to whole narrow tap blocks; output channels rounded up to whole tiles (the rest after four-vector tiles: one tile, narrow when it fits). */
    private final int patch, paddedPatch, paddedChannels;
    private final int chunkRows, chunks, passRows;
    private final WorkspacePool<Scratch> idleScratch = new WorkspacePool<>();

    /* The call in flight, read by the chunk tasks. */
    private float[] x, dy, partial;
    private int xOff, dyOff, images;
    /** Tasks per chunk, each a run of tap blocks (their sums are disjoint, so the count does not change the bits). */
    private int tapGroups;
    private boolean biasGradient;

    /**
     * Whether this kernel computes layer p's weight gradient: one group (any channel count: the
     * channels past whole four-vector tiles take one more tile, {@link #tileNarrow} when two vectors hold them).
     */
    static boolean applies(ConvParams p) {
        return p.groups() == 1;
    }

    DirectWeightGradient(ConvParams p, int h, int w) {
        this.p = p;
        this.h = h;
        this.w = w;
        this.oh = p.outputHeight(h);
        this.ow = p.outputWidth(w);
        int cut = (int) Math.min(oh, ((long) oh * ow + CHUNK_PIXELS - 1) / CHUNK_PIXELS);
        this.chunkRows = (oh + cut - 1) / cut;
        this.chunks = (oh + chunkRows - 1) / chunkRows; // no empty chunk
        this.passRows = Math.min(chunkRows, Math.max(1, PASS_PIXELS / ow));
        this.rows = new StridedPlane(DirectConv.bandInputRows(p, chunkRows), DirectConv.planeColumns(p, h, w),
                p.strideW(), p.padTop(), p.padLeft());
        this.channelFloats = p.arrayLength("the direct weight gradient's plane", rows.floats());
        p.arrayLength("the direct weight gradient's planes", (long) p.inChannels() * channelFloats);
        this.patch = p.groupPatchSize();
        this.paddedPatch = (patch + NARROW_TAP_BLOCK - 1) / NARROW_TAP_BLOCK * NARROW_TAP_BLOCK;
        int wideChannels = p.outChannels() / OC_BLOCK * OC_BLOCK;
        int rest = p.outChannels() - wideChannels;
        this.paddedChannels = wideChannels + (rest == 0 ? 0 : rest <= NARROW_OC_BLOCK ? NARROW_OC_BLOCK : OC_BLOCK);
        p.arrayLength("the direct weight gradient's transposed dy", (long) passRows * ow * paddedChannels);
        p.arrayLength("the direct weight gradient's sums", (long) paddedChannels * paddedPatch);
        int[] kernelTaps = DirectConv.tapOffsets(p, rows);
        this.taps = new int[paddedPatch];
        for (int k = 0; k < paddedPatch; k++) {
            int t = Math.min(k, patch - 1);
            taps[k] = t / kernelTaps.length * channelFloats + kernelTaps[t % kernelTaps.length];
        }
    }

    /** Whether this workspace serves inputs of this size (its owner's layer is fixed). */
    boolean fits(int height, int width) {
        return h == height && w == width;
    }

    /** Partial sums a call needs: {@code chunks · OC · (K + 1)} floats, each chunk's dw and db (see {@link #backwardWeights}). */
    int partialFloats() {
        return p.arrayLength("the direct weight gradient's chunk sums", (long) chunks * p.outChannels() * (patch + 1));
    }

    /**
     * dw := the weight gradient of {@code images} images | x: {@code images×C×h×w} at xOff; dy:
     * {@code images×OC×oh×ow} at dyOff; dw: {@code OC×C×KH×KW} at dwOff, overwritten; db: OC at dbOff,
     * overwritten with dy's sums (each chunk's in the order of its pixels, then the chunks in order),
     * or null; partial: {@link #partialFloats} floats of scratch | images ≥ 1 | allocates nothing in
     * steady state.
     */
    void backwardWeights(float[] x, int xOff, float[] dy, int dyOff, int images, float[] partial, float[] dw,
                         int dwOff, float[] db, int dbOff, ThreadPool pool) {
        this.x = x;
        this.xOff = xOff;
        this.dy = dy;
        this.dyOff = dyOff;
        this.images = images;
        this.partial = partial;
        this.biasGradient = db != null;
        int blocks = paddedPatch / NARROW_TAP_BLOCK;
        // two tasks a thread at least: tap groups split a chunk's work without touching its order
        this.tapGroups = (int) Math.min(blocks, Math.max(1, (2L * pool.idleParallelism() + chunks - 1) / chunks));
        try {
            pool.parallelFor(chunks * tapGroups, this);
        } finally {
            this.x = this.dy = this.partial = null;
        }
        sumChunks(partial, 0, p.outChannels() * patch, dw, dwOff);
        if (db != null) {
            sumChunks(partial, chunks * p.outChannels() * patch, p.outChannels(), db, dbOff);
        }
    }

    /** {@code into[at, +size)} := the sum, in chunk order, of the chunks' {@code size} floats from {@code partial[from]}. */
    private void sumChunks(float[] partial, int from, int size, float[] into, int at) {
        System.arraycopy(partial, from, into, at, size);
        for (int c = 1; c < chunks; c++) {
            Rows.add(into, at, partial, from + c * size, size);
        }
    }

    /**
     * One tap group of one chunk: each image's input rows of the group's channels into planes, dy's
     * rows transposed a pass at a time, the group's tiles over them; then its sums into {@code partial}.
     */
    @Override
    public void run(int task) {
        int chunk = task / tapGroups;
        int group = task % tapGroups;
        int blocks = paddedPatch / NARROW_TAP_BLOCK;
        int k0 = blocks * group / tapGroups * NARROW_TAP_BLOCK;
        int k1 = blocks * (group + 1) / tapGroups * NARROW_TAP_BLOCK;
        int kernel = p.kernelH() * p.kernelW();
        int c0 = k0 / kernel;
        int c1 = (Math.min(k1, patch) - 1) / kernel + 1;
        int r0 = chunk * chunkRows;
        int r1 = Math.min(oh, r0 + chunkRows);
        Scratch scratch = idleScratch.take();
        if (scratch == null) {
            scratch = new Scratch();
        }
        try {
            int c = p.inChannels();
            int firstRow = r0 * p.strideH();
            int endRow = firstRow + DirectConv.bandInputRows(p, r1 - r0);
            float[] planes = scratch.planes;
            for (int i = 0; i < images; i++) {
                for (int ch = c0; ch < c1; ch++) {
                    rows.loadRows(x, xOff + (i * c + ch) * h * w, h, w, firstRow, endRow, planes, ch * channelFloats);
                }
                int dyAt = dyOff + i * p.outChannels() * oh * ow;
                for (int q0 = r0; q0 < r1; q0 += passRows) {
                    boolean first = i == 0 && q0 == r0;
                    int q1 = Math.min(r1, q0 + passRows);
                    transposeRows(dyAt, q0, q1, scratch.dyT);
                    if (biasGradient && group == 0) {
                        addPixels(scratch.dyT, (q1 - q0) * ow, first, scratch.bias);
                    }
                    for (int o = 0; o < paddedChannels; o += OC_BLOCK) {
                        boolean narrow = paddedChannels - o == NARROW_OC_BLOCK;
                        for (int k = k0; k < k1; k += narrow ? NARROW_TAP_BLOCK : TAP_BLOCK) {
                            if (narrow) {
                                tileNarrow(planes, scratch.dyT, o, k, q0 - r0, q0, q1, first, scratch.sums);
                            } else {
                                tile(planes, scratch.dyT, o, k, q0 - r0, q0, q1, first, scratch.sums);
                            }
                        }
                    }
                }
            }
            storeSums(scratch.sums, chunk * p.outChannels() * patch, k0, Math.min(k1, patch));
            if (biasGradient && group == 0) {
                System.arraycopy(scratch.bias, 0, partial, chunks * p.outChannels() * patch + chunk * p.outChannels(),
                        p.outChannels());
            }
        } finally {
            idleScratch.give(scratch);
        }
    }

    /**
     * dy's rows {@code [q0, q1)} for every output channel, pixel-major: {@code dyT[(pixel − q0·ow)·OC' + o]}
     * (OC' = output channels rounded up to whole tiles; the lanes past OC are never stored).
     */
    private void transposeRows(int dyAt, int q0, int q1, float[] dyT) {
        int plane = oh * ow;
        Interleave.transpose(dy, dyAt + q0 * ow, plane, p.outChannels(), (q1 - q0) * ow, dyT, 0, paddedChannels);
    }

    /** {@code bias[o] (+)= Σ over the pass's pixels of dyT's channel o}, pixel by pixel, a vector of channels at a time; {@code first}: from zero. */
    private void addPixels(float[] dyT, int pixels, boolean first, float[] bias) {
        for (int o = 0; o < paddedChannels; o += L) {
            FloatVector sum = first ? FloatVector.zero(S) : FloatVector.fromArray(S, bias, o);
            for (int px = 0; px < pixels; px++) {
                sum = sum.add(FloatVector.fromArray(S, dyT, px * paddedChannels + o));
            }
            sum.intoArray(bias, o);
        }
    }

    /**
     * The register tile: sums of output channels {@code [o, o + 4L)} (four vectors, a channel per
     * lane) by taps {@code [k, k + 6)} (past the last tap: the last one's, into padding never read)
     * += Σ over output rows [q0, q1) — the chunk's row {@code local} on — of dyT's vectors times
     * each tap's input, broadcast; {@code first}: start from zero. Sums at {@code sums[k'·OC' + o']}.
     */
    private void tile(float[] planes, float[] dyT, int o, int k, int local, int q0, int q1, boolean first,
                      float[] sums) {
        int t0 = taps[k], t1 = taps[k + 1], t2 = taps[k + 2], t3 = taps[k + 3], t4 = taps[k + 4];
        int stride = paddedChannels;
        int s0 = k * stride + o;
        int s1 = s0 + stride, s2 = s1 + stride, s3 = s2 + stride, s4 = s3 + stride;
        FloatVector a00, a01, a02, a03, a04, a10, a11, a12, a13, a14;
        FloatVector a20, a21, a22, a23, a24, a30, a31, a32, a33, a34;
        if (first) {
            a00 = a01 = a02 = a03 = a04 = a10 = a11 = a12 = a13 = a14 = FloatVector.zero(S);
            a20 = a21 = a22 = a23 = a24 = a30 = a31 = a32 = a33 = a34 = a00;
        } else {
            a00 = FloatVector.fromArray(S, sums, s0);
            a10 = FloatVector.fromArray(S, sums, s0 + L);
            a20 = FloatVector.fromArray(S, sums, s0 + 2 * L);
            a30 = FloatVector.fromArray(S, sums, s0 + 3 * L);
            a01 = FloatVector.fromArray(S, sums, s1);
            a11 = FloatVector.fromArray(S, sums, s1 + L);
            a21 = FloatVector.fromArray(S, sums, s1 + 2 * L);
            a31 = FloatVector.fromArray(S, sums, s1 + 3 * L);
            a02 = FloatVector.fromArray(S, sums, s2);
            a12 = FloatVector.fromArray(S, sums, s2 + L);
            a22 = FloatVector.fromArray(S, sums, s2 + 2 * L);
            a32 = FloatVector.fromArray(S, sums, s2 + 3 * L);
            a03 = FloatVector.fromArray(S, sums, s3);
            a13 = FloatVector.fromArray(S, sums, s3 + L);
            a23 = FloatVector.fromArray(S, sums, s3 + 2 * L);
            a33 = FloatVector.fromArray(S, sums, s3 + 3 * L);
            a04 = FloatVector.fromArray(S, sums, s4);
            a14 = FloatVector.fromArray(S, sums, s4 + L);
            a24 = FloatVector.fromArray(S, sums, s4 + 2 * L);
            a34 = FloatVector.fromArray(S, sums, s4 + 3 * L);
        }
        float[] g = dyT;
        float[] pl = planes;
        int rowStep = p.strideH() * rows.rowStride;
        for (int q = q0, in = local * rowStep, row = o; q < q1; q++, in += rowStep, row += ow * stride) {
            for (int px = 0; px < ow; px++) {
                int at = row + px * stride;
                int j = in + px;
                FloatVector g0 = FloatVector.fromArray(S, g, at);
                FloatVector g1 = FloatVector.fromArray(S, g, at + L);
                FloatVector g2 = FloatVector.fromArray(S, g, at + 2 * L);
                FloatVector g3 = FloatVector.fromArray(S, g, at + 3 * L);
                FloatVector x0 = FloatVector.broadcast(S, pl[j + t0]);
                a00 = g0.fma(x0, a00);
                a10 = g1.fma(x0, a10);
                a20 = g2.fma(x0, a20);
                a30 = g3.fma(x0, a30);
                FloatVector x1 = FloatVector.broadcast(S, pl[j + t1]);
                a01 = g0.fma(x1, a01);
                a11 = g1.fma(x1, a11);
                a21 = g2.fma(x1, a21);
                a31 = g3.fma(x1, a31);
                FloatVector x2 = FloatVector.broadcast(S, pl[j + t2]);
                a02 = g0.fma(x2, a02);
                a12 = g1.fma(x2, a12);
                a22 = g2.fma(x2, a22);
                a32 = g3.fma(x2, a32);
                FloatVector x3 = FloatVector.broadcast(S, pl[j + t3]);
                a03 = g0.fma(x3, a03);
                a13 = g1.fma(x3, a13);
                a23 = g2.fma(x3, a23);
                a33 = g3.fma(x3, a33);
                FloatVector x4 = FloatVector.broadcast(S, pl[j + t4]);
                a04 = g0.fma(x4, a04);
                a14 = g1.fma(x4, a14);
                a24 = g2.fma(x4, a24);
                a34 = g3.fma(x4, a34);
            }
        }
        a00.intoArray(sums, s0);
        a10.intoArray(sums, s0 + L);
        a20.intoArray(sums, s0 + 2 * L);
        a30.intoArray(sums, s0 + 3 * L);
        a01.intoArray(sums, s1);
        a11.intoArray(sums, s1 + L);
        a21.intoArray(sums, s1 + 2 * L);
        a31.intoArray(sums, s1 + 3 * L);
        a02.intoArray(sums, s2);
        a12.intoArray(sums, s2 + L);
        a22.intoArray(sums, s2 + 2 * L);
        a32.intoArray(sums, s2 + 3 * L);
        a03.intoArray(sums, s3);
        a13.intoArray(sums, s3 + L);
        a23.intoArray(sums, s3 + 2 * L);
        a33.intoArray(sums, s3 + 3 * L);
        a04.intoArray(sums, s4);
        a14.intoArray(sums, s4 + L);
        a24.intoArray(sums, s4 + 2 * L);
        a34.intoArray(sums, s4 + 3 * L);
    }

    /**
     * The remainder tile, for output channels past the last whole {@link #tile}: channels
     * {@code [o, o + 2L)} (two vectors) by taps {@code [k, k + 10)}, 20 sums, 2 loads and 10
     * broadcasts per pixel; otherwise as {@link #tile}. AlexNet's 96 channels rounded up to
     * 128 for four-vector tiles took 1.08–1.23× the time of im2col's path; as 64 + 32, 0.83 (one
     * thread); MobileNetV2's 32-channel first layer 0.51–0.65 against 0.73–0.79 rounded up to 64.
     */
    private void tileNarrow(float[] planes, float[] dyT, int o, int k, int local, int q0, int q1, boolean first,
                            float[] sums) {
        int t0 = taps[k], t1 = taps[k + 1], t2 = taps[k + 2], t3 = taps[k + 3], t4 = taps[k + 4], t5 = taps[k + 5], t6 = taps[k + 6], t7 = taps[k + 7], t8 = taps[k + 8], t9 = taps[k + 9];
        int stride = paddedChannels;
        int s0 = k * stride + o;
        FloatVector a00, a10, a01, a11, a02, a12, a03, a13, a04, a14, a05, a15, a06, a16, a07, a17, a08, a18, a09, a19;
        if (first) {
            a00 = a10 = a01 = a11 = a02 = a12 = a03 = a13 = a04 = a14 = a05 = a15 = a06 = a16 = a07 = a17 = a08 = a18 = a09 = a19 = FloatVector.zero(S);
        } else {
            a00 = FloatVector.fromArray(S, sums, s0 + 0 * stride);
            a10 = FloatVector.fromArray(S, sums, s0 + 0 * stride + L);
            a01 = FloatVector.fromArray(S, sums, s0 + 1 * stride);
            a11 = FloatVector.fromArray(S, sums, s0 + 1 * stride + L);
            a02 = FloatVector.fromArray(S, sums, s0 + 2 * stride);
            a12 = FloatVector.fromArray(S, sums, s0 + 2 * stride + L);
            a03 = FloatVector.fromArray(S, sums, s0 + 3 * stride);
            a13 = FloatVector.fromArray(S, sums, s0 + 3 * stride + L);
            a04 = FloatVector.fromArray(S, sums, s0 + 4 * stride);
            a14 = FloatVector.fromArray(S, sums, s0 + 4 * stride + L);
            a05 = FloatVector.fromArray(S, sums, s0 + 5 * stride);
            a15 = FloatVector.fromArray(S, sums, s0 + 5 * stride + L);
            a06 = FloatVector.fromArray(S, sums, s0 + 6 * stride);
            a16 = FloatVector.fromArray(S, sums, s0 + 6 * stride + L);
            a07 = FloatVector.fromArray(S, sums, s0 + 7 * stride);
            a17 = FloatVector.fromArray(S, sums, s0 + 7 * stride + L);
            a08 = FloatVector.fromArray(S, sums, s0 + 8 * stride);
            a18 = FloatVector.fromArray(S, sums, s0 + 8 * stride + L);
            a09 = FloatVector.fromArray(S, sums, s0 + 9 * stride);
            a19 = FloatVector.fromArray(S, sums, s0 + 9 * stride + L);
        }
        float[] g = dyT;
        float[] pl = planes;
        int rowStep = p.strideH() * rows.rowStride;
        for (int q = q0, in = local * rowStep, row = o; q < q1; q++, in += rowStep, row += ow * stride) {
            for (int px = 0; px < ow; px++) {
                int at = row + px * stride;
                int j = in + px;
                FloatVector g0 = FloatVector.fromArray(S, g, at);
                FloatVector g1 = FloatVector.fromArray(S, g, at + L);
                FloatVector x0 = FloatVector.broadcast(S, pl[j + t0]);
                a00 = g0.fma(x0, a00);
                a10 = g1.fma(x0, a10);
                FloatVector x1 = FloatVector.broadcast(S, pl[j + t1]);
                a01 = g0.fma(x1, a01);
                a11 = g1.fma(x1, a11);
                FloatVector x2 = FloatVector.broadcast(S, pl[j + t2]);
                a02 = g0.fma(x2, a02);
                a12 = g1.fma(x2, a12);
                FloatVector x3 = FloatVector.broadcast(S, pl[j + t3]);
                a03 = g0.fma(x3, a03);
                a13 = g1.fma(x3, a13);
                FloatVector x4 = FloatVector.broadcast(S, pl[j + t4]);
                a04 = g0.fma(x4, a04);
                a14 = g1.fma(x4, a14);
                FloatVector x5 = FloatVector.broadcast(S, pl[j + t5]);
                a05 = g0.fma(x5, a05);
                a15 = g1.fma(x5, a15);
                FloatVector x6 = FloatVector.broadcast(S, pl[j + t6]);
                a06 = g0.fma(x6, a06);
                a16 = g1.fma(x6, a16);
                FloatVector x7 = FloatVector.broadcast(S, pl[j + t7]);
                a07 = g0.fma(x7, a07);
                a17 = g1.fma(x7, a17);
                FloatVector x8 = FloatVector.broadcast(S, pl[j + t8]);
                a08 = g0.fma(x8, a08);
                a18 = g1.fma(x8, a18);
                FloatVector x9 = FloatVector.broadcast(S, pl[j + t9]);
                a09 = g0.fma(x9, a09);
                a19 = g1.fma(x9, a19);
            }
        }
        a00.intoArray(sums, s0 + 0 * stride);
        a10.intoArray(sums, s0 + 0 * stride + L);
        a01.intoArray(sums, s0 + 1 * stride);
        a11.intoArray(sums, s0 + 1 * stride + L);
        a02.intoArray(sums, s0 + 2 * stride);
        a12.intoArray(sums, s0 + 2 * stride + L);
        a03.intoArray(sums, s0 + 3 * stride);
        a13.intoArray(sums, s0 + 3 * stride + L);
        a04.intoArray(sums, s0 + 4 * stride);
        a14.intoArray(sums, s0 + 4 * stride + L);
        a05.intoArray(sums, s0 + 5 * stride);
        a15.intoArray(sums, s0 + 5 * stride + L);
        a06.intoArray(sums, s0 + 6 * stride);
        a16.intoArray(sums, s0 + 6 * stride + L);
        a07.intoArray(sums, s0 + 7 * stride);
        a17.intoArray(sums, s0 + 7 * stride + L);
        a08.intoArray(sums, s0 + 8 * stride);
        a18.intoArray(sums, s0 + 8 * stride + L);
        a09.intoArray(sums, s0 + 9 * stride);
        a19.intoArray(sums, s0 + 9 * stride + L);
    }

    /** {@code partial[at + o·K + k]} := the chunk's sum for (o, k), from {@code sums[k·OC' + o]}, for taps [k0, k1). */
    private void storeSums(float[] sums, int at, int k0, int k1) {
        Interleave.transpose(sums, k0 * paddedChannels, paddedChannels, k1 - k0, p.outChannels(), partial, at + k0, patch);
    }

    /** One chunk task's planes (every channel's input rows), a pass's dy pixel-major and its sums {@code [K'][OC']}. */
    private final class Scratch {
        final float[] planes = new float[p.inChannels() * channelFloats];
        final float[] dyT = new float[passRows * ow * paddedChannels];
        final float[] sums = new float[paddedPatch * paddedChannels];
        final float[] bias = new float[paddedChannels];
    }
}
