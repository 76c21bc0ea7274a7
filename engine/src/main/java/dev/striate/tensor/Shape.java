package dev.striate.tensor;

import java.util.Arrays;

/**
 * The dimensions of a tensor, validated once: every dimension is non-negative and the element count
 * fits a Java array index. All shape arithmetic of the engine goes through the checked helpers here,
 * so an overflowing product is an exception that names the shape, never a silent wrap-around.
 *
 * <p>Thread-safety: immutable.
 */
public final class Shape {

    private final int[] dims;
    private final int size;

    private Shape(int[] dims) {
        this.dims = dims;
        this.size = checkedSize(dims);
    }

    /**
     * A shape with the given dimensions (copied).
     *
     * @throws IllegalArgumentException if a dimension is negative or the element count exceeds
     *         {@link Integer#MAX_VALUE}
     */
    public static Shape of(int... dims) {
        if (dims == null) {
            throw new IllegalArgumentException("shape: dimensions must not be null");
        }
        return new Shape(dims.clone());
    }

    /** Number of dimensions. */
    public int rank() {
        return dims.length;
    }

    /** Dimension {@code axis}; negative axes count from the end, as in NumPy and PyTorch. */
    public int dim(int axis) {
        return dims[normalizeAxis(axis)];
    }

    /** Total number of elements (1 for a rank-0 shape). */
    public int size() {
        return size;
    }

    /** The dimensions, copied. */
    public int[] toArray() {
        return dims.clone();
    }

    /** Maps a possibly negative axis to {@code [0, rank)}. */
    public int normalizeAxis(int axis) {
        int a = axis < 0 ? axis + dims.length : axis;
        if (a < 0 || a >= dims.length) {
            throw new IndexOutOfBoundsException("axis " + axis + " out of range for shape " + this);
        }
        return a;
    }

    /**
     * Row-major (C order) strides of this shape: the last dimension has stride 1.
     */
    public int[] rowMajorStrides() {
        int[] strides = new int[dims.length];
        int s = 1;
        for (int i = dims.length - 1; i >= 0; i--) {
            strides[i] = s;
            s = multiplyExact(s, Math.max(dims[i], 1), this);
        }
        return strides;
    }

    /**
     * Element count of {@code dims}, checked.
     *
     * @throws IllegalArgumentException naming the shape when a dimension is negative or the product
     *         does not fit an {@code int}
     */
    public static int checkedSize(int... dims) {
        long n = 1;
        for (int d : dims) {
            if (d < 0) {
                throw new IllegalArgumentException("shape " + Arrays.toString(dims) + ": negative dimension " + d);
            }
            n *= d;
            if (n > Integer.MAX_VALUE) {
                throw new IllegalArgumentException("shape " + Arrays.toString(dims)
                        + ": element count exceeds " + Integer.MAX_VALUE + " (the largest Java array)");
            }
        }
        return (int) n;
    }

    private static int multiplyExact(int a, int b, Shape context) {
        long p = (long) a * b;
        if (p > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("shape " + context + ": stride overflows int");
        }
        return (int) p;
    }

    /**
     * Output length of a sliding window along one axis (convolution, pooling): {@code floor((in +
     * before + after − dilation·(kernel − 1) − 1) / stride) + 1}, rounded up instead in {@code ceil}
     * mode, where a last window that would start in the {@code after} padding is dropped (PyTorch's
     * {@code pooling_output_shape}). In {@code long}: nothing wraps around.
     *
     * @param kind the kind of layer in messages, like {@code conv}
     * @param layer the layer's hyperparameters in messages; its {@code toString} runs only on failure,
     *        so a passing check allocates nothing
     * @throws IllegalArgumentException if the input is empty, the padded input is shorter than the
     *         dilated kernel, or the output exceeds an int
     */
    public static int slidingWindowOutput(String kind, Object layer, String axis, int in, int kernel, int stride, int before,
                                          int after, int dilation, boolean ceil) {
        if (in <= 0) {
            throw new IllegalArgumentException(kind + " " + layer + ": input " + axis + " must be > 0, got " + in);
        }
        long span = (long) dilation * (kernel - 1) + 1;
        long padded = (long) in + before + after;
        if (padded < span) {
            throw new IllegalArgumentException(kind + " " + layer + ": input " + axis + " " + in + " padded to " + padded
                    + " is smaller than the dilated kernel (" + span + "): the output would be empty");
        }
        long out = (ceil ? (padded - span + stride - 1) / stride : (padded - span) / stride) + 1;
        if (ceil && (out - 1) * stride >= (long) in + before) {
            out--;
        }
        if (out > Integer.MAX_VALUE) {
            throw new IllegalArgumentException(kind + " " + layer + ": output " + axis + " " + out + " exceeds "
                    + Integer.MAX_VALUE);
        }
        return (int) out;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Shape other && Arrays.equals(dims, other.dims);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(dims);
    }

    /** Like {@code [1, 64, 56, 56]}. */
    @Override
    public String toString() {
        return Arrays.toString(dims);
    }
}
