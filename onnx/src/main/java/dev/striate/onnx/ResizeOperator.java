package dev.striate.onnx;

import dev.striate.tensor.Tensor;

import java.util.Arrays;

/**
 * ONNX Resize (opset 10+) and Upsample (opsets 7–9) of the spatial axes of {@code [N, C, H, W]} or
 * {@code [N, C, W]}: nearest (every {@code nearest_mode}) and linear, with the coordinate transforms
 * half_pixel, half_pixel_symmetric, pytorch_half_pixel, align_corners, asymmetric and
 * tf_half_pixel_for_nn — what PyTorch's {@code F.interpolate} exports (nearest: asymmetric, floor;
 * bilinear: half_pixel or align_corners). Scales from input 2 (input 1 for opset 10 and Upsample)
 * or sizes from input 3, for the axes the {@code axes} attribute lists (default all), sizes with
 * any {@code keep_aspect_ratio_policy}; the batch and channel axes keep their size. The output
 * length a transform divides by is, for scales, the unfloored {@code length·scale} (ONNX's
 * reference: align_corners on 4 columns at scale 0.6 maps output 1 to 3/1.4, not 3/1). Upsample and opset-10 Resize are asymmetric with
 * nearest rounding down, as ONNX's reference implementation (ONNX Runtime rounds up instead when
 * such a node shrinks an axis).
 *
 * <p>Each output row and column's source indices and weights are computed while planning (a linear
 * source coordinate clamped to the axis, as PyTorch and ONNX Runtime do), so a run only gathers.
 */
final class ResizeOperator implements Operator {

    private final String node;
    private final boolean linear;
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
        if (!mode.equals("nearest") && !mode.equals("linear") && !mode.equals("bilinear")) {
            throw node.unsupported("mode '" + mode + "' is not supported (nearest, linear)");
        }
        linear = !mode.equals("nearest");
        boolean legacy = upsample || node.opset < 11;
        coordinates = legacy ? "asymmetric" : node.getString("coordinate_transformation_mode", "half_pixel");
        nearestMode = legacy ? "floor" : node.getString("nearest_mode", "round_prefer_floor");
        if (!Arrays.asList("half_pixel", "half_pixel_symmetric", "pytorch_half_pixel", "align_corners", "asymmetric",
                "tf_half_pixel_for_nn").contains(coordinates)) {
            throw node.unsupported("coordinate_transformation_mode '" + coordinates + "' is not supported");
        }
        if (!Arrays.asList("round_prefer_floor", "round_prefer_ceil", "floor", "ceil").contains(nearestMode)) {
            throw node.unsupported("nearest_mode '" + nearestMode + "' is not supported");
        }
        node.ignore("cubic_coeff_a"); // read only by mode cubic, which is refused above
        if (node.getInt("exclude_outside", 0) != 0) {
            throw node.unsupported("exclude_outside=1 is not supported");
        }
        if (node.getInt("antialias", 0) != 0) {
            throw node.unsupported("antialias=1 is not supported");
        }
        axesAttribute = node.getInts("axes");
        aspectPolicy = node.getString("keep_aspect_ratio_policy", "stretch");
        if (!Arrays.asList("stretch", "not_larger", "not_smaller").contains(aspectPolicy)) {
            throw node.unsupported("keep_aspect_ratio_policy '" + aspectPolicy + "' is not one of stretch, not_larger, not_smaller");
        }
        node.ignore("extrapolation_value"); // used only by tf_crop_and_resize, refused above
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
        for (int d = 0; d < Math.min(2, rank); d++) {
            if (dims[d] != x.dims[d]) {
                throw new OnnxException(node + ": resizing the batch or channel axis of " + x + " is not supported");
            }
        }
        int inH = rank == 4 ? x.dims[2] : 1;
        int outH = rank == 4 ? dims[2] : 1;
        Axis rows = axis(inH, outH, rank == 4 ? scale[2] : 1, rank == 4 ? length[2] : 1);
        Axis columns = axis(x.dims[rank - 1], dims[rank - 1], scale[rank - 1], length[rank - 1]);
        int inW = x.dims[rank - 1];
        int planes = x.dims[0] * x.dims[1];
        Kernel k = (i, o) -> resize(i[0], o[0], planes, inH, inW, rows, columns);
        return Step.compute(k, (linear ? 8L : 1L) * planes * outH * columns.first.length, Value.runtime(dims));
    }

    /** Per output index: the source index (the lower one for linear), the upper one and its weight. */
    private record Axis(int[] first, int[] second, float[] weight) {
    }

    private Axis axis(int in, int out, double scale, double length) {
        int[] first = new int[out];
        int[] second = new int[out];
        float[] weight = new float[out];
        for (int o = 0; o < out; o++) {
            double source = switch (coordinates) {
                case "half_pixel" -> (o + 0.5) / scale - 0.5;
                case "half_pixel_symmetric" -> in / 2.0 * (1 - out / length) + (o + 0.5) / scale - 0.5;
                case "pytorch_half_pixel" -> length > 1 ? (o + 0.5) / scale - 0.5 : 0;
                case "align_corners" -> length == 1 ? 0 : o * (in - 1.0) / (length - 1);
                case "tf_half_pixel_for_nn" -> (o + 0.5) / scale;
                default -> o / scale; // asymmetric
            };
            if (linear) {
                double clamped = Math.min(Math.max(source, 0), in - 1);
                int lower = (int) Math.floor(clamped);
                first[o] = lower;
                second[o] = Math.min(lower + 1, in - 1);
                weight[o] = (float) (clamped - lower);
            } else {
                double fraction = source - Math.floor(source);
                long index = switch (nearestMode) {
                    case "floor" -> (long) Math.floor(source);
                    case "ceil" -> (long) Math.ceil(source);
                    case "round_prefer_ceil" -> fraction == 0.5 ? (long) Math.ceil(source) : Math.round(source);
                    default -> fraction == 0.5 ? (long) Math.floor(source) : Math.round(source);
                };
                first[o] = (int) Math.min(Math.max(index, 0), in - 1);
            }
        }
        return new Axis(first, second, weight);
    }

    /** Every plane: nearest gathers, or {@code (1 − wy)·((1 − wx)·a + wx·b) + wy·((1 − wx)·c + wx·d)} as PyTorch. */
    private void resize(Tensor x, Tensor y, int planes, int inH, int inW, Axis rows, Axis columns) {
        float[] xs = x.data();
        float[] ys = y.data();
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
}
