package dev.striate.nn;

import dev.striate.activation.Activation;
import dev.striate.gemm.Sgemm;
import dev.striate.tensor.Shape;
import dev.striate.tensor.Tensor;

/**
 * Any {@link Activation} (ReLU, sigmoid, tanh, softmax over an axis, ...) as a network layer: the
 * sample shape passes through, and the layer keeps the forward output or input, whichever the
 * activation's backward reads. Softmax's axis counts the batch dimension, as in PyTorch
 * ({@code Softmax(1)} over the classes of {@code [N, C]}).
 *
 * <p>Thread-safety: as every {@link Layer}, one thread at a time.
 */
public final class ActivationLayer extends Layer {

    private final Activation activation;
    private BatchBuffer output;
    private BatchBuffer inputGradient;
    private Tensor saved;

    public ActivationLayer(Activation activation) {
        if (activation == null) {
            throw new IllegalArgumentException("ActivationLayer: activation must not be null");
        }
        this.activation = activation;
    }

    public Activation activation() {
        return activation;
    }

    @Override
    protected Shape configure(Shape input, Sgemm gemm) {
        output = new BatchBuffer(input);
        inputGradient = new BatchBuffer(input);
        return input;
    }

    @Override
    public Tensor forward(Tensor x, boolean training) {
        Tensor y = output.get(batchOf("x", x, inputShape()));
        activation.forward(x, y);
        saved = activation.backwardUsesOutput() ? y : x;
        return y;
    }

    @Override
    public Tensor backward(Tensor dy, boolean inputGradient) {
        requireForward(this, saved, dy, outputShape());
        if (!inputGradient) {
            return null;
        }
        Tensor dx = this.inputGradient.get(dy.dim(0));
        activation.backward(saved, dy, dx);
        return dx;
    }

    @Override
    public String toString() {
        return activation.toString();
    }
}
