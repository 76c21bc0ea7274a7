package dev.striate.conv;

import dev.striate.simd.Clamp;
import dev.striate.simd.FloatSpecies;
import dev.striate.simd.Interleave;
import dev.striate.simd.Lanes;
import dev.striate.simd.Rows;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

import static jdk.incubator.vector.VectorOperators.GE;
import static jdk.incubator.vector.VectorOperators.LE;

/**
 * Direct kernels for depthwise convolution ({@code groups == inChannels}; output channel {@code oc}
 * reads input channel {@code oc / (outChannels/inChannels)} only). Lowered to GEMM, each group would
 * be an M=1 product with no reuse; here vectors of output pixels accumulate the kernel taps directly.
 *
 * <p>Each input channel is first copied into a <em>padded, stride-split plane</em>: the padding is
 * written as zeros, and padded column {@code c} of a row is stored at {@code (c mod s)·phase + c/s}
 * for stride {@code s}. Then for every tap the input columns of consecutive output pixels are
 * consecutive floats, whatever the stride, and no tap needs a bounds test: each output vector is
 * {@code KH·KW} plain loads and fused multiply-adds. The plane costs one extra pass over the input.
 *
 * <p>Per output element the taps are summed in (kh, kw) order from zero, then bias and clamp (the
 * backward passes likewise in a fixed order): the same float operations whichever thread computes
 * it, so results do not depend on the thread count.
 *
 * <p>Thread-safety: instances hold one thread's workspace; use one per concurrent task.
 */
final class Depthwise {

    private static final VectorSpecies<Float> S = FloatSpecies.PREFERRED;
    private static final int L = FloatSpecies.LANES;

    private final ConvParams p;
    private final int h, w, oh, ow;
    private final StridedPlane plane;
    /** Plane offset of each tap (kh, kw) from the output pixel's first tap. */
    private final int[] taps;
    /** The taps column by column (kw outer): the order backwardData adds them in. */
    private final int[] scatterOrder;
    /** Three-column kernel rows at column stride 2, undilated: backwardData runs {@link #scatterPairedTaps}. */
    private final boolean pairedTaps;
    /**
     * 3x3 at stride 2 with one pad above and left, undilated, on an even width of at least a vector
     * of outputs per row (MobileNetV2's strided depthwise layers): {@link #backwardData} runs as a
     * gather ({@link #gatherStride2}); dy with a zero column after each row, made on first use.
     */
    private final boolean stride2Gather;
    private float[] paddedGradients = new float[0];
    /** All lanes but the last: the lanes of a row's last vector of dx column pairs that have an output to the right. */
    private static final VectorMask<Float> BUT_LAST_LANE = VectorMask.fromLong(S, (1L << (L - 1)) - 1);
    /**
     * One vector of scratch: the partial last output vector of a row on its way to the output, or a
     * row's last gradients zero-padded to a whole vector (dx).
     */
    private final float[] tail = new float[L];
    /**
     * The gradient columns past a row's last whole vector, zero-padded to one vector per row
     * ({@code oh × L}), for {@link #addTailColumns}; and which of a vector's lanes are such columns.
     */
    private final float[] tailGradients;
    private final VectorMask<Float> tailLanes;
    /**
     * The lanes one past {@link #tailLanes}'s ({@code [1, ow mod L]}): where a row's last gradients land
     * one float on, in {@link #scatterPairedTail} (lane 0 there is the last whole vector's carry,
     * added already).
     */
    private final VectorMask<Float> shiftedTailLanes;
    /** Output columns of a row that whole vectors cover without running past it. */
    private final int wholeColumns;
    /**
     * For the layers {@link #flattens} picks: the plane again at its padded width plus rows of slack,
     * its tap offsets, and the outputs at that width, so {@link #forward} runs the whole plane as
     * one long row; null otherwise.
     */
    private final StridedPlane flatPlane;
    private final int[] flatTaps;
    private final float[] flatOut;
    /** dy at the flattened plane's width, zero in the dropped columns and up to a whole pair of vectors; made on first use. */
    private float[] flatGradients;
    /** The weight gradient's sums of one call ({@link #backwardWeightsFlat}). */
    private final float[] tapSums;
    /**
     * The weight gradient's accumulators, stored to be summed lane by lane ({@link Lanes#sum(float[], int,
     * int)}): a kernel ending in eight or nine vector sums made C2 stop inlining them at 16 lanes, and
     * boxed the vectors it passed.
     */
    private final float[] laneSums = new float[9 * L];

    /** Geometry for {@code h×w} inputs of layer p. */
    Depthwise(ConvParams p, int h, int w) {
        this.p = p;
        this.h = h;
        this.w = w;
        this.oh = p.outputHeight(h);
        this.ow = p.outputWidth(w);
        // Columns read by the last output vector, lanes past ow included, must exist in the plane.
        int roundedOw = (ow + L - 1) / L * L;
        int columns = Math.max(p.padLeft() + w + p.padRight(),
                (roundedOw - 1) * p.strideW() + (p.kernelW() - 1) * p.dilationW() + 1);
        this.plane = new StridedPlane(p.padTop() + h + p.padBottom(), columns, p.strideW(), p.padTop(), p.padLeft());
        this.wholeColumns = ow - ow % L;
        this.tailGradients = new float[oh * L];
        boolean[] lanes = new boolean[L];
        java.util.Arrays.fill(lanes, 0, ow % L, true);
        this.tailLanes = VectorMask.fromArray(S, lanes, 0);
        boolean[] shifted = new boolean[L];
        java.util.Arrays.fill(shifted, 1, Math.min(L, ow % L + 1), true);
        this.shiftedTailLanes = VectorMask.fromArray(S, shifted, 0);
        this.taps = new int[p.kernelH() * p.kernelW()];
        this.tapSums = new float[taps.length];
        this.pairedTaps = p.kernelW() == 3 && p.strideW() == 2 && p.dilationW() == 1;
        this.stride2Gather = pairedTaps && p.kernelH() == 3 && p.strideH() == 2 && p.dilationH() == 1
                && p.padTop() == 1 && p.padLeft() == 1 && w % 2 == 0 && ow == w / 2 && ow >= L;
        this.scatterOrder = new int[taps.length];
        for (int kw = 0, i = 0; kw < p.kernelW(); kw++) {
            for (int kh = 0; kh < p.kernelH(); kh++) {
                scatterOrder[i++] = kh * p.kernelW() + kw;
            }
        }
        tapOffsets(plane, taps);
        if (flattens(p, ow)) {
            // rows of slack for the last positions' lower taps and vector lanes
            int rows = p.padTop() + h + p.padBottom();
            int width = p.padLeft() + w + p.padRight();
            int slack = (p.kernelW() - 2 + 2 * L + width - 1) / width;
            this.flatPlane = new StridedPlane(rows + slack, width, 1, p.padTop(), p.padLeft());
            this.flatTaps = tapOffsets(flatPlane, new int[taps.length]);
            this.flatOut = new float[Math.multiplyExact(oh, flatPlane.rowStride)];
        } else {
            this.flatPlane = null;
            this.flatTaps = null;
            this.flatOut = null;
        }
    }

    private int[] tapOffsets(StridedPlane in, int[] into) {
        for (int i = 0; i < p.kernelH(); i++) {
            for (int j = 0; j < p.kernelW(); j++) {
                into[i * p.kernelW() + j] = in.offset(i * p.dilationH(), j * p.dilationW());
            }
        }
        return into;
    }

    /**
     * Whether {@link #forward} runs layer p's {@code ow}-wide output as one long row, at stride 1
     * undilated: outputs are computed at every padded column and the valid ones copied out.
     * <ul>
     * <li>3x3 on rows of one to two vectors (MobileNetV2's 14x14 maps on AVX2), where row by row most
     * of the work would go through the one-vector tail; two columns in sixteen wasted at 14x14.
     * Measured against the 8-channel {@link ChannelBlockedDepthwise} it replaces there (A/B of the
     * builds, one thread): 576 channels at 14x14 0.78, 384 0.83; at 7x7 (960 channels) it was 1.5×
     * slower — two in nine columns wasted and rows shorter than a vector copied one float at a time —
     * so narrower maps keep the channel-blocked kernel.
     * <li>Five columns wide ({@link #forwardFiveColumns}), any width: eight output vectors per pass need
     * a row longer than LeNet-5's 28; four columns in 32 are wasted there, as many as its rows'
     * spilling last vectors computed.
     * </ul>
     */
    static boolean flattens(ConvParams p, int ow) {
        boolean unit = p.unitStrideAndDilation();
        return unit && (p.kernelH() == 3 && p.kernelW() == 3 && ow >= L && ow < 2 * L || p.kernelW() == 5);
    }

    /** Whether this workspace serves inputs of this size (its owner's layer is fixed). */
    boolean fits(int height, int width) {
        return h == height && w == width;
    }

    /**
     * Plane floats (8 KB) per band of output rows whose input rows the 3x3 forward pass loads and
     * then computes, band after band: a 112x112 channel's plane (52 KB, more than L1) loaded whole
     * was read back from L2 by the taps. In the network, MobileNetV2's 96-channel stride-2 layer on
     * 112x112 took 500–540 µs a run against 580–600 loaded whole, its 32-channel 112x112 layer
     * 289–299 against 314 (one thread, per-step times of interleaved runs of the two builds).
     */
    static final int BAND_FLOATS = 2048;

    /** Floats of workspace the forward pass needs: one padded, stride-split plane, or the flattened plane and its outputs too. */
    long planeFloats() {
        return plane.floats() + (flatPlane == null ? 0 : flatPlane.floats() + flatOut.length);
    }

    /**
     * y := clamp(conv(x, weights) + bias) for one channel of one image | x: {@code h×w} at xOff; y:
     * {@code oh×ow} at yOff; the channel's {@code KH×KW} weights at wOff | y must not alias x |
     * allocates nothing.
     */
    void forward(float[] x, int xOff, float[] weights, int wOff, float bias, float min, float max,
                 float[] y, int yOff) {
        if (flatPlane != null) {
            float[] in = flatPlane.load(x, xOff, h, w);
            int width = flatPlane.rowStride;
            if (p.kernelW() == 3) {
                forward3x3(in, flatTaps, 0, weights, wOff, bias, min, max, flatOut, 0, 1, oh * width, 0);
            } else {
                forwardFiveColumns(in, weights, wOff, bias, min, max, flatOut, oh * width);
            }
            for (int yo = 0; yo < oh; yo++) {
                Rows.copy(flatOut, yo * width, y, yOff + yo * ow, ow);
            }
            return;
        }
        if (taps.length == 9 && p.dilationW() == 1 && p.strideW() <= 2) {
            int rowStep = p.strideH() * plane.rowStride;
            int bandRows = Math.max(1, BAND_FLOATS / rowStep);
            int loaded = 0;
            for (int yo = 0; yo < oh; yo += bandRows) {
                int rows = Math.min(bandRows, oh - yo);
                int needed = (yo + rows - 1) * p.strideH() + (p.kernelH() - 1) * p.dilationH() + 1;
                float[] in = plane.load(x, xOff, h, w, loaded, needed);
                loaded = needed;
                forward3x3(in, taps, yo * rowStep, weights, wOff, bias, min, max, y, yOff + yo * ow, rows, ow, rowStep);
            }
            return;
        }
        float[] in = plane.load(x, xOff, h, w);
        for (int yo = 0; yo < oh; yo++) {
            int base = yo * p.strideH() * plane.rowStride;
            int out = yOff + yo * ow;
            int whole = wholeVectorColumns(yo);
            int xo = 0;
            // four vectors of the row per pass over the taps, so each tap's offset and weight are
            // read once for four multiply-adds: per vector, the tap loop's loads and checks cost more
            // than its arithmetic (half the time of LeNet-5's 1→6 5x5 layer)
            for (; xo + 3 * L < whole; xo += 4 * L) {
                FloatVector a0 = FloatVector.zero(S), a1 = a0, a2 = a0, a3 = a0;
                for (int t = 0; t < taps.length; t++) {
                    FloatVector weight = FloatVector.broadcast(S, weights[wOff + t]);
                    int at = base + taps[t] + xo;
                    a0 = FloatVector.fromArray(S, in, at).fma(weight, a0);
                    a1 = FloatVector.fromArray(S, in, at + L).fma(weight, a1);
                    a2 = FloatVector.fromArray(S, in, at + 2 * L).fma(weight, a2);
                    a3 = FloatVector.fromArray(S, in, at + 3 * L).fma(weight, a3);
                }
                a0.add(bias).max(min).min(max).intoArray(y, out + xo);
                a1.add(bias).max(min).min(max).intoArray(y, out + xo + L);
                a2.add(bias).max(min).min(max).intoArray(y, out + xo + 2 * L);
                a3.add(bias).max(min).min(max).intoArray(y, out + xo + 3 * L);
            }
            for (; xo < whole; xo += L) {
                FloatVector acc = FloatVector.zero(S);
                for (int t = 0; t < taps.length; t++) {
                    acc = FloatVector.fromArray(S, in, base + taps[t] + xo).fma(FloatVector.broadcast(S, weights[wOff + t]), acc);
                }
                acc.add(bias).max(min).min(max).intoArray(y, out + xo);
            }
            if (whole < ow) {
                forwardTail(in, taps, base + whole, weights, wOff, bias, min, max, y, out + whole, ow - whole);
            }
        }
    }

    /**
     * Outputs {@code [0, cols)} of a flattened plane ({@link #flattens}) for kernels five columns
     * wide (LeNet-5's 5x5 layer on one input channel; the same operations in the same order): eight
     * output vectors per pass over the taps ({@link #fiveColumnOctet}), the last pass moved back to
     * end at cols (outputs computed twice are the same floats). Row by row, four vectors per pass
     * and a tap offset and bounds check per load, the taps cost three times their multiply-adds and
     * each vector's 25 dependent multiply-adds left the loop latency-bound.
     */
    private void forwardFiveColumns(float[] in, float[] weights, int wOff, float bias, float min, float max,
                                    float[] y, int cols) {
        int done = 0;
        if (cols >= 8 * L) {
            for (int next = 0; next < cols; next += 8 * L) {
                fiveColumnOctet(in, Math.min(next, cols - 8 * L), weights, wOff, bias, min, max, y);
            }
            done = cols;
        }
        for (int xo = done; xo < cols; xo += L) {
            forwardTail(in, flatTaps, xo, weights, wOff, bias, min, max, y, xo, Math.min(L, cols - xo));
        }
    }

    /**
     * Outputs {@code [xo, xo + 8L)} of {@link #forwardFiveColumns}, kernel rows at the flattened
     * plane's tap offsets. The five columns are written out, not a loop over kw: as a loop C2 kept
     * it one, with an index and bounds check per load, and the layer took 1.64× as long (A/B).
     */
    private void fiveColumnOctet(float[] in, int xo, float[] weights, int wOff, float bias, float min, float max,
                                 float[] y) {
        FloatVector a0 = FloatVector.zero(S), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0;
        for (int kh = 0; kh < p.kernelH(); kh++) {
            int at = flatTaps[5 * kh] + xo;
            int wt = wOff + 5 * kh;
            FloatVector k = FloatVector.broadcast(S, weights[wt]);
            a0 = FloatVector.fromArray(S, in, at).fma(k, a0);
            a1 = FloatVector.fromArray(S, in, at + L).fma(k, a1);
            a2 = FloatVector.fromArray(S, in, at + 2 * L).fma(k, a2);
            a3 = FloatVector.fromArray(S, in, at + 3 * L).fma(k, a3);
            a4 = FloatVector.fromArray(S, in, at + 4 * L).fma(k, a4);
            a5 = FloatVector.fromArray(S, in, at + 5 * L).fma(k, a5);
            a6 = FloatVector.fromArray(S, in, at + 6 * L).fma(k, a6);
            a7 = FloatVector.fromArray(S, in, at + 7 * L).fma(k, a7);
            k = FloatVector.broadcast(S, weights[wt + 1]);
            a0 = FloatVector.fromArray(S, in, at + 1).fma(k, a0);
            a1 = FloatVector.fromArray(S, in, at + L + 1).fma(k, a1);
            a2 = FloatVector.fromArray(S, in, at + 2 * L + 1).fma(k, a2);
            a3 = FloatVector.fromArray(S, in, at + 3 * L + 1).fma(k, a3);
            a4 = FloatVector.fromArray(S, in, at + 4 * L + 1).fma(k, a4);
            a5 = FloatVector.fromArray(S, in, at + 5 * L + 1).fma(k, a5);
            a6 = FloatVector.fromArray(S, in, at + 6 * L + 1).fma(k, a6);
            a7 = FloatVector.fromArray(S, in, at + 7 * L + 1).fma(k, a7);
            k = FloatVector.broadcast(S, weights[wt + 2]);
            a0 = FloatVector.fromArray(S, in, at + 2).fma(k, a0);
            a1 = FloatVector.fromArray(S, in, at + L + 2).fma(k, a1);
            a2 = FloatVector.fromArray(S, in, at + 2 * L + 2).fma(k, a2);
            a3 = FloatVector.fromArray(S, in, at + 3 * L + 2).fma(k, a3);
            a4 = FloatVector.fromArray(S, in, at + 4 * L + 2).fma(k, a4);
            a5 = FloatVector.fromArray(S, in, at + 5 * L + 2).fma(k, a5);
            a6 = FloatVector.fromArray(S, in, at + 6 * L + 2).fma(k, a6);
            a7 = FloatVector.fromArray(S, in, at + 7 * L + 2).fma(k, a7);
            k = FloatVector.broadcast(S, weights[wt + 3]);
            a0 = FloatVector.fromArray(S, in, at + 3).fma(k, a0);
            a1 = FloatVector.fromArray(S, in, at + L + 3).fma(k, a1);
            a2 = FloatVector.fromArray(S, in, at + 2 * L + 3).fma(k, a2);
            a3 = FloatVector.fromArray(S, in, at + 3 * L + 3).fma(k, a3);
            a4 = FloatVector.fromArray(S, in, at + 4 * L + 3).fma(k, a4);
            a5 = FloatVector.fromArray(S, in, at + 5 * L + 3).fma(k, a5);
            a6 = FloatVector.fromArray(S, in, at + 6 * L + 3).fma(k, a6);
            a7 = FloatVector.fromArray(S, in, at + 7 * L + 3).fma(k, a7);
            k = FloatVector.broadcast(S, weights[wt + 4]);
            a0 = FloatVector.fromArray(S, in, at + 4).fma(k, a0);
            a1 = FloatVector.fromArray(S, in, at + L + 4).fma(k, a1);
            a2 = FloatVector.fromArray(S, in, at + 2 * L + 4).fma(k, a2);
            a3 = FloatVector.fromArray(S, in, at + 3 * L + 4).fma(k, a3);
            a4 = FloatVector.fromArray(S, in, at + 4 * L + 4).fma(k, a4);
            a5 = FloatVector.fromArray(S, in, at + 5 * L + 4).fma(k, a5);
            a6 = FloatVector.fromArray(S, in, at + 6 * L + 4).fma(k, a6);
            a7 = FloatVector.fromArray(S, in, at + 7 * L + 4).fma(k, a7);
        }
        a0.add(bias).max(min).min(max).intoArray(y, xo);
        a1.add(bias).max(min).min(max).intoArray(y, xo + L);
        a2.add(bias).max(min).min(max).intoArray(y, xo + 2 * L);
        a3.add(bias).max(min).min(max).intoArray(y, xo + 3 * L);
        a4.add(bias).max(min).min(max).intoArray(y, xo + 4 * L);
        a5.add(bias).max(min).min(max).intoArray(y, xo + 5 * L);
        a6.add(bias).max(min).min(max).intoArray(y, xo + 6 * L);
        a7.add(bias).max(min).min(max).intoArray(y, xo + 7 * L);
    }

    /**
     * Output columns of row yo that whole vectors write: all of them, the last vector running past
     * the row, where {@link #spills} allows; otherwise all but the partial last vector, which
     * {@link #forwardTail} writes. Decided per row, outside the vector loop, so the loop has no
     * rarely taken side with vectors live across it (the shape in which C2 has boxed vectors here
     * before), and both forward kernels share one tail.
     */
    private int wholeVectorColumns(int yo) {
        return spills(yo) ? ow : wholeColumns;
    }

    /**
     * The partial last vector of a row: {@code count < L} outputs at {@code y[out]} from the plane at
     * {@code at}, the same operations as the whole vectors, through {@link #tail}. Not a masked
     * store: C2 leaves its mask checks out of line (measured: 60% of a 14x14 layer).
     */
    private void forwardTail(float[] in, int[] tapOffsets, int at, float[] weights, int wOff, float bias, float min,
                             float max, float[] y, int out, int count) {
        FloatVector acc = FloatVector.zero(S);
        for (int t = 0; t < tapOffsets.length; t++) {
            acc = FloatVector.fromArray(S, in, at + tapOffsets[t]).fma(FloatVector.broadcast(S, weights[wOff + t]), acc);
        }
        acc.add(bias).max(min).min(max).intoArray(tail, 0);
        System.arraycopy(tail, 0, y, out, count);
    }

    /**
     * {@link #forward} for 3x3 kernels at column stride 1 or 2, undilated along rows (the same
     * operations in the same order): weights in locals, each kernel row read from one plane index
     * plus constant column offsets — stride 1 at +0, +1, +2; stride 2 at +0 and +1 of the even
     * phase and +0 of the odd one — and two output vectors per pass, two independent chains of nine
     * multiply-adds. Nine tap offsets in locals, one chain per pass, spilled the offsets, kept a
     * bounds check per load and ran at ~22 cycles a vector, latency-bound (one 56x56 channel: 4.7 µs).
     * Output row r (of {@code rows}, {@code cols} wide, at {@code yOff + r·cols}) has its first tap at
     * plane index {@code inAt + r·rowStep}.
     */
    private void forward3x3(float[] in, int[] tapOffsets, int inAt, float[] weights, int wOff, float bias, float min, float max,
                            float[] y, int yOff, int rows, int cols, int rowStep) {
        FloatVector w0 = FloatVector.broadcast(S, weights[wOff]), w1 = FloatVector.broadcast(S, weights[wOff + 1]);
        FloatVector w2 = FloatVector.broadcast(S, weights[wOff + 2]), w3 = FloatVector.broadcast(S, weights[wOff + 3]);
        FloatVector w4 = FloatVector.broadcast(S, weights[wOff + 4]), w5 = FloatVector.broadcast(S, weights[wOff + 5]);
        FloatVector w6 = FloatVector.broadcast(S, weights[wOff + 6]), w7 = FloatVector.broadcast(S, weights[wOff + 7]);
        FloatVector w8 = FloatVector.broadcast(S, weights[wOff + 8]);
        // kernel rows 1 and 2 from row 0; the odd phase from the even one (stride 2)
        int row1 = tapOffsets[3], row2 = tapOffsets[6], odd = plane.phase;
        boolean strided = p.strideW() == 2;
        // Clamp's compare and blend per side (Math's bits): FloatVector.max and min are six
        // instructions each on AVX-512, beside the nine multiply-adds of an output vector
        float lo = Clamp.lowerThreshold(min), hi = Clamp.upperThreshold(max);
        int yo = 0;
        // Unit stride (and stride equal to the dilation): output rows two at a time, the middle two
        // input rows feeding both, four sums in flight instead of two — one row's pair of vectors
        // is two chains of nine dependent multiply-adds, and the FMA pipes waited on their latency.
        // Each output still gets its taps in (kh, kw) order from zero, then bias and clamp: the same
        // bits. Forward alone, one thread, alternated: 144 channels at 56x56 149 -> 122-125 µs, 32 at
        // 112x112 132-136 -> 101-116, 192 at 28x28 64-65 -> 59-64. As a method of its own, taking the
        // nine weight vectors, it boxed them (185-199 µs at 56x56); the same pairing for stride 2
        // beside it took this method past C2's budget, every vector boxed (144 channels 56x56/s2:
        // 2036 µs against 94) — this method is near that limit: even the per-row loop's pairsEnd and
        // second hoisted above both loops, for this block to share, made 32@112 5% slower (105-110
        // µs against 101-103), so the block works its own out.
        if (!strided && rowStep == row1 && cols >= L) {
            int pairSecond = cols >= 2 * L ? L : cols - L;
            for (; yo + 1 < rows; yo += 2) {
                int base = inAt + yo * row1;
                int out = yOff + yo * cols;
                for (int next = 0; next < cols; next += 2 * L) {
                    int xo = Math.min(next, cols - L - pairSecond);
                    int a = base + xo, b = a + row1, c = b + row1, d = c + row1;
                    FloatVector zero = FloatVector.zero(S);
                    FloatVector s0 = FloatVector.fromArray(S, in, a).fma(w0, zero);
                    FloatVector t0 = FloatVector.fromArray(S, in, a + pairSecond).fma(w0, zero);
                    s0 = FloatVector.fromArray(S, in, a + 1).fma(w1, s0);
                    t0 = FloatVector.fromArray(S, in, a + pairSecond + 1).fma(w1, t0);
                    s0 = FloatVector.fromArray(S, in, a + 2).fma(w2, s0);
                    t0 = FloatVector.fromArray(S, in, a + pairSecond + 2).fma(w2, t0);
                    FloatVector vb0 = FloatVector.fromArray(S, in, b);
                    s0 = vb0.fma(w3, s0);
                    FloatVector s1 = vb0.fma(w0, zero);
                    FloatVector ub0 = FloatVector.fromArray(S, in, b + pairSecond);
                    t0 = ub0.fma(w3, t0);
                    FloatVector t1 = ub0.fma(w0, zero);
                    FloatVector vb1 = FloatVector.fromArray(S, in, b + 1);
                    s0 = vb1.fma(w4, s0);
                    s1 = vb1.fma(w1, s1);
                    FloatVector ub1 = FloatVector.fromArray(S, in, b + pairSecond + 1);
                    t0 = ub1.fma(w4, t0);
                    t1 = ub1.fma(w1, t1);
                    FloatVector vb2 = FloatVector.fromArray(S, in, b + 2);
                    s0 = vb2.fma(w5, s0);
                    s1 = vb2.fma(w2, s1);
                    FloatVector ub2 = FloatVector.fromArray(S, in, b + pairSecond + 2);
                    t0 = ub2.fma(w5, t0);
                    t1 = ub2.fma(w2, t1);
                    FloatVector vc0 = FloatVector.fromArray(S, in, c);
                    s0 = vc0.fma(w6, s0);
                    s1 = vc0.fma(w3, s1);
                    FloatVector uc0 = FloatVector.fromArray(S, in, c + pairSecond);
                    t0 = uc0.fma(w6, t0);
                    t1 = uc0.fma(w3, t1);
                    FloatVector vc1 = FloatVector.fromArray(S, in, c + 1);
                    s0 = vc1.fma(w7, s0);
                    s1 = vc1.fma(w4, s1);
                    FloatVector uc1 = FloatVector.fromArray(S, in, c + pairSecond + 1);
                    t0 = uc1.fma(w7, t0);
                    t1 = uc1.fma(w4, t1);
                    FloatVector vc2 = FloatVector.fromArray(S, in, c + 2);
                    s0 = vc2.fma(w8, s0);
                    s1 = vc2.fma(w5, s1);
                    FloatVector uc2 = FloatVector.fromArray(S, in, c + pairSecond + 2);
                    t0 = uc2.fma(w8, t0);
                    t1 = uc2.fma(w5, t1);
                    s1 = FloatVector.fromArray(S, in, d).fma(w6, s1);
                    t1 = FloatVector.fromArray(S, in, d + pairSecond).fma(w6, t1);
                    s1 = FloatVector.fromArray(S, in, d + 1).fma(w7, s1);
                    t1 = FloatVector.fromArray(S, in, d + pairSecond + 1).fma(w7, t1);
                    s1 = FloatVector.fromArray(S, in, d + 2).fma(w8, s1);
                    t1 = FloatVector.fromArray(S, in, d + pairSecond + 2).fma(w8, t1);
                    s0 = s0.add(bias);
                    s0 = s0.blend(min, s0.compare(LE, lo));
                    s0.blend(max, s0.compare(GE, hi)).intoArray(y, out + xo);
                    t0 = t0.add(bias);
                    t0 = t0.blend(min, t0.compare(LE, lo));
                    t0.blend(max, t0.compare(GE, hi)).intoArray(y, out + xo + pairSecond);
                    s1 = s1.add(bias);
                    s1 = s1.blend(min, s1.compare(LE, lo));
                    s1.blend(max, s1.compare(GE, hi)).intoArray(y, out + cols + xo);
                    t1 = t1.add(bias);
                    t1 = t1.blend(min, t1.compare(LE, lo));
                    t1.blend(max, t1.compare(GE, hi)).intoArray(y, out + cols + xo + pairSecond);
                }
            }
        }
        for (; yo < rows; yo++) {
            int base = inAt + yo * rowStep;
            int out = yOff + yo * cols;
            // pairs of vectors, the last pair moved back to end at the row's end, or on a row of one
            // to two vectors its second vector moved back over the first (outputs computed twice are
            // the same floats): no partial vector, no odd vector through the slower tail
            int pairsEnd = cols >= L ? cols : 0;
            int second = cols >= 2 * L ? L : cols - L;
            for (int next = 0; next < pairsEnd; next += 2 * L) {
                int xo = Math.min(next, pairsEnd - L - second);
                int a = base + xo, b = a + row1, c = a + row2;
                FloatVector s;
                FloatVector t;
                if (strided) {
                    int ao = a + odd, bo = b + odd, co = c + odd;
                    s = FloatVector.fromArray(S, in, a).fma(w0, FloatVector.zero(S));
                    t = FloatVector.fromArray(S, in, a + second).fma(w0, FloatVector.zero(S));
                    s = FloatVector.fromArray(S, in, ao).fma(w1, s);
                    t = FloatVector.fromArray(S, in, ao + second).fma(w1, t);
                    s = FloatVector.fromArray(S, in, a + 1).fma(w2, s);
                    t = FloatVector.fromArray(S, in, a + second + 1).fma(w2, t);
                    s = FloatVector.fromArray(S, in, b).fma(w3, s);
                    t = FloatVector.fromArray(S, in, b + second).fma(w3, t);
                    s = FloatVector.fromArray(S, in, bo).fma(w4, s);
                    t = FloatVector.fromArray(S, in, bo + second).fma(w4, t);
                    s = FloatVector.fromArray(S, in, b + 1).fma(w5, s);
                    t = FloatVector.fromArray(S, in, b + second + 1).fma(w5, t);
                    s = FloatVector.fromArray(S, in, c).fma(w6, s);
                    t = FloatVector.fromArray(S, in, c + second).fma(w6, t);
                    s = FloatVector.fromArray(S, in, co).fma(w7, s);
                    t = FloatVector.fromArray(S, in, co + second).fma(w7, t);
                    s = FloatVector.fromArray(S, in, c + 1).fma(w8, s);
                    t = FloatVector.fromArray(S, in, c + second + 1).fma(w8, t);
                } else {
                    s = FloatVector.fromArray(S, in, a).fma(w0, FloatVector.zero(S));
                    t = FloatVector.fromArray(S, in, a + second).fma(w0, FloatVector.zero(S));
                    s = FloatVector.fromArray(S, in, a + 1).fma(w1, s);
                    t = FloatVector.fromArray(S, in, a + second + 1).fma(w1, t);
                    s = FloatVector.fromArray(S, in, a + 2).fma(w2, s);
                    t = FloatVector.fromArray(S, in, a + second + 2).fma(w2, t);
                    s = FloatVector.fromArray(S, in, b).fma(w3, s);
                    t = FloatVector.fromArray(S, in, b + second).fma(w3, t);
                    s = FloatVector.fromArray(S, in, b + 1).fma(w4, s);
                    t = FloatVector.fromArray(S, in, b + second + 1).fma(w4, t);
                    s = FloatVector.fromArray(S, in, b + 2).fma(w5, s);
                    t = FloatVector.fromArray(S, in, b + second + 2).fma(w5, t);
                    s = FloatVector.fromArray(S, in, c).fma(w6, s);
                    t = FloatVector.fromArray(S, in, c + second).fma(w6, t);
                    s = FloatVector.fromArray(S, in, c + 1).fma(w7, s);
                    t = FloatVector.fromArray(S, in, c + second + 1).fma(w7, t);
                    s = FloatVector.fromArray(S, in, c + 2).fma(w8, s);
                    t = FloatVector.fromArray(S, in, c + second + 2).fma(w8, t);
                }
                s = s.add(bias);
                t = t.add(bias);
                s = s.blend(min, s.compare(LE, lo));
                t = t.blend(min, t.compare(LE, lo));
                s.blend(max, s.compare(GE, hi)).intoArray(y, out + xo);
                t.blend(max, t.compare(GE, hi)).intoArray(y, out + xo + second);
            }
            // rows too short for a pair: the general tail, the same operations
            for (int xo = pairsEnd; xo < cols; xo += L) {
                forwardTail(in, tapOffsets, base + xo, weights, wOff, bias, min, max, y, out + xo, Math.min(L, cols - xo));
            }
        }
    }

    /**
     * Whether the last vector of output row yo may spill past the row instead of a masked store (slow
     * on AVX2): the rows it spills into are written after it, and the spill stays inside this
     * channel's plane. Rows narrower than a vector spill over several rows; only the plane's last
     * vector-width of outputs needs the mask.
     */
    private boolean spills(int yo) {
        return (yo + 1) * ow + L - ow % L <= oh * ow;
    }

    /**
     * dx := Σ over the given output channels of their gradient sent back through their weights, for
     * one image's input channel | dy of channel {@code oc0 + m} at {@code dyOff + m·oh·ow}, its weights at
     * {@code wOff + m·KH·KW}, for m in [0, count); dx: {@code h×w} at dxOff, overwritten | no aliasing |
     * allocates nothing.
     */
    void backwardData(float[] dy, int dyOff, int count, float[] weights, int wOff, float[] dx, int dxOff) {
        if (stride2Gather && count == 1) {
            gatherStride2(dy, dyOff, weights, wOff, dx, dxOff);
            return;
        }
        float[] acc = plane.buffer();
        java.util.Arrays.fill(acc, 0, (int) plane.floats(), 0f);
        int kk = taps.length;
        int full = wholeColumns;
        for (int m = 0; m < count; m++) {
            for (int yo = 0; yo < oh; yo++) {
                int base = yo * p.strideH() * plane.rowStride;
                int grad = dyOff + m * oh * ow + yo * ow;
                if (pairedTaps) {
                    scatterPairedTaps(dy, grad, weights, wOff + m * kk, acc, base);
                } else {
                    for (int i = 0; i < kk; i++) {
                        int t = scatterOrder[i];
                        FloatVector wt = FloatVector.broadcast(S, weights[wOff + m * kk + t]);
                        int at = base + taps[t];
                        for (int xo = 0; xo < full; xo += L) {
                            FloatVector g = FloatVector.fromArray(S, dy, grad + xo);
                            g.fma(wt, FloatVector.fromArray(S, acc, at + xo)).intoArray(acc, at + xo);
                        }
                    }
                }
                if (full < ow) {
                    // The row's last gradients as a whole vector, its lanes past the row blended back to
                    // what the plane held (their products are not just zero: an infinite weight makes
                    // NaN), instead of a masked load and store, which C2 keeps out of line on AVX2
                    // (this pass ran at ~1 GFLOPS with them). The lanes past the row hold what the last
                    // row left there: blended out as well, so they need no clearing.
                    // paired taps read dy in place where a vector fits (its lanes past the row
                    // blended out like padded ones), else the zero-padded copy
                    boolean inPlace = pairedTaps && grad + full + L <= dy.length;
                    if (!inPlace) {
                        System.arraycopy(dy, grad + full, tail, 0, ow - full);
                    }
                    if (pairedTaps) {
                        scatterPairedTail(inPlace ? dy : tail, inPlace ? grad + full : 0, weights, wOff + m * kk, acc,
                                base + full);
                    } else {
                        for (int t = 0; t < kk; t++) {
                            FloatVector wt = FloatVector.broadcast(S, weights[wOff + m * kk + t]);
                            int at = base + taps[t] + full;
                            FloatVector before = FloatVector.fromArray(S, acc, at);
                            before.blend(FloatVector.fromArray(S, tail, 0).fma(wt, before), tailLanes).intoArray(acc, at);
                        }
                    }
                }
            }
        }
        plane.store(dx, dxOff, h, w);
    }

    /**
     * {@link #backwardData} for {@link #stride2Gather}'s layers, each dx element gathered from the
     * outputs whose windows cover it instead of each output scattered over its taps: with
     * {@code ih + 1 = 2·oh + kh} and {@code iw + 1 = 2·ow + kw}, an odd dx row takes kernel rows 0
     * and 2 (outputs (ih + 1)/2 and (ih − 1)/2), an even one row 1 (output ih/2); in a row, column
     * 2b takes tap 1 of output b, column 2b + 1 taps 2 of output b and 0 of output b + 1. So L
     * outputs' gradients, loaded plainly at b and b + 1, give 2L dx columns, interleaved by two
     * zips; the row's last block moved back to end at its end (columns computed twice are the same
     * floats). Per element the taps are added in kernel-row order, tap 2 before tap 0. The scatter
     * read, added to and stored each plane vector once per tap, and a row of 28 outputs went through
     * its one-vector tail: 144 channels at 56x56, stride 2, took 1.8× the forward pass.
     */
    private void gatherStride2(float[] dy, int dyOff, float[] weights, int wOff, float[] dx, int dxOff) {
        int rowStride = ow + 1; // a zero column after each row: output ow, right of the last, has no gradient
        if (paddedGradients.length < oh * rowStride + L) {
            paddedGradients = new float[oh * rowStride + L];
        }
        float[] g = paddedGradients;
        for (int o = 0; o < oh; o++) {
            System.arraycopy(dy, dyOff + o * ow, g, o * rowStride, ow);
        }
        for (int ih = 0; ih < h; ih++) {
            int out = dxOff + ih * w;
            boolean odd = (ih & 1) == 1;
            // kernel row a on output row ra, and for odd dx rows row 2 on rb (none past the last output
            // row); the two written out: as a loop over the kernel rows of the row's parity (the same
            // operations) the pass took 1.34-1.36x as long
            int ka = odd ? 0 : 1;
            int ra = odd ? (ih + 1) / 2 : ih / 2;
            int rb = odd ? (ih - 1) / 2 : -1;
            boolean hasA = ra < oh;
            for (int next = 0; next < ow; next += L) {
                int b = Math.min(next, ow - L);
                // the last block's last lane: output b + 1 past the row, its gradient the zero column,
                // kept out of the sum (an infinite tap 0 times that zero is NaN)
                boolean last = b + L == ow;
                FloatVector even = FloatVector.zero(S);
                FloatVector oddCols = FloatVector.zero(S);
                if (hasA) {
                    int at = ra * rowStride + b;
                    FloatVector g0 = FloatVector.fromArray(S, g, at);
                    FloatVector g1 = FloatVector.fromArray(S, g, at + 1);
                    int wk = wOff + 3 * ka;
                    even = g0.fma(FloatVector.broadcast(S, weights[wk + 1]), even);
                    oddCols = g0.fma(FloatVector.broadcast(S, weights[wk + 2]), oddCols);
                    FloatVector withNext = g1.fma(FloatVector.broadcast(S, weights[wk]), oddCols);
                    oddCols = last ? oddCols.blend(withNext, BUT_LAST_LANE) : withNext;
                }
                if (rb >= 0) {
                    int at = rb * rowStride + b;
                    FloatVector g0 = FloatVector.fromArray(S, g, at);
                    FloatVector g1 = FloatVector.fromArray(S, g, at + 1);
                    int wk = wOff + 6;
                    even = g0.fma(FloatVector.broadcast(S, weights[wk + 1]), even);
                    oddCols = g0.fma(FloatVector.broadcast(S, weights[wk + 2]), oddCols);
                    FloatVector withNext = g1.fma(FloatVector.broadcast(S, weights[wk]), oddCols);
                    oddCols = last ? oddCols.blend(withNext, BUT_LAST_LANE) : withNext;
                }
                even.rearrange(Interleave.ZIP_LOW, oddCols).intoArray(dx, out + 2 * b);
                even.rearrange(Interleave.ZIP_HIGH, oddCols).intoArray(dx, out + 2 * b + L);
            }
        }
    }

    /*
     * backwardData's whole vectors of one output row when each kernel row's taps are three columns
     * at stride 2 (MobileNet's strided 3x3): taps 0 and 2 fall in the same stride phase one float
     * apart, so adding them one tap after the other reloaded a vector its previous tap had just
     * stored one float aside, which store forwarding cannot serve. Here tap 2's products are shifted
     * one lane in registers (the vector's last lane carried into the next) and added with tap 0's:
     * each phase vector is read and written once per kernel row.
     */
    private void scatterPairedTaps(float[] dy, int grad, float[] weights, int wAt, float[] acc, int base) {
        int full = wholeColumns;
        for (int kh = 0; kh < p.kernelH(); kh++) {
            FloatVector w0 = FloatVector.broadcast(S, weights[wAt + 3 * kh]);
            FloatVector w1 = FloatVector.broadcast(S, weights[wAt + 3 * kh + 1]);
            FloatVector w2 = FloatVector.broadcast(S, weights[wAt + 3 * kh + 2]);
            int even = base + taps[3 * kh];
            int odd = base + taps[3 * kh + 1];
            FloatVector carried = FloatVector.zero(S);
            for (int xo = 0; xo < full; xo += L) {
                FloatVector g = FloatVector.fromArray(S, dy, grad + xo);
                FloatVector third = g.mul(w2);
                g.fma(w0, FloatVector.fromArray(S, acc, even + xo)).add(carried.slice(L - 1, third))
                        .intoArray(acc, even + xo);
                g.fma(w1, FloatVector.fromArray(S, acc, odd + xo)).intoArray(acc, odd + xo);
                carried = third;
            }
            if (full > 0) {
                acc[even + full] += carried.lane(L - 1);
            }
        }
    }

    /**
     * The row's last gradients (a vector at {@code gradients[from]}, its lanes from {@code ow mod L}
     * on not this row's) through {@link #scatterPairedTaps}'s pairing, at plane index {@code at} of
     * the row's first tail column: per kernel row, tap 0 and tap 2's products (shifted one lane)
     * added to the even phase vector in one step, tap 1's to the odd one; lanes without a gradient
     * of this row blended back to what the plane held (an infinite weight times a padded zero is
     * NaN). Tap by tap, tap 2 reloaded the vector tap 0 had just stored one float aside, and the
     * gradients were a vector load of the few floats just copied into {@link #tail} — neither is
     * served by store forwarding: a third of MobileNetV2's 144-channel stride-2 dx went to these
     * four columns.
     */
    private void scatterPairedTail(float[] gradients, int from, float[] weights, int wAt, float[] acc, int at) {
        FloatVector g = FloatVector.fromArray(S, gradients, from);
        FloatVector zero = FloatVector.zero(S);
        for (int kh = 0; kh < p.kernelH(); kh++) {
            int even = at + taps[3 * kh];
            int odd = at + taps[3 * kh + 1];
            FloatVector e = FloatVector.fromArray(S, acc, even);
            e = e.blend(g.fma(FloatVector.broadcast(S, weights[wAt + 3 * kh]), e), tailLanes);
            FloatVector third = zero.slice(L - 1, g.mul(FloatVector.broadcast(S, weights[wAt + 3 * kh + 2])));
            e.blend(e.add(third), shiftedTailLanes).intoArray(acc, even);
            FloatVector o = FloatVector.fromArray(S, acc, odd);
            o.blend(g.fma(FloatVector.broadcast(S, weights[wAt + 3 * kh + 1]), o), tailLanes).intoArray(acc, odd);
        }
    }

    /**
     * dw[tap] += Σ_pixels dy · x under that tap, for one image and output channel | x: the input
     * channel {@code h×w} at xOff; dy: {@code oh×ow} at dyOff; dw: the channel's {@code KH×KW} at dwOff |
     * no aliasing | allocates nothing.
     */
    void backwardWeights(float[] x, int xOff, float[] dy, int dyOff, float[] dw, int dwOff) {
        if (flatPlane != null && p.kernelW() == 5 && ow % L != 0 && backwardWeightsFlat(x, xOff, dy, dyOff, dw, dwOff)) {
            return;
        }
        float[] in = plane.load(x, xOff, h, w);
        if (taps.length == 9) {
            backwardWeights3x3(in, dy, dyOff, dw, dwOff);
            return;
        }
        int full = wholeColumns;
        int t = 0;
        for (; t + 8 <= taps.length; t += 8) {
            backwardWeights8(in, dy, dyOff, dw, dwOff, t);
        }
        for (; t < taps.length; t++) {
            FloatVector acc = FloatVector.zero(S);
            for (int yo = 0; yo < oh; yo++) {
                int at = yo * p.strideH() * plane.rowStride + taps[t];
                int grad = dyOff + yo * ow;
                for (int xo = 0; xo < full; xo += L) {
                    acc = FloatVector.fromArray(S, dy, grad + xo).fma(FloatVector.fromArray(S, in, at + xo), acc);
                }
            }
            acc.intoArray(laneSums, 0);
            dw[dwOff + t] += Lanes.sum(laneSums, 0, L);
        }
        addTailColumns(in, dy, dyOff, dw, dwOff);
    }

    /**
     * {@link #backwardWeights} for five-column kernels over the flattened plane ({@link #flattens}): dy
     * copied to the plane's width with zeros in the dropped columns, then per kernel row one pass over
     * all of it, two vectors per step, ten accumulators — no per-row loops, no tail columns (row by
     * row, LeNet-5's 1→6 layer spent a quarter of its weight gradient on the four columns past the
     * last whole vector; A/B of the builds: 0.74 of its time). Taken only where rows end in a partial
     * vector: on rows of whole vectors (32 channels at 56x56) the row kernel's eight taps per pass
     * read fewer floats per multiply-add and it measured 1.06× faster. A dropped column's zero
     * gradient meets real inputs past the row, and zero times an infinite input is NaN where the row
     * kernel blends those inputs out: when any tap's sum is not finite, nothing is added and false
     * returned, for the row kernel to redo the call.
     */
    private boolean backwardWeightsFlat(float[] x, int xOff, float[] dy, int dyOff, float[] dw, int dwOff) {
        float[] in = flatPlane.load(x, xOff, h, w);
        int width = flatPlane.rowStride;
        int n = (oh * width + 2 * L - 1) / (2 * L) * (2 * L);
        if (flatGradients == null) {
            flatGradients = new float[n];
        }
        float[] g = flatGradients;
        for (int yo = 0; yo < oh; yo++) {
            Rows.copy(dy, dyOff + yo * ow, g, yo * width, ow);
        }
        for (int kh = 0; kh < p.kernelH(); kh++) {
            fiveColumnSums(in, g, n, flatTaps[5 * kh], 5 * kh);
        }
        for (float sum : tapSums) {
            if (!Float.isFinite(sum)) {
                return false;
            }
        }
        for (int t = 0; t < tapSums.length; t++) {
            dw[dwOff + t] += tapSums[t];
        }
        return true;
    }

    /** tapSums[t, t + 5) := Σ g·in over positions [0, n) for the kernel row at {@code row} from each position. */
    private void fiveColumnSums(float[] in, float[] g, int n, int row, int t) {
        FloatVector a0 = FloatVector.zero(S), a1 = a0, a2 = a0, a3 = a0, a4 = a0;
        FloatVector b0 = a0, b1 = a0, b2 = a0, b3 = a0, b4 = a0;
        for (int q = 0; q < n; q += 2 * L) {
            FloatVector u = FloatVector.fromArray(S, g, q);
            FloatVector v = FloatVector.fromArray(S, g, q + L);
            int at = row + q;
            a0 = FloatVector.fromArray(S, in, at).fma(u, a0);
            b0 = FloatVector.fromArray(S, in, at + L).fma(v, b0);
            a1 = FloatVector.fromArray(S, in, at + 1).fma(u, a1);
            b1 = FloatVector.fromArray(S, in, at + L + 1).fma(v, b1);
            a2 = FloatVector.fromArray(S, in, at + 2).fma(u, a2);
            b2 = FloatVector.fromArray(S, in, at + L + 2).fma(v, b2);
            a3 = FloatVector.fromArray(S, in, at + 3).fma(u, a3);
            b3 = FloatVector.fromArray(S, in, at + L + 3).fma(v, b3);
            a4 = FloatVector.fromArray(S, in, at + 4).fma(u, a4);
            b4 = FloatVector.fromArray(S, in, at + L + 4).fma(v, b4);
        }
        a0.add(b0).intoArray(laneSums, 0);
        a1.add(b1).intoArray(laneSums, L);
        a2.add(b2).intoArray(laneSums, 2 * L);
        a3.add(b3).intoArray(laneSums, 3 * L);
        a4.add(b4).intoArray(laneSums, 4 * L);
        for (int i = 0; i < 5; i++) {
            tapSums[t + i] = Lanes.sum(laneSums, i * L, L);
        }
    }

    /**
     * dw[t, t + 8) of {@link #backwardWeights}, the whole vectors: eight taps per pass over dy, each with
     * its own accumulator. A pass per tap was one chain of dependent multiply-adds, at their latency
     * (LeNet-5's 1→6 5x5 layer: 25 taps × 84 in a row); eight per pass took 0.93x the time of four.
     */
    private void backwardWeights8(float[] in, float[] dy, int dyOff, float[] dw, int dwOff, int t) {
        int t0 = taps[t], t1 = taps[t + 1], t2 = taps[t + 2], t3 = taps[t + 3];
        int t4 = taps[t + 4], t5 = taps[t + 5], t6 = taps[t + 6], t7 = taps[t + 7];
        int full = wholeColumns;
        FloatVector a0 = FloatVector.zero(S), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0;
        for (int yo = 0; yo < oh; yo++) {
            int base = yo * p.strideH() * plane.rowStride;
            int grad = dyOff + yo * ow;
            for (int xo = 0; xo < full; xo += L) {
                FloatVector g = FloatVector.fromArray(S, dy, grad + xo);
                int b = base + xo;
                a0 = FloatVector.fromArray(S, in, b + t0).fma(g, a0);
                a1 = FloatVector.fromArray(S, in, b + t1).fma(g, a1);
                a2 = FloatVector.fromArray(S, in, b + t2).fma(g, a2);
                a3 = FloatVector.fromArray(S, in, b + t3).fma(g, a3);
                a4 = FloatVector.fromArray(S, in, b + t4).fma(g, a4);
                a5 = FloatVector.fromArray(S, in, b + t5).fma(g, a5);
                a6 = FloatVector.fromArray(S, in, b + t6).fma(g, a6);
                a7 = FloatVector.fromArray(S, in, b + t7).fma(g, a7);
            }
        }
        a0.intoArray(laneSums, 0);
        a1.intoArray(laneSums, L);
        a2.intoArray(laneSums, 2 * L);
        a3.intoArray(laneSums, 3 * L);
        a4.intoArray(laneSums, 4 * L);
        a5.intoArray(laneSums, 5 * L);
        a6.intoArray(laneSums, 6 * L);
        a7.intoArray(laneSums, 7 * L);
        addLaneSums(dw, dwOff + t, 8);
    }

    /** dw[at + t] += the lane sum of the t-th vector stored in {@link #laneSums}, for t < count. */
    private void addLaneSums(float[] dw, int at, int count) {
        for (int t = 0; t < count; t++) {
            dw[at + t] += Lanes.sum(laneSums, t * L, L);
        }
    }

    /**
     * dw[tap] += the columns past the last whole vector, in a pass of their own: a masked load in the
     * vector loop took the Vector API's slow path (LeNet-5's 1→6 5x5 layer, which runs here, spent
     * more in this method than in all its GEMMs), and a scalar pass cost as much as the vector one.
     * The gradients are zero-padded to whole vectors; the plane's inputs past the row are real
     * values (infinite, say), so they are blended to zero before the product, never just multiplied
     * by a zero gradient. Eight taps per pass, each its own accumulator, the blend on the input, off
     * their chains (two per pass with the blend on the accumulator: LeNet-5's 1→6 weight gradient
     * 1.06x the time, A/B).
     */
    private void addTailColumns(float[] in, float[] dy, int dyOff, float[] dw, int dwOff) {
        int full = wholeColumns;
        int columns = ow - full;
        if (columns == 0) {
            return;
        }
        java.util.Arrays.fill(tailGradients, 0f);
        for (int yo = 0; yo < oh; yo++) {
            System.arraycopy(dy, dyOff + yo * ow + full, tailGradients, yo * L, columns);
        }
        FloatVector zero = FloatVector.zero(S);
        int t = 0;
        for (; t + 8 <= taps.length; t += 8) {
            int t0 = taps[t], t1 = taps[t + 1], t2 = taps[t + 2], t3 = taps[t + 3];
            int t4 = taps[t + 4], t5 = taps[t + 5], t6 = taps[t + 6], t7 = taps[t + 7];
            FloatVector a0 = zero, a1 = zero, a2 = zero, a3 = zero, a4 = zero, a5 = zero, a6 = zero, a7 = zero;
            for (int yo = 0; yo < oh; yo++) {
                int at = yo * p.strideH() * plane.rowStride + full;
                FloatVector g = FloatVector.fromArray(S, tailGradients, yo * L);
                a0 = zero.blend(FloatVector.fromArray(S, in, at + t0), tailLanes).fma(g, a0);
                a1 = zero.blend(FloatVector.fromArray(S, in, at + t1), tailLanes).fma(g, a1);
                a2 = zero.blend(FloatVector.fromArray(S, in, at + t2), tailLanes).fma(g, a2);
                a3 = zero.blend(FloatVector.fromArray(S, in, at + t3), tailLanes).fma(g, a3);
                a4 = zero.blend(FloatVector.fromArray(S, in, at + t4), tailLanes).fma(g, a4);
                a5 = zero.blend(FloatVector.fromArray(S, in, at + t5), tailLanes).fma(g, a5);
                a6 = zero.blend(FloatVector.fromArray(S, in, at + t6), tailLanes).fma(g, a6);
                a7 = zero.blend(FloatVector.fromArray(S, in, at + t7), tailLanes).fma(g, a7);
            }
            a0.intoArray(laneSums, 0);
            a1.intoArray(laneSums, L);
            a2.intoArray(laneSums, 2 * L);
            a3.intoArray(laneSums, 3 * L);
            a4.intoArray(laneSums, 4 * L);
            a5.intoArray(laneSums, 5 * L);
            a6.intoArray(laneSums, 6 * L);
            a7.intoArray(laneSums, 7 * L);
            addLaneSums(dw, dwOff + t, 8);
        }
        for (; t < taps.length; t++) {
            FloatVector acc = zero;
            for (int yo = 0; yo < oh; yo++) {
                int at = yo * p.strideH() * plane.rowStride + taps[t] + full;
                acc = zero.blend(FloatVector.fromArray(S, in, at), tailLanes)
                        .fma(FloatVector.fromArray(S, tailGradients, yo * L), acc);
            }
            acc.intoArray(laneSums, 0);
            dw[dwOff + t] += Lanes.sum(laneSums, 0, L);
        }
    }

    /**
     * {@link #backwardWeights} for 3x3 kernels: all nine taps in one pass over dy (nine accumulators
     * in registers), instead of nine passes that each reload dy.
     */
    private void backwardWeights3x3(float[] in, float[] dy, int dyOff, float[] dw, int dwOff) {
        int t0 = taps[0], t1 = taps[1], t2 = taps[2], t3 = taps[3], t4 = taps[4];
        int t5 = taps[5], t6 = taps[6], t7 = taps[7], t8 = taps[8];
        int full = wholeColumns;
        FloatVector a0 = FloatVector.zero(S), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0, a8 = a0;
        int yo = 0;
        // Unit stride, undilated: output rows two at a time, each tap summing row yo's product, then
        // row yo + 1's, vector by vector; the two middle input rows serve both — 14 loads for 18
        // multiply-adds where a row alone takes 10 for 9.
        if (p.unitStrideAndDilation()) {
            int row = t3 - t0;
            for (; yo + 1 < oh; yo += 2) {
                int base = yo * plane.rowStride;
                int grad = dyOff + yo * ow;
                for (int xo = 0; xo < full; xo += L) {
                    FloatVector g = FloatVector.fromArray(S, dy, grad + xo);
                    FloatVector h = FloatVector.fromArray(S, dy, grad + ow + xo);
                    int b = base + xo;
                    FloatVector v0 = FloatVector.fromArray(S, in, b + t0);
                    FloatVector v1 = FloatVector.fromArray(S, in, b + t1);
                    FloatVector v2 = FloatVector.fromArray(S, in, b + t2);
                    a0 = v0.fma(g, a0);
                    a1 = v1.fma(g, a1);
                    a2 = v2.fma(g, a2);
                    v0 = FloatVector.fromArray(S, in, b + t3);
                    v1 = FloatVector.fromArray(S, in, b + t4);
                    v2 = FloatVector.fromArray(S, in, b + t5);
                    a3 = v0.fma(g, a3);
                    a4 = v1.fma(g, a4);
                    a5 = v2.fma(g, a5);
                    a0 = v0.fma(h, a0);
                    a1 = v1.fma(h, a1);
                    a2 = v2.fma(h, a2);
                    v0 = FloatVector.fromArray(S, in, b + t6);
                    v1 = FloatVector.fromArray(S, in, b + t7);
                    v2 = FloatVector.fromArray(S, in, b + t8);
                    a6 = v0.fma(g, a6);
                    a7 = v1.fma(g, a7);
                    a8 = v2.fma(g, a8);
                    a3 = v0.fma(h, a3);
                    a4 = v1.fma(h, a4);
                    a5 = v2.fma(h, a5);
                    a6 = FloatVector.fromArray(S, in, b + row + t6).fma(h, a6);
                    a7 = FloatVector.fromArray(S, in, b + row + t7).fma(h, a7);
                    a8 = FloatVector.fromArray(S, in, b + row + t8).fma(h, a8);
                }
            }
        }
        for (; yo < oh; yo++) {
            int base = yo * p.strideH() * plane.rowStride;
            int grad = dyOff + yo * ow;
            for (int xo = 0; xo < full; xo += L) {
                FloatVector g = FloatVector.fromArray(S, dy, grad + xo);
                int b = base + xo;
                a0 = FloatVector.fromArray(S, in, b + t0).fma(g, a0);
                a1 = FloatVector.fromArray(S, in, b + t1).fma(g, a1);
                a2 = FloatVector.fromArray(S, in, b + t2).fma(g, a2);
                a3 = FloatVector.fromArray(S, in, b + t3).fma(g, a3);
                a4 = FloatVector.fromArray(S, in, b + t4).fma(g, a4);
                a5 = FloatVector.fromArray(S, in, b + t5).fma(g, a5);
                a6 = FloatVector.fromArray(S, in, b + t6).fma(g, a6);
                a7 = FloatVector.fromArray(S, in, b + t7).fma(g, a7);
                a8 = FloatVector.fromArray(S, in, b + t8).fma(g, a8);
            }
        }
        a0.intoArray(laneSums, 0);
        a1.intoArray(laneSums, L);
        a2.intoArray(laneSums, 2 * L);
        a3.intoArray(laneSums, 3 * L);
        a4.intoArray(laneSums, 4 * L);
        a5.intoArray(laneSums, 5 * L);
        a6.intoArray(laneSums, 6 * L);
        a7.intoArray(laneSums, 7 * L);
        a8.intoArray(laneSums, 8 * L);
        addLaneSums(dw, dwOff, 9);
        // Columns past the last whole vector in a pass of their own: with the nine accumulators live
        // across a masked tail in the loop above, C2 boxed them (0.3 GFLOPS).
        addTailColumns(in, dy, dyOff, dw, dwOff);
    }
}
