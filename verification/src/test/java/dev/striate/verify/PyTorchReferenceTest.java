package dev.striate.verify;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.striate.activation.Activation;
import dev.striate.activation.Clip;
import dev.striate.activation.Gelu;
import dev.striate.activation.HardSigmoid;
import dev.striate.activation.HardSwish;
import dev.striate.activation.LeakyRelu;
import dev.striate.activation.LogSoftmax;
import dev.striate.activation.Relu;
import dev.striate.activation.Sigmoid;
import dev.striate.activation.Softmax;
import dev.striate.activation.Tanh;
import dev.striate.conv.ConvAlgorithm;
import dev.striate.conv.ConvParams;
import dev.striate.conv.Convolution;
import dev.striate.pool.AvgPool2d;
import dev.striate.pool.MaxPool2d;
import dev.striate.pool.PoolParams;
import dev.striate.tensor.Tensor;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * The engine's layers against outputs and gradients PyTorch computed (1.13, autograd; written by
 * {@code verification/reference/pytorch_gradients.py} into {@code pytorch/layers.bin}): convolution
 * (every algorithm that applies: strides, padding, dilation, groups, depthwise, 1x1, 7x7), max
 * pooling (ceil_mode, dilation, integer inputs whose ties PyTorch gives to the first maximum),
 * average pooling (count_include_pad with and without ceil_mode) and every activation, the inputs
 * of activations including their kinks (0, ±3, 6, the clamp's bounds), where PyTorch's conventions
 * decide the gradient.
 *
 * <p>The independent oracle of these semantics beside {@link ReferenceConv} and the other plain-loop
 * references, which are written from the same specifications by us. Tolerances are relative to the
 * tensor's largest magnitude: 2e-5 for sums (float32 accumulations of at most a few hundred terms
 * err by about √K·2⁻²⁴ of the magnitudes summed; Winograd's transforms add ~1e-6 of the output's
 * scale), 1e-6 for element-wise activations (a few roundings of the result); a wrong pad, stride,
 * divisor, tie or kink convention is an error of order 1.
 */
class PyTorchReferenceTest {

    private record Case(String kind, Map<String, int[]> params, Map<String, Tensor> tensors) {
        Tensor t(String key) {
            return tensors.get(key);
        }

        int[] p(String key) {
            return params.get(key);
        }
    }

    @TestFactory
    Stream<DynamicTest> layersMatchPyTorch() throws IOException {
        List<DynamicTest> tests = new ArrayList<>();
        List<Case> cases = read();
        assertTrue(cases.size() >= 31, "cases in layers.bin: " + cases.size());
        for (Case c : cases) {
            String name = c.kind + " " + String.join(" ", c.params.entrySet().stream()
                    .map(e -> e.getKey() + "=" + Arrays.toString(e.getValue())).toList()) + " x" + c.t("x").shape();
            tests.add(DynamicTest.dynamicTest(name, () -> {
                switch (c.kind) {
                    case "conv" -> conv(name, c);
                    case "maxpool", "avgpool" -> pool(name, c);
                    default -> activation(name, c);
                }
            }));
        }
        return tests.stream();
    }

    private static void conv(String name, Case c) {
        Tensor x = c.t("x");
        Tensor w = c.t("w");
        int[] k = c.p("k");
        int[] s = c.p("s");
        int[] p = c.p("p");
        int[] d = c.p("d");
        ConvParams params = ConvParams.of(x.shape().dim(1), w.shape().dim(0), k[0], k[1]).stride(s[0], s[1])
                .padding(p[0], p[1], p[0], p[1]).dilation(d[0], d[1]).groups(c.p("g")[0]);
        boolean bias = c.tensors.containsKey("b");
        for (ConvAlgorithm algorithm : ConvAlgorithm.values()) {
            Convolution conv;
            try {
                conv = new Convolution(params, w.data(), bias ? c.t("b").data() : null).withAlgorithm(algorithm);
            } catch (IllegalArgumentException notForThisLayer) {
                continue; // a forced algorithm that does not apply is refused when chosen
            }
            String what = name + " " + algorithm;
            Tensor y = conv.forward(x);
            close(what + " y", c.t("y"), y, 2e-5);
            Tensor dx = Tensor.zeros(x.shape().toArray());
            conv.backwardData(c.t("dy"), dx);
            close(what + " dx", c.t("dx"), dx, 2e-5);
            Tensor dw = Tensor.zeros(w.shape().toArray());
            Tensor db = bias ? Tensor.zeros(w.shape().dim(0)) : null;
            conv.backwardWeights(x, c.t("dy"), dw, db);
            close(what + " dw", c.t("dw"), dw, 2e-5);
            if (bias) {
                close(what + " db", c.t("db"), db, 2e-5);
            }
        }
    }

    private static void pool(String name, Case c) {
        Tensor x = c.t("x");
        int[] k = c.p("k");
        int[] s = c.p("s");
        int[] p = c.p("p");
        int[] d = c.p("d");
        PoolParams params = PoolParams.of(k[0], k[1], s[0], s[1]).padding(p[0], p[1], p[0], p[1]).dilation(d[0], d[1])
                .ceilMode(c.p("ceil")[0] != 0);
        Tensor ref = c.t("y");
        Tensor y = Tensor.zeros(ref.shape().toArray());
        Tensor dx = Tensor.zeros(x.shape().toArray());
        if (c.kind.equals("maxpool")) {
            MaxPool2d pool = new MaxPool2d(params);
            int[] indices = new int[y.size()];
            pool.forward(x, y, indices);
            pool.backward(c.t("dy"), indices, dx);
        } else {
            AvgPool2d pool = new AvgPool2d(params, c.p("cip")[0] != 0);
            pool.forward(x, y);
            pool.backward(c.t("dy"), dx);
        }
        close(name + " y", ref, y, 2e-5);
        close(name + " dx", c.t("dx"), dx, 2e-5);
    }

    private static void activation(String name, Case c) {
        Activation f = switch (c.kind) {
            case "relu" -> new Relu();
            case "leaky_relu" -> new LeakyRelu(0.2f);
            case "sigmoid" -> new Sigmoid();
            case "tanh" -> new Tanh();
            case "gelu_tanh" -> new Gelu();
            case "relu6" -> Clip.relu6();
            case "clamp" -> new Clip(-0.5f, 1.5f);
            case "hardsigmoid" -> new HardSigmoid();
            case "hardswish" -> new HardSwish();
            case "softmax" -> new Softmax(1);
            case "log_softmax" -> new LogSoftmax(1);
            default -> throw new IllegalArgumentException("layers.bin: unknown kind " + c.kind);
        };
        Tensor x = c.t("x");
        Tensor y = f.forward(x);
        close(name + " y", c.t("y"), y, 1e-6);
        Tensor dx = Tensor.zeros(x.shape().toArray());
        f.backward(f.backwardUsesOutput() ? y : x, c.t("dy"), dx);
        close(name + " dx", c.t("dx"), dx, 1e-6);
    }

    /** Every element within {@code relative · max|expected|} of PyTorch's (NaN where PyTorch has NaN). */
    private static void close(String what, Tensor expected, Tensor got, double relative) {
        assertArrayEquals(expected.shape().toArray(), got.shape().toArray(), what + ": shape");
        double scale = Float.MIN_NORMAL;
        for (int i = 0; i < expected.size(); i++) {
            scale = Math.max(scale, Math.abs(expected.data()[i]));
        }
        for (int i = 0; i < expected.size(); i++) {
            float e = expected.data()[i];
            float g = got.data()[got.offset() + i];
            double bound = relative * scale;
            int at = i;
            assertTrue(Float.isNaN(e) ? Float.isNaN(g) : Math.abs(g - e) <= bound,
                    () -> what + "[" + at + "]: " + g + ", PyTorch " + e + " (bound " + bound + ")");
        }
    }

    private static List<Case> read() throws IOException {
        ByteBuffer in;
        try (InputStream s = PyTorchReferenceTest.class.getResourceAsStream("/pytorch/layers.bin")) {
            assertNotNull(s, "test resource pytorch/layers.bin");
            in = ByteBuffer.wrap(s.readAllBytes()).order(ByteOrder.LITTLE_ENDIAN);
        }
        int count = in.getInt();
        List<Case> cases = new ArrayList<>();
        for (int n = 0; n < count; n++) {
            String kind = string(in);
            Map<String, int[]> params = new LinkedHashMap<>();
            for (String word : string(in).split(" ")) {
                if (!word.isEmpty()) {
                    String[] kv = word.split("=");
                    params.put(kv[0], Arrays.stream(kv[1].split(",")).mapToInt(Integer::parseInt).toArray());
                }
            }
            Map<String, Tensor> tensors = new LinkedHashMap<>();
            for (int t = in.getInt(); t > 0; t--) {
                String key = string(in);
                int[] dims = new int[in.getInt()];
                for (int i = 0; i < dims.length; i++) {
                    dims[i] = in.getInt();
                }
                Tensor tensor = Tensor.zeros(dims);
                in.asFloatBuffer().get(tensor.data());
                in.position(in.position() + 4 * tensor.size());
                tensors.put(key, tensor);
            }
            cases.add(new Case(kind, params, tensors));
        }
        return cases;
    }

    private static String string(ByteBuffer in) {
        byte[] b = new byte[in.getInt()];
        in.get(b);
        return new String(b, StandardCharsets.UTF_8);
    }
}
