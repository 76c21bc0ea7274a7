package dev.striate.bench;

import dev.striate.runtime.ThreadPool;
import java.util.concurrent.TimeUnit;
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
 * The memory-bound layers ({@link LayerWorkload}): the engine's pass, a plain scalar loop computing
 * the same, and {@code System.arraycopy} of as many bytes as the pass must move (half read, half
 * written) — the practical bandwidth the pass is held to. Score: microseconds per pass;
 * {@link LayerSuite} turns it into GB/s.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(value = 1, jvmArgsAppend = {"--add-modules=jdk.incubator.vector"})
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class LayerBenchmark {

    @Param({"relu@1x64x112x112", "maxpool3s2@1x64x112x112"})
    public String workload;

    @Param({"1"})
    public int threads;

    private ThreadPool pool;
    private LayerWorkload layer;
    private float[] copySource;
    private float[] copyTarget;

    @Setup(Level.Trial)
    public void setUp() {
        pool = new ThreadPool(threads);
        layer = LayerWorkload.of(workload, pool);
        copySource = new float[(int) (layer.bytes / 8)];
        copyTarget = new float[copySource.length];
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        pool.close();
    }

    @Benchmark
    public void striate() {
        layer.runEngine();
    }

    @Benchmark
    public void scalar() {
        layer.runScalar();
    }

    @Benchmark
    public void arraycopy() {
        System.arraycopy(copySource, 0, copyTarget, 0, copySource.length);
    }

    /** Bytes the named workload moves per pass (for GB/s). */
    public static long bytes(String workload) {
        try (ThreadPool one = new ThreadPool(1)) {
            return LayerWorkload.of(workload, one).bytes;
        }
    }
}
