package dev.striate.bench;

import dev.striate.simd.FloatSpecies;
import java.util.concurrent.TimeUnit;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The machine's practical single-core peak: register-resident {@code FloatVector.fma} on 10
 * independent accumulators (enough to cover FMA latency × throughput on current x86 cores, few enough
 * to stay in AVX2's 16 registers). One operation = one vector FMA = 2·lanes flops; {@link GemmSuite}
 * reports it as GFLOPS, the 100% of the GEMM table.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(value = 3, jvmArgsAppend = {"--add-modules=jdk.incubator.vector"})
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class FmaPeakBenchmark {

    static final VectorSpecies<Float> S = FloatSpecies.PREFERRED;
    static final int STEPS = 1 << 16;
    static final int ACCUMULATORS = 10;

    public float x = 1e-3f;
    public float y = 0.999f;

    @Benchmark
    @OperationsPerInvocation(STEPS * ACCUMULATORS)
    public float fma() {
        FloatVector m = FloatVector.broadcast(S, y);
        FloatVector s = FloatVector.broadcast(S, x);
        FloatVector c0 = s, c1 = s.add(1), c2 = s.add(2), c3 = s.add(3), c4 = s.add(4);
        FloatVector c5 = s.add(5), c6 = s.add(6), c7 = s.add(7), c8 = s.add(8), c9 = s.add(9);
        for (int i = 0; i < STEPS; i++) {
            c0 = c0.fma(m, s);
            c1 = c1.fma(m, s);
            c2 = c2.fma(m, s);
            c3 = c3.fma(m, s);
            c4 = c4.fma(m, s);
            c5 = c5.fma(m, s);
            c6 = c6.fma(m, s);
            c7 = c7.fma(m, s);
            c8 = c8.fma(m, s);
            c9 = c9.fma(m, s);
        }
        return c0.add(c1).add(c2).add(c3).add(c4).add(c5).add(c6).add(c7).add(c8).add(c9)
                .reduceLanes(VectorOperators.ADD);
    }

    /** Flops of one {@link #fma} operation. */
    static int flopsPerOperation() {
        return 2 * S.length();
    }
}
