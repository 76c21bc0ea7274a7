package dev.striate.gemm;

/**
 * One GEMM operand packed once for many products with it — a layer's weights: {@code op(A)} as
 * MR-high panels or {@code op(B)} as NR-wide panels, slice after slice of the product's K blocks
 * ({@link GemmConfig#depthBlock}: at most KC deep), exactly as
 * {@link Sgemm} packs operands inside a call. A product with it skips that packing, which for a
 * convolution with few output pixels costs as much as the multiplication (measured on a 512-channel
 * 3x3 layer over 7x7 pixels: packing the weights took 43% of the call).
 *
 * <p>Layout: slice {@code pc} (depth {@code [pc, pc + kc)}) starts at {@code pc · padded}, where
 * {@code padded} is the panel side (m or n) rounded up to MR or NR; within it the panel holding
 * row (or column) {@code i} starts at {@code i · kc}. Independent of how threads split C, so
 * products stay bitwise identical for any thread count.
 *
 * <p>Made by {@link Sgemm#packA} / {@link Sgemm#packB}, which give it its own floats, or laid over
 * the caller's ({@link Sgemm#packedB(int, int, float[], int, PackedOperand)}: a view, from an
 * offset, of memory the caller lends for as long as it uses the operand); usable only with an Sgemm
 * of the same blocking. Thread-safety: immutable between packings; repacking into it while a
 * product reads it is a data race.
 */
public final class PackedOperand {

    /*
     * Final for every operand a caller holds; only Sgemm's own shared-packing workspaces are
     * reshaped (reshape), between the calls that own them.
     */
    boolean isA;
    /** Rows of op(A) (m) or columns of op(B) (n): the panel side. */
    int side;
    int depth;
    int panel;
    int kc;
    float[] data;
    /** Where the packing starts in data: 0 for an operand with its own floats. */
    int base;
    /** Whether data is the caller's (a view), which only {@link Sgemm#packedB(int, int, float[], int, PackedOperand)} re-points. */
    final boolean view;

    PackedOperand(boolean isA, int side, int depth, int panel, int kc) {
        this.view = false;
        reshape(isA, side, depth, panel, kc);
    }

    /** A view of {@code data} from {@code base} (at least {@link #padded()}·depth floats there: the caller checks). */
    PackedOperand(boolean isA, int side, int depth, int panel, int kc, float[] data, int base) {
        this.view = true;
        shape(isA, side, depth, panel, kc);
        this.data = data;
        this.base = base;
    }

    /**
     * This operand as an empty packing of another shape, its buffer reused when large enough (Sgemm's
     * shared-packing workspace: nothing allocated per call once grown).
     */
    PackedOperand reshape(boolean isA, int side, int depth, int panel, int kc) {
        shape(isA, side, depth, panel, kc);
        int size = Math.toIntExact((long) padded() * depth);
        if (data == null || data.length < size) {
            data = new float[size];
        }
        return this;
    }

    private void shape(boolean isA, int side, int depth, int panel, int kc) {
        this.isA = isA;
        this.side = side;
        this.depth = depth;
        this.panel = panel;
        this.kc = kc;
    }

    /** The panel side rounded up to whole panels. */
    int padded() {
        return (side + panel - 1) / panel * panel;
    }

    /** Offset of the panel holding row/column {@code i} (a multiple of the panel width) in slice {@code pc}. */
    int panelAt(int pc, int kcOfSlice, int i) {
        return base + pc * padded() + i * kcOfSlice;
    }

    /** Whether this is op(A) (m×k) rather than op(B) (k×n). */
    public boolean isA() {
        return isA;
    }

    /** m for op(A), n for op(B). */
    public int side() {
        return side;
    }

    /** k. */
    public int depth() {
        return depth;
    }
}
