package dev.striate.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(60)
class ThreadPoolTest {

    @Test
    void everyTaskRunsExactlyOnce() {
        try (ThreadPool pool = new ThreadPool(3)) {
            for (int round = 0; round < 200; round++) {
                int n = 1 + round % 17;
                AtomicIntegerArray runs = new AtomicIntegerArray(n);
                pool.parallelFor(n, runs::incrementAndGet);
                for (int i = 0; i < n; i++) {
                    assertEquals(1, runs.get(i), "task " + i + " of " + n + " in round " + round);
                }
            }
        }
    }

    @Test
    void workersWakingLateNeverRunATaskOfAFinishedLoop() throws InterruptedException {
        try (ThreadPool pool = new ThreadPool(3)) {
            AtomicInteger current = new AtomicInteger();
            AtomicInteger strays = new AtomicInteger();
            for (int round = 0; round < 3000; round++) {
                if (round % 100 == 0) {
                    Thread.sleep(2); // past the workers' spin: they park and wake late for the next loops
                }
                int loop = round;
                current.set(loop);
                int n = 2 + round % 5;
                AtomicIntegerArray runs = new AtomicIntegerArray(n);
                pool.parallelFor(n, task -> {
                    if (current.get() != loop) {
                        strays.incrementAndGet();
                    }
                    runs.incrementAndGet(task);
                });
                for (int i = 0; i < n; i++) {
                    assertEquals(1, runs.get(i), "task " + i + " of " + n + " in round " + round);
                }
            }
            assertEquals(0, strays.get(), "tasks run after their loop had returned");
        }
    }

    @Test
    void usesTheWorkerThreads() throws InterruptedException {
        try (ThreadPool pool = new ThreadPool(2)) {
            CountDownLatch both = new CountDownLatch(2);
            // Each task waits for the other: completes only if two threads run them at once.
            pool.parallelFor(2, task -> meetOther(both));
            assertEquals(0, both.getCount());
        }
    }

    @Test
    void eachThreadStartsWithItsOwnBlockOfTasks() {
        try (ThreadPool pool = new ThreadPool(2)) {
            Thread caller = Thread.currentThread();
            CountDownLatch both = new CountDownLatch(2);
            java.util.Map<Thread, Integer> firstTask = new java.util.concurrent.ConcurrentHashMap<>();
            // Tasks 0, 1 are the caller's block, 2, 3 the worker's: each thread's first task waits
            // for the other's, so neither can have taken a task of the other's block before it.
            pool.parallelFor(4, task -> {
                if (firstTask.putIfAbsent(Thread.currentThread(), task) == null) {
                    meetOther(both);
                }
            });
            assertEquals(2, firstTask.size());
            assertEquals(0, firstTask.get(caller));
            firstTask.remove(caller);
            assertEquals(2, firstTask.values().iterator().next(), "the worker's first task");
        }
    }

    /** Counts down and waits for the other thread to: fails unless two threads are in their tasks at once. */
    private static void meetOther(CountDownLatch both) {
        both.countDown();
        try {
            if (!both.await(10, java.util.concurrent.TimeUnit.SECONDS)) {
                throw new IllegalStateException("tasks did not run concurrently");
            }
        } catch (InterruptedException e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void firstFailureIsRethrownAfterAllTasksFinish() {
        try (ThreadPool pool = new ThreadPool(2)) {
            IllegalArgumentException boom = new IllegalArgumentException("boom");
            AtomicIntegerArray runs = new AtomicIntegerArray(8);
            IllegalArgumentException thrown = assertThrows(IllegalArgumentException.class, () ->
                    pool.parallelFor(8, t -> {
                        runs.incrementAndGet(t);
                        if (t == 3) {
                            throw boom;
                        }
                    }));
            assertSame(boom, thrown);
            for (int i = 0; i < 8; i++) {
                assertEquals(1, runs.get(i));
            }
            // The pool is still usable.
            AtomicIntegerArray again = new AtomicIntegerArray(4);
            pool.parallelFor(4, again::incrementAndGet);
            assertEquals(1, again.get(3));
        }
    }

    @Test
    void nestedAndConcurrentLoopsRunInlineInsteadOfDeadlocking() throws Exception {
        try (ThreadPool pool = new ThreadPool(2); ExecutorService callers = Executors.newFixedThreadPool(4)) {
            AtomicIntegerArray inner = new AtomicIntegerArray(4 * 8 * 5);
            Future<?>[] futures = new Future<?>[4];
            for (int c = 0; c < 4; c++) {
                int caller = c;
                futures[c] = callers.submit(() -> pool.parallelFor(8, outer ->
                        pool.parallelFor(5, in -> inner.incrementAndGet((caller * 8 + outer) * 5 + in))));
            }
            for (Future<?> f : futures) {
                f.get();
            }
            for (int i = 0; i < inner.length(); i++) {
                assertEquals(1, inner.get(i), "inner task " + i);
            }
        }
    }

    @Test
    void idleParallelismIsOneInsideTheLoopsOwnTasks() {
        try (ThreadPool pool = new ThreadPool(2)) {
            assertEquals(2, pool.idleParallelism());
            AtomicIntegerArray seen = new AtomicIntegerArray(4);
            pool.parallelFor(4, t -> seen.set(t, pool.idleParallelism()));
            for (int t = 0; t < 4; t++) {
                assertEquals(1, seen.get(t), "task " + t + " would get one thread for a nested loop");
            }
            assertEquals(2, pool.idleParallelism());
        }
    }

    @Test
    void closedPoolRefusesWorkAndParallelismIsValidated() {
        ThreadPool pool = new ThreadPool(2);
        pool.close();
        pool.close();
        assertThrows(IllegalStateException.class, () -> pool.parallelFor(2, t -> { }));
        assertThrows(IllegalArgumentException.class, () -> new ThreadPool(0));
    }

    @Test
    void runLengthGivesAboutFourRunsPerThread() {
        try (ThreadPool two = new ThreadPool(2); ThreadPool one = new ThreadPool(1)) {
            assertEquals(1, two.runLength(0));
            assertEquals(1, two.runLength(8));
            assertEquals(2, two.runLength(9));
            assertEquals(24, two.runLength(192), "MobileNetV2's 192 depthwise planes: 8 tasks on two threads");
            assertEquals(48, one.runLength(192));
            AtomicInteger inside = new AtomicInteger();
            two.parallelFor(2, t -> inside.set(two.runLength(192)));
            assertEquals(48, inside.get(), "from inside a loop the pool runs tasks on one thread");
        }
    }
}
