package dev.striate.activation;

import dev.striate.simd.FloatSpecies;
import dev.striate.simd.VectorSupport;
import dev.striate.tensor.Operands;
import dev.striate.tensor.Tensor;
import jdk.incubator.vector.VectorSpecies;

/**
 * An activation applied element by element: the tensor checks, once, around two array kernels.
 *
 * <p>The kernels' vector loop covers {@code loopBound(n)} elements and a masked pass the rest, in a
 * method of its own: a vector that stays live across a rarely taken tail branch is what C2 has been
 * seen to box (see the conv kernels), and a masked pass computes the tail with the very same lane
 * operations, so an element's result does not depend on where it sits in the array.
 */
abstract class Pointwise implements Activation {

    static final VectorSpecies<Float> S = FloatSpecies.PREFERRED;
    static final int L = FloatSpecies.LANES;

    /** The layer's name with its hyperparameters, built once: checks run on every call and must not allocate. */
    private final String name;

    Pointwise(String name) {
        VectorSupport.require();
        this.name = name;
    }

    @Override
    public final String toString() {
        return name;
    }

    @Override
    public final void forward(Tensor x, Tensor y) {
        String layer = name;
        Operands.contiguous(layer, "x", x);
        Operands.sameShape(layer, "y", y, "x", x);
        Operands.sameOrDisjoint(layer, "y", y, "x", x);
        forward(x.data(), x.offset(), y.data(), y.offset(), x.size());
    }

    @Override
    public final void backward(Tensor saved, Tensor dy, Tensor dx) {
        String layer = name;
        String savedName = backwardUsesOutput() ? "y" : "x";
        Operands.contiguous(layer, savedName, saved);
        Operands.sameShape(layer, "dy", dy, savedName, saved);
        Operands.sameShape(layer, "dx", dx, savedName, saved);
        Operands.sameOrDisjoint(layer, "dx", dx, "dy", dy);
        Operands.sameOrDisjoint(layer, "dx", dx, savedName, saved);
        backward(saved.data(), saved.offset(), dy.data(), dy.offset(), dx.data(), dx.offset(), saved.size());
    }

    /** {@code y[yo + i] := f(x[xo + i])} for i in [0, n); y may be x at the same offset. */
    abstract void forward(float[] x, int xo, float[] y, int yo, int n);

    /** {@code dx[i] := dy[i] · f'(saved[i])} over n elements; dx may be dy or saved at the same offset. */
    abstract void backward(float[] saved, int so, float[] dy, int dyo, float[] dx, int dxo, int n);
}
