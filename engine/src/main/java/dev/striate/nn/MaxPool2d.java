package dev.striate.nn;

import dev.striate.pool.PoolParams;
import dev.striate.runtime.ThreadPool;
import dev.striate.tensor.Tensor;

/**
 * PyTorch's {@code nn.MaxPool2d} (every option of {@link PoolParams}). A training forward records
 * PyTorch's argmax indices for the backward pass; an inference forward skips them (and runs the
 * faster separable kernel).
 *
 * <p>Thread-safety: as every {@link Layer}, one thread at a time.
 */
public final class MaxPool2d extends PoolLayer<dev.striate.pool.MaxPool2d> {

    private int[] indices = new int[0];
    /** Whether the last forward recorded the argmax (training mode). */
    private boolean recorded;

    /** {@code kernel×kernel} windows at stride {@code kernel}, PyTorch's default. */
    public MaxPool2d(int kernel) {
        this(PoolParams.of(kernel));
    }

    public MaxPool2d(PoolParams params) {
        super(params);
    }

    @Override
    dev.striate.pool.MaxPool2d kernel(ThreadPool threads) {
        return new dev.striate.pool.MaxPool2d(params, threads);
    }

    @Override
    void forward(Tensor x, Tensor y, boolean training) {
        recorded = training;
        if (training) {
            if (indices.length < y.size()) {
                indices = new int[y.size()];
            }
            kernel.forward(x, y, indices);
        } else {
            kernel.forward(x, y);
        }
    }

    @Override
    void parameterGradients(Tensor dy) {
        if (!recorded) {
            throw new IllegalStateException(this + ": backward needs a training-mode forward (it records the argmax)");
        }
    }

    @Override
    void inputGradient(Tensor dy, Tensor dx) {
        kernel.backward(dy, indices, dx);
    }

    @Override
    public String toString() {
        return describe("MaxPool2d");
    }
}
