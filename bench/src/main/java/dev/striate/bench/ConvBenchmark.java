package dev.striate.bench;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import dev.striate.conv.ConvParams;
import dev.striate.conv.ConvProblem;
import dev.striate.conv.Convolution;
import dev.striate.gemm.GemmConfig;
import dev.striate.gemm.Sgemm;
import dev.striate.runtime.ThreadPool;
import dev.striate.tensor.Tensor;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.AuxCounters;
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
import org.openjdk.jmh.infra.BenchmarkParams;

/**
 * Convolution layers of real networks ({@link ConvLayers}): Striate's forward (bias included),
 * backward-data and backward-weights (+ bias), a training step of the three timed pass by pass, and
 * ONNX Runtime's CPU provider running the identical layer — same weights, same hyperparameters, as a
 * one-node ONNX model ({@link OnnxConvModel}) — with the same number of intra-op threads, into a
 * preallocated output. Score: microseconds per pass (per step); {@link ConvSuite} turns it into
 * GFLOPS (2·MACs / time).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(value = 1, jvmArgsAppend = {"--add-modules=jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED"})
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class ConvBenchmark {

    @Param({"alexnet-conv2", "resnet-3x3-64", "resnet-1x1-256-64", "mobilenetv2-dw-32"})
    public String layer;

    @Param({"1"})
    public int batch;

    @Param({"1", "2"})
    public int threads;

    private ThreadPool pool;
    private Convolution conv;
    private Tensor x, y, dy, dx, dw, db;

    private OrtEnvironment env;
    private OrtSession session;
    private OnnxTensor ortInput, ortOutput;
    private Map<String, OnnxTensor> ortInputs, ortOutputs;

    @Setup(Level.Trial)
    public void setUp(BenchmarkParams benchmark) throws OrtException {
        ConvProblem problem = ConvLayers.problem(layer, batch);
        ConvParams p = problem.params();
        SplittableRandom random = new SplittableRandom(1);
        float[] weights = GemmBenchmark.random(random, p.weightSize());
        float[] bias = GemmBenchmark.random(random, p.outChannels());
        x = Tensor.of(GemmBenchmark.random(random, batch * p.inChannels() * problem.height() * problem.width()),
                batch, p.inChannels(), problem.height(), problem.width());
        int[] outShape = {batch, p.outChannels(), problem.outputHeight(), problem.outputWidth()};
        y = Tensor.zeros(outShape);
        dy = Tensor.of(GemmBenchmark.random(random, y.size()), outShape);
        dx = Tensor.zeros(x.shape().toArray());
        dw = Tensor.zeros(p.weightShape());
        db = Tensor.zeros(p.outChannels());
        pool = new ThreadPool(threads);
        conv = new Convolution(p, weights, bias).withGemm(new Sgemm(GemmConfig.defaults(), pool));
        if (benchmark.getBenchmark().endsWith("onnxruntime")) {
            env = OrtEnvironment.getEnvironment();
            try (OrtSession.SessionOptions options = OrtSupport.options(threads)) {
                session = env.createSession(OnnxConvModel.conv(problem, weights, bias), options);
            }
            ortInput = OrtSupport.tensor(env, x.data(), x.shape().toArray());
            ortOutput = OrtSupport.tensor(env, new float[y.size()], outShape);
            ortInputs = Map.of("x", ortInput);
            ortOutputs = Map.of("y", ortOutput);
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() throws OrtException {
        pool.close();
        if (session != null) {
            ortInput.close();
            ortOutput.close();
            session.close();
        }
    }



    @Benchmark
    public Tensor forward() {
        conv.forward(x, y);
        return y;
    }

    @Benchmark
    public Tensor backwardData() {
        conv.backwardData(dy, dx);
        return dx;
    }

    @Benchmark
    public Tensor backwardWeights() {
        conv.backwardWeights(x, dy, dw, db);
        return dw;
    }

    /**
     * Each pass's nanoseconds in {@link #trainingStep} over one iteration: JMH reports them as
     * secondary results of that iteration, beside its count of steps.
     */
    @State(Scope.Thread)
    @AuxCounters(AuxCounters.Type.EVENTS)
    public static class PassNanos {
        public long forwardNanos, backwardDataNanos, backwardWeightsNanos;

        @Setup(Level.Iteration)
        public void reset() {
            forwardNanos = backwardDataNanos = backwardWeightsNanos = 0;
        }
    }

    /**
     * Forward, backward-data and backward-weights one after another, each timed: the backward/forward
     * ratio from the same steps. From the separate benchmarks, measured minutes apart on a shared
     * two-core host, it followed the host's load as much as the layer (AlexNet conv4's two-thread
     * ratio read 2.93, 2.33 and 2.60 in three runs of the same convolution code).
     */
    @Benchmark
    public Tensor trainingStep(PassNanos nanos) {
        long start = System.nanoTime();
        conv.forward(x, y);
        long forwardEnd = System.nanoTime();
        conv.backwardData(dy, dx);
        long dataEnd = System.nanoTime();
        conv.backwardWeights(x, dy, dw, db);
        long end = System.nanoTime();
        nanos.forwardNanos += forwardEnd - start;
        nanos.backwardDataNanos += dataEnd - forwardEnd;
        nanos.backwardWeightsNanos += end - dataEnd;
        return dw;
    }

    @Benchmark
    public OnnxTensor onnxruntime() throws OrtException {
        session.run(ortInputs, ortOutputs).close();
        return ortOutput;
    }
}
