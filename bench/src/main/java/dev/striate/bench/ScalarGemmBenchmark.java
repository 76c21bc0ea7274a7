package dev.striate.bench;

import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The GEMM a Java developer writes without a library: plain loops in the cache-friendly i-k-j order
 * (C2 may auto-vectorize its inner loop; that is the fair baseline). Sizes up to 512 only: beyond,
 * one multiply takes seconds. Single-threaded.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(value = 3)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class ScalarGemmBenchmark {

    @Param({"64", "128", "256", "512"})
    public String shape;

    private GemmShape problem;
    private float[] a;
    private float[] b;
    private float[] c;

    @Setup
    public void setUp() {
        problem = GemmShape.parse(shape);
        SplittableRandom random = new SplittableRandom(1);
        a = GemmBenchmark.random(random, problem.m() * problem.k());
        b = GemmBenchmark.random(random, problem.k() * problem.n());
        c = new float[problem.m() * problem.n()];
    }

    @Benchmark
    public float[] scalarLoop() {
        int m = problem.m(), n = problem.n(), k = problem.k();
        for (int i = 0; i < m; i++) {
            java.util.Arrays.fill(c, i * n, (i + 1) * n, 0f);
            for (int p = 0; p < k; p++) {
                float aip = a[i * k + p];
                for (int j = 0; j < n; j++) {
                    c[i * n + j] += aip * b[p * n + j];
                }
            }
        }
        return c;
    }
}
