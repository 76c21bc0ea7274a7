package dev.striate.simd;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * The one float vector species every kernel uses: the CPU's preferred width unless the system
 * property {@code striate.vector.bits} (128, 256 or 512) asks for a narrower one, so a single machine
 * can test every width a deployment may meet.
 *
 * <p>This is the only engine class besides the kernels that references {@code jdk.incubator.vector};
 * it must be touched only after {@link VectorSupport#require()} has passed.
 *
 * <p>Thread-safety: immutable constants.
 */
public final class FloatSpecies {

    /** The species of every float kernel; a constant so C2 can intrinsify the kernels. */
    public static final VectorSpecies<Float> PREFERRED = choose(System.getProperty("striate.vector.bits"));

    /** Lanes per vector of {@link #PREFERRED}. */
    public static final int LANES = PREFERRED.length();

    private FloatSpecies() {
    }

    static VectorSpecies<Float> choose(String requestedBits) {
        VectorSpecies<Float> preferred = FloatVector.SPECIES_PREFERRED;
        if (requestedBits == null || requestedBits.isBlank()) {
            return preferred;
        }
        int bits;
        try {
            bits = Integer.parseInt(requestedBits.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(
                    "striate.vector.bits must be 128, 256 or 512, got '" + requestedBits + "'", e);
        }
        if (bits != 128 && bits != 256 && bits != 512) {
            throw new IllegalArgumentException("striate.vector.bits must be 128, 256 or 512, got " + bits);
        }
        if (bits > preferred.vectorBitSize()) {
            throw new IllegalArgumentException("striate.vector.bits=" + bits + " exceeds this CPU's widest vector ("
                    + preferred.vectorBitSize() + " bits): wider species would run emulated, not in registers");
        }
        return preferred.withShape(VectorShape.forBitSize(bits)).check(float.class);
    }
}
