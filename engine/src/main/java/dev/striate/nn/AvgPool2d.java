package dev.striate.nn;

import dev.striate.pool.PoolParams;
import dev.striate.runtime.ThreadPool;
import dev.striate.tensor.Tensor;

/**
 * PyTorch's {@code nn.AvgPool2d} (every option of {@link PoolParams}, and {@code count_include_pad},
 * default true as in PyTorch).
 *
 * <p>Thread-safety: as every {@link Layer}, one thread at a time.
 */
public final class AvgPool2d extends PoolLayer<dev.striate.pool.AvgPool2d> {

    private final boolean countIncludePad;

    /** {@code kernel×kernel} windows at stride {@code kernel}. */
    public AvgPool2d(int kernel) {
        this(PoolParams.of(kernel), true);
    }

    public AvgPool2d(PoolParams params, boolean countIncludePad) {
        super(params);
        this.countIncludePad = countIncludePad;
    }

    public boolean countIncludePad() {
        return countIncludePad;
    }

    @Override
    dev.striate.pool.AvgPool2d kernel(ThreadPool threads) {
        return new dev.striate.pool.AvgPool2d(params, countIncludePad, threads);
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
        String s = describe("AvgPool2d");
        return countIncludePad ? s : s.substring(0, s.length() - 1) + ", count_include_pad=False)";
    }
}
