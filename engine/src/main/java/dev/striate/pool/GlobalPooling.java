package dev.striate.pool;

import dev.striate.runtime.ThreadPool;
import dev.striate.runtime.WorkspacePool;
import dev.striate.simd.FloatSpecies;
import dev.striate.simd.VectorSupport;
import dev.striate.tensor.Operands;
import dev.striate.tensor.Tensor;

/**
 * What the global pools share: {@code [N, C, H, W] → [N, C, 1, 1]}, the checks, and the loop that
 * reduces each plane with the subclass's kernel, its planes cut into runs over the thread pool when
 * there are floats enough to pay for the dispatch. Each plane is reduced the same way whichever
 * thread takes it, so the result does not depend on the threads. Public so that callers can hold
 * either pool as one type.
 *
 * <p>Thread-safety: as its subclasses, safe to share between threads (each call borrows its own
 * loop record).
 */
public abstract sealed class GlobalPooling permits GlobalAvgPool, GlobalMaxPool {

    private static final int L = FloatSpecies.LANES;

    /**
     * Floats a task reads at least: about a microsecond of reading, the cost of waking the pool's
     * threads (a loop of two tasks measured ~1 µs over their own time). SqueezeNet's head (1000
     * planes of 13x13 after its last convolution) took 16.6 µs in the network on one thread and
     * 16.7 µs on two when it ran on the caller alone; split, 14.4 µs on two (ONNX Runtime 14.8).
     */
    private static final long TASK_MIN_FLOATS = 16 * 1024;

    private final String name;
    private final ThreadPool threads;
    private final WorkspacePool<Job> idleJobs = new WorkspacePool<>();

    GlobalPooling(String name, ThreadPool threads) {
        VectorSupport.require();
        if (threads == null) {
            throw new IllegalArgumentException(name + ": the thread pool must not be null");
        }
        this.name = name;
        this.threads = threads;
    }

    /** Forward into a new {@code [N, C, 1, 1]} tensor. */
    public Tensor forward(Tensor x) {
        Operands.image(name, "x", x);
        Tensor y = Tensor.zeros(x.dim(0), x.dim(1), 1, 1);
        forward(x, y);
        return y;
    }

    /** {@code y[n, c] := reduce(x[n, c])}; y must not overlap x. */
    public void forward(Tensor x, Tensor y) {
        checkImage("x", x);
        Operands.image(name, "y", y, x.dim(0), x.dim(1), 1, 1);
        Operands.disjoint(name, "y", y, "x", x);
        int plane = x.dim(2) * x.dim(3);
        int planes = y.size();
        // runs of whole vectors of planes (GlobalAvgPool sums a vector of them at a time), each
        // reading at least TASK_MIN_FLOATS
        int blocks = (planes + L - 1) / L;
        long minBlocks = (TASK_MIN_FLOATS + (long) L * plane - 1) / ((long) L * plane);
        int runPlanes = (int) Math.max(threads.runLength(blocks), Math.min(blocks, minBlocks)) * L;
        if (runPlanes >= planes) {
            reducePlanes(x.data(), x.offset(), plane, y.data(), y.offset(), planes);
            return;
        }
        Job job = idleJobs.take();
        if (job == null) {
            job = new Job();
        }
        try {
            job.in = x.data();
            job.at = x.offset();
            job.out = y.data();
            job.outAt = y.offset();
            job.plane = plane;
            job.planes = planes;
            job.runPlanes = runPlanes;
            threads.parallelFor((planes + runPlanes - 1) / runPlanes, job);
        } finally {
            job.in = job.out = null;
            idleJobs.give(job);
        }
    }

    /** One parallel loop's arguments; reused so dispatch allocates nothing. */
    private final class Job implements ThreadPool.ParallelTask {
        float[] in, out;
        int at, outAt, plane, planes, runPlanes;

        @Override
        public void run(int task) {
            int first = task * runPlanes;
            int count = Math.min(runPlanes, planes - first);
            reducePlanes(in, at + first * plane, plane, out, outAt + first, count);
        }
    }

    /** {@code out[outAt + p] := reduce(plane p of in)} for p < planes, planes {@code plane} floats apart from at. */
    void reducePlanes(float[] in, int at, int plane, float[] out, int outAt, int planes) {
        for (int p = 0; p < planes; p++) {
            out[outAt + p] = reduce(in, at + p * plane, plane);
        }
    }

    /** {@code t} is {@code [N, C, H, W]} with a non-empty plane. */
    final void checkImage(String what, Tensor t) {
        Operands.image(name, what, t);
        if (t.dim(2) == 0 || t.dim(3) == 0) {
            throw new IllegalArgumentException(name + ": " + what + " " + t.shape() + " has an empty plane");
        }
    }

    /** The plane {@code in[at, at + plane)} reduced to one value. */
    abstract float reduce(float[] in, int at, int plane);

    @Override
    public final String toString() {
        return name;
    }
}
