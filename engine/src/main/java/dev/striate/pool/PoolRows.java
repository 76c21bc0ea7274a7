package dev.striate.pool;

import dev.striate.simd.FloatSpecies;
import dev.striate.simd.Interleave;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

import java.util.Arrays;

/**
 * One thread's row buffers and the row kernels that pooling is built from.
 *
 * <p>A window's max (or sum) is separable: first over its rows, column by column, into one padded
 * row ({@link #combineRows}: contiguous vector loads of whole input rows), then over its columns
 * ({@link #combineTaps}). At stride 1 a tap is a vector load at a fixed offset in that row; at stride
 * s the row is first split by stride phase, so a tap is again a contiguous load. Each input row is
 * read once per window row that covers it, straight from the image; nothing but one row is written
 * besides the output.
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
    /** Per output column: how many taps the divisor counts (average pooling). */
    float[] columnCounts = new float[0];

    /** Makes room for padded rows of {@code paddedWidth} floats, stride {@code stride}, {@code outWidth} outputs. */
    void ensure(int paddedWidth, int stride, int outWidth) {
        if (row.length < paddedWidth + 2 * L) {
            row = new float[paddedWidth + 2 * L];
        }
        int phaseFloats = stride * (paddedWidth / stride + 1) + 2 * L;
        if (stride > 1 && phases.length < phaseFloats) {
            phases = new float[phaseFloats];
        }
        if (columnCounts.length < outWidth + L) {
            columnCounts = new float[outWidth + L];
        }
    }

    /**
     * {@code row[padLeft + j] := max or sum over the window rows ih = ih0 + k·dilation in [0, h) of
     * x[xo + ih·w + j]}, {@code row[0, padLeft)} and {@code row[padLeft + w, paddedWidth)} := fill.
     * Returns the number of rows inside the image (0: the row is all fill).
     */
    int combineRows(boolean max, float[] x, int xo, int h, int w, int ih0, int kernel, int dilation,
                    int padLeft, int paddedWidth, float fill) {
        float[] r = row;
        Arrays.fill(r, 0, padLeft, fill);
        Arrays.fill(r, padLeft + w, paddedWidth + 2 * L, fill);
        int first = -1;
        int count = 0;
        for (int k = 0; k < kernel; k++) {
            int ih = ih0 + k * dilation;
            if (ih < 0 || ih >= h) {
                continue;
            }
            int src = xo + ih * w;
            if (count == 0) {
                first = src;
            } else if (count == 1) {
                combine(max, x, first, x, src, r, padLeft, w);
            } else {
                combine(max, r, padLeft, x, src, r, padLeft, w);
            }
            count++;
        }
        if (count == 0) {
            Arrays.fill(r, padLeft, padLeft + w, fill);
        } else if (count == 1) {
            System.arraycopy(x, first, r, padLeft, w);
        }
        return count;
    }

    // out[o + j] := max or sum of a[ao + j], b[bo + j] for j < n | out may be a | allocates nothing
    private static void combine(boolean max, float[] a, int ao, float[] b, int bo, float[] out, int o, int n) {
        int j = 0;
        int bound = S.loopBound(n);
        if (max) {
            for (; j < bound; j += L) {
                FloatVector.fromArray(S, a, ao + j).max(FloatVector.fromArray(S, b, bo + j)).intoArray(out, o + j);
            }
            for (; j < n; j++) {
                out[o + j] = Math.max(a[ao + j], b[bo + j]);
            }
        } else {
            for (; j < bound; j += L) {
                FloatVector.fromArray(S, a, ao + j).add(FloatVector.fromArray(S, b, bo + j)).intoArray(out, o + j);
            }
            for (; j < n; j++) {
                out[o + j] = a[ao + j] + b[bo + j];
            }
        }
    }

    /**
     * {@code out[yo + o] := max or sum over kw < kernel of row[o·stride + kw·dilation]} for o in
     * [0, outWidth), the row having {@code paddedWidth} valid floats; for a sum, then divided by
     * {@code rowCount · columnCounts[o]} (average pooling).
     */
    void combineTaps(boolean max, int kernel, int dilation, int stride, int paddedWidth, int outWidth,
                     float rowCount, float[] out, int yo) {
        float[] src = row;
        int phase = 0;
        if (stride > 1) {
            phase = splitPhases(stride, paddedWidth);
            src = phases;
        }
        // The last, partial vector goes to a spill buffer and is copied: picking the destination by a
        // scalar select keeps every vector out of a branch (what C2 has been seen to box).
        int full = S.loopBound(outWidth);
        for (int o = 0; o < outWidth; o += L) {
            float[] dst = o < full ? out : spill;
            int at = o < full ? yo + o : 0;
            if (max) {
                FloatVector acc = FloatVector.fromArray(S, src, o);
                for (int k = 1; k < kernel; k++) {
                    int q = k * dilation;
                    acc = acc.max(FloatVector.fromArray(S, src, (q % stride) * phase + q / stride + o));
                }
                acc.intoArray(dst, at);
            } else {
                FloatVector acc = FloatVector.fromArray(S, src, o);
                for (int k = 1; k < kernel; k++) {
                    int q = k * dilation;
                    acc = acc.add(FloatVector.fromArray(S, src, (q % stride) * phase + q / stride + o));
                }
                acc.div(FloatVector.fromArray(S, columnCounts, o).mul(rowCount)).intoArray(dst, at);
            }
        }
        if (full < outWidth) {
            System.arraycopy(spill, 0, out, yo + full, outWidth - full);
        }
    }

    /** Splits row[0, paddedWidth) by stride phase into {@link #phases}; returns the phase length. */
    private int splitPhases(int stride, int paddedWidth) {
        int p = paddedWidth / stride + 1;
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

    /** Clears {@code row[0, paddedWidth + 2L)} for a gradient scatter. */
    void clearRow(int paddedWidth) {
        Arrays.fill(row, 0, paddedWidth + 2 * L, 0f);
    }

    /**
     * {@code row[o·stride + kw·dilation] += g[go + o] / (rowCount · columnCounts[o])} for every tap:
     * the adjoint of {@link #combineTaps} for a sum. Allocates nothing.
     */
    void scatterTaps(float[] g, int go, int kernel, int dilation, int stride, int outWidth, float rowCount) {
        float[] r = row;
        for (int o = 0; o < outWidth; o++) {
            float share = g[go + o] / (rowCount * columnCounts[o]);
            int at = o * stride;
            for (int k = 0; k < kernel; k++) {
                r[at + k * dilation] += share;
            }
        }
    }

    /** {@code dx[xo + j] += row[padLeft + j]} for j < w. */
    void addRowInto(float[] dx, int xo, int padLeft, int w) {
        combine(false, dx, xo, row, padLeft, dx, xo, w);
    }

}
