package dev.striate.onnx;

import java.util.Arrays;

/**
 * The operators that pick elements along an axis: ArgMax, ArgMin, TopK and Hardmax — a
 * classifier's last node. Indices are int64 in ONNX, float32 here (exact up to 2^24). NaN is the
 * largest value, as NumPy orders it (ArgMax and ArgMin take the first NaN, TopK sorts it first for
 * the largest and last for the smallest); ties go to the lower index (the higher for ArgMax and
 * ArgMin with {@code select_last_index}). Plain loops over {@link AxisGroups}, allocation-free.
 */
final class SelectionOperators {

    private SelectionOperators() {
    }

    /** The one axis as reduced flags over x's rank. */
    private static boolean[] along(String name, long axis, Value x) {
        return AxisGroups.flags(name, new long[] {axis}, x);
    }

    /** ArgMax ({@code max}) or ArgMin: axis (default 0), keepdims, select_last_index. */
    static Operator argExtreme(Node node, boolean max) {
        String name = node.toString();
        long axis = node.getInt("axis", 0);
        boolean keep = node.getInt("keepdims", 1) != 0;
        boolean last = node.getInt("select_last_index", 0) != 0;
        return in -> {
            Value x = in[0];
            boolean[] reduced = along(name, axis, x);
            AxisGroups groups = AxisGroups.of(x.dims, reduced);
            if (groups.member().length == 0) {
                throw new OnnxException(name + ": input " + x + " is empty along axis " + axis);
            }
            int[] yDims = reducedDims(x.dims, reduced, keep);
            return Step.compute((i, o) -> {
                for (int g = 0; g < groups.base().length; g++) {
                    o[0].data()[o[0].offset() + g] = pick(i[0].data(), i[0].offset() + groups.base()[g], groups.member(), max, last);
                }
            }, x.size(), Value.runtime(yDims));
        };
    }

    /**
     * The position among {@code member} (offsets from {@code from}, at least one) of the largest (or
     * smallest) element: the first NaN if any, else the first extreme, or the last with {@code last}.
     */
    private static int pick(float[] xs, int from, int[] member, boolean max, boolean last) {
        int best = 0;
        float value = xs[from + member[0]];
        for (int m = 1; m < member.length; m++) {
            float v = xs[from + member[m]];
            boolean better = Float.isNaN(value) ? last && Float.isNaN(v)
                    : Float.isNaN(v) || (max ? v > value : v < value) || last && v == value;
            if (better) {
                best = m;
                value = v;
            }
        }
        return best;
    }

    /**
     * TopK (k from input 1, known while planning; axis default −1, largest, sorted): the k first
     * elements of each group in that order, values and indices. The j-th is found as the first of
     * those after the (j−1)-th in the order, O(k·n) and no buffer: k is a handful in a classifier.
     */
    static Operator topK(Node node) {
        String name = node.toString();
        long axis = node.getInt("axis", -1);
        boolean largest = node.getInt("largest", 1) != 0;
        node.ignore("sorted"); // unsorted order is unspecified: sorted is one
        long kAttribute = node.opset < 10 ? node.getInt("k", -1) : -1;
        return Operator.readingWhilePlanning(new int[] {1}, in -> {
            Value x = in[0];
            long k = node.opset < 10 ? kAttribute : in[1].asLongs().length == 1 ? in[1].asLongs()[0] : -1;
            boolean[] reduced = along(name, axis, x);
            AxisGroups groups = AxisGroups.of(x.dims, reduced);
            int n = groups.member().length;
            if (k < 0 || k > n) {
                throw new OnnxException(name + ": k " + k + " must be one value in [0, " + n + "] for input " + x + " along axis " + axis);
            }
            int[] yDims = x.dims.clone();
            for (int d = 0; d < yDims.length; d++) {
                yDims[d] = reduced[d] ? (int) k : yDims[d];
            }
            AxisGroups outGroups = AxisGroups.of(yDims, reduced);
            int count = (int) k;
            return Step.compute((i, o) -> {
                float[] xs = i[0].data();
                int[] member = groups.member();
                for (int g = 0; g < groups.base().length; g++) {
                    int from = i[0].offset() + groups.base()[g];
                    int previous = -1;
                    for (int j = 0; j < count; j++) {
                        int best = -1;
                        for (int m = 0; m < member.length; m++) {
                            if (previous >= 0 && !before(xs[from + member[previous]], previous, xs[from + member[m]], m, largest)) {
                                continue; // at or before the previous pick
                            }
                            if (best < 0 || before(xs[from + member[m]], m, xs[from + member[best]], best, largest)) {
                                best = m;
                            }
                        }
                        int to = outGroups.base()[g] + outGroups.member()[j];
                        o[0].data()[o[0].offset() + to] = xs[from + member[best]];
                        o[1].data()[o[1].offset() + to] = best;
                        previous = best;
                    }
                }
            }, (long) count * x.size(), Value.runtime(yDims), Value.runtime(yDims));
        });
    }

    /** Whether (a, i) comes before (b, j): the larger (or smaller) value first, NaN largest, then the lower index. */
    private static boolean before(float a, int i, float b, int j, boolean largest) {
        int c = Float.compare(a, b);
        if (a == b) {
            c = 0; // −0 and +0 tie
        }
        return c != 0 ? largest == c > 0 : i < j;
    }

    private static int[] reducedDims(int[] dims, boolean[] reduced, boolean keep) {
        int removed = 0;
        for (boolean r : reduced) {
            removed += r ? 1 : 0;
        }
        int[] y = new int[keep ? dims.length : dims.length - removed];
        for (int d = 0, k = 0; d < dims.length; d++) {
            if (!reduced[d]) {
                y[k++] = dims[d];
            } else if (keep) {
                y[k++] = 1;
            }
        }
        return y;
    }

    /**
     * Hardmax: 1 at the first maximum along {@code axis} (opset 13), or over the row of every axis
     * from {@code axis} (default 1) before opset 13; 0 elsewhere. A NaN is the maximum (NumPy's argmax).
     */
    static Operator hardmax(Node node) {
        String name = node.toString();
        boolean flattened = node.opset < 13;
        long axisAttribute = node.getInt("axis", flattened ? 1 : -1);
        return in -> {
            Value x = in[0];
            int rank = x.rank();
            long axis = axisAttribute < 0 ? axisAttribute + rank : axisAttribute;
            if (axis < 0 || axis >= rank) {
                throw new OnnxException(name + ": axis " + axisAttribute + " is out of range for input " + x);
            }
            boolean[] reduced = new boolean[rank];
            Arrays.fill(reduced, (int) axis, flattened ? rank : (int) axis + 1, true);
            AxisGroups groups = AxisGroups.of(x.dims, reduced);
            return Step.compute((i, o) -> {
                float[] xs = i[0].data();
                float[] ys = o[0].data();
                int[] member = groups.member();
                for (int base : groups.base()) {
                    for (int m : member) {
                        ys[o[0].offset() + base + m] = 0;
                    }
                    if (member.length > 0) {
                        ys[o[0].offset() + base + member[pick(xs, i[0].offset() + base, member, true, false)]] = 1;
                    }
                }
            }, x.size(), Value.runtime(x.dims));
        };
    }
}
