package dev.striate.conv;

import dev.striate.simd.FloatSpecies;
import dev.striate.simd.Lanes;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * The bias gradient of a convolution: each output channel's gradient summed over batch and pixels.
 *
 * <p>Thread-safety: stateless.
 */
final class BiasGradient {

    private static final VectorSpecies<Float> S = FloatSpecies.PREFERRED;
    private static final int L = FloatSpecies.LANES;

    private BiasGradient() {
    }

    /**
     * {@code db[o] := Σ_i Σ_p dy[i][o][p]} | dy: {@code batch×channels×plane} at dyOff; db: channels at
     * dbOff | no aliasing | allocates nothing. Lanes accumulate separately, then reduce: the order is
     * fixed, so the result is too.
     */
    static void sum(float[] dy, int dyOff, int batch, int channels, int plane, float[] db, int dbOff) {
        int bound = S.loopBound(plane);
        for (int o = 0; o < channels; o++) {
            FloatVector acc = FloatVector.zero(S);
            float tail = 0f;
            for (int i = 0; i < batch; i++) {
                int at = dyOff + (i * channels + o) * plane;
                int p = 0;
                for (; p < bound; p += L) {
                    acc = acc.add(FloatVector.fromArray(S, dy, at + p));
                }
                for (; p < plane; p++) {
                    tail += dy[at + p];
                }
            }
            db[dbOff + o] = Lanes.sum(acc) + tail;
        }
    }
}
