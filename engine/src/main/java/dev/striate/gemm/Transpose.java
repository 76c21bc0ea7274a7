package dev.striate.gemm;

/**
 * Whether a GEMM operand is used as stored ({@code N}) or transposed ({@code T}), as BLAS's
 * {@code CblasNoTrans} / {@code CblasTrans}.
 *
 * <p>Thread-safety: immutable.
 */
public enum Transpose {
    /** {@code op(X) = X}. */
    N,
    /** {@code op(X) = Xᵀ}. */
    T
}
