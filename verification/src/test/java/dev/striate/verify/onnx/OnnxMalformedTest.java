package dev.striate.verify.onnx;

import com.google.protobuf.ByteString;
import dev.striate.onnx.OnnxException;
import dev.striate.onnx.Session;
import dev.striate.onnx.SessionOptions;
import dev.striate.onnx.proto.OnnxProto.ModelProto;
import dev.striate.onnx.proto.OnnxProto.StringStringEntryProto;
import dev.striate.onnx.proto.OnnxProto.TensorProto;
import dev.striate.tensor.Tensor;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Malformed and hostile model files: every one is refused with {@link OnnxException} (a message
 * naming the problem), never an OutOfMemoryError, a hang or an index exception; declared sizes are
 * checked against the bytes present and the configured limit before anything is allocated.
 */
class OnnxMalformedTest {

    /** A small model with every kind of field: initializers, attributes, several nodes. */
    static final byte[] MODEL = small().toByteArray();

    static ModelProto small() {
        OnnxGraphBuilder g = new OnnxGraphBuilder("small", 13, 1);
        g.input("x", -1, 2, 6, 6);
        String y = g.convBn("x", 2, 3, 3, 1, 1, "relu");
        y = g.node("MaxPool", new String[] {y}, "kernel_shape", new int[] {2, 2}, "strides", new int[] {2, 2});
        return g.output(g.linear(g.pytorchFlatten(y), 27, 4)).build();
    }

    @Test
    void everyTruncationIsRefused() {
        for (int length = 0; length < MODEL.length; length++) {
            byte[] prefix = java.util.Arrays.copyOf(MODEL, length);
            int at = length;
            OnnxException e = assertThrows(OnnxException.class, () -> Session.load(prefix, SessionOptions.defaults()),
                    () -> "prefix of " + at + " of " + MODEL.length + " bytes");
            assertTrue(!e.getMessage().isBlank());
        }
    }

    /** Random byte flips: the file loads (and runs or is refused at planning) or is refused at load; nothing else. */
    @Property(tries = 1000)
    void byteFlipsLoadOrAreRefused(@ForAll @Size(min = 1, max = 8) List<@IntRange(min = 0, max = 1 << 20) Integer> positions,
                                   @ForAll @Size(min = 8, max = 8) List<@IntRange(min = 1, max = 255) Integer> masks) {
        byte[] bytes = MODEL.clone();
        for (int i = 0; i < positions.size(); i++) {
            bytes[positions.get(i) % bytes.length] ^= (byte) (int) masks.get(i);
        }
        Session session;
        try {
            session = Session.load(bytes, SessionOptions.defaults().withMaxModelBytes(1 << 16).withMemoryLimitBytes(1 << 24));
        } catch (OnnxException refused) {
            return;
        }
        try (session) {
            Map<String, Tensor> inputs = new java.util.HashMap<>();
            for (String name : session.inputNames()) {
                inputs.put(name, Tensor.zeros(1, 2, 6, 6));
            }
            session.run(inputs);
        } catch (OnnxException | IllegalArgumentException refusedAtRun) {
            // shapes the flipped model no longer accepts: refused with a message, as documented
        }
    }

    @Test
    void absurdDeclaredSizesAreRefusedBeforeAllocation() {
        ModelProto good = small();
        TensorProto w = good.getGraph().getInitializer(0);
        List<TensorProto> bad = List.of(
                w.toBuilder().clearDims().addDims(1L << 40).build(),
                w.toBuilder().clearDims().addDims(1 << 20).addDims(1 << 20).build(),
                w.toBuilder().clearDims().addDims(-3).build(),
                w.toBuilder().clearDims().addDims(100_000_000).build(),
                w.toBuilder().setRawData(ByteString.copyFrom(new byte[7])).build(),
                w.toBuilder().setDataType(TensorProto.DataType.COMPLEX128_VALUE).build(),
                w.toBuilder().setDataLocation(TensorProto.DataLocation.EXTERNAL).clearRawData()
                        .addExternalData(StringStringEntryProto.newBuilder().setKey("location").setValue("weights.bin")).build());
        for (TensorProto t : bad) {
            ModelProto m = good.toBuilder().setGraph(good.getGraph().toBuilder().setInitializer(0, t)).build();
            OnnxException e = assertThrows(OnnxException.class, () -> Session.load(m.toByteArray(), SessionOptions.defaults()));
            assertTrue(e.getMessage().contains("initializer"), e.getMessage());
        }
    }

    @Test
    void oversizedFileIsRefusedBeforeReading(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("model.onnx");
        Files.write(file, MODEL);
        OnnxException e = assertThrows(OnnxException.class,
                () -> Session.load(file, SessionOptions.defaults().withMaxModelBytes(MODEL.length - 1)));
        assertTrue(e.getMessage().contains("exceed"), e.getMessage());
    }

    @Test
    void externalDataIsReadBesideTheModelAndChecked(@TempDir Path dir) throws Exception {
        ModelProto good = small();
        TensorProto w = good.getGraph().getInitializer(0);
        Files.write(dir.resolve("weights.bin"), w.getRawData().toByteArray());
        TensorProto external = w.toBuilder().clearRawData().setDataLocation(TensorProto.DataLocation.EXTERNAL)
                .addExternalData(StringStringEntryProto.newBuilder().setKey("location").setValue("weights.bin")).build();
        Path model = dir.resolve("model.onnx");
        Files.write(model, good.toBuilder().setGraph(good.getGraph().toBuilder().setInitializer(0, external)).build().toByteArray());
        Map<String, Tensor> in = Map.of("x", Tensor.zeros(1, 2, 6, 6));
        try (Session fromFile = Session.load(model); Session inline = Session.load(MODEL, SessionOptions.defaults())) {
            org.junit.jupiter.api.Assertions.assertArrayEquals(inline.run(in).get(inline.outputNames().get(0)).data(),
                    fromFile.run(in).get(fromFile.outputNames().get(0)).data());
        }
        for (String location : new String[] {"../weights.bin", "/etc/passwd", "missing.bin"}) {
            TensorProto t = external.toBuilder().setExternalData(0, StringStringEntryProto.newBuilder().setKey("location")
                    .setValue(location)).build();
            Files.write(model, good.toBuilder().setGraph(good.getGraph().toBuilder().setInitializer(0, t)).build().toByteArray());
            OnnxException e = assertThrows(OnnxException.class, () -> Session.load(model));
            assertTrue(e.getMessage().contains("external data"), e.getMessage());
        }
        TensorProto shortFile = external.toBuilder().addExternalData(StringStringEntryProto.newBuilder().setKey("offset").setValue("8"))
                .build();
        Files.write(model, good.toBuilder().setGraph(good.getGraph().toBuilder().setInitializer(0, shortFile)).build().toByteArray());
        OnnxException e = assertThrows(OnnxException.class, () -> Session.load(model));
        assertTrue(e.getMessage().contains("needs"), e.getMessage());
    }

    @Test
    void everyUnsupportedNodeIsListedInOneError() {
        OnnxGraphBuilder g = new OnnxGraphBuilder("unsupported", 13, 1);
        g.input("x", 1, 2, 6, 6);
        String a = g.node("RoiAlign", new String[] {"x"}, "mode", "avg");
        String b = g.node("MaxPool", new String[] {a}, "kernel_shape", new int[] {2, 2}, "storage_order", 0, "bogus", 1);
        String c = g.node("Pad", new String[] {b, g.longs(0, 0, 1, 1, 0, 0, 1, 1)}, "mode", "mirror");
        ModelProto m = g.output(g.node("Conv", new String[] {c, g.normal(1, 2, 2, 1, 1)}, "auto_pad", "BOGUS")).build();
        OnnxException e = assertThrows(OnnxException.class, () -> Session.load(m.toByteArray(), SessionOptions.defaults()));
        for (String expected : new String[] {"(RoiAlign): operator RoiAlign is not supported", "(MaxPool): unsupported attribute [bogus]",
                "(Pad): mode 'mirror'", "(Conv): auto_pad 'BOGUS'", "4 problems"}) {
            assertTrue(e.getMessage().contains(expected), "missing '" + expected + "' in:\n" + e.getMessage());
        }
    }

    /**
     * Shapes and values that do not fit the exporters' operators are refused while planning with an
     * {@link OnnxException} that names the node and the problem — never an index or arithmetic
     * exception from inside a kernel.
     */
    @Test
    void misfitsOfTheExportersOperatorsNameTheNodeAndTheProblem() {
        record Misfit(String expected, int opset, java.util.function.Function<OnnxGraphBuilder, String> body) {
        }
        List<Misfit> misfits = List.of(
                new Misfit("output_padding", 13, g -> g.node("ConvTranspose", new String[] {"x", g.normal(0.3, 2, 2, 3, 3)},
                        "strides", new int[] {2, 2}, "output_padding", new int[] {2, 2})),
                new Misfit("scales", 13, g -> g.node("Resize", new String[] {"x", "", g.initializer(new float[] {1, 2, 2}, 3)})),
                new Misfit("exactly one of scales and sizes", 13, g -> g.node("Resize", new String[] {"x", "",
                        g.initializer(new float[] {1, 1, 2, 2}, 4), g.longs(1, 2, 12, 12)})),
                new Misfit("resizing the batch or channel axis", 13, g -> g.node("Resize", new String[] {"x", "", "",
                        g.longs(1, 4, 6, 6)})),
                new Misfit("step 0", 13, g -> g.node("Slice", new String[] {"x", g.longs(0), g.longs(2), g.longs(2), g.longs(0)})),
                new Misfit("does not cut", 13, g -> g.nodeWithOutputs("Split", 2, new String[] {"x", g.longs(1, 2)}, "axis", 1)[0]),
                new Misfit("not a permutation", 13, g -> g.node("Transpose", new String[] {"x"}, "perm", new int[] {0, 0, 1, 2})),
                new Misfit("are invalid", 13, g -> g.node("ReduceMean", new String[] {"x"}, "axes", new long[] {1, 1})),
                new Misfit("division by zero", 13, g -> g.node("Reshape", new String[] {"x", g.node("Div",
                        new String[] {g.node("Shape", new String[] {"x"}), g.longs(0, 1, 1, 1)})})),
                new Misfit("scale", 17, g -> g.node("LayerNormalization", new String[] {"x", g.uniform(0.5, 1.5, 5)})),
                new Misfit("smaller than its axis", 13, g -> g.node("Pad", new String[] {"x", g.longs(0, 0, 6, 0, 0, 0, 0, 0)},
                        "mode", "reflect")),
                new Misfit("num_groups 4 must divide", 21, g -> g.node("GroupNormalization", new String[] {"x",
                        g.uniform(0.5, 1.5, 2), g.uniform(-1, 1, 2)}, "num_groups", 4)),
                new Misfit("is not 4x4 blocks", 18, g -> g.node("Col2Im", new String[] {g.node("Reshape", new String[] {"x",
                        g.longs(1, 8, 9)}), g.longs(5, 5), g.longs(2, 2)})),
                new Misfit("repeats", 13, g -> g.node("Tile", new String[] {"x", g.longs(1, 2, 1)})),
                new Misfit("needs a float roi", 19, g -> g.node("Resize", new String[] {"x", "", "", g.longs(1, 2, 3, 3)},
                        "coordinate_transformation_mode", "tf_crop_and_resize")),
                new Misfit("do not broadcast", 16, g -> g.node("Where", new String[] {g.node("Greater", new String[] {"x",
                        g.initializer(new float[] {0}, 1)}), "x", g.uniform(0, 1, 1, 2, 5, 5)})),
                new Misfit("p 3 is not 1 or 2", 13, g -> g.node("LpNormalization", new String[] {"x"}, "p", 3)));
        for (Misfit misfit : misfits) {
            OnnxGraphBuilder g = new OnnxGraphBuilder("misfit", misfit.opset, 1);
            g.input("x", 1, 2, 6, 6);
            ModelProto m = g.output(misfit.body.apply(g)).build();
            OnnxException e = assertThrows(OnnxException.class, () -> {
                try (Session s = Session.load(m.toByteArray(), SessionOptions.defaults())) {
                    s.run(Map.of("x", Tensor.zeros(1, 2, 6, 6)));
                }
            }, misfit.expected);
            assertTrue(e.getMessage().contains(misfit.expected) && e.getMessage().contains("node '"),
                    "expected '" + misfit.expected + "' and the node in: " + e.getMessage());
        }
    }
}
