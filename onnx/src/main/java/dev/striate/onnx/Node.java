package dev.striate.onnx;

import dev.striate.onnx.proto.OnnxProto.AttributeProto;
import dev.striate.onnx.proto.OnnxProto.NodeProto;
import dev.striate.onnx.proto.OnnxProto.TensorProto;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * One ONNX node while it is turned into an operator: its inputs, outputs and typed attribute
 * access. Attributes an operator reads are marked; whatever is left unread afterwards is an
 * attribute the importer does not support, reported with the node.
 */
final class Node {

    final String name;
    final String opType;
    final int opset;
    final List<String> inputs;
    final List<String> outputs;
    private final Map<String, AttributeProto> attributes = new LinkedHashMap<>();
    private final Set<String> read = new HashSet<>();

    Node(NodeProto proto, int index, int opset) {
        this.opType = proto.getOpType();
        this.name = proto.getName().isEmpty() ? "#" + index : proto.getName();
        this.opset = opset;
        this.inputs = List.copyOf(proto.getInputList());
        this.outputs = List.copyOf(proto.getOutputList());
        for (AttributeProto a : proto.getAttributeList()) {
            attributes.put(a.getName(), a);
        }
    }

    /** Like {@code node 'conv1' (Conv)}. */
    @Override
    public String toString() {
        return "node '" + name + "' (" + opType + ")";
    }

    /** Input i's value name, or "" when it is absent (omitted or given as an empty name). */
    String input(int i) {
        return i < inputs.size() ? inputs.get(i) : "";
    }

    boolean hasInput(int i) {
        return !input(i).isEmpty();
    }

    /** Whether output i exists and is used (named). */
    boolean hasOutput(int i) {
        return i < outputs.size() && !outputs.get(i).isEmpty();
    }

    boolean has(String attribute) {
        return attributes.containsKey(attribute);
    }

    long getInt(String attribute, long fallback) {
        AttributeProto a = take(attribute, AttributeProto.AttributeType.INT);
        return a == null ? fallback : a.getI();
    }

    float getFloat(String attribute, float fallback) {
        AttributeProto a = take(attribute, AttributeProto.AttributeType.FLOAT);
        return a == null ? fallback : a.getF();
    }

    String getString(String attribute, String fallback) {
        AttributeProto a = take(attribute, AttributeProto.AttributeType.STRING);
        return a == null ? fallback : a.getS().toStringUtf8();
    }

    /** The attribute's ints, or null when absent. */
    long[] getInts(String attribute) {
        AttributeProto a = take(attribute, AttributeProto.AttributeType.INTS);
        return a == null ? null : a.getIntsList().stream().mapToLong(Long::longValue).toArray();
    }

    float[] getFloats(String attribute) {
        AttributeProto a = take(attribute, AttributeProto.AttributeType.FLOATS);
        if (a == null) {
            return null;
        }
        float[] out = new float[a.getFloatsCount()];
        for (int i = 0; i < out.length; i++) {
            out[i] = a.getFloats(i);
        }
        return out;
    }

    TensorProto getTensor(String attribute) {
        AttributeProto a = take(attribute, AttributeProto.AttributeType.TENSOR);
        return a == null ? null : a.getT();
    }

    /** Marks an attribute as understood without reading it (e.g. BatchNormalization's momentum in inference). */
    void ignore(String attribute) {
        read.add(attribute);
    }

    /** Attributes no operator code read: the ones this importer does not support. */
    List<String> unreadAttributes() {
        List<String> out = new ArrayList<>();
        for (String a : attributes.keySet()) {
            if (!read.contains(a)) {
                out.add(a);
            }
        }
        return out;
    }

    /** An error about this node, for the load-time report. */
    OnnxException unsupported(String what) {
        return new OnnxException(this + ": " + what);
    }

    private AttributeProto take(String attribute, AttributeProto.AttributeType type) {
        AttributeProto a = attributes.get(attribute);
        if (a == null) {
            return null;
        }
        read.add(attribute);
        // Files written without the type field (old exporters) carry the value in the matching field only.
        if (a.getType() != type && a.getType() != AttributeProto.AttributeType.UNDEFINED) {
            throw unsupported("attribute '" + attribute + "' has type " + a.getType() + ", expected " + type);
        }
        return a;
    }
}
