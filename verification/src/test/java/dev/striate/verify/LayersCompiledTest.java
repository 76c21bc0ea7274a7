package dev.striate.verify;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.striate.activation.Activation;
import dev.striate.activation.LogSoftmax;
import dev.striate.activation.Softmax;
import dev.striate.elementwise.BatchNorm2d;
import dev.striate.elementwise.Broadcast;
import dev.striate.elementwise.Dropout;
import dev.striate.pool.AvgPool2d;
import dev.striate.pool.GlobalAvgPool;
import dev.striate.pool.GlobalMaxPool;
import dev.striate.pool.MaxPool2d;
import dev.striate.pool.PoolParams;
import dev.striate.runtime.ThreadPool;
import dev.striate.tensor.Tensor;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * As {@link ConvCompiledTest}, for activations, pooling and the element-wise layers: in the
 * {@code -Xbatch} fork, after warm-up, every forward and backward pass allocates nothing when the
 * caller supplies the outputs (the vector code is compiled and intrinsified, no lane is boxed), and
 * then the oracle checks run again on the compiled code, where the transcendental functions are
 * the intrinsics rather than the interpreter's per-lane {@code Math} fallback.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class LayersCompiledTest {

    private static final int WARM_UP_CALLS = 3000;
    private final com.sun.management.ThreadMXBean threads =
            (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    private final ThreadPool two = new ThreadPool(2);

    private record Workload(String name, Runnable pass) {
    }

    private final List<Workload> workloads = new ArrayList<>();

    @BeforeAll
    void warmUp() {
        SplittableRandom r = new SplittableRandom(1);
        int n = 1001;
        Tensor x = Tensor.of(RandomData.uniform(r, n), n);
        Tensor y = Tensor.zeros(n);
        Tensor dy = Tensor.of(RandomData.uniform(r, n), n);
        Tensor dx = Tensor.zeros(n);
        for (ActivationOracleTest.Case c : ActivationOracleTest.cases()) {
            Activation a = c.activation();
            workloads.add(new Workload(a + " forward", () -> a.forward(x, y)));
            workloads.add(new Workload(a + " forward in place", () -> a.forward(y, y)));
            workloads.add(new Workload(a + " backward", () -> a.backward(a.backwardUsesOutput() ? y : x, dy, dx)));
        }
        Tensor logits = Tensor.of(RandomData.uniform(r, 4 * 16 * 9 * 3), 4, 16, 9, 3);
        Tensor probabilities = Tensor.zeros(4, 16, 9, 3);
        Tensor g = Tensor.of(RandomData.uniform(r, 4 * 16 * 9 * 3), 4, 16, 9, 3);
        Tensor gx = Tensor.zeros(4, 16, 9, 3);
        for (Activation a : List.of(new Softmax(1), new Softmax(-1), new LogSoftmax(1), new LogSoftmax(-1))) {
            workloads.add(new Workload(a + " forward", () -> a.forward(logits, probabilities)));
            workloads.add(new Workload(a + " backward", () -> a.backward(probabilities, g, gx)));
        }

        Tensor image = Tensor.of(RandomData.uniform(r, 2 * 8 * 29 * 29), 2, 8, 29, 29);
        Tensor imageGrad = Tensor.zeros(2, 8, 29, 29);
        for (PoolParams p : List.of(PoolParams.of(3, 2).padding(1), PoolParams.of(2), PoolParams.of(3, 1).padding(1),
                PoolParams.of(3, 3).ceilMode(true))) {
            int oh = p.outputHeight(29);
            int ow = p.outputWidth(29);
            Tensor out = Tensor.zeros(2, 8, oh, ow);
            Tensor outGrad = Tensor.of(RandomData.uniform(r, out.size()), 2, 8, oh, ow);
            int[] indices = new int[out.size()];
            MaxPool2d max = new MaxPool2d(p, two);
            AvgPool2d avg = new AvgPool2d(p, false, two);
            workloads.add(new Workload(max + " forward", () -> max.forward(image, out)));
            workloads.add(new Workload(max + " forward with indices", () -> max.forward(image, out, indices)));
            workloads.add(new Workload(max + " backward", () -> max.backward(outGrad, indices, imageGrad)));
            workloads.add(new Workload(avg + " forward", () -> avg.forward(image, out)));
            workloads.add(new Workload(avg + " backward", () -> avg.backward(outGrad, imageGrad)));
        }
        // 3x3/s2 windows that end inside the image (30 wide with ResNet's pad, 31 without): the
        // one-pass kernels, values alone and with the scan's indices
        for (int size : new int[] {30, 31}) {
            PoolParams p = PoolParams.of(3, 2).padding(size == 30 ? 1 : 0);
            Tensor in = Tensor.of(RandomData.uniform(r, 2 * 8 * size * size), 2, 8, size, size);
            Tensor out = Tensor.zeros(2, 8, p.outputHeight(size), p.outputWidth(size));
            int[] indices = new int[out.size()];
            MaxPool2d max = new MaxPool2d(p, two);
            workloads.add(new Workload(max + " forward " + size + "x" + size, () -> max.forward(in, out)));
            workloads.add(new Workload(max + " forward with indices " + size + "x" + size, () -> max.forward(in, out, indices)));
        }
        Tensor pooled = Tensor.zeros(2, 8, 1, 1);
        Tensor pooledGrad = Tensor.of(RandomData.uniform(r, 16), 2, 8, 1, 1);
        GlobalAvgPool globalAvg = new GlobalAvgPool();
        GlobalMaxPool globalMax = new GlobalMaxPool();
        workloads.add(new Workload("GlobalAvgPool forward", () -> globalAvg.forward(image, pooled)));
        workloads.add(new Workload("GlobalAvgPool backward", () -> globalAvg.backward(pooledGrad, imageGrad)));
        workloads.add(new Workload("GlobalMaxPool forward", () -> globalMax.forward(image, pooled)));
        workloads.add(new Workload("GlobalMaxPool backward", () -> globalMax.backward(image, pooledGrad, imageGrad)));

        Tensor bias = Tensor.of(RandomData.uniform(r, 8), 1, 8, 1, 1);
        Tensor sum = Tensor.zeros(2, 8, 29, 29);
        Tensor biasGrad = Tensor.zeros(1, 8, 1, 1);
        workloads.add(new Workload("add residual", () -> Broadcast.add(image, imageGrad, sum)));
        workloads.add(new Workload("add per-channel", () -> Broadcast.add(image, bias, sum)));
        workloads.add(new Workload("mul per-channel", () -> Broadcast.mul(image, bias, sum)));
        workloads.add(new Workload("sub per-channel on the left", () -> Broadcast.sub(bias, image, sum)));
        workloads.add(new Workload("div residual", () -> Broadcast.div(image, imageGrad, sum)));
        workloads.add(new Workload("sumTo per-channel", () -> Broadcast.sumTo(image, biasGrad)));
        workloads.add(new Workload("mulSumTo per-channel", () -> Broadcast.mulSumTo(image, imageGrad, biasGrad)));
        float[] ones = new float[8];
        java.util.Arrays.fill(ones, 1f);
        BatchNorm2d bn = new BatchNorm2d(ones, bias.data(), bias.data(), ones, 1e-5f);
        float[] dGamma = new float[8];
        float[] dBeta = new float[8];
        workloads.add(new Workload("BatchNorm2d forward", () -> bn.forward(image, sum)));
        workloads.add(new Workload("BatchNorm2d backward", () -> bn.backward(image, sum, imageGrad, dGamma, dBeta)));
        Dropout dropout = new Dropout(0.5f, 3);
        float[] mask = new float[image.size()];
        workloads.add(new Workload("Dropout training", () -> dropout.forwardTraining(image, sum, mask)));
        workloads.add(new Workload("Dropout backward", () -> dropout.backward(sum, mask, imageGrad)));

        for (Workload w : workloads) {
            for (int i = 0; i < WARM_UP_CALLS; i++) {
                w.pass().run();
            }
        }
    }

    @AfterAll
    void close() {
        two.close();
    }

    @Test
    void warmedUpPassesAllocateNothing() {
        StringBuilder allocations = new StringBuilder();
        for (Workload w : workloads) {
            // warm again right before measuring: a later workload's deoptimization of shared code
            // (Pointwise's checks, the Vector API's lane helpers) may have sent this one back to the
            // interpreter, and steady state is what is claimed. Meaningful only with -Xbatch (this
            // fork): with background compilation a pass may be measured while still interpreted.
            for (int i = 0; i < WARM_UP_CALLS; i++) {
                w.pass().run();
            }
            long before = threads.getCurrentThreadAllocatedBytes();
            for (int i = 0; i < 20; i++) {
                w.pass().run();
            }
            long bytes = threads.getCurrentThreadAllocatedBytes() - before;
            if (bytes != 0) {
                allocations.append(w.name()).append(": ").append(bytes).append(" bytes; ");
            }
        }
        assertEquals("", allocations.toString(), "allocations by 20 warmed-up calls");
    }

    @Test
    void compiledKernelsMatchTheOracle() throws Exception {
        ActivationOracleTest activations = new ActivationOracleTest();
        for (ActivationOracleTest.Case c : ActivationOracleTest.cases()) {
            for (int n : ActivationOracleTest.LENGTHS) {
                activations.forwardMatchesDefinition(c, n);
                activations.backwardMatchesDerivative(c, n);
            }
        }
        for (var args : ActivationOracleTest.softmaxShapes().toList()) {
            Object[] a = args.get();
            activations.softmaxMatchesDefinition((int[]) a[0], (int) a[1], (boolean) a[2]);
        }
        PoolOracleTest pools = new PoolOracleTest();
        for (var args : PoolOracleTest.problems().toList()) {
            Object[] a = args.get();
            pools.floatInputs((String) a[0], (PoolParams) a[1], (int) a[2], (int) a[3], (int) a[4], (int) a[5]);
            pools.nanPropagates((String) a[0], (PoolParams) a[1], (int) a[2], (int) a[3], (int) a[4], (int) a[5]);
        }
    }
}
