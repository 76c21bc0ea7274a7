package dev.striate.nn;

import dev.striate.tensor.Tensor;

/**
 * Weight initialization from a seed: He (Kaiming) or Xavier (Glorot), normal or uniform, with
 * PyTorch's fan definitions ({@code fan_in = in_channels/groups · kH · kW}, {@code fan_out =
 * out_channels · kH · kW}; for a linear layer its in and out features). Biases start at zero.
 *
 * <p>Each weight tensor draws from its own SplitMix64 stream, keyed by the seed and the tensor's
 * position in the network, so a seed fixes every weight, whatever the thread count.
 *
 * <p>Thread-safety: not thread-safe (it counts the tensors it has filled); use one per initialization.
 */
public final class Init {

    /** The distribution and its scale. */
    public enum Scheme {
        /** {@code N(0, 2/fan_in)}: for ReLU networks (He et al. 2015). */
        HE_NORMAL,
        /** {@code U(−√(6/fan_in), √(6/fan_in))}. */
        HE_UNIFORM,
        /** {@code N(0, 2/(fan_in + fan_out))} (Glorot and Bengio 2010). */
        XAVIER_NORMAL,
        /** {@code U(−√(6/(fan_in + fan_out)), √(6/(fan_in + fan_out)))}: for tanh and sigmoid networks. */
        XAVIER_UNIFORM
    }

    private final Scheme scheme;
    private final long seed;
    private long tensors;

    public Init(Scheme scheme, long seed) {
        if (scheme == null) {
            throw new IllegalArgumentException("Init: scheme must not be null");
        }
        this.scheme = scheme;
        this.seed = seed;
    }

    public static Init heNormal(long seed) {
        return new Init(Scheme.HE_NORMAL, seed);
    }

    public static Init xavierUniform(long seed) {
        return new Init(Scheme.XAVIER_UNIFORM, seed);
    }

    /** Fills {@code weight} (contiguous) for a layer with the given fans, from the next stream. */
    void fill(Tensor weight, int fanIn, int fanOut) {
        double variance = switch (scheme) {
            case HE_NORMAL, HE_UNIFORM -> 2.0 / fanIn;
            case XAVIER_NORMAL, XAVIER_UNIFORM -> 2.0 / (fanIn + fanOut);
        };
        boolean normal = scheme == Scheme.HE_NORMAL || scheme == Scheme.XAVIER_NORMAL;
        double bound = Math.sqrt(3 * variance); // U(−b, b) has variance b²/3
        double std = Math.sqrt(variance);
        long stream = mix(seed ^ mix(++tensors));
        float[] w = weight.data();
        for (int i = 0, n = weight.size(); i < n; i++) {
            double u1 = uniform(stream, 2L * i);
            double value;
            if (normal) {
                // Box–Muller on (0, 1] × [0, 1): one normal per pair, so element i depends on i alone.
                double u2 = uniform(stream, 2L * i + 1);
                value = std * Math.sqrt(-2 * Math.log(1 - u1)) * Math.cos(2 * Math.PI * u2);
            } else {
                value = bound * (2 * u1 - 1);
            }
            w[weight.offset() + i] = (float) value;
        }
    }

    /** A uniform double in [0, 1) from the counter-th output of the stream. */
    private static double uniform(long stream, long counter) {
        return (mix(stream + counter * 0x9E3779B97F4A7C15L) >>> 11) * 0x1.0p-53;
    }

    /** SplitMix64's finalizer. */
    static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    @Override
    public String toString() {
        return scheme + "(seed=" + seed + ")";
    }
}
