package dev.striate.verify;

/**
 * Compares a float convolution result with {@link ReferenceConv} under the float dot-product error
 * bound of {@link GemmCheck}, per element:
 * <pre>  |actual − ref| ≤ c0 · 2⁻²⁴ · (terms + 2) · Σ|term|</pre>
 * where {@code terms} is the longest sum of the result (a convolution's value is one sum of
 * {@code C/g·KH·KW} products, however it is split between GEMM, col2im and KC blocks; every split adds
 * at most one rounding per term) and {@code Σ|term|} the element's own magnitude. A clamp (ReLU) is
 * 1-Lipschitz, so it is applied to the oracle and the bound is kept.
 */
public final class ConvCheck {

    private ConvCheck() {
    }

    /**
     * Null when {@code actual[off + i]} meets the bound for every i, else a message naming the first
     * bad element of {@code what}.
     */
    public static String mismatch(String what, float[] actual, int off, ReferenceConv.Result ref,
                                  double min, double max) {
        double[] value = ref.value();
        for (int i = 0; i < value.length; i++) {
            double expected = Math.min(Math.max(value[i], min), max);
            double got = actual[off + i];
            double bound = GemmCheck.C0 * GemmCheck.FLOAT_UNIT_ROUNDOFF * (ref.terms() + 2) * ref.magnitude()[i];
            if (!(Math.abs(got - expected) <= bound)) {
                return String.format("%s[%d] = %s, oracle %s, |diff| %.3g > bound %.3g (%d terms)",
                        what, i, got, expected, Math.abs(got - expected), bound, ref.terms());
            }
        }
        return null;
    }

    /** {@link #mismatch(String, float[], int, ReferenceConv.Result, double, double)} without a clamp. */
    public static String mismatch(String what, float[] actual, int off, ReferenceConv.Result ref) {
        return mismatch(what, actual, off, ref, Double.NEGATIVE_INFINITY, Double.POSITIVE_INFINITY);
    }
}
