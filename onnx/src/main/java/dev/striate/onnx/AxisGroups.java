package dev.striate.onnx;

import dev.striate.tensor.Shape;

import java.util.Arrays;

/**
 * The elements of a row-major tensor of {@code dims} split by a set of reduced axes into groups —
 * one per index of the other axes — of {@code member.length} elements each: element {@code m} of
 * group {@code g} is at {@code base[g] + member[m]}, members in row-major order. Both tables are
 * made while planning, so a kernel walks any set of axes without index arithmetic or allocation.
 */
record AxisGroups(int[] base, int[] member) {

    static AxisGroups of(int[] dims, boolean[] reduced) {
        int rank = dims.length;
        int[] strides = Shape.of(dims).rowMajorStrides();
        int groups = 1;
        int members = 1;
        for (int d = 0; d < rank; d++) {
            groups = Math.multiplyExact(groups, reduced[d] ? 1 : dims[d]);
            members = Math.multiplyExact(members, reduced[d] ? dims[d] : 1);
        }
        return new AxisGroups(offsets(dims, strides, reduced, false, groups), offsets(dims, strides, reduced, true, members));
    }

    /** The offsets of every index of the axes with {@code reduced[d] == which}, in row-major order. */
    private static int[] offsets(int[] dims, int[] strides, boolean[] reduced, boolean which, int count) {
        int[] offsets = new int[count];
        for (int n = 0; n < count; n++) {
            int at = 0;
            for (int d = dims.length - 1, rest = n; d >= 0; d--) {
                if (reduced[d] == which) {
                    at += rest % dims[d] * strides[d];
                    rest /= dims[d];
                }
            }
            offsets[n] = at;
        }
        return offsets;
    }

    /** The axes (an attribute, negative from the end) as flags over x's rank; fails naming the node. */
    static boolean[] flags(String name, long[] axes, Value x) {
        int rank = x.rank();
        boolean[] flags = new boolean[rank];
        for (long a : axes) {
            long axis = a < 0 ? a + rank : a;
            if (axis < 0 || axis >= rank || flags[(int) axis]) {
                throw new OnnxException(name + ": axes " + Arrays.toString(axes) + " are invalid for input " + x);
            }
            flags[(int) axis] = true;
        }
        return flags;
    }
}
