package dev.striate.nn;

import dev.striate.gemm.Epilogue;
import dev.striate.gemm.Sgemm;
import dev.striate.gemm.Transpose;
import dev.striate.tensor.Shape;
import dev.striate.tensor.Tensor;

import java.util.List;

/**
 * PyTorch's {@code nn.Linear}: {@code y = x·Wᵀ + b} for a batch {@code x [N, in]}, weight
 * {@code [out, in]}, bias {@code [out]}. Forward is one {@link Sgemm} with the bias fused as a per-column
 * epilogue; backward two more ({@code dx = dy·W}, {@code dW = dyᵀ·x}) and a column sum for {@code db}.
 *
 * <p>Thread-safety: as every {@link Layer}, one thread at a time.
 */
public final class Linear extends BufferedLayer {

    private static final Epilogue BIAS = Epilogue.bias(Epilogue.Bias.PER_COLUMN);

    private final int inFeatures;
    private final int outFeatures;
    private final Parameter weight;
    private final Parameter bias;
    private Sgemm gemm;
    private Tensor savedInput;

    public Linear(int inFeatures, int outFeatures) {
        if (inFeatures <= 0 || outFeatures <= 0) {
            throw new IllegalArgumentException("Linear: features must be > 0, got in=" + inFeatures + ", out=" + outFeatures);
        }
        this.inFeatures = inFeatures;
        this.outFeatures = outFeatures;
        this.weight = Parameter.trainable("weight", () -> { }, outFeatures, inFeatures);
        this.bias = Parameter.trainable("bias", () -> { }, outFeatures);
    }

    public int inFeatures() {
        return inFeatures;
    }

    public int outFeatures() {
        return outFeatures;
    }

    public Parameter weight() {
        return weight;
    }

    public Parameter bias() {
        return bias;
    }

    @Override
    Shape prepare(Shape input, Sgemm gemm) {
        if (input.rank() != 1 || input.dim(0) != inFeatures) {
            throw new IllegalArgumentException(this + ": expected input [" + inFeatures + "], got " + input
                    + (input.rank() > 1 && input.size() == inFeatures ? " (add a Flatten before it)" : ""));
        }
        this.gemm = gemm;
        return Shape.of(outFeatures);
    }

    @Override
    void forward(Tensor x, Tensor y, boolean training) {
        gemm.gemm(Transpose.N, Transpose.T, x.dim(0), outFeatures, inFeatures, 1f, x.data(), x.offset(), inFeatures,
                weight.value().data(), 0, inFeatures, 0f, y.data(), y.offset(), outFeatures, BIAS, bias.value().data(), 0);
        savedInput = x;
    }

    @Override
    void parameterGradients(Tensor dy) {
        int n = dy.dim(0);
        float[] g = dy.data();
        int at = dy.offset();
        gemm.gemm(Transpose.T, Transpose.N, outFeatures, inFeatures, n, 1f, g, at, outFeatures,
                savedInput.data(), savedInput.offset(), inFeatures, 0f, weight.grad().data(), 0, inFeatures);
        float[] db = bias.grad().data();
        java.util.Arrays.fill(db, 0f);
        for (int i = 0; i < n; i++) {
            for (int o = 0; o < outFeatures; o++) {
                db[o] += g[at + i * outFeatures + o];
            }
        }
    }

    @Override
    void inputGradient(Tensor dy, Tensor dx) {
        gemm.gemm(Transpose.N, Transpose.N, dy.dim(0), inFeatures, outFeatures, 1f, dy.data(), dy.offset(), outFeatures,
                weight.value().data(), 0, inFeatures, 0f, dx.data(), dx.offset(), inFeatures);
    }

    @Override
    public List<Parameter> parameters() {
        return List.of(weight, bias);
    }

    @Override
    public void initialize(Init init) {
        init.fill(weight.value(), inFeatures, outFeatures);
        java.util.Arrays.fill(bias.value().data(), 0f);
    }

    @Override
    public String toString() {
        return "Linear(in_features=" + inFeatures + ", out_features=" + outFeatures + ")";
    }
}
