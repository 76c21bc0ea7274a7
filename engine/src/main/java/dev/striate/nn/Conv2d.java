package dev.striate.nn;

import dev.striate.conv.ConvParams;
import dev.striate.conv.Convolution;
import dev.striate.gemm.Sgemm;
import dev.striate.tensor.Shape;
import dev.striate.tensor.Tensor;

import java.util.ArrayList;
import java.util.List;

/**
 * PyTorch's {@code nn.Conv2d}: weight {@code [out, in/groups, kH, kW]}, optional bias {@code [out]},
 * every hyperparameter of {@link ConvParams} (stride, per-side padding, dilation, groups). Runs on
 * {@link Convolution}, which picks its algorithm per shape.
 *
 * <p>Thread-safety: as every {@link Layer}, one thread at a time.
 */
public final class Conv2d extends BufferedLayer {

    private final ConvParams params;
    private final Parameter weight;
    private final Parameter bias;
    private Convolution conv;
    private Tensor savedInput;

    /** A {@code kernel×kernel} convolution, stride 1, no padding, with bias. */
    public Conv2d(int inChannels, int outChannels, int kernel) {
        this(ConvParams.of(inChannels, outChannels, kernel), true);
    }

    public Conv2d(ConvParams params, boolean bias) {
        if (params == null) {
            throw new IllegalArgumentException("Conv2d: params must not be null");
        }
        this.params = params;
        Runnable refresh = this::weightsChanged;
        this.weight = Parameter.trainable("weight", refresh, params.weightShape());
        this.bias = bias ? Parameter.trainable("bias", refresh, params.outChannels()) : null;
    }

    public ConvParams params() {
        return params;
    }

    public Parameter weight() {
        return weight;
    }

    /** The bias, or null for a layer without one. */
    public Parameter bias() {
        return bias;
    }

    @Override
    Shape prepare(Shape input, Sgemm gemm) {
        if (input.rank() != 3 || input.dim(0) != params.inChannels()) {
            throw new IllegalArgumentException(this + ": expected input [" + params.inChannels() + ", H, W], got " + input);
        }
        conv = new Convolution(params, weight.value().data(), bias == null ? null : bias.value().data()).withGemm(gemm);
        Shape out = conv.outputShape(Shape.of(1, input.dim(0), input.dim(1), input.dim(2)));
        return Shape.of(out.dim(1), out.dim(2), out.dim(3));
    }

    @Override
    void forward(Tensor x, Tensor y, boolean training) {
        conv.forward(x, y);
        savedInput = x;
    }

    @Override
    void parameterGradients(Tensor dy) {
        conv.backwardWeights(savedInput, dy, weight.grad(), bias == null ? null : bias.grad());
    }

    @Override
    void inputGradient(Tensor dy, Tensor dx) {
        conv.backwardData(dy, dx);
    }

    @Override
    public List<Parameter> parameters() {
        List<Parameter> all = new ArrayList<>(2);
        all.add(weight);
        if (bias != null) {
            all.add(bias);
        }
        return all;
    }

    @Override
    public void initialize(Init init) {
        int receptive = params.kernelH() * params.kernelW();
        init.fill(weight.value(), params.groupInChannels() * receptive, params.outChannels() * receptive);
        if (bias != null) {
            java.util.Arrays.fill(bias.value().data(), 0f);
        }
        weightsChanged();
    }

    private void weightsChanged() {
        if (conv != null) {
            conv.weightsUpdated();
        }
    }

    @Override
    public String toString() {
        StringBuilder s = new StringBuilder("Conv2d(").append(params.inChannels()).append(", ").append(params.outChannels())
                .append(", kernel_size=(").append(params.kernelH()).append(", ").append(params.kernelW()).append(')');
        if (params.strideH() != 1 || params.strideW() != 1) {
            s.append(", stride=(").append(params.strideH()).append(", ").append(params.strideW()).append(')');
        }
        if (params.padTop() != 0 || params.padLeft() != 0 || params.padBottom() != 0 || params.padRight() != 0) {
            s.append(params.padTop() == params.padBottom() && params.padLeft() == params.padRight()
                    ? ", padding=(" + params.padTop() + ", " + params.padLeft() + ")"
                    : ", padding=(" + params.padTop() + ", " + params.padLeft() + ", " + params.padBottom() + ", " + params.padRight() + ")");
        }
        if (params.dilationH() != 1 || params.dilationW() != 1) {
            s.append(", dilation=(").append(params.dilationH()).append(", ").append(params.dilationW()).append(')');
        }
        if (params.groups() != 1) {
            s.append(", groups=").append(params.groups());
        }
        if (bias == null) {
            s.append(", bias=False");
        }
        return s.append(')').toString();
    }
}
