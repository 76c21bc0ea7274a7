package dev.striate.verify;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.striate.gemm.GemmConfig;
import dev.striate.gemm.Sgemm;
import dev.striate.nn.Adam;
import dev.striate.nn.MseLoss;
import dev.striate.nn.Sequential;
import dev.striate.nn.Trainer;
import dev.striate.runtime.ThreadPool;
import dev.striate.tensor.Tensor;
import java.lang.management.ManagementFactory;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Steady-state training and inference allocate nothing: a training step (forward with batch norm,
 * leaky ReLU, backward through a residual block with a projection shortcut, global pooling, MSE,
 * Adam) and an inference pass, after warm-up, in the -Xbatch fork where warm-up means compiled.
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
        try (ThreadPool pool = new ThreadPool(2)) {
            Sequential net = NetworkGradientCheckTest.residualNet();
            Sequential twoThreads = new Sequential(net.layers().toArray(new dev.striate.nn.Layer[0]));
            twoThreads.build(net.inputShape(), new Sgemm(GemmConfig.defaults(), pool));
            SplittableRandom r = new SplittableRandom(5);
            Tensor x = Tensor.of(RandomData.uniform(r, 8 * 3 * 49), 8, 3, 7, 7);
            Tensor target = Tensor.of(RandomData.uniform(r, 8 * 3), 8, 3);
            for (Sequential network : new Sequential[] {net, twoThreads}) {
                Trainer trainer = new Trainer(network, new MseLoss(MseLoss.Reduction.MEAN),
                        new Adam(network.namedParameters().values(), 1e-3f), 8, 1);
                for (int i = 0; i < 3000; i++) {
                    trainer.step(x, target);
                    network.forward(x, false);
                }
                long before = threads.getCurrentThreadAllocatedBytes();
                for (int i = 0; i < 20; i++) {
                    trainer.step(x, target);
                    network.forward(x, false);
                }
                assertEquals(0, threads.getCurrentThreadAllocatedBytes() - before,
                        "bytes allocated by 20 training steps and inference passes");
            }
        }
    }
}
