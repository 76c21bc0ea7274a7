package dev.striate.conv;

import dev.striate.gemm.Epilogue;
import dev.striate.gemm.PackedOperand;
import dev.striate.gemm.Sgemm;
import dev.striate.gemm.Transpose;
import dev.striate.runtime.ThreadPool;
import dev.striate.runtime.WorkspacePool;
import dev.striate.simd.Rows;

/**
 * dx of one image and group of a strided im2col layer, in bands of output rows: each band is one
 * pool task that multiplies its rows of {@code Wᵀ·dy} into a patch block that fits L2 and at once
 * scatters that block into the band's own input rows (a {@link StridedPlane}-layout plane per band
 * and channel); a second pass sums, for every input row, the planes of the bands that reach it, in
 * band order, into dx. The whole patch matrix of {@link Im2col#col2imStrided} (7.4 MB for ResNet's
 * 7x7/s2 first layer) never goes through memory, and no task waits for another between its product
 * and its scatter. The bands depend on the shape only, so the bits do not depend on the threads.
 *
 * <p>Thread-safety: a workspace for one call at a time ({@link #run}); its tasks run on the pool.
 */
final class BandedDataGradient implements ThreadPool.ParallelTask {

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

    private Sgemm gemm;
    private PackedOperand weights;
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

    BandedDataGradient(ConvParams p, int h, int w) {
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
        this.blockFloats = p.arrayLength("dx's band block", rowFloats * bandRows);
        this.planeRows = (bandRows - 1) * p.strideH() + (p.kernelH() - 1) * p.dilationH() + 1;
        StridedPlane columns = Im2col.planeFor(p, h, w, ow);
        this.layout = new StridedPlane(planeRows, columns.phase * columns.stride, p.strideW(), 0, p.padLeft());
        this.planeFloats = p.arrayLength("dx's band plane", (long) planeRows * layout.rowStride);
        this.planes = new float[p.arrayLength("dx's band planes", (long) bands * p.groupInChannels() * planeFloats)];
    }

    boolean fits(int h, int w) {
        return this.h == h && this.w == w;
    }

    /**
     * dx's group channels at dxAt := the data gradient of dy's group channels at dyAt | weights:
     * the group's Wᵀ packed as A | dy rows {@code OH·OW} apart | allocates nothing in steady state.
     */
    void run(Sgemm gemm, PackedOperand weights, float[] dy, int dyAt, float[] dx, int dxAt) {
        this.gemm = gemm;
        this.weights = weights;
        this.dy = dy;
        this.dyAt = dyAt;
        this.dx = dx;
        this.dxAt = dxAt;
        try {
            summing = false;
            gemm.pool().parallelFor(bands, this);
            summing = true;
            parts = Math.min(p.groupInChannels() * h, gemm.pool().parallelism());
            gemm.pool().parallelFor(parts, this);
        } finally {
            this.gemm = null;
            this.weights = null;
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
        } else {
            scatterBand(task);
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
}
