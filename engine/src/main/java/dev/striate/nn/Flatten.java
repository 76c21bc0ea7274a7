package dev.striate.nn;

import dev.striate.gemm.Sgemm;
import dev.striate.tensor.Shape;
import dev.striate.tensor.Tensor;

/**
 * PyTorch's {@code nn.Flatten()}: {@code [N, d1, d2, ...] → [N, d1·d2·...]}, a view of the same
 * elements (no copy); backward views the gradient back.
 *
 * <p>Thread-safety: as every {@link Layer}, one thread at a time.
 */
public final class Flatten extends Layer {

    private final View forwardView = new View();
    private final View backwardView = new View();
    private Tensor saved;

    @Override
    protected Shape configure(Shape input, Sgemm gemm) {
        return Shape.of(input.size());
    }

    @Override
    public Tensor forward(Tensor x, boolean training) {
        saved = x;
        return forwardView.of(x, batchOf("x", x, inputShape()), outputShape());
    }

    @Override
    public Tensor backward(Tensor dy, boolean inputGradient) {
        requireForward(this, saved, dy, outputShape());
        return inputGradient ? backwardView.of(dy, dy.dim(0), inputShape()) : null;
    }

    @Override
    public String toString() {
        return "Flatten(start_dim=1, end_dim=-1)";
    }

    /** The last reshaped view, reused while the source tensor stays the same (a layer's buffer does). */
    private static final class View {
        private Tensor source;
        private Tensor view;

        Tensor of(Tensor t, int batch, Shape sample) {
            if (t != source) {
                int[] dims = new int[sample.rank() + 1];
                dims[0] = batch;
                System.arraycopy(sample.toArray(), 0, dims, 1, sample.rank());
                view = t.reshape(dims);
                source = t;
            }
            return view;
        }
    }
}
