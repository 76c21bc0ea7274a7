package dev.striate.pool;

import dev.striate.simd.FloatSpecies;
import dev.striate.simd.Lanes;
import dev.striate.tensor.Operands;
import dev.striate.tensor.Tensor;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

import java.util.Arrays;

/**
 * {@code GlobalAvgPool} (ONNX {@code GlobalAveragePool}, PyTorch {@code AdaptiveAvgPool2d(1)}):
 * {@code [N, C, H, W] → [N, C, 1, 1]}, each plane's mean; backward spreads {@code dy/(H·W)} evenly.
 * The sum runs in float vector lanes, then across lanes: an error of at most
 * {@code (H·W/L + log₂L)·2⁻²⁴·Σ|x|}.
 *
 * <p>Thread-safety: stateless; safe to share.
 */
public final class GlobalAvgPool extends GlobalPooling {

    private static final VectorSpecies<Float> S = FloatSpecies.PREFERRED;
    private static final int L = FloatSpecies.LANES;

    public GlobalAvgPool() {
        super("GlobalAvgPool");
    }

    @Override
    float reduce(float[] in, int at, int plane) {
        FloatVector acc = FloatVector.zero(S);
        int i = 0;
        for (int bound = S.loopBound(plane); i < bound; i += L) {
            acc = acc.add(FloatVector.fromArray(S, in, at + i));
        }
        float sum = Lanes.sum(acc); // lane order: reduceLanes(ADD) gives other bits once C2 compiles it
        for (; i < plane; i++) {
            sum += in[at + i];
        }
        return sum / plane;
    }

    /** {@code dx[n, c, :, :] := dy[n, c] / (H·W)}; dx must not overlap dy. */
    public void backward(Tensor dy, Tensor dx) {
        checkImage("dx", dx);
        Operands.image(toString(), "dy", dy, dx.dim(0), dx.dim(1), 1, 1);
        Operands.disjoint(toString(), "dx", dx, "dy", dy);
        int plane = dx.dim(2) * dx.dim(3);
        for (int p = 0, planes = dy.size(); p < planes; p++) {
            int at = dx.offset() + p * plane;
            Arrays.fill(dx.data(), at, at + plane, dy.data()[dy.offset() + p] / plane);
        }
    }
}
