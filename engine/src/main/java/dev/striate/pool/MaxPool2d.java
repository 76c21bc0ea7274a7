package dev.striate.pool;

import dev.striate.runtime.ThreadPool;
import dev.striate.simd.FloatSpecies;
import dev.striate.simd.Interleave;
import dev.striate.tensor.Operands;
import dev.striate.tensor.Tensor;

import java.util.Arrays;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

import static dev.striate.simd.Interleave.EVENS;
import static dev.striate.simd.Interleave.ODDS;
import static jdk.incubator.vector.VectorOperators.EQ;
import static jdk.incubator.vector.VectorOperators.GT;
import static jdk.incubator.vector.VectorOperators.LT;

/**
 * {@code MaxPool2d} (PyTorch {@code nn.MaxPool2d}, ONNX {@code MaxPool}): each output is the maximum
 * of its window; padding counts as −∞; NaN propagates.
 *
 * <p>Inference ({@link #forward(Tensor, Tensor)}) runs the separable vector kernel of
 * {@link PoolRows}. Training ({@link #forward(Tensor, Tensor, int[])}) also records, per output, the
 * index {@code ih·W + iw} of its maximum within the plane — PyTorch's {@code return_indices}
 * convention, ties going to the first maximum in row-major window order and NaN to the last NaN,
 * exactly as PyTorch's {@code (v > max || isnan(v))} scan (the values are its values too, except
 * that a window whose maximum is a tie of −0 and +0 may give either zero, as inference may) — and
 * {@link #backward} adds each output
 * gradient at that index (the "upsampling" of the classic derivation). Recording beats recomputing
 * here: the backward pass then reads only {@code dy} and the indices, not x.
 *
 * <p>Thread-safety: a layer may be shared by threads; concurrent calls use separate pooled buffers.
 */
public final class MaxPool2d extends Pooling {

    private static final VectorSpecies<Float> S = FloatSpecies.PREFERRED;
    private static final int L = FloatSpecies.LANES;
    /** Int lanes as many as S's: the tap offsets chosen in float lanes convert lane for lane. */
    private static final VectorSpecies<Integer> INDEX = S.withLanes(int.class);
    /** Integers up to 2^24 are exact in a float lane: tap numbers and offsets are kept below it. */
    private static final int MAX_EXACT_FLOAT_INT = 1 << 24;
    private static final int MAX_WINDOW_TAPS = MAX_EXACT_FLOAT_INT;
    private static final float[] LANE_NUMBERS = laneNumbers();

    /** 2x2 windows, stride 2, no padding or dilation: {@link #pairedPlane} applies when the windows tile the image. */
    private final boolean pairedWindows;

    private static float[] laneNumbers() {
        float[] lanes = new float[L];
        for (int i = 0; i < L; i++) {
            lanes[i] = i;
        }
        return lanes;
    }

    /** On the engine's {@linkplain ThreadPool#common() common} thread pool. */
    public MaxPool2d(PoolParams params) {
        this(params, ThreadPool.common());
    }

    public MaxPool2d(PoolParams params, ThreadPool threads) {
        super(params, threads, "MaxPool2d(" + params + ")");
        boolean undilatedStride2 = params.strideH() == 2 && params.strideW() == 2 && params.dilationH() == 1
                && params.dilationW() == 1;
        boolean unpadded = params.padTop() == 0 && params.padLeft() == 0 && params.padBottom() == 0
                && params.padRight() == 0;
        pairedWindows = undilatedStride2 && unpadded && params.kernelH() == 2 && params.kernelW() == 2;
    }

    /**
     * {@code y := maxpool(x)} and {@code indices[i] :=} the plane-local index of output i's maximum
     * (−1 for a window with no input pixel, which dilation can make).
     *
     * @param indices at least {@code N·C·OH·OW} ints, in y's order
     * @throws IllegalArgumentException also for a window of more than 2^24 taps
     */
    public void forward(Tensor x, Tensor y, int[] indices) {
        checkPair("x", x, "y", y);
        checkIndices(indices, y.size());
        if ((long) params.kernelH() * params.kernelW() > MAX_WINDOW_TAPS) {
            throw new IllegalArgumentException(this + ": a window of " + (long) params.kernelH() * params.kernelW()
                    + " taps exceeds the " + MAX_WINDOW_TAPS + " that indices are recorded for");
        }
        run(FORWARD_WITH_INDICES, x, y, indices);
    }

    /**
     * {@code dx := ∂L/∂x}: zero except each output's gradient added at its recorded maximum.
     *
     * @param dy gradient of the output {@code [N, C, OH, OW]}
     * @param indices as written by {@link #forward(Tensor, Tensor, int[])} for this input size
     * @param dx gradient of the input {@code [N, C, H, W]}, overwritten; must not overlap dy
     * @throws IllegalArgumentException if an index lies outside its plane (checked before any write)
     */
    public void backward(Tensor dy, int[] indices, Tensor dx) {
        checkPair("dx", dx, "dy", dy);
        checkIndices(indices, dy.size());
        int plane = dx.dim(2) * dx.dim(3);
        // -1 <= index < plane for all, as one OR of the two bounds' signs: a loop C2 vectorizes, where
        // a test per index took a sixth of the pass; the first offender is looked up only on failure
        int outside = 0;
        for (int i = 0, n = dy.size(); i < n; i++) {
            outside |= (indices[i] + 1) | (plane - 1 - indices[i]);
        }
        if (outside < 0) {
            for (int i = 0; ; i++) {
                if (indices[i] < -1 || indices[i] >= plane) {
                    throw new IllegalArgumentException(this + ": index " + indices[i] + " at output " + i
                            + " lies outside its " + dx.dim(2) + "x" + dx.dim(3) + " plane");
                }
            }
        }
        run(BACKWARD, dx, dy, indices);
    }

    private void checkIndices(int[] indices, int outputs) {
        if (indices == null || indices.length < outputs) {
            throw new IllegalArgumentException(this + ": indices must hold at least " + outputs + " ints, got "
                    + (indices == null ? "null" : indices.length));
        }
    }

    @Override
    void plane(int mode, PoolRows rows, Job job, int xo, int yo, int indexAt) {
        // 2x2/s2 windows that lie wholly inside the image tile it: one window per input element
        boolean tiled = pairedWindows && 2 * job.oh <= job.h && 2 * job.ow <= job.w;
        if (mode != BACKWARD && tiled) {
            pairedPlane(rows, job, xo, yo, indexAt, mode == FORWARD_WITH_INDICES);
            return;
        }
        if (mode != BACKWARD && tripledPlane(job)) {
            if (mode == FORWARD || 2L * job.w + 2 < MAX_EXACT_FLOAT_INT) {
                tripledPlane(rows, job, xo, yo, indexAt, mode == FORWARD_WITH_INDICES);
                return;
            }
        }
        switch (mode) {
            case FORWARD -> forwardPlane(rows, job, xo, yo);
            case FORWARD_WITH_INDICES -> forwardWithIndices(rows, job, xo, yo, indexAt);
            default -> {
                // tiled: each dx element has one window, so no fill, no scatter
                if (!tiled || job.ow < L || !pairedBackwardPlane(job, xo, yo, indexAt)) {
                    backwardPlane(job, xo, yo, indexAt);
                }
            }
        }
    }

    /*
     * 2x2 windows at stride 2 that lie wholly inside the image, in one pass straight from it: the four
     * taps of L outputs are the even and odd lanes of two vector pairs (image rows 2·oh and 2·oh + 1),
     * scanned in window order by PyTorch's rule (v > max || isnan(v)), so values and indices are its
     * bits, NaN included. The running choice is the tap's offset in the window (0, 1, W, W + 1), exact
     * in a float lane while W < 2^24. The separable kernel spent most of its time per row on these
     * small planes (copies, pads, tails): LeNet-5's 6x28x28 and 16x10x10 pools.
     */
    private void pairedPlane(PoolRows rows, Job job, int xo, int yo, int indexAt, boolean withIndices) {
        float[] x = job.image.data();
        float[] y = job.other.data();
        int w = job.w;
        int ow = job.ow;
        float[] chosen = rows.columnCounts;
        float[] spill = rows.outputRow;
        int full = S.loopBound(ow);
        for (int oh = 0; oh < job.oh; oh++) {
            int top = xo + 2 * oh * w;
            int yRow = yo + oh * ow;
            int o = 0;
            for (; o < full; o += L) {
                pairedVector(withIndices, x, top + 2 * o, w, y, yRow + o, chosen, o);
            }
            // the partial last vector reads on into the next row, or past the plane, as long as the
            // array goes on: its lanes past the row are dropped with the spill
            if (o < ow && top + w + 2 * o + 2 * L <= x.length) {
                pairedVector(withIndices, x, top + 2 * o, w, spill, 0, chosen, o);
                System.arraycopy(spill, 0, y, yRow + o, ow - o);
            } else {
                for (; o < ow; o++) {
                    pairedScalar(x, top + 2 * o, w, y, yRow + o, chosen, o);
                }
            }
            if (withIndices) {
                int[] indices = job.indices;
                int at = indexAt + oh * ow;
                int first = 2 * oh * w;
                for (o = 0; o < ow; o++) {
                    indices[at + o] = first + 2 * o + (int) chosen[o];
                }
            }
        }
    }

    // out[outAt + i] := max of the 2x2 window at x[at + 2i] (row width w), i < L; with indices by the
    // scan, chosen[c + i] := the tap's offset; without, as two maxima of pairs (Math.max's NaN) in
    // place of the scan's chain
    private static void pairedVector(boolean withIndices, float[] x, int at, int w, float[] out, int outAt,
                                     float[] chosen, int c) {
        FloatVector a = FloatVector.fromArray(S, x, at);
        FloatVector b = FloatVector.fromArray(S, x, at + L);
        FloatVector d = FloatVector.fromArray(S, x, at + w);
        FloatVector e = FloatVector.fromArray(S, x, at + w + L);
        if (!withIndices) {
            a.rearrange(EVENS, b).max(a.rearrange(ODDS, b)).max(d.rearrange(EVENS, e).max(d.rearrange(ODDS, e)))
                    .intoArray(out, outAt);
            return;
        }
        FloatVector max = a.rearrange(EVENS, b);
        FloatVector choice = FloatVector.zero(S);
        FloatVector v = a.rearrange(ODDS, b);
        VectorMask<Float> take = v.compare(VectorOperators.GT, max).or(v.test(VectorOperators.IS_NAN));
        max = max.blend(v, take);
        choice = choice.blend(1f, take);
        v = d.rearrange(EVENS, e);
        take = v.compare(VectorOperators.GT, max).or(v.test(VectorOperators.IS_NAN));
        max = max.blend(v, take);
        choice = choice.blend(w, take);
        v = d.rearrange(ODDS, e);
        take = v.compare(VectorOperators.GT, max).or(v.test(VectorOperators.IS_NAN));
        max.blend(v, take).intoArray(out, outAt);
        choice.blend(w + 1f, take).intoArray(chosen, c);
    }

    // out[outAt] := max of the 2x2 window at x[at] (row width w) by the scan, chosen[c] := the tap's offset
    private static void pairedScalar(float[] x, int at, int w, float[] out, int outAt, float[] chosen, int c) {
        float max = x[at];
        int choice = 0;
        for (int k = 1; k < 4; k++) {
            int tap = (k >> 1) * w + (k & 1);
            float v = x[at + tap];
            if (v > max || v != v) {
                max = v;
                choice = tap;
            }
        }
        out[outAt] = max;
        chosen[c] = choice;
    }

    /*
     * 3x3 windows at stride 2 ending inside the image (unpadded, as SqueezeNet and AlexNet pool, or
     * padded by one, as ResNet), a plane in one pass straight from it: per L outputs, two vectors of
     * each of the three rows, their column maxima de-interleaved into the windows' first and second
     * taps; the third tap is the next L outputs' first, carried to the next step and shifted in by a
     * slice. With a left pad the vectors start one column early, and the first window's first tap
     * (the column before the row) is made −∞. The separable kernel's per-row calls, pads and stored
     * row were most of a 27- or 55-wide row's time (3x3/s2/p1 on 64x112x112: 0.65 of arraycopy's
     * bandwidth separable, 0.69 here). The rows Pooling's tripled-row test turns away take the separable
     * kernel, or with indices the scan (scanRow), as does a row whose taps may hold a NaN (the row
     * kernels' check).
     */
    private void tripledPlane(PoolRows rows, Job job, int xo, int yo, int indexAt, boolean withIndices) {
        float[] x = job.image.data();
        float[] y = job.other.data();
        int w = job.w;
        int ow = job.ow;
        int padLeft = params.padLeft();
        int blocks = tripledBlocks(job);
        int pairs = tripledPairs(job);
        int planeEnd = yo + job.oh * ow;
        float[] chosen = rows.columnCounts;
        float[] spill = rows.outputRow;
        boolean padsFilled = false;
        // Without indices, the rows that read and store inside the arrays (Pooling's tripled-row
        // test) in one call: they are consecutive, each bound moving one way with oh. Row by row, the
        // calls and NaN tests were a fifth of SqueezeNet's 256x27x27 pool.
        int from = job.oh;
        int to = job.oh;
        if (!withIndices) {
            // Each of the test's conditions holds on a prefix or a suffix of the rows: start from the
            // rows whose windows start inside the image and whose vectors store inside the plane, and
            // give up end rows while the test (reads inside the array) fails — two calls for most
            // planes, where a call per row was a seventh of SqueezeNet's 256x27x27 pool.
            from = Math.min(job.oh, (params.padTop() + params.strideH() - 1) / params.strideH());
            to = Math.max(from, Math.min(job.oh, Math.floorDiv(job.oh * ow - blocks * L, ow) + 1));
            while (from < to && !tripledRowInside(job, xo, yo, from, x.length)) {
                from++;
            }
            while (to > from && !tripledRowInside(job, xo, yo, to - 1, x.length)) {
                to--;
            }
        }
        for (int oh = 0; oh < job.oh; oh++) {
            boolean inRun = oh >= from && oh < to;
            // in order with the other rows, whose last vectors may spill into the next row
            if (oh == from && inRun && !tripledRows(x, xo + (2 * from - params.padTop()) * w - padLeft, w, to - from,
                    blocks, pairs, padLeft == 1, y, yo + from * ow, ow)) {
                oh = to - 1;
                continue;
            }
            int ih0 = 2 * oh - params.padTop();
            int left = xo + ih0 * w - padLeft; // the first window's first column
            int yRow = yo + oh * ow;
            int at = indexAt + oh * ow;
            // Pooling's tripled-row test (with indices, a top pad's row, ih0 = −1, is left unread); a
            // last row's vectors go through the spill
            boolean reads = (ih0 >= 0 || withIndices) && left + (ih0 < 0 ? w : 0) >= 0
                    && left + 2 * w + 2 * (pairs + 1) * L <= x.length;
            boolean inside = yRow + blocks * L <= planeEnd;
            float[] out = inside ? y : spill;
            int outAt = inside ? yRow : 0;
            boolean exact = !reads || (withIndices
                    ? tripledRowWithIndices(x, left, w, blocks, pairs, ih0 < 0, padLeft == 1, out, outAt, chosen)
                    : inRun || tripledRows(x, left, w, 1, blocks, pairs, padLeft == 1, out, outAt, ow));
            if (!exact) {
                if (!inside) {
                    System.arraycopy(spill, 0, y, yRow, ow);
                }
                if (withIndices) {
                    storeIndices(chosen, ow, ih0 * w - padLeft, job.indices, at);
                }
                continue;
            }
            if (!padsFilled) {
                rows.fillPads(padLeft, w, job.paddedWidth, withIndices ? Float.NaN : Float.NEGATIVE_INFINITY);
                padsFilled = true;
            }
            if (withIndices) {
                scanRow(rows, job, xo, ih0, yRow, at, PoolRows.phaseLength(2, job.paddedWidth));
            } else {
                rows.combineRows(true, x, xo, job.h, w, ih0, 3, 1, padLeft, Float.NEGATIVE_INFINITY);
                rows.combineTaps(true, 3, 1, 2, job.paddedWidth, ow, 1f, y, yRow, planeEnd);
            }
        }
    }

    /**
     * {@code count} consecutive output rows of tripledPlane: y[firstRow + r·ow, +blocks·L) := the
     * maxima of the windows starting at column {@code firstLeft + 2r·w}, each the scan's strict
     * {@code v > max} over the window (column by column, then across), loading {@code pairs} pairs of
     * vectors per window row after the first ({@link #tripledPairs}); returns whether an input tap may
     * be NaN, and the rows must be redone by the exact path. The scan is a compare and a blend: FloatVector.max, with Math.max's NaN and
     * signed-zero rules, compiles to six instructions on AVX-512, and a chain of them ran at a third
     * of a compare-and-blend's speed (the row: 203–208 → 167–170 µs on 64x112x112). The check sums
     * every tap loaded: NaN if one is NaN (or +∞ meets −∞, which only sends a row to the exact path
     * needlessly), tested once, lane by lane.
     */
    private static boolean tripledRows(float[] x, int firstLeft, int w, int count, int blocks, int pairs, boolean padded,
                                       float[] y, int firstRow, int ow) {
        // one method, the row loop around the block loop: a row kernel of its own is past C2's
        // inlining size, and its returned check would be a boxed vector per row
        FloatVector check = FloatVector.zero(S);
        for (int r = 0; r < count; r++) {
            int left = firstLeft + 2 * r * w;
            int yRow = firstRow + r * ow;
            FloatVector t0 = FloatVector.fromArray(S, x, left);
            FloatVector t1 = FloatVector.fromArray(S, x, left + w);
            FloatVector t2 = FloatVector.fromArray(S, x, left + 2 * w);
            FloatVector u0 = FloatVector.fromArray(S, x, left + L);
            FloatVector u1 = FloatVector.fromArray(S, x, left + w + L);
            FloatVector u2 = FloatVector.fromArray(S, x, left + 2 * w + L);
            check = check.add(t0.add(t1).add(t2)).add(u0.add(u1).add(u2));
            FloatVector lo = t0.blend(t1, t1.compare(GT, t0));
            lo = lo.blend(t2, t2.compare(GT, lo));
            FloatVector hi = u0.blend(u1, u1.compare(GT, u0));
            hi = hi.blend(u2, u2.compare(GT, hi));
            FloatVector even = lo.rearrange(EVENS, hi);
            if (padded) {
                even = even.blend(Float.NEGATIVE_INFINITY, FIRST_LANE);
            }
            for (int b = 0; b < blocks; b++) {
                FloatVector odd = lo.rearrange(ODDS, hi);
                // past the last pair, the last lane's third tap belongs to no output of the row
                FloatVector nextEven = even;
                if (b < pairs) {
                    int at = left + 2 * (b + 1) * L;
                    t0 = FloatVector.fromArray(S, x, at);
                    t1 = FloatVector.fromArray(S, x, at + w);
                    t2 = FloatVector.fromArray(S, x, at + 2 * w);
                    u0 = FloatVector.fromArray(S, x, at + L);
                    u1 = FloatVector.fromArray(S, x, at + w + L);
                    u2 = FloatVector.fromArray(S, x, at + 2 * w + L);
                    check = check.add(t0.add(t1).add(t2)).add(u0.add(u1).add(u2));
                    lo = t0.blend(t1, t1.compare(GT, t0));
                    lo = lo.blend(t2, t2.compare(GT, lo));
                    hi = u0.blend(u1, u1.compare(GT, u0));
                    hi = hi.blend(u2, u2.compare(GT, hi));
                    nextEven = lo.rearrange(EVENS, hi);
                }
                FloatVector third = even.slice(1, nextEven);
                FloatVector max = even.blend(odd, odd.compare(GT, even));
                max.blend(third, third.compare(GT, max)).intoArray(y, yRow + b * L);
                even = nextEven;
            }
        }
        return check.test(VectorOperators.IS_NAN).anyTrue();
    }

    /*
     * One output row of tripledPlane with indices: y[yRow, +blocks·L) := the windows' maxima,
     * chosen[0, blocks·L) := their taps' offsets (kh·W + kw from the window's first column in its
     * first row, exact in a float lane while under 2^24), PyTorch's scan (v > max in row-major window
     * order: ties to the first) when no tap is NaN; the returned check (tripledRows') sends a row that
     * may hold one to scanRow. All nine taps at once, as tripledRows reads them: each column's maximum
     * down the window rows with the row offset of its first (strict >), the columns de-interleaved
     * into the windows' three taps, values and offsets alike, then across them in order — a lane
     * takes a tap that is greater, or equal and scanned earlier, which is a smaller offset as kh·W + kw
     * orders the taps by row, then column. A top pad's row (topPadded) is left out, the second row
     * starting the columns at its own offset; a left pad's column is −∞ at offset 3W, last in any tie,
     * so an all −∞ window keeps its first tap in the image, as PyTorch's scan does. Before, window row by window row
     * with the running maxima and choices in y and chosen between rows (the scan's order as it came),
     * and the top pad's row and each plane's last row by scanRow: 64x112x112 (ResNet's pool, one
     * thread, p50) 191–195 → 139–142 µs, 64x111x111 174–178 → 134–136, 128x55x55 129–134 → 79–80.
     * Storing the int indices from here instead of through chosen: 137–141, 143–149, 84–87 (the
     * last vector's masked store per row).
     */
    private static boolean tripledRowWithIndices(float[] x, int left, int w, int blocks, int pairs, boolean topPadded,
                                                 boolean padded, float[] y, int yRow, float[] chosen) {
        FloatVector zero = FloatVector.zero(S);
        float below = w;
        float twoBelow = 2f * w;
        // a top pad's row is left out: the second row starts each column's scan, at its own offset
        FloatVector firstRow = zero.add(topPadded ? below : 0f);
        FloatVector t1 = FloatVector.fromArray(S, x, left + w);
        FloatVector t0 = topPadded ? t1 : FloatVector.fromArray(S, x, left);
        FloatVector t2 = FloatVector.fromArray(S, x, left + 2 * w);
        FloatVector u1 = FloatVector.fromArray(S, x, left + w + L);
        FloatVector u0 = topPadded ? u1 : FloatVector.fromArray(S, x, left + L);
        FloatVector u2 = FloatVector.fromArray(S, x, left + 2 * w + L);
        FloatVector check = t0.add(t1).add(t2).add(u0.add(u1).add(u2));
        // each column's maximum and the row offset of its first (strict >, down the rows)
        VectorMask<Float> down = t1.compare(GT, t0);
        FloatVector lo = t0.blend(t1, down);
        FloatVector loRow = firstRow.blend(below, down);
        down = t2.compare(GT, lo);
        lo = lo.blend(t2, down);
        loRow = loRow.blend(twoBelow, down);
        down = u1.compare(GT, u0);
        FloatVector hi = u0.blend(u1, down);
        FloatVector hiRow = firstRow.blend(below, down);
        down = u2.compare(GT, hi);
        hi = hi.blend(u2, down);
        hiRow = hiRow.blend(twoBelow, down);
        FloatVector even = lo.rearrange(EVENS, hi);
        FloatVector evenRow = loRow.rearrange(EVENS, hiRow);
        if (padded) {
            // the pad's column: −∞, and last in the scan's order, so a tie (every tap −∞) keeps the
            // first tap in the image
            even = even.blend(Float.NEGATIVE_INFINITY, FIRST_LANE);
            evenRow = evenRow.blend(3f * w, FIRST_LANE);
        }
        for (int b = 0; b < blocks; b++) {
            FloatVector odd = lo.rearrange(ODDS, hi);
            FloatVector oddTap = loRow.rearrange(ODDS, hiRow).add(1f);
            // past the last pair, the last lane's third tap belongs to no output of the row
            FloatVector nextEven = even;
            FloatVector nextEvenRow = evenRow;
            if (b < pairs) {
                int at = left + 2 * (b + 1) * L;
                t1 = FloatVector.fromArray(S, x, at + w);
                t0 = topPadded ? t1 : FloatVector.fromArray(S, x, at);
                t2 = FloatVector.fromArray(S, x, at + 2 * w);
                u1 = FloatVector.fromArray(S, x, at + w + L);
                u0 = topPadded ? u1 : FloatVector.fromArray(S, x, at + L);
                u2 = FloatVector.fromArray(S, x, at + 2 * w + L);
                check = check.add(t0.add(t1).add(t2)).add(u0.add(u1).add(u2));
                down = t1.compare(GT, t0);
                lo = t0.blend(t1, down);
                loRow = firstRow.blend(below, down);
                down = t2.compare(GT, lo);
                lo = lo.blend(t2, down);
                loRow = loRow.blend(twoBelow, down);
                down = u1.compare(GT, u0);
                hi = u0.blend(u1, down);
                hiRow = firstRow.blend(below, down);
                down = u2.compare(GT, hi);
                hi = hi.blend(u2, down);
                hiRow = hiRow.blend(twoBelow, down);
                nextEven = lo.rearrange(EVENS, hi);
                nextEvenRow = loRow.rearrange(EVENS, hiRow);
            }
            FloatVector third = even.slice(1, nextEven);
            FloatVector thirdTap = evenRow.slice(1, nextEvenRow).add(2f);
            // across the columns in the scan's (row-major) order: a greater tap, or an equal one
            // scanned earlier — a smaller offset, as kh·W + kw orders taps by row, then column
            VectorMask<Float> take = odd.compare(GT, even).or(odd.compare(EQ, even).and(oddTap.compare(LT, evenRow)));
            FloatVector max = even.blend(odd, take);
            FloatVector tap = evenRow.blend(oddTap, take);
            take = third.compare(GT, max).or(third.compare(EQ, max).and(thirdTap.compare(LT, tap)));
            max.blend(third, take).intoArray(y, yRow + b * L);
            tap.blend(thirdTap, take).intoArray(chosen, b * L);
            even = nextEven;
            evenRow = nextEvenRow;
        }
        return check.test(VectorOperators.IS_NAN).anyTrue();
    }

    private void forwardPlane(PoolRows rows, Job job, int xo, int yo) {
        PoolParams p = params;
        int wp = job.paddedWidth;
        float[] x = job.image.data();
        float[] y = job.other.data();
        rows.fillPads(p.padLeft(), job.w, wp, Float.NEGATIVE_INFINITY);
        for (int oh = 0; oh < job.oh; oh++) {
            rows.combineRows(true, x, xo, job.h, job.w, oh * p.strideH() - p.padTop(), p.kernelH(), p.dilationH(),
                    p.padLeft(), Float.NEGATIVE_INFINITY);
            rows.combineTaps(true, p.kernelW(), p.dilationW(), p.strideW(), wp, job.ow, 1f, y, yo + oh * job.ow,
                    yo + job.oh * job.ow);
        }
    }

    /*
     * With indices, the values come from the inference kernel, then each output row's argmax is the
     * first tap in window order that equals its maximum: PyTorch's scan (v > max || isnan(v)) keeps
     * exactly that one when no tap is NaN. The taps are visited in reverse window order, each equal
     * lane overwriting the running choice, so the first equal tap is the last written; pads hold
     * NaN, which equals nothing. The choice is kept as the tap's offset from the start of the
     * window's first row, ih0·W, a float that is exact while such offsets stay under 2^24. A row
     * whose maximum holds a NaN (PyTorch's index is then the last NaN's), or a plane too large for
     * exact offsets, takes scanRow, the scan itself.
     *
     * Each window row is copied into the padded row and, at stride s > 1, split by stride phase, so
     * the taps of L consecutive outputs are one contiguous load. Only float vectors and masks of one
     * species: a masked gather, int vectors and mask casts were tried first and C2 boxed them on AVX2.
     */
    private void forwardWithIndices(PoolRows rows, Job job, int xo, int yo, int indexAt) {
        forwardPlane(rows, job, xo, yo);
        PoolParams p = params;
        int w = job.w;
        int ow = job.ow;
        float[] y = job.other.data();
        long largestOffset = ((long) p.dilationH() * (p.kernelH() - 1) + 1) * w + (long) (ow + L) * p.strideW()
                + (long) p.dilationW() * (p.kernelW() - 1);
        boolean exactOffsets = largestOffset < MAX_EXACT_FLOAT_INT;
        rows.fillPads(p.padLeft(), w, job.paddedWidth, Float.NaN);
        int phase = p.strideW() == 1 ? 0 : PoolRows.phaseLength(p.strideW(), job.paddedWidth);
        int[] tapAt = rows.tapOffsets(p.kernelW(), p.dilationW(), p.strideW(), phase);
        for (int oh = 0; oh < job.oh; oh++) {
            int ih0 = oh * p.strideH() - p.padTop();
            int yRow = yo + oh * ow;
            int at = indexAt + oh * ow;
            if (exactOffsets && !holdsNaN(y, yRow, ow)) {
                matchRow(rows, job, xo, ih0, yRow, tapAt);
                float[] offsets = rows.columnCounts;
                int rowStart = ih0 * w;
                for (int o = 0; o < ow; o++) {
                    float offset = offsets[o];
                    job.indices[at + o] = offset < 0 ? -1 : rowStart + (int) offset;
                }
            } else {
                scanRow(rows, job, xo, ih0, yRow, at, phase);
            }
        }
    }

    private static boolean holdsNaN(float[] y, int from, int n) {
        int i = 0;
        for (int whole = S.loopBound(n); i < whole; i += L) {
            if (FloatVector.fromArray(S, y, from + i).test(VectorOperators.IS_NAN).anyTrue()) {
                return true;
            }
        }
        return i < n && FloatVector.fromArray(S, y, from + i, S.indexInRange(i, n)).test(VectorOperators.IS_NAN).anyTrue();
    }

    /**
     * indices[at, +ow) := first + 2·o + chosen[o], output o's flat index from its window's first
     * column (3x3/s2: outputs two columns apart) and its tap's offset, a vector of outputs at a time
     * (converted to int in the lanes: a scalar loop took a quarter of the training forward's time).
     */
    private static void storeIndices(float[] chosen, int ow, int first, int[] indices, int at) {
        IntVector columns = windowColumns(first);
        int o = 0;
        for (int whole = S.loopBound(ow); o < whole; o += L) {
            offsetsAt(chosen, o).add(columns).add(2 * o).intoArray(indices, at + o);
        }
        if (o < ow) {
            offsetsAt(chosen, o).add(columns).add(2 * o).intoArray(indices, at + o, INDEX.indexInRange(o, ow));
        }
    }

    /** Lane i := first + 2·i: the first columns' flat indices of a vector of stride-2 windows from first. */
    private static IntVector windowColumns(int first) {
        return IntVector.zero(INDEX).addIndex(2).add(first);
    }

    private static IntVector offsetsAt(float[] chosen, int o) {
        return (IntVector) FloatVector.fromArray(S, chosen, o).convert(VectorOperators.F2I, 0);
    }

    // rows.columnCounts[o] := offset from ih0·W of the first tap of output o's window equal to y[yRow + o], or -1 when none is
    private void matchRow(PoolRows rows, Job job, int xo, int ih0, int yRow, int[] tapAt) {
        PoolParams p = params;
        int ow = job.ow;
        int s = p.strideW();
        int kernelW = p.kernelW();
        float[] chosen = rows.columnCounts;
        float[] maxima = rows.outputRow;
        System.arraycopy(job.other.data(), yRow, maxima, 0, ow);
        Arrays.fill(chosen, 0, ow, -1f);
        FloatVector laneColumns = FloatVector.fromArray(S, LANE_NUMBERS, 0).mul(s); // output o + i's window starts at column (o + i)·s
        for (int kh = p.kernelH() - 1; kh >= 0; kh--) {
            int ih = ih0 + kh * p.dilationH();
            if (ih < 0 || ih >= job.h) {
                continue;
            }
            float[] src = windowRow(rows, job, xo, ih);
            for (int j = 0; j < ow; j += L) {
                FloatVector max = FloatVector.fromArray(S, maxima, j);
                FloatVector choice = FloatVector.fromArray(S, chosen, j);
                FloatVector rowColumns = laneColumns.add(kh * p.dilationH() * job.w + j * s - p.padLeft());
                for (int kw = kernelW - 1; kw >= 0; kw--) {
                    FloatVector v = FloatVector.fromArray(S, src, tapAt[kw] + j);
                    choice = choice.blend(rowColumns.add(kw * p.dilationW()), v.compare(VectorOperators.EQ, max));
                }
                choice.intoArray(chosen, j);
            }
        }
    }

    /** Window row ih copied between the pads and, at stride s > 1, split by stride phase: what the taps load from. */
    private float[] windowRow(PoolRows rows, Job job, int xo, int ih) {
        int s = params.strideW();
        rows.combineRows(true, job.image.data(), xo, job.h, job.w, ih, 1, 1, params.padLeft(), Float.NaN);
        if (s == 1) {
            return rows.row;
        }
        rows.splitPhases(s, job.paddedWidth);
        return rows.phases();
    }

    /*
     * PyTorch's scan for one output row, L outputs at a time: per tap in window order, a lane takes
     * the tap when it is in the image and is its first in-image tap, or v > max, or v is NaN — the
     * scalar rule lane by lane, so values and indices are the same bits. The lanes whose column is in
     * the image are a lane range, masked as two tail masks.
     */
    private void scanRow(PoolRows rows, Job job, int xo, int ih0, int yRow, int indexAt, int phase) {
        PoolParams p = params;
        int w = job.w;
        int ow = job.ow;
        int s = p.strideW();
        int kernelW = p.kernelW();
        float[] taps = rows.columnCounts;
        float[] maxima = rows.outputRow;
        Arrays.fill(maxima, 0, ow, Float.NEGATIVE_INFINITY);
        Arrays.fill(taps, 0, ow, -1f);
        for (int kh = 0; kh < p.kernelH(); kh++) {
            int ih = ih0 + kh * p.dilationH();
            if (ih < 0 || ih >= job.h) {
                continue;
            }
            float[] src = windowRow(rows, job, xo, ih);
            for (int j = 0; j < ow; j += L) {
                int lanes = Math.min(L, ow - j);
                FloatVector max = FloatVector.fromArray(S, maxima, j);
                FloatVector arg = FloatVector.fromArray(S, taps, j);
                for (int kw = 0; kw < kernelW; kw++) {
                    int c = kw * p.dilationW();
                    int column = j * s + c - p.padLeft(); // the image column of lane 0
                    int first = column >= 0 ? 0 : (-column + s - 1) / s;
                    int end = column >= w ? 0 : Math.min(lanes, (w - 1 - column) / s + 1);
                    if (end <= first) {
                        continue;
                    }
                    // lanes [first, end), from two ordinary tail masks: indexInRange with a negative
                    // offset took the JDK's slow path and, once profiled, made other kernels' tail
                    // masks allocate
                    VectorMask<Float> inside = S.indexInRange(0, end).andNot(S.indexInRange(0, first));
                    FloatVector v = FloatVector.fromArray(S, src, (c % s) * phase + j + c / s);
                    VectorMask<Float> take = v.compare(VectorOperators.GT, max).or(v.test(VectorOperators.IS_NAN))
                            .or(arg.compare(VectorOperators.LT, 0f)).and(inside);
                    max = max.blend(v, take);
                    arg = arg.blend(kh * kernelW + kw, take);
                }
                max.intoArray(maxima, j);
                arg.intoArray(taps, j);
            }
        }
        System.arraycopy(maxima, 0, job.other.data(), yRow, ow);
        for (int o = 0; o < ow; o++) {
            int t = (int) taps[o];
            job.indices[indexAt + o] = t < 0 ? -1
                    : (ih0 + t / kernelW * p.dilationH()) * w + o * s - p.padLeft() + t % kernelW * p.dilationW();
        }
    }

    /*
     * dx of one plane of 2x2/s2 windows, every element written once: per output row, dy blended onto
     * the tap its index names — (0, 0) and (0, 1) zipped into dx row 2·oh, (1, 0) and (1, 1) into row
     * 2·oh + 1 — a vector of outputs at a time, the index compared as an int (a conversion to float
     * lanes ate the gain when this was tried before: 329 µs against the scatter's 304; as ints,
     * 231–252 µs against 292–297, 0.58 → 0.67–0.76 of arraycopy on 1x64x112x112). Planes under a
     * vector of outputs keep the scatter (LeNet-5's 14 and 5 wide: no gain). Returns false
     * when an index is not its window's (indices the forward pass did not write); rows written so far
     * are then overwritten by the scatter.
     */
    private boolean pairedBackwardPlane(Job job, int xo, int yo, int indexAt) {
        float[] dx = job.image.data();
        float[] dy = job.other.data();
        int w = job.w;
        int ow = job.ow;
        for (int oh = 0; oh < job.oh; oh++) {
            if (!pairedBackwardRow(job.indices, indexAt + oh * ow, dy, yo + oh * ow, ow, 2 * oh * w, w, dx,
                    xo + 2 * oh * w)) {
                return false;
            }
            if (w > 2 * ow) {
                Arrays.fill(dx, xo + 2 * oh * w + 2 * ow, xo + 2 * oh * w + w, 0f);
                Arrays.fill(dx, xo + (2 * oh + 1) * w + 2 * ow, xo + (2 * oh + 1) * w + w, 0f);
            }
        }
        Arrays.fill(dx, xo + 2 * job.oh * w, xo + job.h * w, 0f);
        return true;
    }

    /**
     * Rows {@code 2·oh} and {@code 2·oh + 1} of {@link #pairedBackwardPlane}, {@code ow ≥ L}: whole
     * vectors of outputs, the last one moved back to end at ow (its overlap rewrites the same values;
     * masked stores made 10x10 planes 5× slower than the scatter). first: the row's first window's index.
     */
    private static boolean pairedBackwardRow(int[] indices, int at, float[] dy, int dyAt, int ow, int first, int w,
                                             float[] dx, int dxAt) {
        FloatVector zero = FloatVector.zero(S);
        IntVector columns = windowColumns(first);
        for (int o = 0; o < ow; o += L) {
            int start = Math.min(o, ow - L);
            IntVector tap = IntVector.fromArray(INDEX, indices, at + start).sub(columns).sub(2 * start);
            VectorMask<Integer> left = tap.compare(VectorOperators.EQ, 0);
            VectorMask<Integer> right = tap.compare(VectorOperators.EQ, 1);
            VectorMask<Integer> belowLeft = tap.compare(VectorOperators.EQ, w);
            VectorMask<Integer> belowRight = tap.compare(VectorOperators.EQ, w + 1);
            if (!left.or(right).or(belowLeft).or(belowRight).allTrue()) {
                return false;
            }
            FloatVector g = FloatVector.fromArray(S, dy, dyAt + start);
            // sums from +0, as the scatter's: a −0 gradient leaves +0
            FloatVector even = zero.add(zero.blend(g, left.cast(S)));
            FloatVector odd = zero.add(zero.blend(g, right.cast(S)));
            FloatVector evenBelow = zero.add(zero.blend(g, belowLeft.cast(S)));
            FloatVector oddBelow = zero.add(zero.blend(g, belowRight.cast(S)));
            int column = dxAt + 2 * start;
            even.rearrange(Interleave.ZIP_LOW, odd).intoArray(dx, column);
            even.rearrange(Interleave.ZIP_HIGH, odd).intoArray(dx, column + L);
            evenBelow.rearrange(Interleave.ZIP_LOW, oddBelow).intoArray(dx, column + w);
            evenBelow.rearrange(Interleave.ZIP_HIGH, oddBelow).intoArray(dx, column + w + L);
        }
        return true;
    }

    private void backwardPlane(Job job, int xo, int yo, int indexAt) {
        float[] dx = job.image.data();
        float[] dy = job.other.data();
        int[] indices = job.indices;
        Arrays.fill(dx, xo, xo + job.h * job.w, 0f);
        for (int o = 0, n = job.oh * job.ow; o < n; o++) {
            int at = indices[indexAt + o];
            if (at >= 0) {
                dx[xo + at] += dy[yo + o];
            }
        }
    }
}
