package dev.striate.verify.onnx;

import com.google.protobuf.ByteString;
import dev.striate.onnx.proto.OnnxProto.AttributeProto;
import dev.striate.onnx.proto.OnnxProto.GraphProto;
import dev.striate.onnx.proto.OnnxProto.ModelProto;
import dev.striate.onnx.proto.OnnxProto.NodeProto;
import dev.striate.onnx.proto.OnnxProto.OperatorSetIdProto;
import dev.striate.onnx.proto.OnnxProto.TensorProto;
import dev.striate.onnx.proto.OnnxProto.TensorShapeProto;
import dev.striate.onnx.proto.OnnxProto.TypeProto;
import dev.striate.onnx.proto.OnnxProto.ValueInfoProto;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.SplittableRandom;

/**
 * Builds ONNX models the way exporters write them (initializers in raw_data, PyTorch's flatten as
 * Shape → Gather → Unsqueeze → Concat → Reshape), with seeded weights: He-scaled normal conv and
 * linear weights, BatchNormalization statistics near identity. Values are named {@code v<i>}.
 *
 * <p>Thread-safety: not thread-safe (a builder).
 */
public final class OnnxGraphBuilder {

    private final GraphProto.Builder graph = GraphProto.newBuilder();
    private final int opset;
    private final SplittableRandom random;
    private int next;

    public OnnxGraphBuilder(String name, int opset, long seed) {
        this.graph.setName(name);
        this.opset = opset;
        this.random = new SplittableRandom(seed);
    }

    /** A float input; a dim of -1 is free (named {@code N} when first, else {@code d<i>}). */
    public String input(String name, int... dims) {
        TensorShapeProto.Builder shape = TensorShapeProto.newBuilder();
        for (int i = 0; i < dims.length; i++) {
            TensorShapeProto.Dimension.Builder d = TensorShapeProto.Dimension.newBuilder();
            if (dims[i] < 0) {
                d.setDimParam(i == 0 ? "N" : "d" + i);
            } else {
                d.setDimValue(dims[i]);
            }
            shape.addDim(d);
        }
        graph.addInput(ValueInfoProto.newBuilder().setName(name).setType(TypeProto.newBuilder().setTensorType(
                TypeProto.Tensor.newBuilder().setElemType(TensorProto.DataType.FLOAT_VALUE).setShape(shape))));
        return name;
    }

    public OnnxGraphBuilder output(String name) {
        graph.addOutput(ValueInfoProto.newBuilder().setName(name).setType(TypeProto.newBuilder().setTensorType(
                TypeProto.Tensor.newBuilder().setElemType(TensorProto.DataType.FLOAT_VALUE))));
        return this;
    }

    /** A float initializer in raw_data. */
    public String initializer(float[] data, int... dims) {
        ByteBuffer bytes = ByteBuffer.allocate(data.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        bytes.asFloatBuffer().put(data);
        String name = fresh();
        TensorProto.Builder t = TensorProto.newBuilder().setName(name).setDataType(TensorProto.DataType.FLOAT_VALUE)
                .setRawData(ByteString.copyFrom(bytes.array()));
        for (int d : dims) {
            t.addDims(d);
        }
        graph.addInitializer(t);
        return name;
    }

    /** An int64 initializer in int64_data. */
    public String longs(long... data) {
        String name = fresh();
        TensorProto.Builder t = TensorProto.newBuilder().setName(name).setDataType(TensorProto.DataType.INT64_VALUE)
                .addDims(data.length);
        for (long v : data) {
            t.addInt64Data(v);
        }
        graph.addInitializer(t);
        return name;
    }

    /** Normal weights with standard deviation {@code std}. */
    public String normal(double std, int... dims) {
        int n = 1;
        for (int d : dims) {
            n *= d;
        }
        float[] w = new float[n];
        for (int i = 0; i < n; i++) {
            w[i] = (float) (random.nextGaussian() * std);
        }
        return initializer(w, dims);
    }

    /** Uniform values in {@code [lo, hi)}. */
    public String uniform(double lo, double hi, int... dims) {
        int n = 1;
        for (int d : dims) {
            n *= d;
        }
        float[] w = new float[n];
        for (int i = 0; i < n; i++) {
            w[i] = (float) (lo + random.nextDouble() * (hi - lo));
        }
        return initializer(w, dims);
    }

    /**
     * A node with one output. Attributes come as name, value pairs: Integer/Long → INT,
     * Float/Double → FLOAT, String → STRING, int[]/long[] → INTS, float[] → FLOATS, TensorProto → TENSOR.
     */
    public String node(String op, String[] inputs, Object... attributes) {
        return nodeWithOutputs(op, 1, inputs, attributes)[0];
    }

    public String[] nodeWithOutputs(String op, int outputs, String[] inputs, Object... attributes) {
        NodeProto.Builder n = NodeProto.newBuilder().setOpType(op).setName(op.toLowerCase() + "_" + next);
        for (String in : inputs) {
            n.addInput(in);
        }
        String[] out = new String[outputs];
        for (int i = 0; i < outputs; i++) {
            out[i] = fresh();
            n.addOutput(out[i]);
        }
        for (int i = 0; i < attributes.length; i += 2) {
            n.addAttribute(attribute((String) attributes[i], attributes[i + 1]));
        }
        graph.addNode(n);
        return out;
    }

    private static AttributeProto attribute(String name, Object v) {
        AttributeProto.Builder a = AttributeProto.newBuilder().setName(name);
        switch (v) {
            case Integer i -> a.setType(AttributeProto.AttributeType.INT).setI(i);
            case Long l -> a.setType(AttributeProto.AttributeType.INT).setI(l);
            case Float f -> a.setType(AttributeProto.AttributeType.FLOAT).setF(f);
            case Double d -> a.setType(AttributeProto.AttributeType.FLOAT).setF(d.floatValue());
            case String s -> a.setType(AttributeProto.AttributeType.STRING).setS(ByteString.copyFromUtf8(s));
            case TensorProto t -> a.setType(AttributeProto.AttributeType.TENSOR).setT(t);
            case int[] ints -> {
                a.setType(AttributeProto.AttributeType.INTS);
                for (int x : ints) {
                    a.addInts(x);
                }
            }
            case long[] longs -> {
                a.setType(AttributeProto.AttributeType.INTS);
                for (long x : longs) {
                    a.addInts(x);
                }
            }
            case float[] floats -> {
                a.setType(AttributeProto.AttributeType.FLOATS);
                for (float x : floats) {
                    a.addFloats(x);
                }
            }
            default -> throw new IllegalArgumentException("attribute " + name + ": unsupported value " + v);
        }
        return a.build();
    }

    /** Conv with He-normal weights, square kernel, symmetric padding; bias optional. */
    public String conv(String x, int in, int out, int kernel, int stride, int pad, int groups, boolean bias) {
        String w = normal(Math.sqrt(2.0 / (in / groups * kernel * kernel)), out, in / groups, kernel, kernel);
        String[] inputs = bias ? new String[] {x, w, uniform(-0.1, 0.1, out)} : new String[] {x, w};
        return node("Conv", inputs, "kernel_shape", new int[] {kernel, kernel}, "strides", new int[] {stride, stride},
                "pads", new int[] {pad, pad, pad, pad}, "group", groups);
    }

    /** Inference BatchNormalization with statistics near identity. */
    public String batchNorm(String x, int channels) {
        return node("BatchNormalization", new String[] {x, uniform(0.5, 1.5, channels), uniform(-0.1, 0.1, channels),
                uniform(-0.1, 0.1, channels), uniform(0.5, 1.5, channels)}, "epsilon", 1e-5f);
    }

    public String relu(String x) {
        return node("Relu", new String[] {x});
    }

    /** ReLU6 as PyTorch exports it: Clip with constant bound inputs (opset 11+). */
    public String relu6(String x) {
        return node("Clip", new String[] {x, initializer(new float[] {0f}), initializer(new float[] {6f})});
    }

    /** Conv → BatchNormalization → activation ("relu", "relu6" or "" for none). */
    public String convBn(String x, int in, int out, int kernel, int stride, int groups, String activation) {
        String y = batchNorm(conv(x, in, out, kernel, stride, kernel / 2, groups, false), out);
        return switch (activation) {
            case "relu" -> relu(y);
            case "relu6" -> relu6(y);
            default -> y;
        };
    }

    /** PyTorch's {@code x.view(x.size(0), -1)} export: Shape → Gather(0) → Unsqueeze → Concat(·, [-1]) → Reshape. */
    public String pytorchFlatten(String x) {
        String shape = node("Shape", new String[] {x});
        String batch = node("Gather", new String[] {shape, scalarLong(0)}, "axis", 0);
        String batch1 = opset >= 13 ? node("Unsqueeze", new String[] {batch, longs(0)})
                : node("Unsqueeze", new String[] {batch}, "axes", new long[] {0});
        String target = node("Concat", new String[] {batch1, longs(-1)}, "axis", 0);
        return node("Reshape", new String[] {x, target});
    }

    /**
     * PyTorch's {@code F.pad(x, (left, right, top, bottom), value=v)} export (opset 11+): the pads
     * computed on int64 constants — ConstantOfShape → Concat → Reshape([-1, 2]) → Slice(step −1,
     * reversing the pairs) → Transpose → Reshape([-1]) → Cast — then Pad with the value as input 2.
     */
    public String pytorchPad(String x, int left, int right, int top, int bottom, float value) {
        TensorProto zero = TensorProto.newBuilder().setDataType(TensorProto.DataType.INT64_VALUE).addDims(1).addInt64Data(0).build();
        String zeros = node("ConstantOfShape", new String[] {longs(4)}, "value", zero);
        String given = node("Concat", new String[] {longs(left, right, top, bottom), zeros}, "axis", 0);
        String pairs = node("Reshape", new String[] {given, longs(-1, 2)});
        String reversed = node("Slice", new String[] {pairs, longs(-1), longs(-Long.MAX_VALUE), longs(0), longs(-1)});
        String columns = node("Transpose", new String[] {reversed}, "perm", new int[] {1, 0});
        String pads = node("Cast", new String[] {node("Reshape", new String[] {columns, longs(-1)})}, "to", 7);
        return node("Pad", new String[] {x, pads, initializer(new float[] {value})}, "mode", "constant");
    }

    private String scalarLong(long v) {
        String name = fresh();
        graph.addInitializer(TensorProto.newBuilder().setName(name).setDataType(TensorProto.DataType.INT64_VALUE).addInt64Data(v));
        return name;
    }

    /** {@code nn.Linear(in, out)} as PyTorch exports it: Gemm with transB = 1. */
    public String linear(String x, int in, int out) {
        return node("Gemm", new String[] {x, normal(Math.sqrt(1.0 / in), out, in), uniform(-0.1, 0.1, out)},
                "alpha", 1f, "beta", 1f, "transB", 1);
    }

    public ModelProto build() {
        return ModelProto.newBuilder().setIrVersion(8).setProducerName("striate-verification")
                .addOpsetImport(OperatorSetIdProto.newBuilder().setDomain("").setVersion(opset)).setGraph(graph).build();
    }

    private String fresh() {
        return "v" + next++;
    }
}
