package dev.striate.tensor;

import java.util.Arrays;

/**
 * A dense float32 tensor: a {@link Shape}, per-dimension strides and an offset into a heap
 * {@code float[]}. Images are NCHW. Views ({@link #select}, {@link #narrow}, {@link #reshape}) share
 * the array; nothing here copies unless its name says so.
 *
 * <p>Kept deliberately small: the metadata and the views that kernels need. Kernels take the
 * {@link #data() array} and {@link #offset() offset} of a {@linkplain #isContiguous() contiguous}
 * tensor and index it themselves.
 *
 * <p>Thread-safety: the metadata is immutable; the elements are a shared mutable array with no
 * synchronization — concurrent writers to overlapping views need external coordination.
 */
public final class Tensor {

    private final float[] data;
    private final int offset;
    private final Shape shape;
    private final int[] strides;

    private Tensor(float[] data, int offset, Shape shape, int[] strides) {
        this.data = data;
        this.offset = offset;
        this.shape = shape;
        this.strides = strides;
    }

    /** A new zero-filled, contiguous tensor. */
    public static Tensor zeros(int... dims) {
        Shape shape = Shape.of(dims);
        return new Tensor(new float[shape.size()], 0, shape, shape.rowMajorStrides());
    }

    /**
     * A contiguous tensor over {@code data[offset, offset + size)}, without copying.
     *
     * @throws IllegalArgumentException if the shape is invalid or does not fit in the array
     */
    public static Tensor wrap(float[] data, int offset, int... dims) {
        if (data == null) {
            throw new IllegalArgumentException("tensor data must not be null");
        }
        Shape shape = Shape.of(dims);
        if (offset < 0 || (long) offset + shape.size() > data.length) {
            throw new IllegalArgumentException("tensor of shape " + shape + " at offset " + offset
                    + " does not fit an array of length " + data.length);
        }
        return new Tensor(data, offset, shape, shape.rowMajorStrides());
    }

    /** {@link #wrap(float[], int, int...)} at offset 0; the shape must cover the whole array. */
    public static Tensor of(float[] data, int... dims) {
        Tensor t = wrap(data, 0, dims);
        if (t.size() != data.length) {
            throw new IllegalArgumentException("shape " + t.shape + " holds " + t.size()
                    + " elements but the array has " + data.length);
        }
        return t;
    }

    public Shape shape() {
        return shape;
    }

    public int rank() {
        return shape.rank();
    }

    /** Dimension {@code axis} (negative counts from the end). */
    public int dim(int axis) {
        return shape.dim(axis);
    }

    /** Number of elements. */
    public int size() {
        return shape.size();
    }

    /** Stride of {@code axis} in elements (negative axes count from the end). */
    public int stride(int axis) {
        return strides[shape.normalizeAxis(axis)];
    }

    /** The backing array, shared. */
    public float[] data() {
        return data;
    }

    /** Index in {@link #data()} of the element at all-zero coordinates. */
    public int offset() {
        return offset;
    }

    /** Whether the elements are laid out row-major without gaps from {@link #offset()}. */
    public boolean isContiguous() {
        if (shape.size() == 0) {
            return true; // no elements: every layout of them is dense
        }
        int expected = 1;
        for (int i = strides.length - 1; i >= 0; i--) {
            int d = shape.dim(i);
            if (d != 1 && strides[i] != expected) {
                return false;
            }
            expected *= d;
        }
        return true;
    }

    /**
     * The same elements under another shape, without copying. One dimension may be {@code -1} and is
     * then inferred.
     *
     * @throws IllegalArgumentException if the element counts differ
     * @throws IllegalStateException if this tensor is not contiguous
     */
    public Tensor reshape(int... dims) {
        int[] resolved = dims.clone();
        int inferred = -1;
        long known = 1;
        for (int i = 0; i < resolved.length; i++) {
            if (resolved[i] == -1) {
                if (inferred >= 0) {
                    throw new IllegalArgumentException("reshape " + shape + " to " + Arrays.toString(dims)
                            + ": only one dimension may be -1");
                }
                inferred = i;
            } else {
                if (resolved[i] < 0) {
                    throw new IllegalArgumentException("reshape " + shape + " to " + Arrays.toString(dims)
                            + ": negative dimension " + resolved[i]);
                }
                known *= resolved[i];
                if (known > Integer.MAX_VALUE) {
                    throw new IllegalArgumentException("reshape " + shape + " to " + Arrays.toString(dims)
                            + ": element count overflows int");
                }
            }
        }
        if (inferred >= 0) {
            if (known == 0 || size() % known != 0) {
                throw new IllegalArgumentException("reshape " + shape + " (" + size() + " elements) to "
                        + Arrays.toString(dims) + ": cannot infer the -1 dimension");
            }
            resolved[inferred] = (int) (size() / known);
        }
        Shape target = Shape.of(resolved);
        if (target.size() != size()) {
            throw new IllegalArgumentException("reshape " + shape + " (" + size() + " elements) to " + target
                    + " (" + target.size() + " elements): element counts differ");
        }
        if (!isContiguous()) {
            throw new IllegalStateException("reshape of a non-contiguous view " + shape + " would need a copy");
        }
        return new Tensor(data, offset, target, target.rowMajorStrides());
    }

    /**
     * The sub-tensor at {@code index} along {@code axis}, one rank lower (like PyTorch's
     * {@code select}); e.g. image {@code n} of an NCHW batch is {@code select(0, n)}.
     */
    public Tensor select(int axis, int index) {
        int a = shape.normalizeAxis(axis);
        checkIndex(a, index);
        int[] dims = shape.toArray();
        int[] newDims = new int[dims.length - 1];
        int[] newStrides = new int[dims.length - 1];
        for (int i = 0, j = 0; i < dims.length; i++) {
            if (i != a) {
                newDims[j] = dims[i];
                newStrides[j++] = strides[i];
            }
        }
        return new Tensor(data, offset + index * strides[a], Shape.of(newDims), newStrides);
    }

    /** The elements {@code [start, start + length)} along {@code axis}, same rank (PyTorch {@code narrow}). */
    public Tensor narrow(int axis, int start, int length) {
        int a = shape.normalizeAxis(axis);
        int d = shape.dim(a);
        if (start < 0 || length < 0 || (long) start + length > d) {
            throw new IndexOutOfBoundsException("narrow(" + axis + ", " + start + ", " + length
                    + ") out of range for shape " + shape);
        }
        int[] dims = shape.toArray();
        dims[a] = length;
        return new Tensor(data, offset + (length == 0 ? 0 : start * strides[a]), Shape.of(dims), strides.clone());
    }

    /** The element at the given coordinates. */
    public float get(int... index) {
        return data[indexOf(index)];
    }

    /** Sets the element at the given coordinates. */
    public void set(float value, int... index) {
        data[indexOf(index)] = value;
    }

    /** A new contiguous tensor with the same shape and elements. */
    public Tensor copy() {
        Tensor out = zeros(shape.toArray());
        int[] index = new int[rank()];
        for (int i = 0; i < size(); i++) {
            out.data[i] = data[indexOf(index)];
            increment(index);
        }
        return out;
    }

    private void increment(int[] index) {
        for (int i = index.length - 1; i >= 0; i--) {
            if (++index[i] < shape.dim(i)) {
                return;
            }
            index[i] = 0;
        }
    }

    private int indexOf(int[] index) {
        if (index.length != rank()) {
            throw new IllegalArgumentException("index of rank " + index.length + " for a tensor of shape " + shape);
        }
        int at = offset;
        for (int i = 0; i < index.length; i++) {
            checkIndex(i, index[i]);
            at += index[i] * strides[i];
        }
        return at;
    }

    private void checkIndex(int axis, int index) {
        if (index < 0 || index >= shape.dim(axis)) {
            throw new IndexOutOfBoundsException("index " + index + " out of range for axis " + axis
                    + " of shape " + shape);
        }
    }

    @Override
    public String toString() {
        return "Tensor" + shape;
    }
}
