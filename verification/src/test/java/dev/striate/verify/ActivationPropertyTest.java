package dev.striate.verify;

import dev.striate.tensor.Tensor;
import java.util.SplittableRandom;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;

/**
 * Random shapes (rank 1–4, dimensions 1–9), axes (negative too) and data against the definitions:
 * softmax and log-softmax through {@link ActivationOracleTest#checkSoftmax}, the element-wise
 * activations with {@link ActivationOracleTest}'s bounds on tensors of any shape, in place half the time.
 */
class ActivationPropertyTest {

    @Property
    void softmaxOverAnyAxis(@ForAll @IntRange(min = 1, max = 4) int rank,
                            @ForAll @IntRange(min = 1, max = 9) int d0, @ForAll @IntRange(min = 1, max = 9) int d1,
                            @ForAll @IntRange(min = 1, max = 9) int d2, @ForAll @IntRange(min = 1, max = 9) int d3,
                            @ForAll @IntRange(min = -4, max = 3) int axis, @ForAll boolean log, @ForAll long seed) {
        int[] shape = java.util.Arrays.copyOf(new int[] {d0, d1, d2, d3}, rank);
        int a = Math.floorMod(axis, rank) - (axis < 0 ? rank : 0);  // keep the sign, fold into range
        ActivationOracleTest.checkSoftmax(shape, a, log, seed);
    }

    @Property
    void elementwiseOnAnyShape(@ForAll @IntRange(min = 0, max = 11) int which,
                               @ForAll @IntRange(min = 1, max = 9) int d0, @ForAll @IntRange(min = 1, max = 40) int d1,
                               @ForAll boolean inPlace, @ForAll long seed) {
        ActivationOracleTest.Case c = ActivationOracleTest.cases().get(which);
        float[] x = ActivationOracleTest.data(d0 * d1, seed);
        Tensor in = Tensor.of(x.clone(), d0, d1);
        Tensor y = inPlace ? in : Tensor.zeros(d0, d1);
        c.activation().forward(in, y);
        for (int i = 0; i < x.length; i++) {
            double ref = c.f().applyAsDouble(x[i]);
            ActivationOracleTest.assertClose(c + " x=" + x[i], y.data()[i], ref, ActivationOracleTest.bound(c, x[i], ref));
        }
    }
}
