package dev.striate.onnx;

/**
 * How a {@link Session} runs: intra-op threads (0 = the engine's common pool, shared by every
 * session that asks for it), the most bytes of intermediate tensors one run may use, and the
 * largest model file (and single tensor) it accepts. Immutable; the {@code with…} methods return
 * copies.
 *
 * @param intraOpThreads   threads one run's kernels use: 0 for the engine's common pool, else a pool
 *                         of this many threads owned by the session
 * @param memoryLimitBytes the most bytes of intermediate tensors (the per-run arena) for one set of
 *                         input shapes; a larger plan fails with {@link OnnxException}
 * @param maxModelBytes    the largest model file, external data tensor or tensor file accepted;
 *                         checked before anything is read
 * @param profiling        whether runs time each step for {@link Session#profile} (two clock reads
 *                         and an atomic add per step and run)
 */
public record SessionOptions(int intraOpThreads, long memoryLimitBytes, long maxModelBytes, boolean profiling) {

    /** The common pool, 4 GiB of intermediates, models up to 2 GiB, no profiling. */
    public static SessionOptions defaults() {
        return new SessionOptions(0, 4L << 30, Integer.MAX_VALUE, false);
    }

    /** @throws IllegalArgumentException naming the option that is out of range */
    public SessionOptions {
        if (intraOpThreads < 0) {
            throw new IllegalArgumentException("intraOpThreads must be >= 0 (0 = the common pool), got " + intraOpThreads);
        }
        if (memoryLimitBytes < 1) {
            throw new IllegalArgumentException("memoryLimitBytes must be >= 1, got " + memoryLimitBytes);
        }
        if (maxModelBytes < 1) {
            throw new IllegalArgumentException("maxModelBytes must be >= 1, got " + maxModelBytes);
        }
    }

    public SessionOptions withIntraOpThreads(int threads) {
        return new SessionOptions(threads, memoryLimitBytes, maxModelBytes, profiling);
    }

    public SessionOptions withMemoryLimitBytes(long bytes) {
        return new SessionOptions(intraOpThreads, bytes, maxModelBytes, profiling);
    }

    public SessionOptions withMaxModelBytes(long bytes) {
        return new SessionOptions(intraOpThreads, memoryLimitBytes, bytes, profiling);
    }

    public SessionOptions withProfiling(boolean on) {
        return new SessionOptions(intraOpThreads, memoryLimitBytes, maxModelBytes, on);
    }
}
