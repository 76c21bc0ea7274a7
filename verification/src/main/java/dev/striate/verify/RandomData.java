package dev.striate.verify;

import java.util.SplittableRandom;

/** Seeded test data shared by the demo and the cross-checks. */
public final class RandomData {

    private RandomData() {
    }

    /** {@code size} floats uniform in [-1, 1): mixed signs, so sums cancel as in real data. */
    public static float[] uniform(SplittableRandom random, int size) {
        float[] x = new float[size];
        for (int i = 0; i < size; i++) {
            x[i] = (float) (random.nextDouble() * 2 - 1);
        }
        return x;
    }
}
