package dev.striate.verify;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import dev.striate.gemm.Epilogue;
import dev.striate.gemm.GemmConfig;
import dev.striate.gemm.Sgemm;
import dev.striate.gemm.Transpose;
import dev.striate.runtime.ThreadPool;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * K is never split across threads, so C must be bitwise identical whatever the thread count — the
 * property that makes training reproducible across machines.
 */
class SgemmThreadsTest {

    @ParameterizedTest(name = "{0}{1} m{2}n{3}k{4}")
    @CsvSource({
            "N, N, 203, 517, 129", "N, T, 301, 97, 700", "T, N, 64, 3136, 64", "T, T, 157, 211, 1031",
            "N, N, 1, 4000, 300", "N, N, 4000, 2, 300", "T, T, 1, 1003, 517", "N, T, 1, 1000, 1280",
            // From 2^24 multiply-adds an operand split both ways is packed once and shared:
            // B when the rows are split, A when the columns are.
            "N, N, 600, 120, 300", "N, N, 30, 3000, 300", "T, N, 33, 2000, 400",
    })
    void sameBitsForOneTwoAndThreeThreads(Transpose ta, Transpose tb, int m, int n, int k) {
        // Small blocks so several MC/KC/NC blocks, and therefore several hand-overs, happen per thread.
        GemmConfig config = GemmConfig.of("3x3v", 48, 100, 240);
        int[][] results = new int[3][];
        for (int threads = 1; threads <= 3; threads++) {
            try (ThreadPool pool = new ThreadPool(threads)) {
                GemmProblem problem = new GemmProblem(ta, tb, m, n, k, 0.75f, 0.5f, false, 1, 3);
                GemmProblem.Operands x = problem.operands(7);
                new Sgemm(config, pool).gemm(ta, tb, m, n, k, 0.75f, x.a(), 3, problem.lda(), x.b(), 3, problem.ldb(),
                        0.5f, x.c(), 3, problem.ldc());
                problem.assertResult(x);
                results[threads - 1] = bits(x.c());
            }
        }
        assertArrayEquals(results[0], results[1], "2 threads differ from 1");
        assertArrayEquals(results[0], results[2], "3 threads differ from 1");
    }

    /**
     * One operand pre-packed, the other side's panels are dealt out as tiles, a thread's run starting
     * and ending inside a panel: the oracle's bound on every thread count, and the bits of one thread.
     * Sizes leave narrow edge panels on both sides; 16 threads exceed the split side's panels.
     */
    @ParameterizedTest(name = "packed {0} m{1}n{2}k{3} {4}")
    @CsvSource({
            "A, 49, 512, 300, 7x3v", "A, 256, 729, 150, 3x3v", "A, 5, 2000, 64, 3x3v", "A, 3, 50, 40, 3x3v",
            "B, 517, 40, 200, 3x3v", "B, 70, 500, 90, 7x3v",
    })
    void packedOperandTilesSameBitsForAnyThreadCount(String packed, int m, int n, int k, String kernel) {
        GemmConfig config = GemmConfig.of(kernel, 48, 100, 240);
        int[] threadCounts = {1, 2, 3, 5, 16};
        int[][] results = new int[threadCounts.length][];
        for (int t = 0; t < threadCounts.length; t++) {
            try (ThreadPool pool = new ThreadPool(threadCounts[t])) {
                Sgemm gemm = new Sgemm(config, pool);
                GemmProblem problem = new GemmProblem(Transpose.N, Transpose.T, m, n, k, 0.75f, 0.5f, false, 1, 3);
                GemmProblem.Operands x = problem.operands(11);
                if (packed.equals("A")) {
                    gemm.gemm(gemm.packA(Transpose.N, m, k, x.a(), 3, problem.lda(), null), Transpose.T, n, 0.75f,
                            x.b(), 3, problem.ldb(), 0.5f, x.c(), 3, problem.ldc(), Epilogue.NONE, null, 0);
                } else {
                    gemm.gemm(Transpose.N, m, 0.75f, x.a(), 3, problem.lda(), gemm.packB(Transpose.T, k, n, x.b(), 3,
                            problem.ldb(), null), 0.5f, x.c(), 3, problem.ldc(), Epilogue.NONE, null, 0);
                }
                problem.assertResult(x);
                results[t] = bits(x.c());
            }
        }
        for (int t = 1; t < threadCounts.length; t++) {
            assertArrayEquals(results[0], results[t], threadCounts[t] + " threads differ from 1");
        }
    }

    private static int[] bits(float[] x) {
        int[] bits = new int[x.length];
        for (int i = 0; i < x.length; i++) {
            bits[i] = Float.floatToRawIntBits(x[i]);
        }
        return bits;
    }
}
