package dev.striate.onnx;

import java.util.Arrays;

/**
 * The sliding-window attributes shared by Conv, MaxPool and AveragePool ({@code kernel_shape,
 * strides, dilations, pads, auto_pad}), for one or two spatial axes. One spatial axis is handled as
 * two with a height of 1, so every window the kernels see is 2-D.
 */
final class Window {

    private final String node;
    /** From {@code kernel_shape}; null when absent (Conv takes it from the weights). */
    final int[] kernel;
    private final long[] strides;
    private final long[] dilations;
    private final long[] pads;
    private final String autoPad;

    Window(Node node) {
        this.node = node.toString();
        long[] k = node.getInts("kernel_shape");
        this.strides = node.getInts("strides");
        this.dilations = node.getInts("dilations");
        this.pads = node.getInts("pads");
        this.autoPad = node.getString("auto_pad", "NOTSET");
        if (!autoPad.equals("NOTSET") && !autoPad.equals("SAME_UPPER") && !autoPad.equals("SAME_LOWER")
                && !autoPad.equals("VALID")) {
            throw node.unsupported("auto_pad '" + autoPad + "' is not one of NOTSET, SAME_UPPER, SAME_LOWER, VALID");
        }
        this.kernel = k == null ? null : positive(node, "kernel_shape", k);
        if (strides != null) {
            positive(node, "strides", strides);
        }
        if (dilations != null) {
            positive(node, "dilations", dilations);
        }
        if (pads != null) {
            for (long p : pads) {
                if (p < 0 || p > Integer.MAX_VALUE) {
                    throw node.unsupported("pads " + Arrays.toString(pads) + " must be >= 0");
                }
            }
        }
        int rank = kernel != null ? kernel.length : strides != null ? strides.length : -1;
        if (rank > 2) {
            throw node.unsupported(rank + "-D windows are not supported (1-D and 2-D)");
        }
    }

    /**
     * The window for an input with the given spatial dims and kernel, as 2-D:
     * {@code {kernelH, kernelW, strideH, strideW, dilationH, dilationW, padTop, padLeft, padBottom, padRight}}.
     *
     * @throws OnnxException when an attribute's length does not match the spatial rank
     */
    int[] resolve(int[] spatial, int[] kernelDims) {
        int rank = spatial.length;
        if (rank < 1 || rank > 2) {
            throw new OnnxException(node + ": " + rank + "-D input is not supported (1-D and 2-D spatial data)");
        }
        check("kernel", kernelDims.length, rank);
        if (kernel != null) {
            check("kernel_shape", kernel.length, rank);
        }
        int[] s = ints("strides", strides, rank);
        int[] d = ints("dilations", dilations, rank);
        int[] begin = new int[rank];
        int[] end = new int[rank];
        if (autoPad.equals("NOTSET")) {
            if (pads != null) {
                check("pads", pads.length, 2 * rank);
                for (int i = 0; i < rank; i++) {
                    begin[i] = (int) pads[i];
                    end[i] = (int) pads[rank + i];
                }
            }
        } else if (!autoPad.equals("VALID")) {
            for (int i = 0; i < rank; i++) {
                long out = (spatial[i] + (long) s[i] - 1) / s[i];
                long span = (long) d[i] * (kernelDims[i] - 1) + 1;
                long total = Math.max(0, (out - 1) * s[i] + span - spatial[i]);
                if (total > Integer.MAX_VALUE) {
                    throw new OnnxException(node + ": SAME padding of " + total + " overflows");
                }
                begin[i] = (int) (autoPad.equals("SAME_UPPER") ? total / 2 : total - total / 2);
                end[i] = (int) total - begin[i];
            }
        }
        int h = rank - 2; // index of the height axis, -1 for 1-D
        return new int[] {
            h < 0 ? 1 : kernelDims[h], kernelDims[rank - 1],
            h < 0 ? 1 : s[h], s[rank - 1],
            h < 0 ? 1 : d[h], d[rank - 1],
            h < 0 ? 0 : begin[h], begin[rank - 1],
            h < 0 ? 0 : end[h], end[rank - 1]};
    }

    /** {@code [N, C, spatial...]} as {@code [N, C, H, W]}: height 1 for one spatial axis. */
    static int[] as2d(int[] dims) {
        return dims.length == 3 ? new int[] {dims[0], dims[1], 1, dims[2]} : dims;
    }

    private void check(String what, int length, int expected) {
        if (length != expected) {
            throw new OnnxException(node + ": " + what + " has " + length + " entries for " + expected / (what.equals("pads") ? 2 : 1)
                    + " spatial axes");
        }
    }

    private int[] ints(String what, long[] values, int rank) {
        int[] out = new int[rank];
        if (values == null) {
            Arrays.fill(out, 1);
            return out;
        }
        check(what, values.length, rank);
        for (int i = 0; i < rank; i++) {
            out[i] = (int) values[i];
        }
        return out;
    }

    private static int[] positive(Node node, String what, long[] values) {
        int[] out = new int[values.length];
        for (int i = 0; i < values.length; i++) {
            if (values[i] < 1 || values[i] > Integer.MAX_VALUE) {
                throw node.unsupported(what + " " + Arrays.toString(values) + " must be positive");
            }
            out[i] = (int) values[i];
        }
        return out;
    }
}
