package dev.striate.onnx;

import com.google.protobuf.CodedInputStream;
import dev.striate.onnx.proto.OnnxProto.GraphProto;
import dev.striate.onnx.proto.OnnxProto.ModelProto;
import dev.striate.onnx.proto.OnnxProto.NodeProto;
import dev.striate.onnx.proto.OnnxProto.OperatorSetIdProto;
import dev.striate.onnx.proto.OnnxProto.TensorProto;
import dev.striate.onnx.proto.OnnxProto.TensorShapeProto;
import dev.striate.onnx.proto.OnnxProto.ValueInfoProto;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * A loaded ONNX graph: its inputs (declared shapes, -1 where free), outputs, constants
 * (initializers and Constant nodes) and the operators in execution order, after the load-time
 * rewrites: BatchNormalization folded into the Conv before it, Relu / constant Clip fused into the
 * Conv, Gemm or Add before them.
 */
final class Graph {

    /**
     * A graph input: its name, declared dims (-1 for a free dimension; null when undeclared), element
     * type, and whether it is a value input: one whose elements an operator needs while planning
     * (weights, a target shape, pads given as graph inputs), so that plans are keyed by its contents
     * as well as its shape. Integer inputs must be value inputs.
     */
    record Input(String name, int[] dims, int elementType, boolean valueInput) {
    }

    /** An operator and the value names it reads and writes. */
    static final class Entry {
        final Node node;
        Operator operator;
        /** The op types this entry computes, joined by '+' once others are fused into it. */
        String label;
        String[] inputs;
        String[] outputs;

        Entry(Node node, Operator operator) {
            this.node = node;
            this.operator = operator;
            this.label = node.opType;
            this.inputs = node.inputs.toArray(String[]::new);
            this.outputs = node.outputs.toArray(String[]::new);
        }
    }

    final String name;
    final int opset;
    final List<Input> inputs;
    final List<String> outputs;
    final Map<String, Value> constants;
    final List<Entry> entries;
    /** Nodes per op type as the file has them, before fusion. */
    final Map<String, Integer> operatorCounts;
    /** Float elements in the initializers. */
    final long parameterCount;

    private Graph(String name, int opset, List<Input> inputs, List<String> outputs, Map<String, Value> constants,
                  List<Entry> entries, Map<String, Integer> operatorCounts, long parameterCount) {
        this.name = name;
        this.opset = opset;
        this.inputs = inputs;
        this.outputs = outputs;
        this.constants = constants;
        this.entries = entries;
        this.operatorCounts = operatorCounts;
        this.parameterCount = parameterCount;
    }

    /**
     * Parses and checks a model.
     *
     * @param baseDirectory where external tensor data lives; null for a model from memory
     * @throws OnnxException for a malformed file (naming what is wrong) or an unsupported model
     *                       (listing every offending node)
     */
    static Graph load(byte[] bytes, Path baseDirectory, SessionOptions options, Execution execution) {
        ModelProto model;
        try {
            CodedInputStream in = CodedInputStream.newInstance(bytes);
            in.setRecursionLimit(64);
            model = ModelProto.parseFrom(in);
        } catch (IOException e) { // from a byte array: only InvalidProtocolBufferException
            throw new OnnxException("not a valid ONNX model (protobuf): " + e.getMessage(), e);
        }
        if (!model.hasGraph()) {
            throw new OnnxException("not a valid ONNX model: it has no graph");
        }
        int opset = opset(model);
        GraphProto g = model.getGraph();
        TensorCodec codec = new TensorCodec(baseDirectory, options.maxModelBytes());

        Map<String, Value> constants = new HashMap<>();
        for (TensorProto t : g.getInitializerList()) {
            if (t.getName().isEmpty() || constants.containsKey(t.getName())) {
                throw new OnnxException("initializer '" + t.getName() + "' is unnamed or defined twice");
            }
            constants.put(t.getName(), codec.decode(t, "initializer '" + t.getName() + "'"));
        }
        Set<String> defined = new HashSet<>(constants.keySet());
        List<Input> inputs = new ArrayList<>();
        for (ValueInfoProto v : g.getInputList()) {
            if (constants.containsKey(v.getName())) {
                continue; // IR < 4 lists initializers among the inputs
            }
            if (!defined.add(v.getName()) || v.getName().isEmpty()) {
                throw new OnnxException("graph input '" + v.getName() + "' is unnamed or defined twice");
            }
            inputs.add(new Input(v.getName(), declaredDims(v), v.getType().getTensorType().getElemType(), false));
        }

        List<String> problems = new ArrayList<>();
        List<Entry> entries = new ArrayList<>();
        Set<String> produced = new HashSet<>(defined);
        for (int i = 0; i < g.getNodeCount(); i++) {
            NodeProto proto = g.getNode(i);
            Node node = new Node(proto, i, opset);
            int before = problems.size();
            for (String input : node.inputs) {
                if (!input.isEmpty() && !produced.contains(input)) {
                    problems.add(node + ": input '" + input + "' is not a graph input, an initializer or an output of an earlier node");
                }
            }
            for (String output : node.outputs) {
                if (!output.isEmpty() && !produced.add(output)) {
                    problems.add(node + ": output '" + output + "' is already defined");
                }
            }
            if (!proto.getDomain().isEmpty() && !proto.getDomain().equals("ai.onnx")) {
                problems.add(node + ": domain '" + proto.getDomain() + "' is not supported (ai.onnx only)");
                continue;
            }
            try {
                if (node.opType.equals("Constant")) {
                    Value v = Operators.constant(node, codec);
                    if (node.hasOutput(0)) {
                        constants.put(node.outputs.get(0), v);
                    }
                } else {
                    entries.add(new Entry(node, Operators.create(node, execution, codec)));
                }
            } catch (OnnxException | IllegalArgumentException e) {
                problems.add(e.getMessage().startsWith("node ") ? e.getMessage() : node + ": " + e.getMessage());
            }
            List<String> unread = node.unreadAttributes();
            if (!unread.isEmpty() && problems.size() == before) {
                problems.add(node + ": unsupported attribute" + (unread.size() > 1 ? "s " : " ") + unread);
            }
        }
        List<String> outputs = new ArrayList<>();
        for (ValueInfoProto v : g.getOutputList()) {
            if (!produced.contains(v.getName())) {
                problems.add("graph output '" + v.getName() + "' is not produced by any node, initializer or input");
            }
            outputs.add(v.getName());
        }
        Set<String> valueInputs = valueInputs(entries, constants.keySet(), inputs);
        for (int i = 0; i < inputs.size(); i++) {
            Input in = inputs.get(i);
            boolean value = valueInputs.contains(in.name());
            int type = in.elementType();
            // a run-time bool is float32 ones and zeros (LogicOperators)
            if (type != TensorProto.DataType.FLOAT_VALUE && type != TensorProto.DataType.BOOL_VALUE
                    && !(value && (type == TensorProto.DataType.INT64_VALUE || type == TensorProto.DataType.INT32_VALUE))) {
                problems.add("graph input '" + in.name() + "' has type " + TensorCodec.typeName(type) + "; inputs must be "
                        + "float32 or bool (int64 or int32 only where an operator reads the values while planning)");
            }
            inputs.set(i, new Input(in.name(), in.dims(), type, value));
        }
        if (!problems.isEmpty()) {
            throw new OnnxException("model '" + g.getName() + "' cannot be loaded (" + problems.size() + " problem"
                    + (problems.size() > 1 ? "s" : "") + "):\n  " + String.join("\n  ", problems));
        }
        Map<String, Integer> counts = new TreeMap<>();
        g.getNodeList().forEach(n -> counts.merge(n.getOpType(), 1, Integer::sum));
        long parameters = 0;
        for (Value v : constants.values()) {
            parameters += v.floats != null ? v.floats.length : 0;
        }
        Graph graph = new Graph(g.getName(), opset, List.copyOf(inputs), List.copyOf(outputs), constants, entries,
                Collections.unmodifiableMap(counts), parameters);
        graph.fuse();
        return graph;
    }

    private static int opset(ModelProto model) {
        for (OperatorSetIdProto id : model.getOpsetImportList()) {
            if (id.getDomain().isEmpty() || id.getDomain().equals("ai.onnx")) {
                if (id.getVersion() < 1 || id.getVersion() > 1000) {
                    throw new OnnxException("opset version " + id.getVersion() + " is invalid");
                }
                return (int) id.getVersion();
            }
        }
        throw new OnnxException("the model imports no ai.onnx opset");
    }

    private static int[] declaredDims(ValueInfoProto v) {
        if (!v.hasType() || !v.getType().hasTensorType()) {
            throw new OnnxException("graph input '" + v.getName() + "' is not a tensor");
        }
        if (!v.getType().getTensorType().hasShape()) {
            return null;
        }
        List<TensorShapeProto.Dimension> dims = v.getType().getTensorType().getShape().getDimList();
        int[] out = new int[dims.size()];
        for (int i = 0; i < out.length; i++) {
            TensorShapeProto.Dimension d = dims.get(i);
            long value = d.hasDimValue() ? d.getDimValue() : -1;
            if (value > Integer.MAX_VALUE || value < -1) {
                throw new OnnxException("graph input '" + v.getName() + "' declares dimension " + value);
            }
            out[i] = (int) value;
        }
        return out;
    }

    /**
     * The graph inputs whose elements some operator needs while planning: every input at an
     * operator's static position, traced back through the nodes that compute it (a Shape node
     * needs only its input's shape) to constants and graph inputs.
     */
    private static Set<String> valueInputs(List<Entry> entries, Set<String> constants, List<Input> inputs) {
        Map<String, Entry> producer = new HashMap<>();
        for (Entry e : entries) {
            for (String out : e.outputs) {
                producer.put(out, e);
            }
        }
        Set<String> graphInputs = new HashSet<>();
        inputs.forEach(in -> graphInputs.add(in.name()));
        Set<String> seen = new HashSet<>();
        ArrayDeque<String> work = new ArrayDeque<>();
        for (Entry e : entries) {
            for (int position : e.operator.staticInputs()) {
                if (position < e.inputs.length && !e.inputs[position].isEmpty()) {
                    work.add(e.inputs[position]);
                }
            }
        }
        Set<String> result = new HashSet<>();
        while (!work.isEmpty()) {
            String name = work.poll();
            if (!seen.add(name) || constants.contains(name)) {
                continue;
            }
            if (graphInputs.contains(name)) {
                result.add(name);
                continue;
            }
            Entry p = producer.get(name);
            if (p != null && !p.node.opType.equals("Shape")) {
                for (String in : p.inputs) {
                    if (!in.isEmpty()) {
                        work.add(in);
                    }
                }
            }
        }
        return result;
    }

    /** Folds BatchNormalization into Conv, and Relu / constant Clip into Conv, Gemm and Add. */
    private void fuse() {
        Map<String, Integer> uses = new HashMap<>();
        for (Entry e : entries) {
            for (String in : e.inputs) {
                uses.merge(in, 1, Integer::sum);
            }
        }
        for (String out : outputs) {
            uses.merge(out, 1, Integer::sum);
        }
        Map<String, Entry> consumer = new LinkedHashMap<>();
        for (Entry e : entries) {
            for (String in : e.inputs) {
                consumer.put(in, e);
            }
        }
        for (int i = 0; i < entries.size(); i++) {
            Entry e = entries.get(i);
            boolean fusedOne = true;
            while (fusedOne && e.operator instanceof ClampableOperator) {
                fusedOne = false;
                String out = e.outputs[0];
                Entry next = consumer.get(out);
                if (e.outputs.length != 1 || uses.getOrDefault(out, 0) != 1 || next == null || !next.inputs[0].equals(out)) {
                    break;
                }
                if (next.node.opType.equals("BatchNormalization") && e.operator instanceof ConvOperator
                        && next.node.getInt("training_mode", 0) == 0 && next.outputs.length == 1) {
                    fusedOne = foldBatchNorm(e, next);
                } else if (next.node.opType.equals("Relu") || next.node.opType.equals("Clip")) {
                    float[] bounds = next.node.opType.equals("Relu") ? new float[] {0f, Float.POSITIVE_INFINITY}
                            : ElementwiseOperators.constantClipBounds(next.node, constants::get);
                    if (bounds != null && bounds[0] <= bounds[1]) {
                        e.operator = ((ClampableOperator) e.operator).clamped(bounds[0], bounds[1]);
                        fusedOne = true;
                    }
                }
                if (fusedOne) {
                    // next's consumers already read these names; the fused operator now writes them.
                    e.outputs = next.outputs;
                    e.label += "+" + next.node.opType;
                    entries.remove(next);
                }
            }
        }
    }

    /** Conv weights and bias folded with the BatchNormalization after them, when all are constants. */
    private boolean foldBatchNorm(Entry conv, Entry bn) {
        Value w = constants.get(conv.inputs[1]);
        Value b = conv.inputs.length > 2 && !conv.inputs[2].isEmpty() ? constants.get(conv.inputs[2]) : null;
        Value[] p = new Value[4];
        for (int i = 0; i < 4; i++) {
            p[i] = i + 1 < bn.inputs.length ? constants.get(bn.inputs[i + 1]) : null;
        }
        if (w == null || w.floats == null || w.rank() < 3 || (b == null && conv.inputs.length > 2 && !conv.inputs[2].isEmpty())) {
            return false;
        }
        int m = w.dims[0];
        for (Value v : p) {
            if (v == null || v.floats == null || v.size() != m) {
                return false;
            }
        }
        if (b != null && (b.floats == null || b.size() != m)) {
            return false;
        }
        float eps = bn.node.getFloat("epsilon", 1e-5f);
        float[][] folded = ConvOperator.foldBatchNorm(w.floats, b == null ? null : b.floats, m, p[0].floats, p[1].floats,
                p[2].floats, p[3].floats, eps);
        String weights = bn.outputs[0] + "#folded_weight";
        String bias = bn.outputs[0] + "#folded_bias";
        constants.put(weights, Value.floats(w.dims, folded[0]));
        constants.put(bias, Value.floats(new int[] {m}, folded[1]));
        conv.inputs = new String[] {conv.inputs[0], weights, bias};
        return true;
    }
}
