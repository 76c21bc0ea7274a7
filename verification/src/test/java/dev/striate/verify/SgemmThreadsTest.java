package dev.striate.verify;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

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

    private static int[] bits(float[] x) {
        int[] bits = new int[x.length];
        for (int i = 0; i < x.length; i++) {
            bits[i] = Float.floatToRawIntBits(x[i]);
        }
        return bits;
    }
}
