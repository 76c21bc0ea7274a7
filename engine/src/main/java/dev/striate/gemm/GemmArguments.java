package dev.striate.gemm;

/**
 * Argument checking for {@link Sgemm}, in the manner of BLAS's {@code xerbla}: the first illegal
 * argument is reported by position and name, before anything is read or written. Extents are
 * computed in {@code long} so huge dimensions cannot wrap around into a valid-looking index.
 */
final class GemmArguments {

    private GemmArguments() {
    }

    static void check(Transpose ta, Transpose tb, int m, int n, int k, float alpha,
                      float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
                      float[] c, int cOff, int ldc) {
        if (ta == null) {
            throw illegal(1, "ta", "null", "must be Transpose.N or Transpose.T");
        }
        if (tb == null) {
            throw illegal(2, "tb", "null", "must be Transpose.N or Transpose.T");
        }
        nonNegative(3, "m", m);
        nonNegative(4, "n", n);
        nonNegative(5, "k", k);
        int aRows = ta == Transpose.N ? m : k;
        int aCols = ta == Transpose.N ? k : m;
        int bRows = tb == Transpose.N ? k : n;
        int bCols = tb == Transpose.N ? n : k;
        leadingDimension(9, "lda", lda, aCols, ta == Transpose.N ? "k" : "m",
                ta == Transpose.N ? "A is m×k" : "A is k×m (transposed)");
        leadingDimension(12, "ldb", ldb, bCols, tb == Transpose.N ? "n" : "k",
                tb == Transpose.N ? "B is k×n" : "B is n×k (transposed)");
        leadingDimension(16, "ldc", ldc, n, "n", "C is m×n");
        boolean readsAB = m > 0 && n > 0 && k > 0 && alpha != 0f;
        if (readsAB) {
            extent(7, "a", a, 8, "aOff", aOff, aRows, aCols, lda);
            extent(10, "b", b, 11, "bOff", bOff, bRows, bCols, ldb);
        }
        if (m > 0 && n > 0) {
            extent(14, "c", c, 15, "cOff", cOff, m, n, ldc);
            if (readsAB) {
                noOverlap(c, cOff, m, n, ldc, a, aOff, aRows, aCols, lda, "a");
                noOverlap(c, cOff, m, n, ldc, b, bOff, bRows, bCols, ldb, "b");
            }
        }
    }

    /**
     * One operand's arguments as {@link #check} reports them (A: positions 7–9, B: 10–12), for the
     * calls that read only that operand — packing it, or a product whose other operand is packed
     * already or packs itself — and read it whatever the other dimension.
     */
    static void checkOperand(boolean isA, Transpose t, int side, int k, float[] x, int xOff, int ld) {
        if (t == null) {
            throw illegal(isA ? 1 : 2, isA ? "ta" : "tb", "null", "must be Transpose.N or Transpose.T");
        }
        nonNegative(isA ? 3 : 4, isA ? "m" : "n", side);
        nonNegative(5, "k", k);
        int rows = isA == (t == Transpose.N) ? side : k;
        int cols = isA == (t == Transpose.N) ? k : side;
        String layout = isA ? (t == Transpose.N ? "A is m×k" : "A is k×m (transposed)")
                : (t == Transpose.N ? "B is k×n" : "B is n×k (transposed)");
        String widthName = isA == (t == Transpose.N) ? "k" : (isA ? "m" : "n");
        leadingDimension(isA ? 9 : 12, isA ? "lda" : "ldb", ld, cols, widthName, layout);
        if (side > 0 && k > 0) {
            extent(isA ? 7 : 10, isA ? "a" : "b", x, isA ? 8 : 11, isA ? "aOff" : "bOff", xOff, rows, cols, ld);
        }
    }

    static void checkEpilogue(Epilogue epilogue, float[] bias, int biasOff, int m, int n) {
        if (epilogue == null) {
            throw new IllegalArgumentException("sgemm: epilogue must not be null (use Epilogue.NONE)");
        }
        if (epilogue.bias() == Epilogue.Bias.NONE) {
            return;
        }
        int length = epilogue.bias() == Epilogue.Bias.PER_ROW ? m : n;
        if (bias == null || biasOff < 0 || (long) biasOff + length > bias.length) {
            // built only on failure: a message concatenated up front allocates on every call
            String what = epilogue.bias() == Epilogue.Bias.PER_ROW ? "m = " + m + " row" : "n = " + n + " column";
            throw new IllegalArgumentException("sgemm: the " + epilogue.bias() + " bias needs " + what
                    + " values from offset " + biasOff + ", got "
                    + (bias == null ? "null" : "float[" + bias.length + "]"));
        }
    }

    private static void nonNegative(int position, String name, int value) {
        if (value < 0) {
            throw illegal(position, name, Integer.toString(value), "must be >= 0");
        }
    }

    private static void leadingDimension(int position, String name, int ld, int width, String widthName, String layout) {
        int min = Math.max(1, width);
        if (ld < min) {
            throw illegal(position, name, Integer.toString(ld),
                    "must be >= max(1, " + widthName + ") = " + min + " (row-major; " + layout + ")");
        }
    }

    private static void extent(int position, String name, float[] array, int offPosition, String offName,
                               int off, int rows, int cols, int ld) {
        if (array == null) {
            throw illegal(position, name, "null", "must hold a " + rows + "×" + cols + " matrix");
        }
        if (off < 0) {
            throw illegal(offPosition, offName, Integer.toString(off), "must be >= 0");
        }
        long last = off + (long) (rows - 1) * ld + cols - 1;
        if (last >= array.length) {
            throw illegal(position, name, "float[" + array.length + "]",
                    "too short for a " + rows + "×" + cols + " matrix with leading dimension " + ld
                            + " at offset " + off + ": needs length >= " + (last + 1));
        }
    }

    private static void noOverlap(float[] c, int cOff, int m, int n, int ldc,
                                  float[] x, int xOff, int rows, int cols, int ld, String name) {
        if (x != c) {
            return;
        }
        long cEnd = cOff + (long) (m - 1) * ldc + n;
        long xEnd = xOff + (long) (rows - 1) * ld + cols;
        if (cOff < xEnd && xOff < cEnd) {
            throw new IllegalArgumentException("sgemm: c overlaps " + name + " in the same array (c spans ["
                    + cOff + ", " + cEnd + "), " + name + " spans [" + xOff + ", " + xEnd
                    + ")); C must not alias the inputs");
        }
    }

    private static IllegalArgumentException illegal(int position, String name, String value, String rule) {
        return new IllegalArgumentException(
                "sgemm: illegal value of argument " + position + " (" + name + " = " + value + "): " + rule);
    }
}
