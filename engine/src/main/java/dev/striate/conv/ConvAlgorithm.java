package dev.striate.conv;

import dev.striate.runtime.Tuning;

/**
 * How a {@link Convolution} computes its layer. Every algorithm gives the same result up to float
 * rounding (each is checked against the same oracle); they differ in speed and workspace.
 *
 * <p>Thread-safety: immutable.
 */
public enum ConvAlgorithm {
    /**
     * Pick per layer and input size: {@link #DEPTHWISE} where it applies, else {@link #POINTWISE}, else
     * {@link #WINOGRAD} for 3x3 stride-1 layers with at least 196 output pixels and 16 channels in
     * and out (measurements on {@code WINOGRAD_MIN_PIXELS}), else {@link #IM2COL}.
     */
    AUTO,
    /** Patches of one image and group lowered to a matrix, then Sgemm: valid for every layer. */
    IM2COL,
    /** 1x1 kernel, stride 1, no padding: Sgemm straight on the input, no lowering. */
    POINTWISE,
    /** {@code groups == inChannels}: a direct vectorized kernel, one output channel at a time. */
    DEPTHWISE,
    /**
     * 3x3, stride 1, no dilation, one group: Winograd F(2x2, 3x3), 2.25× fewer multiplications, not
     * the exact rounding of the direct sum (error documented on {@code Winograd}). The layer's dx is
     * the Winograd forward pass of the flipped kernel (when no pad exceeds 2); dw runs the
     * {@link #IM2COL} formulation.
     */
    WINOGRAD;

    /**
     * Output pixels from which {@code AUTO} picks Winograd for a layer it applies to. Measured (one
     * thread, this repo's bench): F(2x2) against im2col was 1.4–1.7× as fast at 56x56 (64 channels)
     * and 1.2–1.7× at 28x28 (128), 1.0–1.2× at 14x14 (256), a tie at 13x13 (AlexNet conv3) and 0.9×
     * at 7x7 (512) while both packed the weights on every call. With the weights packed once
     * (Winograd's 16 GEMMs read U pre-packed) 7x7 with 512 channels runs 5.1–5.6 ms against im2col's
     * 6.2–7.1 ms (two interleaved pairs), and the tuning sweep's geometric mean over the 7x7, 14x14 and
     * 28x28 ResNet layers was 85 GFLOPS from 49 pixels against 70 from 196: ResNet's smallest maps
     * qualify. A tuning profile's {@code conv.winogradMinPixels} (or
     * {@code -Dstriate.conv.winogradMinPixels}) replaces it.
     */
    static final long WINOGRAD_MIN_PIXELS = Tuning.intValue("striate.conv.winogradMinPixels", "conv.winogradMinPixels", 49);
    /** Channels below which the 16 GEMMs' K (input channels) or M (output channels) is too short to pay for the transforms. */
    static final int WINOGRAD_MIN_CHANNELS = 16;

    /**
     * The algorithm this choice means for {@code p} with {@code outputPixels = OH·OW}; an explicit
     * choice that cannot run p is rejected.
     */
    ConvAlgorithm choose(ConvParams p, long outputPixels) {
        return switch (this) {
            case AUTO -> p.isDepthwise() ? DEPTHWISE
                    : p.isPointwise() ? POINTWISE
                    : Winograd.applies(p) && outputPixels >= WINOGRAD_MIN_PIXELS
                            && p.inChannels() >= WINOGRAD_MIN_CHANNELS && p.outChannels() >= WINOGRAD_MIN_CHANNELS
                    ? WINOGRAD : IM2COL;
            case IM2COL -> IM2COL;
            case POINTWISE -> require(p.isPointwise(), p, "a 1x1 kernel, stride 1 and no padding");
            case DEPTHWISE -> require(p.isDepthwise(), p, "groups == inChannels");
            case WINOGRAD -> require(Winograd.applies(p), p, "a 3x3 kernel, stride 1, no dilation and one group");
        };
    }

    private ConvAlgorithm require(boolean applies, ConvParams p, String what) {
        if (!applies) {
            throw new IllegalArgumentException("conv " + p + ": algorithm " + this + " needs " + what);
        }
        return this;
    }
}
