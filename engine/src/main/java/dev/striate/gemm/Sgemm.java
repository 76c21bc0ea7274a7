package dev.striate.gemm;

import dev.striate.runtime.ThreadPool;
import dev.striate.runtime.WorkspacePool;
import dev.striate.simd.FloatSpecies;
import dev.striate.simd.VectorSupport;

/**
 * Single-precision general matrix multiply, row-major, with BLAS semantics:
 * {@code C := alpha · op(A) · op(B) + beta · C}, where {@code op(A)} is {@code m×k}, {@code op(B)} is
 * {@code k×n} and C is {@code m×n}.
 *
 * <p>The static {@link #sgemm} is the CBLAS-style entry point ({@code cblas_sgemm(CblasRowMajor, …)}
 * with explicit array offsets) and runs on {@link ThreadPool#common()} with {@link GemmConfig#defaults()}.
 * An instance binds another configuration or pool.
 *
 * <p>Implementation (BLIS's five loops): for each NC-wide block of columns, for each KC-deep slice of
 * k, B's block is packed into NR-wide micro-panels; for each MC-high block of rows, A's block is packed
 * into MR-high micro-panels; a register-blocked {@linkplain MicroKernel micro-kernel} then computes each
 * MR×NR tile of C from one A and one B micro-panel. Packing buffers come from a pool of per-thread
 * workspaces and are reused across calls: after warm-up a call allocates nothing. A C of one row
 * (a batch-1 fully connected layer) is a vector-matrix product instead, streaming B unpacked
 * ({@link RowVector}).
 *
 * <p>Threads split C into a grid of row and column ranges on tile boundaries, or, cutting one side
 * only, deal its tiles out in runs of equal area ({@link #dealsTiles}); K is never split, so
 * every element of C is computed by the same sequence of float operations whatever the thread count,
 * and results are bitwise identical for 1, 2 or any number of threads.
 *
 * <p>BLAS conventions: {@code beta == 0} overwrites C without reading it (NaN in C does not propagate);
 * {@code alpha == 0} or {@code k == 0} leaves A and B unread and only scales C. C must not overlap A
 * or B. Illegal arguments raise {@link IllegalArgumentException} naming the argument and its position,
 * as BLAS's {@code xerbla}; nothing is written then.
 *
 * <p>Thread-safety: instances are safe for concurrent use by any number of threads.
 */
public final class Sgemm {

    /** Columns per thread share of a one-row product ({@link RowVector}): a multiple of every vector width. */
    private static final int ROW_VECTOR_COLUMNS = 64;

    /** The other operands of a packing's argument check, which reads only the packed one (n or m is 0). */
    private static final float[] NO_FLOATS = new float[0];

    /**
     * B panels packed in one pass, just before the micro-kernel first reads them: enough that each
     * source row is read as a stream of whole cache lines ({@link Packing#packB}), few enough that the
     * fresh panels are still in L2 when the kernel reads them. 8 measured best of 2, 4, 8 and 16.
     */
    private static final int PACKED_TOGETHER = 8;

    /**
     * Packed B blocks up to this many floats (256 KB: half of L2 on the development machine) are
     * swept row panel by row panel (see {@link #computeBlock}), and so are B blocks read in place
     * that are no deeper than {@link #ROW_ORDER_IN_PLACE_MAX_DEPTH}.
     */
    private static final long ROW_ORDER_MAX_B_FLOATS = 1 << 16;

    /**
     * Rows of C up to which a plain B (not transposed, not packed already, not a panel source) is
     * read in place by the micro-kernel, row by row at its own stride, instead of being packed:
     * with few row panels each packed float is read by few kernels, and packing (a copy that reads
     * kc source rows a panel's width at a time) cost more than the kernels' reads of B from L2.
     * Measured on the 8x2v tile (one thread, A packed, time packed / in place): M = 16, K = 128,
     * N = 3025 (SqueezeNet's squeeze layer) 2.1, M = 32 or 64 with K = 64 to 576 1.1–1.4, M = 128
     * 1.06–1.13, M = 256 0.87.
     */
    static final int IN_PLACE_B_MAX_ROWS = 128;

    /**
     * Depth up to which a B read in place is swept row panel by row panel too, like a packed one
     * (see {@link #computeBlock}): at such depths each tile's few multiply-adds leave the kernels
     * bound by storing C, and storing it MC rows in parallel (a write stream per row, more than the
     * prefetchers follow) cost more than reading B's block again from cache for each row panel.
     * Measured (1x1 layers as GEMMs, one thread, caches flushed between calls, GFLOPS column order →
     * row order): K = 16 with M = 64 at 55x55 56 → 82 and M = 96 at 112x112 55 → 78, K = 32 with
     * M = 128 at 27x27 84 → 94; but K = 192 with M = 64 at 14x14 117 → 106, hence the bound.
     */
    static final int ROW_ORDER_IN_PLACE_MAX_DEPTH = 64;

    /** Below this many multiply-adds a call runs on the caller alone: waking workers costs more. */
    private static final long PARALLEL_MIN_VOLUME = 1L << 18;

    /**
     * From this many multiply-adds, an operand that several threads would each pack a part of again
     * is packed once, on all threads, before the product ({@link #packShared}): the extra parallel
     * loop costs microseconds, re-packing 4 MB at 1024³ about a millisecond per thread.
     */
    private static final long SHARED_PACKING_MIN_VOLUME = 1L << 24;

    /**
     * The largest operand packed whole and shared (8 MB): packed up front rather than a block just
     * before its kernels, it is read back from L3. On 16 cores (Intel Xeon, one noisy fork per point)
     * sharing took 0.77–0.95 of the time at 1024³ (4 MB of B) on 2–16 threads, but 0.98–1.11 at 2048³
     * (16 MB); on 2 Zen 3 cores 0.96–0.97 at 1024³ and 0.95 on AlexNet conv2's GEMM.
     */
    private static final long SHARED_PACKING_MAX_FLOATS = 1L << 21;

    private final GemmConfig config;
    private final ThreadPool pool;
    private final WorkspacePool<Job> idleJobs = new WorkspacePool<>();
    private final WorkspacePool<Workspace> idleWorkspaces = new WorkspacePool<>();
    private final WorkspacePool<PackedOperand> idleShared = new WorkspacePool<>();
    private final WorkspacePool<PackJob> idlePackJobs = new WorkspacePool<>();
    /** The last {@link #withKernel} made (racy but benign: at worst an extra instance is made). */
    private volatile Sgemm otherKernel;

    /**
     * A GEMM with the given blocking, running on {@code pool}.
     *
     * @throws UnsupportedOperationException if the JVM lacks {@code --add-modules jdk.incubator.vector}
     */
    public Sgemm(GemmConfig config, ThreadPool pool) {
        VectorSupport.require();
        if (config == null || pool == null) {
            throw new IllegalArgumentException("Sgemm needs a config and a thread pool");
        }
        this.config = config;
        this.pool = pool;
    }

    /** The GEMM behind the static {@link #sgemm}: default blocking on the common pool. */
    public static Sgemm shared() {
        VectorSupport.require();
        return Shared.INSTANCE;
    }

    private static final class Shared {
        static final Sgemm INSTANCE = new Sgemm(GemmConfig.defaults(), ThreadPool.common());
    }

    /**
     * {@code C := alpha · op(A) · op(B) + beta · C} on the engine's default thread pool. Arguments as
     * {@code cblas_sgemm} in row-major order, with an offset into each array.
     *
     * @param ta   whether A is transposed: {@code N} means A is {@code m×k}, {@code T} means {@code k×m}
     * @param tb   whether B is transposed: {@code N} means B is {@code k×n}, {@code T} means {@code n×k}
     * @param m    rows of op(A) and C, {@code >= 0}
     * @param n    columns of op(B) and C, {@code >= 0}
     * @param k    columns of op(A) and rows of op(B), {@code >= 0}
     * @param alpha scale of the product
     * @param a    A's elements; unread when {@code alpha == 0} or the product is empty
     * @param aOff index of A's first element
     * @param lda  distance between A's rows, {@code >= max(1, k)} for {@code N}, {@code >= max(1, m)} for {@code T}
     * @param b    B's elements
     * @param bOff index of B's first element
     * @param ldb  distance between B's rows, {@code >= max(1, n)} for {@code N}, {@code >= max(1, k)} for {@code T}
     * @param beta scale of C's previous contents; 0 means C is write-only
     * @param c    C's elements, updated in place
     * @param cOff index of C's first element
     * @param ldc  distance between C's rows, {@code >= max(1, n)}
     * @throws IllegalArgumentException naming the first illegal argument (BLAS {@code xerbla} style)
     * @throws UnsupportedOperationException if the JVM lacks {@code --add-modules jdk.incubator.vector}
     */
    public static void sgemm(Transpose ta, Transpose tb, int m, int n, int k, float alpha,
                             float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
                             float beta, float[] c, int cOff, int ldc) {
        shared().gemm(ta, tb, m, n, k, alpha, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc);
    }

    /** The same operation as {@link #sgemm} on this instance's configuration and pool. */
    public void gemm(Transpose ta, Transpose tb, int m, int n, int k, float alpha,
                     float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
                     float beta, float[] c, int cOff, int ldc) {
        gemm(ta, tb, m, n, k, alpha, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc, Epilogue.NONE, null, 0);
    }

    /**
     * {@link #sgemm}, then {@code epilogue} on every element of C: {@code C := clamp(alpha·op(A)·op(B)
     * + beta·C + bias, min, max)}, applied to each tile as it is finished rather than in a second pass.
     *
     * @param epilogue what to apply; {@link Epilogue#NONE} makes this exactly {@link #sgemm}
     * @param bias     the bias vector when {@code epilogue.bias()} is not {@code NONE}: m values
     *                 ({@code PER_ROW}) or n values ({@code PER_COLUMN}) from {@code biasOff}
     * @param biasOff  index of the bias of C's first row or column
     * @throws IllegalArgumentException as {@link #sgemm} (positions 1–16), or naming the bias arguments
     */
    public void gemm(Transpose ta, Transpose tb, int m, int n, int k, float alpha,
                     float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
                     float beta, float[] c, int cOff, int ldc,
                     Epilogue epilogue, float[] bias, int biasOff) {
        product(null, 0, null, 0, null, null, ta, tb, m, n, k, alpha, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc, epilogue, bias, biasOff);
    }

    /**
     * Every product: with op(A) or op(B) pre-packed when {@code packedA} / {@code packedB} is given
     * (then a / b are its packed floats, row-major m×k / k×n as far as the checks are concerned), or
     * A or B packed by its source (then a / b is unused; A's source is its transpose, see
     * {@link #gemm(PanelSource, PackedOperand, float, float, float[], int, int, Epilogue, float[], int)}).
     */
    private void product(PackedOperand packedA, int firstRowOfA, PackedOperand packedB, int firstColOfB, PanelSource sourceA,
                         PanelSource sourceB,
                         Transpose ta, Transpose tb,
                         int m, int n, int k, float alpha, float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
                         float beta, float[] c, int cOff, int ldc,
                         Epilogue epilogue, float[] bias, int biasOff) {
        if (sourceA != null) {
            // A is no array: B checked alone, then C as the product of depth 0 checks it
            GemmArguments.checkOperand(false, tb, n, k, b, bOff, ldb);
            GemmArguments.check(ta, tb, m, n, 0, alpha, NO_FLOATS, 0, 1, NO_FLOATS, 0, Math.max(1, n), c, cOff, ldc);
        } else if (sourceB == null) {
            GemmArguments.check(ta, tb, m, n, k, alpha, a, aOff, lda, b, bOff, ldb, c, cOff, ldc);
        } else {
            // B is no array: A checked alone, then C as the product of depth 0 checks it
            GemmArguments.checkOperand(true, ta, m, k, a, aOff, lda);
            GemmArguments.check(ta, tb, m, n, 0, alpha, a, aOff, lda, NO_FLOATS, 0, Math.max(1, n), c, cOff, ldc);
        }
        GemmArguments.checkEpilogue(epilogue, bias, biasOff, m, n);
        if (m == 0 || n == 0) {
            return;
        }
        if (alpha == 0f || k == 0) {
            scale(m, n, beta, c, cOff, ldc);
            if (!epilogue.isIdentity()) {
                MicroKernel.finish(epilogue, bias, biasOff, biasOff, m, n, c, cOff, ldc);
            }
            return;
        }
        // Inside a pool task (a Winograd product, a band of a convolution) the grid's parts run one
        // after another on this thread: cut for one, or each row part packs all of B again (a
        // 128x196x128 Winograd product took 0.99-1.12x as long nested in a 2-thread pool as on a
        // 1-thread pool, three runs; 0.96-1.00 planned for one).
        int threads = (long) m * n * k < PARALLEL_MIN_VOLUME ? 1 : pool.idleParallelism();
        boolean rowVector = m == 1 && packedA == null && packedB == null && sourceB == null && sourceA == null;
        int mr = rowVector ? 1 : config.mr();
        int nr = rowVector ? ROW_VECTOR_COLUMNS : config.nr();
        int mPanels = ceilDiv(m, mr);
        int nPanels = ceilDiv(n, nr);
        int rowParts = rowParts(threads, mPanels, nPanels, mr, nr, packedA == null, packedB == null);
        int colParts = colParts(threads, rowParts, nPanels, packedA == null, packedB == null);
        // Split both ways, each thread would pack its part of the other side again: pack that
        // operand once, on all threads, and let every thread read it.
        PackedOperand shared = null;
        if (threads > 1 && !rowVector && (long) m * n * k >= SHARED_PACKING_MIN_VOLUME) {
            if (packedB == null && rowParts > 1 && (long) n * k <= SHARED_PACKING_MAX_FLOATS) {
                shared = packShared(false, sourceB, tb, n, k, b, bOff, ldb, threads);
                packedB = shared;
            } else if (packedA == null && colParts > 1 && (long) m * k <= SHARED_PACKING_MAX_FLOATS) {
                shared = packShared(true, sourceA, ta, m, k, a, aOff, lda, threads);
                packedA = shared;
            }
            if (shared != null) {
                rowParts = rowParts(threads, mPanels, nPanels, mr, nr, packedA == null, packedB == null);
                colParts = colParts(threads, rowParts, nPanels, packedA == null, packedB == null);
            }
        }

        Job job = borrowJob();
        try {
            job.set(ta, tb, m, n, k, alpha, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc,
                    mPanels, nPanels, rowParts, colParts,
                    !rowVector && dealsTiles(threads, rowParts, packedA == null, packedB == null));
            job.setEpilogue(epilogue, bias, biasOff);
            job.setPacked(packedA, firstRowOfA, packedB, firstColOfB, packedA == null ? sourceA : null, packedB == null ? sourceB : null, rowVector);
            pool.parallelFor(rowParts * colParts, job);
        } finally {
            job.clear();
            idleJobs.give(job);
            if (shared != null) {
                idleShared.give(shared);
            }
        }
    }

    /**
     * op(A) ({@code isA}, {@code side = m}) or op(B) ({@code side = n}), from {@code source} when
     * given, packed into a workspace operand, panels dealt out to the pool's threads. Packing is a
     * copy, so who packs which panel changes no bit of the product.
     */
    private PackedOperand packShared(boolean isA, PanelSource source, Transpose t, int side, int k, float[] src,
                                     int off, int ld, int threads) {
        int panel = isA ? config.mr() : config.nr();
        PackedOperand p = idleShared.take();
        int kc = config.depthBlock(k);
        p = p == null ? new PackedOperand(isA, side, k, panel, kc) : p.reshape(isA, side, k, panel, kc);
        PackJob job = idlePackJobs.take();
        if (job == null) {
            job = new PackJob();
        }
        try {
            job.set(p, source, t, src, off, ld, Math.min(threads, ceilDiv(side, panel)));
            pool.parallelFor(job.parts, job);
        } finally {
            job.clear();
            idlePackJobs.give(job);
        }
        return p;
    }

    /** One shared packing ({@link #packShared}), reused across calls so dispatch allocates nothing. */
    private final class PackJob implements ThreadPool.ParallelTask {
        PackedOperand p;
        PanelSource source;
        Transpose t;
        float[] src;
        int off, ld, parts;

        void set(PackedOperand p, PanelSource source, Transpose t, float[] src, int off, int ld, int parts) {
            this.p = p;
            this.source = source;
            this.t = t;
            this.src = src;
            this.off = off;
            this.ld = ld;
            this.parts = parts;
        }

        void clear() {
            p = null;
            source = null;
            src = null;
        }

        @Override
        public void run(int task) {
            int panels = ceilDiv(p.side, p.panel);
            int i0 = (int) ((long) panels * task / parts) * p.panel;
            int i1 = Math.min(p.side, (int) ((long) panels * (task + 1) / parts) * p.panel);
            for (int pc = 0; pc < p.depth && i0 < i1; pc += p.kc) {
                int kc = Math.min(p.kc, p.depth - pc);
                if (source != null) {
                    // A's source is its transpose: B's panels of it are A's
                    source.packB(pc, kc, i0, i1 - i0, p.data, p.panelAt(pc, kc, i0), p.panel);
                } else if (p.isA) {
                    Packing.packA(t, src, off, ld, i0, i1 - i0, pc, kc, p.data, p.panel, p.panelAt(pc, kc, i0));
                } else {
                    Packing.packB(t, src, off, ld, pc, kc, i0, i1 - i0, p.data, p.panelAt(pc, kc, i0), p.panel);
                }
            }
        }
    }

    /**
     * {@code op(A)} ({@code m×k}) packed for repeated products ({@link #gemm(PackedOperand, Transpose,
     * int, float, float[], int, int, float, float[], int, int, Epilogue, float[], int)}).
     *
     * @param into a previous packing of the same shape to overwrite (no allocation), or null
     * @throws IllegalArgumentException as {@link #sgemm} for A's arguments, or if {@code into} does not fit
     */
    public PackedOperand packA(Transpose ta, int m, int k, float[] a, int aOff, int lda, PackedOperand into) {
        GemmArguments.checkOperand(true, ta, m, k, a, aOff, lda);
        PackedOperand p = reuse(into, true, m, k, config.mr());
        for (int pc = 0; pc < k; pc += p.kc) {
            int kc = Math.min(p.kc, k - pc);
            Packing.packA(ta, a, aOff, lda, 0, m, pc, kc, p.data, config.mr(), p.panelAt(pc, kc, 0));
        }
        return p;
    }

    /**
     * {@code op(B)} ({@code k×n}) packed for repeated products ({@link #gemm(Transpose, int, float,
     * float[], int, int, PackedOperand, float, float[], int, int, Epilogue, float[], int)}).
     *
     * @param into a previous packing of the same shape to overwrite (no allocation), or null
     * @throws IllegalArgumentException as {@link #sgemm} for B's arguments, or if {@code into} does not fit
     */
    public PackedOperand packB(Transpose tb, int k, int n, float[] b, int bOff, int ldb, PackedOperand into) {
        GemmArguments.checkOperand(false, tb, n, k, b, bOff, ldb);
        PackedOperand p = reuse(into, false, n, k, config.nr());
        for (int pc = 0; pc < k; pc += p.kc) {
            int kc = Math.min(p.kc, k - pc);
            Packing.packB(tb, b, bOff, ldb, pc, kc, 0, n, p.data, p.panelAt(pc, kc, 0), config.nr());
        }
        return p;
    }

    /**
     * A packing of a {@code k×n} op(B) on this instance's blocking laid over the caller's floats,
     * {@code storage[offset, offset + packedFloats(k, n))}, to be filled block by block
     * ({@link #packB(Transpose, float[], int, int, int, int, int, int, PackedOperand)}); contents
     * unspecified until then. The operand is a view: it reads and writes storage, which the caller
     * keeps for as long as it uses the operand — memory an arena lends for one call, so a packing
     * made for one call needs no memory of its own (Winograd's weight gradient packs its
     * transformed input there).
     *
     * @param into a view of the same shape to re-point at this storage (no allocation), or null
     * @throws IllegalArgumentException if k or n is negative, if the floats are not within storage,
     *                                  or if {@code into} is not a view of that shape
     */
    public PackedOperand packedB(int k, int n, float[] storage, int offset, PackedOperand into) {
        if (k < 0 || n < 0) {
            throw new IllegalArgumentException("sgemm: a packed B must be k×n with k, n >= 0, got " + k + "×" + n);
        }
        long floats = packedFloats(k, n);
        if (storage == null || offset < 0 || offset > storage.length - floats) {
            throw new IllegalArgumentException("sgemm: a packed " + k + "×" + n + " B needs " + floats
                    + " floats of storage from offset " + offset + ", got " + (storage == null ? "null" : storage.length + " floats"));
        }
        int kc = config.depthBlock(k);
        if (into == null) {
            return new PackedOperand(false, n, k, config.nr(), kc, storage, offset);
        }
        if (!into.view || into.isA || into.side != n || into.depth != k || into.panel != config.nr() || into.kc != kc) {
            throw new IllegalArgumentException("sgemm: only a view of the same shape and blocking can be re-pointed");
        }
        into.data = storage;
        into.base = offset;
        return into;
    }

    /** Floats a packing of a {@code k×n} op(B) takes on this instance's blocking ({@link #packedB(int, int, float[], int, PackedOperand)}). */
    public long packedFloats(int k, int n) {
        long nr = config.nr();
        return k * ((n + nr - 1) / nr * nr);
    }

    /**
     * Depths {@code [firstDepth, firstDepth + depths)} × columns {@code [firstCol, firstCol + cols)} of
     * a packed op(B) := that block of op(B), given alone: its element (firstDepth + p, firstCol + j)
     * at {@code b[bOff + p·ldb + j]} ({@code N}) or {@code b[bOff + j·ldb + p]} ({@code T}). The rest of
     * the packing is left as it was, so tasks can each pack their own blocks of one operand at once
     * (Winograd's transformed input, packed band by band as it is made, while it is in cache): the
     * same floats as {@link #packB(Transpose, int, int, float[], int, int, PackedOperand)} of the whole.
     * Allocates nothing.
     *
     * @param firstCol a multiple of NR ({@link GemmConfig#nr()}), and cols a multiple too unless the
     *                 block reaches B's last column: blocks are whole panels wide
     * @throws IllegalArgumentException as {@link #sgemm} for the block's arguments, if {@code into} was
     *                                  packed for another blocking, or if the block is not within it or not whole panels wide
     */
    public void packB(Transpose tb, float[] b, int bOff, int ldb, int firstDepth, int depths, int firstCol, int cols,
                      PackedOperand into) {
        requirePacked(into, false);
        GemmArguments.checkOperand(false, tb, cols, depths, b, bOff, ldb);
        int panel = into.panel;
        if (firstDepth < 0 || firstDepth > into.depth - depths || firstCol < 0 || firstCol > into.side - cols
                || firstCol % panel != 0 || (cols % panel != 0 && firstCol + cols != into.side)) {
            throw new IllegalArgumentException("sgemm: block of depths [" + firstDepth + ", " + ((long) firstDepth + depths)
                    + ") and columns [" + firstCol + ", " + ((long) firstCol + cols) + ") must lie within the packed B's "
                    + into.depth + "×" + into.side + " and be whole panels of " + panel + " columns wide");
        }
        if (depths == 0 || cols == 0) {
            return;
        }
        for (int pc = firstDepth / into.kc * into.kc; pc < firstDepth + depths; pc += into.kc) {
            int kc = Math.min(into.kc, into.depth - pc);
            int from = Math.max(pc, firstDepth);
            int to = Math.min(pc + kc, firstDepth + depths);
            for (int j = 0; j < cols; j += panel) {
                Packing.packB(tb, b, bOff, ldb, from - firstDepth, to - from, j, Math.min(panel, cols - j), into.data,
                        into.panelAt(pc, kc, firstCol + j) + (from - pc) * panel, panel);
            }
        }
    }

    private PackedOperand reuse(PackedOperand into, boolean isA, int side, int depth, int panel) {
        if (into == null) {
            return new PackedOperand(isA, side, depth, panel, config.depthBlock(depth));
        }
        if (into.isA != isA || into.side != side || into.depth != depth || into.panel != panel
                || into.kc != config.depthBlock(depth)) {
            throw new IllegalArgumentException("sgemm: cannot repack into an operand packed for another shape or blocking");
        }
        return into;
    }

    /**
     * {@code C := clamp(alpha · op(A) · op(B) + beta · C + bias)} with op(A) packed by {@link #packA}
     * on this instance's blocking: the same result, bit for bit, as the unpacked call.
     *
     * @throws IllegalArgumentException as the unpacked call, or if {@code a} was packed for another blocking
     */
    public void gemm(PackedOperand a, Transpose tb, int n, float alpha, float[] b, int bOff, int ldb,
                     float beta, float[] c, int cOff, int ldc, Epilogue epilogue, float[] bias, int biasOff) {
        gemm(a, 0, a == null ? 0 : a.side, tb, n, alpha, b, bOff, ldb, beta, c, cOff, ldc, epilogue, bias, biasOff);
    }

    /**
     * As {@link #gemm(PackedOperand, Transpose, int, float, float[], int, int, float, float[], int, int,
     * Epilogue, float[], int)} on rows {@code [firstRow, firstRow + rows)} of the packed op(A) only: C is
     * {@code rows × n}, its row 0 A's row {@code firstRow} (a per-row bias is read from
     * {@code biasOff} for C's row 0, as in every call). Each row's result is the bits the whole
     * product gives it: a caller can cut a product by rows to bound the C it holds at once
     * (Winograd's M).
     *
     * @param firstRow a multiple of MR ({@link GemmConfig#mr()}): rows start a packed panel
     * @throws IllegalArgumentException as the whole call, or if the rows are not within A or do not start a panel
     */
    public void gemm(PackedOperand a, int firstRow, int rows, Transpose tb, int n, float alpha, float[] b, int bOff, int ldb,
                     float beta, float[] c, int cOff, int ldc, Epilogue epilogue, float[] bias, int biasOff) {
        requirePacked(a, true);
        if (firstRow < 0 || rows < 0 || firstRow > a.side - rows || firstRow % a.panel != 0) {
            throw new IllegalArgumentException("sgemm: rows [" + firstRow + ", " + ((long) firstRow + rows)
                    + ") of a packed A must lie within its " + a.side + " rows and start a panel of " + a.panel);
        }
        product(a, firstRow, null, 0, null, null, Transpose.N, tb, rows, n, a.depth, alpha, a.data, 0, Math.max(1, a.depth),
                b, bOff, ldb, beta, c, cOff, ldc, epilogue, bias, biasOff);
    }

    /**
     * {@code C := clamp(alpha · op(A) · B + beta · C + bias)} with op(A) packed by {@link #packA} and B
     * packing its own panels ({@link PanelSource}), each just before the micro-kernel reads it: the
     * same result, bit for bit, as the call on B stored as a matrix.
     *
     * @throws IllegalArgumentException as the unpacked call for C and the bias, if {@code a} was packed
     *                                  for another blocking, or if B's depth is not A's
     */
    public void gemm(PackedOperand a, PanelSource b, float alpha, float beta, float[] c, int cOff, int ldc,
                     Epilogue epilogue, float[] bias, int biasOff) {
        requirePacked(a, true);
        requireSource("B", b, a.depth);
        product(a, 0, null, 0, null, b, Transpose.N, Transpose.N, a.side, b.columns(), a.depth, alpha, a.data, 0,
                Math.max(1, a.depth), null, 0, 1, beta, c, cOff, ldc, epilogue, bias, biasOff);
    }

    /**
     * {@code C := clamp(alpha · op(A) · B + beta · C + bias)} with B packing its own panels
     * ({@link PanelSource}): the same result, bit for bit, as the call on B stored as a matrix.
     *
     * @param m rows of op(A) and C; op(A) is {@code m × b.depth()}
     * @throws IllegalArgumentException as the unpacked call for A, C and the bias, or if B is null
     */
    public void gemm(Transpose ta, int m, float alpha, float[] a, int aOff, int lda, PanelSource b,
                     float beta, float[] c, int cOff, int ldc, Epilogue epilogue, float[] bias, int biasOff) {
        requireSource("B", b, -1);
        product(null, 0, null, 0, null, b, ta, Transpose.N, m, b.columns(), b.depth(), alpha, a, aOff, lda, null, 0, 1,
                beta, c, cOff, ldc, epilogue, bias, biasOff);
    }

    /** A source of the named operand's panels, {@code depth} deep unless that is -1. */
    private static void requireSource(String operand, PanelSource source, int depth) {
        if (source == null || source.depth() < 0 || source.columns() < 0) {
            throw new IllegalArgumentException("sgemm: " + operand + "'s panel source must be a k×n matrix with k, n >= 0, got "
                    + (source == null ? "null" : source.depth() + "×" + source.columns()));
        }
        if (depth >= 0 && source.depth() != depth) {
            throw new IllegalArgumentException("sgemm: " + operand + "'s panel source must be k = " + depth
                    + " deep (the packed operand's depth), got " + source.depth() + "×" + source.columns());
        }
    }

    /**
     * {@code C := clamp(alpha · op(A) · op(B) + beta · C + bias)} with op(B) packed by {@link #packB}
     * on this instance's blocking: the same result, bit for bit, as the unpacked call.
     *
     * @throws IllegalArgumentException as the unpacked call, or if {@code b} was packed for another blocking
     */
    public void gemm(Transpose ta, int m, float alpha, float[] a, int aOff, int lda, PackedOperand b,
                     float beta, float[] c, int cOff, int ldc, Epilogue epilogue, float[] bias, int biasOff) {
        gemm(ta, m, alpha, a, aOff, lda, b, 0, b == null ? 0 : b.side, beta, c, cOff, ldc, epilogue, bias, biasOff);
    }

    /**
     * As {@link #gemm(Transpose, int, float, float[], int, int, PackedOperand, float, float[], int, int,
     * Epilogue, float[], int)} on columns {@code [firstCol, firstCol + cols)} of the packed op(B) only:
     * C is {@code m × cols}, its column 0 B's column {@code firstCol} (a per-column bias is read from
     * {@code biasOff} for C's column 0). Each column's result is the bits the whole product gives it:
     * a caller can cut a product by columns to bound the C it holds at once (Winograd's transposed
     * products, {@code Mᵀ = Vᵀ·Uᵀ}, in passes over output channels).
     *
     * @param firstCol a multiple of NR ({@link GemmConfig#nr()}): columns start a packed panel
     * @throws IllegalArgumentException as the whole call, or if the columns are not within B or do not start a panel
     */
    public void gemm(Transpose ta, int m, float alpha, float[] a, int aOff, int lda, PackedOperand b, int firstCol, int cols,
                     float beta, float[] c, int cOff, int ldc, Epilogue epilogue, float[] bias, int biasOff) {
        requirePacked(b, false);
        if (firstCol < 0 || cols < 0 || firstCol > b.side - cols || firstCol % b.panel != 0) {
            throw new IllegalArgumentException("sgemm: columns [" + firstCol + ", " + ((long) firstCol + cols)
                    + ") of a packed B must lie within its " + b.side + " columns and start a panel of " + b.panel);
        }
        product(null, 0, b, firstCol, null, null, ta, Transpose.N, m, cols, b.depth, alpha, a, aOff, lda, b.data, 0,
                Math.max(1, cols), beta, c, cOff, ldc, epilogue, bias, biasOff);
    }

    /**
     * {@code C := clamp(alpha · Aᵀ · op(B) + beta · C + bias)} where A packs its own panels
     * ({@link PanelSource}) and op(B) was packed by {@link #packB}: the A operand is the source's
     * transpose, {@code m = aTransposed.columns()} rows deep {@code k = aTransposed.depth()}, its MR-row
     * panels being the source's panels of width MR. A convolution's transposed product
     * {@code Yᵀ = colᵀ·Wᵀ} gathers its patches this way, as the usual one does for B. The same result,
     * bit for bit, as the call on Aᵀ stored as a matrix.
     *
     * @throws IllegalArgumentException as the unpacked call for C and the bias, if {@code b} was packed
     *                                  for another blocking, or if A's depth is not B's
     */
    public void gemm(PanelSource aTransposed, PackedOperand b, float alpha, float beta, float[] c, int cOff, int ldc,
                     Epilogue epilogue, float[] bias, int biasOff) {
        requirePacked(b, false);
        requireSource("A's transpose", aTransposed, b.depth);
        product(null, 0, b, 0, aTransposed, null, Transpose.N, Transpose.N, aTransposed.columns(), b.side, b.depth, alpha,
                null, 0, 1, b.data, 0, Math.max(1, b.side), beta, c, cOff, ldc, epilogue, bias, biasOff);
    }

    private void requirePacked(PackedOperand p, boolean isA) {
        if (p == null || p.isA != isA || p.panel != (isA ? config.mr() : config.nr())
                || p.kc != config.depthBlock(p.depth)) {
            throw new IllegalArgumentException("sgemm: packed " + (isA ? "A" : "B") + " missing or packed for another blocking than "
                    + config);
        }
    }

    /**
     * A GEMM on the same threads and cache blocks with another micro-kernel ({@link GemmConfig#withKernel}),
     * made once per kernel and instance: a product whose shape suits another register tile (a
     * convolution's transposed product, a few output pixels by many channels) runs on it.
     *
     * @throws IllegalArgumentException for an unknown kernel
     */
    public Sgemm withKernel(String kernel) {
        if (kernel.equals(config.kernel())) {
            return this;
        }
        Sgemm other = otherKernel;
        if (other == null || !other.config.kernel().equals(kernel)) {
            other = new Sgemm(config.withKernel(kernel), pool);
            otherKernel = other;
        }
        return other;
    }

    /** The threads this instance runs on. */
    public ThreadPool pool() {
        return pool;
    }

    /** The blocking this instance uses. */
    public GemmConfig config() {
        return config;
    }

    /**
     * The cost of packing one float, in micro-kernel multiply-adds: the kernel does two vectors of
     * them per cycle (16 on an AVX2 core, 32 with AVX-512), packing one or two floats per cycle at
     * best (strided, transposed packing measured nearer 4 cycles a float, so this is the low end):
     * the lane count. Only the ratio matters, and only where two grids are close in tiles; where both
     * would re-pack, the shared packing below removes the repeated packing but not its cost, as each
     * thread then reads the whole shared operand back from L3. At 8 on AVX-512 two threads cut AlexNet
     * conv2's 256×729×2400 by rows (16 of 32 row panels each, B packed once and shared, 7 MB); by
     * columns (12 and 11 of 23 panels, each packing its own) it took 0.89–0.92 of the time, gathered
     * from the image or packed from a matrix (wall time, three and two interleaved runs). A method,
     * not a constant: Sgemm's static initializer must not touch the vector module before
     * {@link VectorSupport#require} can name the missing flag.
     */
    static int packCost() {
        return FloatSpecies.LANES;
    }

    /**
     * The cost of reading one float of an operand packed already (pre-packed, or shared) in
     * multiply-adds: half of {@link #packCost}, the read without the write. Without it, a split that
     * has every thread read all of a big packed operand looked free: on 16 threads AlexNet conv2's
     * 256×729×2400 went to 16 row parts each streaming all 7 MB of the shared B from L3, where a 2 × 8
     * grid reads an eighth each and took 0.57 of the time; ResNet's 3x3 weight gradients
     * (128×1152×784, 256×2304×196) 0.58 and 0.85 the same way (same-process A/B on the 16-core Xeon).
     */
    static int readCost() {
        return FloatSpecies.LANES / 2;
    }

    /**
     * How many row ranges to cut C into for {@code threads} threads: the factorization
     * {@code rows × cols = threads} whose busiest thread does the least work, counting its
     * multiply-adds (its tiles × MR·NR) and the floats of A's rows and B's columns in its range, each
     * packed ({@link #packCost}) or, where that operand is packed already, read ({@link #readCost}).
     * A one-sided split whose other side is packed already deals tiles ({@link #dealsTiles}). Work
     * rather than tiles alone because a product with few rows (a convolution's M = output channels)
     * split by rows packs the whole of B on every thread: at M = 64, N = 784 (ResNet's Winograd
     * products) one column more per thread share tipped the tile count the other way.
     */
    static int rowParts(int threads, int mPanels, int nPanels, int mr, int nr, boolean packsA, boolean packsB) {
        int best = 1;
        long bestWork = Long.MAX_VALUE;
        for (int rows = 1; rows <= threads; rows++) {
            boolean tiles = dealsTiles(threads, rows, packsA, packsB);
            if (threads % rows != 0 || rows > mPanels && !tiles) {
                continue;
            }
            long tileShare;
            long rowShare;
            long colShare;
            if (tiles) {
                // a share of the tiles, spanning a share of the split side's panels and one more
                tileShare = ((long) mPanels * nPanels + threads - 1) / threads;
                rowShare = rows == 1 ? mPanels : ceilDiv(mPanels, threads) + 1L;
                colShare = rows == 1 ? ceilDiv(nPanels, threads) + 1L : nPanels;
            } else {
                rowShare = ceilDiv(mPanels, rows);
                colShare = ceilDiv(nPanels, Math.min(threads / rows, nPanels));
                tileShare = rowShare * colShare;
            }
            long work = tileShare * mr * nr + (packsA ? packCost() : readCost()) * rowShare * mr
                    + (packsB ? packCost() : readCost()) * colShare * nr;
            if (work < bestWork) {
                best = rows;
                bestWork = work;
            }
        }
        return best;
    }

    /**
     * Whether a split of C into {@code rows} row parts deals out tiles rather than whole panels: when
     * it cuts one side only and the other side's operand is packed already (pre-packed, or shared),
     * so a panel cut between two threads costs no packing twice. Whole panels balance badly when a
     * side has few: ResNet's 512→512 3x3 layer at 7x7 is 7 × 11 tiles on the 7x3v tile, and two
     * threads took 6 and 5 column panels (the last 32 columns wide), one 12% over its share; dealt
     * as tiles, 37 and 40 (0.9% over): 0.87–0.96 of the time (same-process A/B, wall time, here and
     * on a 16-core Xeon). On 16 threads a 4 × 4 grid gave the busiest thread 6 tiles, dealt tiles
     * give 4 or 5: 0.87.
     */
    static boolean dealsTiles(int threads, int rows, boolean packsA, boolean packsB) {
        return threads > 1 && (rows == 1 ? !packsA : rows == threads && !packsB);
    }

    /** The column parts beside {@code rows} row parts: as many as threads allow, one panel each at least unless tiles are dealt. */
    static int colParts(int threads, int rows, int nPanels, boolean packsA, boolean packsB) {
        return dealsTiles(threads, rows, packsA, packsB) ? threads / rows : Math.min(threads / rows, nPanels);
    }

    /**
     * The first tile of part {@code part} of {@code parts} when a one-sided split deals C's tiles out
     * in order along the split side (outer: that side's panels; inner: the other side's), each part
     * the run of tiles nearest its share of C's area. Tile {@code t} is outer panel
     * {@code t / innerPanels}, inner panel {@code t % innerPanels}; the boundaries never decrease and
     * the last is the tile count, so every tile has one owner.
     */
    static long firstTile(int part, int parts, int outerStep, int outerSize, int innerStep, int innerSize) {
        int outerPanels = ceilDiv(outerSize, outerStep);
        int innerPanels = ceilDiv(innerSize, innerStep);
        if (part >= parts) {
            return (long) outerPanels * innerPanels;
        }
        long area = (long) ((double) outerSize * innerSize * part / parts);
        long outerArea = (long) outerStep * innerSize;
        int outer = (int) Math.min(outerPanels - 1, area / outerArea);
        long tileArea = (long) Math.min(outerStep, outerSize - outer * outerStep) * innerStep;
        long inner = Math.min(innerPanels, (area - outer * outerArea + tileArea / 2) / tileArea);
        return (long) outer * innerPanels + inner;
    }

    /** Part {@code part} of a tile-dealing split ({@link #dealsTiles}): its first and last panels partly, those between whole. */
    private void computeTiles(Job g, int part, Workspace ws) {
        boolean byColumns = g.rowParts == 1;
        int parts = g.rowParts * g.colParts;
        int outerStep = byColumns ? config.nr() : config.mr();
        int innerStep = byColumns ? config.mr() : config.nr();
        int outerSize = byColumns ? g.n : g.m;
        int innerSize = byColumns ? g.m : g.n;
        int innerPanels = ceilDiv(innerSize, innerStep);
        long t0 = firstTile(part, parts, outerStep, outerSize, innerStep, innerSize);
        long t1 = firstTile(part + 1, parts, outerStep, outerSize, innerStep, innerSize);
        if (t0 >= t1) {
            return;
        }
        int firstOuter = (int) (t0 / innerPanels);
        int firstInner = (int) (t0 % innerPanels);
        int lastOuter = (int) (t1 / innerPanels);
        int lastInner = (int) (t1 % innerPanels);
        if (firstOuter == lastOuter) {
            tileBlock(g, byColumns, firstOuter, firstOuter + 1, firstInner, lastInner, ws);
            return;
        }
        if (firstInner > 0) {
            tileBlock(g, byColumns, firstOuter, firstOuter + 1, firstInner, innerPanels, ws);
            firstOuter++;
        }
        if (firstOuter < lastOuter) {
            tileBlock(g, byColumns, firstOuter, lastOuter, 0, innerPanels, ws);
        }
        if (lastInner > 0) {
            tileBlock(g, byColumns, lastOuter, lastOuter + 1, 0, lastInner, ws);
        }
    }

    /** The block of C over outer panels {@code [outerFrom, outerTo)} and inner panels {@code [innerFrom, innerTo)}. */
    private void tileBlock(Job g, boolean byColumns, int outerFrom, int outerTo, int innerFrom, int innerTo, Workspace ws) {
        int mr = config.mr();
        int nr = config.nr();
        if (byColumns) {
            computeBlock(g, innerFrom * mr, Math.min(g.m, innerTo * mr), outerFrom * nr, Math.min(g.n, outerTo * nr), ws);
        } else {
            computeBlock(g, outerFrom * mr, Math.min(g.m, outerTo * mr), innerFrom * nr, Math.min(g.n, innerTo * nr), ws);
        }
    }

    private static void scale(int m, int n, float beta, float[] c, int cOff, int ldc) {
        if (beta == 1f) {
            return;
        }
        for (int i = 0; i < m; i++) {
            int row = cOff + i * ldc;
            if (beta == 0f) {
                java.util.Arrays.fill(c, row, row + n, 0f);
            } else {
                for (int j = 0; j < n; j++) {
                    c[row + j] *= beta;
                }
            }
        }
    }

    /**
     * BLIS's loops 1–5 over {@code C[i0,i1) × [j0,j1)}, on one thread with its own workspace.
     *
     * <p>B's micro-panels are packed inside the first MC block's column loop, each just before its
     * first use, so while packed it is still in L1 for that block's kernels; later MC blocks reuse the
     * packed block. For the thin M of convolution GEMMs (one MC block) packed B then never makes the
     * round trip through L3 that packing the whole KC × NC block up front costs (measured: packing
     * took a third as long as the kernels on M=64, N=3136).
     */
    private void computeBlock(Job g, int i0, int i1, int j0, int j1, Workspace ws) {
        MicroKernel kernel = config.kernel;
        int mr = kernel.mr;
        int nr = kernel.nr;
        boolean inPlaceB = g.packedB == null && g.sourceB == null && g.tb == Transpose.N && i1 - i0 <= IN_PLACE_B_MAX_ROWS;
        int columnBlock = config.columnBlock(g.k, i1 - i0);
        for (int jc = j0; jc < j1; jc += columnBlock) {
            int nc = Math.min(columnBlock, j1 - jc);
            // B read in place: its whole panels; only a last, partial panel is packed (the kernels read whole panels)
            int inPlaceTo = inPlaceB ? nc / nr * nr : 0;
            for (int pc = 0, depthBlock = config.depthBlock(g.k); pc < g.k; pc += depthBlock) {
                int kc = Math.min(depthBlock, g.k - pc);
                float beta = pc == 0 ? g.beta : 1f;
                boolean finishing = pc + kc == g.k && !g.epilogue.isIdentity();
                // Pre-packed operands are read where they lie; the others are packed here, per block.
                float[] packedB = g.packedB != null ? g.packedB.data : ws.packedB(kc * roundUp(nc, nr));
                int bAt = g.packedB != null ? g.packedB.panelAt(pc, kc, g.firstColOfB + jc) : 0;
                for (int ic = i0; ic < i1; ic += config.mc()) {
                    int mc = Math.min(config.mc(), i1 - ic);
                    float[] packedA;
                    int aAt;
                    if (g.packedA != null) {
                        packedA = g.packedA.data;
                        aAt = g.packedA.panelAt(pc, kc, g.firstRowOfA + ic);
                    } else {
                        packedA = ws.packedA(kc * roundUp(mc, mr));
                        aAt = 0;
                        if (g.sourceA != null) {
                            g.sourceA.packB(pc, kc, ic, mc, packedA, 0, mr);
                        } else {
                            Packing.packA(g.ta, g.a, g.aOff, g.lda, ic, mc, pc, kc, packedA, mr, 0);
                        }
                    }
                    boolean packing = ic == i0 && g.packedB == null;
                    if ((long) kc * nc <= ROW_ORDER_MAX_B_FLOATS && (!inPlaceB || kc <= ROW_ORDER_IN_PLACE_MAX_DEPTH)) {
                        // B's block fits L2: sweep each row panel of C across it, so C is written a few
                        // rows at a time, front to back, instead of MC rows in parallel; B read in place
                        // but for its packed partial last panel
                        if (packing && inPlaceTo < nc) {
                            packPanelsOfB(g, pc, kc, jc, inPlaceTo, nc, packedB);
                        }
                        for (int ir = 0; ir < mc; ir += mr) {
                            for (int jr = 0; jr < nc; jr += nr) {
                                panelTile(g, ws, kc, beta, finishing, packedA, aAt, ic, ir, mc, packedB, bAt, inPlaceTo,
                                        pc, jc, jr, nc);
                            }
                        }
                    } else {
                        for (int jr = 0; jr < nc; jr += nr) {
                            if (packing && jr >= inPlaceTo && (jr - inPlaceTo) % (PACKED_TOGETHER * nr) == 0) {
                                packPanelsOfB(g, pc, kc, jc, jr, Math.min(jr + PACKED_TOGETHER * nr, nc), packedB);
                            }
                            for (int ir = 0; ir < mc; ir += mr) {
                                panelTile(g, ws, kc, beta, finishing, packedA, aAt, ic, ir, mc, packedB, bAt, inPlaceTo,
                                        pc, jc, jr, nc);
                            }
                        }
                    }
                }
            }
        }
    }

    /**
     * {@link #tile} at block column jr, its B panel read in place (columns before {@code inPlaceTo})
     * or packed in {@code packedB} from {@code bAt}.
     */
    private void panelTile(Job g, Workspace ws, int kc, float beta, boolean finishing, float[] packedA, int aAt, int ic,
                           int ir, int mc, float[] packedB, int bAt, int inPlaceTo, int pc, int jc, int jr, int nc) {
        if (jr < inPlaceTo) {
            tile(g, ws, kc, beta, finishing, packedA, aAt, ic, ir, mc, g.b, g.bOff + pc * g.ldb + jc + jr, g.ldb, jc, jr, nc);
        } else {
            tile(g, ws, kc, beta, finishing, packedA, aAt, ic, ir, mc, packedB, bAt + jr * kc, config.nr(), jc, jr, nc);
        }
    }

    /** Packs B's columns {@code [jc + from, jc + to)} of depths {@code [pc, pc + kc)}, a few panels per pass. */
    private void packPanelsOfB(Job g, int pc, int kc, int jc, int from, int to, float[] packedB) {
        int nr = config.nr();
        for (int jr = from; jr < to; jr += PACKED_TOGETHER * nr) {
            int cols = Math.min(PACKED_TOGETHER * nr, to - jr);
            if (g.sourceB != null) {
                g.sourceB.packB(pc, kc, jc + jr, cols, packedB, jr * kc, nr);
            } else {
                Packing.packB(g.tb, g.b, g.bOff, g.ldb, pc, kc, jc + jr, cols, packedB, jr * kc, nr);
            }
        }
    }

    /**
     * The MR × NR tile of C at block row ir, block column jr: micro-kernel, then merge and epilogue.
     * Its B is {@code b[bAt + p·ldb + j]}: a packed panel (ldb = NR), or B itself read in place.
     */
    private void tile(Job g, Workspace ws, int kc, float beta, boolean finishing, float[] packedA, int aAt, int ic,
                      int ir, int mc, float[] b, int bAt, int ldb, int jc, int jr, int nc) {
        MicroKernel kernel = config.kernel;
        int mr = kernel.mr;
        int nr = kernel.nr;
        int rows = Math.min(mr, mc - ir);
        int cols = Math.min(nr, nc - jr);
        int cAt = g.cOff + (ic + ir) * g.ldc + jc + jr;
        if (rows == mr && cols == nr && beta == 0f && finishing && g.alpha == 1f) {
            // the whole product in this one K block: the kernel starts from the bias and clamps
            kernel.runFinished(kc, packedA, aAt + ir * kc, b, bAt, ldb, g.c, cAt, g.ldc,
                    g.rowBias, g.rowBiasAt(ic + ir), g.colBias, g.colBiasAt(jc + jr), g.bounds);
            return;
        }
        int panels = ceilDiv(mc, mr);
        int touchStep = touchStep(nr, panels);
        int touchAt = touchAt(g, b, bAt, kc, nr, ir / mr, touchStep);
        if (rows == mr && cols == nr && beta == 0f) {
            run(kernel, kc, packedA, aAt + ir * kc, b, bAt, ldb, g.alpha, g.c, cAt, g.ldc, touchAt, touchStep);
        } else {
            if (cols <= kernel.narrowColumns()) {
                kernel.runNarrow(kc, packedA, aAt + ir * kc, b, bAt, g.alpha, ws.tile, 0, nr); // a partial panel: packed
            } else {
                run(kernel, kc, packedA, aAt + ir * kc, b, bAt, ldb, g.alpha, ws.tile, 0, nr, touchAt, touchStep);
            }
            if (rows == mr && cols == nr && beta != 0f) {
                kernel.mergeTile(ws.tile, beta, g.c, cAt, g.ldc);
            } else {
                MicroKernel.merge(ws.tile, nr, rows, cols, beta, g.c, cAt, g.ldc);
            }
        }
        if (finishing && rows == mr && cols == nr) {
            kernel.finishTile(g.c, cAt, g.ldc, g.rowBias, g.rowBiasAt(ic + ir), g.colBias, g.colBiasAt(jc + jr),
                    g.bounds);
        } else if (finishing) {
            MicroKernel.finish(g.epilogue, g.bias, g.biasOff + ic + ir, g.biasOff + jc + jr, rows, cols, g.c, cAt, g.ldc);
        }
    }

    /**
     * Where the tile at row panel {@code panel} of its block touches B as it runs
     * ({@link MicroKernel#runTouching}), or −1 for nowhere. Only a pre-packed B is touched: a layer's
     * weights, which inside a network come from memory (its working set outgrows the caches between
     * two uses of a layer), and which the first row panel's tile would otherwise read in one burst
     * from memory per packed panel while the other row panels' tiles find that panel in L2. So those
     * other tiles touch the next packed panel — the next column panel, or the next K block's first;
     * they lie in order in B's array — a share each, {@code touchStep} floats per depth. The last
     * panel has none after it. A whole tile that one K block finishes with its epilogue runs
     * {@link MicroKernel#runFinished}, untouched: the big weights (K·N in the megabytes) span
     * several K blocks.
     *
     * <p>Measured (one thread): ResNet-18's 512→512 3x3 layer at 7x7 (9.4 MB of weights), caches
     * flushed of 256 MB between calls, 2739–2806 → 2402–2488 µs, warm (weights in L3) unchanged
     * (1916–1954 against 1893–1905); inside the network (per-step times, same JVM build with and
     * without) its three such layers 2690–2705 → 2380–2460 µs and the 3x3/s2 256→512 layer
     * 1465–1490 → 1310–1325; the whole network against ONNX Runtime run by run in one JVM 1.195–1.200
     * → 1.148–1.154 of its time.
     */
    private static int touchAt(Job g, float[] b, int bAt, int kc, int nr, int panel, int touchStep) {
        if (g.packedB == null || b != g.packedB.data || panel == 0) {
            return -1;
        }
        long at = bAt + (long) kc * nr + (long) (panel - 1) * kc * touchStep;
        return at + (long) (kc - 1) * touchStep < b.length ? (int) at : -1;
    }

    /**
     * The kernel's run, touching B where touchAt is not negative. Two calls, not one method branching
     * inside: 7x3v's touching loop with run inlined beside it ran 15% slower warm (512→512 3x3 at 7x7).
     */
    private static void run(MicroKernel kernel, int kc, float[] a, int aOff, float[] b, int bOff, int ldb, float alpha,
                            float[] t, int tOff, int ldt, int touchAt, int touchStep) {
        if (touchAt < 0) {
            kernel.run(kc, a, aOff, b, bOff, ldb, alpha, t, tOff, ldt);
        } else {
            kernel.runTouching(kc, a, aOff, b, bOff, ldb, alpha, t, tOff, ldt, touchAt, touchStep);
        }
    }

    /** Floats between a touching tile's touches: its share of a panel (kc·touchStep floats) over kc depths, one touch per depth. */
    private static int touchStep(int nr, int panels) {
        return ceilDiv(nr, Math.max(1, panels - 1));
    }

    /** Columns {@code [j0, j1)} of a one-row C ({@link RowVector}), then the epilogue. */
    private static void computeRow(Job g, int j0, int j1, Workspace ws) {
        float[] row = g.a;
        int rowOff = g.aOff;
        if (g.ta == Transpose.T && g.lda != 1) {
            row = ws.packedA(g.k);
            for (int p = 0; p < g.k; p++) {
                row[p] = g.a[g.aOff + p * g.lda];
            }
            rowOff = 0;
        }
        float[] scratch = ws.packedB(Math.max(FloatSpecies.LANES, j1 - j0));
        RowVector.multiply(g.tb, j0, j1, g.k, g.alpha, row, rowOff, g.b, g.bOff, g.ldb, g.beta, g.c, g.cOff, scratch);
        if (!g.epilogue.isIdentity()) {
            MicroKernel.finish(g.epilogue, g.bias, g.biasOff, g.biasOff + j0, 1, j1 - j0, g.c, g.cOff + j0, g.ldc);
        }
    }

    private Job borrowJob() {
        Job j = idleJobs.take();
        return j != null ? j : new Job();
    }

    private Workspace borrowWorkspace() {
        Workspace w = idleWorkspaces.take();
        return w != null ? w : new Workspace(config.kernel.mr * config.kernel.nr);
    }

    static int ceilDiv(int x, int y) {
        return (x + y - 1) / y;
    }

    private static int roundUp(int x, int multiple) {
        return ceilDiv(x, multiple) * multiple;
    }

    /** One thread's packing buffers, grown on demand and then reused. */
    private static final class Workspace {
        final float[] tile;
        private float[] packedA = new float[0];
        private float[] packedB = new float[0];

        Workspace(int tileSize) {
            tile = new float[tileSize];
        }

        float[] packedA(int size) {
            if (packedA.length < size) {
                packedA = new float[size];
            }
            return packedA;
        }

        float[] packedB(int size) {
            if (packedB.length < size) {
                packedB = new float[size];
            }
            return packedB;
        }
    }

    /** One call's arguments, reused across calls so dispatch allocates nothing. */
    private final class Job implements ThreadPool.ParallelTask {
        Transpose ta, tb;
        int m, n, k, aOff, lda, bOff, ldb, cOff, ldc, mPanels, nPanels, rowParts, colParts;
        /** The split deals tiles, not panels ({@link #dealsTiles}). */
        boolean tiles;
        float alpha, beta;
        float[] a, b, c, bias;
        int biasOff;
        Epilogue epilogue = Epilogue.NONE;
        /** The epilogue's clamp as {@link MicroKernel#finishTile} reads it ({@link MicroKernel#clampBounds}). */
        final float[] bounds = new float[4];
        /** The epilogue's bias as the whole-tile kernels read it: {@link MicroKernel#NO_BIAS} for the side it is not on. */
        float[] rowBias = MicroKernel.NO_BIAS, colBias = MicroKernel.NO_BIAS;
        PackedOperand packedA, packedB;
        /** The row of packedA that is op(A)'s row 0 (a product on some of its rows). */
        int firstRowOfA;
        /** The column of packedB that is op(B)'s column 0 (a product on some of its columns). */
        int firstColOfB;
        /** A's panels, as its transpose's B panels, when it packs them itself and is not packed already (shared). */
        PanelSource sourceA;
        /** B's panels when it packs them itself and is not packed already (shared): see {@link PanelSource}. */
        PanelSource sourceB;
        boolean rowVector;

        void set(Transpose ta, Transpose tb, int m, int n, int k, float alpha, float[] a, int aOff, int lda,
                 float[] b, int bOff, int ldb, float beta, float[] c, int cOff, int ldc,
                 int mPanels, int nPanels, int rowParts, int colParts, boolean tiles) {
            this.ta = ta;
            this.tb = tb;
            this.m = m;
            this.n = n;
            this.k = k;
            this.alpha = alpha;
            this.a = a;
            this.aOff = aOff;
            this.lda = lda;
            this.b = b;
            this.bOff = bOff;
            this.ldb = ldb;
            this.beta = beta;
            this.c = c;
            this.cOff = cOff;
            this.ldc = ldc;
            this.mPanels = mPanels;
            this.nPanels = nPanels;
            this.rowParts = rowParts;
            this.colParts = colParts;
            this.tiles = tiles;
        }

        void setEpilogue(Epilogue epilogue, float[] bias, int biasOff) {
            this.epilogue = epilogue;
            this.bias = bias;
            this.biasOff = biasOff;
            MicroKernel.clampBounds(epilogue.min(), epilogue.max(), bounds);
            rowBias = epilogue.bias() == Epilogue.Bias.PER_ROW ? bias : MicroKernel.NO_BIAS;
            colBias = epilogue.bias() == Epilogue.Bias.PER_COLUMN ? bias : MicroKernel.NO_BIAS;
        }

        /** Where C's row {@code row} finds its bias in {@link #rowBias} (NO_BIAS is read from its start). */
        int rowBiasAt(int row) {
            return rowBias == MicroKernel.NO_BIAS ? 0 : biasOff + row;
        }

        /** Where C's column {@code col} finds its bias in {@link #colBias}. */
        int colBiasAt(int col) {
            return colBias == MicroKernel.NO_BIAS ? 0 : biasOff + col;
        }

        void setPacked(PackedOperand packedA, int firstRowOfA, PackedOperand packedB, int firstColOfB, PanelSource sourceA,
                       PanelSource sourceB,
                       boolean rowVector) {
            this.packedA = packedA;
            this.firstRowOfA = firstRowOfA;
            this.firstColOfB = firstColOfB;
            this.packedB = packedB;
            this.sourceA = sourceA;
            this.sourceB = sourceB;
            this.rowVector = rowVector;
        }

        /** Drops the references to the caller's arrays so a pooled job keeps nothing alive. */
        void clear() {
            a = b = c = bias = null;
            rowBias = colBias = MicroKernel.NO_BIAS;
            packedA = packedB = null;
            sourceA = sourceB = null;
        }

        @Override
        public void run(int task) {
            Workspace ws = borrowWorkspace();
            try {
                if (tiles) {
                    computeTiles(this, task, ws);
                } else {
                    computeGridPart(task, ws);
                }
            } finally {
                idleWorkspaces.give(ws);
            }
        }

        /** Part {@code task} of the rows × columns grid of panel ranges. */
        private void computeGridPart(int task, Workspace ws) {
            int mr = rowVector ? 1 : config.mr();
            int nr = rowVector ? ROW_VECTOR_COLUMNS : config.nr();
            int rowPart = task / colParts;
            int colPart = task % colParts;
            int i0 = split(mPanels, rowParts, rowPart) * mr;
            int i1 = Math.min(m, split(mPanels, rowParts, rowPart + 1) * mr);
            int j0 = split(nPanels, colParts, colPart) * nr;
            int j1 = Math.min(n, split(nPanels, colParts, colPart + 1) * nr);
            if (i0 >= i1 || j0 >= j1) {
                return;
            }
            if (rowVector) {
                computeRow(this, j0, j1, ws);
            } else {
                computeBlock(this, i0, i1, j0, j1, ws);
            }
        }

        /** First panel of part {@code part} when {@code panels} are dealt evenly into {@code parts}. */
        private static int split(int panels, int parts, int part) {
            return (int) ((long) panels * part / parts);
        }
    }
}
