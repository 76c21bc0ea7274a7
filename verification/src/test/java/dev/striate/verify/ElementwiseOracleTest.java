package dev.striate.verify;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.striate.elementwise.BatchNorm2d;
import dev.striate.elementwise.Broadcast;
import dev.striate.elementwise.Dropout;
import dev.striate.tensor.Tensor;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Broadcasting add/mul and their gradients, inference batch norm and dropout against
 * {@link ReferenceElementwise} and the definitions.
 */
class ElementwiseOracleTest {

    private static final double EPS = 0x1.0p-24;

    static Stream<Arguments> shapePairs() {
        return Stream.of(
                Arguments.of(new int[] {2, 3, 5, 7}, new int[] {2, 3, 5, 7}),   // residual add
                Arguments.of(new int[] {2, 3, 5, 7}, new int[] {1, 3, 1, 1}),   // per-channel bias
                Arguments.of(new int[] {2, 3, 5, 7}, new int[] {3, 1, 1}),      // ONNX bias, lower rank
                Arguments.of(new int[] {1, 3, 1, 1}, new int[] {2, 3, 4, 9}),   // broadcast on the left
                Arguments.of(new int[] {2, 1, 5, 1}, new int[] {1, 4, 1, 3}),   // both sides broadcast
                Arguments.of(new int[] {4, 33}, new int[] {33}),                // row vector
                Arguments.of(new int[] {4, 33}, new int[] {4, 1}),              // column vector
                Arguments.of(new int[] {3, 4}, new int[] {}),                   // scalar
                Arguments.of(new int[] {17}, new int[] {1}),
                Arguments.of(new int[] {2, 3, 1, 1}, new int[] {2, 3, 1, 1}),   // trailing ones, merged whole
                Arguments.of(new int[] {2, 3, 5, 7}, new int[] {5, 7}),         // whole plane, repeated per channel
                Arguments.of(new int[] {2, 1, 5, 7}, new int[] {2, 3, 1, 1}),   // plane against channel
                Arguments.of(new int[] {3, 1, 1}, new int[] {2, 3, 4, 1}));     // last dimension broadcast on both
    }

    @ParameterizedTest(name = "{0} ⊕ {1}")
    @MethodSource("shapePairs")
    void arithmeticBroadcastsAsNumPy(int[] aShape, int[] bShape) {
        SplittableRandom r = new SplittableRandom(aShape.length * 7L + bShape.length);
        float[] a = RandomData.uniform(r, ReferenceElementwise.size(aShape));
        float[] b = RandomData.uniform(r, ReferenceElementwise.size(bShape));
        Tensor at = Tensor.of(a, aShape);
        Tensor bt = Tensor.of(b, bShape);
        for (char op : "+-*/".toCharArray()) {
            Tensor out = Tensor.zeros(ReferenceElementwise.broadcastShape(aShape, bShape));
            switch (op) {
                case '+' -> Broadcast.add(at, bt, out);
                case '-' -> Broadcast.sub(at, bt, out);
                case '*' -> Broadcast.mul(at, bt, out);
                default -> Broadcast.div(at, bt, out);
            }
            double[] ref = ReferenceElementwise.binary(op, a, aShape, b, bShape);
            for (int i = 0; i < ref.length; i++) {
                // one IEEE operation: the double result rounded once is the float result exactly
                assertEquals((float) ref[i], out.data()[i], 0f, op + " at " + i);
            }
        }
        // gradients: each operand's share of dy, summed over its broadcast dimensions
        int[] outShape = ReferenceElementwise.broadcastShape(aShape, bShape);
        float[] dy = RandomData.uniform(r, ReferenceElementwise.size(outShape));
        Tensor dyt = Tensor.of(dy, outShape);
        Tensor da = PoolCheck.nanFilled(aShape);
        Broadcast.sumTo(dyt, da);
        assertSums("sumTo a", da.data(), ReferenceElementwise.sumTo(dy, outShape, null, null, aShape),
                ReferenceElementwise.sumTo(PoolCheck.abs(dy), outShape, null, null, aShape), dy.length / a.length);
        Tensor db = PoolCheck.nanFilled(bShape);
        Broadcast.mulSumTo(dyt, at, db);
        assertSums("mulSumTo b", db.data(), ReferenceElementwise.sumTo(dy, outShape, a, aShape, bShape),
                ReferenceElementwise.sumTo(PoolCheck.abs(dy), outShape, PoolCheck.abs(a), aShape, bShape), dy.length / b.length);
    }

    private static void assertSums(String what, float[] got, double[] ref, double[] magnitude, int terms) {
        for (int i = 0; i < ref.length; i++) {
            double bound = 2 * EPS * (terms + 2) * magnitude[i];
            assertTrue(Math.abs(got[i] - ref[i]) <= bound, what + " at " + i + ": " + got[i] + " vs " + ref[i] + " ± " + bound);
        }
    }

    @Test
    void inPlaceIntoEitherOperand() {
        SplittableRandom r = new SplittableRandom(3);
        float[] a = RandomData.uniform(r, 2 * 3 * 9);
        float[] b = RandomData.uniform(r, 3);
        Tensor expected = Broadcast.add(Tensor.of(a, 2, 3, 9), Tensor.of(b, 3, 1));
        Tensor inPlace = Tensor.of(a.clone(), 2, 3, 9);
        Broadcast.add(inPlace, Tensor.of(b, 3, 1), inPlace);
        assertArrayEquals(expected.data(), inPlace.data(), 0f);
        Tensor same = Tensor.of(a.clone(), 2, 3, 9);
        Tensor product = Broadcast.mul(same, same);
        Broadcast.mul(same, same, same);
        assertArrayEquals(product.data(), same.data(), 0f);
        float[] buffer = new float[60];
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Broadcast.add(Tensor.wrap(buffer, 0, 18, 3), Tensor.of(b, 3), Tensor.wrap(buffer, 3, 18, 3)));
        assertTrue(e.getMessage().contains("overlaps"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Broadcast.add(Tensor.zeros(2, 3), Tensor.zeros(4)));
        assertTrue(e.getMessage().contains("[2, 3]") && e.getMessage().contains("[4]"), e.getMessage());
    }

    @Test
    void batchNormMatchesTheDefinition() {
        SplittableRandom r = new SplittableRandom(11);
        int n = 2, c = 5, plane = 37;
        float[] x = RandomData.uniform(r, n * c * plane);
        float[] gamma = RandomData.uniform(r, c);
        float[] beta = RandomData.uniform(r, c);
        float[] mean = RandomData.uniform(r, c);
        float[] var = new float[c];
        for (int i = 0; i < c; i++) {
            var[i] = (float) r.nextDouble(0.01, 4);
            mean[i] += 1000;  // a large mean over nearly equal inputs: subtracting first keeps it exact
        }
        for (int i = 0; i < x.length; i++) {
            x[i] += 1000;
        }
        BatchNorm2d bn = new BatchNorm2d(gamma, beta, mean, var, 1e-5f);
        Tensor y = bn.forward(Tensor.of(x, n, c, 1, plane));
        double[] ref = ReferenceElementwise.batchNorm(x, n, c, plane, gamma, beta, mean, var, 1e-5f);
        for (int i = 0; i < ref.length; i++) {
            // (x − mean) is exact (Sterbenz), then one fused multiply-add with a factor rounded once
            double bound = 3 * EPS * (Math.abs(ref[i]) + Math.abs(beta[i / plane % c]));
            assertEquals(ref[i], y.data()[i], bound, "at " + i);
        }
        Tensor inPlace = Tensor.of(x.clone(), n, c, 1, plane);
        bn.forward(inPlace, inPlace);
        assertArrayEquals(y.data(), inPlace.data(), 0f);

        float[] dy = RandomData.uniform(r, x.length);
        Tensor dx = Tensor.zeros(n, c, 1, plane);
        float[] dGamma = new float[c];
        float[] dBeta = new float[c];
        bn.backward(Tensor.of(x, n, c, 1, plane), Tensor.of(dy, n, c, 1, plane), dx, dGamma, dBeta);
        for (int ch = 0; ch < c; ch++) {
            double scale = gamma[ch] / Math.sqrt(var[ch] + 1e-5);
            double sg = 0, sgx = 0, mag = 0;
            for (int i = 0; i < n; i++) {
                for (int k = 0; k < plane; k++) {
                    int at = (i * c + ch) * plane + k;
                    assertEquals(dy[at] * scale, dx.data()[at], 2 * EPS * Math.abs(dy[at] * scale));
                    double xhat = (x[at] - mean[ch]) / Math.sqrt(var[ch] + 1e-5);
                    sg += dy[at];
                    sgx += dy[at] * xhat;
                    mag += Math.abs(dy[at]) * (1 + Math.abs(xhat));
                }
            }
            assertEquals(sg, dBeta[ch], 2 * EPS * (n * plane + 2) * mag);
            assertEquals(sgx, dGamma[ch], 2 * EPS * (n * plane + 2) * mag);
        }
        assertThrows(IllegalArgumentException.class, () -> new BatchNorm2d(gamma, beta, mean, new float[] {1, 1, 1, 1, -1}, 0f));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> bn.forward(Tensor.zeros(1, 4, 2, 2)));
        assertTrue(e.getMessage().contains("BatchNorm2d(5)") && e.getMessage().contains("[1, 4, 2, 2]"), e.getMessage());
    }

    @Test
    void dropoutKeepsOneMinusPScalesAndIsReproducible() {
        int size = 200_000;
        float p = 0.3f;
        Tensor x = Tensor.of(RandomData.uniform(new SplittableRandom(1), size), size);
        float[] mask = new float[size];
        Tensor y = Tensor.zeros(size);
        new Dropout(p, 42).forwardTraining(x, y, mask);
        int kept = 0;
        for (int i = 0; i < size; i++) {
            assertTrue(mask[i] == 0f || mask[i] == 1f / (1f - p), "mask values are 0 or 1/(1-p)");
            assertEquals(x.data()[i] * mask[i], y.data()[i], 0f);
            kept += mask[i] != 0 ? 1 : 0;
        }
        // binomial(n, 0.7): σ = 205; 6σ leaves a false failure probability below 1e-8
        assertEquals(size * (1 - p), kept, 6 * Math.sqrt(size * p * (1 - p)));

        float[] again = new float[size];
        new Dropout(p, 42).forwardTraining(x, Tensor.zeros(size), again);
        assertArrayEquals(mask, again, 0f, "same seed, same call number: same mask");
        float[] next = new float[size];
        Dropout layer = new Dropout(p, 42);
        layer.forwardTraining(x, Tensor.zeros(size), new float[size]);
        layer.forwardTraining(x, Tensor.zeros(size), next);
        assertTrue(!java.util.Arrays.equals(mask, next), "the next call draws a new mask");

        Tensor dy = Tensor.of(RandomData.uniform(new SplittableRandom(2), size), size);
        Tensor dx = Tensor.zeros(size);
        new Dropout(p, 42).backward(dy, mask, dx);
        for (int i = 0; i < size; i++) {
            assertEquals(dy.data()[i] * mask[i], dx.data()[i], 0f);
        }
        Tensor copy = Tensor.zeros(size);
        new Dropout(p, 42).forward(x, copy);
        assertArrayEquals(x.data(), copy.data(), 0f, "inference is the identity");
        new Dropout(1f, 1).forwardTraining(x, y, mask);
        for (int i = 0; i < size; i++) {
            assertEquals(0f, y.data()[i], 0f, "p = 1 drops everything (no 0·∞)");
        }
        assertThrows(IllegalArgumentException.class, () -> new Dropout(1.5f, 0));
    }
}
