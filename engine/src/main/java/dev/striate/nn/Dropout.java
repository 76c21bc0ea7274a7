package dev.striate.nn;

import dev.striate.gemm.Sgemm;
import dev.striate.tensor.Shape;
import dev.striate.tensor.Tensor;

/**
 * PyTorch's {@code nn.Dropout(p)}: in training each element is zeroed with probability p and the
 * rest scaled by {@code 1/(1 − p)}, masks drawn from a seed (see {@link dev.striate.elementwise.Dropout});
 * in inference the identity, returning its input without a copy.
 *
 * <p>Thread-safety: as every {@link Layer}, one thread at a time.
 */
public final class Dropout extends Layer {

    private final dev.striate.elementwise.Dropout kernel;
    private BatchBuffer output;
    private BatchBuffer inputGradient;
    private float[] mask = new float[0];
    private Tensor savedOutput;
    private boolean masked;

    public Dropout(float p, long seed) {
        kernel = new dev.striate.elementwise.Dropout(p, seed);
    }

    public float p() {
        return kernel.p();
    }

    @Override
    protected Shape configure(Shape input, Sgemm gemm) {
        output = new BatchBuffer(input);
        inputGradient = new BatchBuffer(input);
        return input;
    }

    @Override
    public Tensor forward(Tensor x, boolean training) {
        int n = batchOf("x", x, inputShape());
        masked = training;
        if (!training) {
            savedOutput = x;
            return x;
        }
        Tensor y = output.get(n);
        if (mask.length < y.size()) {
            mask = new float[y.size()];
        }
        kernel.forwardTraining(x, y, mask);
        savedOutput = y;
        return y;
    }

    @Override
    public Tensor backward(Tensor dy, boolean inputGradient) {
        requireForward(this, savedOutput, dy, outputShape());
        if (!inputGradient) {
            return null;
        }
        if (!masked) {
            return dy;
        }
        Tensor dx = this.inputGradient.get(dy.dim(0));
        kernel.backward(dy, mask, dx);
        return dx;
    }

    @Override
    public String toString() {
        return "Dropout(p=" + kernel.p() + ")";
    }
}
