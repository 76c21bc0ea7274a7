package dev.striate.runtime;

import java.util.Arrays;

/**
 * Float arrays lent for the length of one call to the workspaces of every layer that borrows from
 * the same arena, so layers that run one after another reuse the same memory. A network whose
 * layers each kept their own workspaces spread them over tens of megabytes, which the next run
 * finds evicted from the caches; borrowed from one arena, they stay in the last-level cache, as
 * ONNX Runtime's per-session arena keeps them (ResNet-18's Winograd layers ran 6–13% faster inside
 * the network with V and M shared, measured in the commit that introduced this class).
 *
 * <p>{@link #take} hands out the most recently returned array that is long enough — the one still
 * in cache — with unspecified contents. When none is, the largest idle array (too short) is dropped
 * and a new one made, so the arena holds about one array per borrower at a time, each as long as
 * the longest request it served: steady state allocates nothing.
 *
 * <p>Thread-safety: all methods are safe for concurrent use (a short lock); an array is lent to one
 * borrower at a time.
 */
public final class FloatArena {

    private float[][] idle = new float[4][];
    private int count;

    /**
     * An array of at least {@code minLength} floats, lent until {@link #give}: contents unspecified.
     *
     * @throws IllegalArgumentException if minLength is negative
     */
    public synchronized float[] take(int minLength) {
        if (minLength < 0) {
            throw new IllegalArgumentException("FloatArena: a negative length was requested: " + minLength);
        }
        for (int i = count - 1; i >= 0; i--) {
            if (idle[i].length >= minLength) {
                return remove(i);
            }
        }
        if (count > 0) {
            int largest = 0;
            for (int i = 1; i < count; i++) {
                if (idle[i].length > idle[largest].length) {
                    largest = i;
                }
            }
            remove(largest);
        }
        return new float[minLength];
    }

    /** Returns an array lent by {@link #take}; null is ignored. */
    public synchronized void give(float[] array) {
        if (array == null) {
            return;
        }
        if (count == idle.length) {
            idle = Arrays.copyOf(idle, 2 * count);
        }
        idle[count++] = array;
    }

    private float[] remove(int i) {
        float[] array = idle[i];
        System.arraycopy(idle, i + 1, idle, i, count - i - 1);
        idle[--count] = null;
        return array;
    }
}
