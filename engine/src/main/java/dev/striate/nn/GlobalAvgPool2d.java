package dev.striate.nn;

import dev.striate.gemm.Sgemm;
import dev.striate.pool.GlobalAvgPool;
import dev.striate.tensor.Shape;
import dev.striate.tensor.Tensor;

/**
 * Global average pooling, {@code [C, H, W] → [C, 1, 1]}: PyTorch's {@code nn.AdaptiveAvgPool2d(1)},
 * ONNX's {@code GlobalAveragePool}; the head of ResNet-style networks.
 *
 * <p>Thread-safety: as every {@link Layer}, one thread at a time.
 */
public final class GlobalAvgPool2d extends Layer {

    private final GlobalAvgPool kernel = new GlobalAvgPool();
    private BatchBuffer output;
    private BatchBuffer inputGradient;
    private Tensor savedOutput;

    @Override
    protected Shape configure(Shape input, Sgemm gemm) {
        if (input.rank() != 3 || input.dim(1) == 0 || input.dim(2) == 0) {
            throw new IllegalArgumentException(this + ": expected input [C, H, W] with a non-empty plane, got " + input);
        }
        Shape sample = Shape.of(input.dim(0), 1, 1);
        output = new BatchBuffer(sample);
        inputGradient = new BatchBuffer(input);
        return sample;
    }

    @Override
    public Tensor forward(Tensor x, boolean training) {
        Tensor y = output.get(batchOf("x", x, inputShape()));
        kernel.forward(x, y);
        savedOutput = y;
        return y;
    }

    @Override
    public Tensor backward(Tensor dy, boolean inputGradient) {
        requireForward(this, savedOutput, dy, outputShape());
        if (!inputGradient) {
            return null;
        }
        Tensor dx = this.inputGradient.get(dy.dim(0));
        kernel.backward(dy, dx);
        return dx;
    }

    @Override
    public String toString() {
        return "AdaptiveAvgPool2d(output_size=1)";
    }
}
