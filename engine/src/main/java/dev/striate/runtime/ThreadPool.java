package dev.striate.runtime;

import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
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

    /** How long an idle thread polls before parking: a few microseconds, so back-to-back loops skip the wake-up. */
    private static final int SPIN_LIMIT = 1 << 10;

    private final Thread[] workers;
    /* Not a ReentrantLock: a task that starts a nested loop on its dispatching thread must run it inline. */
    private final AtomicBoolean dispatching = new AtomicBoolean();
    private final AtomicInteger nextTask = new AtomicInteger();
    private final AtomicInteger runningWorkers = new AtomicInteger();

    /* The loop in flight; published to the workers by the volatile write of generation. */
    private ParallelTask task;
    private int taskCount;
    private volatile int generation;
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
        for (int i = 0; i < workers.length; i++) {
            Thread t = new Thread(this::workerLoop, "striate-worker-" + (i + 1));
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

    /** Number of threads a loop can run on, the caller included. */
    public int parallelism() {
        return workers.length + 1;
    }

    /**
     * Runs {@code task.run(i)} for every {@code i} in {@code [0, taskCount)} and returns when all
     * have finished. Tasks are claimed dynamically; which thread runs which task is unspecified.
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
            this.taskCount = taskCount;
            this.failure = null;
            this.caller = Thread.currentThread();
            nextTask.set(0);
            runningWorkers.set(workers.length);
            generation++; // publishes the fields above
            for (Thread w : workers) {
                LockSupport.unpark(w);
            }
            runTasks();
            for (int spins = 0; runningWorkers.get() != 0; spins++) {
                if (spins < SPIN_LIMIT) {
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

    private void runTasks() {
        ParallelTask t = task;
        int n = taskCount;
        for (int i; (i = nextTask.getAndIncrement()) < n; ) {
            try {
                t.run(i);
            } catch (Throwable e) {
                if (failure == null) {
                    failure = e;
                }
            }
        }
    }

    private void workerLoop() {
        int seen = 0;
        while (true) {
            int g;
            for (int spins = 0; (g = generation) == seen; spins++) {
                if (closed) {
                    return;
                }
                if (spins < SPIN_LIMIT) {
                    Thread.onSpinWait();
                } else {
                    LockSupport.park(this);
                }
            }
            seen = g;
            runTasks();
            if (runningWorkers.decrementAndGet() == 0) {
                LockSupport.unpark(caller);
            }
        }
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
