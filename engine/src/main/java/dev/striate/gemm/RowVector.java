package dev.striate.gemm;

import dev.striate.simd.FloatSpecies;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

import java.util.Arrays;

/**
 * {@code c[j0, j1) := alpha · a[1×k] · op(B)[k×n] + beta · c} for C of one row: a vector-matrix
 * product that streams B once, unpacked. The blocked path would pack all of B (one extra pass over
 * the largest operand) and fill MR−1 of every tile's MR rows with padding, so a batch-1 fully
 * connected layer ran at a fifth of memory speed.
 *
 * <p>Op(B) transposed (B is {@code n×k}, PyTorch's Linear weights): one dot product per column,
 * four vector accumulators, lanes added in a fixed order. Not transposed: rows of B scaled by
 * {@code a[p]} and accumulated, p in order. Either way each element of C is computed by the same
 * operations whichever thread owns it.
 */
final class RowVector {

    private static final VectorSpecies<Float> S = FloatSpecies.PREFERRED;
    private static final int L = FloatSpecies.LANES;

    private RowVector() {
    }

    /**
     * @param row     A's row, contiguous from {@code rowOff} (gathered by the caller when A is strided)
     * @param scratch at least {@code max(L, j1 − j0)} floats
     */
    static void multiply(Transpose tb, int j0, int j1, int k, float alpha, float[] row, int rowOff,
                         float[] b, int bOff, int ldb, float beta, float[] c, int cOff, float[] scratch) {
        if (tb == Transpose.T) {
            for (int j = j0; j < j1; j++) {
                float dot = dot(row, rowOff, b, bOff + j * ldb, k, scratch);
                c[cOff + j] = beta == 0f ? alpha * dot : alpha * dot + beta * c[cOff + j];
            }
            return;
        }
        int width = j1 - j0;
        Arrays.fill(scratch, 0, width, 0f);
        for (int p = 0; p < k; p++) {
            axpy(row[rowOff + p], b, bOff + p * ldb + j0, scratch, width);
        }
        for (int j = 0; j < width; j++) {
            c[cOff + j0 + j] = beta == 0f ? alpha * scratch[j] : alpha * scratch[j] + beta * c[cOff + j0 + j];
        }
    }

    /** {@code Σ x[xOff + p]·y[yOff + p]} for p < k; lanes added in lane order through {@code scratch}. */
    private static float dot(float[] x, int xOff, float[] y, int yOff, int k, float[] scratch) {
        FloatVector s0 = FloatVector.zero(S);
        FloatVector s1 = FloatVector.zero(S);
        FloatVector s2 = FloatVector.zero(S);
        FloatVector s3 = FloatVector.zero(S);
        int p = 0;
        for (; p + 4 * L <= k; p += 4 * L) {
            s0 = FloatVector.fromArray(S, x, xOff + p).fma(FloatVector.fromArray(S, y, yOff + p), s0);
            s1 = FloatVector.fromArray(S, x, xOff + p + L).fma(FloatVector.fromArray(S, y, yOff + p + L), s1);
            s2 = FloatVector.fromArray(S, x, xOff + p + 2 * L).fma(FloatVector.fromArray(S, y, yOff + p + 2 * L), s2);
            s3 = FloatVector.fromArray(S, x, xOff + p + 3 * L).fma(FloatVector.fromArray(S, y, yOff + p + 3 * L), s3);
        }
        for (; p + L <= k; p += L) {
            s0 = FloatVector.fromArray(S, x, xOff + p).fma(FloatVector.fromArray(S, y, yOff + p), s0);
        }
        s0.add(s1).add(s2.add(s3)).intoArray(scratch, 0);
        float sum = 0f;
        for (int lane = 0; lane < L; lane++) {
            sum += scratch[lane];
        }
        for (; p < k; p++) {
            sum += x[xOff + p] * y[yOff + p];
        }
        return sum;
    }

    /** {@code acc[0, n) += s · y[yOff, yOff + n)}. */
    private static void axpy(float s, float[] y, int yOff, float[] acc, int n) {
        FloatVector sv = FloatVector.broadcast(S, s);
        int j = 0;
        for (int bound = S.loopBound(n); j < bound; j += L) {
            FloatVector.fromArray(S, y, yOff + j).fma(sv, FloatVector.fromArray(S, acc, j)).intoArray(acc, j);
        }
        for (; j < n; j++) {
            acc[j] = Math.fma(y[yOff + j], s, acc[j]);
        }
    }
}
