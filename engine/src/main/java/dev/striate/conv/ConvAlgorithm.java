package dev.striate.conv;

/**
 * How a {@link Convolution} computes its layer. Every algorithm gives the same result up to float
 * rounding (each is checked against the same oracle); they differ in speed and workspace.
 *
 * <p>Thread-safety: immutable.
 */
public enum ConvAlgorithm {
    /** Pick per layer shape: {@link #DEPTHWISE} where it applies, else {@link #POINTWISE}, else {@link #IM2COL}. */
    AUTO,
    /** Patches of one image and group lowered to a matrix, then Sgemm: valid for every layer. */
    IM2COL,
    /** 1x1 kernel, stride 1, no padding: Sgemm straight on the input, no lowering. */
    POINTWISE,
    /** {@code groups == inChannels}: a direct vectorized kernel, one output channel at a time. */
    DEPTHWISE;

    /** The algorithm this choice means for {@code p}; an explicit choice that cannot run p is rejected. */
    ConvAlgorithm resolve(ConvParams p) {
        return switch (this) {
            case AUTO -> p.isDepthwise() ? DEPTHWISE : p.isPointwise() ? POINTWISE : IM2COL;
            case IM2COL -> IM2COL;
            case POINTWISE -> require(p.isPointwise(), p, "a 1x1 kernel, stride 1 and no padding");
            case DEPTHWISE -> require(p.isDepthwise(), p, "groups == inChannels");
        };
    }

    private ConvAlgorithm require(boolean applies, ConvParams p, String what) {
        if (!applies) {
            throw new IllegalArgumentException("conv " + p + ": algorithm " + this + " needs " + what);
        }
        return this;
    }
}
