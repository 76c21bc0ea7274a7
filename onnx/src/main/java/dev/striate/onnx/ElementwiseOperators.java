package dev.striate.onnx;

import dev.striate.activation.Activation;
import dev.striate.activation.Clip;
import dev.striate.activation.Erf;
import dev.striate.activation.Gelu;
import dev.striate.activation.LogSoftmax;
import dev.striate.activation.Softmax;
import dev.striate.elementwise.Broadcast;
import dev.striate.tensor.Shape;
import dev.striate.tensor.Tensor;

/**
 * Operators that map elements (activations, Clip, Softmax / LogSoftmax, BatchNormalization in
 * inference) or pairs of broadcast elements (Mul, Sub, Div; Add is {@link SumOperator}). All may run in place.
 */
final class ElementwiseOperators {

    private ElementwiseOperators() {
    }

    /** Relu, Sigmoid, Tanh, LeakyRelu, HardSigmoid, HardSwish: one engine activation over the whole tensor. */
    static Operator activation(Activation f) {
        return in -> Step.inPlace((i, o) -> f.forward(i[0], o[0]), in[0].size(), Value.runtime(in[0].dims));
    }

    /** The clamp bounds a constant Clip applies, or null when a bound arrives at run time. */
    static float[] constantClipBounds(Node node, java.util.function.Function<String, Value> constants) {
        if (node.opset < 11) {
            return new float[] {node.getFloat("min", -Float.MAX_VALUE), node.getFloat("max", Float.MAX_VALUE)};
        }
        float[] bounds = {Float.NEGATIVE_INFINITY, Float.POSITIVE_INFINITY};
        for (int i = 1; i <= 2; i++) {
            if (node.hasInput(i)) {
                Value v = constants.apply(node.input(i));
                if (v == null) {
                    return null;
                }
                bounds[i - 1] = v.scalar();
            }
        }
        return bounds;
    }

    /**
     * Clip: {@code min(max(x, lo), hi)} (ONNX's rule, so {@code lo > hi} gives hi), bounds from
     * attributes (opset &lt; 11) or from optional scalar inputs, which may arrive at run time.
     */
    static Operator clip(Node node) {
        String name = node.toString();
        if (node.opset < 11) {
            float lo = node.getFloat("min", -Float.MAX_VALUE);
            float hi = node.getFloat("max", Float.MAX_VALUE);
            return in -> clipStep(name, in, lo, hi);
        }
        return in -> {
            for (int b = 1; b < in.length; b++) {
                if (in[b] != null && in[b].size() != 1) {
                    throw new OnnxException(name + ": bound " + in[b] + " must be a scalar");
                }
            }
            Value min = in.length > 1 ? in[1] : null;
            Value max = in.length > 2 ? in[2] : null;
            if ((min == null || min.isConstant()) && (max == null || max.isConstant())) {
                return clipStep(name, in, min == null ? Float.NEGATIVE_INFINITY : min.scalar(),
                        max == null ? Float.POSITIVE_INFINITY : max.scalar());
            }
            return Step.compute((i, o) -> clamp(i[0], o[0], bound(i, 1, Float.NEGATIVE_INFINITY),
                    bound(i, 2, Float.POSITIVE_INFINITY)), in[0].size(), Value.runtime(in[0].dims));
        };
    }

    private static Step clipStep(String name, Value[] in, float lo, float hi) {
        if (Float.isNaN(lo) || Float.isNaN(hi)) {
            throw new OnnxException(name + ": bounds must not be NaN, got [" + lo + ", " + hi + "]");
        }
        if (lo > hi) {
            return Step.inPlace((i, o) -> clamp(i[0], o[0], lo, hi), in[0].size(), Value.runtime(in[0].dims));
        }
        Clip f = new Clip(lo, hi);
        return Step.inPlace((i, o) -> f.forward(i[0], o[0]), in[0].size(), Value.runtime(in[0].dims));
    }

    private static float bound(Tensor[] in, int index, float absent) {
        return index < in.length && in[index] != null ? in[index].data()[in[index].offset()] : absent;
    }

    /** {@code y := min(max(x, lo), hi)} element by element; y may be x. */
    static void clamp(Tensor x, Tensor y, float lo, float hi) {
        float[] xs = x.data();
        float[] ys = y.data();
        int xo = x.offset();
        int yo = y.offset();
        for (int k = 0, n = x.size(); k < n; k++) {
            ys[yo + k] = Math.min(Math.max(xs[xo + k], lo), hi);
        }
    }

    /**
     * Softmax or LogSoftmax. From opset 13 along one axis (default -1); before, over the input
     * flattened to 2-D at {@code axis} (default 1), i.e. over all dimensions from the axis on.
     */
    static Operator softmax(Node node, boolean log) {
        String name = node.toString();
        boolean coerce = node.opset < 13;
        long axis = node.getInt("axis", coerce ? 1 : -1);
        return in -> {
            Value x = in[0];
            int rank = x.rank();
            if (axis < -rank || axis >= Math.max(rank, 1)) {
                throw new OnnxException(name + ": axis " + axis + " is out of range for input " + x);
            }
            int a = (int) (axis < 0 ? axis + rank : axis);
            if (!coerce) {
                Activation f = log ? new LogSoftmax(a) : new Softmax(a);
                return Step.inPlace((i, o) -> f.forward(i[0], o[0]), 5L * x.size(), Value.runtime(x.dims));
            }
            long outer = 1;
            for (int d = 0; d < a; d++) {
                outer *= x.dims[d];
            }
            int[] flat = {(int) outer, (int) (x.size() / Math.max(outer, 1))};
            Activation f = log ? new LogSoftmax(1) : new Softmax(1);
            return Step.inPlace((i, o) -> f.forward(i[0], o[0]), 5L * x.size(), Value.runtime(x.dims))
                    .seenAs(new int[][] {flat}, new int[][] {flat});
        };
    }

    /**
     * Mul, Sub or Div ({@code op} one of {@code * - /}) with multidirectional broadcasting (Add:
     * {@link SumOperator}); on int64 values, shape arithmetic while planning ({@link #integerArithmetic}).
     */
    static Operator arithmetic(Node node, char op) {
        String name = node.toString();
        return in -> {
            if (in[0].type == Value.Type.INT64 || in[1].type == Value.Type.INT64) {
                return integerArithmetic(name, op, in[0], in[1]);
            }
            Shape out;
            try {
                out = Broadcast.shape(Shape.of(in[0].dims), Shape.of(in[1].dims));
            } catch (IllegalArgumentException e) {
                throw new OnnxException(name + ": " + e.getMessage(), e);
            }
            Kernel k = switch (op) {
                case '*' -> (i, o) -> Broadcast.mul(i[0], i[1], o[0]);
                case '-' -> (i, o) -> Broadcast.sub(i[0], i[1], o[0]);
                default -> (i, o) -> Broadcast.div(i[0], i[1], o[0]);
            };
            Value y = Value.runtime(out.toArray());
            return out.equals(Shape.of(in[0].dims)) ? Step.inPlace(k, out.size(), y) : Step.compute(k, out.size(), y);
        };
    }

    /**
     * Gelu (opset 20): {@code approximate="tanh"} is the engine's {@link Gelu}; {@code "none"} (the
     * default, PyTorch's {@code nn.GELU()}) is {@code ½·x·(1 + erf(x/√2))}, in three passes over the
     * output — x/√2, the engine's {@link Erf} in place, then ½·x·(1 + ·) — so nothing is allocated.
     */
    static Operator gelu(Node node) {
        String approximate = node.getString("approximate", "none");
        if (approximate.equals("tanh")) {
            return activation(new Gelu());
        }
        if (!approximate.equals("none")) {
            throw node.unsupported("approximate '" + approximate + "' is not one of none, tanh");
        }
        Erf erf = new Erf();
        float invSqrt2 = (float) (1 / Math.sqrt(2));
        return in -> Step.compute((i, o) -> {
            float[] x = i[0].data();
            float[] y = o[0].data();
            int xo = i[0].offset();
            int yo = o[0].offset();
            int n = o[0].size();
            for (int j = 0; j < n; j++) {
                y[yo + j] = x[xo + j] * invSqrt2;
            }
            erf.forward(o[0], o[0]);
            for (int j = 0; j < n; j++) {
                y[yo + j] = 0.5f * x[xo + j] * (1 + y[yo + j]);
            }
        }, 16L * in[0].size(), Value.runtime(in[0].dims));
    }

    /**
     * PRelu: {@code y = x < 0 ? slope·x : x} with the slope broadcast to x (PyTorch's
     * {@code nn.PReLU(C)} exports it as {@code [C, 1, 1]}; a single slope as {@code [1]}). The slope
     * must be a constant.
     */
    static Operator prelu(Node node) {
        String name = node.toString();
        return Operator.readingWhilePlanning(new int[] {1}, in -> {
            Value x = in[0];
            Value slope = in[1];
            Shape out;
            try {
                out = Broadcast.shape(Shape.of(x.dims), Shape.of(slope.dims));
            } catch (IllegalArgumentException e) {
                throw new OnnxException(name + ": " + e.getMessage(), e);
            }
            if (!out.equals(Shape.of(x.dims)) || slope.floats == null) {
                throw new OnnxException(name + ": slope " + slope + " must be a float constant that broadcasts to input " + x);
            }
            int[] dims = x.dims;
            int[] slopeStrides = broadcastStrides(slope.dims, dims.length);
            float[] slopes = slope.floats;
            return Step.inPlace((i, o) -> {
                float[] xs = i[0].data();
                float[] ys = o[0].data();
                for (int flat = 0, n = o[0].size(); flat < n; flat++) {
                    float v = xs[i[0].offset() + flat];
                    if (v < 0) {
                        v *= slopes[broadcastIndex(flat, dims, slopeStrides)];
                    }
                    ys[o[0].offset() + flat] = v;
                }
            }, x.size(), Value.runtime(dims));
        });
    }

    /**
     * Sqrt, Abs, Neg, Exp, Log, Reciprocal, Softplus ({@code ln(1 + eˣ)}, x itself past 30 where
     * that is exact in float), Floor, Ceil, Softsign, and the exponential units Elu, Celu, Selu (their
     * ONNX defaults), ThresholdedRelu, Shrink, Mish, Swish, Sign, Round (half to even) and the
     * trigonometric and hyperbolic functions: each element through the function in double, rounded once
     * (for Sqrt, the correctly rounded root) — for the odd node of an exported graph (a Mish's or a
     * normalization's pieces, an ELU network), not a hot path.
     */
    static Operator unary(Node node) {
        java.util.function.DoubleUnaryOperator f = switch (node.opType) {
            case "Sqrt" -> Math::sqrt;
            case "Abs" -> Math::abs;
            case "Neg" -> v -> -v;
            case "Exp" -> Math::exp;
            case "Log" -> Math::log;
            case "Reciprocal" -> v -> 1 / v;
            case "Softplus" -> v -> v > 30 ? v : Math.log1p(Math.exp(v));
            case "Floor" -> Math::floor;
            case "Ceil" -> Math::ceil;
            case "Softsign" -> v -> v / (1 + Math.abs(v));
            case "Elu" -> {
                double alpha = node.getFloat("alpha", 1f);
                yield v -> v > 0 ? v : alpha * Math.expm1(v);
            }
            case "Celu" -> {
                double alpha = node.getFloat("alpha", 1f);
                yield v -> Math.max(0, v) + Math.min(0, alpha * Math.expm1(v / alpha));
            }
            case "Selu" -> {
                double alpha = node.getFloat("alpha", 1.67326319217681884765625f);
                double gamma = node.getFloat("gamma", 1.05070102214813232421875f);
                yield v -> gamma * (v > 0 ? v : alpha * Math.expm1(v));
            }
            case "ThresholdedRelu" -> {
                double alpha = node.getFloat("alpha", 1f);
                yield v -> v > alpha ? v : 0;
            }
            case "Shrink" -> {
                double lambda = node.getFloat("lambd", 0.5f);
                double bias = node.getFloat("bias", 0f);
                yield v -> v < -lambda ? v + bias : v > lambda ? v - bias : 0;
            }
            case "Mish" -> v -> v * Math.tanh(v > 30 ? v : Math.log1p(Math.exp(v)));
            case "Swish" -> {
                double alpha = node.getFloat("alpha", 1f);
                yield v -> v / (1 + Math.exp(-alpha * v));
            }
            case "Sign" -> Math::signum;
            case "Round" -> Math::rint;
            case "Sin" -> Math::sin;
            case "Cos" -> Math::cos;
            case "Tan" -> Math::tan;
            case "Asin" -> Math::asin;
            case "Acos" -> Math::acos;
            case "Atan" -> Math::atan;
            case "Sinh" -> Math::sinh;
            case "Cosh" -> Math::cosh;
            case "Asinh" -> v -> Math.copySign(Math.log(Math.abs(v) + Math.sqrt(v * v + 1)), v);
            case "Acosh" -> v -> Math.log(v + Math.sqrt(v * v - 1));
            case "Atanh" -> v -> 0.5 * Math.log1p(2 * v / (1 - v));
            default -> throw node.unsupported("operator " + node.opType + " is not supported");
        };
        return in -> Step.inPlace((i, o) -> {
            float[] x = i[0].data();
            float[] y = o[0].data();
            for (int j = 0, xo = i[0].offset(), yo = o[0].offset(), n = o[0].size(); j < n; j++) {
                y[yo + j] = (float) f.applyAsDouble(x[xo + j]);
            }
        }, in[0].size(), Value.runtime(in[0].dims));
    }

    /**
     * LRN across channels (AlexNet's, GoogLeNet's; PyTorch's {@code LocalResponseNorm}):
     * {@code y = x / (bias + alpha/size · Σ x²)^beta}, the sum over channels
     * {@code c − ⌊(size−1)/2⌋ … c + ⌈(size−1)/2⌉} within the tensor, in double.
     */
    static Operator lrn(Node node) {
        String name = node.toString();
        long size = node.getInt("size", 0);
        if (size < 1 || size > Integer.MAX_VALUE) {
            throw node.unsupported("attribute 'size' must be a positive integer, got " + size);
        }
        double alpha = node.getFloat("alpha", 1e-4f);
        double beta = node.getFloat("beta", 0.75f);
        double bias = node.getFloat("bias", 1f);
        int before = (int) ((size - 1) / 2);
        int after = (int) (size - 1 - before);
        return in -> {
            Value x = in[0];
            if (x.rank() < 3) {
                throw new OnnxException(name + ": input " + x + " must be [N, C, spatial...]");
            }
            int channels = x.dims[1];
            int plane = Shape.checkedSize(java.util.Arrays.copyOfRange(x.dims, 2, x.rank()));
            return Step.compute((i, o) -> {
                float[] xs = i[0].data();
                float[] ys = o[0].data();
                for (int image = 0, images = plane == 0 ? 0 : o[0].size() / (channels * plane); image < images; image++) {
                    int base = image * channels * plane;
                    for (int c = 0; c < channels; c++) {
                        int from = Math.max(0, c - before);
                        int to = Math.min(channels - 1, c + after);
                        for (int j = 0; j < plane; j++) {
                            double squares = 0;
                            for (int k = from; k <= to; k++) {
                                double v = xs[i[0].offset() + base + k * plane + j];
                                squares += v * v;
                            }
                            int at = base + c * plane + j;
                            ys[o[0].offset() + at] = (float) (xs[i[0].offset() + at]
                                    / Math.pow(bias + alpha / size * squares, beta));
                        }
                    }
                }
            }, 2L * size * x.size(), Value.runtime(x.dims));
        };
    }

    /**
     * Pow with multidirectional broadcasting. A constant scalar exponent — what PyTorch exports for
     * {@code x.pow(2)} in a decomposed LayerNorm — takes a fast path: 2 is {@code x·x} (exact to one
     * rounding, as {@code pow}), 1 a copy, 0.5 the square root; any other exponent, or a tensor of
     * exponents, goes through {@code Math.pow} in double, rounded once.
     */
    static Operator pow(Node node) {
        String name = node.toString();
        return in -> {
            Value a = in[0];
            Value b = in[1];
            if (a.type != Value.Type.FLOAT) {
                throw new OnnxException(name + ": base " + a + " must be float");
            }
            if (b.isConstant() && b.size() == 1 && b.rank() <= a.rank()) {
                float e = b.scalar();
                return Step.inPlace((i, o) -> {
                    float[] x = i[0].data();
                    float[] r = o[0].data();
                    for (int j = 0, xo = i[0].offset(), ro = o[0].offset(), n = o[0].size(); j < n; j++) {
                        float v = x[xo + j];
                        r[ro + j] = e == 2f ? v * v : e == 1f ? v : e == 0.5f ? (float) Math.sqrt(v) : (float) Math.pow(v, e);
                    }
                }, a.size(), Value.runtime(a.dims));
            }
            return broadcastElementwise(name, in, Math::pow, e -> e);
        };
    }

    /**
     * Max, Min, Sum and Mean of one or more inputs ({@code op} one of {@code > < + m}) with
     * multidirectional broadcasting, NaN propagating (as NumPy's maximum / minimum); when every input
     * is int64 (shape arithmetic while planning), Max, Min and Sum by {@link #integerArithmetic}.
     */
    static Operator variadic(Node node, char op) {
        String name = node.toString();
        return in -> {
            boolean integer = true;
            for (Value v : in) {
                integer &= v.type == Value.Type.INT64;
            }
            if (integer && op != 'm') {
                Value folded = in[0];
                for (int k = 1; k < in.length; k++) {
                    folded = integerArithmetic(name, op, folded, in[k]).outputs[0];
                }
                if (folded.longs == null) {
                    throw new OnnxException(name + ": int64 operands must be int64 values known while planning, got " + folded);
                }
                return Step.constant(folded);
            }
            int n = in.length;
            return switch (op) {
                case '>' -> broadcastElementwise(name, in, Math::max, s -> s);
                case '<' -> broadcastElementwise(name, in, Math::min, s -> s);
                case '+' -> broadcastElementwise(name, in, Double::sum, s -> s);
                default -> broadcastElementwise(name, in, Double::sum, s -> s / n);
            };
        };
    }

    /**
     * {@code y := finish(f(…f(f(x₀, x₁), x₂)…))} over the operands' broadcast shape, element by
     * element in double, rounded once: the general path for operators that are not hot (Pow with a
     * tensor of exponents, Max, Min, Sum, Mean). An int64 operand must be a constant (an exponent
     * such as PyTorch's {@code pow(x, 2)} written as int64).
     */
    static Step broadcastElementwise(String name, Value[] operands, java.util.function.DoubleBinaryOperator f,
                                             java.util.function.DoubleUnaryOperator finish) {
        Shape out = Shape.of(operands[0].dims);
        try {
            for (Value v : operands) {
                out = Broadcast.shape(out, Shape.of(v.dims));
            }
        } catch (IllegalArgumentException e) {
            throw new OnnxException(name + ": " + e.getMessage(), e);
        }
        int count = operands.length;
        float[][] constants = new float[count][];
        int[][] strides = new int[count][];
        int[] dims = out.toArray();
        for (int k = 0; k < count; k++) {
            Value v = operands[k];
            if (v.type != Value.Type.FLOAT && v.longs == null) {
                throw new OnnxException(name + ": operand " + v + " must be float, or an integer constant");
            }
            constants[k] = v.longs != null ? toFloats(v.longs) : null;
            strides[k] = broadcastStrides(v.dims, dims.length);
        }
        return Step.compute((i, o) -> {
            float[] ys = o[0].data();
            for (int flat = 0, n = o[0].size(); flat < n; flat++) {
                double y = 0;
                for (int k = 0; k < count; k++) {
                    float[] xs = constants[k] != null ? constants[k] : i[k].data();
                    int at = (constants[k] != null ? 0 : i[k].offset()) + broadcastIndex(flat, dims, strides[k]);
                    y = k == 0 ? xs[at] : f.applyAsDouble(y, xs[at]);
                }
                ys[o[0].offset() + flat] = (float) finish.applyAsDouble(y);
            }
        }, (long) count * out.size(), Value.runtime(dims));
    }

    static float[] toFloats(long[] values) {
        float[] f = new float[values.length];
        for (int i = 0; i < f.length; i++) {
            f[i] = values[i];
        }
        return f;
    }

    /** Row-major strides of {@code dims} aligned right in a rank-{@code rank} broadcast, 0 where it repeats. */
    static int[] broadcastStrides(int[] dims, int rank) {
        int[] strides = new int[rank];
        for (int d = dims.length - 1, stride = 1; d >= 0; d--) {
            strides[d + rank - dims.length] = dims[d] == 1 ? 0 : stride;
            stride *= dims[d];
        }
        return strides;
    }

    /**
     * {@code a op b} on int64 values known while planning ({@code op} one of {@code + - * /}, or
     * {@code > <} for max and min),
     * broadcasting as NumPy: shape arithmetic such as PyTorch's export of {@code torch.chunk}
     * (Shape → Gather → Add → Div → Mul → Slice). Division truncates toward zero, as ONNX Runtime's;
     * a zero divisor, overflow, or a float operand is refused.
     */
    static Step integerArithmetic(String name, char op, Value a, Value b) {
        if (a.longs == null || b.longs == null) {
            throw new OnnxException(name + ": int64 operands must be int64 values known while planning, got " + a + " and " + b);
        }
        return Step.constant(broadcastLongs(name, a, b, (x, z) -> {
            try {
                return switch (op) {
                    case '+' -> Math.addExact(x, z);
                    case '-' -> Math.subtractExact(x, z);
                    case '*' -> Math.multiplyExact(x, z);
                    case '>' -> Math.max(x, z);
                    case '<' -> Math.min(x, z);
                    default -> {
                        if (z == 0) {
                            throw new OnnxException(name + ": integer division by zero");
                        }
                        yield x / z;
                    }
                };
            } catch (ArithmeticException e) {
                throw new OnnxException(name + ": " + x + " " + op + " " + z + " overflows int64", e);
            }
        }));
    }

    /** {@code f(a, b)} over the broadcast of two int64 values known while planning. */
    static Value broadcastLongs(String name, Value a, Value b, java.util.function.LongBinaryOperator f) {
        Shape out;
        try {
            out = Broadcast.shape(Shape.of(a.dims), Shape.of(b.dims));
        } catch (IllegalArgumentException e) {
            throw new OnnxException(name + ": " + e.getMessage(), e);
        }
        int[] dims = out.toArray();
        int[] aStrides = broadcastStrides(a.dims, dims.length);
        int[] bStrides = broadcastStrides(b.dims, dims.length);
        long[] y = new long[out.size()];
        for (int i = 0; i < y.length; i++) {
            y[i] = f.applyAsLong(a.longs[broadcastIndex(i, dims, aStrides)], b.longs[broadcastIndex(i, dims, bStrides)]);
        }
        return Value.longs(dims, y);
    }

    /** The element an operand with these broadcast strides ({@link #broadcastStrides}) gives output element {@code flat}. */
    static int broadcastIndex(int flat, int[] dims, int[] strides) {
        int at = 0;
        for (int d = dims.length - 1, rest = flat; d >= 0; d--) {
            at += rest % dims[d] * strides[d];
            rest /= dims[d];
        }
        return at;
    }

    /** BatchNormalization's channel count, its scale, B, mean and var checked as float constants of that many. */
    static int batchNormChannels(String name, Value[] in) {
        Value x = in[0];
        if (x.rank() < 2) {
            throw new OnnxException(name + ": input " + x + " must be [N, C, ...]");
        }
        int c = x.dims[1];
        for (int p = 1; p <= 4; p++) {
            if (in[p].floats == null || in[p].size() != c) {
                throw new OnnxException(name + ": input " + p + " " + in[p] + " must be a float constant [" + c + "] for input " + x);
            }
        }
        return c;
    }

    /**
     * BatchNormalization in inference: {@code y = (x − mean) / sqrt(var + eps) · scale + B} per
     * channel (axis 1) of any rank, as one multiply-add with per-channel factors computed in double.
     */
    static Operator batchNorm(Node node) {
        String name = node.toString();
        float eps = node.getFloat("epsilon", 1e-5f);
        if (node.getInt("spatial", 1) != 1) {
            throw node.unsupported("spatial=0 is not supported");
        }
        if (node.getInt("training_mode", 0) != 0) {
            return NormalizationOperators.batchNormTraining(node);
        }
        node.ignore("momentum"); // read by the training form only
        for (int o = 1; o < node.outputs.size(); o++) {
            if (node.hasOutput(o)) {
                throw node.unsupported("output " + o + " (training statistics) needs training_mode=1");
            }
        }
        return Operator.readingWhilePlanning(new int[] {1, 2, 3, 4}, in -> {
            Value x = in[0];
            int c = batchNormChannels(name, in);
            float[] scale = new float[c];
            float[] shift = new float[c];
            for (int ch = 0; ch < c; ch++) {
                double s = in[1].floats[ch] / Math.sqrt((double) in[4].floats[ch] + eps);
                scale[ch] = (float) s;
                shift[ch] = (float) (in[2].floats[ch] - in[3].floats[ch] * s);
            }
            int inner = x.size() / Math.max(1, x.dims[0] * c);
            return Step.inPlace((i, o) -> channelAffine(i[0], o[0], scale, shift, inner), 2L * x.size(),
                    Value.runtime(x.dims));
        });
    }

    /** {@code y[n, c, j] := x[n, c, j]·scale[c] + shift[c]}; y may be x. */
    private static void channelAffine(Tensor x, Tensor y, float[] scale, float[] shift, int inner) {
        float[] xs = x.data();
        float[] ys = y.data();
        int xo = x.offset();
        int yo = y.offset();
        int channels = scale.length;
        for (int row = 0, rows = x.size() / Math.max(1, inner); row < rows; row++) {
            float s = scale[row % channels];
            float t = shift[row % channels];
            int base = row * inner;
            for (int j = 0; j < inner; j++) {
                ys[yo + base + j] = xs[xo + base + j] * s + t;
            }
        }
    }
}
