package dev.striate.elementwise;

import dev.striate.tensor.Operands;
import dev.striate.tensor.Tensor;

import java.util.concurrent.atomic.AtomicLong;

/**
 * {@code Dropout(p)} (PyTorch {@code nn.Dropout}, ONNX {@code Dropout}): in training each element is
 * zeroed with probability p and the survivors scaled by {@code 1/(1 − p)}; in inference the identity.
 *
 * <p>The mask is counter-based: element i of the k-th training call keeps iff
 * {@code uniform(hash(seed, k, i)) ≥ p}, with a 24-bit uniform from a SplitMix64 hash. So a seed
 * fixes every mask of a training run, independently of threads, and no generator state is shared
 * between elements. The mask is written as the factor each element was multiplied by ({@code 0} or
 * {@code 1/(1 − p)}); the backward pass multiplies by it again.
 *
 * <p>Thread-safety: safe to share; concurrent training calls each take the next call number.
 */
public final class Dropout {

    private final float p;
    private final long seed;
    private final AtomicLong calls = new AtomicLong();
    /** Built once: the checks run on every call and must not allocate. */
    private final String name;

    /** @throws IllegalArgumentException unless {@code 0 ≤ p ≤ 1} */
    public Dropout(float p, long seed) {
        if (!(p >= 0f && p <= 1f)) {
            throw new IllegalArgumentException("Dropout: p must be in [0, 1], got " + p);
        }
        this.p = p;
        this.seed = seed;
        this.name = "Dropout(p=" + p + ")";
    }

    public float p() {
        return p;
    }

    /** Inference: {@code y := x} (nothing to do when y is x). */
    public void forward(Tensor x, Tensor y) {
        Operands.contiguous(name, "x", x);
        Operands.sameShape(name, "y", y, "x", x);
        Operands.sameOrDisjoint(name, "y", y, "x", x);
        if (x.data() != y.data() || x.offset() != y.offset()) {
            System.arraycopy(x.data(), x.offset(), y.data(), y.offset(), x.size());
        }
    }

    /**
     * Training: {@code mask[i] := 0 or 1/(1 − p)} drawn for this call, {@code y := x · mask}.
     *
     * @param mask at least {@code x.size()} floats, kept for {@link #backward}
     */
    public void forwardTraining(Tensor x, Tensor y, float[] mask) {
        Operands.contiguous(name, "x", x);
        Operands.sameShape(name, "y", y, "x", x);
        Operands.sameOrDisjoint(name, "y", y, "x", x);
        checkMask(mask, x.size());
        long call = calls.getAndIncrement();
        float keep = p >= 1f ? 0f : 1f / (1f - p);
        long base = mix(seed ^ mix(call));
        float[] in = x.data();
        float[] out = y.data();
        for (int i = 0, n = x.size(); i < n; i++) {
            float u = (mix(base + i) >>> 40) * 0x1.0p-24f;
            float m = u >= p ? keep : 0f;
            mask[i] = m;
            out[y.offset() + i] = in[x.offset() + i] * m;
        }
    }

    /** {@code dx := dy · mask}; dx may be dy. */
    public void backward(Tensor dy, float[] mask, Tensor dx) {
        Operands.contiguous(name, "dy", dy);
        Operands.sameShape(name, "dx", dx, "dy", dy);
        Operands.sameOrDisjoint(name, "dx", dx, "dy", dy);
        checkMask(mask, dy.size());
        for (int i = 0, n = dy.size(); i < n; i++) {
            dx.data()[dx.offset() + i] = dy.data()[dy.offset() + i] * mask[i];
        }
    }

    private void checkMask(float[] mask, int size) {
        if (mask == null || mask.length < size) {
            throw new IllegalArgumentException(this + ": mask must hold at least " + size + " floats, got "
                    + (mask == null ? "null" : mask.length));
        }
    }

    /** SplitMix64's finalizer. */
    private static long mix(long z) {
        z += 0x9E3779B97F4A7C15L;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    @Override
    public String toString() {
        return name;
    }
}
