package dev.striate.verify;

import dev.striate.gemm.GemmConfig;
import dev.striate.gemm.Sgemm;
import dev.striate.gemm.Transpose;
import dev.striate.runtime.ThreadPool;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every transpose combination × alpha/beta case × edge shape, on each micro-kernel, checked element by
 * element against {@link ReferenceGemm} with the error bound of {@link GemmCheck}.
 *
 * <p>Besides the defaults, each kernel runs with tiny cache blocks (MC = 2·MR, KC = 7, NC = 2·NR) so
 * that on small shapes all five loops iterate several times and end on remainders: partial MC, KC
 * and NC blocks, and beta switching to 1 after the first KC block.
 */
class SgemmOracleTest {

    static final ThreadPool POOL = new ThreadPool(2);

    @AfterAll
    static void closePool() {
        POOL.close();
    }

    static List<GemmConfig> configs() {
        List<GemmConfig> configs = new ArrayList<>();
        configs.add(GemmConfig.defaults());
        for (String kernel : new String[] {"3x3v", "2x4v", "6x2v", "8x2v", "7x3v"}) {
            GemmConfig probe = GemmConfig.of(kernel, 64, 64, 64);
            configs.add(GemmConfig.of(kernel, 2 * probe.mr(), 7, 2 * probe.nr()));
        }
        return configs;
    }

    /** Edge shapes for a tile of mr × nr: empty, 1, tile ± 1, primes, k = 1, very thin and very fat, one row (the vector-matrix path: vector tails, and big enough to run on two threads). */
    static int[][] shapes(int mr, int nr) {
        return new int[][] {
                {0, 7, 5}, {7, 0, 5}, {7, 5, 0}, {1, 1, 1},
                {mr - 1, nr - 1, 3}, {mr, nr, 5}, {mr + 1, nr + 1, 9}, {2 * mr + 1, 2 * nr - 1, 17},
                {37, 41, 43}, {64, 64, 1}, {1, 200, 37}, {200, 1, 37}, {3, 5, 700}, {97, 83, 61},
                {1, 129, 67}, {1, 300, 1030},
        };
    }

    /** (alpha, beta, NaN in C): overwrite, accumulate, general, scale only, and beta = 0 over NaN. */
    static final Object[][] SCALARS = {
            {1f, 0f, false}, {1f, 1f, false}, {-0.5f, 2f, false}, {0f, 0.5f, false}, {1.5f, 0f, true}, {0f, 0f, true},
    };

    static Stream<Arguments> cases() {
        List<Arguments> cases = new ArrayList<>();
        int index = 0;
        for (GemmConfig config : configs()) {
            for (int[] shape : shapes(config.mr(), config.nr())) {
                for (Transpose ta : Transpose.values()) {
                    for (Transpose tb : Transpose.values()) {
                        for (Object[] s : SCALARS) {
                            int ldPad = index % 3 == 0 ? 0 : index % 5 + 1;
                            int offset = index % 2 == 0 ? 0 : index % 7 + 1;
                            cases.add(Arguments.of(config, new GemmProblem(ta, tb, shape[0], shape[1], shape[2],
                                    (float) s[0], (float) s[1], (boolean) s[2], ldPad, offset)));
                            index++;
                        }
                    }
                }
            }
        }
        return cases.stream();
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("cases")
    void matchesOracle(GemmConfig config, GemmProblem problem) {
        problem.check(new Sgemm(config, POOL), problem.hashCode());
    }
}
