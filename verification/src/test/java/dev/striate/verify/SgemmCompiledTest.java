package dev.striate.verify;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.striate.gemm.GemmConfig;
import dev.striate.gemm.Sgemm;
import dev.striate.gemm.Transpose;
import dev.striate.runtime.ThreadPool;
import java.lang.management.ManagementFactory;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.TestInstance;

/**
 * The oracle cross-checks again, on code that C2 has compiled and intrinsified — the code that ships.
 * A few calls run the kernels in the interpreter or C1, where the Vector API executes a different,
 * Java-level implementation; so this class runs in its own fork with {@code -Xbatch} (compilation
 * finishes before execution continues), warms every kernel up, and then proves the compiled,
 * intrinsified code is in use: a call allocates nothing, whereas the Java-level Vector API allocates
 * for every vector operation. Only then are the oracle cases replayed.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SgemmCompiledTest {

    private static final int WARM_UP_CALLS = 3000;
    private final ThreadPool singleThread = new ThreadPool(1);
    private final com.sun.management.ThreadMXBean threads =
            (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

    private List<Sgemm> gemms;

    @BeforeAll
    void warmUp() {
        gemms = SgemmOracleTest.configs().stream().map(c -> new Sgemm(c, singleThread)).toList();
        for (Sgemm gemm : gemms) {
            for (GemmProblem p : warmUpProblems(gemm.config())) {
                GemmProblem.Operands x = p.operands(1);
                for (int i = 0; i < WARM_UP_CALLS; i++) {
                    run(gemm, p, x);
                }
            }
        }
    }

    @AfterAll
    void close() {
        singleThread.close();
    }

    /** Full tiles, edge tiles, several KC blocks (beta switching to 1), all transposes. */
    private static List<GemmProblem> warmUpProblems(GemmConfig config) {
        int m = 4 * config.mr() + 1;
        int n = 2 * config.nr() + 3;
        return List.of(
                new GemmProblem(Transpose.N, Transpose.N, m, n, 40, 1f, 0f, false, 0, 0),
                new GemmProblem(Transpose.T, Transpose.T, m, n, 40, 0.5f, 1f, false, 2, 1),
                new GemmProblem(Transpose.N, Transpose.T, m, n, 40, 1f, -1f, false, 0, 0),
                new GemmProblem(Transpose.T, Transpose.N, m, n, 40, 2f, 0f, true, 1, 0));
    }

    private static void run(Sgemm gemm, GemmProblem p, GemmProblem.Operands x) {
        gemm.gemm(p.ta(), p.tb(), p.m(), p.n(), p.k(), p.alpha(), x.a(), p.offset(), p.lda(), x.b(), p.offset(),
                p.ldb(), p.beta(), x.c(), p.offset(), p.ldc());
    }

    @Test
    void compiledKernelsAllocateNothing() {
        for (Sgemm gemm : gemms) {
            for (GemmProblem p : warmUpProblems(gemm.config())) {
                GemmProblem.Operands x = p.operands(2);
                run(gemm, p, x);
                long before = threads.getCurrentThreadAllocatedBytes();
                for (int i = 0; i < 20; i++) {
                    run(gemm, p, x);
                }
                long allocated = threads.getCurrentThreadAllocatedBytes() - before;
                assertEquals(0, allocated, gemm.config() + " " + p + ": bytes allocated by 20 warmed-up calls");
            }
        }
    }

    /** A small product split over two threads, and one of 2^24+ multiply-adds whose B is packed once and shared. */
    @ParameterizedTest(name = "m{0}n{1}k{2}")
    @CsvSource({"97, 130, 70, 3000", "300, 240, 240, 400"})
    void multiThreadedCallsAllocateNothingOnAnyThread(int m, int n, int k, int warmUpCalls) {
        try (ThreadPool pool = new ThreadPool(2)) {
            Sgemm gemm = new Sgemm(GemmConfig.defaults(), pool);
            GemmProblem p = new GemmProblem(Transpose.N, Transpose.N, m, n, k, 1f, 0.5f, false, 1, 2);
            GemmProblem.Operands x = p.operands(3);
            for (int i = 0; i < warmUpCalls; i++) {
                run(gemm, p, x);
            }
            long[] workers = Thread.getAllStackTraces().keySet().stream()
                    .filter(t -> t.getName().startsWith("striate-worker-")).mapToLong(Thread::threadId).toArray();
            long before = allocatedBy(workers);
            for (int i = 0; i < 20; i++) {
                run(gemm, p, x);
            }
            assertEquals(0, allocatedBy(workers) - before, "bytes allocated by 20 two-thread calls, all threads");
        }
    }

    /** Bytes allocated so far by the calling thread and the given threads; allocates nothing itself. */
    private long allocatedBy(long[] threadIds) {
        long sum = threads.getCurrentThreadAllocatedBytes();
        for (long id : threadIds) {
            sum += threads.getThreadAllocatedBytes(id);
        }
        return sum;
    }

    @Test
    void compiledKernelsMatchTheOracle() {
        SgemmOracleTest.cases().forEach(arguments -> {
            GemmConfig config = (GemmConfig) arguments.get()[0];
            GemmProblem problem = (GemmProblem) arguments.get()[1];
            Sgemm gemm = gemms.stream().filter(g -> g.config().toString().equals(config.toString()))
                    .findFirst().orElseThrow();
            problem.check(gemm, problem.hashCode());
        });
    }
}
