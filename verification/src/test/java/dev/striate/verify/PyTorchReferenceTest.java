package dev.striate.verify;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.striate.activation.Activation;
import dev.striate.activation.Clip;
import dev.striate.activation.Erf;
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
import dev.striate.gemm.Sgemm;
import dev.striate.nn.Adam;
import dev.striate.nn.BatchNorm2d;
import dev.striate.nn.Conv2d;
import dev.striate.nn.CrossEntropyLoss;
import dev.striate.nn.Flatten;
import dev.striate.nn.Linear;
import dev.striate.nn.Loss;
import dev.striate.nn.MseLoss;
import dev.striate.nn.Optimizer;
import dev.striate.nn.Parameter;
import dev.striate.nn.Sequential;
import dev.striate.nn.Sgd;
import dev.striate.pool.AvgPool2d;
import dev.striate.pool.GlobalAvgPool;
import dev.striate.pool.GlobalMaxPool;
import dev.striate.pool.MaxPool2d;
import dev.striate.pool.PoolParams;
import dev.striate.tensor.Shape;
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
 * average pooling (count_include_pad with and without ceil_mode), the global pools (the max's ties
 * too) and every activation, the inputs
 * of activations including their kinks (0, ±3, 6, the clamp's bounds), where PyTorch's conventions
 * decide the gradient; BatchNorm2d in training (batch statistics, the running ones updated with the
 * unbiased variance) and then inference; Linear; cross-entropy and MSE (mean and sum); SGD (plain,
 * momentum with weight decay, Nesterov) and Adam (defaults; betas, eps and weight decay) over three
 * steps of given gradients.
 *
 * <p>The independent oracle of these semantics beside {@link ReferenceConv} and the other plain-loop
 * references, which are written from the same specifications by us. Tolerances are relative to the
 * tensor's largest magnitude: 2e-5 for sums (float32 accumulations of at most a few hundred terms
 * err by about √K·2⁻²⁴ of the magnitudes summed; Winograd's transforms add ~1e-6 of the output's
 * scale), 1e-5 for batch norm (its sums are in double; the normalized values carry a few roundings),
 * 1e-6 for element-wise activations and losses (a few roundings of the result), 2e-6 for parameters
 * after three optimizer steps (a few roundings per step); a wrong pad, stride, divisor, tie, kink
 * convention, variance estimator or update order is an error of order 1e-3 or more.
 */
class PyTorchReferenceTest {

    private record Case(String kind, Map<String, double[]> params, Map<String, Tensor> tensors) {
        Tensor t(String key) {
            return tensors.get(key);
        }

        int[] p(String key) {
            return Arrays.stream(params.get(key)).mapToInt(v -> (int) v).toArray();
        }

        float f(String key, float fallback) {
            return params.containsKey(key) ? (float) params.get(key)[0] : fallback;
        }
    }

    @TestFactory
    Stream<DynamicTest> layersMatchPyTorch() throws IOException {
        List<DynamicTest> tests = new ArrayList<>();
        List<Case> cases = read();
        assertTrue(cases.size() >= 47, "cases in layers.bin: " + cases.size());
        for (Case c : cases) {
            String name = c.kind + " " + String.join(" ", c.params.entrySet().stream()
                    .map(e -> e.getKey() + "=" + Arrays.toString(e.getValue())).toList()) + " "
                    + c.tensors.values().iterator().next().shape();
            tests.add(DynamicTest.dynamicTest(name, () -> {
                switch (c.kind) {
                    case "conv" -> conv(name, c);
                    case "maxpool", "avgpool" -> pool(name, c);
                    case "globalavgpool", "globalmaxpool" -> globalPool(name, c);
                    case "batchnorm" -> batchNorm(name, c);
                    case "linear" -> linear(name, c);
                    case "cross_entropy", "mse" -> loss(name, c);
                    case "sgd", "adam" -> optimizer(name, c);
                    case "training" -> training(name, c);
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

    private static void globalPool(String name, Case c) {
        Tensor x = c.t("x");
        Tensor y = Tensor.zeros(c.t("y").shape().toArray());
        Tensor dx = Tensor.zeros(x.shape().toArray());
        if (c.kind.equals("globalmaxpool")) {
            GlobalMaxPool pool = new GlobalMaxPool();
            pool.forward(x, y);
            pool.backward(x, c.t("dy"), dx);
        } else {
            GlobalAvgPool pool = new GlobalAvgPool();
            pool.forward(x, y);
            pool.backward(c.t("dy"), dx);
        }
        close(name + " y", c.t("y"), y, 2e-5);
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
            case "erf" -> new Erf();
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

    private static void batchNorm(String name, Case c) {
        Tensor x = c.t("x");
        BatchNorm2d bn = new BatchNorm2d(x.shape().dim(1));
        bn.build(Shape.of(x.shape().dim(1), x.shape().dim(2), x.shape().dim(3)), Sgemm.shared());
        copy(c.t("weight"), bn.weight().value());
        copy(c.t("bias"), bn.bias().value());
        close(name + " y (batch statistics)", c.t("y"), bn.forward(x, true), 1e-5);
        close(name + " dx", c.t("dx"), bn.backward(c.t("dy"), true), 1e-5);
        close(name + " dweight", c.t("dweight"), bn.weight().grad(), 1e-5);
        close(name + " dbias", c.t("dbias"), bn.bias().grad(), 1e-5);
        close(name + " running_mean", c.t("running_mean"), bn.namedParameters().get("running_mean").value(), 1e-6);
        close(name + " running_var (unbiased)", c.t("running_var"), bn.namedParameters().get("running_var").value(), 1e-6);
        close(name + " y (running statistics)", c.t("y_eval"), bn.forward(x, false), 1e-5);
    }

    private static void linear(String name, Case c) {
        Tensor w = c.t("weight");
        Linear linear = new Linear(w.shape().dim(1), w.shape().dim(0));
        linear.build(Shape.of(w.shape().dim(1)), Sgemm.shared());
        copy(w, linear.weight().value());
        copy(c.t("bias"), linear.bias().value());
        close(name + " y", c.t("y"), linear.forward(c.t("x"), true), 2e-5);
        close(name + " dx", c.t("dx"), linear.backward(c.t("dy"), true), 2e-5);
        close(name + " dweight", c.t("dweight"), linear.weight().grad(), 2e-5);
        close(name + " dbias", c.t("dbias"), linear.bias().grad(), 2e-5);
    }

    private static void loss(String name, Case c) {
        Loss loss = c.kind.equals("mse") ? new MseLoss(c.p("reduction")[0] == 1 ? MseLoss.Reduction.MEAN : MseLoss.Reduction.SUM)
                : new CrossEntropyLoss();
        Tensor gradient = Tensor.zeros(c.t("x").shape().toArray());
        double value = loss.forward(c.t("x"), c.t("target"), gradient);
        close(name + " loss", c.t("loss"), Tensor.of(new float[] {(float) value}, 1), 1e-6);
        close(name + " gradient", c.t("dx"), gradient, 1e-6);
    }

    /** Three steps of the given gradients on a Linear's weight and bias, from the given values. */
    private static void optimizer(String name, Case c) {
        Tensor w = c.t("weight");
        Linear linear = new Linear(w.shape().dim(1), w.shape().dim(0));
        copy(w, linear.weight().value());
        copy(c.t("bias"), linear.bias().value());
        List<Parameter> parameters = List.of(linear.weight(), linear.bias());
        float lr = c.f("lr", Float.NaN);
        Optimizer optimizer = c.kind.equals("sgd")
                ? new Sgd(parameters, lr, c.f("momentum", 0f), c.f("weight_decay", 0f), c.f("nesterov", 0f) != 0)
                : new Adam(parameters, lr, c.params.containsKey("betas") ? (float) c.params.get("betas")[0] : 0.9f,
                        c.params.containsKey("betas") ? (float) c.params.get("betas")[1] : 0.999f, c.f("eps", 1e-8f),
                        c.f("weight_decay", 0f));
        for (int step = 0; c.tensors.containsKey("dweight" + step); step++) {
            copy(c.t("dweight" + step), linear.weight().grad());
            copy(c.t("dbias" + step), linear.bias().grad());
            optimizer.step();
        }
        close(name + " weight after", c.t("weight_after"), linear.weight().value(), 2e-6);
        close(name + " bias after", c.t("bias_after"), linear.bias().value(), 2e-6);
    }

    /**
     * Three SGD steps (momentum 0.9, weight decay 1e-3, lr 0.1) of Conv2d(3→4, 3x3, pad 1) →
     * BatchNorm2d → ReLU → MaxPool2d(2) → Flatten → Linear(64→5) under cross-entropy, from PyTorch's
     * initial parameters, on one batch: each step's loss, then every parameter and the running
     * statistics, against PyTorch's.
     */
    private static void training(String name, Case c) {
        Conv2d conv = new Conv2d(ConvParams.of(3, 4, 3).padding(1), true);
        BatchNorm2d bn = new BatchNorm2d(4);
        Linear linear = new Linear(64, 5);
        Sequential net = Sequential.of(Shape.of(3, 8, 8), conv, bn, Sequential.layer(new Relu()),
                new dev.striate.nn.MaxPool2d(2), new Flatten(), linear);
        Parameter[] parameters = {conv.weight(), conv.bias(), bn.weight(), bn.bias(), linear.weight(), linear.bias()};
        String[] keys = {"conv_weight", "conv_bias", "bn_weight", "bn_bias", "linear_weight", "linear_bias"};
        for (int k = 0; k < keys.length; k++) {
            copy(c.t(keys[k]), parameters[k].value());
            parameters[k].changed();
        }
        Sgd sgd = new Sgd(List.of(parameters), 0.1f, 0.9f, 1e-3f, false);
        CrossEntropyLoss loss = new CrossEntropyLoss();
        Tensor gradient = Tensor.zeros(6, 5);
        for (int step = 0; step < 3; step++) {
            Tensor y = net.forward(c.t("x"), true);
            double value = loss.forward(y, c.t("target"), gradient);
            // the loss after `step` updates: a wrong gradient anywhere shows from the second step on
            close(name + " loss " + step, c.t("loss" + step), Tensor.of(new float[] {(float) value}, 1), 1e-5);
            net.backward(gradient, false);
            sgd.step();
        }
        for (int k = 0; k < keys.length; k++) {
            close(name + " " + keys[k] + " after three steps", c.t(keys[k] + "_after"), parameters[k].value(), 2e-5);
        }
        close(name + " running_mean", c.t("running_mean"), bn.namedParameters().get("running_mean").value(), 2e-5);
        close(name + " running_var", c.t("running_var"), bn.namedParameters().get("running_var").value(), 2e-5);
    }

    private static void copy(Tensor from, Tensor to) {
        assertArrayEquals(from.shape().toArray(), to.shape().toArray(), "layers.bin: shape of a parameter");
        System.arraycopy(from.data(), from.offset(), to.data(), to.offset(), from.size());
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
            Map<String, double[]> params = new LinkedHashMap<>();
            for (String word : string(in).split(" ")) {
                if (!word.isEmpty()) {
                    String[] kv = word.split("=");
                    params.put(kv[0], Arrays.stream(kv[1].split(",")).mapToDouble(Double::parseDouble).toArray());
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
