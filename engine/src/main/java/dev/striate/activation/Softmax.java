package dev.striate.activation;

/**
 * {@code Softmax(axis)}: {@code y = exp(x − max) / Σ exp(x − max)} along one axis (PyTorch
 * {@code nn.Softmax(dim)}, ONNX opset ≥ 13 {@code Softmax}; default axis −1); backward from the
 * output, {@code dx = y·(dy − Σ dy·y)}. See {@link AxisSoftmax} for the numerics and layout.
 *
 * <p>Thread-safety: immutable.
 */
public final class Softmax extends AxisSoftmax {

    /** Along the last axis. */
    public Softmax() {
        this(-1);
    }

    /** Along {@code axis}; negative counts from the end. */
    public Softmax(int axis) {
        super(axis, false);
    }

}
