package dev.striate.pool;

import dev.striate.runtime.ThreadPool;
import dev.striate.simd.FloatSpecies;
import dev.striate.simd.Rows;
import dev.striate.tensor.Tensor;

import java.util.Arrays;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

import static dev.striate.simd.Interleave.EVENS;
import static dev.striate.simd.Interleave.ODDS;

/**
 * {@code AvgPool2d} (PyTorch {@code nn.AvgPool2d}, ONNX {@code AveragePool}): each output is the
 * mean of its window. With {@code countIncludePad} the divisor counts the window's taps that fall in
 * the image or its padding (PyTorch's {@code count_include_pad=True}: a ceil-mode window's overhang
 * past the padding is not counted); without it, only the taps in the image (ONNX's default).
 * A window with no tap in the image (dilation can make one) averages to 0.
 *
 * <p>Forward and backward run the separable row kernels of {@link PoolRows}: the backward pass
 * spreads each output gradient evenly over its window's taps, row by row, and writes each row of
 * dx once, as the sum of the spread rows whose windows cover it.
 *
 * <p>Thread-safety: a layer may be shared by threads; concurrent calls use separate pooled buffers.
 */
public final class AvgPool2d extends Pooling {

    private static final VectorSpecies<Float> S = FloatSpecies.PREFERRED;
    private static final int L = FloatSpecies.LANES;

    private final boolean countIncludePad;

    /** PyTorch's default: padding counted in the divisor. */
    public AvgPool2d(PoolParams params) {
        this(params, true);
    }

    public AvgPool2d(PoolParams params, boolean countIncludePad) {
        this(params, countIncludePad, ThreadPool.common());
    }

    public AvgPool2d(PoolParams params, boolean countIncludePad, ThreadPool threads) {
        super(params, threads, "AvgPool2d(" + params + (countIncludePad ? ", count_include_pad" : "") + ")");
        this.countIncludePad = countIncludePad;
    }

    public boolean countIncludePad() {
        return countIncludePad;
    }

    /**
     * {@code dx := ∂L/∂x}.
     *
     * @param dy gradient of the output {@code [N, C, OH, OW]}
     * @param dx gradient of the input {@code [N, C, H, W]}, overwritten; must not overlap dy
     */
    public void backward(Tensor dy, Tensor dx) {
        checkPair("dx", dx, "dy", dy);
        run(BACKWARD, dx, dy, null);
    }

    @Override
    void prepare(PoolRows rows, int h, int w, int oh, int ow) {
        PoolParams p = params;
        float[] rowCounts = rows.rowCounts(oh);
        for (int o = 0; o < oh; o++) {
            rowCounts[o] = Math.max(1, taps(o * p.strideH() - p.padTop(), p.kernelH(), p.dilationH(), h, p.padTop(), p.padBottom()));
        }
        for (int o = 0; o < ow; o++) {
            // at least 1: a column of window taps that all miss the image sums to 0, and 0/1 is the defined result
            rows.columnCounts[o] = Math.max(1, taps(o * p.strideW() - p.padLeft(), p.kernelW(), p.dilationW(), w, p.padLeft(), p.padRight()));
        }
    }

    /** Taps {@code start + k·dilation} (k < kernel) the divisor counts, for an axis of the given size. */
    private int taps(int start, int kernel, int dilation, int size, int padBefore, int padAfter) {
        int lo = countIncludePad ? -padBefore : 0;
        int hi = countIncludePad ? size + padAfter : size;
        int count = 0;
        for (int k = 0; k < kernel; k++) {
            int at = start + k * dilation;
            if (at >= lo && at < hi) {
                count++;
            }
        }
        return count;
    }

    @Override
    void plane(int mode, PoolRows rows, Job job, int xo, int yo, int indexAt) {
        if (mode == BACKWARD) {
            backwardPlane(rows, job, job.image.data(), xo, job.other.data(), yo);
            return;
        }
        PoolParams p = params;
        int wp = job.paddedWidth;
        float[] x = job.image.data();
        float[] y = job.other.data();
        rows.fillPads(p.padLeft(), job.w, wp, 0f);
        float[] rowCounts = rows.rowCounts(job.oh);
        boolean tripled = tripledPlane(job);
        int blocks = tripledBlocks(job);
        int pairs = tripledPairs(job);
        int planeEnd = yo + job.oh * job.ow;
        for (int oh = 0; oh < job.oh; oh++) {
            int ih0 = oh * p.strideH() - p.padTop();
            int left = xo + ih0 * job.w - p.padLeft();
            int yRow = yo + oh * job.ow;
            // Pooling's tripled-row test, a last row's vectors through the spill
            if (tripled && ih0 >= 0 && left >= 0 && left + 2 * job.w + 2 * (pairs + 1) * L <= x.length) {
                boolean fits = yRow + blocks * L <= planeEnd;
                tripledRow(x, left, job.w, blocks, pairs, p.padLeft() == 1, rows.columnCounts, rowCounts[oh],
                        fits ? y : rows.outputRow, fits ? yRow : 0);
                if (!fits) {
                    System.arraycopy(rows.outputRow, 0, y, yRow, job.ow);
                }
                continue;
            }
            rows.combineRows(false, x, xo, job.h, job.w, ih0, p.kernelH(), p.dilationH(), p.padLeft(), 0f);
            rows.combineTaps(false, p.kernelW(), p.dilationW(), p.strideW(), wp, job.ow,
                    rowCounts[oh], y, yRow, planeEnd);
        }
    }

    /**
     * One output row of 3x3/s2 windows straight from the image (a row of MaxPool2d's tripledRows, summing;
     * {@code pairs} as there):
     * y[yRow, +blocks·L) := the windows' sums divided by {@code rowCount · counts[o]}, the windows
     * starting at column {@code left} (the left pad's column, 0, when padded). The same additions in
     * the same order as the separable kernel — each column's three rows, then the window's three
     * columns — so the same bits, without its stored row, pads and per-row calls: 0.64–0.71 →
     * 0.83–0.85 of arraycopy's bandwidth on ResNet's shape (3x3/s2/p1 over 64x112x112; interleaved
     * loop, four runs).
     */
    private static void tripledRow(float[] x, int left, int w, int blocks, int pairs, boolean padded, float[] counts,
                                   float rowCount, float[] y, int yRow) {
        FloatVector lo = columnSum(x, left, w, 0);
        FloatVector hi = columnSum(x, left, w, L);
        FloatVector even = lo.rearrange(EVENS, hi);
        if (padded) {
            even = even.blend(0f, FIRST_LANE);
        }
        for (int b = 0; b < blocks; b++) {
            FloatVector odd = lo.rearrange(ODDS, hi);
            FloatVector nextEven = even; // past the last pair (Pooling.tripledPairs): no output's tap
            if (b < pairs) {
                int at = left + 2 * (b + 1) * L;
                lo = columnSum(x, at, w, 0);
                hi = columnSum(x, at, w, L);
                nextEven = lo.rearrange(EVENS, hi);
            }
            even.add(odd).add(even.slice(1, nextEven)).div(FloatVector.fromArray(S, counts, b * L).mul(rowCount))
                    .intoArray(y, yRow + b * L);
            even = nextEven;
        }
    }

    // x[at + c + i] + x[at + w + c + i] + x[at + 2w + c + i] for lanes i < L | allocates nothing
    private static FloatVector columnSum(float[] x, int at, int w, int c) {
        return FloatVector.fromArray(S, x, at + c).add(FloatVector.fromArray(S, x, at + w + c))
                .add(FloatVector.fromArray(S, x, at + 2 * w + c));
    }

    /**
     * One plane of dx, each row written once: output row oh's gradient is spread along its window
     * columns into a padded row (its share of every tap), kept in a ring of as many rows as can
     * cover one input row; input row ih is then the sum of the rows of the windows whose taps reach
     * it. Spreading each output row and adding it into its window's rows of a zeroed dx passed over
     * dx 2.5 times for 3x3/s2 (a fill, then 1.5 read-modify-writes per row): 0.34 of arraycopy's
     * bandwidth against 0.51 (one thread, 1x64x112x112).
     */
    private void backwardPlane(PoolRows rows, Job job, float[] dx, int xo, float[] dy, int yo) {
        PoolParams p = params;
        int sh = p.strideH();
        int dh = p.dilationH();
        int reach = (p.kernelH() - 1) * dh; // padded rows from a window's first tap to its last
        int ring = reach / sh + 1;          // windows that can cover one input row
        int span = job.paddedWidth + 2 * FloatSpecies.LANES;
        float[] spread = rows.gradientRows(ring, span);
        float[] rowCounts = rows.rowCounts(job.oh);
        int next = 0; // the next output row to spread
        for (int ih = 0; ih < job.h; ih++) {
            int padded = ih + p.padTop();
            int first = Math.max(0, -Math.floorDiv(reach - padded, sh)); // ⌈(padded − reach)/sh⌉
            int last = Math.min(job.oh - 1, padded / sh);
            for (; next <= last; next++) {
                rows.scatterTaps(dy, yo + next * job.ow, p.kernelW(), p.dilationW(), p.strideW(), job.ow,
                        rowCounts[next], job.paddedWidth, spread, (next % ring) * span);
            }
            int to = xo + ih * job.w;
            int sources = 0;
            int firstFrom = 0;
            for (int oh = first; oh <= last; oh++) {
                if ((padded - oh * sh) % dh != 0) {
                    continue; // the row falls between this window's dilated taps
                }
                int from = (oh % ring) * span + p.padLeft();
                if (sources == 0) {
                    firstFrom = from;
                } else if (sources == 1) {
                    Rows.sum(spread, firstFrom, spread, from, dx, to, job.w);
                } else {
                    Rows.add(dx, to, spread, from, job.w);
                }
                sources++;
            }
            if (sources == 0) {
                Arrays.fill(dx, to, to + job.w, 0f);
            } else if (sources == 1) {
                Rows.copy(spread, firstFrom, dx, to, job.w);
            }
        }
    }
}
