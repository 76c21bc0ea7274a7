package dev.striate.verify;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.striate.activation.LeakyRelu;
import dev.striate.activation.Relu;
import dev.striate.activation.Sigmoid;
import dev.striate.activation.Tanh;
import dev.striate.conv.ConvParams;
import dev.striate.gemm.Sgemm;
import dev.striate.nn.AvgPool2d;
import dev.striate.nn.BatchNorm2d;
import dev.striate.nn.Conv2d;
import dev.striate.nn.CrossEntropyLoss;
import dev.striate.nn.Flatten;
import dev.striate.nn.GlobalAvgPool2d;
import dev.striate.nn.Init;
import dev.striate.nn.Layer;
import dev.striate.nn.Linear;
import dev.striate.nn.Loss;
import dev.striate.nn.MaxPool2d;
import dev.striate.nn.MseLoss;
import dev.striate.nn.Parameter;
import dev.striate.nn.Residual;
import dev.striate.nn.Sequential;
import dev.striate.pool.PoolParams;
import dev.striate.tensor.Shape;
import dev.striate.tensor.Tensor;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.ToDoubleFunction;
import org.junit.jupiter.api.Test;

/**
 * Whole networks' gradients (every parameter and the input) against central finite differences of the
 * oracle network's loss in double ({@link ReferenceNetwork}, plain loops), in training mode (batch
 * norm with batch statistics).
 *
 * <p>Tolerance per tensor: {@code |g − g_fd| ≤ 1e-3 · max|g_fd|}. The finite differences are exact to
 * ~1e-9 (h = 1e-6 in double: truncation h²·|L'''| and rounding 1e-16/h), so the bound is the float32
 * backward's own error: each gradient element is a chain of ~10 layers of dot products of up to ~100
 * terms, each adding a few eps·Σ|terms| (eps = 6e-8) relative to the largest element, ~1e-5 at most;
 * batch norm's division by a small batch's standard deviation amplifies it up to ~10×. 1e-3 leaves a
 * margin of 10 over that and still catches any wrong formula (those are off by O(1)). A tensor whose
 * true gradient vanishes (a convolution's bias ahead of batch norm, which subtracts it back out) gets
 * only that rounding noise, so its bound is taken relative to the network's largest gradient.
 */
class NetworkGradientCheckTest {

    private static final double H = 1e-6;
    private static final double TOLERANCE = 1e-3;

    /** conv – BN – ReLU – max pool – residual(conv – tanh) – avg pool – flatten – linear – sigmoid – linear. */
    static Sequential convNet() {
        Sequential net = new Sequential(
                new Conv2d(ConvParams.of(2, 3, 3).padding(1), true),
                new BatchNorm2d(3),
                Sequential.layer(new Relu()),
                new MaxPool2d(2),
                new Residual(new Sequential(new Conv2d(ConvParams.of(3, 3, 3).padding(1), true), Sequential.layer(new Tanh()))),
                new AvgPool2d(PoolParams.of(2, 1), true),
                new Flatten(),
                new Linear(12, 5),
                Sequential.layer(new Sigmoid()),
                new Linear(5, 4));
        net.build(Shape.of(2, 6, 6), Sgemm.shared());
        net.initialize(Init.heNormal(3));
        return net;
    }

    /** A ResNet-style block with a strided 1x1 projection shortcut, leaky ReLU, global average pooling. */
    static Sequential residualNet() {
        Sequential net = new Sequential(
                new Conv2d(ConvParams.of(3, 4, 3).padding(1), false),
                new BatchNorm2d(4),
                Sequential.layer(new LeakyRelu(0.1f)),
                new Residual(
                        new Sequential(new Conv2d(ConvParams.of(4, 6, 3).stride(2).padding(1), false), new BatchNorm2d(6),
                                Sequential.layer(new Relu()), new Conv2d(ConvParams.of(6, 6, 3).padding(1), true)),
                        new Conv2d(ConvParams.of(4, 6, 1).stride(2), false)),
                Sequential.layer(new Relu()),
                new GlobalAvgPool2d(),
                new Flatten(),
                new Linear(6, 3));
        net.build(Shape.of(3, 7, 7), Sgemm.shared());
        net.initialize(Init.heNormal(5));
        return net;
    }

    @Test
    void crossEntropyThroughConvBatchNormPoolResidualLinear() {
        Sequential net = convNet();
        SplittableRandom r = new SplittableRandom(11);
        int n = 3;
        float[] x = RandomData.uniform(r, n * 2 * 36);
        int[] labels = {1, 3, 0};
        Tensor target = Tensor.zeros(n);
        new CrossEntropyLoss().encodeLabels(labels, target);
        check(net, Tensor.of(x, n, 2, 6, 6), new CrossEntropyLoss(), target, y -> ReferenceNetwork.crossEntropy(y, labels));
    }

    @Test
    void halfSquaredErrorThroughProjectionShortcutAndGlobalPool() {
        Sequential net = residualNet();
        SplittableRandom r = new SplittableRandom(12);
        int n = 2;
        float[] x = RandomData.uniform(r, n * 3 * 49);
        float[] d = RandomData.uniform(r, n * 3);
        double[] target = new double[d.length];
        for (int i = 0; i < d.length; i++) {
            target[i] = d[i];
        }
        check(net, Tensor.of(x, n, 3, 7, 7), new MseLoss(MseLoss.Reduction.HALF_SUM), Tensor.of(d, n, 3),
                y -> ReferenceNetwork.halfSquaredError(y, target));
    }

    private static void check(Sequential net, Tensor x, Loss loss, Tensor target, ToDoubleFunction<ReferenceNetwork.Batch> oracleLoss) {
        Tensor y = net.forward(x, true);
        Tensor dy = Tensor.zeros(y.shape().toArray());
        loss.forward(y, target, dy);
        Tensor dx = net.backward(dy, true);

        Map<String, double[]> values = ReferenceNetwork.parametersOf(net);
        ReferenceNetwork oracle = new ReferenceNetwork(net, values, true);
        double[] input = new double[x.size()];
        for (int i = 0; i < input.length; i++) {
            input[i] = x.data()[i];
        }
        ToDoubleFunction<double[]> lossAt = in -> oracleLoss.applyAsDouble(
                oracle.forward(new ReferenceNetwork.Batch(x.shape().toArray(), in)));

        java.util.List<Comparison> results = new java.util.ArrayList<>();
        for (Map.Entry<String, Parameter> e : net.namedParameters().entrySet()) {
            if (e.getValue().isTrainable()) {
                double[] theta = values.get(e.getKey());
                results.add(compare(e.getKey(), e.getValue().grad(), theta, () -> lossAt.applyAsDouble(input)));
            }
        }
        results.add(compare("input", dx, input, () -> lossAt.applyAsDouble(input)));
        double largest = results.stream().mapToDouble(Comparison::scale).max().orElse(0);
        StringBuilder failures = new StringBuilder();
        for (Comparison c : results) {
            if (!(c.worst() <= TOLERANCE * Math.max(c.scale(), 1e-2 * largest)) || largest == 0) {
                failures.append(String.format("%s: max |g − fd| = %.3g, max |fd| = %.3g%n", c.name(), c.worst(), c.scale()));
            }
        }
        assertTrue(failures.isEmpty(), failures.toString());
    }

    private record Comparison(String name, double worst, double scale) {
    }

    /** Finite differences of {@code loss} in each element of {@code theta} (perturbed in place) against {@code grad}. */
    private static Comparison compare(String name, Tensor grad, double[] theta, java.util.function.DoubleSupplier loss) {
        double[] fd = new double[theta.length];
        double scale = 0;
        for (int i = 0; i < theta.length; i++) {
            double saved = theta[i];
            theta[i] = saved + H;
            double up = loss.getAsDouble();
            theta[i] = saved - H;
            double down = loss.getAsDouble();
            theta[i] = saved;
            fd[i] = (up - down) / (2 * H);
            scale = Math.max(scale, Math.abs(fd[i]));
        }
        double worst = 0;
        for (int i = 0; i < theta.length; i++) {
            worst = Math.max(worst, Math.abs(grad.data()[grad.offset() + i] - fd[i]));
        }
        return new Comparison(name, worst, scale);
    }
}
