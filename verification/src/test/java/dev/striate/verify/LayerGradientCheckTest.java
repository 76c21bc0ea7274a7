package dev.striate.verify;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.striate.activation.Activation;
import dev.striate.activation.Gelu;
import dev.striate.activation.LeakyRelu;
import dev.striate.activation.LogSoftmax;
import dev.striate.activation.Sigmoid;
import dev.striate.activation.Softmax;
import dev.striate.activation.Tanh;
import dev.striate.pool.AvgPool2d;
import dev.striate.pool.MaxPool2d;
import dev.striate.pool.PoolParams;
import dev.striate.tensor.Tensor;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/**
 * The engine's backward passes against central finite differences of the oracle's loss
 * {@code L(x) = Σ dy·f(x)} in double, with {@code h = 2⁻¹⁰} on inputs that are multiples of 2⁻¹²
 * (so {@code x ± h} is exact). Truncation error is {@code h²/6·|f'''|} ≲ 2·10⁻⁷ for the smooth
 * activations and zero for the piecewise-linear pools, whose inputs are kept apart by more than 2h so
 * no difference straddles a tie; the tolerance adds the float backward's own error.
 */
class LayerGradientCheckTest {

    private static final double H = 0x1.0p-10;

    private static float[] grid(SplittableRandom r, int n, double scale) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = (float) (Math.rint(r.nextDouble(-scale, scale) * 4096) / 4096);
        }
        return x;
    }

    /** Σ dy·f(x) by the oracle, f given as x → f(x) in double. */
    private static double loss(Function<float[], double[]> f, float[] x, float[] dy) {
        double[] y = f.apply(x);
        double sum = 0;
        for (int i = 0; i < y.length; i++) {
            sum += dy[i] * y[i];
        }
        return sum;
    }

    private static void checkAgainstDifferences(String what, Function<float[], double[]> oracle, float[] x, float[] dy,
                                                float[] dx) {
        for (int i = 0; i < x.length; i++) {
            float[] plus = x.clone();
            float[] minus = x.clone();
            plus[i] += (float) H;
            minus[i] -= (float) H;
            double fd = (loss(oracle, plus, dy) - loss(oracle, minus, dy)) / (2 * H);
            assertEquals(fd, dx[i], 1e-5 + 1e-5 * Math.abs(fd), what + ": ∂L/∂x at " + i);
        }
    }

    @Test
    void smoothActivations() {
        SplittableRandom r = new SplittableRandom(21);
        record Smooth(Activation a, java.util.function.DoubleUnaryOperator f) {
        }
        for (Smooth s : List.of(new Smooth(new Sigmoid(), ReferenceActivations::sigmoid),
                new Smooth(new Tanh(), Math::tanh), new Smooth(new Gelu(), ReferenceActivations::gelu),
                new Smooth(new LeakyRelu(0.2f), v -> v > 0 ? v : 0.2 * v))) {
            float[] x = grid(r, 37, 4);
            for (int i = 0; i < x.length; i++) {
                if (Math.abs(x[i]) < 4 * H) {
                    x[i] = 0.5f;  // keep LeakyReLU's kink out of the differences
                }
            }
            float[] dy = grid(r, 37, 1);
            Tensor xt = Tensor.of(x.clone(), 37);
            Tensor y = s.a().forward(xt);
            Tensor dx = Tensor.zeros(37);
            s.a().backward(s.a().backwardUsesOutput() ? y : xt, Tensor.of(dy, 37), dx);
            checkAgainstDifferences(s.a().toString(), in -> {
                double[] out = new double[in.length];
                for (int i = 0; i < in.length; i++) {
                    out[i] = s.f().applyAsDouble(in[i]);
                }
                return out;
            }, x, dy, dx.data());
        }
    }

    @Test
    void softmaxAndLogSoftmaxOverEachAxis() {
        SplittableRandom r = new SplittableRandom(22);
        int[] shape = {2, 5, 3};
        for (int axis = 0; axis < 3; axis++) {
            int n = shape[axis];
            int inner = axis == 2 ? 1 : axis == 1 ? 3 : 15;
            int outer = 30 / n / inner;
            for (boolean log : new boolean[] {false, true}) {
                float[] x = grid(r, 30, 3);
                float[] dy = grid(r, 30, 1);
                Activation f = log ? new LogSoftmax(axis) : new Softmax(axis);
                Tensor y = f.forward(Tensor.of(x.clone(), shape));
                Tensor dx = Tensor.zeros(shape);
                f.backward(y, Tensor.of(dy, shape), dx);
                checkAgainstDifferences(f.toString(), in -> ReferenceActivations.softmax(in, outer, n, inner, log), x, dy, dx.data());
            }
        }
    }

    @Test
    void maxAndAveragePooling() {
        SplittableRandom r = new SplittableRandom(23);
        int h = 7, w = 9;
        for (PoolParams p : List.of(PoolParams.of(3, 2).padding(1), PoolParams.of(2).ceilMode(true),
                PoolParams.of(2, 3, 1, 2).dilation(2, 1).padding(1, 0, 1, 1))) {
            // distinct values on a 2⁻⁶ grid: ties and kinks stay more than 2h away
            float[] x = new float[2 * h * w];
            for (int i = 0; i < x.length; i++) {
                x[i] = (float) ((i * 37 % x.length) - x.length / 2) / 64;
            }
            int oh = p.outputHeight(h);
            int ow = p.outputWidth(w);
            float[] dy = grid(r, 2 * oh * ow, 1);
            Tensor xt = Tensor.of(x, 1, 2, h, w);
            Tensor dyt = Tensor.of(dy, 1, 2, oh, ow);

            MaxPool2d max = new MaxPool2d(p);
            int[] indices = new int[dy.length];
            max.forward(xt, Tensor.zeros(1, 2, oh, ow), indices);
            Tensor dx = Tensor.zeros(1, 2, h, w);
            max.backward(dyt, indices, dx);
            checkAgainstDifferences("max " + p, in -> {
                float[] v = ReferencePool.maxForward(p, 2, h, w, in).value();
                double[] out = new double[v.length];
                for (int i = 0; i < v.length; i++) {
                    out[i] = v[i];
                }
                return out;
            }, x, dy, dx.data());

            for (boolean include : new boolean[] {false, true}) {
                AvgPool2d avg = new AvgPool2d(p, include);
                avg.backward(dyt, dx);
                checkAgainstDifferences("avg " + p + " include_pad=" + include,
                        in -> ReferencePool.avgForward(p, include, 2, h, w, in), x, dy, dx.data());
            }
        }
    }
}
