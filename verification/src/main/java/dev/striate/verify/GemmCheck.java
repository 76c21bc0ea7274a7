package dev.striate.verify;

import dev.striate.gemm.Transpose;

/**
 * Compares a float GEMM result with {@link ReferenceGemm} under the standard forward error bound of a
 * length-k float dot product (Higham, Accuracy and Stability, §3.1):
 * <pre>  |c − ref| ≤ c0 · 2⁻²⁴ · ((k + 2) · |alpha| · Σ_p |a_ip||b_pj| + 2 · |beta · c_old|)</pre>
 * k roundings for the multiply-adds (one per fused multiply-add, one per KC-block hand-over at most),
 * one for the {@code alpha} scaling, one for adding {@code beta·c}; {@code c0 = 2} covers the
 * second-order term of γ_k and unfused (multiply then add) kernels, which round twice per step.
 */
public final class GemmCheck {

    /** Unit roundoff of float32 (round to nearest). */
    public static final double FLOAT_UNIT_ROUNDOFF = 0x1p-24;
    public static final double C0 = 2.0;

    private GemmCheck() {
    }

    /**
     * Null when every element of {@code actual} (C after the call) meets the bound against the oracle
     * computed from the inputs and {@code cBefore}; otherwise a message naming the first bad element.
     */
    public static String mismatch(Transpose ta, Transpose tb, int m, int n, int k, float alpha,
                                  float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
                                  float beta, float[] cBefore, float[] actual, int cOff, int ldc) {
        double[] ref = ReferenceGemm.multiply(ta, tb, m, n, k, alpha, a, aOff, lda, b, bOff, ldb, beta, cBefore, cOff, ldc);
        double[] mag = ReferenceGemm.productMagnitudes(ta, tb, m, n, k, alpha, a, aOff, lda, b, bOff, ldb);
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                double got = actual[cOff + i * ldc + j];
                double expected = ref[i * n + j];
                double betaTerm = beta == 0f ? 0 : Math.abs((double) beta * cBefore[cOff + i * ldc + j]);
                double bound = C0 * FLOAT_UNIT_ROUNDOFF * ((k + 2) * mag[i * n + j] + 2 * betaTerm);
                if (!(Math.abs(got - expected) <= bound)) {
                    return String.format("C[%d][%d] = %s, oracle %s, |diff| %.3g > bound %.3g",
                            i, j, got, expected, Math.abs(got - expected), bound);
                }
            }
        }
        return null;
    }
}
