package dev.striate.onnx;

import dev.striate.conv.ConvParams;
import dev.striate.conv.Convolution;

import java.util.Arrays;

/**
 * ONNX Conv (1-D and 2-D, groups, dilations, explicit or automatic padding), with an optional
 * clamp fused into the output (a following Relu or Clip) on the engine's {@link Convolution}.
 * Weights and bias must be constants. A BatchNormalization after it is folded into new weights at
 * load time ({@link #foldBatchNorm}).
 */
final class ConvOperator implements ClampableOperator {

    private final String node;
    private final Window window;
    private final int groups;
    private final float min;
    private final float max;
    private final Execution execution;
    /** The layer for the last shapes planned: rebuilt only when the padding or weights change. */
    private volatile Built cached;

    private record Built(ConvParams params, float[] weights, float[] bias, Convolution conv) {
    }

    ConvOperator(Node node, Execution execution) {
        this(node.toString(), new Window(node), group(node), Float.NEGATIVE_INFINITY, Float.POSITIVE_INFINITY, execution);
    }

    private ConvOperator(String node, Window window, int groups, float min, float max, Execution execution) {
        this.node = node;
        this.window = window;
        this.groups = groups;
        this.min = min;
        this.max = max;
        this.execution = execution;
    }

    /** The {@code group} attribute, checked (ConvTranspose's too). */
    static int group(Node node) {
        long g = node.getInt("group", 1);
        if (g < 1 || g > Integer.MAX_VALUE) {
            throw node.unsupported("group " + g + " must be >= 1");
        }
        return (int) g;
    }

    /** The same convolution with its output clamped to {@code [min, max]}. */
    @Override
    public ConvOperator clamped(float lo, float hi) {
        return new ConvOperator(node, window, groups, Math.max(min, lo), Math.min(max, hi), execution);
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
        if (w.type != Value.Type.FLOAT || w.rank() < 3 || w.rank() != x.rank()) {
            throw new OnnxException(node + ": weights " + w + " must be float [M, C/group, kernel...] of the input's rank, input "
                    + x);
        }
        int[] spatial = Arrays.copyOfRange(x.dims, 2, x.rank());
        int[] kernel = Arrays.copyOfRange(w.dims, 2, w.rank());
        if (window.kernel != null && !Arrays.equals(window.kernel, kernel)) {
            throw new OnnxException(node + ": kernel_shape " + Arrays.toString(window.kernel)
                    + " does not match weights " + w);
        }
        int[] g = window.resolve(spatial, kernel);
        int channels = x.dims[1];
        int outChannels = w.dims[0];
        if ((long) w.dims[1] * groups != channels || outChannels % groups != 0) {
            throw new OnnxException(node + ": input " + x + " with weights " + w + " and group " + groups
                    + ": expected input channels = " + w.dims[1] + " x " + groups + " and output channels divisible by the groups");
        }
        if (b != null && (b.type != Value.Type.FLOAT || b.size() != outChannels || b.rank() != 1)) {
            throw new OnnxException(node + ": bias " + b + " must be float [" + outChannels + "]");
        }
        ConvParams params;
        int[] x4 = Window.as2d(x.dims);
        int[] y4;
        try {
            params = ConvParams.of(channels, outChannels, g[0], g[1]).stride(g[2], g[3]).dilation(g[4], g[5])
                    .padding(g[6], g[7], g[8], g[9]).groups(groups);
            y4 = new int[] {x4[0], outChannels, params.outputHeight(x4[2]), params.outputWidth(x4[3])};
        } catch (IllegalArgumentException e) {
            throw new OnnxException(node + ": input " + x + ", weights " + w + ": " + e.getMessage(), e);
        }
        Convolution conv = layer(params, w.floats, b == null ? null : b.floats);
        int[] yDims = x.rank() == 3 ? new int[] {y4[0], y4[1], y4[3]} : y4;
        long flops = 2L * y4[0] * y4[1] * y4[2] * y4[3] * params.groupPatchSize();
        return Step.compute((i, o) -> conv.forward(i[0], o[0]), flops, Value.runtime(yDims))
                .seenAs(new int[][] {x4, null, null}, new int[][] {y4});
    }

    private Convolution layer(ConvParams params, float[] weights, float[] bias) {
        Built last = cached;
        if (last != null && last.params.equals(params) && last.weights == weights && last.bias == bias) {
            return last.conv;
        }
        Convolution c = new Convolution(params, weights, bias).withGemm(execution.gemm());
        if (min > Float.NEGATIVE_INFINITY || max < Float.POSITIVE_INFINITY) {
            c = c.withClamp(min, max);
        }
        cached = new Built(params, weights, bias, c);
        return c;
    }

    /**
     * Weights and bias of this convolution followed by inference-mode BatchNormalization:
     * {@code w'[m] = w[m]·s[m]}, {@code b'[m] = (b[m] − mean[m])·s[m] + beta[m]} with
     * {@code s = gamma / sqrt(var + eps)}, computed in double.
     *
     * @return {@code {w', b'}}
     */
    static float[][] foldBatchNorm(float[] w, float[] b, int outChannels, float[] gamma, float[] beta,
                                   float[] mean, float[] var, float eps) {
        float[] w2 = new float[w.length];
        float[] b2 = new float[outChannels];
        int per = w.length / outChannels;
        for (int m = 0; m < outChannels; m++) {
            double s = gamma[m] / Math.sqrt((double) var[m] + eps);
            for (int j = m * per; j < (m + 1) * per; j++) {
                w2[j] = (float) (w[j] * s);
            }
            b2[m] = (float) (((b == null ? 0 : b[m]) - (double) mean[m]) * s + beta[m]);
        }
        return new float[][] {w2, b2};
    }
}
