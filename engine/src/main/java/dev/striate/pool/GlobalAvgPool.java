package dev.striate.pool;

import dev.striate.runtime.ThreadPool;
import dev.striate.runtime.WorkspacePool;
import dev.striate.simd.FloatSpecies;
import dev.striate.simd.Interleave;
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
 * <p>Thread-safety: safe to share (its scratch comes from a pool, one per concurrent call).
 */
public final class GlobalAvgPool extends GlobalPooling {

    private static final VectorSpecies<Float> S = FloatSpecies.PREFERRED;
    private static final int L = FloatSpecies.LANES;

    /** Scratch of {@link #sumBlock}, one per concurrent call. */
    private final WorkspacePool<float[]> blocks = new WorkspacePool<>();

    /** On the engine's {@linkplain ThreadPool#common() common} thread pool. */
    public GlobalAvgPool() {
        this(ThreadPool.common());
    }

    /** With its forward pass's planes spread over {@code threads}. */
    public GlobalAvgPool(ThreadPool threads) {
        super("GlobalAvgPool", threads);
    }

    /**
     * {@link #reduce} a vector's lanes of planes at a time where the lanes allow a square transpose:
     * each plane's vector sum stored as a row, the block transposed, and the rows added in lane
     * order — every plane's lane sum at once, in the order {@link Lanes#sum} adds them, so the same
     * bits. One plane at a time, the lane sum was sixteen dependent scalar adds a plane: 1x2048x7x7
     * ran at 0.17 of arraycopy's bandwidth, no faster than the scalar loop; in blocks 0.33–0.34
     * (1x512x7x7 0.15 → 0.21–0.26; 1x1000x13x13 0.38–0.39 → 0.39–0.47; interleaved loop, one thread).
     */
    @Override
    void reducePlanes(float[] in, int at, int plane, float[] out, int outAt, int planes) {
        int p = 0;
        if (Interleave.SQUARE_TRANSPOSE && planes >= L) {
            float[] block = blocks.take();
            if (block == null) {
                block = new float[2 * L * L];
            }
            try {
                for (; p + L <= planes; p += L) {
                    sumBlock(in, at + p * plane, plane, block, out, outAt + p);
                }
            } finally {
                blocks.give(block);
            }
        }
        super.reducePlanes(in, at + p * plane, plane, out, outAt + p, planes - p);
    }

    /** out[outAt, +L) := the means of the L planes from at (see {@link #reducePlanes}); block: 2·L² floats of scratch. */
    private static void sumBlock(float[] in, int at, int plane, float[] block, float[] out, int outAt) {
        int whole = S.loopBound(plane);
        for (int c = 0; c < L; c += 2) {
            // two planes' sums side by side: their dependent adds overlap
            int from = at + c * plane;
            FloatVector acc = FloatVector.zero(S);
            FloatVector next = acc;
            for (int i = 0; i < whole; i += L) {
                acc = acc.add(FloatVector.fromArray(S, in, from + i));
                next = next.add(FloatVector.fromArray(S, in, from + plane + i));
            }
            acc.intoArray(block, c * L);
            next.intoArray(block, (c + 1) * L);
        }
        Interleave.transposeSquare(block, 0, L, block, L * L, L);
        FloatVector sum = FloatVector.fromArray(S, block, L * L).add(FloatVector.fromArray(S, block, L * L + L));
        for (int lane = 2; lane < L; lane++) {
            sum = sum.add(FloatVector.fromArray(S, block, L * L + lane * L));
        }
        for (int i = whole; i < plane; i++) {
            for (int c = 0; c < L; c++) {
                block[c] = in[at + c * plane + i];
            }
            sum = sum.add(FloatVector.fromArray(S, block, 0));
        }
        sum.div(plane).intoArray(out, outAt);
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
