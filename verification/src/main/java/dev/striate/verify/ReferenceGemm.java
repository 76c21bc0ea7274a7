package dev.striate.verify;

import dev.striate.gemm.Transpose;

/**
 * The GEMM oracle: {@code C := alpha · op(A) · op(B) + beta · C} (row-major, BLAS semantics) as a
 * plain triple loop accumulating in {@code double}. Obviously right and slow; it shares no code with
 * the engine's kernels.
 */
public final class ReferenceGemm {

    private ReferenceGemm() {
    }

    /** {@code op(A)[i][p]} for A stored row-major with leading dimension lda. */
    public static double at(Transpose t, float[] x, int off, int ld, int row, int col) {
        return t == Transpose.N ? x[off + row * ld + col] : x[off + col * ld + row];
    }

    /**
     * The exact-as-double result {@code alpha·Σ op(A)op(B) + beta·C}, not rounded to float: index
     * {@code i*n + j}. With {@code beta == 0} C is not read (BLAS convention).
     */
    public static double[] multiply(Transpose ta, Transpose tb, int m, int n, int k, float alpha,
                                    float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
                                    float beta, float[] c, int cOff, int ldc) {
        double[] out = new double[m * n];
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                double sum = 0;
                for (int p = 0; p < k; p++) {
                    sum += at(ta, a, aOff, lda, i, p) * at(tb, b, bOff, ldb, p, j);
                }
                double value = (double) alpha * sum;
                if (beta != 0f) {
                    value += (double) beta * c[cOff + i * ldc + j];
                }
                out[i * n + j] = value;
            }
        }
        return out;
    }

    /**
     * The magnitude each result is built from, {@code |alpha|·Σ_p |op(A)[i][p]|·|op(B)[p][j]|}: the
     * scale of the rounding error a float accumulation of that dot product may make.
     */
    public static double[] productMagnitudes(Transpose ta, Transpose tb, int m, int n, int k, float alpha,
                                             float[] a, int aOff, int lda, float[] b, int bOff, int ldb) {
        double[] out = new double[m * n];
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                double sum = 0;
                for (int p = 0; p < k; p++) {
                    sum += Math.abs(at(ta, a, aOff, lda, i, p) * at(tb, b, bOff, ldb, p, j));
                }
                out[i * n + j] = Math.abs((double) alpha) * sum;
            }
        }
        return out;
    }
}
