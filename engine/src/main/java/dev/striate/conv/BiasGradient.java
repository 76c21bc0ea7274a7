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
     * {@code db[o] := Σ_i Σ_p dy[i][o][p]} for the channels {@code o} in {@code [from, to)} | dy:
     * {@code batch×channels×plane} at dyOff; db: channels at dbOff | no aliasing | allocates nothing.
     *
     * <p>Each channel: the vectors of each image in turn into four accumulators by turns, the floats
     * past the last whole vector into a scalar, then {@code (a0 + a1) + (a2 + a3)} across lanes plus
     * the scalar — a fixed order, so a channel's sum has the same bits in whatever range it is summed.
     * With one accumulator the sum was a chain of dependent adds: MobileNetV2's 32-channel 112x112
     * depthwise layer spent 19 of its 145 µs of weight gradient here (one thread). The channel loop
     * and the vector loops are one method: with a method per channel, called per channel, the JIT left
     * that method in about one JVM in five in code that boxed its vectors.
     */
    static void sum(float[] dy, int dyOff, int batch, int channels, int plane, int from, int to, float[] db, int dbOff) {
        int bound = S.loopBound(plane);
        int quads = plane / (4 * L) * (4 * L);
        for (int o = from; o < to; o++) {
            FloatVector a0 = FloatVector.zero(S), a1 = a0, a2 = a0, a3 = a0;
            float tail = 0f;
            for (int i = 0; i < batch; i++) {
                int at = dyOff + (i * channels + o) * plane;
                int p = 0;
                for (; p < quads; p += 4 * L) {
                    a0 = a0.add(FloatVector.fromArray(S, dy, at + p));
                    a1 = a1.add(FloatVector.fromArray(S, dy, at + p + L));
                    a2 = a2.add(FloatVector.fromArray(S, dy, at + p + 2 * L));
                    a3 = a3.add(FloatVector.fromArray(S, dy, at + p + 3 * L));
                }
                for (; p < bound; p += L) {
                    a0 = a0.add(FloatVector.fromArray(S, dy, at + p));
                }
                for (; p < plane; p++) {
                    tail += dy[at + p];
                }
            }
            db[dbOff + o] = Lanes.sum(a0.add(a1).add(a2.add(a3))) + tail;
        }
    }
}
