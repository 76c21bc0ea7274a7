package dev.striate.gemm;

/**
 * What a GEMM applies to each element of C once its last product term is in:
 * {@code c := clamp(alpha·op(A)·op(B) + beta·c + bias, min, max)}, with the bias taken per row (a
 * convolution's output channel) or per column (a fully connected layer's output feature).
 *
 * <p>Applied tile by tile while the tile is still in L1, so a fused bias and ReLU cost no extra pass
 * over C. {@code clamp} follows {@link Math#max}/{@link Math#min}: NaN stays NaN, as in PyTorch's
 * {@code relu} and ONNX's {@code Clip}.
 *
 * <p>Thread-safety: immutable.
 *
 * @param bias where the bias vector applies, or {@link Bias#NONE}
 * @param min  lower clamp ({@code -∞} for none, 0 for ReLU)
 * @param max  upper clamp ({@code +∞} for none, 6 for ReLU6)
 */
public record Epilogue(Bias bias, float min, float max) {

    /** Where a bias vector is added. */
    public enum Bias { NONE, PER_ROW, PER_COLUMN }

    /** Plain BLAS: nothing after the product. */
    public static final Epilogue NONE = new Epilogue(Bias.NONE, Float.NEGATIVE_INFINITY, Float.POSITIVE_INFINITY);

    /** @throws IllegalArgumentException if bias is null, a bound is NaN, or {@code min > max} */
    public Epilogue {
        if (bias == null) {
            throw new IllegalArgumentException("epilogue bias mode must not be null (use Bias.NONE)");
        }
        if (Float.isNaN(min) || Float.isNaN(max) || min > max) {
            throw new IllegalArgumentException("epilogue clamp needs min <= max, got [" + min + ", " + max + "]");
        }
    }

    /** Bias then clamp to {@code [min, max]}. */
    public static Epilogue of(Bias bias, float min, float max) {
        return new Epilogue(bias, min, max);
    }

    /** Bias then ReLU ({@code max(x, 0)}). */
    public static Epilogue relu(Bias bias) {
        return new Epilogue(bias, 0f, Float.POSITIVE_INFINITY);
    }

    /** Bias only. */
    public static Epilogue bias(Bias bias) {
        return new Epilogue(bias, Float.NEGATIVE_INFINITY, Float.POSITIVE_INFINITY);
    }

    /** Whether this epilogue changes anything. */
    public boolean isIdentity() {
        return bias == Bias.NONE && min == Float.NEGATIVE_INFINITY && max == Float.POSITIVE_INFINITY;
    }
}
