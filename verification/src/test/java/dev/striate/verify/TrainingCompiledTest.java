package dev.striate.verify;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.striate.gemm.GemmConfig;
import dev.striate.gemm.Sgemm;
import dev.striate.activation.Relu;
import dev.striate.conv.ConvParams;
import dev.striate.nn.Adam;
import dev.striate.nn.Conv2d;
import dev.striate.nn.Flatten;
import dev.striate.nn.Init;
import dev.striate.nn.Layer;
import dev.striate.nn.Linear;
import dev.striate.nn.MaxPool2d;
import dev.striate.nn.MseLoss;
import dev.striate.nn.Sequential;
import dev.striate.nn.Trainer;
import dev.striate.runtime.ThreadPool;
import dev.striate.tensor.Shape;
import dev.striate.tensor.Tensor;
import java.lang.management.ManagementFactory;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Steady-state training and inference allocate nothing: a training step (forward with batch norm,
 * leaky ReLU, backward through a residual block with a projection shortcut, global pooling, MSE,
 * Adam; and a conv–ReLU–max-pool network whose pooling records indices) and an inference pass,
 * after warm-up, in the -Xbatch fork where warm-up means compiled; one thread (so every plane runs
 * on the measured thread) and two.
 *
 * <p>Known exception, not hidden here: in {@link NetworkGradientCheckTest#convNet()} the sigmoid's
 * backward was measured allocating 1.6 KB per call once compiled inside the network (0 when the same
 * call is compiled alone): C2 boxes its vectors under that call profile. Open in the issue.
 */
class TrainingCompiledTest {

    private final com.sun.management.ThreadMXBean threads =
            (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

    @Test
    void warmedUpTrainingStepsAndInferenceAllocateNothing() {
        SplittableRandom r = new SplittableRandom(5);
        Tensor x = Tensor.of(RandomData.uniform(r, 8 * 3 * 49), 8, 3, 7, 7);
        Tensor target = Tensor.of(RandomData.uniform(r, 8 * 3), 8, 3);
        for (int threads = 1; threads <= 2; threads++) {
            try (ThreadPool pool = new ThreadPool(threads)) {
                Sgemm gemm = new Sgemm(GemmConfig.defaults(), pool);
                Sequential residual = NetworkGradientCheckTest.residualNet();
                Sequential onPool = new Sequential(residual.layers().toArray(new Layer[0]));
                onPool.build(residual.inputShape(), gemm);
                Sequential pooled = new Sequential(new Conv2d(ConvParams.of(3, 5, 3).padding(1), true),
                        Sequential.layer(new Relu()), new MaxPool2d(2), new Flatten(), new Linear(5 * 3 * 3, 3));
                pooled.build(Shape.of(3, 7, 7), gemm);
                pooled.initialize(Init.heNormal(2));
                for (Sequential network : new Sequential[] {onPool, pooled}) {
                    Trainer trainer = new Trainer(network, new MseLoss(MseLoss.Reduction.MEAN),
                            new Adam(network.namedParameters().values(), 1e-3f), 8, 1);
                    for (int i = 0; i < 3000; i++) {
                        trainer.step(x, target);
                        network.forward(x, false);
                    }
                    long before = threads().getCurrentThreadAllocatedBytes();
                    for (int i = 0; i < 20; i++) {
                        trainer.step(x, target);
                        network.forward(x, false);
                    }
                    assertEquals(0, threads().getCurrentThreadAllocatedBytes() - before,
                            "bytes allocated by 20 training steps and inference passes, " + threads + " threads, " + network);
                }
            }
        }
    }

    private com.sun.management.ThreadMXBean threads() {
        return threads;
    }
}
