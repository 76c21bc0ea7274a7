package dev.striate.nn;

import dev.striate.gemm.Sgemm;
import dev.striate.tensor.Shape;
import dev.striate.tensor.Tensor;

/**
 * A layer that writes its output and its input gradient into buffers of its own: the checks, the
 * buffers and the forward/backward sequence written once; subclasses supply the computation.
 */
abstract class BufferedLayer extends Layer {

    private BatchBuffer output;
    private BatchBuffer inputGradient;
    private Tensor lastOutput;

    @Override
    protected final Shape configure(Shape input, Sgemm gemm) {
        Shape out = prepare(input, gemm);
        output = new BatchBuffer(out);
        inputGradient = new BatchBuffer(input);
        return out;
    }

    /** Checks {@code input}, prepares what depends on it, and returns the output sample shape. */
    abstract Shape prepare(Shape input, Sgemm gemm);

    @Override
    public final Tensor forward(Tensor x, boolean training) {
        Tensor y = output.get(batchOf("x", x, inputShape()));
        forward(x, y, training);
        lastOutput = y;
        return y;
    }

    /** {@code y := layer(x)} (y is this layer's buffer), keeping what the backward pass needs. */
    abstract void forward(Tensor x, Tensor y, boolean training);

    @Override
    public final Tensor backward(Tensor dy, boolean inputGradient) {
        requireForward(this, lastOutput, dy, outputShape());
        parameterGradients(dy);
        if (!inputGradient) {
            return null;
        }
        Tensor dx = this.inputGradient.get(dy.dim(0));
        inputGradient(dy, dx);
        return dx;
    }

    /** Sets the parameters' gradients from dy; nothing for a layer without parameters. */
    void parameterGradients(Tensor dy) {
    }

    /** {@code dx := ∂L/∂x} from dy (dx is this layer's buffer). */
    abstract void inputGradient(Tensor dy, Tensor dx);
}
