package dev.striate.simd;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

/**
 * Splitting a row by stride phase: the step that turns a stride-2 window walk into plain vector
 * loads. Shared by the strided convolution planes and the pooling rows.
 *
 * <p>Thread-safety: stateless.
 */
public final class Interleave {

    private static final VectorSpecies<Float> S = FloatSpecies.PREFERRED;
    private static final int L = FloatSpecies.LANES;
    // Two-vector shuffles for a.rearrange(s, b) (indexes from L name b's lanes), shared by every
    // kernel that splits or interleaves lanes. Constants, not helper methods: rearranges behind
    // small static helpers measured 2.4x slower in MaxPool2d (vectors passed to a method C2 does
    // not inline are boxed).
    /** The even lanes of (a, b): a0 a2 … b0 b2 …. */
    public static final VectorShuffle<Float> EVENS = VectorShuffle.fromOp(S, i -> 2 * i);
    /** The odd lanes of (a, b): a1 a3 … b1 b3 …. */
    public static final VectorShuffle<Float> ODDS = VectorShuffle.fromOp(S, i -> 2 * i + 1);
    /** The first halves of a and b interleaved: a0 b0 a1 b1 …. */
    public static final VectorShuffle<Float> ZIP_LOW = VectorShuffle.fromOp(S, i -> i % 2 * L + i / 2);
    /** The second halves of a and b interleaved. */
    public static final VectorShuffle<Float> ZIP_HIGH = VectorShuffle.fromOp(S, i -> i % 2 * L + L / 2 + i / 2);
    /** The first halves of a and b, one after the other: a0 … a(L/2−1) b0 … b(L/2−1). */
    public static final VectorShuffle<Float> FIRST_HALVES = VectorShuffle.fromOp(S, i -> i < L / 2 ? i : L / 2 + i);
    /** The second halves of a and b, one after the other. */
    public static final VectorShuffle<Float> SECOND_HALVES = VectorShuffle.fromOp(S, i -> i < L / 2 ? L / 2 + i : L + i);

    private Interleave() {
    }

    /**
     * {@code dst[dstOff + c·dstStride + r] := src[srcOff + r·srcStride + c]} for a {@code rows × cols}
     * block: square blocks of a vector's lanes transposed in registers ({@link #transposeSquare}),
     * the last block of rows and of columns moved back to end at the last one (elements written
     * twice are the same floats); blocks narrower than a vector {@value #TRANSPOSE_BLOCK} columns at
     * a time, each row's run of them one cache line read whole, written to that many dst rows in
     * step. Measured (a convolution's pixels × channels product, one thread): MobileNetV2's 49 × 960
     * product 27 µs element by element, 14 in blocks, 49 × 1280 37 and 19–23, ResNet's 49 × 512 16
     * and 8–10; with the column blocks outermost, 24 and 34 (each block then wrote its 16 dst rows a
     * line at a time). No aliasing. Allocates nothing.
     */
    public static void transpose(float[] src, int srcOff, int srcStride, int rows, int cols, float[] dst, int dstOff,
                                 int dstStride) {
        if (SQUARE_TRANSPOSE && rows >= L && cols >= L) {
            for (int nextRow = 0; nextRow < rows; nextRow += L) {
                int r0 = Math.min(nextRow, rows - L);
                for (int nextCol = 0; nextCol < cols; nextCol += L) {
                    int c0 = Math.min(nextCol, cols - L);
                    transposeSquare(src, srcOff + r0 * srcStride + c0, srcStride, dst, dstOff + c0 * dstStride + r0,
                            dstStride);
                }
            }
            return;
        }
        for (int c0 = 0; c0 < cols; c0 += TRANSPOSE_BLOCK) {
            int c1 = Math.min(cols, c0 + TRANSPOSE_BLOCK);
            for (int r = 0, from = srcOff + c0; r < rows; r++, from += srcStride) {
                for (int c = c0, to = dstOff + c0 * dstStride + r; c < c1; c++, to += dstStride) {
                    dst[to] = src[from + c - c0];
                }
            }
        }
    }

    /** Columns per pass of {@link #transpose}'s narrow form: one 64-byte cache line of floats. */
    private static final int TRANSPOSE_BLOCK = 16;

    /**
     * Eight rows of a vector each ({@code src[srcOff + r·srcStride, +LANES)}, r &lt; 8) interleaved in
     * registers by three rounds of zips, pairing row i with row i + 4: output vector k holds the eight
     * rows' values of columns {@code k·LANES/8} to {@code (k + 1)·LANES/8 − 1}, column by column, and
     * is stored at {@code dstOff + k·dstStride}. At 8 lanes that is the 8x8 transpose, dst row r :=
     * column r; with {@code dstStride == LANES}, at any width, {@code dst[dstOff + 8p + r] = row r,
     * column p} (the GEMM's 8-row A panels). src and dst may be the same block. In the preferred
     * species, never a narrower one: a second vector shape loaded in the JVM pessimizes every kernel
     * of the first (compiled code that had one FloatVector subclass to assume boxed vectors once it
     * had two; measured: megabytes allocated by warmed-up convolutions on a 512-bit machine). Array
     * arguments, not vectors, so a call C2 does not inline boxes nothing. Allocates nothing.
     */
    public static void transpose8(float[] src, int srcOff, int srcStride, float[] dst, int dstOff, int dstStride) {
        FloatVector x0 = FloatVector.fromArray(S, src, srcOff);
        FloatVector x1 = FloatVector.fromArray(S, src, srcOff + srcStride);
        FloatVector x2 = FloatVector.fromArray(S, src, srcOff + 2 * srcStride);
        FloatVector x3 = FloatVector.fromArray(S, src, srcOff + 3 * srcStride);
        FloatVector x4 = FloatVector.fromArray(S, src, srcOff + 4 * srcStride);
        FloatVector x5 = FloatVector.fromArray(S, src, srcOff + 5 * srcStride);
        FloatVector x6 = FloatVector.fromArray(S, src, srcOff + 6 * srcStride);
        FloatVector x7 = FloatVector.fromArray(S, src, srcOff + 7 * srcStride);
        FloatVector y0 = x0.rearrange(ZIP_LOW, x4), y1 = x0.rearrange(ZIP_HIGH, x4);
        FloatVector y2 = x1.rearrange(ZIP_LOW, x5), y3 = x1.rearrange(ZIP_HIGH, x5);
        FloatVector y4 = x2.rearrange(ZIP_LOW, x6), y5 = x2.rearrange(ZIP_HIGH, x6);
        FloatVector y6 = x3.rearrange(ZIP_LOW, x7), y7 = x3.rearrange(ZIP_HIGH, x7);
        x0 = y0.rearrange(ZIP_LOW, y4);
        x1 = y0.rearrange(ZIP_HIGH, y4);
        x2 = y1.rearrange(ZIP_LOW, y5);
        x3 = y1.rearrange(ZIP_HIGH, y5);
        x4 = y2.rearrange(ZIP_LOW, y6);
        x5 = y2.rearrange(ZIP_HIGH, y6);
        x6 = y3.rearrange(ZIP_LOW, y7);
        x7 = y3.rearrange(ZIP_HIGH, y7);
        x0.rearrange(ZIP_LOW, x4).intoArray(dst, dstOff);
        x0.rearrange(ZIP_HIGH, x4).intoArray(dst, dstOff + dstStride);
        x1.rearrange(ZIP_LOW, x5).intoArray(dst, dstOff + 2 * dstStride);
        x1.rearrange(ZIP_HIGH, x5).intoArray(dst, dstOff + 3 * dstStride);
        x2.rearrange(ZIP_LOW, x6).intoArray(dst, dstOff + 4 * dstStride);
        x2.rearrange(ZIP_HIGH, x6).intoArray(dst, dstOff + 5 * dstStride);
        x3.rearrange(ZIP_LOW, x7).intoArray(dst, dstOff + 6 * dstStride);
        x3.rearrange(ZIP_HIGH, x7).intoArray(dst, dstOff + 7 * dstStride);
    }

    /** Whether {@link #transposeSquare} serves this machine's vectors (8 or 16 lanes). */
    public static final boolean SQUARE_TRANSPOSE = L == 8 || L == 16;

    /**
     * A square block of a vector's lanes transposed: {@link #transpose8} at 8 lanes, {@link
     * #transpose16} at 16; dst row r := column r of the block whose row j is {@code src[srcOff +
     * j·srcStride, +LANES)}. Only where {@link #SQUARE_TRANSPOSE}.
     */
    public static void transposeSquare(float[] src, int srcOff, int srcStride, float[] dst, int dstOff, int dstStride) {
        if (L == 8) {
            transpose8(src, srcOff, srcStride, dst, dstOff, dstStride);
        } else {
            transpose16(src, srcOff, srcStride, dst, dstOff, dstStride);
        }
    }

    /**
     * A 16x16 block transposed, at 16 lanes: dst row r := column r of the block whose row j is
     * {@code src[srcOff + j·srcStride, +16)}, dst rows at {@code dstOff + r·dstStride}. Four rounds of
     * zips pairing row i with row i + 8, in registers ({@link #transpose8}'s scheme on sixteen rows).
     * 16-lane vectors only (AVX-512). Allocates nothing.
     */
    public static void transpose16(float[] src, int srcOff, int srcStride, float[] dst, int dstOff, int dstStride) {
        FloatVector x0 = FloatVector.fromArray(S, src, srcOff);
        FloatVector x1 = FloatVector.fromArray(S, src, srcOff + srcStride);
        FloatVector x2 = FloatVector.fromArray(S, src, srcOff + 2 * srcStride);
        FloatVector x3 = FloatVector.fromArray(S, src, srcOff + 3 * srcStride);
        FloatVector x4 = FloatVector.fromArray(S, src, srcOff + 4 * srcStride);
        FloatVector x5 = FloatVector.fromArray(S, src, srcOff + 5 * srcStride);
        FloatVector x6 = FloatVector.fromArray(S, src, srcOff + 6 * srcStride);
        FloatVector x7 = FloatVector.fromArray(S, src, srcOff + 7 * srcStride);
        FloatVector x8 = FloatVector.fromArray(S, src, srcOff + 8 * srcStride);
        FloatVector x9 = FloatVector.fromArray(S, src, srcOff + 9 * srcStride);
        FloatVector x10 = FloatVector.fromArray(S, src, srcOff + 10 * srcStride);
        FloatVector x11 = FloatVector.fromArray(S, src, srcOff + 11 * srcStride);
        FloatVector x12 = FloatVector.fromArray(S, src, srcOff + 12 * srcStride);
        FloatVector x13 = FloatVector.fromArray(S, src, srcOff + 13 * srcStride);
        FloatVector x14 = FloatVector.fromArray(S, src, srcOff + 14 * srcStride);
        FloatVector x15 = FloatVector.fromArray(S, src, srcOff + 15 * srcStride);
        FloatVector y0 = x0.rearrange(ZIP_LOW, x8);
        FloatVector y1 = x0.rearrange(ZIP_HIGH, x8);
        FloatVector y2 = x1.rearrange(ZIP_LOW, x9);
        FloatVector y3 = x1.rearrange(ZIP_HIGH, x9);
        FloatVector y4 = x2.rearrange(ZIP_LOW, x10);
        FloatVector y5 = x2.rearrange(ZIP_HIGH, x10);
        FloatVector y6 = x3.rearrange(ZIP_LOW, x11);
        FloatVector y7 = x3.rearrange(ZIP_HIGH, x11);
        FloatVector y8 = x4.rearrange(ZIP_LOW, x12);
        FloatVector y9 = x4.rearrange(ZIP_HIGH, x12);
        FloatVector y10 = x5.rearrange(ZIP_LOW, x13);
        FloatVector y11 = x5.rearrange(ZIP_HIGH, x13);
        FloatVector y12 = x6.rearrange(ZIP_LOW, x14);
        FloatVector y13 = x6.rearrange(ZIP_HIGH, x14);
        FloatVector y14 = x7.rearrange(ZIP_LOW, x15);
        FloatVector y15 = x7.rearrange(ZIP_HIGH, x15);
        x0 = y0.rearrange(ZIP_LOW, y8);
        x1 = y0.rearrange(ZIP_HIGH, y8);
        x2 = y1.rearrange(ZIP_LOW, y9);
        x3 = y1.rearrange(ZIP_HIGH, y9);
        x4 = y2.rearrange(ZIP_LOW, y10);
        x5 = y2.rearrange(ZIP_HIGH, y10);
        x6 = y3.rearrange(ZIP_LOW, y11);
        x7 = y3.rearrange(ZIP_HIGH, y11);
        x8 = y4.rearrange(ZIP_LOW, y12);
        x9 = y4.rearrange(ZIP_HIGH, y12);
        x10 = y5.rearrange(ZIP_LOW, y13);
        x11 = y5.rearrange(ZIP_HIGH, y13);
        x12 = y6.rearrange(ZIP_LOW, y14);
        x13 = y6.rearrange(ZIP_HIGH, y14);
        x14 = y7.rearrange(ZIP_LOW, y15);
        x15 = y7.rearrange(ZIP_HIGH, y15);
        y0 = x0.rearrange(ZIP_LOW, x8);
        y1 = x0.rearrange(ZIP_HIGH, x8);
        y2 = x1.rearrange(ZIP_LOW, x9);
        y3 = x1.rearrange(ZIP_HIGH, x9);
        y4 = x2.rearrange(ZIP_LOW, x10);
        y5 = x2.rearrange(ZIP_HIGH, x10);
        y6 = x3.rearrange(ZIP_LOW, x11);
        y7 = x3.rearrange(ZIP_HIGH, x11);
        y8 = x4.rearrange(ZIP_LOW, x12);
        y9 = x4.rearrange(ZIP_HIGH, x12);
        y10 = x5.rearrange(ZIP_LOW, x13);
        y11 = x5.rearrange(ZIP_HIGH, x13);
        y12 = x6.rearrange(ZIP_LOW, x14);
        y13 = x6.rearrange(ZIP_HIGH, x14);
        y14 = x7.rearrange(ZIP_LOW, x15);
        y15 = x7.rearrange(ZIP_HIGH, x15);
        y0.rearrange(ZIP_LOW, y8).intoArray(dst, dstOff);
        y0.rearrange(ZIP_HIGH, y8).intoArray(dst, dstOff + dstStride);
        y1.rearrange(ZIP_LOW, y9).intoArray(dst, dstOff + 2 * dstStride);
        y1.rearrange(ZIP_HIGH, y9).intoArray(dst, dstOff + 3 * dstStride);
        y2.rearrange(ZIP_LOW, y10).intoArray(dst, dstOff + 4 * dstStride);
        y2.rearrange(ZIP_HIGH, y10).intoArray(dst, dstOff + 5 * dstStride);
        y3.rearrange(ZIP_LOW, y11).intoArray(dst, dstOff + 6 * dstStride);
        y3.rearrange(ZIP_HIGH, y11).intoArray(dst, dstOff + 7 * dstStride);
        y4.rearrange(ZIP_LOW, y12).intoArray(dst, dstOff + 8 * dstStride);
        y4.rearrange(ZIP_HIGH, y12).intoArray(dst, dstOff + 9 * dstStride);
        y5.rearrange(ZIP_LOW, y13).intoArray(dst, dstOff + 10 * dstStride);
        y5.rearrange(ZIP_HIGH, y13).intoArray(dst, dstOff + 11 * dstStride);
        y6.rearrange(ZIP_LOW, y14).intoArray(dst, dstOff + 12 * dstStride);
        y6.rearrange(ZIP_HIGH, y14).intoArray(dst, dstOff + 13 * dstStride);
        y7.rearrange(ZIP_LOW, y15).intoArray(dst, dstOff + 14 * dstStride);
        y7.rearrange(ZIP_HIGH, y15).intoArray(dst, dstOff + 15 * dstStride);
    }

    /**
     * {@code even[evenAt + k] := x[from + 2k]} and {@code odd[oddAt + k] := x[from + 2k + 1]} for the
     * {@code n} elements {@code x[from, from + n)}, a vector pair at a time (a scalar scatter took
     * 1.5 ns per float, longer than the 3x3 depthwise kernel that reads it). The destinations must
     * not overlap the source. Allocates nothing.
     */
    public static void splitPairs(float[] x, int from, int n, float[] even, int evenAt, float[] odd, int oddAt) {
        int i = 0;
        if (n < 2 * L && from + 2 * L <= x.length && evenAt + L <= even.length && oddAt + L <= odd.length) {
            // a short row (14 or 28 wide at 16 lanes) as one pair read on past its end and stored
            // masked, not element by element (masked loads, or stores a vector from an array's end,
            // take the Vector API's checked path: slower than the scalar loop)
            FloatVector a = FloatVector.fromArray(S, x, from);
            FloatVector b = FloatVector.fromArray(S, x, from + L);
            a.rearrange(EVENS, b).intoArray(even, evenAt, S.indexInRange(0, (n + 1) / 2));
            a.rearrange(ODDS, b).intoArray(odd, oddAt, S.indexInRange(0, n / 2));
            return;
        }
        for (; i + 2 * L <= n; i += 2 * L) {
            splitPair(x, from + i, even, evenAt + i / 2, odd, oddAt + i / 2);
        }
        if (i < n && n >= 2 * L) {
            // the rest as one more pair ending at the last even-aligned position: it rewrites some
            // of the previous pair's elements with the same values, where a scalar loop took a
            // third of the split (MobileNet's rows of 56)
            int last = (n - 2 * L) & ~1;
            splitPair(x, from + last, even, evenAt + last / 2, odd, oddAt + last / 2);
            i = last + 2 * L;
        }
        for (; i < n; i++) {
            if ((i & 1) == 0) {
                even[evenAt + i / 2] = x[from + i];
            } else {
                odd[oddAt + i / 2] = x[from + i];
            }
        }
    }

    private static void splitPair(float[] x, int at, float[] even, int evenAt, float[] odd, int oddAt) {
        FloatVector a = FloatVector.fromArray(S, x, at);
        FloatVector b = FloatVector.fromArray(S, x, at + L);
        a.rearrange(EVENS, b).intoArray(even, evenAt);
        a.rearrange(ODDS, b).intoArray(odd, oddAt);
    }

    private static void mergePair(float[] even, int evenAt, float[] odd, int oddAt, float[] x, int at) {
        FloatVector a = FloatVector.fromArray(S, even, evenAt);
        FloatVector b = FloatVector.fromArray(S, odd, oddAt);
        a.rearrange(ZIP_LOW, b).intoArray(x, at);
        a.rearrange(ZIP_HIGH, b).intoArray(x, at + L);
    }

    /**
     * The inverse of {@link #splitPairs}: {@code x[to + 2k] := even[evenAt + k]} and
     * {@code x[to + 2k + 1] := odd[oddAt + k]} for the {@code n} elements {@code x[to, to + n)}, a
     * vector pair at a time (a scalar loop un-splitting a strided plane took longer than the depthwise
     * gradient it stored). x must not overlap the sources. Allocates nothing.
     */
    public static void mergePairs(float[] even, int evenAt, float[] odd, int oddAt, float[] x, int to, int n) {
        int i = 0;
        for (; i + 2 * L <= n; i += 2 * L) {
            mergePair(even, evenAt + i / 2, odd, oddAt + i / 2, x, to + i);
        }
        if (i < n && n >= 2 * L) {
            int last = (n - 2 * L) & ~1; // as in splitPairs: one more pair, overlapping the previous
            mergePair(even, evenAt + last / 2, odd, oddAt + last / 2, x, to + last);
            i = last + 2 * L;
        }
        for (; i < n; i++) {
            x[to + i] = (i & 1) == 0 ? even[evenAt + i / 2] : odd[oddAt + i / 2];
        }
    }
}
