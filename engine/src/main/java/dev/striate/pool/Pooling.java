package dev.striate.pool;

import dev.striate.runtime.ThreadPool;
import dev.striate.runtime.WorkspacePool;
import dev.striate.simd.FloatSpecies;
import dev.striate.simd.VectorSupport;
import dev.striate.tensor.Operands;
import dev.striate.tensor.Tensor;
import jdk.incubator.vector.VectorMask;

/**
 * What max and average pooling share: the hyperparameters, the argument checks, and the parallel
 * loop over the {@code N·C} image planes, each task with its own {@link PoolRows}.
 *
 * <p>Every plane is computed by the same operations whatever the thread count, so results are
 * bitwise identical for any {@link ThreadPool}. Steady state allocates nothing: loop records and
 * row buffers are pooled.
 *
 * <p>Public as the type both layers share (shape arithmetic, inference forward); only this package
 * extends it.
 *
 * <p>Thread-safety: a layer may be shared by threads; each call borrows its own loop record and row buffers.
 */
public abstract sealed class Pooling permits MaxPool2d, AvgPool2d {

    static final int FORWARD = 0;
    static final int FORWARD_WITH_INDICES = 1;
    static final int BACKWARD = 2;
    private static final int L = FloatSpecies.LANES;
    /**
     * Lane 0: the left pad's column, where a padded plane's first window of each row starts; the
     * tripled row kernels make it −∞ (max) or 0 (average).
     */
    static final VectorMask<Float> FIRST_LANE = VectorMask.fromLong(FloatSpecies.PREFERRED, 1L);

    final PoolParams params;
    final ThreadPool threads;
    /**
     * 3x3 windows, stride 2, no dilation, at most one pad above and left (ResNet's pools pad 1 all
     * round, SqueezeNet's and AlexNet's none): the row kernels that read the windows straight from
     * the image apply to the planes {@link #tripledPlane} accepts.
     */
    private final boolean tripledWindows;
    /** Built once: the checks run on every call and must not allocate. */
    private final String name;
    private final WorkspacePool<Job> idleJobs = new WorkspacePool<>();
    private final WorkspacePool<PoolRows> idleRows = new WorkspacePool<>();

    Pooling(PoolParams params, ThreadPool threads, String name) {
        VectorSupport.require();
        if (params == null || threads == null) {
            throw new IllegalArgumentException("pool: params and thread pool must not be null");
        }
        this.params = params;
        this.threads = threads;
        this.name = name;
        tripledWindows = params.strideH() == 2 && params.strideW() == 2 && params.dilationH() == 1
                && params.dilationW() == 1 && params.kernelH() == 3 && params.kernelW() == 3 && params.padTop() <= 1
                && params.padLeft() <= 1;
    }

    /** Tripled windows whose last ones' far taps, 2·(o − 1) + 2 − pad, lie inside this call's image. */
    final boolean tripledPlane(Job job) {
        return tripledWindows && 2 * job.oh - params.padTop() < job.h && 2 * job.ow - params.padLeft() < job.w;
    }

    /** Vectors of outputs a tripled row kernel writes: the row's, the last one partial. */
    static int tripledBlocks(Job job) {
        return (job.ow + L - 1) / L;
    }

    /**
     * Pairs of vectors a tripled row kernel loads per window row after its first: one per block for
     * the next block's first taps, but the last block's only when the row's last window reaches
     * them — its third tap, column 2·ow from the first window's first, lies in pair ⌊ow/L⌋, which is
     * the last block's own unless ow is a multiple of L. On SqueezeNet's 13- and 27-wide output rows
     * the unneeded pair was half and a third of the loads.
     */
    static int tripledPairs(Job job) {
        return job.ow / L;
    }

    /*
     * Whether a tripled row kernel may run output row oh (its first window at ih0, column left; y's
     * row at yRow): a window starting above the image (the top pad) and vectors that would read
     * outside the array ({@link #tripledPairs} pairs per window row after the first) send the row to
     * the separable kernel; a partial last vector that would write past the plane goes through a
     * spill row (or, with indices, the separable kernel's scan). The row loops write the test out: as
     * a call per row before each row's kernel it cost max pooling's 3x3/s2 plane 6–10%.
     * tripledRowInside finds the run of rows that pass it, before max pooling runs them in one call.
     */

    /**
     * Pooling's tripled-row test for output row oh of the plane at x offset xo, y offset yo, as one
     * call: its vectors read inside x (of {@code length} floats) and store inside the plane.
     */
    final boolean tripledRowInside(Job job, int xo, int yo, int oh, int length) {
        int ih0 = oh * params.strideH() - params.padTop();
        int left = xo + ih0 * job.w - params.padLeft();
        return ih0 >= 0 && left >= 0 && left + 2 * job.w + 2 * (tripledPairs(job) + 1) * L <= length
                && yo + oh * job.ow + tripledBlocks(job) * L <= yo + job.oh * job.ow;
    }

    @Override
    public final String toString() {
        return name;
    }

    public PoolParams params() {
        return params;
    }

    /** The output shape for an input {@code [N, C, H, W]}. @throws IllegalArgumentException if the output would be empty */
    public int[] outputShape(int[] x) {
        if (x.length != 4) {
            throw new IllegalArgumentException(this + ": input must be [N, C, H, W], got rank " + x.length);
        }
        return new int[] {x[0], x[1], params.outputHeight(x[2]), params.outputWidth(x[3])};
    }

    /** Forward into a new tensor. */
    public Tensor forward(Tensor x) {
        Operands.image(name, "x", x);
        Tensor y = Tensor.zeros(outputShape(x.shape().toArray()));
        forward(x, y);
        return y;
    }

    /**
     * {@code y := pool(x)}.
     *
     * @param x {@code [N, C, H, W]}, contiguous
     * @param y {@code [N, C, OH, OW]}, contiguous, not overlapping x
     * @throws IllegalArgumentException naming the layer and the shapes when they do not fit
     */
    public void forward(Tensor x, Tensor y) {
        checkPair("x", x, "y", y);
        run(FORWARD, x, y, null);
    }

    /** Checks {@code in} ({@code [N, C, H, W]}) and {@code out} ({@code [N, C, OH, OW]}, disjoint). */
    final void checkPair(String inName, Tensor in, String outName, Tensor out) {
        String layer = name;
        Operands.image(layer, inName, in);
        Operands.image(layer, outName, out, in.dim(0), in.dim(1), params.outputHeight(in.dim(2)),
                params.outputWidth(in.dim(3)));
        Operands.disjoint(layer, outName, out, inName, in);
    }

    /** Runs {@link #plane} over every plane of {@code image} (the input-side tensor) in parallel. */
    final void run(int mode, Tensor image, Tensor other, int[] indices) {
        int planes = image.dim(0) * image.dim(1);
        if (planes == 0) {
            return;
        }
        Job job = idleJobs.take();
        if (job == null) {
            job = new Job();
        }
        try {
            job.mode = mode;
            job.image = image;
            job.other = other;
            job.indices = indices;
            job.h = image.dim(2);
            job.w = image.dim(3);
            job.oh = params.outputHeight(job.h);
            job.ow = params.outputWidth(job.w);
            job.paddedWidth = paddedWidth(job.w, job.ow);
            job.planes = planes;
            job.tasks = Math.min(planes, 4 * threads.parallelism());
            threads.parallelFor(job.tasks, job);
        } finally {
            job.image = job.other = null;
            job.indices = null;
            idleJobs.give(job);
        }
    }

    /** Padded row width that covers every tap of an output row of {@code ow} outputs. */
    private int paddedWidth(int w, int ow) {
        long taps = (long) (ow - 1) * params.strideW() + (long) (params.kernelW() - 1) * params.dilationW() + 1;
        return (int) Math.max(taps, (long) params.padLeft() + w + params.padRight());
    }

    /** Per-task setup that depends only on the image size (the average's row and column divisors). */
    void prepare(PoolRows rows, int h, int w, int oh, int ow) {
    }

    /**
     * One plane: {@code mode} {@link #FORWARD}/{@link #FORWARD_WITH_INDICES} read
     * {@code image[xo, xo + h·w)} and write {@code out[yo, yo + oh·ow)}; {@link #BACKWARD} reads the
     * output-side gradient at yo and writes the input-side one at xo.
     */
    abstract void plane(int mode, PoolRows rows, Job job, int xo, int yo, int indexAt);

    /** One parallel loop's arguments; reused so dispatch allocates nothing. */
    final class Job implements ThreadPool.ParallelTask {
        /** Padded row width covering every tap of an output row: fixed for the call. */
        int mode, h, w, oh, ow, paddedWidth, planes, tasks;
        Tensor image, other;
        int[] indices;

        @Override
        public void run(int task) {
            PoolRows rows = idleRows.take();
            if (rows == null) {
                rows = new PoolRows();
            }
            try {
                rows.ensure(paddedWidth, params.strideW(), ow, params.kernelW(), params.kernelH());
                prepare(rows, h, w, oh, ow);
                int from = (int) ((long) planes * task / tasks);
                int to = (int) ((long) planes * (task + 1) / tasks);
                for (int p = from; p < to; p++) {
                    plane(mode, rows, this, image.offset() + p * h * w, other.offset() + p * oh * ow, p * oh * ow);
                }
            } finally {
                idleRows.give(rows);
            }
        }
    }
}
