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
public final class GlobalAvgPool2d extends BufferedLayer {

    /** On the network's thread pool, from {@link #prepare}. */
    private GlobalAvgPool kernel;

    @Override
    Shape prepare(Shape input, Sgemm gemm) {
        if (input.rank() != 3 || input.dim(1) == 0 || input.dim(2) == 0) {
            throw new IllegalArgumentException(this + ": expected input [C, H, W] with a non-empty plane, got " + input);
        }
        kernel = new GlobalAvgPool(gemm.pool());
        return Shape.of(input.dim(0), 1, 1);
    }

    @Override
    void forward(Tensor x, Tensor y, boolean training) {
        kernel.forward(x, y);
    }

    @Override
    void inputGradient(Tensor dy, Tensor dx) {
        kernel.backward(dy, dx);
    }

    @Override
    public String toString() {
        return "AdaptiveAvgPool2d(output_size=1)";
    }
}
