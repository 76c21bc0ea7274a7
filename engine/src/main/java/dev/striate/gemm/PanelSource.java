package dev.striate.gemm;

/**
 * A {@code k×n} B operand that is never stored as a matrix: it writes its own NR-wide micro-panels
 * when {@link Sgemm} asks for them, straight from wherever its elements live — a convolution's
 * patch matrix gathered from the image (implicit im2col), so the matrix, {@code KH·KW} times the
 * image, is neither written out nor read back.
 *
 * <p>A source also stands for A's transpose ({@link Sgemm#gemm(PanelSource, PackedOperand, float,
 * float, float[], int, int, Epilogue, float[], int)}): asked for panels of width MR, it writes A's
 * packed panels, columns being A's rows.
 *
 * <p>Thread-safety: the product's threads call {@link #packB} concurrently for disjoint column
 * ranges; an implementation only reads shared state while a product runs.
 */
public interface PanelSource {

    /** k: rows of B, the product's depth. */
    int depth();

    /** n: columns of B. */
    int columns();

    /**
     * B's columns {@code [j0, j0 + cols)} at depths {@code [p0, p0 + kc)} as ⌈cols/nr⌉ micro-panels:
     * {@code dst[dstOff + q·nr·kc + p·nr + v] := B[p0 + p][j0 + q·nr + v]}. Slots of a last, partial
     * panel past column n may hold any value: the product never writes their results to C.
     */
    void packB(int p0, int kc, int j0, int cols, float[] dst, int dstOff, int nr);
}
