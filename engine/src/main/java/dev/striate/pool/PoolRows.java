package dev.striate.pool;

import dev.striate.simd.FloatSpecies;
import dev.striate.simd.Interleave;
import dev.striate.simd.Rows;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

import java.util.Arrays;

import static dev.striate.simd.Interleave.EVENS;
import static dev.striate.simd.Interleave.ODDS;
import static dev.striate.simd.Interleave.ZIP_LOW;
import static dev.striate.simd.Interleave.ZIP_HIGH;

/**
 * One thread's row buffers and the row kernels that pooling is built from.
 *
 * <p>A window's max (or sum) is separable: first over its rows, column by column, into one padded
 * row ({@link #combineRows}: contiguous vector loads of whole input rows), then over its columns
 * ({@link #combineTaps}). At stride 1 a tap is a vector load at a fixed offset in that row. The
 * 2- and 3-wide windows at stride 2 (the pools CNNs use) de-interleave two loaded vectors into a
 * tap's eight columns; any other stride s first splits the row by stride phase, so a tap is again a
 * contiguous load. Each input row is read once per window row that covers it, straight from the
 * image; nothing but one row is written besides the output.
 *
 * <p>Buffers carry {@code 2·L} floats of slack so the last vector of a row may load past its end;
 * only the output store is masked.
 *
 * <p>Thread-safety: one instance per concurrent task.
 */
final class PoolRows {

    private static final VectorSpecies<Float> S = FloatSpecies.PREFERRED;
    private static final int L = FloatSpecies.LANES;

    /** The padded row of column-wise combined window rows. */
    float[] row = new float[0];
    /** {@link #row} split by stride phase. */
    private float[] phases = new float[0];
    private final float[] spill = new float[L];
    private int[] tapOffsets = new int[0];
    /** Start of each window row inside the image, for the current output row. */
    private int[] rowStarts = new int[0];
    /** Per output column: how many taps the divisor counts (average pooling), or where its maximum is (max pooling with indices). */
    float[] columnCounts = new float[0];
    /** An output row, with room for a whole last vector past one leading slot (max pooling with indices, average pooling's gradient shares). */
    float[] outputRow = new float[0];
    /** Per output row: how many window rows the divisor counts (average pooling; {@link #rowCounts}). */
    private float[] rowCounts = new float[0];
    /** Average pooling's backward ring of scattered gradient rows ({@link #gradientRows}). */
    private float[] gradientRows = new float[0];

    /** Makes room for padded rows of {@code paddedWidth} floats, stride {@code stride}, {@code outWidth} outputs, {@code kernelWidth} taps. */
    void ensure(int paddedWidth, int stride, int outWidth, int kernelWidth, int kernelHeight) {
        if (rowStarts.length < kernelHeight) {
            rowStarts = new int[kernelHeight];
        }
        if (row.length < paddedWidth + 2 * L) {
            row = new float[paddedWidth + 2 * L];
        }
        int phaseFloats = stride * (paddedWidth / stride + 1) + 2 * L;
        if (stride > 1 && phases.length < phaseFloats) {
            phases = new float[phaseFloats];
        }
        if (tapOffsets.length < kernelWidth) {
            tapOffsets = new int[kernelWidth];
        }
        if (columnCounts.length < outWidth + L) {
            columnCounts = new float[outWidth + L];
            outputRow = new float[outWidth + 2 * L];
        }
    }

    /**
     * {@code row[0, padLeft)} and {@code row[padLeft + w, paddedWidth + 2L)} := fill: the columns
     * {@link #combineRows} leaves alone, so a plane's rows share one fill.
     */
    void fillPads(int padLeft, int w, int paddedWidth, float fill) {
        Arrays.fill(row, 0, padLeft, fill);
        Arrays.fill(row, padLeft + w, paddedWidth + 2 * L, fill);
    }

    /**
     * {@code row[padLeft + j] := max or sum over the window rows ih = ih0 + k·dilation in [0, h) of
     * x[xo + ih·w + j]} for j < w, or fill when no window row is inside the image; the pads are
     * {@link #fillPads}' (which must have used the same fill).
     */
    void combineRows(boolean max, float[] x, int xo, int h, int w, int ih0, int kernel, int dilation,
                    int padLeft, float fill) {
        float[] r = row;
        int count = 0;
        int last = 0;
        for (int k = 0; k < kernel; k++) {
            int ih = ih0 + k * dilation;
            if (ih >= 0 && ih < h) {
                last = xo + ih * w;
                rowStarts[count++] = last;
            }
        }
        if (count == 0) {
            Arrays.fill(r, padLeft, padLeft + w, fill);
        } else if (count == 1) {
            System.arraycopy(x, rowStarts[0], r, padLeft, w);
        } else {
            // The partial last vector reads on past the row while the array goes on (rows lie in
            // ascending order, the last the furthest): on 55- and 27-wide rows a scalar tail cost as
            // much as the vectors. The right pad it overwrites is filled again.
            int vectors = (w + L - 1) / L * L;
            int end = last + vectors <= x.length ? vectors : S.loopBound(w);
            if (max) {
                maxRows(x, rowStarts, count, r, padLeft, w, end);
            } else {
                sumRows(x, rowStarts, count, r, padLeft, w, end);
            }
            if (end > w) {
                Arrays.fill(r, padLeft + w, padLeft + end, fill);
            }
        }
    }

    /*
     * The row kernels below are one loop per operation and row count, every input row read in the
     * same pass. A pass per row pair through one method taking the operation as a flag took 350 µs
     * for the vertical step of 3x3/s2 on 64×112×112, these 190–250 µs: the loops are short (14
     * vectors for a 112-wide row), so each loop entry and each extra pass over the row counts.
     */

    // out[o + j] := max over the count rows x[at[i] + j], j < n, count >= 2, vectors up to end (a
    // multiple of L, <= n rounded up, every x read in bounds), scalars after | allocates nothing
    private static void maxRows(float[] x, int[] at, int count, float[] out, int o, int n, int end) {
        int a = at[0];
        int b = at[1];
        int j = 0;
        if (count == 2) {
            for (; j < end; j += L) {
                FloatVector.fromArray(S, x, a + j).max(FloatVector.fromArray(S, x, b + j)).intoArray(out, o + j);
            }
            for (; j < n; j++) {
                out[o + j] = Math.max(x[a + j], x[b + j]);
            }
            return;
        }
        int c = at[2];
        for (; j < end; j += L) {
            FloatVector.fromArray(S, x, a + j).max(FloatVector.fromArray(S, x, b + j))
                    .max(FloatVector.fromArray(S, x, c + j)).intoArray(out, o + j);
        }
        for (; j < n; j++) {
            out[o + j] = Math.max(Math.max(x[a + j], x[b + j]), x[c + j]);
        }
        for (int i = 3; i < count; i++) {
            int d = at[i];
            j = 0;
            for (; j < end; j += L) {
                FloatVector.fromArray(S, out, o + j).max(FloatVector.fromArray(S, x, d + j)).intoArray(out, o + j);
            }
            for (; j < n; j++) {
                out[o + j] = Math.max(out[o + j], x[d + j]);
            }
        }
    }

    // out[o + j] := sum over the count rows x[at[i] + j], j < n, count >= 2, vectors up to end as
    // maxRows | allocates nothing
    private static void sumRows(float[] x, int[] at, int count, float[] out, int o, int n, int end) {
        int a = at[0];
        int b = at[1];
        int j = 0;
        if (count == 2) {
            for (; j < end; j += L) {
                FloatVector.fromArray(S, x, a + j).add(FloatVector.fromArray(S, x, b + j)).intoArray(out, o + j);
            }
            for (; j < n; j++) {
                out[o + j] = x[a + j] + x[b + j];
            }
            return;
        }
        int c = at[2];
        for (; j < end; j += L) {
            FloatVector.fromArray(S, x, a + j).add(FloatVector.fromArray(S, x, b + j))
                    .add(FloatVector.fromArray(S, x, c + j)).intoArray(out, o + j);
        }
        for (; j < n; j++) {
            out[o + j] = x[a + j] + x[b + j] + x[c + j];
        }
        for (int i = 3; i < count; i++) {
            Rows.add(out, o, x, at[i], Math.max(n, end));
        }
    }

    /**
     * {@code out[yo + o] := max or sum over kw < kernel of row[o·stride + kw·dilation]} for o in
     * [0, outWidth), the row having {@code paddedWidth} valid floats; for a sum, then divided by
     * {@code rowCount · columnCounts[o]} (average pooling). Floats of out in {@code [yo + outWidth,
     * outLimit)} may be overwritten: the caller writes them later.
     */
    void combineTaps(boolean max, int kernel, int dilation, int stride, int paddedWidth, int outWidth,
                     float rowCount, float[] out, int yo, int outLimit) {
        int full = S.loopBound(outWidth);
        // The partial last vector goes straight into out when the rest of the plane's output follows
        // (to be written next), else through a spill buffer: on 27- and 55-wide rows the spill's
        // second loop entry and copy cost a third of the row.
        int direct = full < outWidth && yo + full + L <= outLimit ? full + L : full;
        if (narrowStride2(kernel, dilation, stride)) {
            // the vectors read de-interleaved straight from the row
            stride2Taps(max, kernel == 3, 0, direct, rowCount, out, yo);
            if (direct < outWidth) {
                stride2Taps(max, kernel == 3, full, full + L, rowCount, spill, -full);
                System.arraycopy(spill, 0, out, yo + full, outWidth - full);
            }
            return;
        }
        float[] src = row;
        int phase = 0;
        if (stride > 1) {
            phase = splitPhases(stride, paddedWidth);
            src = phases;
        }
        int[] at = tapOffsets(kernel, dilation, stride, phase);
        // Vectors straight into out, by a loop specialized for the 2- and 3-tap windows that CNNs
        // use; a last, partial vector that may not overrun into a spill buffer, copied: no vector
        // store is masked or sits in a branch.
        if (kernel == 2 || kernel == 3) {
            taps23(max, src, at[1], kernel == 3 ? at[2] : -1, direct, rowCount, out, yo);
        } else {
            taps(max, src, at, kernel, 0, direct, rowCount, out, yo);
        }
        if (direct < outWidth) {
            taps(max, src, at, kernel, full, full + L, rowCount, spill, -full);
            System.arraycopy(spill, 0, out, yo + full, outWidth - full);
        }
    }

    /** The 2- and 3-wide undilated windows at stride 2, which {@link #stride2Taps} and {@link #stride2Scatter} serve. */
    private static boolean narrowStride2(int kernel, int dilation, int stride) {
        return stride == 2 && dilation == 1 && (kernel == 2 || kernel == 3);
    }

    /**
     * Where tap k (k < kernel) of output 0 lies in a row split by stride phase (phase length
     * {@code phase}; the row itself at stride 1): output o's tap is o further. In a buffer of this
     * instance, valid until the next call.
     */
    int[] tapOffsets(int kernel, int dilation, int stride, int phase) {
        int[] at = tapOffsets;
        for (int k = 0; k < kernel; k++) {
            int q = k * dilation;
            at[k] = (q % stride) * phase + q / stride;
        }
        return at;
    }

    // out[yo + o] := max or mean of src[o], src[o + t1] (and src[o + t2] when t2 >= 0), o < end step L | allocates nothing
    private void taps23(boolean max, float[] src, int t1, int t2, int end, float rowCount, float[] out, int yo) {
        float[] counts = columnCounts;
        if (max && t2 < 0) {
            for (int o = 0; o < end; o += L) {
                FloatVector.fromArray(S, src, o).max(FloatVector.fromArray(S, src, o + t1)).intoArray(out, yo + o);
            }
        } else if (max) {
            for (int o = 0; o < end; o += L) {
                FloatVector.fromArray(S, src, o).max(FloatVector.fromArray(S, src, o + t1))
                        .max(FloatVector.fromArray(S, src, o + t2)).intoArray(out, yo + o);
            }
        } else if (t2 < 0) {
            for (int o = 0; o < end; o += L) {
                FloatVector.fromArray(S, src, o).add(FloatVector.fromArray(S, src, o + t1))
                        .div(FloatVector.fromArray(S, counts, o).mul(rowCount)).intoArray(out, yo + o);
            }
        } else {
            for (int o = 0; o < end; o += L) {
                FloatVector.fromArray(S, src, o).add(FloatVector.fromArray(S, src, o + t1))
                        .add(FloatVector.fromArray(S, src, o + t2))
                        .div(FloatVector.fromArray(S, counts, o).mul(rowCount)).intoArray(out, yo + o);
            }
        }
    }

    // out[yo + o] := max or mean of row[2o], row[2o + 1] (and row[2o + 2] when three), o in [from, to) step L | allocates nothing
    private void stride2Taps(boolean max, boolean three, int from, int to, float rowCount, float[] out, int yo) {
        float[] r = row;
        float[] counts = columnCounts;
        for (int o = from; o < to; o += L) {
            FloatVector a = FloatVector.fromArray(S, r, 2 * o);
            FloatVector b = FloatVector.fromArray(S, r, 2 * o + L);
            FloatVector even = a.rearrange(EVENS, b);
            FloatVector odd = a.rearrange(ODDS, b);
            FloatVector acc = max ? even.max(odd) : even.add(odd);
            if (three) {
                FloatVector c = FloatVector.fromArray(S, r, 2 * o + 2);
                FloatVector d = FloatVector.fromArray(S, r, 2 * o + 2 + L);
                FloatVector next = c.rearrange(EVENS, d);
                acc = max ? acc.max(next) : acc.add(next);
            }
            if (!max) {
                acc = acc.div(FloatVector.fromArray(S, counts, o).mul(rowCount));
            }
            acc.intoArray(out, yo + o);
        }
    }

    // out[yo + o] := max or mean over the kernel taps src[o + at[k]], o in [from, to) step L | allocates nothing
    private void taps(boolean max, float[] src, int[] at, int kernel, int from, int to, float rowCount,
                      float[] out, int yo) {
        for (int o = from; o < to; o += L) {
            if (max) {
                FloatVector acc = FloatVector.fromArray(S, src, o);
                for (int k = 1; k < kernel; k++) {
                    acc = acc.max(FloatVector.fromArray(S, src, at[k] + o));
                }
                acc.intoArray(out, yo + o);
            } else {
                FloatVector acc = FloatVector.fromArray(S, src, o);
                for (int k = 1; k < kernel; k++) {
                    acc = acc.add(FloatVector.fromArray(S, src, at[k] + o));
                }
                acc.div(FloatVector.fromArray(S, columnCounts, o).mul(rowCount)).intoArray(out, yo + o);
            }
        }
    }

    /** The length of each stride phase {@link #splitPhases} makes of a padded row. */
    static int phaseLength(int stride, int paddedWidth) {
        return paddedWidth / stride + 1;
    }

    /** Splits row[0, paddedWidth) by stride phase into {@link #phases}; returns the phase length. */
    int splitPhases(int stride, int paddedWidth) {
        int p = phaseLength(stride, paddedWidth);
        float[] r = row;
        float[] ph = phases;
        if (stride == 2) {
            Interleave.splitPairs(r, 0, paddedWidth, ph, 0, ph, p);
        } else {
            for (int c = 0; c < paddedWidth; c++) {
                ph[(c % stride) * p + c / stride] = r[c];
            }
        }
        return p;
    }

    /** The row split by {@link #splitPhases}: phase q at {@code [q·length, (q + 1)·length)}. */
    float[] phases() {
        return phases;
    }

    /** The per-output-row divisor counts, room for {@code outHeight} of them (grown on first use and kept). */
    float[] rowCounts(int outHeight) {
        if (rowCounts.length < outHeight) {
            rowCounts = new float[outHeight];
        }
        return rowCounts;
    }

    /**
     * A buffer of {@code count} gradient rows of {@code rowFloats} each (average pooling's backward
     * ring, see {@link #scatterTaps}), grown on first use and kept.
     */
    float[] gradientRows(int count, int rowFloats) {
        if (gradientRows.length < count * rowFloats) {
            gradientRows = new float[count * rowFloats];
        }
        return gradientRows;
    }

    /**
     * {@code r[at + o·stride + kw·dilation] := Σ g[go + o] / (rowCount · columnCounts[o])} over the
     * taps landing there, every column of {@code r[at, at + paddedWidth + 2L)} written: the adjoint
     * of {@link #combineTaps} for a sum. Allocates nothing.
     */
    void scatterTaps(float[] g, int go, int kernel, int dilation, int stride, int outWidth, float rowCount,
                     int paddedWidth, float[] r, int at) {
        // shares[1 + o] := output o's share; shares[0] and the slots past the row stay 0, so output
        // o - 1's share is one load to the left and the last window's taps see zeros beyond it
        float[] shares = outputRow;
        float[] counts = columnCounts;
        int o = 0;
        // a partial last vector reads on past the row while g goes on (its lanes past the row are
        // cleared below): eight scalar divisions a row took a twelfth of 3x3/s2's backward
        int vectors = go + (outWidth + L - 1) / L * L <= g.length ? outWidth : S.loopBound(outWidth);
        for (; o < vectors; o += L) {
            FloatVector.fromArray(S, g, go + o).div(FloatVector.fromArray(S, counts, o).mul(rowCount))
                    .intoArray(shares, 1 + o);
        }
        for (; o < outWidth; o++) {
            shares[1 + o] = g[go + o] / (rowCount * counts[o]);
        }
        shares[0] = 0f;
        Arrays.fill(shares, 1 + outWidth, outWidth + 2 * L, 0f);
        if (narrowStride2(kernel, dilation, stride)) {
            int written = stride2Scatter(kernel == 3, outWidth, r, at);
            Arrays.fill(r, at + Math.min(written, paddedWidth + 2 * L), at + paddedWidth + 2 * L, 0f);
            return;
        }
        Arrays.fill(r, at, at + paddedWidth + 2 * L, 0f);
        for (o = 0; o < outWidth; o++) {
            float share = shares[1 + o];
            int first = at + o * stride;
            for (int k = 0; k < kernel; k++) {
                r[first + k * dilation] += share;
            }
        }
    }

    /*
     * The scatter of 2- and 3-wide windows at stride 2 as a gather: column 2o collects output o's
     * first tap and, for 3 taps, output o - 1's last; column 2o + 1 output o's middle (or last) tap.
     * Both columns' sums are interleaved into the row, L outputs at a time; the blocks run one past
     * the last output so its last tap lands too. Returns the floats written from {@code at}.
     */
    private int stride2Scatter(boolean three, int outWidth, float[] r, int at) {
        float[] shares = outputRow;
        int end = three ? outWidth + 1 : outWidth;
        int o = 0;
        for (; o < end; o += L) {
            FloatVector own = FloatVector.fromArray(S, shares, 1 + o);
            FloatVector even = three ? own.add(FloatVector.fromArray(S, shares, o)) : own;
            even.rearrange(ZIP_LOW, own).intoArray(r, at + 2 * o);
            even.rearrange(ZIP_HIGH, own).intoArray(r, at + 2 * o + L);
        }
        return 2 * o; // floats written from at
    }

}
