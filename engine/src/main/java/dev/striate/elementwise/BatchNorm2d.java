package dev.striate.elementwise;

import dev.striate.simd.FloatSpecies;
import dev.striate.simd.Lanes;
import dev.striate.simd.VectorSupport;
import dev.striate.tensor.Operands;
import dev.striate.tensor.Tensor;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * {@code BatchNorm2d} in inference form (PyTorch {@code nn.BatchNorm2d} in {@code eval()}, ONNX
 * {@code BatchNormalization} with running statistics): per channel c,
 * {@code y = (x − mean[c]) · γ[c]/√(var[c] + ε) + β[c]} on {@code [N, C, H, W]}. The factor is
 * computed once per channel in double; each element then costs one subtraction and one fused
 * multiply-add, and subtracting the mean first keeps large, nearly equal x and mean exact.
 *
 * <p>The backward pass treats the statistics as constants (the inference form): {@code dx = dy·scale},
 * {@code dγ = Σ dy·(x − mean)/√(var + ε)}, {@code dβ = Σ dy}. Training with batch statistics
 * belongs to the networks layer.
 *
 * <p>Thread-safety: immutable after construction (the arrays are copied).
 */
public final class BatchNorm2d {

    private static final VectorSpecies<Float> S = FloatSpecies.PREFERRED;
    private static final int L = FloatSpecies.LANES;

    private final int channels;
    private final float[] mean;
    private final float[] scale;
    private final float[] invStd;
    private final float[] beta;
    /** Built once: the checks run on every call and must not allocate. */
    private final String name;

    /**
     * @param gamma per-channel scale γ, {@code [C]}
     * @param beta per-channel shift β, {@code [C]}
     * @param mean running mean, {@code [C]}
     * @param variance running variance, {@code [C]}, each ≥ 0
     * @param eps added to the variance (PyTorch's default 1e-5), > 0 or 0 with every variance > 0
     */
    public BatchNorm2d(float[] gamma, float[] beta, float[] mean, float[] variance, float eps) {
        VectorSupport.require();
        if (gamma == null || beta == null || mean == null || variance == null) {
            throw new IllegalArgumentException("BatchNorm2d: gamma, beta, mean and variance must not be null");
        }
        channels = gamma.length;
        if (beta.length != channels || mean.length != channels || variance.length != channels) {
            throw new IllegalArgumentException("BatchNorm2d: gamma, beta, mean, variance must have one length, got "
                    + channels + ", " + beta.length + ", " + mean.length + ", " + variance.length);
        }
        if (!(eps >= 0f) || Float.isInfinite(eps)) {
            throw new IllegalArgumentException("BatchNorm2d: eps must be finite and >= 0, got " + eps);
        }
        name = "BatchNorm2d(" + channels + ")";
        this.mean = mean.clone();
        this.beta = beta.clone();
        scale = new float[channels];
        invStd = new float[channels];
        for (int c = 0; c < channels; c++) {
            double v = (double) variance[c] + eps;
            if (!(v > 0)) {
                throw new IllegalArgumentException("BatchNorm2d: variance + eps must be > 0, channel " + c + " has "
                        + variance[c] + " + " + eps);
            }
            invStd[c] = (float) (1 / Math.sqrt(v));
            scale[c] = (float) (gamma[c] / Math.sqrt(v));
        }
    }

    public int channels() {
        return channels;
    }

    /** {@code y := bn(x)}; y may be x (in place). */
    public void forward(Tensor x, Tensor y) {
        check(x, "y", y);
        Operands.sameOrDisjoint(name, "y", y, "x", x);
        int plane = x.dim(2) * x.dim(3);
        for (int p = 0, planes = x.dim(0) * channels; p < planes; p++) {
            int c = p % channels;
            affine(x.data(), x.offset() + p * plane, y.data(), y.offset() + p * plane, plane, mean[c], scale[c], beta[c]);
        }
    }

    /** {@code bn(x)} into a new tensor. */
    public Tensor forward(Tensor x) {
        Operands.image(name, "x", x);
        Tensor y = Tensor.zeros(x.shape().toArray());
        forward(x, y);
        return y;
    }

    /**
     * {@code dx := dy·scale}; {@code dGamma[c] := Σ dy·x̂}, {@code dBeta[c] := Σ dy} (overwritten) when
     * not null. dx may be dy; it must not overlap x.
     */
    public void backward(Tensor x, Tensor dy, Tensor dx, float[] dGamma, float[] dBeta) {
        check(x, "dy", dy);
        check(x, "dx", dx);
        Operands.sameOrDisjoint(name, "dx", dx, "dy", dy);
        Operands.disjoint(name, "dx", dx, "x", x);
        if ((dGamma != null && dGamma.length != channels) || (dBeta != null && dBeta.length != channels)) {
            throw new IllegalArgumentException(this + ": dGamma and dBeta must hold " + channels + " floats");
        }
        int plane = x.dim(2) * x.dim(3);
        if (dGamma != null) {
            java.util.Arrays.fill(dGamma, 0f);
        }
        if (dBeta != null) {
            java.util.Arrays.fill(dBeta, 0f);
        }
        float[] g = dy.data();
        for (int p = 0, planes = x.dim(0) * channels; p < planes; p++) {
            int c = p % channels;
            int gAt = dy.offset() + p * plane;
            if (dGamma != null || dBeta != null) {
                int xAt = x.offset() + p * plane;
                FloatVector sumG = FloatVector.zero(S);
                FloatVector sumGx = FloatVector.zero(S);
                int i = 0;
                for (int bound = S.loopBound(plane); i < bound; i += L) {
                    FloatVector gv = FloatVector.fromArray(S, g, gAt + i);
                    sumG = sumG.add(gv);
                    sumGx = gv.fma(FloatVector.fromArray(S, x.data(), xAt + i).sub(mean[c]), sumGx);
                }
                // lane order: reduceLanes(ADD) gives other bits once C2 compiles it
                float sg = Lanes.sum(sumG);
                float sgx = Lanes.sum(sumGx);
                for (; i < plane; i++) {
                    sg += g[gAt + i];
                    sgx += g[gAt + i] * (x.data()[xAt + i] - mean[c]);
                }
                if (dGamma != null) {
                    dGamma[c] += sgx * invStd[c];
                }
                if (dBeta != null) {
                    dBeta[c] += sg;
                }
            }
            affine(g, gAt, dx.data(), dx.offset() + p * plane, plane, 0f, scale[c], 0f);
        }
    }

    // y[yo + i] := (x[xo + i] - shift)·scale + add for i < n | y may be x | allocates nothing
    private static void affine(float[] x, int xo, float[] y, int yo, int n, float shift, float scale, float add) {
        FloatVector vs = FloatVector.broadcast(S, scale);
        FloatVector va = FloatVector.broadcast(S, add);
        int i = 0;
        for (int bound = S.loopBound(n); i < bound; i += L) {
            FloatVector.fromArray(S, x, xo + i).sub(shift).fma(vs, va).intoArray(y, yo + i);
        }
        for (; i < n; i++) {
            y[yo + i] = Math.fma(x[xo + i] - shift, scale, add);
        }
    }

    private void check(Tensor x, String name, Tensor t) {
        Operands.image(name, "x", x);
        if (x.dim(1) != channels) {
            throw new IllegalArgumentException(this + ": x must be [N, " + channels + ", H, W], got " + x.shape());
        }
        Operands.sameShape(name, name, t, "x", x);
    }

    @Override
    public String toString() {
        return name;
    }
}
