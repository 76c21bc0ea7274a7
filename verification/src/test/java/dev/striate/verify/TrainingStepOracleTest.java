package dev.striate.verify;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.striate.nn.Adam;
import dev.striate.nn.CrossEntropyLoss;
import dev.striate.nn.Optimizer;
import dev.striate.nn.Parameter;
import dev.striate.nn.Sequential;
import dev.striate.nn.Sgd;
import dev.striate.nn.Trainer;
import dev.striate.tensor.Tensor;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Two training steps of a small CNN (conv, batch norm, pooling, residual, linear; cross-entropy) by the
 * engine's {@link Trainer} equal the oracle's: gradients by central differences of {@link ReferenceNetwork}
 * in double, the optimizer's update written out in double from PyTorch's definitions.
 *
 * <p>Bounds: the engine's gradients are within {@code E = 1e-3·max|g|} of the exact ones per tensor
 * (the bound {@link NetworkGradientCheckTest} justifies; for a tensor whose gradient vanishes, E is
 * taken from the network's largest gradient). SGD's update is linear in the gradient, so after two
 * steps with momentum weights agree within {@code (2 + momentum)·lr·E} (plus a few ulps of the weight). Adam divides each
 * element's first moment by the root of its second: on elements whose gradient is at least a tenth of
 * the tensor's largest (relative error ≤ 1e-2) the step's relative error is at most about twice that,
 * so within {@code 0.05·lr}; below that an element's direction is float noise in any float32 Adam.
 */
class TrainingStepOracleTest {

    private static final double H = 1e-6;
    private static final int BATCH = 3;
    private static final int[] LABELS = {2, 0, 3};

    @Test
    void sgdWithMomentumAndWeightDecayMatchesTheOracle() {
        float lr = 0.1f;
        float momentum = 0.9f;
        float decay = 0.01f;
        run((net) -> new Sgd(net.namedParameters().values(), lr, momentum, decay, false), (g, w, state, step) -> {
            double[] buffer = state.computeIfAbsent("b", k -> new double[w.length]);
            double[] delta = new double[w.length];
            for (int i = 0; i < w.length; i++) {
                double d = g[i] + decay * w[i];
                buffer[i] = step == 1 ? d : momentum * buffer[i] + d;
                delta[i] = -lr * buffer[i];
            }
            return delta;
        }, (engine, oracle, gradients, networkLargest) -> {
            // two steps, the second carrying momentum times the first: at most (2 + momentum)·lr·E apart
            double largest = Math.max(largestOf(gradients), 1e-2 * networkLargest);
            double weights = 0;
            for (double w : oracle) {
                weights = Math.max(weights, Math.abs(w));
            }
            double bound = (2 + momentum) * lr * 1e-3 * largest + 8 * Math.ulp((float) weights);
            return worst(engine, oracle, i -> true) <= bound;
        });
    }

    private static double largestOf(java.util.List<double[]> gradients) {
        double largest = 0;
        for (double[] g : gradients) {
            for (double x : g) {
                largest = Math.max(largest, Math.abs(x));
            }
        }
        return largest;
    }

    @Test
    void adamMatchesTheOracle() {
        float lr = 0.01f;
        double beta1 = 0.9;
        double beta2 = 0.999;
        double eps = 1e-8;
        run((net) -> new Adam(net.namedParameters().values(), lr), (g, w, state, step) -> {
            double[] m = state.computeIfAbsent("m", k -> new double[w.length]);
            double[] v = state.computeIfAbsent("v", k -> new double[w.length]);
            double[] delta = new double[w.length];
            for (int i = 0; i < w.length; i++) {
                m[i] = beta1 * m[i] + (1 - beta1) * g[i];
                v[i] = beta2 * v[i] + (1 - beta2) * g[i] * g[i];
                double mHat = m[i] / (1 - Math.pow(beta1, step));
                double vHat = v[i] / (1 - Math.pow(beta2, step));
                delta[i] = -lr * mHat / (Math.sqrt(vHat) + eps);
            }
            return delta;
        }, (engine, oracle, gradients, networkLargest) -> {
            double threshold = 0.1 * largestOf(gradients);
            return worst(engine, oracle, i -> {
                for (double[] g : gradients) {
                    if (Math.abs(g[i]) < threshold) {
                        return false;
                    }
                }
                return true;
            }) <= 0.05 * lr;
        });
    }

    interface OracleUpdate {
        double[] delta(double[] gradient, double[] weights, Map<String, double[]> state, int step);
    }

    interface Agreement {
        boolean holds(float[] engine, double[] oracle, java.util.List<double[]> gradients, double networkLargest);
    }

    private static double worst(float[] engine, double[] oracle, java.util.function.IntPredicate considered) {
        double worst = 0;
        for (int i = 0; i < oracle.length; i++) {
            if (considered.test(i)) {
                worst = Math.max(worst, Math.abs(engine[i] - oracle[i]));
            }
        }
        return worst;
    }

    private static void run(java.util.function.Function<Sequential, Optimizer> optimizer, OracleUpdate update, Agreement agreement) {
        Sequential net = NetworkGradientCheckTest.convNet();
        SplittableRandom r = new SplittableRandom(21);
        float[] x = RandomData.uniform(r, BATCH * 2 * 36);
        Tensor input = Tensor.of(x, BATCH, 2, 6, 6);
        Tensor target = Tensor.zeros(BATCH);
        new CrossEntropyLoss().encodeLabels(LABELS, target);

        Map<String, double[]> weights = ReferenceNetwork.parametersOf(net);
        Map<String, Map<String, double[]>> states = new LinkedHashMap<>();
        Map<String, java.util.List<double[]>> gradients = new LinkedHashMap<>();
        Map<String, Parameter> parameters = net.namedParameters();

        Trainer trainer = new Trainer(net, new CrossEntropyLoss(), optimizer.apply(net), BATCH, 0);
        for (int step = 1; step <= 2; step++) {
            trainer.step(input, target);
            Map<String, double[]> g = oracleGradients(net, weights, x);
            for (Map.Entry<String, double[]> e : g.entrySet()) {
                double[] w = weights.get(e.getKey());
                double[] delta = update.delta(e.getValue(), w, states.computeIfAbsent(e.getKey(), k -> new LinkedHashMap<>()), step);
                for (int i = 0; i < w.length; i++) {
                    w[i] += delta[i];
                }
                gradients.computeIfAbsent(e.getKey(), k -> new java.util.ArrayList<>()).add(e.getValue());
            }
        }
        double networkLargest = gradients.values().stream().mapToDouble(TrainingStepOracleTest::largestOf).max().orElse(0);
        StringBuilder failures = new StringBuilder();
        for (String name : gradients.keySet()) {
            float[] engine = parameters.get(name).value().data();
            if (!agreement.holds(engine, weights.get(name), gradients.get(name), networkLargest)) {
                failures.append(name).append(": max |engine − oracle| = ")
                        .append(worst(engine, weights.get(name), i -> true)).append('\n');
            }
        }
        assertTrue(failures.isEmpty(), failures.toString());
    }

    /** ∂loss/∂θ for every trainable tensor, by central differences of the oracle at {@code weights}. */
    private static Map<String, double[]> oracleGradients(Sequential net, Map<String, double[]> weights, float[] x) {
        ReferenceNetwork oracle = new ReferenceNetwork(net, weights, true);
        double[] input = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            input[i] = x[i];
        }
        int[] shape = {BATCH, 2, 6, 6};
        Map<String, double[]> gradients = new LinkedHashMap<>();
        for (Map.Entry<String, Parameter> e : net.namedParameters().entrySet()) {
            if (!e.getValue().isTrainable()) {
                continue;
            }
            double[] theta = weights.get(e.getKey());
            double[] g = new double[theta.length];
            for (int i = 0; i < theta.length; i++) {
                double saved = theta[i];
                theta[i] = saved + H;
                double up = ReferenceNetwork.crossEntropy(oracle.forward(new ReferenceNetwork.Batch(shape, input)), LABELS);
                theta[i] = saved - H;
                double down = ReferenceNetwork.crossEntropy(oracle.forward(new ReferenceNetwork.Batch(shape, input)), LABELS);
                theta[i] = saved;
                g[i] = (up - down) / (2 * H);
            }
            gradients.put(e.getKey(), g);
        }
        return gradients;
    }
}
