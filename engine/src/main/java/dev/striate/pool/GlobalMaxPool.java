package dev.striate.pool;

import dev.striate.runtime.ThreadPool;
import dev.striate.simd.FloatSpecies;
import dev.striate.tensor.Operands;
import dev.striate.tensor.Tensor;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

import java.util.Arrays;

/**
 * {@code GlobalMaxPool} (ONNX {@code GlobalMaxPool}, PyTorch {@code AdaptiveMaxPool2d(1)}):
 * {@code [N, C, H, W] → [N, C, 1, 1]}, each plane's maximum, NaN propagating. The backward pass
 * finds each plane's maximum again (one scan of x, no index buffer to keep) and routes the gradient
 * there, with PyTorch's tie rule: the first maximum in row-major order, or the last NaN.
 *
 * <p>Thread-safety: safe to share (each call borrows its own loop record).
 */
public final class GlobalMaxPool extends GlobalPooling {

    private static final VectorSpecies<Float> S = FloatSpecies.PREFERRED;
    private static final int L = FloatSpecies.LANES;

    /** On the engine's {@linkplain ThreadPool#common() common} thread pool. */
    public GlobalMaxPool() {
        this(ThreadPool.common());
    }

    /** With its forward pass's planes spread over {@code threads}. */
    public GlobalMaxPool(ThreadPool threads) {
        super("GlobalMaxPool", threads);
    }

    @Override
    float reduce(float[] in, int at, int plane) {
        FloatVector acc = FloatVector.broadcast(S, Float.NEGATIVE_INFINITY);
        int i = 0;
        for (int bound = S.loopBound(plane); i < bound; i += L) {
            acc = acc.max(FloatVector.fromArray(S, in, at + i));
        }
        float max = acc.reduceLanes(VectorOperators.MAX);
        for (; i < plane; i++) {
            max = Math.max(max, in[at + i]);
        }
        return max;
    }

    /** {@code dx := 0} except {@code dy[n, c]} at each plane's maximum of x; dx must not overlap x or dy. */
    public void backward(Tensor x, Tensor dy, Tensor dx) {
        checkImage("x", x);
        Operands.image(toString(), "dy", dy, x.dim(0), x.dim(1), 1, 1);
        Operands.image(toString(), "dx", dx, x.dim(0), x.dim(1), x.dim(2), x.dim(3));
        Operands.disjoint(toString(), "dx", dx, "x", x);
        Operands.disjoint(toString(), "dx", dx, "dy", dy);
        int plane = x.dim(2) * x.dim(3);
        float[] in = x.data();
        for (int p = 0, planes = dy.size(); p < planes; p++) {
            int at = x.offset() + p * plane;
            int arg = 0;
            float max = in[at];
            for (int i = 1; i < plane; i++) {
                float v = in[at + i];
                if (v > max || Float.isNaN(v)) {
                    max = v;
                    arg = i;
                }
            }
            int out = dx.offset() + p * plane;
            Arrays.fill(dx.data(), out, out + plane, 0f);
            dx.data()[out + arg] = dy.data()[dy.offset() + p];
        }
    }
}
