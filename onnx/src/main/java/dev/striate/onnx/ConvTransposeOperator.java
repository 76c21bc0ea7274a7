package dev.striate.onnx;

import dev.striate.conv.ConvParams;
import dev.striate.conv.Convolution;
import dev.striate.elementwise.Broadcast;
import dev.striate.tensor.Tensor;

import java.util.Arrays;

/**
 * ONNX ConvTranspose (1-D and 2-D; strides, dilations, groups, pads, output_padding, output_shape,
 * auto_pad) as what it is: the data gradient of the Conv it transposes. Its weights
 * {@code [C, M/group, kernel...]} are that Conv's ({@code M → C} channels), so the output is
 * {@link Convolution#backwardData} of the input — the engine's optimized dx paths, Winograd's
 * flipped-kernel forward included — then the bias per channel ({@link Broadcast#add}, in place).
 *
 * <p>Output size per spatial axis: {@code stride·(in − 1) + output_padding + dilation·(kernel − 1)
 * + 1 − pad_begin − pad_end}. With {@code output_shape} (or SAME_UPPER / SAME_LOWER, which ask for
 * {@code in·stride}), the pads are derived from it, the extra one at the end for SAME_UPPER and at
 * the beginning otherwise, as the specification says (halves rounded down, as ONNX's reference).
 * output_padding must be smaller than the stride (the rows it adds are then what the Conv's floor
 * division drops); a negative pad is accepted only at the end and, with output_padding, shorter
 * than the stride: the same rows no window reaches.
 */
final class ConvTransposeOperator implements Operator {

    private final String node;
    private final int groups;
    private final long[] kernelShape;
    private final long[] strides;
    private final long[] dilations;
    private final long[] pads;
    private final long[] outputPadding;
    private final long[] outputShape;
    private final String autoPad;
    private final Execution execution;

    ConvTransposeOperator(Node node, Execution execution) {
        this.node = node.toString();
        this.execution = execution;
        groups = ConvOperator.group(node);
        kernelShape = node.getInts("kernel_shape");
        strides = node.getInts("strides");
        dilations = node.getInts("dilations");
        pads = node.getInts("pads");
        outputPadding = node.getInts("output_padding");
        outputShape = node.getInts("output_shape");
        autoPad = node.getString("auto_pad", "NOTSET");
        if (!autoPad.equals("NOTSET") && !autoPad.equals("SAME_UPPER") && !autoPad.equals("SAME_LOWER")
                && !autoPad.equals("VALID")) {
            throw node.unsupported("auto_pad '" + autoPad + "' is not one of NOTSET, SAME_UPPER, SAME_LOWER, VALID");
        }
    }

    @Override
    public int[] staticInputs() {
        return new int[] {1, 2};
    }

    @Override
    public Step plan(Value[] in) {
        Value x = in[0];
        Value w = in[1];
        Value b = in.length > 2 ? in[2] : null;
        int rank = x.rank() - 2;
        if (rank < 1 || rank > 2 || w.type != Value.Type.FLOAT || w.rank() != x.rank()) {
            throw new OnnxException(node + ": input " + x + " and weights " + w
                    + " must be [N, C, spatial...] and float [C, M/group, kernel...] with 1 or 2 spatial axes");
        }
        int channels = x.dims[1];
        if (w.dims[0] != channels || channels % groups != 0) {
            throw new OnnxException(node + ": weights " + w + " for input " + x + " and group " + groups
                    + ": expected " + channels + " input channels, divisible by the groups");
        }
        long outLong = (long) w.dims[1] * groups;
        if (outLong > Integer.MAX_VALUE) {
            throw new OnnxException(node + ": " + outLong + " output channels");
        }
        int outChannels = (int) outLong;
        if (b != null && (b.type != Value.Type.FLOAT || b.rank() != 1 || b.size() != outChannels)) {
            throw new OnnxException(node + ": bias " + b + " must be float [" + outChannels + "]");
        }
        // per spatial axis: kernel, stride, dilation, pad begin, pad end, output size
        int[][] axes = new int[rank][];
        for (int i = 0; i < rank; i++) {
            axes[i] = axis(i, rank, x.dims[2 + i], w.dims[2 + i]);
        }
        int[] a = rank == 2 ? axes[0] : new int[] {1, 1, 1, 0, 0, 1};
        int[] c = axes[rank - 1];
        int[] x4 = Window.as2d(x.dims);
        int[] y4 = {x4[0], outChannels, a[5], c[5]};
        ConvParams params;
        try {
            params = ConvParams.of(outChannels, channels, a[0], c[0]).stride(a[1], c[1]).dilation(a[2], c[2])
                    .padding(a[3], c[3], a[4], c[4]).groups(groups);
        } catch (IllegalArgumentException e) {
            throw new OnnxException(node + ": input " + x + ", weights " + w + ": " + e.getMessage(), e);
        }
        if (params.outputHeight(y4[2]) != x4[2] || params.outputWidth(y4[3]) != x4[3]) {
            throw new OnnxException(node + ": output " + Arrays.toString(y4) + " does not transpose to input " + x);
        }
        Convolution conv = new Convolution(params, w.floats, null).withGemm(execution.gemm());
        Tensor bias = b == null ? null : Tensor.of(b.floats, outChannels, 1, 1);
        int[] yDims = rank == 1 ? new int[] {y4[0], y4[1], y4[3]} : y4;
        long flops = 2L * x4[0] * x4[1] * x4[2] * x4[3] * (outChannels / groups) * a[0] * c[0];
        return Step.compute((i, o) -> {
            conv.backwardData(i[0], o[0]);
            if (bias != null) {
                Broadcast.add(o[0], bias, o[0]);
            }
        }, flops, Value.runtime(yDims)).seenAs(new int[][] {x4, null, null}, new int[][] {y4});
    }

    /** {kernel, stride, dilation, pad begin, pad end, output size} of spatial axis i of {@code rank}. */
    private int[] axis(int i, int rank, int in, int kernelDim) {
        int k = kernelDim;
        if (kernelShape != null && (kernelShape.length != rank || kernelShape[i] != k)) {
            throw new OnnxException(node + ": kernel_shape " + Arrays.toString(kernelShape) + " does not match the weights");
        }
        long s = attribute("strides", strides, i, rank, 1);
        long d = attribute("dilations", dilations, i, rank, 1);
        long op = attribute("output_padding", outputPadding, i, rank, 0);
        if (s < 1 || d < 1 || op < 0 || op >= s) {
            throw new OnnxException(node + ": strides, dilations and output_padding " + s + ", " + d + ", " + op
                    + " on axis " + i + ": expected positive strides and dilations and 0 <= output_padding < stride");
        }
        long full = s * (in - 1) + op + d * (k - 1) + 1;
        long begin;
        long end;
        if (outputShape != null || autoPad.equals("SAME_UPPER") || autoPad.equals("SAME_LOWER")) {
            long out;
            if (outputShape != null) {
                if (outputShape.length != rank && outputShape.length != rank + 2) {
                    throw new OnnxException(node + ": output_shape " + Arrays.toString(outputShape) + " for " + rank + " spatial axes");
                }
                out = outputShape[outputShape.length - rank + i];
            } else {
                out = (long) in * s;
            }
            long total = full - out;
            // floor halves, as ONNX's reference: an output one longer than the full one is a negative
            // end pad, rows no window reaches
            begin = autoPad.equals("SAME_UPPER") ? Math.floorDiv(total, 2) : total - Math.floorDiv(total, 2);
            end = total - begin;
        } else if (autoPad.equals("VALID") || pads == null) {
            begin = 0;
            end = 0;
        } else {
            if (pads.length != 2 * rank) {
                throw new OnnxException(node + ": pads " + Arrays.toString(pads) + " for " + rank + " spatial axes");
            }
            begin = pads[i];
            end = pads[rank + i];
        }
        long out = full - begin - end;
        if (end < 0 && begin >= 0 && op - end < s) {
            // rows past the full output that no window reaches: what output_padding adds, written as zeros
            end = 0;
        }
        if (begin < 0 || end < 0 || out < 1 || full > Integer.MAX_VALUE) {
            throw new OnnxException(node + ": pads " + begin + ", " + end + " on axis " + i + " of input size " + in
                    + " give output size " + out);
        }
        return new int[] {k, (int) s, (int) d, (int) begin, (int) end, (int) out};
    }

    private long attribute(String name, long[] values, int i, int rank, long fallback) {
        if (values == null) {
            return fallback;
        }
        if (values.length != rank) {
            throw new OnnxException(node + ": " + name + " " + Arrays.toString(values) + " for " + rank + " spatial axes");
        }
        return values[i];
    }
}
