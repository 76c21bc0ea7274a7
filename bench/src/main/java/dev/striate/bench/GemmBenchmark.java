package dev.striate.bench;

import dev.striate.gemm.GemmConfig;
import dev.striate.gemm.Sgemm;
import dev.striate.gemm.Transpose;
import dev.striate.runtime.ThreadPool;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.openblas.global.openblas;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * {@code C = A·B} (row-major, beta = 0) on square sizes and on the GEMMs of real convolution layers:
 * Striate against OpenBLAS's {@code cblas_sgemm} with the same thread count, in the same run.
 * Score: microseconds per multiply; {@link GemmSuite} turns it into GFLOPS (2·M·N·K / time).
 *
 * <p>Striate runs on a dedicated {@link ThreadPool} of {@code threads} threads with the blocking of
 * {@link GemmConfig#defaults()} (the {@code striate.gemm.*} system properties sweep it). OpenBLAS gets
 * {@code blas_set_num_threads(threads)} and native buffers, so it pays no JNI array copies.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(value = 3, jvmArgsAppend = {"--add-modules=jdk.incubator.vector"})
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class GemmBenchmark {

    @Param({"64", "128", "256", "512", "1024", "2048", "alexnet-conv2", "resnet-3x3-64", "resnet-1x1-256-64"})
    public String shape;

    @Param({"1", "2"})
    public int threads;

    private GemmShape problem;
    private float[] a;
    private float[] b;
    private float[] c;
    private ThreadPool pool;
    private Sgemm striate;
    private FloatPointer nativeA;
    private FloatPointer nativeB;
    private FloatPointer nativeC;

    @Setup(Level.Trial)
    public void setUp() {
        problem = GemmShape.parse(shape);
        SplittableRandom random = new SplittableRandom(1);
        a = random(random, problem.m() * problem.k());
        b = random(random, problem.k() * problem.n());
        c = new float[problem.m() * problem.n()];
        pool = new ThreadPool(threads);
        striate = new Sgemm(GemmConfig.defaults(), pool);
    }

    /** OpenBLAS state is created only in forks that benchmark it, so Striate's forks load no native code. */
    private void ensureOpenBlas() {
        if (nativeA == null) {
            openblas.blas_set_num_threads(threads);
            nativeA = new FloatPointer(a);
            nativeB = new FloatPointer(b);
            nativeC = new FloatPointer(c.length);
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        pool.close();
        if (nativeA != null) {
            nativeA.close();
            nativeB.close();
            nativeC.close();
        }
    }

    static float[] random(SplittableRandom random, int size) {
        float[] x = new float[size];
        for (int i = 0; i < size; i++) {
            x[i] = (float) (random.nextDouble() * 2 - 1);
        }
        return x;
    }

    @Benchmark
    public float[] striate() {
        int m = problem.m(), n = problem.n(), k = problem.k();
        striate.gemm(Transpose.N, Transpose.N, m, n, k, 1f, a, 0, k, b, 0, n, 0f, c, 0, n);
        return c;
    }

    @Benchmark
    public FloatPointer openblas() {
        ensureOpenBlas();
        int m = problem.m(), n = problem.n(), k = problem.k();
        openblas.cblas_sgemm(openblas.CblasRowMajor, openblas.CblasNoTrans, openblas.CblasNoTrans,
                m, n, k, 1f, nativeA, k, nativeB, n, 0f, nativeC, n);
        return nativeC;
    }
}
