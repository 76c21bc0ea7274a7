package dev.striate.activation;

/**
 * {@code LogSoftmax(axis)}: {@code y = x − max − log Σ exp(x − max)} along one axis (PyTorch
 * {@code nn.LogSoftmax(dim)}, ONNX opset ≥ 13 {@code LogSoftmax}; default axis −1); backward from
 * the output, {@code dx = dy − exp(y)·Σ dy}. See {@link AxisSoftmax} for the numerics and layout.
 *
 * <p>Thread-safety: immutable.
 */
public final class LogSoftmax extends AxisSoftmax {

    /** Along the last axis. */
    public LogSoftmax() {
        this(-1);
    }

    /** Along {@code axis}; negative counts from the end. */
    public LogSoftmax(int axis) {
        super(axis, true);
    }

}
