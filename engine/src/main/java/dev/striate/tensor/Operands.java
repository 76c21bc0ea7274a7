package dev.striate.tensor;

/**
 * The argument checks every layer makes on its tensors, with messages that name the layer, the
 * argument and both shapes. Each check allocates nothing when it passes: a message is built only
 * on failure.
 *
 * <p>Thread-safety: stateless.
 */
public final class Operands {

    private Operands() {
    }

    /** {@code t} is non-null and contiguous; returns it. */
    public static Tensor contiguous(String layer, String name, Tensor t) {
        if (t == null) {
            throw new IllegalArgumentException(layer + ": " + name + " must not be null");
        }
        if (!t.isContiguous()) {
            throw new IllegalArgumentException(layer + ": " + name + " " + t.shape() + " must be contiguous (use copy())");
        }
        return t;
    }

    /** {@code t} is contiguous and has exactly {@code expected}'s shape (named {@code expectedName} in the message). */
    public static Tensor sameShape(String layer, String name, Tensor t, String expectedName, Tensor expected) {
        contiguous(layer, name, t);
        if (!t.shape().equals(expected.shape())) {
            throw new IllegalArgumentException(layer + ": " + name + " must have the shape of " + expectedName + " "
                    + expected.shape() + ", got " + t.shape());
        }
        return t;
    }

    /** {@code t} has rank 4 (NCHW). */
    public static Tensor image(String layer, String name, Tensor t) {
        contiguous(layer, name, t);
        if (t.rank() != 4) {
            throw new IllegalArgumentException(layer + ": " + name + " must be [N, C, H, W], got " + t.shape());
        }
        return t;
    }

    /** {@code t} is contiguous with dims {@code [n, c, h, w]}. */
    public static Tensor image(String layer, String name, Tensor t, int n, int c, int h, int w) {
        image(layer, name, t);
        if (t.dim(0) != n || t.dim(1) != c || t.dim(2) != h || t.dim(3) != w) {
            throw new IllegalArgumentException(layer + ": " + name + " must be " + Shape.of(n, c, h, w)
                    + ", got " + t.shape());
        }
        return t;
    }

    /**
     * {@code t} and {@code other} are either the very same elements (an in-place call) or share no
     * array cell: a partial overlap would let a kernel read what it has already overwritten.
     */
    public static void sameOrDisjoint(String layer, String name, Tensor t, String otherName, Tensor other) {
        if (t.data() != other.data() || (t.offset() == other.offset() && t.size() == other.size())) {
            return;
        }
        if (t.offset() < other.offset() + other.size() && other.offset() < t.offset() + t.size()) {
            throw new IllegalArgumentException(layer + ": " + name + " partly overlaps " + otherName
                    + " in the same array; pass the same tensor (in place) or a separate buffer");
        }
    }

    /** {@code t} and {@code other} share no array cell (the kernel cannot run in place). */
    public static void disjoint(String layer, String name, Tensor t, String otherName, Tensor other) {
        if (t.data() == other.data() && t.offset() < other.offset() + other.size()
                && other.offset() < t.offset() + t.size()) {
            throw new IllegalArgumentException(layer + ": " + name + " overlaps " + otherName
                    + " in the same array; " + name + " must be a separate buffer");
        }
    }
}
