package dev.striate.verify.onnx;

import dev.striate.onnx.proto.OnnxProto.ModelProto;

/**
 * Whole CNN architectures as ONNX graphs with seeded weights, written as PyTorch's exporter writes
 * them (Conv → BatchNormalization → Relu/Clip unfused, flatten as a Shape chain, Linear as Gemm).
 * Input {@code [N, 3, H, W]} with a free batch (LeNet: {@code [N, 1, 28, 28]}).
 */
public final class OnnxArchitectures {

    private OnnxArchitectures() {
    }

    /** ResNet-18 (torchvision's layout): 7x7 stem, 4 stages of 2 basic blocks, projection shortcuts. */
    public static ModelProto resnet18(int classes, long seed) {
        OnnxGraphBuilder g = new OnnxGraphBuilder("resnet18", 13, seed);
        String x = g.input("input", -1, 3, -1, -1);
        x = g.convBn(x, 3, 64, 7, 2, 1, "relu");
        x = g.node("MaxPool", new String[] {x}, "kernel_shape", new int[] {3, 3}, "strides", new int[] {2, 2},
                "pads", new int[] {1, 1, 1, 1});
        int in = 64;
        int[] widths = {64, 128, 256, 512};
        for (int stage = 0; stage < 4; stage++) {
            for (int block = 0; block < 2; block++) {
                int out = widths[stage];
                int stride = stage > 0 && block == 0 ? 2 : 1;
                String y = g.convBn(x, in, out, 3, stride, 1, "relu");
                y = g.convBn(y, out, out, 3, 1, 1, "");
                String shortcut = stride != 1 || in != out ? g.convBn(x, in, out, 1, stride, 1, "") : x;
                x = g.relu(g.node("Add", new String[] {y, shortcut}));
                in = out;
            }
        }
        x = g.node("GlobalAveragePool", new String[] {x});
        x = g.linear(g.pytorchFlatten(x), 512, classes);
        return g.output(x).build();
    }

    /** MobileNetV2 (width 1.0): inverted residuals with depthwise 3x3 convolutions and ReLU6. */
    public static ModelProto mobilenetV2(int classes, long seed) {
        OnnxGraphBuilder g = new OnnxGraphBuilder("mobilenet_v2", 13, seed);
        String x = g.input("input", -1, 3, -1, -1);
        x = g.convBn(x, 3, 32, 3, 2, 1, "relu6");
        int in = 32;
        int[][] settings = {{1, 16, 1, 1}, {6, 24, 2, 2}, {6, 32, 3, 2}, {6, 64, 4, 2}, {6, 96, 3, 1}, {6, 160, 3, 2}, {6, 320, 1, 1}};
        for (int[] s : settings) {
            for (int i = 0; i < s[2]; i++) {
                int stride = i == 0 ? s[3] : 1;
                int hidden = in * s[0];
                String y = s[0] == 1 ? x : g.convBn(x, in, hidden, 1, 1, 1, "relu6");
                y = g.convBn(y, hidden, hidden, 3, stride, hidden, "relu6");
                y = g.convBn(y, hidden, s[1], 1, 1, 1, "");
                x = stride == 1 && in == s[1] ? g.node("Add", new String[] {x, y}) : y;
                in = s[1];
            }
        }
        x = g.convBn(x, in, 1280, 1, 1, 1, "relu6");
        x = g.node("GlobalAveragePool", new String[] {x});
        x = g.node("Dropout", new String[] {x});
        x = g.linear(g.pytorchFlatten(x), 1280, classes);
        return g.output(x).build();
    }

    /** SqueezeNet 1.1: fire modules (squeeze 1x1, expand 1x1 ‖ 3x3 joined by Concat), ceil-mode max pools. */
    public static ModelProto squeezenet11(int classes, long seed) {
        OnnxGraphBuilder g = new OnnxGraphBuilder("squeezenet1_1", 13, seed);
        String x = g.input("input", -1, 3, -1, -1);
        x = g.relu(g.conv(x, 3, 64, 3, 2, 0, 1, true));
        x = maxPoolCeil(g, x);
        x = fire(g, x, 64, 16, 64);
        x = fire(g, x, 128, 16, 64);
        x = maxPoolCeil(g, x);
        x = fire(g, x, 128, 32, 128);
        x = fire(g, x, 256, 32, 128);
        x = maxPoolCeil(g, x);
        x = fire(g, x, 256, 48, 192);
        x = fire(g, x, 384, 48, 192);
        x = fire(g, x, 384, 64, 256);
        x = fire(g, x, 512, 64, 256);
        x = g.node("Dropout", new String[] {x});
        x = g.relu(g.conv(x, 512, classes, 1, 1, 0, 1, true));
        x = g.node("GlobalAveragePool", new String[] {x});
        x = g.node("Flatten", new String[] {x}, "axis", 1);
        return g.output(x).build();
    }

    private static String maxPoolCeil(OnnxGraphBuilder g, String x) {
        return g.node("MaxPool", new String[] {x}, "kernel_shape", new int[] {3, 3}, "strides", new int[] {2, 2}, "ceil_mode", 1);
    }

    private static String fire(OnnxGraphBuilder g, String x, int in, int squeeze, int expand) {
        String s = g.relu(g.conv(x, in, squeeze, 1, 1, 0, 1, true));
        String e1 = g.relu(g.conv(s, squeeze, expand, 1, 1, 0, 1, true));
        String e3 = g.relu(g.conv(s, squeeze, expand, 3, 1, 1, 1, true));
        return g.node("Concat", new String[] {e1, e3}, "axis", 1);
    }

    /** LeNet-5 as LeCun drew it: 5x5 convolutions with tanh and average pooling, then softmax. Input [N, 1, 28, 28]. */
    public static ModelProto leNet5(long seed) {
        OnnxGraphBuilder g = new OnnxGraphBuilder("lenet5", 13, seed);
        String x = g.input("input", -1, 1, 28, 28);
        x = g.node("Tanh", new String[] {g.conv(x, 1, 6, 5, 1, 2, 1, true)});
        x = g.node("AveragePool", new String[] {x}, "kernel_shape", new int[] {2, 2}, "strides", new int[] {2, 2});
        x = g.node("Tanh", new String[] {g.conv(x, 6, 16, 5, 1, 0, 1, true)});
        x = g.node("AveragePool", new String[] {x}, "kernel_shape", new int[] {2, 2}, "strides", new int[] {2, 2});
        x = g.pytorchFlatten(x);
        x = g.node("Tanh", new String[] {g.linear(x, 400, 120)});
        x = g.node("Tanh", new String[] {g.linear(x, 120, 84)});
        x = g.node("Softmax", new String[] {g.linear(x, 84, 10)}, "axis", -1);
        return g.output(x).build();
    }

    /**
     * A small decoder on the operators exporters use beyond classification (opset 17), input
     * {@code [2, 3, 16, 16]}: Conv, HardSwish, Transpose, LayerNormalization, Transpose, Split; one half
     * up by ConvTranspose, the other by Resize; Concat, ReduceMean, Sub, Pow, Sqrt, Div, GELU through
     * Erf, Slice.
     */
    public static ModelProto decoder(long seed) {
        OnnxGraphBuilder g = new OnnxGraphBuilder("decoder", 17, seed);
        g.input("input", 2, 3, 16, 16);
        String y = g.node("HardSwish", new String[] {g.conv("input", 3, 8, 3, 2, 1, 1, true)});
        String nhwc = g.node("Transpose", new String[] {y}, "perm", new int[] {0, 2, 3, 1});
        String normed = g.node("LayerNormalization", new String[] {nhwc, g.uniform(0.5, 1.5, 8), g.uniform(-1, 1, 8)});
        String[] halves = g.nodeWithOutputs("Split", 2, new String[] {g.node("Transpose", new String[] {normed}, "perm",
                new int[] {0, 3, 1, 2})}, "axis", 1);
        String up = g.node("ConvTranspose", new String[] {halves[0], g.normal(0.3, 4, 4, 2, 2), g.uniform(-1, 1, 4)},
                "strides", new int[] {2, 2});
        String resized = g.node("Resize", new String[] {halves[1], "", g.initializer(new float[] {1, 1, 2, 2}, 4)}, "mode", "linear");
        String joined = g.node("Concat", new String[] {up, resized}, "axis", 1);
        String centred = g.node("Sub", new String[] {joined, g.node("ReduceMean", new String[] {joined, g.longs(2, 3)})});
        String square = g.node("Pow", new String[] {centred, g.initializer(new float[] {2f})});
        String scaled = g.node("Div", new String[] {centred, g.node("Sqrt", new String[] {g.node("Add", new String[] {square,
                g.initializer(new float[] {1f})})})});
        String erf = g.node("Erf", new String[] {scaled});
        String gelu = g.node("Mul", new String[] {scaled, g.node("Add", new String[] {erf, g.initializer(new float[] {1f})})});
        g.output(g.node("Slice", new String[] {gelu, g.longs(1), g.longs(7), g.longs(1), g.longs(2)}));
        return g.build();
    }
}
