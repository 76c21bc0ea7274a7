package dev.striate.verify;

import dev.striate.gemm.Sgemm;
import dev.striate.gemm.Transpose;
import dev.striate.runtime.ThreadPool;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * The quick-start job for now: multiplies square and convolution-shaped matrices with
 * {@link Sgemm#sgemm}, prints GFLOPS, and checks sampled rows of every result against
 * {@link ReferenceGemm}. Exits with status 1 if any check fails.
 *
 * <p>Timings here are a demo, not a benchmark: the JMH suite in {@code bench/} is the measurement.
 */
public final class GemmDemo {

    private static final int CHECKED_ROWS = 24;

    private GemmDemo() {
    }

    public static void main(String[] args) {
        int[][] shapes = {
                {256, 256, 256}, {512, 512, 512}, {1024, 1024, 1024},
                {256, 729, 2400},  // AlexNet conv2 as im2col GEMM
                {64, 3136, 576},   // ResNet 3x3 64->64 at 56x56
                {64, 3136, 256},   // ResNet 1x1 256->64 at 56x56
        };
        String[] names = {"square", "square", "square", "AlexNet conv2", "ResNet 3x3 64->64@56", "ResNet 1x1 256->64@56"};
        System.out.printf(Locale.ROOT, "Striate SGEMM demo: %s, %d threads%n",
                Sgemm.shared().config(), ThreadPool.common().parallelism());
        System.out.printf(Locale.ROOT, "%6s %6s %6s  %-22s %9s  %s%n", "M", "N", "K", "shape", "GFLOPS", "oracle check");
        boolean allOk = true;
        SplittableRandom random = new SplittableRandom(42);
        for (int s = 0; s < shapes.length; s++) {
            int m = shapes[s][0], n = shapes[s][1], k = shapes[s][2];
            float[] a = RandomData.uniform(random, m * k);
            float[] b = RandomData.uniform(random, k * n);
            float[] c = new float[m * n];
            double seconds = bestTime(m, n, k, a, b, c);
            double gflops = 2.0 * m * n * k / seconds / 1e9;
            String check = checkRows(random, m, n, k, a, b, c);
            allOk &= check.startsWith("ok");
            System.out.printf(Locale.ROOT, "%6d %6d %6d  %-22s %9.1f  %s%n", m, n, k, names[s], gflops, check);
        }
        System.out.println(allOk ? "demo: all results match the oracle" : "demo: ORACLE MISMATCH");
        if (!allOk) {
            System.exit(1);
        }
    }

    /** Best of repeated runs after a warm-up that lets C2 compile the kernels. */
    private static double bestTime(int m, int n, int k, float[] a, float[] b, float[] c) {
        long budget = 600_000_000L;
        long start = System.nanoTime();
        double best = Double.MAX_VALUE;
        int runs = 0;
        while (runs < 3 || System.nanoTime() - start < budget) {
            long t0 = System.nanoTime();
            Sgemm.sgemm(Transpose.N, Transpose.N, m, n, k, 1f, a, 0, k, b, 0, n, 0f, c, 0, n);
            best = Math.min(best, (System.nanoTime() - t0) / 1e9);
            runs++;
        }
        return best;
    }

    /** Checks {@link #CHECKED_ROWS} random rows of C (beta = 0) element by element against the oracle. */
    private static String checkRows(SplittableRandom random, int m, int n, int k, float[] a, float[] b, float[] c) {
        for (int t = 0; t < CHECKED_ROWS; t++) {
            int i = random.nextInt(m);
            String bad = GemmCheck.mismatch(Transpose.N, Transpose.N, 1, n, k, 1f, a, i * k, k, b, 0, n,
                    0f, c, c, i * n, n);
            if (bad != null) {
                return "FAILED at row " + i + ": " + bad;
            }
        }
        return "ok (" + CHECKED_ROWS + " rows x " + n + ")";
    }
}
