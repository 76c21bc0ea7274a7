package dev.striate.pool;

import dev.striate.simd.VectorSupport;
import dev.striate.tensor.Operands;
import dev.striate.tensor.Tensor;

/**
 * What the global pools share: {@code [N, C, H, W] → [N, C, 1, 1]}, the checks, and the loop that
 * reduces each plane with the subclass's kernel. Public so that callers can hold either pool as one type.
 *
 * <p>Thread-safety: as its subclasses, safe to share between threads.
 */
public abstract sealed class GlobalPooling permits GlobalAvgPool, GlobalMaxPool {

    private final String name;

    GlobalPooling(String name) {
        VectorSupport.require();
        this.name = name;
    }

    /** Forward into a new {@code [N, C, 1, 1]} tensor. */
    public Tensor forward(Tensor x) {
        Operands.image(name, "x", x);
        Tensor y = Tensor.zeros(x.dim(0), x.dim(1), 1, 1);
        forward(x, y);
        return y;
    }

    /** {@code y[n, c] := reduce(x[n, c])}; y must not overlap x. */
    public void forward(Tensor x, Tensor y) {
        checkImage("x", x);
        Operands.image(name, "y", y, x.dim(0), x.dim(1), 1, 1);
        Operands.disjoint(name, "y", y, "x", x);
        reducePlanes(x.data(), x.offset(), x.dim(2) * x.dim(3), y.data(), y.offset(), y.size());
    }

    /** {@code out[outAt + p] := reduce(plane p of in)} for p < planes, planes {@code plane} floats apart from at. */
    void reducePlanes(float[] in, int at, int plane, float[] out, int outAt, int planes) {
        for (int p = 0; p < planes; p++) {
            out[outAt + p] = reduce(in, at + p * plane, plane);
        }
    }

    /** {@code t} is {@code [N, C, H, W]} with a non-empty plane. */
    final void checkImage(String what, Tensor t) {
        Operands.image(name, what, t);
        if (t.dim(2) == 0 || t.dim(3) == 0) {
            throw new IllegalArgumentException(name + ": " + what + " " + t.shape() + " has an empty plane");
        }
    }

    /** The plane {@code in[at, at + plane)} reduced to one value. */
    abstract float reduce(float[] in, int at, int plane);

    @Override
    public final String toString() {
        return name;
    }
}
