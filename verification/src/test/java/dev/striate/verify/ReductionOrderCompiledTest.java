package dev.striate.verify;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import dev.striate.tensor.Tensor;
import java.lang.reflect.Method;
import java.net.URL;
import java.net.URLClassLoader;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The sums inside the kernels give the same bits before and after C2 compiles them, so a training
 * run does not depend on JIT timing. {@code reduceLanes(ADD)} does not: the Vector API's Java
 * fallback (interpreter, C1) adds the lanes in order, C2's intrinsic pairwise. The engine's classes
 * are loaded afresh by a class loader of their own, so their first call runs interpreted; the
 * thousands after it, in this -Xbatch fork, compiled.
 */
class ReductionOrderCompiledTest {

    private static final int CALLS = 20_000;

    @Test
    void reductionsGiveTheSameBitsInterpretedAndCompiled() throws Exception {
        URL engine = Tensor.class.getProtectionDomain().getCodeSource().getLocation();
        try (URLClassLoader fresh = new URLClassLoader(new URL[] {engine}, ClassLoader.getPlatformClassLoader())) {
            Class<?> tensor = fresh.loadClass("dev.striate.tensor.Tensor");
            Method of = tensor.getMethod("of", float[].class, int[].class);
            Method data = tensor.getMethod("data");
            SplittableRandom r = new SplittableRandom(11);
            Object x = of.invoke(null, RandomData.uniform(r, 2 * 8 * 7 * 7), new int[] {2, 8, 7, 7});
            Object dy = of.invoke(null, RandomData.uniform(r, 2 * 8 * 7 * 7), new int[] {2, 8, 7, 7});
            Object dx = of.invoke(null, new float[2 * 8 * 7 * 7], new int[] {2, 8, 7, 7});
            Object pooled = of.invoke(null, new float[16], new int[] {2, 8, 1, 1});
            Object channelSums = of.invoke(null, new float[8], new int[] {1, 8, 1, 1});

            Object globalAvg = fresh.loadClass("dev.striate.pool.GlobalAvgPool").getConstructor().newInstance();
            Method pool = globalAvg.getClass().getMethod("forward", tensor, tensor);
            assertSameBitsWhenCompiled("GlobalAvgPool forward", () -> pool.invoke(globalAvg, x, pooled),
                    () -> (float[]) data.invoke(pooled));

            Class<?> broadcast = fresh.loadClass("dev.striate.elementwise.Broadcast");
            Method sumTo = broadcast.getMethod("sumTo", tensor, tensor);
            assertSameBitsWhenCompiled("Broadcast.sumTo per channel", () -> sumTo.invoke(null, dy, channelSums),
                    () -> (float[]) data.invoke(channelSums));
            Method mulSumTo = broadcast.getMethod("mulSumTo", tensor, tensor, tensor);
            assertSameBitsWhenCompiled("Broadcast.mulSumTo per channel", () -> mulSumTo.invoke(null, dy, x, channelSums),
                    () -> (float[]) data.invoke(channelSums));

            float[] ones = new float[8];
            java.util.Arrays.fill(ones, 1f);
            Object batchNorm = fresh.loadClass("dev.striate.elementwise.BatchNorm2d")
                    .getConstructor(float[].class, float[].class, float[].class, float[].class, float.class)
                    .newInstance(ones, new float[8], new float[8], ones, 1e-5f);
            Method backward = batchNorm.getClass().getMethod("backward", tensor, tensor, tensor, float[].class, float[].class);
            float[] dGamma = new float[8];
            float[] dBeta = new float[8];
            assertSameBitsWhenCompiled("BatchNorm2d backward dGamma, dBeta", () -> backward.invoke(batchNorm, x, dy, dx, dGamma, dBeta),
                    () -> concat(dGamma, dBeta));
        }
    }

    private interface Call {
        void run() throws Exception;
    }

    private interface Result {
        float[] get() throws Exception;
    }

    private static void assertSameBitsWhenCompiled(String what, Call call, Result result) throws Exception {
        call.run();
        int[] first = bits(result.get());
        for (int i = 0; i < CALLS; i++) {
            call.run();
        }
        assertArrayEquals(first, bits(result.get()), what + ": the compiled kernel's bits differ from its first, interpreted call");
    }

    private static float[] concat(float[] a, float[] b) {
        float[] all = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, all, a.length, b.length);
        return all;
    }

    private static int[] bits(float[] values) {
        int[] out = new int[values.length];
        for (int i = 0; i < values.length; i++) {
            out[i] = Float.floatToRawIntBits(values[i]);
        }
        return out;
    }
}
