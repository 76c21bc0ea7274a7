package dev.striate.onnx;

import dev.striate.tensor.Tensor;

import java.util.Arrays;

/**
 * ONNX Resize (opset 10+) and Upsample (opsets 7–9) of the spatial axes of {@code [N, C, H, W]} or
 * {@code [N, C, W]}: nearest (every {@code nearest_mode}), linear and cubic (with
 * {@code cubic_coeff_a}, {@code exclude_outside}, and {@code antialias} on a shrink), with the
 * coordinate transforms half_pixel, half_pixel_symmetric, pytorch_half_pixel, align_corners,
 * asymmetric, tf_half_pixel_for_nn and tf_crop_and_resize (roi from input 1, extrapolation_value
 * outside it) — what PyTorch's {@code F.interpolate} exports (nearest: asymmetric, floor;
 * bilinear and bicubic: half_pixel or align_corners). Scales from input 2 (input 1 for opset 10 and
 * Upsample) or sizes from input 3, for the axes the {@code axes} attribute lists (default all),
 * sizes with any {@code keep_aspect_ratio_policy}; the batch and channel axes keep their size. The
 * output length a transform divides by is, for scales, the unfloored {@code length·scale} (ONNX's
 * reference: align_corners on 4 columns at scale 0.6 maps output 1 to 3/1.4, not 3/1). Upsample
 * and opset-10 Resize are asymmetric with nearest rounding down, as ONNX's reference implementation
 * (ONNX Runtime rounds up instead when such a node shrinks an axis).
 *
 * <p>Each output row and column's source indices and weights are computed while planning (a linear
 * source coordinate clamped to the axis, as PyTorch and ONNX Runtime do), so a run only gathers.
 */
final class ResizeOperator implements Operator {

    private final String node;
    private final boolean linear;
    /** Cubic, or linear with antialias or exclude_outside: taps and weights per output, summed in double. */
    private final boolean filtered;
    private final boolean cubic;
    private final boolean antialias;
    private final boolean excludeOutside;
    private final double cubicA;
    /** tf_crop_and_resize: the region of interest from input 1, and the value outside it. */
    private final boolean crop;
    private final float extrapolation;
    private final String coordinates;
    private final String nearestMode;
    private final int scalesInput;
    private final float[] scalesAttribute;
    private final long[] axesAttribute;
    private final String aspectPolicy;

    ResizeOperator(Node node) {
        this.node = node.toString();
        boolean upsample = node.opType.equals("Upsample");
        String mode = node.getString("mode", "nearest");
        if (!Arrays.asList("nearest", "linear", "bilinear", "cubic").contains(mode)) {
            throw node.unsupported("mode '" + mode + "' is not supported (nearest, linear, cubic)");
        }
        linear = mode.equals("linear") || mode.equals("bilinear");
        cubic = mode.equals("cubic");
        boolean legacy = upsample || node.opset < 11;
        coordinates = legacy ? "asymmetric" : node.getString("coordinate_transformation_mode", "half_pixel");
        nearestMode = legacy ? "floor" : node.getString("nearest_mode", "round_prefer_floor");
        if (!Arrays.asList("half_pixel", "half_pixel_symmetric", "pytorch_half_pixel", "align_corners", "asymmetric",
                "tf_half_pixel_for_nn", "tf_crop_and_resize").contains(coordinates)) {
            throw node.unsupported("coordinate_transformation_mode '" + coordinates + "' is not supported");
        }
        if (!Arrays.asList("round_prefer_floor", "round_prefer_ceil", "floor", "ceil").contains(nearestMode)) {
            throw node.unsupported("nearest_mode '" + nearestMode + "' is not supported");
        }
        cubicA = node.getFloat("cubic_coeff_a", -0.75f);
        excludeOutside = node.getInt("exclude_outside", 0) != 0;
        antialias = node.getInt("antialias", 0) != 0 && (linear || cubic);
        crop = coordinates.equals("tf_crop_and_resize");
        extrapolation = node.getFloat("extrapolation_value", 0f);
        filtered = cubic || crop || linear && (antialias || excludeOutside);
        axesAttribute = node.getInts("axes");
        aspectPolicy = node.getString("keep_aspect_ratio_policy", "stretch");
        if (!Arrays.asList("stretch", "not_larger", "not_smaller").contains(aspectPolicy)) {
            throw node.unsupported("keep_aspect_ratio_policy '" + aspectPolicy + "' is not one of stretch, not_larger, not_smaller");
        }
        scalesAttribute = upsample && node.opset < 9 ? node.getFloats("scales") : null;
        scalesInput = upsample || node.opset < 11 ? 1 : 2;
    }

    @Override
    public int[] staticInputs() {
        return new int[] {1, 2, 3};
    }

    @Override
    public Step plan(Value[] in) {
        Value x = in[0];
        int rank = x.rank();
        if (rank != 3 && rank != 4) {
            throw new OnnxException(node + ": input " + x + " must be [N, C, W] or [N, C, H, W]");
        }
        Value sizes = in.length > 3 && in[3] != null && in[3].size() > 0 ? in[3] : null;
        float[] scales = scalesAttribute;
        if (scales == null && in.length > scalesInput && in[scalesInput] != null && in[scalesInput].size() > 0) {
            Value s = in[scalesInput];
            if (s.floats == null) {
                throw new OnnxException(node + ": scales " + s + " must be float");
            }
            scales = s.floats;
        }
        if ((sizes == null) == (scales == null)) {
            throw new OnnxException(node + ": exactly one of scales and sizes must be given");
        }
        boolean[] listed = new boolean[rank];
        int[] axes = new int[axesAttribute == null ? rank : axesAttribute.length];
        for (int k = 0; k < axes.length; k++) {
            long a = axesAttribute == null ? k : axesAttribute[k] < 0 ? axesAttribute[k] + rank : axesAttribute[k];
            if (a < 0 || a >= rank || listed[(int) a]) {
                throw new OnnxException(node + ": axes " + Arrays.toString(axesAttribute) + " are invalid for input " + x);
            }
            listed[(int) a] = true;
            axes[k] = (int) a;
        }
        long[] target = sizes == null ? null : sizes.asLongs();
        if (target != null ? target.length != axes.length : scales.length != axes.length) {
            throw new OnnxException(node + ": " + (target != null ? "sizes " + Arrays.toString(target) : "scales "
                    + Arrays.toString(scales)) + " must give one value per axis of " + Arrays.toString(axes) + " for input " + x);
        }
        int[] dims = x.dims.clone();
        double[] scale = new double[rank];
        // the output length each coordinate transform divides by: the size, or for scales the float
        // product length·scale before it is floored (ONNX's reference; align_corners and
        // half_pixel_symmetric read it)
        double[] length = new double[rank];
        Arrays.fill(scale, 1);
        for (int d = 0; d < rank; d++) {
            length[d] = x.dims[d];
        }
        double policyScale = aspectPolicy.equals("not_larger") ? Double.MAX_VALUE : 0;
        for (int k = 0; k < axes.length; k++) {
            int d = axes[k];
            if (target != null) {
                if (target[k] < 1 || target[k] > Integer.MAX_VALUE) {
                    throw new OnnxException(node + ": sizes " + Arrays.toString(target) + " for input " + x);
                }
                dims[d] = (int) target[k];
                scale[d] = (double) dims[d] / x.dims[d];
                length[d] = dims[d];
                policyScale = aspectPolicy.equals("not_larger") ? Math.min(policyScale, scale[d]) : Math.max(policyScale, scale[d]);
            } else {
                if (!(scales[k] > 0) || Float.isInfinite(scales[k])) {
                    throw new OnnxException(node + ": scales " + Arrays.toString(scales) + " for input " + x);
                }
                // the product in float, as ONNX Runtime computes it: 5·1.8f is 9, not 8.99999976 (PyTorch's
                // export of size 9 as the scale 9/5)
                double size = Math.floor(x.dims[d] * scales[k]);
                if (size < 1 || size > Integer.MAX_VALUE) {
                    throw new OnnxException(node + ": scales " + Arrays.toString(scales) + " give size " + size + " on axis " + d);
                }
                dims[d] = (int) size;
                scale[d] = scales[k];
                length[d] = (double) x.dims[d] * scales[k];
            }
        }
        if (target != null && !aspectPolicy.equals("stretch")) {
            // one scale for every listed axis, the size rounded half up (the specification's formula)
            for (int d : axes) {
                scale[d] = policyScale;
                dims[d] = (int) Math.max(1, Math.min(Integer.MAX_VALUE, Math.floor(policyScale * x.dims[d] + 0.5)));
                length[d] = policyScale * x.dims[d];
            }
        }
        for (int d = 0; d < rank; d++) {
            if (d < 2 && dims[d] != x.dims[d]) {
                throw new OnnxException(node + ": resizing the batch or channel axis of " + x + " is not supported");
            }
            if (x.dims[d] == 0 && dims[d] > 0) {
                throw new OnnxException(node + ": axis " + d + " of input " + x + " is empty: nothing to resize from");
            }
        }
        int inH = rank == 4 ? x.dims[2] : 1;
        int outH = rank == 4 ? dims[2] : 1;
        double[] roi = new double[2 * rank];
        for (int d = 0; d < rank; d++) {
            roi[rank + d] = 1;
        }
        if (crop) {
            Value r = in.length > 1 ? in[1] : null;
            if (r == null || r.floats == null || r.size() != 2 * axes.length) {
                throw new OnnxException(node + ": tf_crop_and_resize needs a float roi of " + 2 * axes.length
                        + " values (starts, then ends, for axes " + Arrays.toString(axes) + "), got " + r);
            }
            for (int k = 0; k < axes.length; k++) {
                roi[axes[k]] = r.floats[k];
                roi[rank + axes[k]] = r.floats[axes.length + k];
            }
        }
        Axis rows = rank == 4 ? axis(inH, outH, scale[2], length[2], roi[2], roi[rank + 2]) : axis(1, 1, 1, 1, 0, 1);
        Axis columns = axis(x.dims[rank - 1], dims[rank - 1], scale[rank - 1], length[rank - 1], roi[rank - 1], roi[2 * rank - 1]);
        int inW = x.dims[rank - 1];
        int planes = x.dims[0] * x.dims[1];
        Kernel k = (i, o) -> resize(i[0], o[0], planes, inH, inW, rows, columns);
        long perOutput = filtered ? 2L * rows.taps * columns.taps : linear ? 8L : 1L;
        return Step.compute(k, perOutput * planes * outH * columns.first.length, Value.runtime(dims));
    }

    /**
     * Per output index: the source index (the lower one for linear), the upper one and its weight;
     * for the filtered modes, {@code taps} source indices and weights per output from
     * {@code tapIndex[o·taps]} and {@code tapWeight[o·taps]}, and whether the output lies outside
     * the axis (tf_crop_and_resize's extrapolation).
     */
    private record Axis(int[] first, int[] second, float[] weight, int taps, int[] tapIndex, double[] tapWeight,
                        boolean[] outside) {
    }

    /** The axis of {@code in} pixels resized to {@code out}; roiStart and roiEnd are read by tf_crop_and_resize only. */
    private Axis axis(int in, int out, double scale, double length, double roiStart, double roiEnd) {
        int[] first = new int[out];
        int[] second = new int[out];
        float[] weight = new float[out];
        // the filter's half width in input pixels: 1 (linear) or 2 (cubic), widened by 1/scale when antialiasing a shrink
        double support = antialias && scale < 1 ? 1 / scale : 1;
        int start = (int) Math.floor(-(cubic ? 2 : 1) * support) + 1;
        int taps = !filtered ? 0 : linear || cubic ? 2 - 2 * start : 1;
        int[] tapIndex = new int[out * taps];
        double[] tapWeight = new double[out * taps];
        boolean[] outside = new boolean[out];
        for (int o = 0; o < out; o++) {
            double source = switch (coordinates) {
                case "tf_crop_and_resize" -> length > 1 ? roiStart * (in - 1) + o * (roiEnd - roiStart) * (in - 1) / (length - 1)
                        : 0.5 * (roiStart + roiEnd) * (in - 1);
                case "half_pixel" -> (o + 0.5) / scale - 0.5;
                case "half_pixel_symmetric" -> in / 2.0 * (1 - out / length) + (o + 0.5) / scale - 0.5;
                case "pytorch_half_pixel" -> length > 1 ? (o + 0.5) / scale - 0.5 : 0;
                case "align_corners" -> length == 1 ? 0 : o * (in - 1.0) / (length - 1);
                case "tf_half_pixel_for_nn" -> (o + 0.5) / scale;
                default -> o / scale; // asymmetric
            };
            outside[o] = crop && (source < 0 || source > in - 1);
            if (filtered && taps == 1) {
                tapIndex[o] = nearest(source, in);
                tapWeight[o] = 1;
            } else if (filtered) {
                filterTaps(source, in, Math.min(scale, 1), start, taps, tapIndex, tapWeight, o * taps);
            } else if (linear) {
                double clamped = Math.min(Math.max(source, 0), in - 1);
                int lower = (int) Math.floor(clamped);
                first[o] = lower;
                second[o] = Math.min(lower + 1, in - 1);
                weight[o] = (float) (clamped - lower);
            } else {
                first[o] = nearest(source, in);
            }
        }
        return new Axis(first, second, weight, taps, tapIndex, tapWeight, outside);
    }

    /** The source pixel nearest_mode rounds coordinate x to, clamped to the axis. */
    private int nearest(double x, int in) {
        double fraction = x - Math.floor(x);
        long index = switch (nearestMode) {
            case "floor" -> (long) Math.floor(x);
            case "ceil" -> (long) Math.ceil(x);
            case "round_prefer_ceil" -> fraction == 0.5 ? (long) Math.ceil(x) : Math.round(x);
            default -> fraction == 0.5 ? (long) Math.floor(x) : Math.round(x);
        };
        return (int) Math.min(Math.max(index, 0), in - 1);
    }

    /**
     * The taps of one output at source coordinate x, as ONNX's reference: base = ⌈x⌉ − 1 and ratio
     * = x − base in (0, 1], taps at base + i for i from {@code start}, weighted by the cubic
     * (Keys, a = cubic_coeff_a) or linear kernel of the distance, scaled by {@code scale} (< 1 only
     * when antialiasing a shrink) and normalized when antialiasing; with exclude_outside the taps
     * outside the axis get 0 and the rest are renormalized. Indices are clamped to the axis (edge
     * padding).
     */
    private void filterTaps(double x, int in, double scale, int start, int taps, int[] index, double[] weight, int at) {
        double base = Math.ceil(x) - 1;
        double ratio = x - base;
        double sum = 0;
        double kept = 0;
        for (int t = 0; t < taps; t++) {
            int i = start + t;
            double d = Math.abs(antialias ? scale * (i - ratio) : i - ratio);
            double w = cubic ? cubicKernel(d) : Math.max(0, 1 - d);
            long source = (long) base + i;
            sum += w;
            if (excludeOutside && (source < 0 || source >= in)) {
                w = 0;
            }
            kept += w;
            weight[at + t] = w;
            index[at + t] = (int) Math.min(Math.max(source, 0), in - 1);
        }
        double norm = excludeOutside ? kept : antialias ? sum : 1;
        for (int t = 0; t < taps; t++) {
            weight[at + t] /= norm;
        }
    }

    /** Keys' cubic convolution kernel at distance d ≥ 0 with a = cubic_coeff_a. */
    private double cubicKernel(double d) {
        double a = cubicA;
        if (d <= 1) {
            return ((a + 2) * d - (a + 3)) * d * d + 1;
        }
        return d < 2 ? ((a * d - 5 * a) * d + 8 * a) * d - 4 * a : 0;
    }

    /**
     * Every plane: nearest gathers, {@code (1 − wy)·((1 − wx)·a + wx·b) + wy·((1 − wx)·c + wx·d)} as
     * PyTorch, or the filtered modes' weighted taps in double.
     */
    private void resize(Tensor x, Tensor y, int planes, int inH, int inW, Axis rows, Axis columns) {
        float[] xs = x.data();
        float[] ys = y.data();
        if (filtered) {
            filter(xs, x.offset(), ys, y.offset(), planes, inH, inW, rows, columns, extrapolation);
            return;
        }
        int outH = rows.first.length;
        int outW = columns.first.length;
        int[] c0 = columns.first;
        int[] c1 = columns.second;
        float[] wx = columns.weight;
        for (int p = 0; p < planes; p++) {
            int plane = x.offset() + p * inH * inW;
            for (int r = 0, at = y.offset() + p * outH * outW; r < outH; r++, at += outW) {
                int top = plane + rows.first[r] * inW;
                if (!linear) {
                    for (int j = 0; j < outW; j++) {
                        ys[at + j] = xs[top + c0[j]];
                    }
                    continue;
                }
                int bottom = plane + rows.second[r] * inW;
                float wy = rows.weight[r];
                for (int j = 0; j < outW; j++) {
                    float w = wx[j];
                    float upper = (1 - w) * xs[top + c0[j]] + w * xs[top + c1[j]];
                    float lower = (1 - w) * xs[bottom + c0[j]] + w * xs[bottom + c1[j]];
                    ys[at + j] = (1 - wy) * upper + wy * lower;
                }
            }
        }
    }

    /**
     * {@code y[r][c] = Σ wy·Σ wx·x[iy][ix]} over the taps of output row r and column c, in double;
     * {@code extrapolation} where either lies outside its axis.
     */
    private static void filter(float[] xs, int xo, float[] ys, int yo, int planes, int inH, int inW, Axis rows, Axis columns,
                               float extrapolation) {
        int outH = rows.first.length;
        int outW = columns.first.length;
        for (int p = 0; p < planes; p++) {
            int plane = xo + p * inH * inW;
            for (int r = 0, at = yo + p * outH * outW; r < outH; r++, at += outW) {
                for (int c = 0; c < outW; c++) {
                    if (rows.outside[r] || columns.outside[c]) {
                        ys[at + c] = extrapolation;
                        continue;
                    }
                    double sum = 0;
                    for (int ty = 0, ry = r * rows.taps; ty < rows.taps; ty++) {
                        int row = plane + rows.tapIndex[ry + ty] * inW;
                        double across = 0;
                        for (int tx = 0, cx = c * columns.taps; tx < columns.taps; tx++) {
                            across += columns.tapWeight[cx + tx] * xs[row + columns.tapIndex[cx + tx]];
                        }
                        sum += rows.tapWeight[ry + ty] * across;
                    }
                    ys[at + c] = (float) sum;
                }
            }
        }
    }
}
