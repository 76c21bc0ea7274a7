package dev.striate.runtime;

import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * A fixed team of worker threads that runs one parallel loop at a time, the calling thread taking part.
 *
 * <p>Why not a {@link java.util.concurrent.Executor}: every submission to the JDK's executors
 * allocates (queue nodes, futures), and a GEMM inside a network is called thousands of times a
 * second; this pool hands out a loop with a few volatile writes and unparks, allocating nothing.
 *
 * <p>Loops do not queue: a {@link #parallelFor} that finds the pool busy (another thread's loop, or
 * a nested call from inside a task) runs its tasks on the calling thread. Results must therefore
 * never depend on which thread runs a task — the engine's kernels guarantee that by construction.
 *
 * <p>Thread-safety: every method is safe to call from any thread.
 */
public final class ThreadPool implements AutoCloseable {

    /** The body of a parallel loop: called once for each task index, from any thread. */
    @FunctionalInterface
    public interface ParallelTask {
        void run(int task);
    }

    /**
     * How long an idle thread polls before parking, so loops a network runs back to back find the
     * workers awake: waking a parked thread took 100–200 µs on the development VM (a parallel loop of
     * two 20 µs tasks after a 100 µs pause: 145 µs median with a 30 µs spin), longer than many
     * layers. The price is a core kept busy for this long after the last loop, as OpenMP runtimes
     * and ONNX Runtime's pool also do by default.
     */
    private static final long SPIN_NANOS = 500_000;

    private final Thread[] workers;
    private final FloatArena arena = new FloatArena();
    /* Not a ReentrantLock: a task that starts a nested loop on its dispatching thread must run it inline. */
    private final AtomicBoolean dispatching = new AtomicBoolean();
    /* Per thread's block of tasks: the next unclaimed task (PAD apart, one cache line each) and the block's end. */
    private final AtomicIntegerArray nextTask;
    private final int[] blockEnd;
    private static final int PAD = 16;
    /**
     * The loop in flight: its generation (high 32 bits), whether it is closed ({@link #CLOSED}) and
     * how many workers have joined it and not yet left ({@link #ACTIVE}). A worker runs tasks only
     * after joining an open loop; the caller, once every task is claimed, waits for the joined
     * workers alone and then closes the loop. A worker that wakes late finds it closed and does not
     * hold the caller up (waiting for every worker, a two-task loop after a pause took 145 µs instead
     * of the 20 µs of its tasks).
     */
    private final AtomicLong loop = new AtomicLong();
    private static final long CLOSED = 1L << 31;
    private static final long ACTIVE = CLOSED - 1;

    /* The loop's body (its size in nextTask and blockEnd); published to the workers by the volatile write of loop. */
    private ParallelTask task;
    private volatile Thread caller;
    private volatile Throwable failure;
    private volatile boolean closed;

    /**
     * A pool running loops on {@code parallelism} threads: the caller and {@code parallelism - 1}
     * daemon workers.
     *
     * @throws IllegalArgumentException if {@code parallelism < 1}
     */
    public ThreadPool(int parallelism) {
        if (parallelism < 1) {
            throw new IllegalArgumentException("ThreadPool parallelism must be >= 1, got " + parallelism);
        }
        workers = new Thread[parallelism - 1];
        nextTask = new AtomicIntegerArray(parallelism * PAD);
        blockEnd = new int[parallelism];
        for (int i = 0; i < workers.length; i++) {
            int self = i + 1;
            Thread t = new Thread(() -> workerLoop(self), "striate-worker-" + self);
            t.setDaemon(true);
            workers[i] = t;
            t.start();
        }
    }

    /**
     * The engine's default pool: {@code striate.threads} threads if that system property is set,
     * else {@link Runtime#availableProcessors()}. Created on first use, never closed.
     */
    public static ThreadPool common() {
        return Common.POOL;
    }

    /**
     * The arena the layers running on this pool borrow their per-call workspaces from: one pool
     * runs a network's layers one after another, so they share the memory ({@link FloatArena}). The
     * arrays it holds live as long as the pool (for {@link #common()}, the process).
     */
    public FloatArena arena() {
        return arena;
    }

    /**
     * Items per task for a loop over {@code items} independent items that a task handles in a run
     * (a workspace borrowed once, neighbouring channels kept on one core): about
     * {@value #RUNS_PER_THREAD} runs per thread {@link #idleParallelism} gives, enough to even out
     * the threads' shares; at least 1.
     */
    public int runLength(int items) {
        long runs = (long) RUNS_PER_THREAD * idleParallelism();
        return (int) Math.max(1, (items + runs - 1) / runs);
    }

    private static final int RUNS_PER_THREAD = 4;

    /** Number of threads a loop can run on, the caller included. */
    public int parallelism() {
        return workers.length + 1;
    }

    /**
     * The threads a loop started now would get: {@link #parallelism()}, or 1 while the pool runs a
     * loop (a call from inside one of its tasks, or another thread's loop), since {@link #parallelFor}
     * then runs the tasks on its caller alone. For planning how to cut work, never for correctness:
     * the pool may be taken or freed before the loop starts.
     */
    public int idleParallelism() {
        return dispatching.get() ? 1 : parallelism();
    }

    /**
     * Runs {@code task.run(i)} for every {@code i} in {@code [0, taskCount)} and returns when all
     * have finished. Tasks are dealt out in contiguous blocks, one per thread (the caller's first),
     * each thread claiming its own block's tasks in order and then any left in the others' blocks:
     * loops over the same data find the same part on the same core (a layer's band of rows, the
     * next layer's), where a claim-as-you-go loop moved it between cores from call to call — and a
     * cache line moved between the development VM's two cores took about 250 ns (500 ns for a
     * round trip); ResNet-18 ran 2–4% faster on two threads. Which thread runs which task is
     * otherwise unspecified: a thread that comes late finds its block taken.
     * If tasks throw, the first throwable is rethrown after all tasks have finished.
     */
    public void parallelFor(int taskCount, ParallelTask task) {
        if (taskCount <= 0) {
            return;
        }
        if (closed) {
            throw new IllegalStateException("ThreadPool is closed");
        }
        if (taskCount == 1 || workers.length == 0 || !dispatching.compareAndSet(false, true)) {
            for (int i = 0; i < taskCount; i++) {
                task.run(i);
            }
            return;
        }
        try {
            this.task = task;
            this.failure = null;
            this.caller = Thread.currentThread();
            int threads = workers.length + 1;
            for (int b = 0; b < threads; b++) {
                nextTask.set(b * PAD, (int) ((long) taskCount * b / threads));
                blockEnd[b] = (int) ((long) taskCount * (b + 1) / threads);
            }
            loop.set(((loop.get() >>> 32) + 1) << 32); // a new generation, open, nobody joined: publishes the fields above
            for (Thread w : workers) {
                LockSupport.unpark(w);
            }
            runTasks(0);
            // Every task is claimed: wait for those of the workers that joined, then close the loop.
            long since = System.nanoTime();
            for (int spins = 0; ; spins++) {
                long state = loop.get();
                if ((state & ACTIVE) == 0 && loop.compareAndSet(state, state | CLOSED)) {
                    break;
                }
                if (spinning(spins, since)) {
                    Thread.onSpinWait();
                } else {
                    LockSupport.park(this);
                }
            }
            this.task = null;
            Throwable f = failure;
            if (f != null) {
                failure = null;
                if (f instanceof RuntimeException e) {
                    throw e;
                }
                if (f instanceof Error e) {
                    throw e;
                }
                throw new IllegalStateException("parallel task failed", f);
            }
        } finally {
            dispatching.set(false);
        }
    }

    private void runTasks(int self) {
        ParallelTask t = task;
        int threads = workers.length + 1;
        for (int j = 0; j < threads; j++) {
            int b = (self + j) % threads;
            int end = blockEnd[b];
            for (int i; (i = nextTask.getAndIncrement(b * PAD)) < end; ) {
                try {
                    t.run(i);
                } catch (Throwable e) {
                    if (failure == null) {
                        failure = e;
                    }
                }
            }
        }
    }

    private void workerLoop(int self) {
        long seen = 0;
        while (true) {
            long state;
            long since = System.nanoTime();
            for (int spins = 0; ((state = loop.get()) >>> 32) == seen; spins++) {
                if (closed) {
                    return;
                }
                if (spinning(spins, since)) {
                    Thread.onSpinWait();
                } else {
                    LockSupport.park(this);
                }
            }
            seen = state >>> 32;
            if (join(state, seen)) {
                runTasks(self);
                if ((loop.decrementAndGet() & ACTIVE) == 0) {
                    LockSupport.unpark(caller);
                }
            }
        }
    }

    /** Joins loop {@code generation} if it is still open; false once it is closed or replaced. */
    private boolean join(long state, long generation) {
        for (; (state >>> 32) == generation && (state & CLOSED) == 0; state = loop.get()) {
            if (loop.compareAndSet(state, state + 1)) {
                return true;
            }
        }
        return false;
    }

    /** Whether a thread idle since {@code since} still spins: for {@link #SPIN_NANOS}, reading the clock every 64 spins. */
    private static boolean spinning(int spins, long since) {
        return (spins & 63) != 0 || System.nanoTime() - since < SPIN_NANOS;
    }

    /** Stops the workers once the loop in flight, if any, has finished. Idempotent. */
    @Override
    public void close() {
        while (!dispatching.compareAndSet(false, true)) {
            if (closed) {
                return;
            }
            Thread.yield();
        }
        closed = true;
        for (Thread w : workers) {
            LockSupport.unpark(w);
        }
    }

    private static final class Common {
        static final ThreadPool POOL = new ThreadPool(threadsFromProperty());

        static int threadsFromProperty() {
            String value = System.getProperty("striate.threads");
            if (value == null || value.isBlank()) {
                return Runtime.getRuntime().availableProcessors();
            }
            try {
                int n = Integer.parseInt(value.trim());
                if (n < 1) {
                    throw new IllegalArgumentException("striate.threads must be >= 1, got " + n);
                }
                return n;
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("striate.threads must be an integer, got '" + value + "'", e);
            }
        }
    }
}
