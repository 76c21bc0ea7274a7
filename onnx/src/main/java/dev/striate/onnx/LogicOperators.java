package dev.striate.onnx;

import dev.striate.elementwise.Broadcast;
import dev.striate.tensor.Shape;

import java.util.function.DoubleBinaryOperator;

import static dev.striate.onnx.ElementwiseOperators.broadcastIndex;

/**
 * The comparisons (Greater, Less, Equal, GreaterOrEqual, LessOrEqual), the logical operators (And,
 * Or, Xor, Not) and Where, with multidirectional broadcasting. Booleans are 1 and 0: int64 values
 * while planning (PyTorch's shape arithmetic: Equal and Where around a dynamic Reshape or Expand),
 * float32 tensors at run time (PyTorch's export of {@code hardshrink}, {@code softshrink},
 * {@code masked_fill}), so a boolean graph output is returned as float32 ones and zeros.
 * Comparisons with NaN are false, as IEEE and NumPy have them.
 */
final class LogicOperators {

    private LogicOperators() {
    }

    /** A comparison or a binary logical operator, by op type. */
    static Operator binary(Node node) {
        String name = node.toString();
        DoubleBinaryOperator f = switch (node.opType) {
            case "Greater" -> (a, b) -> a > b ? 1 : 0;
            case "Less" -> (a, b) -> a < b ? 1 : 0;
            case "Equal" -> (a, b) -> a == b ? 1 : 0;
            case "GreaterOrEqual" -> (a, b) -> a >= b ? 1 : 0;
            case "LessOrEqual" -> (a, b) -> a <= b ? 1 : 0;
            case "And" -> (a, b) -> a != 0 && b != 0 ? 1 : 0;
            case "Or" -> (a, b) -> a != 0 || b != 0 ? 1 : 0;
            case "Xor" -> (a, b) -> (a != 0) != (b != 0) ? 1 : 0;
            default -> throw node.unsupported("operator " + node.opType + " is not supported");
        };
        return in -> {
            if (in[0].longs != null && in[1].longs != null) {
                return Step.constant(ElementwiseOperators.broadcastLongs(name, in[0], in[1], (a, b) -> (long) f.applyAsDouble(a, b)));
            }
            return asBool(ElementwiseOperators.broadcastElementwise(name, in, f, v -> v));
        };
    }

    /** The step with its output marked boolean. */
    private static Step asBool(Step step) {
        return Step.compute(step.kernel, step.flops, Value.runtimeBool(step.outputs[0].dims));
    }

    /** Not: 1 where the input is 0 (false), else 0. */
    static Operator not(Node node) {
        String name = node.toString();
        return in -> {
            Value x = in[0];
            if (x.longs != null) {
                return Step.constant(ElementwiseOperators.broadcastLongs(name, x, x, (a, b) -> a == 0 ? 1 : 0));
            }
            return asBool(ElementwiseOperators.broadcastElementwise(name, new Value[] {x}, (a, b) -> a, v -> v == 0 ? 1 : 0));
        };
    }

    /** Where: x where the condition is true (non-zero), else y. */
    static Operator where(Node node) {
        String name = node.toString();
        return in -> {
            Value condition = in[0];
            Value x = in[1];
            Value y = in[2];
            Shape out;
            try {
                out = Broadcast.shape(Broadcast.shape(Shape.of(condition.dims), Shape.of(x.dims)), Shape.of(y.dims));
            } catch (IllegalArgumentException e) {
                throw new OnnxException(name + ": " + e.getMessage(), e);
            }
            int[] dims = out.toArray();
            if (condition.longs != null && x.longs != null && y.longs != null) {
                long[] values = new long[out.size()];
                int[][] strides = strides(dims, in);
                for (int flat = 0; flat < values.length; flat++) {
                    values[flat] = condition.longs[broadcastIndex(flat, dims, strides[0])] != 0
                            ? x.longs[broadcastIndex(flat, dims, strides[1])] : y.longs[broadcastIndex(flat, dims, strides[2])];
                }
                return Step.constant(Value.longs(dims, values));
            }
            float[][] constants = new float[3][];
            for (int k = 0; k < 3; k++) {
                if (in[k].type != Value.Type.FLOAT && in[k].longs == null) {
                    throw new OnnxException(name + ": operand " + in[k] + " must be float, or an integer constant");
                }
                constants[k] = in[k].longs != null ? ElementwiseOperators.toFloats(in[k].longs) : null;
            }
            int[][] strides = strides(dims, in);
            return Step.compute((i, o) -> {
                float[] ys = o[0].data();
                for (int flat = 0, n = o[0].size(); flat < n; flat++) {
                    ys[o[0].offset() + flat] = read(i, constants, 0, flat, dims, strides) != 0
                            ? read(i, constants, 1, flat, dims, strides) : read(i, constants, 2, flat, dims, strides);
                }
            }, out.size(), Value.runtime(dims));
        };
    }

    private static float read(dev.striate.tensor.Tensor[] in, float[][] constants, int k, int flat, int[] dims, int[][] strides) {
        int at = broadcastIndex(flat, dims, strides[k]);
        return constants[k] != null ? constants[k][at] : in[k].data()[in[k].offset() + at];
    }

    private static int[][] strides(int[] dims, Value[] operands) {
        int[][] strides = new int[operands.length][];
        for (int k = 0; k < operands.length; k++) {
            strides[k] = ElementwiseOperators.broadcastStrides(operands[k].dims, dims.length);
        }
        return strides;
    }
}
