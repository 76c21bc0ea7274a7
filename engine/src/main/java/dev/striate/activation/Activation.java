package dev.striate.activation;

import dev.striate.tensor.Tensor;

/**
 * A layer without parameters that maps a tensor to one of the same shape, with its gradient.
 *
 * <p>Every implementation runs in place when asked: {@code y} may be {@code x} in {@link #forward},
 * and {@code dx} may be {@code dy} or {@code saved} in {@link #backward} (the same elements; a
 * partial overlap is rejected). Tensors must be contiguous.
 *
 * <p>The backward pass reads either the forward's output or its input, as PyTorch's autograd does
 * for the same function; {@link #backwardUsesOutput()} says which, so a training graph knows what
 * to keep (an in-place forward keeps only the output).
 *
 * <p>Thread-safety: implementations are immutable and may be shared by threads working on
 * different tensors.
 */
public interface Activation {

    /**
     * {@code y := f(x)}.
     *
     * @throws IllegalArgumentException naming the activation when the shapes differ, a tensor is
     *         not contiguous, or y partly overlaps x
     */
    void forward(Tensor x, Tensor y);

    /** {@code f(x)} into a new tensor. */
    default Tensor forward(Tensor x) {
        Tensor y = Tensor.zeros(x.shape().toArray());
        forward(x, y);
        return y;
    }

    /** Whether {@link #backward} reads the forward's output {@code y} (true) or its input {@code x}. */
    boolean backwardUsesOutput();

    /**
     * {@code dx := dy · ∂f/∂x}.
     *
     * @param saved the forward's output {@code y} when {@link #backwardUsesOutput()}, else its input {@code x}
     * @param dy gradient of the output
     * @param dx gradient of the input, overwritten; may be {@code dy} or {@code saved}
     */
    void backward(Tensor saved, Tensor dy, Tensor dx);

    /** The name used in messages and benchmark reports, with the hyperparameters, like {@code LeakyReLU(0.01)}. */
    @Override
    String toString();
}
