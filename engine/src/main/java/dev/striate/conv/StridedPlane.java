package dev.striate.conv;

import dev.striate.simd.Interleave;
import dev.striate.simd.Rows;

/**
 * One input channel copied into a zero-padded plane whose columns are split by stride phase: padded
 * column {@code c} of a row is stored at {@code (c mod s)·phase + c/s}. Kernels that read columns
 * {@code s·o + k} for consecutive outputs o then read consecutive floats, whatever the stride, and
 * the padding is real zeros, so no read needs a bounds test.
 *
 * <p>Thread-safety: holds one thread's buffer; use one instance per concurrent task.
 */
final class StridedPlane {

    final int stride;
    /** Floats per stride phase of a row, and per row (all phases). */
    final int phase, rowStride;
    final int rows;
    private final int padTop, padLeft;
    private float[] data = new float[0];
    /**
     * Whether the buffer's padding is known to be zero. A load writes the same image positions
     * every time and never the padding, so after one full clear only the image part needs writing
     * (measured: clearing each plane took a third of a 14x14 depthwise layer). Handing the buffer
     * out for other use ({@link #buffer}) forgets it.
     */
    private boolean paddingClear;

    /**
     * A plane of {@code rows} padded rows and at least {@code columns} padded columns (zero beyond
     * the image), input placed at {@code (padTop, padLeft)}.
     */
    StridedPlane(int rows, int columns, int stride, int padTop, int padLeft) {
        this.stride = stride;
        this.phase = (columns + stride - 1) / stride;
        this.rowStride = stride * phase;
        this.rows = rows;
        this.padTop = padTop;
        this.padLeft = padLeft;
    }

    /** Index of padded (row, column) in the plane. */
    int offset(int row, int column) {
        return row * rowStride + (column % stride) * phase + column / stride;
    }

    long floats() {
        return (long) rows * rowStride;
    }

    /** Floats of a plane of {@code rows} rows and {@code columns} columns at this stride, without building one. */
    static long floats(int rows, long columns, int stride) {
        return rows * ((columns + stride - 1) / stride * stride);
    }

    /** The buffer, grown to {@link #floats()} but not cleared, for the caller to use as it likes. */
    float[] buffer() {
        paddingClear = false;
        return grown();
    }

    private float[] grown() {
        int size = (int) floats();
        if (data.length < size) {
            data = new float[size];
        }
        return data;
    }

    /** The plane := x's channel ({@code h×w} at xOff) with zeros around it; returns the buffer. */
    float[] load(float[] x, int xOff, int h, int w) {
        return load(x, xOff, h, w, 0, rows);
    }

    /**
     * Padded rows {@code [r0, r1)} of the plane := those of x's channel, zeros around them; the other
     * rows keep what they held (a caller reading only these rows may load a band at a time).
     */
    float[] load(float[] x, int xOff, int h, int w, int r0, int r1) {
        float[] pl = grown();
        if (!paddingClear) {
            java.util.Arrays.fill(pl, 0, (int) floats(), 0f);
            paddingClear = true;
        }
        for (int r = r0; r < r1; r++) {
            int ih = r - padTop;
            if (ih >= 0 && ih < h) {
                placeRow(x, xOff + ih * w, w, pl, r * rowStride);
            }
        }
        return pl;
    }

    /**
     * Plane rows {@code [0, r1 − r0)} := padded rows {@code [r0, r1)} of x's channel, each row
     * cleared first (the rows a band reads, held in a plane of only that many rows); returns the buffer.
     */
    float[] loadRows(float[] x, int xOff, int h, int w, int r0, int r1) {
        float[] pl = buffer();
        loadRows(x, xOff, h, w, r0, r1, pl, 0);
        return pl;
    }

    /** {@link #loadRows(float[], int, int, int, int, int)} into rows laid out as this plane's from {@code pl[at]}, any buffer. */
    void loadRows(float[] x, int xOff, int h, int w, int r0, int r1, float[] pl, int at) {
        for (int r = r0; r < r1; r++) {
            int row = at + (r - r0) * rowStride;
            java.util.Arrays.fill(pl, row, row + rowStride, 0f);
            int ih = r - padTop;
            if (ih >= 0 && ih < h) {
                placeRow(x, xOff + ih * w, w, pl, row);
            }
        }
    }

    /** One input row ({@code w} floats at src) into the plane row at {@code row}, after its left padding, split by stride phase. */
    void placeRow(float[] x, int src, int w, float[] pl, int row) {
        int s = stride;
        if (s == 1) {
            Rows.copy(x, src, pl, row + padLeft, w);
        } else if (s == 2) {
            splitPairs(x, src, w, pl, row);
        } else {
            // Sequential reads; padded column c = padLeft + iw goes to phase c mod s, slot c / s,
            // both tracked incrementally (a division per element measured 7 cycles per float).
            int f = padLeft % s;
            int slot = padLeft / s;
            for (int iw = 0; iw < w; iw++) {
                pl[row + f * phase + slot] = x[src + iw];
                if (++f == s) {
                    f = 0;
                    slot++;
                }
            }
        }
    }

    /** Stride 2: one input row into its two phases (see {@link Interleave#splitPairs}). */
    private void splitPairs(float[] x, int src, int w, float[] pl, int row) {
        // iw = 2k at padded column padLeft + 2k, iw = 2k + 1 one column on
        Interleave.splitPairs(x, src, w, pl, row + offset(0, padLeft), pl, row + offset(0, padLeft + 1));
    }

    /**
     * x's channel ({@code h×w} at xOff) := the plane's image part, un-split (the adjoint of the
     * placement in {@link #load}, for gradients accumulated in plane layout).
     */
    void store(float[] x, int xOff, int h, int w) {
        for (int ih = 0; ih < h; ih++) {
            storeRow(data, (padTop + ih) * rowStride, x, xOff + ih * w, w);
        }
    }

    /**
     * {@code x[dst, dst + w)} := the image part of the plane-layout row at {@code pl[rowAt]},
     * un-split; pl may be any buffer laid out as this plane's rows (rowStride floats each).
     */
    void storeRow(float[] pl, int rowAt, float[] x, int dst, int w) {
        int s = stride;
        if (s == 1) {
            System.arraycopy(pl, rowAt + padLeft, x, dst, w);
        } else if (s == 2) {
            Interleave.mergePairs(pl, rowAt + offset(0, padLeft), pl, rowAt + offset(0, padLeft + 1), x, dst, w);
        } else {
            int f = padLeft % s;
            int slot = padLeft / s;
            for (int iw = 0; iw < w; iw++) {
                x[dst + iw] = pl[rowAt + f * phase + slot];
                if (++f == s) {
                    f = 0;
                    slot++;
                }
            }
        }
    }
}
