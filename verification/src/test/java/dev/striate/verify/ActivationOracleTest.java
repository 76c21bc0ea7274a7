package dev.striate.verify;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.striate.activation.Activation;
import dev.striate.activation.Clip;
import dev.striate.activation.Gelu;
import dev.striate.activation.Erf;
import dev.striate.activation.HardSigmoid;
import dev.striate.activation.HardSwish;
import dev.striate.activation.LeakyRelu;
import dev.striate.activation.LogSoftmax;
import dev.striate.activation.Relu;
import dev.striate.activation.Sigmoid;
import dev.striate.activation.Softmax;
import dev.striate.activation.Tanh;
import dev.striate.tensor.Tensor;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.DoubleUnaryOperator;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every activation, forward and backward, against {@link ReferenceActivations} or the definition in
 * double, over lengths that hit every vector tail, random values in [−12, 12] mixed with the special
 * values (NaN, ±∞, ±0, subnormals, ±1e30, the exp overflow edges). Bounds are in units of float's
 * 2⁻²⁴ and follow each formula's roundings (see {@link #bound}).
 */
class ActivationOracleTest {

    private static final double EPS = 0x1.0p-24;
    static final int[] LENGTHS = {1, 7, 8, 9, 16, 31, 33, 100, 1000, 4099};
    static final float[] SPECIAL = {Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, 0f, -0f,
        Float.MIN_VALUE, -Float.MIN_VALUE, 0x1.0p-127f, Float.MIN_NORMAL, 1e30f, -1e30f, Float.MAX_VALUE,
        -Float.MAX_VALUE, 88.7f, -88.7f, 89f, -89f, 104f, -104f, 1e-7f, -1e-7f, 9f, -9f, 20f, -20f};

    /** An element-wise activation, its definition in double and its derivative (from x). */
    record Case(Activation activation, DoubleUnaryOperator f, DoubleUnaryOperator derivative, double ulps) {
        @Override
        public String toString() {
            return activation.toString();
        }
    }

    static List<Case> cases() {
        return List.of(
                new Case(new Relu(), x -> Double.isNaN(x) ? x : Math.max(x, 0), x -> x > 0 ? 1 : 0, 0),
                new Case(new LeakyRelu(0.1f), x -> x > 0 ? x : (double) (0.1f * (float) x), x -> x > 0 ? 1 : 0.1f, 0),
                new Case(new LeakyRelu(-0.5f), x -> x > 0 ? x : -0.5 * x, x -> x > 0 ? 1 : -0.5, 0),
                new Case(new Clip(-1.5f, 2f), x -> Double.isNaN(x) ? x : Math.min(Math.max(x, -1.5), 2), x -> x >= -1.5 && x <= 2 ? 1 : 0, 0),
                new Case(Clip.relu6(), x -> Double.isNaN(x) ? x : Math.min(Math.max(x, 0), 6), x -> x > 0 && x < 6 ? 1 : 0, 0),
                new Case(new Sigmoid(), ReferenceActivations::sigmoid, x -> ReferenceActivations.sigmoid(x) * (1 - ReferenceActivations.sigmoid(x)), 4),
                new Case(new Tanh(), Math::tanh, x -> 1 - Math.tanh(x) * Math.tanh(x), 4),
                new Case(new Gelu(), ReferenceActivations::gelu, ReferenceActivations::geluDerivative, 4),
                new Case(new HardSigmoid(), x -> Double.isNaN(x) ? x : Math.min(Math.max(x / 6 + 0.5, 0), 1),
                        x -> x > -3 && x < 3 ? 1.0 / 6 : 0, 2),
                new Case(new HardSigmoid(0.2f, 0.5f), x -> Double.isNaN(x) ? x : Math.min(Math.max(0.2 * x + 0.5, 0), 1),
                        x -> x > -2.5 && x < 2.5 ? 0.2 : 0, 2),
                new Case(new HardSwish(), x -> Double.isNaN(x) ? x : x * Math.min(Math.max(x / 6 + 0.5, 0), 1),
                        x -> x < -3 ? 0 : x >= 3 ? 1 : x / 3 + 0.5, 3),
                // the rational approximation's error: 7.48 ulp at most (ActivationAccuracyCompiledTest)
                new Case(new Erf(), ReferenceActivations::erf, x -> 2 / Math.sqrt(Math.PI) * Math.exp(-x * x), 8));
    }

    static Stream<Arguments> casesAndLengths() {
        return cases().stream().flatMap(c -> java.util.Arrays.stream(LENGTHS).mapToObj(n -> Arguments.of(c, n)));
    }

    static float[] data(int n, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = r.nextInt(4) == 0 ? SPECIAL[r.nextInt(SPECIAL.length)] : (float) (r.nextDouble() * 24 - 12);
        }
        return x;
    }

    /**
     * Allowed |got − ref| for an element: exact for the piecewise-linear activations (one rounding,
     * the same as the definition's); otherwise {@code ulps} roundings relative to the result, plus
     * the cancellation terms of each formula: GELU's {@code 1 + tanh} near −1 loses {@code |x|·2⁻²⁴}
     * absolutely; a result below the normal range may lose everything below 2⁻¹²⁶.
     */
    static double bound(Case c, float x, double ref) {
        if (c.ulps == 0) {
            return 0;
        }
        double b = c.ulps * EPS * Math.abs(ref) + 0x1.0p-126;
        if (c.activation instanceof Gelu) {
            b += 4 * EPS * Math.abs(x);
        }
        if (c.activation instanceof HardSigmoid h) {
            // α·x + β cancels near the lower kink: α·x's rounding and α's own (1/6 in float) are
            // relative to |α·x|, not to the result; past |α·x| = 2 the clamp gives 0 or 1 exactly
            b += 2 * EPS * Math.min(Math.abs(h.alpha() * x), 2);
        }
        if (c.activation instanceof HardSwish) {
            // x/6 + 1/2 cancels near −3: its roundings, ≤ 0.75·2⁻²⁴ on |x| ≤ 3, scaled by |x|
            b += 3 * EPS;
        }
        return b;
    }

    static void assertClose(String where, float got, double ref, double bound) {
        if (Double.isNaN(ref)) {
            if (!Float.isNaN(got)) {
                fail(where + ": expected NaN, got " + got);
            }
            return;
        }
        if (Double.isInfinite(ref) || bound == 0) {
            if ((float) ref != got && !(got == 0 && ref == 0)) {
                fail(where + ": expected " + (float) ref + ", got " + got);
            }
            return;
        }
        if (!(Math.abs(got - ref) <= bound)) {
            fail(where + ": expected " + ref + " ± " + bound + ", got " + got + " (error " + Math.abs(got - ref) + ")");
        }
    }

    @ParameterizedTest(name = "{0} n={1}")
    @MethodSource("casesAndLengths")
    void forwardMatchesDefinition(Case c, int n) {
        float[] x = data(n, n);
        Tensor y = c.activation.forward(Tensor.of(x.clone(), n));
        for (int i = 0; i < n; i++) {
            double ref = c.f.applyAsDouble(x[i]);
            assertClose(c + " x=" + x[i] + " at " + i, y.data()[i], ref, bound(c, x[i], ref));
            // −∞ is GELU's and HardSwish's 0·∞ (NaN in PyTorch and in the ONNX definitions too)
            boolean zeroTimesInfinity = (c.activation instanceof Gelu || c.activation instanceof HardSwish)
                    && x[i] == Float.NEGATIVE_INFINITY;
            if (!Float.isNaN(x[i]) && !zeroTimesInfinity) {
                assertTrue(!Float.isNaN(y.data()[i]), c + ": NaN from non-NaN input " + x[i]);
            }
        }
    }

    /**
     * dx against dy·f'(x) in double. Inputs stay finite and off the kinks (where the one-sided
     * derivatives differ the convention is tested separately); the bound is a few roundings relative
     * to |dx| plus |dy|·2⁻²⁴ for the {@code 1 − y}, {@code 1 − y²} cancellations, and GELU's
     * {@code |x|³}-scaled {@code 1 − t²} term.
     */
    @ParameterizedTest(name = "{0} n={1}")
    @MethodSource("casesAndLengths")
    void backwardMatchesDerivative(Case c, int n) {
        SplittableRandom r = new SplittableRandom(7 * n);
        float[] x = RandomData.uniform(r, n);
        for (int i = 0; i < n; i++) {
            x[i] = x[i] * 9 + (x[i] >= 0 ? 0.01f : -0.01f);
        }
        float[] dy = RandomData.uniform(r, n);
        Tensor xt = Tensor.of(x, n);
        Tensor y = c.activation.forward(xt);
        Tensor dx = Tensor.zeros(n);
        c.activation.backward(c.activation.backwardUsesOutput() ? y : xt, Tensor.of(dy, n), dx);
        for (int i = 0; i < n; i++) {
            double ref = dy[i] * c.derivative.applyAsDouble(x[i]);
            double b = c.ulps == 0 ? 0 : 8 * EPS * Math.abs(ref) + 4 * EPS * Math.abs(dy[i]);
            if (c.activation instanceof Gelu) {
                b += 4 * EPS * Math.abs(dy[i]) * Math.abs(x[i]) * (1 + 0.14 * x[i] * x[i]);
            }
            if (c.activation instanceof Sigmoid || c.activation instanceof Tanh) {
                // the derivative is taken from the float output y, whose own error (≤ ulps) it scales by |f''/f'| ≤ 2
                b += 2 * c.ulps * EPS * Math.abs(dy[i]);
            }
            assertClose(c + " x=" + x[i] + " at " + i, dx.data()[i], ref, b);
        }
    }

    @Test
    void kinksFollowPyTorch() {
        float[] x = {0f, -0f, 6f, -1.5f, 2f, Float.NaN};
        float[] dy = {1f, 1f, 1f, 1f, 1f, 1f};
        // ReLU: threshold_backward(y <= 0) -> 0 at 0; NaN passes the gradient
        assertArrayEquals(new float[] {0, 0, 1, 0, 1, 1}, backward(new Relu(), x, dy), 0f);
        // ReLU6 = hardtanh: zero at both bounds
        assertArrayEquals(new float[] {0, 0, 0, 0, 1, 1}, backward(Clip.relu6(), x, dy), 0f);
        // clamp: kept at both bounds, zero for NaN
        assertArrayEquals(new float[] {1, 1, 0, 1, 1, 0}, backward(new Clip(-1.5f, 2f), x, dy), 0f);
        // LeakyReLU: x > 0 ? dy : α·dy, so α at 0
        assertArrayEquals(new float[] {0.25f, 0.25f, 1, 0.25f, 1, 0.25f}, backward(new LeakyRelu(0.25f), x, dy), 0f);
        float[] hard = {-3f, 3f, 0f, -4f, 4f, Float.NaN};
        // hardsigmoid: (x > -3) & (x < 3), so zero at both kinks and for NaN
        assertArrayEquals(new float[] {0, 0, 1f / 6, 0, 0, 0}, backward(new HardSigmoid(), hard, dy), 0f);
        // hardswish, as PyTorch's vectorized kernel: x < -3 ? 0 : x >= 3 ? 1 : x/3 + 1/2, so -1/2
        // and 1 at the kinks, NaN for NaN (checked against PyTorch itself in PyTorchReferenceTest)
        assertArrayEquals(new float[] {-0.5f, 1f, 0.5f, 0, 1, Float.NaN}, backward(new HardSwish(), hard, dy), 0f);
    }

    private static float[] backward(Activation a, float[] x, float[] dy) {
        Tensor xt = Tensor.of(x.clone(), x.length);
        Tensor y = a.forward(xt);
        Tensor dx = Tensor.zeros(x.length);
        a.backward(a.backwardUsesOutput() ? y : xt, Tensor.of(dy.clone(), dy.length), dx);
        return dx.data();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void inPlaceGivesTheSameBits(Case c) {
        float[] x = data(1001, 3);
        float[] dy = data(1001, 4);
        Tensor separate = c.activation.forward(Tensor.of(x.clone(), 1001));
        Tensor inPlace = Tensor.of(x.clone(), 1001);
        c.activation.forward(inPlace, inPlace);
        assertArrayEquals(separate.data(), inPlace.data(), 0f);

        Tensor saved = c.activation.backwardUsesOutput() ? separate : Tensor.of(x.clone(), 1001);
        Tensor dx = Tensor.zeros(1001);
        c.activation.backward(saved, Tensor.of(dy.clone(), 1001), dx);
        Tensor g = Tensor.of(dy.clone(), 1001);
        c.activation.backward(saved, g, g);
        assertArrayEquals(dx.data(), g.data(), 0f, "dx == dy");
        Tensor s = Tensor.of(saved.data().clone(), 1001);
        c.activation.backward(s, Tensor.of(dy.clone(), 1001), s);
        assertArrayEquals(dx.data(), s.data(), 0f, "dx == saved");
    }

    @Test
    void partialOverlapAndShapeMismatchAreRejected() {
        float[] buffer = new float[20];
        Tensor x = Tensor.wrap(buffer, 0, 10);
        Tensor shifted = Tensor.wrap(buffer, 1, 10);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new Sigmoid().forward(x, shifted));
        assertTrue(e.getMessage().contains("Sigmoid") && e.getMessage().contains("overlaps"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new Relu().forward(x, Tensor.zeros(11)));
        assertTrue(e.getMessage().contains("[11]") && e.getMessage().contains("[10]"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new Softmax(2).forward(Tensor.zeros(2, 3), Tensor.zeros(2, 3)));
        assertTrue(e.getMessage().contains("axis 2"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new LeakyRelu(Float.NaN));
        assertThrows(IllegalArgumentException.class, () -> new Clip(Float.NaN, 1f));
        assertThrows(IllegalArgumentException.class, () -> new HardSigmoid(Float.POSITIVE_INFINITY, 0.5f));
    }

    /** Softmax and log-softmax over the last, the middle and the first axis, against the double definition. */
    static Stream<Arguments> softmaxShapes() {
        return Stream.of(new int[] {1, 1000}, new int[] {3, 10}, new int[] {2, 7}, new int[] {5, 1}, new int[] {2, 33},
                        new int[] {2, 16, 5, 5}, new int[] {1, 3, 7, 3}, new int[] {4, 3, 2})
                .flatMap(shape -> Stream.of(-1, 0, 1).flatMap(axis -> Stream.of(false, true)
                        .map(log -> Arguments.of(shape, axis, log))));
    }

    @ParameterizedTest(name = "{0} axis={1} log={2}")
    @MethodSource("softmaxShapes")
    void softmaxMatchesDefinition(int[] shape, int axis, boolean log) {
        checkSoftmax(shape, axis, log, ReferenceElementwise.size(shape) * 31L + axis);
    }

    /** Softmax or log-softmax of random logits in [−10, 10] and its backward, against the double definition. */
    static void checkSoftmax(int[] shape, int axis, boolean log, long seed) {
        int size = ReferenceElementwise.size(shape);
        int a = axis < 0 ? shape.length + axis : axis;
        int n = shape[a];
        int inner = 1;
        for (int d = a + 1; d < shape.length; d++) {
            inner *= shape[d];
        }
        int outer = size / n / inner;
        SplittableRandom r = new SplittableRandom(seed);
        float[] x = RandomData.uniform(r, size);
        for (int i = 0; i < size; i++) {
            x[i] *= 10;
        }
        Activation f = log ? new LogSoftmax(axis) : new Softmax(axis);
        Tensor y = f.forward(Tensor.of(x.clone(), shape));
        double[] ref = ReferenceActivations.softmax(x, outer, n, inner, log);
        double[] shift = ReferenceActivations.shiftMagnitude(x, outer, n, inner);
        double[] weighted = ReferenceActivations.weightedShift(x, outer, n, inner);
        for (int i = 0; i < size; i++) {
            // (x − max) rounds relative to itself, which exp turns into a relative error of |x − max|·2⁻²⁴;
            // the slice's sum inherits the probability-weighted mean of those errors, plus exp's (≤ 2 ulp);
            // then the division (softmax) or the log and two subtractions (log-softmax)
            double b = log ? EPS * (8 * Math.abs(ref[i]) + 4 * shift[i] + 2 * weighted[i])
                    : EPS * (shift[i] + weighted[i] + 6) * Math.abs(ref[i]);
            assertClose(f + " at " + i, y.data()[i], ref[i], b + 0x1.0p-126);
        }
        float[] dy = RandomData.uniform(r, size);
        Tensor dx = Tensor.zeros(shape);
        f.backward(y, Tensor.of(dy, shape), dx);
        double[] dref = ReferenceActivations.softmaxBackward(y.data(), dy, outer, n, inner, log);
        double[] dmag = ReferenceActivations.softmaxBackwardMagnitude(y.data(), dy, outer, n, inner, log);
        for (int i = 0; i < size; i++) {
            // a sum over the axis in double, then float products: a few roundings of the terms' magnitude
            assertClose(f + " dx at " + i, dx.data()[i], dref[i], 8 * EPS * dmag[i] + 0x1.0p-126);
        }
    }

    @Test
    void softmaxOfExtremeValuesHasNoNaN() {
        float[] x = {1e30f, -1e30f, Float.MAX_VALUE, 88.8f, -Float.MAX_VALUE, 0f, 1e30f};
        Tensor y = new Softmax().forward(Tensor.of(x.clone(), 1, 7));
        Tensor ly = new LogSoftmax().forward(Tensor.of(x.clone(), 1, 7));
        double[] ref = ReferenceActivations.softmax(x, 1, 7, 1, false);
        double[] lref = ReferenceActivations.softmax(x, 1, 7, 1, true);
        for (int i = 0; i < 7; i++) {
            assertEquals((float) ref[i], y.data()[i], 0f, "softmax at " + i);
            assertEquals((float) lref[i], ly.data()[i], Math.abs(lref[i]) * 4 * EPS, "log-softmax at " + i);
        }
        // NaN anywhere in a slice: the whole slice is NaN (PyTorch); other slices are untouched
        Tensor withNaN = new Softmax(1).forward(Tensor.of(new float[] {1, Float.NaN, 2, 1, 2, 3}, 2, 3));
        for (int i = 0; i < 3; i++) {
            assertTrue(Float.isNaN(withNaN.data()[i]));
            assertTrue(Float.isFinite(withNaN.data()[i + 3]));
        }
    }
}
