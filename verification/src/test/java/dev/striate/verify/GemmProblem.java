package dev.striate.verify;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.striate.gemm.Sgemm;
import dev.striate.gemm.Transpose;
import java.util.SplittableRandom;

/**
 * One GEMM problem with its operands laid out inside larger arrays (offsets, padded leading
 * dimensions, guard elements around C), named like {@code NT m7n25k9 a-0.5b2 lda+3 off5}.
 */
record GemmProblem(Transpose ta, Transpose tb, int m, int n, int k, float alpha, float beta,
                   boolean nanInC, int ldPad, int offset) {

    /** Fills the unused part of C: any change to it is a write outside the m×n matrix. */
    static final float GUARD = -12345.678f;

    int lda() {
        return Math.max(1, (ta == Transpose.N ? k : m) + ldPad);
    }

    int ldb() {
        return Math.max(1, (tb == Transpose.N ? n : k) + ldPad);
    }

    int ldc() {
        return Math.max(1, n + ldPad);
    }

    @Override
    public String toString() {
        return ta + "" + tb + " m" + m + "n" + n + "k" + k + " a" + alpha + "b" + beta + (nanInC ? "(NaN C)" : "")
                + " ld+" + ldPad + " off" + offset;
    }

    /** Runs the problem on {@code gemm} with seeded random data and asserts the result. */
    void check(Sgemm gemm, long seed) {
        Operands x = operands(seed);
        gemm.gemm(ta, tb, m, n, k, alpha, x.a, offset, lda(), x.b, offset, ldb(), beta, x.c, offset, ldc());
        assertResult(x);
    }

    /** The operands, C already holding its initial contents; {@link #assertResult} checks them after a call. */
    Operands operands(long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        int aRows = ta == Transpose.N ? m : k;
        int bRows = tb == Transpose.N ? k : n;
        float[] a = RandomData.uniform(random, offset + aRows * lda() + 3);
        float[] b = RandomData.uniform(random, offset + bRows * ldb() + 3);
        float[] c = new float[offset + m * ldc() + 3];
        java.util.Arrays.fill(c, GUARD);
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                c[offset + i * ldc() + j] = nanInC ? Float.NaN : (float) (random.nextDouble() * 2 - 1);
            }
        }
        return new Operands(a, b, c, c.clone());
    }

    void assertResult(Operands x) {
        String bad = GemmCheck.mismatch(ta, tb, m, n, k, alpha, x.a, offset, lda(), x.b, offset, ldb(),
                beta, x.cBefore, x.c, offset, ldc());
        assertNull(bad, () -> this + ": " + bad);
        for (int i = 0; i < x.c.length; i++) {
            int rel = i - offset;
            boolean inside = rel >= 0 && rel / ldc() < m && rel % ldc() < n;
            if (!inside) {
                int at = i;
                assertEquals(Float.floatToRawIntBits(x.cBefore[i]), Float.floatToRawIntBits(x.c[i]),
                        () -> this + ": element " + at + " outside C was written");
            }
        }
    }

    record Operands(float[] a, float[] b, float[] c, float[] cBefore) {
    }
}
