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
public final class ActivationLayer extends BufferedLayer {

    private final Activation activation;
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
    Shape prepare(Shape input, Sgemm gemm) {
        return input;
    }

    @Override
    void forward(Tensor x, Tensor y, boolean training) {
        activation.forward(x, y);
        saved = activation.backwardUsesOutput() ? y : x;
    }

    @Override
    void inputGradient(Tensor dy, Tensor dx) {
        activation.backward(saved, dy, dx);
    }

    @Override
    public String toString() {
        return activation.toString();
    }
}
