package dev.striate.verify;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import dev.striate.pool.AvgPool2d;
import dev.striate.pool.MaxPool2d;
import dev.striate.pool.PoolParams;
import dev.striate.runtime.ThreadPool;
import dev.striate.tensor.Tensor;
import java.util.SplittableRandom;

/**
 * One pooling problem checked against {@link ReferencePool}: max forward (values and indices exact),
 * max backward, average forward and backward with both divisor rules. Shared by the named-problem
 * test and the property test.
 */
final class PoolCheck {

    private static final double EPS = 0x1.0p-24;

    private PoolCheck() {
    }

    /** Small integers (many ties, exact sums) when {@code integers}, else uniform floats; a few NaNs if asked. */
    static float[] input(SplittableRandom r, int size, boolean integers, boolean nans) {
        float[] x = integers ? new float[size] : RandomData.uniform(r, size);
        for (int i = 0; i < size; i++) {
            if (integers) {
                x[i] = r.nextInt(7) - 3;
            }
            if (nans && r.nextInt(50) == 0) {
                x[i] = Float.NaN;
            }
        }
        return x;
    }

    static void check(String name, PoolParams p, int n, int c, int h, int w, float[] x, ThreadPool threads) {
        int planes = n * c;
        int oh = ReferencePool.outputHeight(p, h);
        int ow = ReferencePool.outputWidth(p, w);
        assertEquals(oh, p.outputHeight(h), name + ": output height");
        assertEquals(ow, p.outputWidth(w), name + ": output width");
        Tensor xt = Tensor.of(x, n, c, h, w);
        SplittableRandom r = new SplittableRandom(name.hashCode());
        float[] dy = RandomData.uniform(r, planes * oh * ow);
        Tensor dyt = Tensor.of(dy, n, c, oh, ow);

        MaxPool2d max = new MaxPool2d(p, threads);
        ReferencePool.MaxResult ref = ReferencePool.maxForward(p, planes, h, w, x);
        Tensor y = nanFilled(n, c, oh, ow);
        max.forward(xt, y);
        assertArrayEquals(ref.value(), y.data(), 0f, name + ": max forward");
        Tensor yi = nanFilled(n, c, oh, ow);
        int[] indices = new int[planes * oh * ow];
        max.forward(xt, yi, indices);
        assertArrayEquals(ref.value(), yi.data(), 0f, name + ": max forward with indices");
        assertArrayEquals(ref.index(), indices, name + ": argmax indices");
        Tensor dx = nanFilled(n, c, h, w);
        max.backward(dyt, indices, dx);
        float[] absDy = abs(dy);
        assertWithin(name + ": max backward", dx.data(), ReferencePool.maxBackward(p, planes, h, w, ref.index(), dy),
                ReferencePool.maxBackward(p, planes, h, w, ref.index(), absDy), terms(p, p.kernelH(), p.kernelW()));

        float[] absX = abs(x);
        for (boolean include : new boolean[] {false, true}) {
            AvgPool2d avg = new AvgPool2d(p, include, threads);
            Tensor ya = nanFilled(n, c, oh, ow);
            avg.forward(xt, ya);
            assertWithin(name + ": avg forward include_pad=" + include, ya.data(),
                    ReferencePool.avgForward(p, include, planes, h, w, x),
                    ReferencePool.avgForward(p, include, planes, h, w, absX), p.kernelH() * p.kernelW());
            Tensor dxa = nanFilled(n, c, h, w);
            avg.backward(dyt, dxa);
            assertWithin(name + ": avg backward include_pad=" + include, dxa.data(),
                    ReferencePool.avgBackward(p, include, planes, h, w, dy),
                    ReferencePool.avgBackward(p, include, planes, h, w, absDy), terms(p, p.kernelH(), p.kernelW()));
        }
    }

    /** How many windows can cover one input pixel: the accumulation length of a gradient. */
    private static int terms(PoolParams p, int kh, int kw) {
        return (Math.ceilDiv(kh * p.dilationH(), p.strideH()) + 1) * (Math.ceilDiv(kw * p.dilationW(), p.strideW()) + 1);
    }

    static Tensor nanFilled(int... dims) {
        Tensor t = Tensor.zeros(dims);
        java.util.Arrays.fill(t.data(), Float.NaN);
        return t;
    }

    static float[] abs(float[] x) {
        float[] a = new float[x.length];
        for (int i = 0; i < x.length; i++) {
            a[i] = Math.abs(x[i]);
        }
        return a;
    }

    /**
     * {@code |got − ref| ≤ 2·2⁻²⁴·(terms + 2)·magnitude}: a float sum of {@code terms} values whose
     * absolute sum is magnitude, plus the division; NaN must match NaN.
     */
    static void assertWithin(String what, float[] got, double[] ref, double[] magnitude, int terms) {
        assertEquals(ref.length, got.length, what + ": length");
        for (int i = 0; i < ref.length; i++) {
            if (Double.isNaN(ref[i]) != Float.isNaN(got[i])) {
                fail(what + " at " + i + ": expected " + ref[i] + ", got " + got[i]);
            }
            double bound = 2 * EPS * (terms + 2) * magnitude[i];
            if (!Double.isNaN(ref[i]) && !(Math.abs(got[i] - ref[i]) <= bound)) {
                fail(what + " at " + i + ": expected " + ref[i] + " ± " + bound + ", got " + got[i]);
            }
        }
    }
}
