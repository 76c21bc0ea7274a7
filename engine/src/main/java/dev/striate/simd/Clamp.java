package dev.striate.simd;

/**
 * {@code Math.min(Math.max(x, min), max)} as vector kernels apply it: a compare and a blend per side,
 * {@code x := x <= lowerThreshold(min) ? min : x}, then {@code x := x >= upperThreshold(max) ? max : x}.
 * The thresholds are the bounds themselves except at a zero of the sign Math.max/Math.min would not
 * return for a zero x: a lower bound of −0 takes only x &lt; 0, i.e. x ≤ −2^-149, and an upper bound of
 * +0 only x &gt; 0, i.e. x ≥ 2^-149; NaN compares false and passes, as with Math's. So the bits are
 * Math's for every x and every bound. {@code FloatVector.max}/{@code min}, which keep Math's rules
 * themselves, compile to six instructions each on AVX-512: twelve per accumulator against the 16
 * multiply-adds of a K = 16 product (SqueezeNet's 16→64 expand layers), four here. The GEMM's whole-tile
 * epilogues use it (SqueezeNet on one thread: medians 7.16–7.61 against 7.44–7.54 ms in three
 * alternated runs of each build; two earlier, noisier pairs gave 4–14%), and so do the channel-blocked
 * convolution's pass over its sums (SqueezeNet's 16→64 expand: 253–261 against 259–269 µs, three
 * alternated runs of each build) and the direct kernel's stores (first layers, whose 27 taps leave the
 * stores a large share: SqueezeNet's 248–284 against 276–293 µs, MobileNetV2's 137–143 against
 * 147–153, ResNet's 7x7 980–998 against 997–1050; alternated builds, one thread) and the depthwise
 * 3x3 kernel's (MobileNetV2's layers alone, alternated builds: 32@112 113–119 against 128–133 µs,
 * 144@56 140–144 against 166–168, 192@28 56–59 against 62–64, the stride-2 ones 2–5%; measured inside
 * the network before, the noise had hidden it). The channel-blocked depthwise, Winograd and
 * pixel-major kernels measured no gain and keep FloatVector.max/min.
 *
 * <p>Thread-safety: stateless.
 */
public final class Clamp {

    private Clamp() {
    }

    /** The threshold at or below which {@code Math.max(x, min)} is {@code min} (x not NaN). */
    public static float lowerThreshold(float min) {
        return Float.floatToRawIntBits(min) == Float.floatToRawIntBits(-0f) ? -Float.MIN_VALUE : min;
    }

    /** The threshold at or above which {@code Math.min(x, max)} is {@code max} (x not NaN). */
    public static float upperThreshold(float max) {
        return Float.floatToRawIntBits(max) == 0 ? Float.MIN_VALUE : max;
    }
}
