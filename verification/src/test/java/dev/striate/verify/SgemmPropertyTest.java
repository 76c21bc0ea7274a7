package dev.striate.verify;

import dev.striate.gemm.Sgemm;
import dev.striate.gemm.Transpose;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.RandomDistribution;
import net.jqwik.api.constraints.FloatRange;
import net.jqwik.api.constraints.IntRange;

/**
 * Random shapes up to 300 in each dimension with random leading-dimension padding and offsets,
 * against the oracle. The number of tries is jqwik's {@code jqwik.tries.default}
 * ({@code src/test/resources/junit-platform.properties}); raise it for a long run with
 * {@code -Dstriate.test.jvmArgs=-Djqwik.tries.default=5000}.
 */
class SgemmPropertyTest {

    /** Uniform over [0, 300]: jqwik's default integer distribution favours small values. */
    @Provide
    Arbitrary<Integer> dimension() {
        return Arbitraries.integers().between(0, 300).withDistribution(RandomDistribution.uniform());
    }

    @Property
    void randomShapesMatchTheOracle(
            @ForAll Transpose ta, @ForAll Transpose tb,
            @ForAll("dimension") int m,
            @ForAll("dimension") int n,
            @ForAll("dimension") int k,
            @ForAll @IntRange(min = 0, max = 9) int ldPad,
            @ForAll @IntRange(min = 0, max = 33) int offset,
            @ForAll @FloatRange(min = -2, max = 2) float alpha,
            @ForAll @FloatRange(min = -2, max = 2) float beta,
            @ForAll long seed) {
        new GemmProblem(ta, tb, m, n, k, alpha, beta, false, ldPad, offset).check(Sgemm.shared(), seed);
    }
}
