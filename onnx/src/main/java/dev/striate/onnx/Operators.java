package dev.striate.onnx;

import dev.striate.activation.Erf;
import dev.striate.activation.HardSigmoid;
import dev.striate.activation.HardSwish;
import dev.striate.activation.LeakyRelu;
import dev.striate.activation.Relu;
import dev.striate.activation.Sigmoid;
import dev.striate.activation.Tanh;

import java.util.function.Supplier;

/** The operators this importer knows, by ONNX op type (domain {@code ai.onnx}). */
final class Operators {

    private Operators() {
    }

    /**
     * The operator for a node, its attributes read and checked ({@code codec} decodes tensor attributes).
     *
     * @throws OnnxException naming the node and what is unsupported
     */
    static Operator create(Node node, Execution execution, TensorCodec codec) {
        // the factory first, so that an unknown op type is reported as such, not by an arity it does not have
        Supplier<Operator> factory = switch (node.opType) {
            case "Conv" -> () -> new ConvOperator(node, execution);
            case "ConvTranspose" -> () -> new ConvTransposeOperator(node, execution);
            case "Resize", "Upsample" -> () -> new ResizeOperator(node);
            case "MaxPool" -> () -> new PoolOperator(node, true, execution);
            case "AveragePool" -> () -> new PoolOperator(node, false, execution);
            case "GlobalMaxPool" -> () -> PoolOperator.global(node, true, execution);
            case "GlobalAveragePool" -> () -> PoolOperator.global(node, false, execution);
            case "LpPool" -> () -> PoolOperator.lp(node, execution);
            case "MaxUnpool" -> () -> PoolOperator.maxUnpool(node);
            case "GlobalLpPool" -> () -> PoolOperator.globalLp(node);
            case "ReduceMean", "ReduceSum", "ReduceMax", "ReduceMin", "ReduceL2", "ReduceL1", "ReduceProd", "ReduceSumSquare",
                 "ReduceLogSum", "ReduceLogSumExp" -> () -> PoolOperator.reduce(node, execution);
            case "Relu" -> () -> ElementwiseOperators.activation(new Relu());
            case "LeakyRelu" -> () -> ElementwiseOperators.activation(new LeakyRelu(node.getFloat("alpha", 0.01f)));
            case "Sigmoid" -> () -> ElementwiseOperators.activation(new Sigmoid());
            case "Tanh" -> () -> ElementwiseOperators.activation(new Tanh());
            case "HardSigmoid" -> () -> ElementwiseOperators.activation(new HardSigmoid(node.getFloat("alpha", 0.2f),
                    node.getFloat("beta", 0.5f)));
            case "HardSwish" -> () -> ElementwiseOperators.activation(new HardSwish());
            case "Erf" -> () -> ElementwiseOperators.activation(new Erf());
            case "Gelu" -> () -> ElementwiseOperators.gelu(node);
            case "Clip" -> () -> ElementwiseOperators.clip(node);
            case "Softmax" -> () -> ElementwiseOperators.softmax(node, false);
            case "LogSoftmax" -> () -> ElementwiseOperators.softmax(node, true);
            case "Add" -> () -> new SumOperator(node, execution);
            case "Mul" -> () -> ElementwiseOperators.arithmetic(node, '*');
            case "Sub" -> () -> ElementwiseOperators.arithmetic(node, '-');
            case "Div" -> () -> ElementwiseOperators.arithmetic(node, '/');
            case "Pow" -> () -> ElementwiseOperators.pow(node);
            case "Max" -> () -> ElementwiseOperators.variadic(node, '>');
            case "Min" -> () -> ElementwiseOperators.variadic(node, '<');
            case "Greater", "Less", "Equal", "GreaterOrEqual", "LessOrEqual", "And", "Or", "Xor" -> () -> LogicOperators.binary(node);
            case "Not" -> () -> LogicOperators.not(node);
            case "Where" -> () -> LogicOperators.where(node);
            case "Sum" -> () -> ElementwiseOperators.variadic(node, '+');
            case "Mean" -> () -> ElementwiseOperators.variadic(node, 'm');
            case "Sqrt", "Abs", "Neg", "Exp", "Log", "Reciprocal", "Softplus", "Floor", "Ceil", "Softsign", "Elu", "Celu", "Selu",
                 "ThresholdedRelu", "Shrink", "Mish", "Swish", "Sign", "Round", "Sin", "Cos", "Tan", "Asin", "Acos", "Atan",
                 "Sinh", "Cosh", "Asinh", "Acosh", "Atanh" -> () -> ElementwiseOperators.unary(node);
            case "BatchNormalization" -> () -> ElementwiseOperators.batchNorm(node);
            case "LayerNormalization" -> () -> NormalizationOperators.layerNorm(node);
            case "RMSNormalization" -> () -> NormalizationOperators.rmsNorm(node);
            case "InstanceNormalization" -> () -> NormalizationOperators.instanceNorm(node, false);
            case "GroupNormalization" -> () -> NormalizationOperators.instanceNorm(node, true);
            case "MeanVarianceNormalization" -> () -> NormalizationOperators.meanVarianceNorm(node);
            case "LpNormalization" -> () -> NormalizationOperators.lpNorm(node);
            case "Hardmax" -> () -> SelectionOperators.hardmax(node);
            case "ArgMax" -> () -> SelectionOperators.argExtreme(node, true);
            case "ArgMin" -> () -> SelectionOperators.argExtreme(node, false);
            case "TopK" -> () -> SelectionOperators.topK(node);
            case "PRelu" -> () -> ElementwiseOperators.prelu(node);
            case "LRN" -> () -> ElementwiseOperators.lrn(node);
            case "Gemm" -> () -> new GemmOperator(node, execution);
            case "MatMul" -> () -> GemmOperator.matMul(node, execution);
            case "Identity" -> () -> ShapeOperators.identity();
            case "Dropout" -> () -> ShapeOperators.dropout(node);
            case "Flatten" -> () -> ShapeOperators.flatten(node);
            case "Reshape" -> () -> ShapeOperators.reshape(node);
            case "Squeeze" -> () -> ShapeOperators.squeeze(node, false);
            case "Unsqueeze" -> () -> ShapeOperators.squeeze(node, true);
            case "Shape" -> () -> ShapeOperators.shape(node);
            case "Size" -> () -> ShapeOperators.size(node);
            case "Gather" -> () -> ShapeOperators.gather(node);
            case "Cast" -> () -> ShapeOperators.cast(node);
            case "CastLike" -> () -> ShapeOperators.castLike(node);
            case "Concat" -> () -> ShapeOperators.concat(node);
            case "Split" -> () -> ShapeOperators.split(node);
            case "Pad" -> () -> ShapeOperators.pad(node);
            case "Transpose" -> () -> StridedOperators.transpose(node);
            case "Slice" -> () -> StridedOperators.slice(node);
            case "Expand" -> () -> StridedOperators.expand(node);
            case "Tile" -> () -> StridedOperators.tile(node);
            case "Col2Im" -> () -> StridedOperators.col2im(node);
            case "Range" -> () -> ShapeOperators.range(node);
            case "DepthToSpace" -> () -> StridedOperators.depthSpace(node, true);
            case "SpaceToDepth" -> () -> StridedOperators.depthSpace(node, false);
            case "ConstantOfShape" -> () -> StridedOperators.constantOfShape(node, codec);
            default -> throw node.unsupported("operator " + node.opType + " is not supported");
        };
        checkArity(node);
        return factory.get();
    }

    /** Inputs each op type takes: {min, max}; the first min must be present (non-empty). */
    private static int[] arity(Node node) {
        return switch (node.opType) {
            case "Conv", "ConvTranspose", "Gemm", "LayerNormalization" -> new int[] {2, 3};
            case "Clip" -> new int[] {1, 3};
            case "Max", "Min", "Sum", "Mean" -> new int[] {1, Integer.MAX_VALUE};
            case "Greater", "Less", "Equal", "GreaterOrEqual", "LessOrEqual", "And", "Or", "Xor" -> new int[] {2, 2};
            case "Where" -> new int[] {3, 3};
            case "Add", "Sub", "Mul", "Div", "Pow", "PRelu", "MatMul", "Gather", "Expand" -> new int[] {2, 2};
            case "InstanceNormalization", "GroupNormalization", "Col2Im" -> new int[] {3, 3};
            case "RMSNormalization" -> new int[] {2, 2};
            case "BatchNormalization" -> new int[] {5, 5};
            case "Dropout" -> new int[] {1, 3};
            case "Reshape", "CastLike", "Tile" -> new int[] {2, 2};
            case "Range" -> new int[] {3, 3};
            case "TopK" -> node.opset < 10 ? new int[] {1, 1} : new int[] {2, 2};
            case "Squeeze", "Unsqueeze", "ReduceMean", "ReduceSum", "ReduceMax", "ReduceMin", "ReduceL2", "ReduceL1", "ReduceProd",
                 "ReduceSumSquare", "ReduceLogSum", "ReduceLogSumExp", "Split" -> new int[] {1, 2};
            case "Concat" -> new int[] {1, Integer.MAX_VALUE};
            case "Pad" -> node.opset < 11 ? new int[] {1, 1} : new int[] {2, 4};
            case "Slice" -> node.opset < 10 ? new int[] {1, 1} : new int[] {3, 5};
            case "Resize" -> node.opset < 11 ? new int[] {2, 2} : new int[] {1, 4};
            case "MaxUnpool" -> new int[] {2, 3};
            case "Upsample" -> node.opset < 9 ? new int[] {1, 1} : new int[] {2, 2};
            default -> new int[] {1, 1};
        };
    }

    private static void checkArity(Node node) {
        int[] range = arity(node);
        int given = node.inputs.size();
        while (given > 0 && node.input(given - 1).isEmpty()) {
            given--;
        }
        if (given > range[1]) {
            throw node.unsupported(given + " inputs, at most " + range[1] + " expected");
        }
        for (int i = 0; i < range[0]; i++) {
            if (!node.hasInput(i)) {
                throw node.unsupported("input " + i + " is missing (" + range[0] + " required)");
            }
        }
        if (node.outputs.isEmpty() || !node.hasOutput(0)) {
            throw node.unsupported("it has no output");
        }
    }

    /** A Constant node's value (value, value_float(s), value_int(s)). */
    static Value constant(Node node, TensorCodec codec) {
        if (node.has("value")) {
            return codec.decode(node.getTensor("value"), node + " value");
        }
        if (node.has("value_float")) {
            return Value.floats(new int[0], new float[] {node.getFloat("value_float", 0)});
        }
        if (node.has("value_floats")) {
            float[] f = node.getFloats("value_floats");
            return Value.floats(new int[] {f.length}, f);
        }
        if (node.has("value_int")) {
            return Value.longs(new int[0], new long[] {node.getInt("value_int", 0)});
        }
        if (node.has("value_ints")) {
            long[] l = node.getInts("value_ints");
            return Value.longs(new int[] {l.length}, l);
        }
        throw node.unsupported("needs one of value, value_float(s), value_int(s)");
    }
}
