package dev.striate.onnx;

import dev.striate.tensor.Shape;
import dev.striate.tensor.Tensor;

import java.util.Arrays;

/**
 * The operators that normalize groups of elements by statistics of their own: LayerNormalization,
 * RMSNormalization, InstanceNormalization and GroupNormalization over contiguous rows
 * ({@link #normalizeRow}); MeanVarianceNormalization and LpNormalization over any axes
 * ({@link AxisGroups}). Statistics in double; not hot paths of the CNNs this engine serves, so written
 * for clarity, allocation-free per run.
 */
final class NormalizationOperators {

    private NormalizationOperators() {
    }

    /**
     * LayerNormalization (opset 17): each row of the trailing axes from {@code axis} normalized by its
     * own mean and biased variance, {@code y = (x − mean)/√(var + epsilon)·scale + bias}, scale and
     * bias constants over those axes. Mean and variance in double, two passes, whatever
     * {@code stash_type} asks (it only allows more precision). The optional Mean and InvStdDev outputs
     * (shaped as x with 1 on the normalized axes) are each row's mean and {@code 1/√(var + epsilon)},
     * in float32 (stash_type 1, the default; another stash type is refused for them).
     */
    static Operator layerNorm(Node node) {
        boolean statistics = node.hasOutput(1) || node.hasOutput(2);
        if (statistics && node.getInt("stash_type", 1) != 1) {
            throw node.unsupported("the Mean and InvStdDev outputs are supported in float32 (stash_type 1) only");
        }
        return trailingRows(node, true, statistics ? node.outputs.size() : 1);
    }

    /**
     * RMSNormalization (opset 23): each row of the trailing axes from {@code axis} divided by its root
     * mean square, {@code y = x/√(mean(x²) + epsilon)·scale}, scale a constant over those axes.
     */
    static Operator rmsNorm(Node node) {
        return trailingRows(node, false, 1);
    }

    /** LayerNormalization ({@code centered}) or RMSNormalization with {@code outputs} outputs. */
    private static Operator trailingRows(Node node, boolean centered, int outputs) {
        String name = node.toString();
        long axisAttribute = node.getInt("axis", -1);
        float epsilon = node.getFloat("epsilon", 1e-5f);
        node.ignore("stash_type");
        return Operator.readingWhilePlanning(new int[] {1, 2}, in -> {
            Value x = in[0];
            int rank = x.rank();
            if (axisAttribute < -rank || axisAttribute >= rank) {
                throw new OnnxException(name + ": axis " + axisAttribute + " is out of range for input " + x);
            }
            int axis = (int) (axisAttribute < 0 ? axisAttribute + rank : axisAttribute);
            int width = Shape.checkedSize(Arrays.copyOfRange(x.dims, axis, rank));
            Value scale = in[1];
            Value bias = in.length > 2 ? in[2] : null;
            if (scale.floats == null || scale.size() != width || bias != null && (bias.floats == null || bias.size() != width)) {
                throw new OnnxException(name + ": scale " + scale + " and bias " + bias + " must be float constants of "
                        + width + " elements (the normalized axes of " + x + ")");
            }
            float[] gamma = scale.floats;
            float[] beta = bias == null ? null : bias.floats;
            Kernel k = (i, o) -> {
                for (int row = 0, rows = width == 0 ? 0 : o[0].size() / width; row < rows; row++) {
                    normalizeRow(i[0].data(), i[0].offset() + row * width, o[0].data(), o[0].offset() + row * width, width,
                            centered, gamma, beta, 0, 1, epsilon, outputs > 1 ? o : null, row);
                }
            };
            if (outputs == 1) {
                return Step.inPlace(k, 8L * x.size(), Value.runtime(x.dims));
            }
            int[] statisticsDims = x.dims.clone();
            Arrays.fill(statisticsDims, axis, rank, 1);
            Value[] values = new Value[outputs];
            values[0] = Value.runtime(x.dims);
            for (int o = 1; o < outputs; o++) {
                values[o] = Value.runtime(statisticsDims);
            }
            return Step.compute(k, 8L * x.size(), values);
        });
    }

    /**
     * InstanceNormalization: each {@code [n, c]} plane normalized by its own mean and biased
     * variance, then {@code ·scale[c] + bias[c]} (constants); statistics in double, as {@link #layerNorm}.
     * GroupNormalization ({@code grouped}): the planes of each {@code num_groups}-th of the channels
     * normalized together, then scaled and shifted per channel (opset 21) or per group (opset 18).
     */
    static Operator instanceNorm(Node node, boolean grouped) {
        String name = node.toString();
        float epsilon = node.getFloat("epsilon", 1e-5f);
        long groupsAttribute = grouped ? node.getInt("num_groups", 0) : 0;
        boolean perGroup = grouped && node.opset < 21;
        node.ignore("stash_type");
        return Operator.readingWhilePlanning(new int[] {1, 2}, in -> {
            Value x = in[0];
            if (x.rank() < 3) {
                throw new OnnxException(name + ": input " + x + " must be [N, C, spatial...]");
            }
            int channels = x.dims[1];
            if (grouped && (groupsAttribute < 1 || channels % groupsAttribute != 0)) {
                throw new OnnxException(name + ": num_groups " + groupsAttribute + " must divide the " + channels
                        + " channels of " + x);
            }
            int groups = grouped ? (int) groupsAttribute : channels;
            int affine = perGroup ? groups : channels;
            if (in[1].floats == null || in[1].size() != affine || in[2].floats == null || in[2].size() != affine) {
                throw new OnnxException(name + ": scale " + in[1] + " and bias " + in[2] + " must be float constants of "
                        + affine + " elements for input " + x);
            }
            int plane = Shape.checkedSize(Arrays.copyOfRange(x.dims, 2, x.rank()));
            int perRow = channels / groups;
            int width = perRow * plane;
            // the scale index advances every `repeat` elements of a row: once a row per group, once a plane per channel
            int repeat = perGroup || perRow == 1 ? Math.max(width, 1) : plane;
            float[] scale = in[1].floats;
            float[] bias = in[2].floats;
            return Step.inPlace((i, o) -> {
                for (int r = 0, rows = width == 0 ? 0 : o[0].size() / width; r < rows; r++) {
                    int g = r % groups;
                    normalizeRow(i[0].data(), i[0].offset() + r * width, o[0].data(), o[0].offset() + r * width, width,
                            true, scale, bias, perGroup ? g : g * perRow, repeat, epsilon, null, 0);
                }
            }, 8L * x.size(), Value.runtime(x.dims));
        });
    }

    /**
     * One row of {@code width}: {@code y[j] = (x[j] − mean)·(1/√(var + eps))·gamma[k] + beta[k]},
     * {@code k = at + j / repeat} (beta may be null), mean and biased variance in double; not
     * {@code centered}, the mean is 0 (the root mean square). y may be x. With {@code statistics},
     * the row's mean and 1/√(var + eps) go to element {@code row} of {@code statistics[1]} and
     * {@code statistics[2]} (either may be absent).
     */
    private static void normalizeRow(float[] xs, int from, float[] ys, int to, int width, boolean centered,
                                     float[] gamma, float[] beta, int at, int repeat, float eps, Tensor[] statistics, int row) {
        double mean = 0;
        if (centered) {
            for (int j = 0; j < width; j++) {
                mean += xs[from + j];
            }
            mean /= width;
        }
        double squares = 0;
        for (int j = 0; j < width; j++) {
            double d = xs[from + j] - mean;
            squares += d * d;
        }
        double invStd = 1 / Math.sqrt(squares / width + eps);
        if (statistics != null) {
            if (statistics.length > 1 && statistics[1] != null) {
                statistics[1].data()[statistics[1].offset() + row] = (float) mean;
            }
            if (statistics.length > 2 && statistics[2] != null) {
                statistics[2].data()[statistics[2].offset() + row] = (float) invStd;
            }
        }
        for (int j = 0, k = at, left = repeat; j < width; j++) {
            double v = (xs[from + j] - mean) * invStd * gamma[k];
            ys[to + j] = (float) (beta == null ? v : v + beta[k]);
            if (--left == 0) {
                k++;
                left = repeat;
            }
        }
    }

    /**
     * BatchNormalization with training_mode=1 (opset 14+): each channel normalized by the batch's own
     * mean and biased variance (over every axis but 1), then {@code ·scale + B}; the optional outputs
     * 1 and 2 are the running statistics {@code input·momentum + batch·(1 − momentum)} (momentum
     * default 0.9), as ONNX's reference computes them. Statistics in double.
     */
    static Operator batchNormTraining(Node node) {
        String name = node.toString();
        float eps = node.getFloat("epsilon", 1e-5f);
        double momentum = node.getFloat("momentum", 0.9f);
        int outputs = node.outputs.size();
        return Operator.readingWhilePlanning(new int[] {1, 2, 3, 4}, in -> {
            Value x = in[0];
            int c = ElementwiseOperators.batchNormChannels(name, in);
            boolean[] reduced = new boolean[x.rank()];
            Arrays.fill(reduced, true);
            reduced[1] = false;
            AxisGroups groups = AxisGroups.of(x.dims, reduced);
            float[] scale = in[1].floats;
            float[] bias = in[2].floats;
            float[] runningMean = in[3].floats;
            float[] runningVar = in[4].floats;
            Value[] values = new Value[Math.min(outputs, 3)];
            values[0] = Value.runtime(x.dims);
            for (int o = 1; o < values.length; o++) {
                values[o] = Value.runtime(c);
            }
            return Step.compute((i, o) -> {
                float[] xs = i[0].data();
                float[] ys = o[0].data();
                int[] member = groups.member();
                for (int ch = 0; ch < c; ch++) {
                    int from = i[0].offset() + groups.base()[ch];
                    int to = o[0].offset() + groups.base()[ch];
                    double mean = mean(xs, from, member);
                    double variance = variance(xs, from, member, mean);
                    double factor = scale[ch] / Math.sqrt(variance + eps);
                    for (int m : member) {
                        ys[to + m] = (float) ((xs[from + m] - mean) * factor + bias[ch]);
                    }
                    if (o.length > 1 && o[1] != null) {
                        o[1].data()[o[1].offset() + ch] = (float) (runningMean[ch] * momentum + mean * (1 - momentum));
                    }
                    if (o.length > 2 && o[2] != null) {
                        o[2].data()[o[2].offset() + ch] = (float) (runningVar[ch] * momentum + variance * (1 - momentum));
                    }
                }
            }, 6L * x.size(), values);
        });
    }

    /** The mean of the group's members (offsets from {@code from}), in double. */
    private static double mean(float[] xs, int from, int[] member) {
        double sum = 0;
        for (int m : member) {
            sum += xs[from + m];
        }
        return sum / member.length;
    }

    /** The group's biased variance about {@code mean}, two-pass, in double. */
    private static double variance(float[] xs, int from, int[] member, double mean) {
        double squares = 0;
        for (int m : member) {
            double d = xs[from + m] - mean;
            squares += d * d;
        }
        return squares / member.length;
    }

    /**
     * MeanVarianceNormalization: over the {@code axes} (default N, H, W: per channel),
     * {@code y = (x − mean)/(√var + 1e-9)} with the biased variance — the specification's function
     * body (which takes {@code E[x²] − E[x]²}; here the two-pass variance in double).
     */
    static Operator meanVarianceNorm(Node node) {
        String name = node.toString();
        long[] axesAttribute = node.has("axes") ? node.getInts("axes") : new long[] {0, 2, 3};
        return in -> {
            Value x = in[0];
            AxisGroups groups = AxisGroups.of(x.dims, AxisGroups.flags(name, axesAttribute, x));
            return Step.inPlace((i, o) -> {
                float[] xs = i[0].data();
                float[] ys = o[0].data();
                int[] member = groups.member();
                for (int base : groups.base()) {
                    double mean = mean(xs, i[0].offset() + base, member);
                    double std = Math.sqrt(variance(xs, i[0].offset() + base, member, mean)) + 1e-9;
                    for (int m : member) {
                        ys[o[0].offset() + base + m] = (float) ((xs[i[0].offset() + base + m] - mean) / std);
                    }
                }
            }, 6L * x.size(), Value.runtime(x.dims));
        };
    }

    /** LpNormalization: {@code x / ‖x‖_p} along {@code axis} (p = 1 or 2; a zero norm gives 0, as ONNX's reference). */
    static Operator lpNorm(Node node) {
        String name = node.toString();
        long axis = node.getInt("axis", -1);
        long p = node.getInt("p", 2);
        if (p != 1 && p != 2) {
            throw node.unsupported("p " + p + " is not 1 or 2");
        }
        return in -> {
            Value x = in[0];
            AxisGroups groups = AxisGroups.of(x.dims, AxisGroups.flags(name, new long[] {axis}, x));
            return Step.inPlace((i, o) -> {
                float[] xs = i[0].data();
                float[] ys = o[0].data();
                for (int base : groups.base()) {
                    double norm = 0;
                    for (int m : groups.member()) {
                        double v = xs[i[0].offset() + base + m];
                        norm += p == 1 ? Math.abs(v) : v * v;
                    }
                    norm = p == 1 ? norm : Math.sqrt(norm);
                    for (int m : groups.member()) {
                        ys[o[0].offset() + base + m] = norm == 0 ? 0 : (float) (xs[i[0].offset() + base + m] / norm);
                    }
                }
            }, 3L * x.size(), Value.runtime(x.dims));
        };
    }

}
