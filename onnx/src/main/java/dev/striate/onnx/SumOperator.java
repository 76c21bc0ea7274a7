package dev.striate.onnx;

import dev.striate.elementwise.Broadcast;
import dev.striate.runtime.ThreadPool;
import dev.striate.runtime.WorkspacePool;
import dev.striate.simd.Rows;
import dev.striate.tensor.Shape;
import dev.striate.tensor.Tensor;

/**
 * ONNX Add with multidirectional broadcasting, and a Relu or constant Clip fused after it (a ResNet
 * block's residual add and its activation: one pass, not two). Equal shapes — the residual add —
 * run as one loop that adds and clamps, its elements cut into as many runs as the session's
 * threads, each element's bits the same whoever computes it; other shapes go through
 * {@link Broadcast#add}, then the clamp.
 *
 * <p>Thread-safety: immutable but for a pool of per-call tasks; concurrent runs take separate ones.
 */
final class SumOperator implements ClampableOperator {

    /** Elements from which the equal-shape loop is cut into runs over the threads. */
    private static final int PARALLEL_MIN_ELEMENTS = 1 << 15;

    private final String node;
    private final float min;
    private final float max;
    private final ThreadPool pool;
    /** The calls' parallel loops, one per call in flight (sessions run concurrently), reused. */
    private final WorkspacePool<Runs> idleRuns = new WorkspacePool<>();

    SumOperator(Node node, Execution execution) {
        this(node.toString(), Float.NEGATIVE_INFINITY, Float.POSITIVE_INFINITY, execution.pool());
    }

    private SumOperator(String node, float min, float max, ThreadPool pool) {
        this.node = node;
        this.min = min;
        this.max = max;
        this.pool = pool;
    }

    @Override
    public SumOperator clamped(float lo, float hi) {
        return new SumOperator(node, Math.max(min, lo), Math.min(max, hi), pool);
    }

    @Override
    public Step plan(Value[] in) {
        if (in[0].type == Value.Type.INT64 || in[1].type == Value.Type.INT64) {
            return ElementwiseOperators.integerArithmetic(node, '+', in[0], in[1]);
        }
        Shape a = Shape.of(in[0].dims);
        Shape b = Shape.of(in[1].dims);
        Shape out;
        try {
            out = Broadcast.shape(a, b);
        } catch (IllegalArgumentException e) {
            throw new OnnxException(node + ": " + e.getMessage(), e);
        }
        Kernel k = a.equals(b) ? (i, o) -> addEqual(i[0], i[1], o[0]) : (i, o) -> addBroadcast(i[0], i[1], o[0]);
        Value y = Value.runtime(out.toArray());
        return out.equals(a) ? Step.inPlace(k, out.size(), y) : Step.compute(k, out.size(), y);
    }

    private void addEqual(Tensor a, Tensor b, Tensor y) {
        if (!a.isContiguous() || !b.isContiguous() || !y.isContiguous()) {
            addBroadcast(a, b, y); // checks and names the operand (session tensors are contiguous)
            return;
        }
        int threads = y.size() < PARALLEL_MIN_ELEMENTS ? 1 : pool.idleParallelism();
        Runs runs = idleRuns.take();
        if (runs == null) {
            runs = new Runs();
        }
        try {
            runs.set(a, b, y, threads);
            pool.parallelFor(threads, runs); // one run goes on this thread
        } finally {
            runs.set(null, null, null, 0);
            idleRuns.give(runs);
        }
    }

    private void addBroadcast(Tensor a, Tensor b, Tensor y) {
        Broadcast.add(a, b, y);
        if (min != Float.NEGATIVE_INFINITY || max != Float.POSITIVE_INFINITY) {
            ElementwiseOperators.clamp(y, y, min, max);
        }
    }

    /** One call's cut of the equal-shape loop: run r of {@code runs} adds and clamps its share of the elements. */
    private final class Runs implements ThreadPool.ParallelTask {
        private Tensor a, b, y;
        private int runs;

        void set(Tensor a, Tensor b, Tensor y, int runs) {
            this.a = a;
            this.b = b;
            this.y = y;
            this.runs = runs;
        }

        @Override
        public void run(int r) {
            int n = y.size();
            int from = (int) ((long) n * r / runs);
            int to = (int) ((long) n * (r + 1) / runs);
            Rows.sumClamped(a.data(), a.offset() + from, b.data(), b.offset() + from, y.data(), y.offset() + from,
                    to - from, min, max);
        }
    }
}
