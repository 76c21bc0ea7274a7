package dev.striate.verify;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.fail;

import dev.striate.activation.Clip;
import dev.striate.activation.LeakyRelu;
import dev.striate.activation.LogSoftmax;
import dev.striate.activation.Relu;
import dev.striate.activation.Sigmoid;
import dev.striate.activation.Softmax;
import dev.striate.activation.Tanh;
import dev.striate.conv.ConvParams;
import dev.striate.conv.Convolution;
import dev.striate.elementwise.BatchNorm2d;
import dev.striate.elementwise.Broadcast;
import dev.striate.elementwise.Dropout;
import dev.striate.pool.AvgPool2d;
import dev.striate.pool.GlobalAvgPool;
import dev.striate.pool.GlobalMaxPool;
import dev.striate.pool.MaxPool2d;
import dev.striate.pool.PoolParams;
import dev.striate.tensor.Tensor;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * ONNX's own operator conformance cases (see {@code src/test/resources/onnx-node-tests/README.md})
 * run through the engine's layers with the attribute semantics of the case's opset: defaults,
 * {@code auto_pad} (SAME_UPPER, SAME_LOWER, VALID), ONNX's pad order {@code [top, left, bottom,
 * right]}, Clip bounds as optional inputs, 1-D pooling as 2-D with height 1. Compared with the
 * suite's tolerance {@code |got − expected| ≤ 1e-5 + 1e-4·|expected|}.
 */
class OnnxNodeConformanceTest {

    static Stream<String> cases() throws IOException, URISyntaxException {
        Path root = Path.of(OnnxNodeConformanceTest.class.getResource("/onnx-node-tests").toURI());
        try (Stream<Path> dirs = Files.list(root)) {
            return dirs.filter(Files::isDirectory).map(d -> d.getFileName().toString()).sorted().toList().stream();
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void engineMatchesOnnxReference(String name) throws URISyntaxException {
        OnnxNodeCase c = OnnxNodeCase.load(Path.of(getClass().getResource("/onnx-node-tests/" + name).toURI()));
        Tensor expected = c.outputs.get(0);
        Tensor got = run(c);
        assertArrayEquals(expected.shape().toArray(), got.shape().toArray(), name + ": output shape");
        for (int i = 0; i < expected.size(); i++) {
            float e = expected.data()[i];
            float g = got.data()[i];
            boolean ok = Float.isNaN(e) ? Float.isNaN(g) : Math.abs(g - e) <= 1e-5 + 1e-4 * Math.abs(e);
            if (!ok) {
                fail(name + " at " + i + ": expected " + e + ", got " + g);
            }
        }
    }

    private static Tensor run(OnnxNodeCase c) {
        Tensor x = c.input(0);
        return switch (c.op) {
            case "Relu" -> new Relu().forward(x);
            case "Sigmoid" -> new Sigmoid().forward(x);
            case "Tanh" -> new Tanh().forward(x);
            case "LeakyRelu" -> new LeakyRelu(c.floatAttribute("alpha", 0.01f)).forward(x);
            case "Clip" -> new Clip(c.input(1) == null ? Float.NEGATIVE_INFINITY : c.input(1).data()[0],
                    c.input(2) == null ? Float.POSITIVE_INFINITY : c.input(2).data()[0]).forward(x);
            case "Softmax" -> new Softmax((int) c.intAttribute("axis", -1)).forward(x);
            case "LogSoftmax" -> new LogSoftmax((int) c.intAttribute("axis", -1)).forward(x);
            case "Add" -> Broadcast.add(x, c.input(1));
            case "Mul" -> Broadcast.mul(x, c.input(1));
            case "Dropout" -> {
                Tensor y = Tensor.zeros(x.shape().toArray());
                new Dropout(c.input(1) == null ? c.floatAttribute("ratio", 0.5f) : c.input(1).data()[0], 0).forward(x, y);
                yield y;
            }
            case "BatchNormalization" -> new BatchNorm2d(c.input(1).data(), c.input(2).data(), c.input(3).data(),
                    c.input(4).data(), c.floatAttribute("epsilon", 1e-5f)).forward(asImage(x)).reshape(x.shape().toArray());
            case "GlobalAveragePool" -> new GlobalAvgPool().forward(x);
            case "GlobalMaxPool" -> new GlobalMaxPool().forward(x);
            case "MaxPool", "AveragePool" -> pool(c, x);
            case "Conv" -> conv(c, x);
            default -> throw new IllegalArgumentException(c.name + ": operator " + c.op + " not wired in this test");
        };
    }

    /** [N, C, ...] of any rank ≥ 2 as [N, C, H, W] (the trailing dimensions folded into W). */
    private static Tensor asImage(Tensor x) {
        int rest = x.size() / x.dim(0) / x.dim(1);
        return x.reshape(x.dim(0), x.dim(1), 1, rest);
    }

    /** Kernel, strides, pads, dilations per spatial axis, 1-D as 2-D with a height of 1. */
    private record Window(int[] kernel, int[] stride, int[] padBegin, int[] padEnd, int[] dilation) {
        static Window of(OnnxNodeCase c, Tensor x, long[] kernel) {
            int axes = x.rank() - 2;
            int[] k = new int[axes], s = new int[axes], pb = new int[axes], pe = new int[axes], d = new int[axes];
            long[] strides = c.intsAttribute("strides");
            long[] pads = c.intsAttribute("pads");
            long[] dilations = c.intsAttribute("dilations");
            String autoPad = c.stringAttribute("auto_pad", "NOTSET");
            for (int a = 0; a < axes; a++) {
                k[a] = (int) kernel[a];
                s[a] = strides == null ? 1 : (int) strides[a];
                d[a] = dilations == null ? 1 : (int) dilations[a];
                if (autoPad.startsWith("SAME")) {
                    int in = x.dim(2 + a);
                    int out = Math.ceilDiv(in, s[a]);
                    int total = Math.max((out - 1) * s[a] + (k[a] - 1) * d[a] + 1 - in, 0);
                    pb[a] = autoPad.equals("SAME_UPPER") ? total / 2 : total - total / 2;
                    pe[a] = total - pb[a];
                } else if (pads != null && !autoPad.equals("VALID")) {
                    pb[a] = (int) pads[a];
                    pe[a] = (int) pads[a + axes];
                }
            }
            return new Window(k, s, pb, pe, d);
        }

        /** Index for the 2-D (H, W) view: 1-D windows get a height of 1. */
        int at(int axis2d) {
            return kernel.length == 1 ? (axis2d == 0 ? -1 : 0) : axis2d;
        }

        int get(int[] v, int axis2d, int fallback) {
            int a = at(axis2d);
            return a < 0 ? fallback : v[a];
        }
    }

    private static Tensor pool(OnnxNodeCase c, Tensor x) {
        Window win = Window.of(c, x, c.intsAttribute("kernel_shape"));
        PoolParams p = new PoolParams(win.get(win.kernel, 0, 1), win.get(win.kernel, 1, 1),
                win.get(win.stride, 0, 1), win.get(win.stride, 1, 1), win.get(win.padBegin, 0, 0), win.get(win.padBegin, 1, 0),
                win.get(win.padEnd, 0, 0), win.get(win.padEnd, 1, 0), win.get(win.dilation, 0, 1), win.get(win.dilation, 1, 1),
                c.intAttribute("ceil_mode", 0) != 0);
        Tensor image = x.rank() == 3 ? x.reshape(x.dim(0), x.dim(1), 1, x.dim(2)) : x;
        Tensor y = c.op.equals("MaxPool") ? new MaxPool2d(p).forward(image)
                : new AvgPool2d(p, c.intAttribute("count_include_pad", 0) != 0).forward(image);
        return x.rank() == 3 ? y.reshape(y.dim(0), y.dim(1), y.dim(3)) : y;
    }

    private static Tensor conv(OnnxNodeCase c, Tensor x) {
        Tensor w = c.input(1);
        long[] kernel = c.intsAttribute("kernel_shape");
        if (kernel == null) {
            kernel = new long[] {w.dim(2), w.dim(3)};
        }
        Window win = Window.of(c, x, kernel);
        ConvParams p = new ConvParams(x.dim(1), w.dim(0), win.kernel[0], win.kernel[1], win.stride[0], win.stride[1],
                win.padBegin[0], win.padBegin[1], win.padEnd[0], win.padEnd[1], win.dilation[0], win.dilation[1],
                (int) c.intAttribute("group", 1));
        Tensor bias = c.input(2);
        return new Convolution(p, w.data(), bias == null ? null : bias.data()).forward(x);
    }
}
