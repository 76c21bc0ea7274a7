package dev.striate.elementwise;

import dev.striate.simd.FloatSpecies;
import dev.striate.simd.Lanes;
import dev.striate.simd.VectorSupport;
import dev.striate.tensor.Operands;
import dev.striate.tensor.Shape;
import dev.striate.tensor.Tensor;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * Element-wise {@code add}, {@code sub}, {@code mul} and {@code div} with NumPy / ONNX
 * multidirectional broadcasting (shapes aligned at the right; a dimension of 1 or a missing one
 * repeats), each element one IEEE operation (one rounding), and the gradients of add and mul, which
 * sum the output gradient over the repeated dimensions ({@link #sumTo}, {@link #mulSumTo}; sub's
 * are add's with b's negated, div's mul's by {@code 1/b} and {@code −a/b²}).
 *
 * <p>The forms CNNs need are the fast ones: equal shapes (the residual add) are one vector loop; a
 * per-channel operand {@code [C, 1, 1]} or {@code [1, C, 1, 1]} on {@code [N, C, H, W]} (bias, scale)
 * is a vector loop per row with a broadcast scalar. Shapes are walked dimension by dimension
 * recursively, so no call allocates.
 *
 * <p>{@code out} may be {@code a} or {@code b} when that operand has the output's shape (in place);
 * any other overlap is rejected.
 *
 * <p>Thread-safety: stateless.
 */
public final class Broadcast {

    private static final VectorSpecies<Float> S = FloatSpecies.PREFERRED;
    private static final int L = FloatSpecies.LANES;

    private static final int ADD = 0;
    private static final int MUL = 1;
    private static final int SUB = 2;
    private static final int DIV = 3;
    /** out += a (out broadcast over a). */
    private static final int SUM_INTO = 4;
    /** out += a·b (out broadcast over a). */
    private static final int MUL_SUM_INTO = 5;

    private Broadcast() {
    }

    /** The broadcast shape of a and b. @throws IllegalArgumentException naming both shapes when they do not broadcast */
    public static Shape shape(Shape a, Shape b) {
        int rank = Math.max(a.rank(), b.rank());
        int[] dims = new int[rank];
        for (int d = 0; d < rank; d++) {
            int da = dimAligned(a, d, rank);
            int db = dimAligned(b, d, rank);
            if (da != db && da != 1 && db != 1) {
                throw new IllegalArgumentException("shapes " + a + " and " + b + " do not broadcast: dimension " + d
                        + " is " + da + " against " + db);
            }
            dims[d] = da == 1 ? db : da;
        }
        return Shape.of(dims);
    }

    /** {@code out := a + b}, broadcasting. */
    public static void add(Tensor a, Tensor b, Tensor out) {
        binary("add", ADD, a, b, out);
    }

    /** {@code out := a · b}, broadcasting. */
    public static void mul(Tensor a, Tensor b, Tensor out) {
        binary("mul", MUL, a, b, out);
    }

    /** {@code out := a − b}, broadcasting. */
    public static void sub(Tensor a, Tensor b, Tensor out) {
        binary("sub", SUB, a, b, out);
    }

    /** {@code out := a / b}, broadcasting (IEEE division: ±∞ or NaN where b is 0). */
    public static void div(Tensor a, Tensor b, Tensor out) {
        binary("div", DIV, a, b, out);
    }

    /** {@code a + b} into a new tensor. */
    public static Tensor add(Tensor a, Tensor b) {
        Tensor out = Tensor.zeros(shape(a.shape(), b.shape()).toArray());
        add(a, b, out);
        return out;
    }

    /** {@code a · b} into a new tensor. */
    public static Tensor mul(Tensor a, Tensor b) {
        Tensor out = Tensor.zeros(shape(a.shape(), b.shape()).toArray());
        mul(a, b, out);
        return out;
    }

    /**
     * {@code target := Σ dy} over the dimensions along which target was broadcast to dy's shape:
     * the gradient of {@code add} for each operand ({@code da = sumTo(dy, a-shaped)}).
     */
    public static void sumTo(Tensor dy, Tensor target) {
        reduce("sumTo", SUM_INTO, dy, null, target);
    }

    /**
     * {@code target := Σ dy · other} over the dimensions along which target was broadcast: the
     * gradient of {@code mul} ({@code da = mulSumTo(dy, b, a-shaped)}). other must broadcast to dy's shape.
     */
    public static void mulSumTo(Tensor dy, Tensor other, Tensor target) {
        reduce("mulSumTo", MUL_SUM_INTO, dy, other, target);
    }

    private static void binary(String name, int op, Tensor a, Tensor b, Tensor out) {
        VectorSupport.require();
        Operands.contiguous(name, "a", a);
        Operands.contiguous(name, "b", b);
        Operands.contiguous(name, "out", out);
        if (!isBroadcastOf(out.shape(), a.shape(), b.shape())) {
            throw new IllegalArgumentException(name + ": out must have the broadcast shape of " + a.shape() + " and "
                    + b.shape() + ", got " + out.shape());
        }
        requireInPlaceOrDisjoint(name, "a", a, out);
        requireInPlaceOrDisjoint(name, "b", b, out);
        walk(op, 0, mergedFrom(out.shape(), a, b, out), out.shape(), a, a.offset(), b, b.offset(), out, out.offset());
    }

    private static void reduce(String name, int op, Tensor dy, Tensor other, Tensor target) {
        VectorSupport.require();
        Operands.contiguous(name, "dy", dy);
        Operands.contiguous(name, "target", target);
        if (!isBroadcastOf(dy.shape(), target.shape(), dy.shape())) {
            throw new IllegalArgumentException(name + ": target " + target.shape() + " does not broadcast to dy "
                    + dy.shape());
        }
        Operands.disjoint(name, "target", target, "dy", dy);
        if (other != null) {
            Operands.contiguous(name, "other", other);
            if (!isBroadcastOf(dy.shape(), other.shape(), dy.shape())) {
                throw new IllegalArgumentException(name + ": other " + other.shape() + " does not broadcast to dy "
                        + dy.shape());
            }
            Operands.disjoint(name, "target", target, "other", other);
        }
        java.util.Arrays.fill(target.data(), target.offset(), target.offset() + target.size(), 0f);
        walk(op, 0, mergedFrom(dy.shape(), dy, other, target), dy.shape(), dy, dy.offset(), other,
                other == null ? 0 : other.offset(), target, target.offset());
    }

    /** Whether {@code out} is the broadcast shape of a and b; compares dims without building a shape. */
    private static boolean isBroadcastOf(Shape out, Shape a, Shape b) {
        int rank = Math.max(a.rank(), b.rank());
        if (out.rank() != rank) {
            return false;
        }
        for (int d = 0; d < rank; d++) {
            int da = dimAligned(a, d, rank);
            int db = dimAligned(b, d, rank);
            if ((da != db && da != 1 && db != 1) || out.dim(d) != (da == 1 ? db : da)) {
                return false;
            }
        }
        return true;
    }

    private static void requireInPlaceOrDisjoint(String name, String operand, Tensor t, Tensor out) {
        if (t.data() == out.data() && t.offset() == out.offset() && t.shape().equals(out.shape())) {
            return;
        }
        Operands.disjoint(name, "out", out, operand, t);
    }

    /**
     * Visits dimension {@code d} of the iteration shape; each tensor is indexed with its own
     * broadcast strides (0 where it repeats). Dimensions from {@code from} on run as one inner loop.
     */
    private static void walk(int op, int d, int from, Shape shape, Tensor a, int ao, Tensor b, int bo, Tensor o, int oo) {
        int rank = shape.rank();
        if (rank == 0) {
            inner(op, 1, a.data(), ao, 0, b == null ? null : b.data(), bo, 0, o.data(), oo, 0);
            return;
        }
        if (d == from) {
            int n = 1;
            for (int k = from; k < rank; k++) {
                n *= shape.dim(k);
            }
            inner(op, n, a.data(), ao, innerStride(shape, a, from), b == null ? null : b.data(), bo,
                    b == null ? 0 : innerStride(shape, b, from), o.data(), oo, innerStride(shape, o, from));
            return;
        }
        int n = shape.dim(d);
        int sa = stride(a, d, rank);
        int sb = b == null ? 0 : stride(b, d, rank);
        int so = stride(o, d, rank);
        for (int i = 0; i < n; i++) {
            walk(op, d + 1, from, shape, a, ao + i * sa, b, bo + i * sb, o, oo + i * so);
        }
    }

    /**
     * The first dimension from which each tensor is, over the rest of the shape, either whole or
     * broadcast (size 1 throughout): those dimensions run as one inner loop of strides 1 or 0, so a
     * residual add is one loop, and a per-channel one a loop per plane rather than per row.
     */
    private static int mergedFrom(Shape shape, Tensor a, Tensor b, Tensor o) {
        int from = Math.max(0, shape.rank() - 1);
        while (from > 0 && uniformFrom(shape, a, from - 1) && uniformFrom(shape, b, from - 1)
                && uniformFrom(shape, o, from - 1)) {
            from--;
        }
        return from;
    }

    private static boolean uniformFrom(Shape shape, Tensor t, int from) {
        return t == null || innerStride(shape, t, from) == 0 || whole(shape, t, from);
    }

    private static boolean whole(Shape shape, Tensor t, int from) {
        for (int k = from; k < shape.rank(); k++) {
            if (dimAligned(t.shape(), k, shape.rank()) != shape.dim(k)) {
                return false;
            }
        }
        return true;
    }

    /** 0 where t has size 1 in every dimension from {@code from} on (it repeats), else 1. */
    private static int innerStride(Shape shape, Tensor t, int from) {
        for (int k = from; k < shape.rank(); k++) {
            if (dimAligned(t.shape(), k, shape.rank()) != 1) {
                return 1;
            }
        }
        return 0;
    }

    /** Row-major stride of t at dimension d of a rank-{@code rank} iteration, 0 where t is broadcast. */
    private static int stride(Tensor t, int d, int rank) {
        int td = d - (rank - t.rank());
        if (td < 0 || t.dim(td) == 1) {
            return 0;
        }
        int stride = 1;
        for (int k = td + 1; k < t.rank(); k++) {
            stride *= t.dim(k);
        }
        return stride;
    }

    private static int dimAligned(Shape s, int d, int rank) {
        int sd = d - (rank - s.rank());
        return sd < 0 ? 1 : s.dim(sd);
    }

    // n elements along one dimension; strides 0 (broadcast) or 1 take the vector paths | allocates nothing
    private static void inner(int op, int n, float[] a, int ao, int sa, float[] b, int bo, int sb,
                              float[] o, int oo, int so) {
        if (op < SUM_INTO) {
            elementwise(op, n, a, ao, sa, b, bo, sb, o, oo);
        } else if (so == 0) {
            o[oo] += dot(n, a, ao, sa, op == MUL_SUM_INTO ? b : null, bo, sb);
        } else {
            // target has this dimension: an element-wise accumulate (sa == so == 1)
            for (int i = 0; i < n; i++) {
                float v = a[ao + i * sa];
                o[oo + i * so] += op == MUL_SUM_INTO ? v * b[bo + i * sb] : v;
            }
        }
    }

    private static void elementwise(int op, int n, float[] a, int ao, int sa, float[] b, int bo, int sb,
                                    float[] o, int oo) {
        int i = 0;
        int bound = S.loopBound(n);
        if (sa == 1 && sb == 1) {
            for (; i < bound; i += L) {
                apply(op, FloatVector.fromArray(S, a, ao + i), FloatVector.fromArray(S, b, bo + i)).intoArray(o, oo + i);
            }
        } else if (sa == 1 && sb == 0) {
            FloatVector s = FloatVector.broadcast(S, b[bo]);
            for (; i < bound; i += L) {
                apply(op, FloatVector.fromArray(S, a, ao + i), s).intoArray(o, oo + i);
            }
        } else if (sa == 0 && sb == 1) {
            FloatVector s = FloatVector.broadcast(S, a[ao]);
            for (; i < bound; i += L) {
                apply(op, s, FloatVector.fromArray(S, b, bo + i)).intoArray(o, oo + i);
            }
        }
        for (; i < n; i++) {
            float x = a[ao + i * sa];
            float y = b[bo + i * sb];
            o[oo + i] = switch (op) {
                case ADD -> x + y;
                case MUL -> x * y;
                case SUB -> x - y;
                default -> x / y;
            };
        }
    }

    /** The lanewise op: small enough that C2 inlines it into each loop, so no vector is boxed. */
    private static FloatVector apply(int op, FloatVector x, FloatVector y) {
        return switch (op) {
            case ADD -> x.add(y);
            case MUL -> x.mul(y);
            case SUB -> x.sub(y);
            default -> x.div(y);
        };
    }

    /** Σ a[i] (·b[i] when b is given) over n elements with strides 0 or 1. */
    private static float dot(int n, float[] a, int ao, int sa, float[] b, int bo, int sb) {
        int i = 0;
        float sum = 0f;
        if (sa == 1 && (b == null || sb == 1)) {
            FloatVector acc = FloatVector.zero(S);
            for (int bound = S.loopBound(n); i < bound; i += L) {
                FloatVector va = FloatVector.fromArray(S, a, ao + i);
                acc = b == null ? acc.add(va) : va.fma(FloatVector.fromArray(S, b, bo + i), acc);
            }
            sum = Lanes.sum(acc); // lane order: reduceLanes(ADD) gives other bits once C2 compiles it
        }
        for (; i < n; i++) {
            float v = a[ao + i * sa];
            sum += b == null ? v : v * b[bo + i * sb];
        }
        return sum;
    }
}
