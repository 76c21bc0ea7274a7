package dev.striate.bench;

import dev.striate.activation.Relu;
import dev.striate.conv.ConvParams;
import dev.striate.gemm.GemmConfig;
import dev.striate.gemm.Sgemm;
import dev.striate.nn.BatchNorm2d;
import dev.striate.nn.Conv2d;
import dev.striate.nn.CrossEntropyLoss;
import dev.striate.nn.Flatten;
import dev.striate.nn.GlobalAvgPool2d;
import dev.striate.nn.Init;
import dev.striate.nn.Layer;
import dev.striate.nn.Linear;
import dev.striate.nn.MaxPool2d;
import dev.striate.nn.Residual;
import dev.striate.nn.Sequential;
import dev.striate.nn.Sgd;
import dev.striate.nn.Trainer;
import dev.striate.runtime.ThreadPool;
import dev.striate.tensor.Shape;
import dev.striate.tensor.Tensor;
import java.util.SplittableRandom;
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
 * Whole networks: one training step (forward, cross-entropy, backward, SGD with momentum) of LeNet-5 on
 * {@code 1x28x28} at batch 64 and of a small ResNet-style network on {@code 3x32x32} at batch 32, and
 * batch-1 inference of LeNet-5. {@link TrainingSuite} turns the times into images/s.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Fork(value = 1, jvmArgsAppend = {"--add-modules=jdk.incubator.vector"})
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
public class TrainingBenchmark {

    @Param({"lenet5", "resnet"})
    public String model;

    @Param({"1", "2"})
    public int threads;

    private ThreadPool pool;
    private Trainer trainer;
    private Sequential network;
    private Tensor batch;
    private Tensor target;
    private Tensor single;

    /** LeNet-5 (LeCun et al. 1998) with ReLU and max pooling, as PyTorch's tutorials write it. */
    static Layer[] lenet5() {
        return new Layer[] {
                new Conv2d(ConvParams.of(1, 6, 5).padding(2), true), Sequential.layer(new Relu()), new MaxPool2d(2),
                new Conv2d(ConvParams.of(6, 16, 5), true), Sequential.layer(new Relu()), new MaxPool2d(2),
                new Flatten(), new Linear(16 * 5 * 5, 120), Sequential.layer(new Relu()),
                new Linear(120, 84), Sequential.layer(new Relu()), new Linear(84, 10)};
    }

    /** A ResNet-style network for 32x32 images: stem, two basic blocks (one strided, with projection), head. */
    static Layer[] resnet() {
        return new Layer[] {
                new Conv2d(ConvParams.of(3, 16, 3).padding(1), false), new BatchNorm2d(16), Sequential.layer(new Relu()),
                new Residual(new Sequential(
                        new Conv2d(ConvParams.of(16, 16, 3).padding(1), false), new BatchNorm2d(16), Sequential.layer(new Relu()),
                        new Conv2d(ConvParams.of(16, 16, 3).padding(1), false), new BatchNorm2d(16))),
                Sequential.layer(new Relu()),
                new Residual(new Sequential(
                        new Conv2d(ConvParams.of(16, 32, 3).stride(2).padding(1), false), new BatchNorm2d(32), Sequential.layer(new Relu()),
                        new Conv2d(ConvParams.of(32, 32, 3).padding(1), false), new BatchNorm2d(32)),
                        new Sequential(new Conv2d(ConvParams.of(16, 32, 1).stride(2), false), new BatchNorm2d(32))),
                Sequential.layer(new Relu()),
                new GlobalAvgPool2d(), new Flatten(), new Linear(32, 10)};
    }

    static int batchSize(String model) {
        return model.equals("lenet5") ? 64 : 32;
    }

    static Shape inputShape(String model) {
        return model.equals("lenet5") ? Shape.of(1, 28, 28) : Shape.of(3, 32, 32);
    }

    @Setup(Level.Trial)
    public void setUp() {
        pool = new ThreadPool(threads);
        network = new Sequential(model.equals("lenet5") ? lenet5() : resnet());
        network.build(inputShape(model), new Sgemm(GemmConfig.defaults(), pool));
        network.initialize(Init.heNormal(1));
        int n = batchSize(model);
        Shape sample = inputShape(model);
        SplittableRandom r = new SplittableRandom(1);
        batch = Tensor.zeros(n, sample.dim(0), sample.dim(1), sample.dim(2));
        for (int i = 0; i < batch.size(); i++) {
            batch.data()[i] = (float) r.nextDouble();
        }
        target = Tensor.zeros(n);
        for (int i = 0; i < n; i++) {
            target.data()[i] = r.nextInt(10);
        }
        single = Tensor.wrap(batch.data(), 0, 1, sample.dim(0), sample.dim(1), sample.dim(2));
        trainer = new Trainer(network, new CrossEntropyLoss(),
                new Sgd(network.namedParameters().values(), 0.01f, 0.9f, 0f, false), n, 1);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        pool.close();
    }

    @Benchmark
    public double trainingStep() {
        return trainer.step(batch, target);
    }

    @Benchmark
    public Tensor inferenceBatch1() {
        return network.forward(single, false);
    }
}
