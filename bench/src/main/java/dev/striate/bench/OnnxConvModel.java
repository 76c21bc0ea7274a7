package dev.striate.bench;

import dev.striate.conv.ConvParams;
import dev.striate.conv.ConvProblem;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/**
 * A one-node ONNX model — {@code y = Conv(x, W, B)} with a layer's exact hyperparameters and weights
 * — serialized by hand: the few protobuf fields of {@code onnx.proto} it needs (field numbers are
 * the format's), so the bench module needs no protobuf runtime to hand ONNX Runtime the same layer.
 *
 * <p>Thread-safety: stateless.
 */
final class OnnxConvModel {

    private static final int WIRE_VARINT = 0;
    private static final int WIRE_BYTES = 2;
    private static final int FLOAT = 1;          // TensorProto.DataType.FLOAT
    private static final int ATTRIBUTE_INT = 2;  // AttributeProto.AttributeType.INT
    private static final int ATTRIBUTE_INTS = 7; // AttributeProto.AttributeType.INTS

    private OnnxConvModel() {
    }

    /** ModelProto bytes: IR version 8, opset 13, graph input "x", output "y", initializers "W", "B". */
    static byte[] conv(ConvProblem problem, float[] weights, float[] bias) {
        ConvParams p = problem.params();
        Message node = new Message()
                .string(1, "x").string(1, "W").string(1, "B")  // input
                .string(2, "y")                                 // output
                .string(3, "conv")                              // name
                .string(4, "Conv")                              // op_type
                .message(5, ints("kernel_shape", p.kernelH(), p.kernelW()))
                .message(5, ints("strides", p.strideH(), p.strideW()))
                .message(5, ints("pads", p.padTop(), p.padLeft(), p.padBottom(), p.padRight()))
                .message(5, ints("dilations", p.dilationH(), p.dilationW()))
                .message(5, new Message().string(1, "group").varint(20, ATTRIBUTE_INT).varint(3, p.groups()));
        Message graph = new Message()
                .message(1, node)
                .string(2, "conv")
                .message(5, tensor("W", weights, p.weightShape()))
                .message(5, tensor("B", bias, p.outChannels()))
                .message(11, valueInfo("x", problem.batch(), p.inChannels(), problem.height(), problem.width()))
                .message(12, valueInfo("y", problem.batch(), p.outChannels(), problem.outputHeight(), problem.outputWidth()));
        Message model = new Message()
                .varint(1, 8)                                                  // ir_version
                .message(8, new Message().string(1, "").varint(2, 13))         // opset_import
                .string(2, "striate-bench")                                    // producer_name
                .message(7, graph);
        return model.bytes();
    }

    private static Message ints(String name, int... values) {
        Message a = new Message().string(1, name).varint(20, ATTRIBUTE_INTS);
        for (int v : values) {
            a.varint(8, v);
        }
        return a;
    }

    private static Message tensor(String name, float[] values, int... dims) {
        Message t = new Message();
        for (int d : dims) {
            t.varint(1, d);
        }
        ByteBuffer raw = ByteBuffer.allocate(values.length * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
        raw.asFloatBuffer().put(values);
        return t.varint(2, FLOAT).string(8, name).bytes(9, raw.array());
    }

    private static Message valueInfo(String name, int... dims) {
        Message shape = new Message();
        for (int d : dims) {
            shape.message(1, new Message().varint(1, d));
        }
        Message tensorType = new Message().varint(1, FLOAT).message(2, shape);
        return new Message().string(1, name).message(2, new Message().message(1, tensorType));
    }

    /** A protobuf message being written: fields appended in order. */
    private static final class Message {
        private final ByteArrayOutputStream out = new ByteArrayOutputStream();

        Message varint(int field, long value) {
            tag(field, WIRE_VARINT);
            writeVarint(value);
            return this;
        }

        Message string(int field, String value) {
            return bytes(field, value.getBytes(StandardCharsets.UTF_8));
        }

        Message message(int field, Message value) {
            return bytes(field, value.bytes());
        }

        Message bytes(int field, byte[] value) {
            tag(field, WIRE_BYTES);
            writeVarint(value.length);
            out.writeBytes(value);
            return this;
        }

        byte[] bytes() {
            return out.toByteArray();
        }

        private void tag(int field, int wireType) {
            writeVarint((long) field << 3 | wireType);
        }

        private void writeVarint(long value) {
            while ((value & ~0x7FL) != 0) {
                out.write((int) (value & 0x7F) | 0x80);
                value >>>= 7;
            }
            out.write((int) value);
        }
    }
}
