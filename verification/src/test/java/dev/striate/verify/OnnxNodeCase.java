package dev.striate.verify;

import dev.striate.tensor.Tensor;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * One ONNX backend node test read straight from the protobuf wire format (only the fields these
 * one-node models use; the field numbers are ONNX's): the node's operator, inputs and attributes,
 * the input tensors by graph-input name and the expected outputs. Test scaffolding, not the
 * engine's ONNX import.
 */
final class OnnxNodeCase {

    final String name;
    final String op;
    final List<String> nodeInputs = new ArrayList<>();
    final Map<String, Object> attributes = new HashMap<>();
    final Map<String, Tensor> tensors = new HashMap<>();
    final List<Tensor> outputs = new ArrayList<>();

    private OnnxNodeCase(String name, String op) {
        this.name = name;
        this.op = op;
    }

    static OnnxNodeCase load(Path dir) {
        try {
            Reader model = new Reader(Files.readAllBytes(dir.resolve("model.onnx")));
            OnnxNodeCase c = null;
            List<String> graphInputs = new ArrayList<>();
            while (model.more()) {
                int field = model.tag();
                if (field == 7) {
                    Reader graph = model.message();
                    while (graph.more()) {
                        int g = graph.tag();
                        if (g == 1) {
                            c = node(dir.getFileName().toString(), graph.message());
                        } else if (g == 11) {
                            Reader valueInfo = graph.message();
                            while (valueInfo.more()) {
                                if (valueInfo.tag() == 1) {
                                    graphInputs.add(valueInfo.string());
                                } else {
                                    valueInfo.skip();
                                }
                            }
                        } else if (g == 5) {
                            NamedTensor t = tensor(graph.message());
                            c.tensors.put(t.name, t.tensor);
                        } else {
                            graph.skip();
                        }
                    }
                } else {
                    model.skip();
                }
            }
            Path data = dir.resolve("test_data_set_0");
            for (int i = 0; Files.exists(data.resolve("input_" + i + ".pb")); i++) {
                NamedTensor t = tensor(new Reader(Files.readAllBytes(data.resolve("input_" + i + ".pb"))));
                c.tensors.put(t.name.isEmpty() ? graphInputs.get(i) : t.name, t.tensor);
            }
            for (int i = 0; Files.exists(data.resolve("output_" + i + ".pb")); i++) {
                c.outputs.add(tensor(new Reader(Files.readAllBytes(data.resolve("output_" + i + ".pb")))).tensor);
            }
            return c;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The tensor feeding node input i, or null when the optional input is absent. */
    Tensor input(int i) {
        return i < nodeInputs.size() && !nodeInputs.get(i).isEmpty() ? tensors.get(nodeInputs.get(i)) : null;
    }

    long intAttribute(String key, long fallback) {
        Object v = attributes.get(key);
        return v == null ? fallback : (Long) v;
    }

    float floatAttribute(String key, float fallback) {
        Object v = attributes.get(key);
        return v == null ? fallback : (Float) v;
    }

    long[] intsAttribute(String key) {
        return (long[]) attributes.get(key);
    }

    String stringAttribute(String key, String fallback) {
        Object v = attributes.get(key);
        return v == null ? fallback : (String) v;
    }

    private static OnnxNodeCase node(String name, Reader node) {
        List<String> inputs = new ArrayList<>();
        String op = null;
        Map<String, Object> attributes = new HashMap<>();
        while (node.more()) {
            switch (node.tag()) {
                case 1 -> inputs.add(node.string());
                case 4 -> op = node.string();
                case 5 -> attribute(node.message(), attributes);
                default -> node.skip();
            }
        }
        OnnxNodeCase c = new OnnxNodeCase(name, op);
        c.nodeInputs.addAll(inputs);
        c.attributes.putAll(attributes);
        return c;
    }

    private static void attribute(Reader a, Map<String, Object> into) {
        String key = null;
        Object value = null;
        List<Long> ints = new ArrayList<>();
        while (a.more()) {
            int field = a.tag();
            switch (field) {
                case 1 -> key = a.string();
                case 2 -> value = Float.intBitsToFloat(a.fixed32());
                case 3 -> value = a.varint();
                case 4 -> value = a.string();
                case 8 -> {
                    if (a.wireType == 2) {
                        Reader packed = a.message();
                        while (packed.more()) {
                            ints.add(packed.varint());
                        }
                    } else {
                        ints.add(a.varint());
                    }
                }
                default -> a.skip();
            }
        }
        if (!ints.isEmpty()) {
            value = ints.stream().mapToLong(Long::longValue).toArray();
        }
        into.put(key, value);
    }

    private record NamedTensor(String name, Tensor tensor) {
    }

    private static NamedTensor tensor(Reader t) {
        List<Integer> dims = new ArrayList<>();
        String name = "";
        int type = 0;
        byte[] raw = null;
        List<Float> floats = new ArrayList<>();
        while (t.more()) {
            int field = t.tag();
            switch (field) {
                case 1 -> {
                    if (t.wireType == 2) {
                        Reader packed = t.message();
                        while (packed.more()) {
                            dims.add((int) packed.varint());
                        }
                    } else {
                        dims.add((int) t.varint());
                    }
                }
                case 2 -> type = (int) t.varint();
                case 4 -> {
                    if (t.wireType == 2) {
                        Reader packed = t.message();
                        while (packed.more()) {
                            floats.add(Float.intBitsToFloat(packed.fixed32()));
                        }
                    } else {
                        floats.add(Float.intBitsToFloat(t.fixed32()));
                    }
                }
                case 8 -> name = t.string();
                case 9 -> raw = t.bytes();
                default -> t.skip();
            }
        }
        if (type != 1) {
            throw new IllegalArgumentException("tensor " + name + ": data type " + type + ", only FLOAT (1) is read here");
        }
        int[] shape = dims.stream().mapToInt(Integer::intValue).toArray();
        Tensor out = Tensor.zeros(shape);
        if (raw != null) {
            ByteBuffer.wrap(raw).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(out.data());
        } else {
            for (int i = 0; i < floats.size(); i++) {
                out.data()[i] = floats.get(i);
            }
        }
        return new NamedTensor(name, out);
    }

    /** Protocol-buffer wire format, the few wire types used here. */
    private static final class Reader {
        private final byte[] b;
        private int at;
        private final int end;
        int wireType;

        Reader(byte[] b) {
            this(b, 0, b.length);
        }

        private Reader(byte[] b, int from, int end) {
            this.b = b;
            this.at = from;
            this.end = end;
        }

        boolean more() {
            return at < end;
        }

        int tag() {
            long key = varint();
            wireType = (int) (key & 7);
            return (int) (key >>> 3);
        }

        long varint() {
            long v = 0;
            for (int shift = 0; ; shift += 7) {
                byte x = b[at++];
                v |= (long) (x & 0x7f) << shift;
                if (x >= 0) {
                    return v;
                }
            }
        }

        int fixed32() {
            int v = (b[at] & 0xff) | (b[at + 1] & 0xff) << 8 | (b[at + 2] & 0xff) << 16 | (b[at + 3] & 0xff) << 24;
            at += 4;
            return v;
        }

        byte[] bytes() {
            int n = (int) varint();
            byte[] out = java.util.Arrays.copyOfRange(b, at, at + n);
            at += n;
            return out;
        }

        String string() {
            return new String(bytes(), java.nio.charset.StandardCharsets.UTF_8);
        }

        Reader message() {
            int n = (int) varint();
            Reader r = new Reader(b, at, at + n);
            at += n;
            return r;
        }

        void skip() {
            switch (wireType) {
                case 0 -> varint();
                case 1 -> at += 8;
                case 2 -> {
                    int n = (int) varint();  // not "at += varint()": Java reads at before the call advances it
                    at += n;
                }
                case 5 -> at += 4;
                default -> throw new IllegalArgumentException("wire type " + wireType);
            }
        }
    }
}
