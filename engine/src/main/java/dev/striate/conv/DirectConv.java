package dev.striate.conv;

import dev.striate.runtime.ThreadPool;
import dev.striate.simd.Clamp;
import dev.striate.runtime.WorkspacePool;
import dev.striate.simd.FloatSpecies;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorSpecies;

/**
 * Forward convolution of a layer with few input channels (a network's first layer, C = 3, or
 * SqueezeNet's 16-channel expand) straight from the image, vectorized along output rows: each
 * input channel copied into a {@link StridedPlane} (zero padding, columns split by stride phase,
 * so the inputs of consecutive output pixels are consecutive floats at any stride and dilation),
 * and a register tile of {@value #OC_BLOCK} output channels by three vectors of output pixels
 * summed over the taps {@code (c, kh, kw)} in the weights' order — per tap three input vectors
 * loaded and eight weights broadcast feed twenty-four fused multiply-adds (two vectors: 1–10%
 * slower on the first layers of ResNet, SqueezeNet and MobileNetV2, 15% on 3x3 layers of 16 to 64
 * input channels) — and the sums go to y's rows as they are (no patch matrix, no transpose). With
 * C·KH·KW short, im2col's patch matrix holds every input float KH·KW/(sh·sw) times and packing it
 * costs as much as the product: ResNet's 7x7/s2 3→64 layer ran at half ONNX Runtime's speed that
 * way (measurements on {@code ConvAlgorithm.DIRECT_MAX_CHANNELS}).
 *
 * <p>Per output element: the taps' products summed from zero in {@code (c, kh, kw)} order, then
 * bias and clamp, whichever thread computes it. Output rows are cut into bands, one task each; a
 * task copies the input rows its band reads into its own planes.
 *
 * <p>Thread-safety: one call at a time (its owner pools instances); the bands of a call run on the
 * pool's threads, each on a scratch of its own.
 */
final class DirectConv implements ThreadPool.ParallelTask, Convolution.ImageKernel {

    private static final VectorSpecies<Float> S = FloatSpecies.PREFERRED;
    private static final int L = FloatSpecies.LANES;
    /**
     * Output channels per register tile: 24 sums, 3 input vectors and the broadcasts in flight (C2
     * interleaves them with the FMAs, two or three live) take 30 vector registers, which AVX-512
     * has and AVX2 (16) has not, so {@code AUTO} picks this kernel on 512-bit machines only
     * ({@link #fitsRegisters}).
     */
    static final int OC_BLOCK = 8;
    /** {@link #accumulate}'s places for a sums array: sum(r, j) at {@code (8j + r)·L}, with bases 0, 8L, 16L. */
    static final int[] SUM_PLACES = java.util.stream.IntStream.range(0, OC_BLOCK).map(r -> r * L).toArray();
    /** Output rows per band task at least: a band re-reads (KH − sh) rows of its neighbour. */
    private static final int MIN_BAND_ROWS = 4;

    private final ConvParams p;
    private final int h, w, oh, ow;
    /** Vectors of output pixels per output row, the last one partial when ow is not a multiple of L. */
    private final int rowVectors;
    /** Padded columns of a plane row: the image with its padding, wide enough for every lane. */
    private final int planeColumns;
    /** Lanes of the last vector of a row that are output pixels. */
    private final VectorMask<Float> lastLanes;
    /** Tap (kh, kw)'s offset in a plane from its output pixel's first tap. */
    private final int[] taps;
    private final WorkspacePool<Scratch> idleScratch = new WorkspacePool<>();

    /* The call in flight, read by the band tasks. */
    private float[] x, y, packed, bias;
    private int xOff, yOff, bandRows;
    private float min, max;

    /** Whether the register tile fits the machine's vector registers without spilling: 512-bit vectors, 32 registers. */
    static boolean fitsRegisters() {
        return FloatSpecies.PREFERRED.vectorBitSize() >= 512;
    }

    /** Whether this kernel computes layer p: one group (any kernel, stride, padding, dilation). */
    static boolean applies(ConvParams p) {
        return p.groups() == 1;
    }

    DirectConv(ConvParams p, int h, int w) {
        this.p = p;
        this.h = h;
        this.w = w;
        this.oh = p.outputHeight(h);
        this.ow = p.outputWidth(w);
        this.rowVectors = (ow + L - 1) / L;
        this.planeColumns = planeColumns(p, h, w);
        this.lastLanes = S.indexInRange(0, ow - (rowVectors - 1) * L);
        this.taps = tapOffsets(p, new StridedPlane(1, planeColumns, p.strideW(), p.padTop(), p.padLeft()));
    }

    /**
     * Padded columns of a plane row for an {@code h×w} input: the image with its padding, and wide
     * enough for every lane of a row's last vector of output pixels (checked against the array limit).
     */
    static int planeColumns(ConvParams p, int h, int w) {
        int rowVectors = (p.outputWidth(w) + L - 1) / L;
        int sw = p.strideW();
        // The last lane of the last vector reads padded column sw·(rowVectors·L − 1) + dw·(KW − 1).
        long lanesWide = (long) sw * (rowVectors * L - 1) + (long) p.dilationW() * (p.kernelW() - 1) + 1;
        int columns = p.arrayLength("the direct convolution's plane row",
                Math.max(lanesWide, (long) w + p.padLeft() + p.padRight()));
        p.arrayLength("the direct convolution's plane",
                (long) (h + p.padTop() + p.padBottom()) * ((columns + sw - 1) / sw * sw));
        return columns;
    }

    /** Tap (kh, kw)'s offset in planes shaped as {@code shape} from its output pixel's first tap, in (kh, kw) order. */
    static int[] tapOffsets(ConvParams p, StridedPlane shape) {
        int[] offsets = new int[p.kernelH() * p.kernelW()];
        for (int kh = 0, k = 0; kh < p.kernelH(); kh++) {
            for (int kw = 0; kw < p.kernelW(); kw++, k++) {
                offsets[k] = shape.offset(kh * p.dilationH(), kw * p.dilationW());
            }
        }
        return offsets;
    }

    /** Padded input rows a band of {@code rows} output rows of layer p reads. */
    static int bandInputRows(ConvParams p, int rows) {
        return (rows - 1) * p.strideH() + p.dilationH() * (p.kernelH() - 1) + 1;
    }

    /** Whether this workspace serves inputs of this size (its owner's layer is fixed). */
    boolean fits(int height, int width) {
        return h == height && w == width;
    }

    /**
     * Floats of workspace for a call on {@code threads} threads: per thread in use, one plane per
     * input channel holding the input rows of one band.
     */
    long floats(int threads) {
        long plane = new StridedPlane(bandInputRows(bandRows(threads)), planeColumns, p.strideW(), p.padTop(), p.padLeft()).floats();
        return (long) Math.min(threads, bands(threads)) * p.inChannels() * plane;
    }

    /** Bands of output rows for a call on {@code threads} threads: about four per thread, each at least {@value #MIN_BAND_ROWS} rows. */
    private int bands(int threads) {
        return Math.max(1, Math.min(oh / MIN_BAND_ROWS, 4 * threads));
    }

    private int bandRows(int threads) {
        int bands = bands(threads);
        return (oh + bands - 1) / bands;
    }

    private int bandInputRows(int rows) {
        return bandInputRows(p, rows);
    }

    /**
     * The weights {@code [OC][C][KH][KW]} as blocks of {@value #OC_BLOCK} output channels, each
     * {@code [C·KH·KW][OC_BLOCK]} (a tap's eight weights together), zero past the last channel |
     * into: reused when it has that length.
     */
    static float[] packWeights(ConvParams p, float[] weights, float[] into) {
        int oc = p.outChannels();
        int kk = p.groupPatchSize();
        int blocks = (oc + OC_BLOCK - 1) / OC_BLOCK;
        int size = p.arrayLength("the direct convolution's packed weights", (long) blocks * kk * OC_BLOCK);
        float[] packed = into != null && into.length == size ? into : new float[size];
        for (int b = 0, at = 0; b < blocks; b++) {
            for (int k = 0; k < kk; k++) {
                for (int r = 0; r < OC_BLOCK; r++, at++) {
                    int o = b * OC_BLOCK + r;
                    packed[at] = o < oc ? weights[o * kk + k] : 0f;
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
        this.x = x;
        this.xOff = xOff;
        this.packed = packed;
        this.bias = bias;
        this.min = min;
        this.max = max;
        this.y = y;
        this.yOff = yOff;
        bandRows = bandRows(pool.idleParallelism());
        try {
            pool.parallelFor((oh + bandRows - 1) / bandRows, this);
        } finally {
            this.x = this.y = this.packed = this.bias = null;
        }
    }

    /** Output rows [band·bandRows, +bandRows): their input rows into this task's planes, then every channel block. */
    @Override
    public void run(int band) {
        int r0 = band * bandRows;
        int r1 = Math.min(oh, r0 + bandRows);
        Scratch scratch = idleScratch.take();
        int inputRows = bandInputRows(bandRows);
        if (scratch == null || scratch.rows < inputRows) {
            scratch = new Scratch(inputRows); // a longer band than before: fewer threads; the short one is dropped
        }
        try {
            int sh = p.strideH();
            int firstRow = r0 * sh;
            int endRow = firstRow + bandInputRows(r1 - r0);
            float[][] planes = scratch.planes;
            for (int c = 0; c < planes.length; c++) {
                planes[c] = scratch.channels[c].loadRows(x, xOff + c * h * w, h, w, firstRow, endRow);
            }
            int rowStride = scratch.channels[0].rowStride;
            int units = (r1 - r0) * rowVectors;
            int blocks = (p.outChannels() + OC_BLOCK - 1) / OC_BLOCK;
            for (int b = 0; b < blocks; b++) {
                for (int u = 0; u < units; u += 3) {
                    // three vectors of output pixels, the last one again where the band's count runs out
                    int u1 = Math.min(u + 1, units - 1);
                    int u2 = Math.min(u + 2, units - 1);
                    accumulate(planes, taps, packed, b * p.groupPatchSize() * OC_BLOCK, input(u, rowStride), input(u1, rowStride),
                            input(u2, rowStride), scratch.sums, SUM_PLACES, 0, 0, OC_BLOCK * L, 2 * OC_BLOCK * L, false);
                    store(scratch.sums, 0, b, r0, u);
                    if (u1 != u) {
                        store(scratch.sums, OC_BLOCK * L, b, r0, u1);
                    }
                    if (u2 != u1) {
                        store(scratch.sums, 2 * OC_BLOCK * L, b, r0, u2);
                    }
                }
            }
        } finally {
            idleScratch.give(scratch);
        }
    }

    /**
     * The register tile: sum(r, j) := Σ over steps t of {@code weights[wAt + 8t + r] · plane(in_j +
     * offsets[t])} for r in 0..7 and j in 0..2, the steps running through every plane's offsets in
     * turn — here taps (c, kh, kw) of the input planes; for {@link BandedDataGradient}'s direct dx,
     * output channels of dy (one plane, an offset per channel) with a tile's eight taps. Each sum
     * then goes to {@code out[base_j + places[placesAt + r]]}: stored, or added to what is there
     * when {@code add} (one place after another, so places may coincide) — straight from the
     * registers, so a caller that adds its sums somewhere neither stores nor reloads them.
     */
    static void accumulate(float[][] planes, int[] offsets, float[] weights, int wAt, int in0, int in1, int in2,
                           float[] out, int[] places, int placesAt, int base0, int base1, int base2, boolean add) {
        FloatVector a00 = FloatVector.zero(S), a10 = a00, a20 = a00, a30 = a00, a40 = a00, a50 = a00, a60 = a00, a70 = a00;
        FloatVector a01 = a00, a11 = a00, a21 = a00, a31 = a00, a41 = a00, a51 = a00, a61 = a00, a71 = a00;
        FloatVector a02 = a00, a12 = a00, a22 = a00, a32 = a00, a42 = a00, a52 = a00, a62 = a00, a72 = a00;
        float[] wp = weights;
        int at = wAt;
        for (float[] pl : planes) {
            for (int k = 0; k < offsets.length; k++, at += OC_BLOCK) {
                int off = offsets[k];
                FloatVector x0 = FloatVector.fromArray(S, pl, in0 + off);
                FloatVector x1 = FloatVector.fromArray(S, pl, in1 + off);
                FloatVector x2 = FloatVector.fromArray(S, pl, in2 + off);
                FloatVector w0 = FloatVector.broadcast(S, wp[at]);
                a00 = x0.fma(w0, a00);
                a01 = x1.fma(w0, a01);
                a02 = x2.fma(w0, a02);
                FloatVector w1 = FloatVector.broadcast(S, wp[at + 1]);
                a10 = x0.fma(w1, a10);
                a11 = x1.fma(w1, a11);
                a12 = x2.fma(w1, a12);
                FloatVector w2 = FloatVector.broadcast(S, wp[at + 2]);
                a20 = x0.fma(w2, a20);
                a21 = x1.fma(w2, a21);
                a22 = x2.fma(w2, a22);
                FloatVector w3 = FloatVector.broadcast(S, wp[at + 3]);
                a30 = x0.fma(w3, a30);
                a31 = x1.fma(w3, a31);
                a32 = x2.fma(w3, a32);
                FloatVector w4 = FloatVector.broadcast(S, wp[at + 4]);
                a40 = x0.fma(w4, a40);
                a41 = x1.fma(w4, a41);
                a42 = x2.fma(w4, a42);
                FloatVector w5 = FloatVector.broadcast(S, wp[at + 5]);
                a50 = x0.fma(w5, a50);
                a51 = x1.fma(w5, a51);
                a52 = x2.fma(w5, a52);
                FloatVector w6 = FloatVector.broadcast(S, wp[at + 6]);
                a60 = x0.fma(w6, a60);
                a61 = x1.fma(w6, a61);
                a62 = x2.fma(w6, a62);
                FloatVector w7 = FloatVector.broadcast(S, wp[at + 7]);
                a70 = x0.fma(w7, a70);
                a71 = x1.fma(w7, a71);
                a72 = x2.fma(w7, a72);
            }
        }
        int[] q = places;
        int k = placesAt;
        if (add) {
            // one place at a time: places of different pixel vectors may coincide (rows a kernel row apart)
            a00.add(FloatVector.fromArray(S, out, base0 + q[k + 0])).intoArray(out, base0 + q[k + 0]);
            a01.add(FloatVector.fromArray(S, out, base1 + q[k + 0])).intoArray(out, base1 + q[k + 0]);
            a02.add(FloatVector.fromArray(S, out, base2 + q[k + 0])).intoArray(out, base2 + q[k + 0]);
            a10.add(FloatVector.fromArray(S, out, base0 + q[k + 1])).intoArray(out, base0 + q[k + 1]);
            a11.add(FloatVector.fromArray(S, out, base1 + q[k + 1])).intoArray(out, base1 + q[k + 1]);
            a12.add(FloatVector.fromArray(S, out, base2 + q[k + 1])).intoArray(out, base2 + q[k + 1]);
            a20.add(FloatVector.fromArray(S, out, base0 + q[k + 2])).intoArray(out, base0 + q[k + 2]);
            a21.add(FloatVector.fromArray(S, out, base1 + q[k + 2])).intoArray(out, base1 + q[k + 2]);
            a22.add(FloatVector.fromArray(S, out, base2 + q[k + 2])).intoArray(out, base2 + q[k + 2]);
            a30.add(FloatVector.fromArray(S, out, base0 + q[k + 3])).intoArray(out, base0 + q[k + 3]);
            a31.add(FloatVector.fromArray(S, out, base1 + q[k + 3])).intoArray(out, base1 + q[k + 3]);
            a32.add(FloatVector.fromArray(S, out, base2 + q[k + 3])).intoArray(out, base2 + q[k + 3]);
            a40.add(FloatVector.fromArray(S, out, base0 + q[k + 4])).intoArray(out, base0 + q[k + 4]);
            a41.add(FloatVector.fromArray(S, out, base1 + q[k + 4])).intoArray(out, base1 + q[k + 4]);
            a42.add(FloatVector.fromArray(S, out, base2 + q[k + 4])).intoArray(out, base2 + q[k + 4]);
            a50.add(FloatVector.fromArray(S, out, base0 + q[k + 5])).intoArray(out, base0 + q[k + 5]);
            a51.add(FloatVector.fromArray(S, out, base1 + q[k + 5])).intoArray(out, base1 + q[k + 5]);
            a52.add(FloatVector.fromArray(S, out, base2 + q[k + 5])).intoArray(out, base2 + q[k + 5]);
            a60.add(FloatVector.fromArray(S, out, base0 + q[k + 6])).intoArray(out, base0 + q[k + 6]);
            a61.add(FloatVector.fromArray(S, out, base1 + q[k + 6])).intoArray(out, base1 + q[k + 6]);
            a62.add(FloatVector.fromArray(S, out, base2 + q[k + 6])).intoArray(out, base2 + q[k + 6]);
            a70.add(FloatVector.fromArray(S, out, base0 + q[k + 7])).intoArray(out, base0 + q[k + 7]);
            a71.add(FloatVector.fromArray(S, out, base1 + q[k + 7])).intoArray(out, base1 + q[k + 7]);
            a72.add(FloatVector.fromArray(S, out, base2 + q[k + 7])).intoArray(out, base2 + q[k + 7]);
        } else {
            a00.intoArray(out, base0 + q[k + 0]);
            a10.intoArray(out, base0 + q[k + 1]);
            a20.intoArray(out, base0 + q[k + 2]);
            a30.intoArray(out, base0 + q[k + 3]);
            a40.intoArray(out, base0 + q[k + 4]);
            a50.intoArray(out, base0 + q[k + 5]);
            a60.intoArray(out, base0 + q[k + 6]);
            a70.intoArray(out, base0 + q[k + 7]);
            a01.intoArray(out, base1 + q[k + 0]);
            a11.intoArray(out, base1 + q[k + 1]);
            a21.intoArray(out, base1 + q[k + 2]);
            a31.intoArray(out, base1 + q[k + 3]);
            a41.intoArray(out, base1 + q[k + 4]);
            a51.intoArray(out, base1 + q[k + 5]);
            a61.intoArray(out, base1 + q[k + 6]);
            a71.intoArray(out, base1 + q[k + 7]);
            a02.intoArray(out, base2 + q[k + 0]);
            a12.intoArray(out, base2 + q[k + 1]);
            a22.intoArray(out, base2 + q[k + 2]);
            a32.intoArray(out, base2 + q[k + 3]);
            a42.intoArray(out, base2 + q[k + 4]);
            a52.intoArray(out, base2 + q[k + 5]);
            a62.intoArray(out, base2 + q[k + 6]);
            a72.intoArray(out, base2 + q[k + 7]);
        }
    }

    /** Where unit u of a band (its output row u / rowVectors, vector u % rowVectors) reads its first tap in the band's planes. */
    private int input(int u, int rowStride) {
        return u / rowVectors * p.strideH() * rowStride + u % rowVectors * L;
    }

    /** Block b's eight sums at {@code sums[from]} + bias, clamped, into output row oy's vector v (its valid lanes). */
    private void store(float[] sums, int from, int b, int r0, int u) {
        int oy = r0 + u / rowVectors;
        int v = u % rowVectors;
        int plane = oh * ow;
        int o0 = b * OC_BLOCK;
        int rows = Math.min(OC_BLOCK, p.outChannels() - o0);
        int at = yOff + o0 * plane + oy * ow + v * L;
        boolean partial = v == rowVectors - 1 && ow % L != 0;
        float lo = Clamp.lowerThreshold(min);
        float hi = Clamp.upperThreshold(max);
        for (int r = 0; r < rows; r++, at += plane) {
            FloatVector s = FloatVector.fromArray(S, sums, from + r * L)
                    .add(bias != null ? bias[o0 + r] : -0f); // -0 is the exact additive identity
            s = s.blend(min, s.compare(VectorOperators.LE, lo));
            s = s.blend(max, s.compare(VectorOperators.GE, hi));
            if (partial) {
                s.intoArray(y, at, lastLanes);
            } else {
                s.intoArray(y, at);
            }
        }
    }

    /** One band task's planes (one per input channel, {@code rows} padded rows each) and register-tile sums. */
    private final class Scratch {
        final int rows;
        final StridedPlane[] channels = new StridedPlane[p.inChannels()];
        final float[][] planes = new float[p.inChannels()][];
        final float[] sums = new float[3 * OC_BLOCK * L];

        Scratch(int rows) {
            this.rows = rows;
            for (int c = 0; c < channels.length; c++) {
                channels[c] = new StridedPlane(rows, planeColumns, p.strideW(), p.padTop(), p.padLeft());
            }
        }
    }
}
