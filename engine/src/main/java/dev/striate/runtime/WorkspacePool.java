package dev.striate.runtime;

import java.util.ArrayDeque;

/**
 * Reusable objects (workspaces, job records) shared by concurrent calls: a call takes one, or
 * builds one when none is idle, and gives it back when done. Last in, first out, so the object a
 * thread just returned — still in its cache — is the next one handed out. Steady state therefore
 * allocates nothing once as many objects exist as calls run at once.
 *
 * <p>Thread-safety: all methods are safe for concurrent use (a short lock).
 *
 * @param <T> what is pooled
 */
public final class WorkspacePool<T> {

    private final ArrayDeque<T> idle = new ArrayDeque<>();

    /** An idle object, or null when there is none (the caller builds one). */
    public synchronized T take() {
        return idle.pollFirst();
    }

    /** Returns {@code item} for reuse; null is ignored. */
    public synchronized void give(T item) {
        if (item != null) {
            idle.addFirst(item);
        }
    }
}
