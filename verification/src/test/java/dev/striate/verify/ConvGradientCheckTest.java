package dev.striate.verify;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.striate.conv.ConvAlgorithm;
import dev.striate.conv.ConvParams;
import dev.striate.conv.ConvProblem;
import dev.striate.conv.Convolution;
import dev.striate.tensor.Tensor;
import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The engine's dx, dw and db against central finite differences of the oracle loss
 * {@code E = ½‖y − d‖²}, computed in double. E is quadratic in each input, weight and bias, so a
 * central difference is exact up to double rounding ({@code ~ε_double·E/step}); what remains is the
 * engine's float error, bounded as in {@link ConvCheck} by {@code c0·2⁻²⁴·(terms + 3)·Σ|term|} (one
 * extra rounding: dy is handed to the engine as float).
 */
class ConvGradientCheckTest {

    private static final double STEP = 1e-2;

    @ParameterizedTest
    @ValueSource(strings = {
        "mb2ic3ih6oc2kh3ph1",
        "mb1ic2ih7iw6oc3kh3sh2ph0pw1pb2pr1",
        "g2mb2ic4ih6oc2kh3dh1ph2",
        "g3mb1ic3ih8oc3kh3ph1",
        "g2mb1ic2ih9oc4kh3sh2ph1",
        "mb2ic3ih4oc2kh1",
    })
    void gradientsMatchFiniteDifferences(String descriptor) {
        ConvProblem problem = ConvProblem.parse(descriptor);
        ConvParams p = problem.params();
        int n = problem.batch(), h = problem.height(), w = problem.width();
        int oh = problem.outputHeight(), ow = problem.outputWidth();
        SplittableRandom random = new SplittableRandom(descriptor.hashCode());
        float[] x = RandomData.uniform(random, n * p.inChannels() * h * w);
        float[] weights = RandomData.uniform(random, p.weightSize());
        float[] bias = RandomData.uniform(random, p.outChannels());
        double[] target = new double[n * p.outChannels() * oh * ow];
        for (int i = 0; i < target.length; i++) {
            target[i] = random.nextDouble() * 2 - 1;
        }
        double[] y = ReferenceConv.forward(p, n, h, w, x, weights, bias).value();
        float[] dy = new float[y.length];
        for (int i = 0; i < y.length; i++) {
            dy[i] = (float) (y[i] - target[i]); // ∂E/∂y
        }

        for (ConvAlgorithm algorithm : new ConvAlgorithm[] {ConvAlgorithm.IM2COL, ConvAlgorithm.AUTO}) {
            Convolution conv = new Convolution(p, weights, bias).withAlgorithm(algorithm);
            Tensor dx = Tensor.zeros(n, p.inChannels(), h, w);
            Tensor dw = Tensor.zeros(p.weightShape());
            Tensor db = Tensor.zeros(p.outChannels());
            conv.backwardData(Tensor.of(dy.clone(), n, p.outChannels(), oh, ow), dx);
            conv.backwardWeights(Tensor.of(x.clone(), n, p.inChannels(), h, w),
                    Tensor.of(dy.clone(), n, p.outChannels(), oh, ow), dw, db);
            String name = descriptor + " " + conv.algorithmFor(h, w);
            double[] dxMag = ReferenceConv.backwardData(p, n, h, w, weights, dy).magnitude();
            double[] dwMag = ReferenceConv.backwardWeights(p, n, h, w, x, dy).magnitude();
            double[] dbMag = ReferenceConv.backwardBias(p, n, oh, ow, dy).magnitude();
            int dxTerms = p.groupOutChannels() * p.kernelH() * p.kernelW();
            for (int i = 0; i < x.length; i++) {
                double fd = centralDifference(x, i, () -> ReferenceConv.halfSquaredError(p, n, h, w, x, weights, bias, target));
                check(name + " dx[" + i + "]", dx.data()[i], fd, dxTerms, dxMag[i]);
            }
            for (int i = 0; i < weights.length; i++) {
                double fd = centralDifference(weights, i, () -> ReferenceConv.halfSquaredError(p, n, h, w, x, weights, bias, target));
                check(name + " dw[" + i + "]", dw.data()[i], fd, n * oh * ow, dwMag[i]);
            }
            for (int i = 0; i < bias.length; i++) {
                double fd = centralDifference(bias, i, () -> ReferenceConv.halfSquaredError(p, n, h, w, x, weights, bias, target));
                check(name + " db[" + i + "]", db.data()[i], fd, n * oh * ow, dbMag[i]);
            }
        }
    }

    /** (E(v + s) − E(v − s)) / 2s for element i of v, with v restored afterwards. */
    private static double centralDifference(float[] v, int i, java.util.function.DoubleSupplier loss) {
        float saved = v[i];
        // The step must be exact in float, or the perturbed values would not be v ± s.
        float plus = (float) (saved + STEP);
        float minus = (float) (saved - STEP);
        v[i] = plus;
        double up = loss.getAsDouble();
        v[i] = minus;
        double down = loss.getAsDouble();
        v[i] = saved;
        return (up - down) / ((double) plus - minus);
    }

    private static void check(String what, float got, double fd, int terms, double magnitude) {
        double bound = GemmCheck.C0 * GemmCheck.FLOAT_UNIT_ROUNDOFF * (terms + 3) * magnitude + 1e-9;
        assertTrue(Math.abs(got - fd) <= bound,
                () -> String.format("%s = %s, finite difference %s, |diff| %.3g > %.3g", what, got, fd, Math.abs(got - fd), bound));
    }
}
