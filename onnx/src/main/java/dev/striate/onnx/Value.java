package dev.striate.onnx;

import dev.striate.tensor.Shape;
import dev.striate.tensor.Tensor;

import java.util.Arrays;

/**
 * A graph value as planning sees it: element type and shape, plus the elements when they are known
 * before any input arrives (initializers, constants, shape arithmetic). Immutable by convention: the
 * arrays are never written after construction.
 */
final class Value {

    enum Type { FLOAT, INT64 }

    final Type type;
    final int[] dims;
    final float[] floats;
    final long[] longs;
    /** A run-time boolean: float32 ones and zeros (a bool graph input, a comparison's result). */
    final boolean bool;

    private Value(Type type, int[] dims, float[] floats, long[] longs, boolean bool) {
        Shape.checkedSize(dims);
        this.type = type;
        this.dims = dims;
        this.floats = floats;
        this.longs = longs;
        this.bool = bool;
    }

    /** A float tensor computed at run time. */
    static Value runtime(int... dims) {
        return new Value(Type.FLOAT, dims, null, null, false);
    }

    /** A boolean tensor computed at run time, as float32 ones and zeros. */
    static Value runtimeBool(int... dims) {
        return new Value(Type.FLOAT, dims, null, null, true);
    }

    static Value floats(int[] dims, float[] data) {
        return new Value(Type.FLOAT, dims, data, null, false);
    }

    static Value longs(int[] dims, long[] data) {
        return new Value(Type.INT64, dims, null, data, false);
    }

    boolean isConstant() {
        return floats != null || longs != null;
    }

    int rank() {
        return dims.length;
    }

    int size() {
        return Shape.checkedSize(dims);
    }

    /** A float constant as a tensor over the same array (read-only by convention). */
    Tensor tensor() {
        return Tensor.of(floats, dims);
    }

    /** The elements as longs, for shape arithmetic on either type. */
    long[] asLongs() {
        if (longs != null) {
            return longs;
        }
        long[] out = new long[floats.length];
        for (int i = 0; i < out.length; i++) {
            out[i] = (long) floats[i];
        }
        return out;
    }

    /** The one element of a constant scalar (any rank with one element), as a float. */
    float scalar() {
        return floats != null ? floats[0] : longs[0];
    }

    @Override
    public String toString() {
        return (type == Type.FLOAT ? "float" : "int64") + Arrays.toString(dims);
    }
}
