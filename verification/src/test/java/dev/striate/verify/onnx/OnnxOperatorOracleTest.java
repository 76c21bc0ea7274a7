package dev.striate.verify.onnx;

import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Stream;

/**
 * Attribute variants beyond ONNX's own node cases, each a small graph built here, run through a
 * Session and through the reference interpreter: groups, dilations, asymmetric pads, every
 * auto_pad with strides, ceil_mode, count_include_pad, broadcasting forms, Gemm's transposes and
 * bias forms, the load-time fusions (Conv+BN, Conv+Relu, Conv+Clip, Gemm+Relu, Add+Relu, Add+Clip), batch > 1.
 *
 * <p>Tolerance 2e-5 of the output's scale: one float32 accumulation of K ≤ 300 terms errs by at most
 * about √K·ε ≈ 1e-6 of the magnitudes summed, plus one rounding per folded weight; 2e-5 leaves a
 * wide margin while a wrong pad, stride or broadcast gives errors of order 1.
 */
class OnnxOperatorOracleTest {

    private static final double TOLERANCE = 2e-5;

    private record Variant(String name, int[] input, Function<OnnxGraphBuilder, String> body, int opset) {
        Variant(String name, int[] input, Function<OnnxGraphBuilder, String> body) {
            this(name, input, body, 13);
        }
    }

    @TestFactory
    Stream<DynamicTest> variants() {
        List<Variant> v = new ArrayList<>();
        for (String auto : new String[] {"SAME_UPPER", "SAME_LOWER", "VALID"}) {
            for (int stride : new int[] {1, 2, 3}) {
                v.add(new Variant("conv k3 auto_pad=" + auto + " s" + stride, new int[] {2, 3, 10, 11}, g -> g.node("Conv",
                        new String[] {"x", g.normal(0.3, 4, 3, 3, 3)}, "auto_pad", auto, "strides", new int[] {stride, stride})));
                v.add(new Variant("maxpool k3 auto_pad=" + auto + " s" + stride, new int[] {2, 3, 10, 11}, g -> g.node("MaxPool",
                        new String[] {"x"}, "kernel_shape", new int[] {3, 3}, "auto_pad", auto, "strides", new int[] {stride, stride})));
                v.add(new Variant("avgpool k2x3 auto_pad=" + auto + " s" + stride, new int[] {2, 3, 10, 11}, g -> g.node("AveragePool",
                        new String[] {"x"}, "kernel_shape", new int[] {2, 3}, "auto_pad", auto, "strides", new int[] {stride, stride})));
            }
        }
        v.add(new Variant("conv groups 2 dilation 2 asymmetric pads", new int[] {2, 4, 9, 8}, g -> g.node("Conv",
                new String[] {"x", g.normal(0.3, 6, 2, 3, 3), g.uniform(-1, 1, 6)}, "group", 2, "dilations", new int[] {2, 2},
                "pads", new int[] {0, 1, 2, 3})));
        v.add(new Variant("conv depthwise k3 s2 p1", new int[] {3, 8, 9, 9}, g -> g.conv("x", 8, 8, 3, 2, 1, 8, true)));
        v.add(new Variant("conv 1x1 pointwise", new int[] {2, 16, 5, 5}, g -> g.conv("x", 16, 24, 1, 1, 0, 1, true)));
        v.add(new Variant("conv 5x5 rectangular strides", new int[] {2, 3, 17, 13}, g -> g.node("Conv",
                new String[] {"x", g.normal(0.2, 5, 3, 5, 3)}, "strides", new int[] {2, 3}, "pads", new int[] {2, 1, 2, 1})));
        v.add(new Variant("convtranspose 3x3 stride 2 pads 1 output_padding 1 (a decoder's 2x upsampling)", new int[] {2, 4, 5, 6},
                g -> g.node("ConvTranspose", new String[] {"x", g.normal(0.3, 4, 3, 3, 3), g.uniform(-1, 1, 3)},
                        "strides", new int[] {2, 2}, "pads", new int[] {1, 1, 1, 1}, "output_padding", new int[] {1, 1})));
        v.add(new Variant("convtranspose 2x2 stride 2 (u-net's up-convolution), no bias", new int[] {1, 6, 4, 3},
                g -> g.node("ConvTranspose", new String[] {"x", g.normal(0.3, 6, 2, 2, 2)}, "strides", new int[] {2, 2})));
        v.add(new Variant("convtranspose 3x3 stride 1 pad 1 (the flipped kernel's winograd path)", new int[] {1, 8, 9, 9},
                g -> g.node("ConvTranspose", new String[] {"x", g.normal(0.2, 8, 8, 3, 3), g.uniform(-1, 1, 8)},
                        "pads", new int[] {1, 1, 1, 1})));
        v.add(new Variant("convtranspose groups 2, dilation 2, asymmetric pads, rectangular strides", new int[] {2, 4, 5, 4},
                g -> g.node("ConvTranspose", new String[] {"x", g.normal(0.3, 4, 3, 3, 2), g.uniform(-1, 1, 6)},
                        "group", 2, "dilations", new int[] {2, 1}, "strides", new int[] {3, 2}, "pads", new int[] {0, 1, 2, 0})));
        v.add(new Variant("convtranspose output_shape (pads derived, the odd one at the start)", new int[] {1, 3, 4, 4},
                g -> g.node("ConvTranspose", new String[] {"x", g.normal(0.3, 3, 2, 3, 3)}, "strides", new int[] {2, 2},
                        "output_shape", new int[] {8, 7})));
        v.add(new Variant("convtranspose auto_pad SAME_UPPER stride 2", new int[] {1, 3, 4, 5},
                g -> g.node("ConvTranspose", new String[] {"x", g.normal(0.3, 3, 2, 4, 4)}, "strides", new int[] {2, 2},
                        "auto_pad", "SAME_UPPER")));
        v.add(new Variant("convtranspose 1-D stride 3", new int[] {2, 3, 7},
                g -> g.node("ConvTranspose", new String[] {"x", g.normal(0.3, 3, 4, 5), g.uniform(-1, 1, 4)},
                        "strides", new int[] {3})));
        v.add(new Variant("resize nearest x2, asymmetric floor (pytorch's F.interpolate nearest)", new int[] {2, 3, 4, 5},
                g -> g.node("Resize", new String[] {"x", "", g.initializer(new float[] {1, 1, 2, 2}, 4)},
                        "mode", "nearest", "coordinate_transformation_mode", "asymmetric", "nearest_mode", "floor")));
        v.add(new Variant("resize linear x2, half_pixel (bilinear, align_corners=False)", new int[] {1, 3, 4, 5},
                g -> g.node("Resize", new String[] {"x", "", g.initializer(new float[] {1, 1, 2, 2}, 4)}, "mode", "linear")));
        v.add(new Variant("resize linear to sizes 7x9, align_corners", new int[] {1, 2, 4, 5},
                g -> g.node("Resize", new String[] {"x", "", "", g.longs(1, 2, 7, 9)}, "mode", "linear",
                        "coordinate_transformation_mode", "align_corners")));
        v.add(new Variant("resize nearest down by 0.6, half_pixel, round_prefer_ceil", new int[] {1, 2, 7, 9},
                g -> g.node("Resize", new String[] {"x", "", g.initializer(new float[] {1, 1, 0.6f, 0.6f}, 4)},
                        "nearest_mode", "round_prefer_ceil")));
        v.add(new Variant("resize nearest x1.5 default modes (half_pixel, round_prefer_floor)", new int[] {1, 2, 4, 6},
                g -> g.node("Resize", new String[] {"x", "", g.initializer(new float[] {1, 1, 1.5f, 1.5f}, 4)})));
        v.add(new Variant("resize linear pytorch_half_pixel to one row", new int[] {1, 2, 4, 6},
                g -> g.node("Resize", new String[] {"x", "", "", g.longs(1, 2, 1, 9)}, "mode", "linear",
                        "coordinate_transformation_mode", "pytorch_half_pixel")));
        v.add(new Variant("resize 1-D linear x3 asymmetric", new int[] {2, 3, 5},
                g -> g.node("Resize", new String[] {"x", "", g.initializer(new float[] {1, 1, 3}, 3)}, "mode", "linear",
                        "coordinate_transformation_mode", "asymmetric")));
        v.add(new Variant("upsample nearest 4x5 by 1.75 and 1.8 (opset 9, pytorch's size 7x9): the size in float, 9", new int[] {1, 2, 4, 5},
                g -> g.node("Upsample", new String[] {"x", g.initializer(new float[] {1, 1, 1.75f, 1.8f}, 4)}, "mode", "nearest"), 9));
        v.add(new Variant("upsample nearest x2 (opset 9)", new int[] {1, 2, 3, 4},
                g -> g.node("Upsample", new String[] {"x", g.initializer(new float[] {1, 1, 2, 3}, 4)}, "mode", "nearest"), 9));
        v.add(new Variant("resize linear x2 (opset 10: asymmetric)", new int[] {1, 2, 3, 4},
                g -> g.node("Resize", new String[] {"x", g.initializer(new float[] {1, 1, 2, 2}, 4)}, "mode", "linear"), 10));
        v.add(new Variant("erf of 3x (pytorch's exact gelu: x/sqrt2, Erf, +1, *x, *0.5)", new int[] {2, 3, 4}, g -> {
            String scaled = g.node("Div", new String[] {"x", g.initializer(new float[] {(float) Math.sqrt(2)})});
            String erf = g.node("Erf", new String[] {g.node("Mul", new String[] {scaled, g.initializer(new float[] {3f})})});
            String plus = g.node("Add", new String[] {erf, g.initializer(new float[] {1f})});
            return g.node("Mul", new String[] {g.node("Mul", new String[] {"x", plus}), g.initializer(new float[] {0.5f})});
        }));
        v.add(new Variant("lrn size 5 (alexnet's: alpha 1e-4, beta 0.75, bias 2), values up to 30", new int[] {2, 7, 3, 4},
                g -> g.node("LRN", new String[] {g.node("Mul", new String[] {"x", g.initializer(new float[] {30f})})},
                        "size", 5, "alpha", 1e-4f, "beta", 0.75f, "bias", 2f)));
        v.add(new Variant("lrn size 4 (even: one more channel after than before), defaults", new int[] {1, 6, 3, 3},
                g -> g.node("LRN", new String[] {g.node("Mul", new String[] {"x", g.initializer(new float[] {30f})})},
                        "size", 4)));
        v.add(new Variant("prelu per channel [C,1,1] (pytorch's nn.PReLU(C))", new int[] {2, 3, 4, 5},
                g -> g.node("PRelu", new String[] {"x", g.uniform(-0.5, 0.5, 3, 1, 1)})));
        v.add(new Variant("prelu one slope [1]", new int[] {2, 3, 4},
                g -> g.node("PRelu", new String[] {"x", g.initializer(new float[] {0.25f}, 1)})));
        v.add(new Variant("instancenormalization (style transfer's)", new int[] {2, 3, 4, 5},
                g -> g.node("InstanceNormalization", new String[] {"x", g.uniform(0.5, 1.5, 3), g.uniform(-1, 1, 3)},
                        "epsilon", 1e-5f)));
        v.add(new Variant("mish as exported: x * tanh(softplus(x)), softplus of 8x", new int[] {2, 3, 4}, g -> {
            String x8 = g.node("Mul", new String[] {"x", g.initializer(new float[] {8f})});
            return g.node("Mul", new String[] {x8, g.node("Tanh", new String[] {g.node("Softplus", new String[] {x8})})});
        }));
        v.add(new Variant("log(reciprocal(exp(neg(abs(x))))) + floor(3x) + ceil(3x)", new int[] {2, 3, 4}, g -> {
            String chain = g.node("Log", new String[] {g.node("Reciprocal", new String[] {g.node("Exp", new String[] {
                    g.node("Neg", new String[] {g.node("Abs", new String[] {"x"})})})})});
            String x3 = g.node("Mul", new String[] {"x", g.initializer(new float[] {3f})});
            return g.node("Add", new String[] {g.node("Add", new String[] {chain, g.node("Floor", new String[] {x3})}),
                    g.node("Ceil", new String[] {x3})});
        }));
        for (String unit : new String[] {"Elu", "Celu", "Selu", "Softsign", "ThresholdedRelu"}) {
            v.add(new Variant(unit.toLowerCase() + " of 3x, alpha 0.5 where it takes one", new int[] {2, 3, 4}, g -> {
                String x3 = g.node("Mul", new String[] {"x", g.initializer(new float[] {3f})});
                return unit.equals("Selu") || unit.equals("Softsign") ? g.node(unit, new String[] {x3})
                        : g.node(unit, new String[] {x3}, "alpha", 0.5f);
            }));
        }
        v.add(new Variant("gelu (opset 20), exact: erf form", new int[] {2, 3, 4},
                g -> g.node("Gelu", new String[] {g.node("Mul", new String[] {"x", g.initializer(new float[] {4f})})}), 20));
        v.add(new Variant("gelu (opset 20), approximate tanh", new int[] {2, 3, 4},
                g -> g.node("Gelu", new String[] {g.node("Mul", new String[] {"x", g.initializer(new float[] {4f})})},
                        "approximate", "tanh"), 20));
        v.add(new Variant("decomposed layernorm over channels (pytorch before opset 17: ReduceMean, Sub, Pow 2, Sqrt, Div)",
                new int[] {2, 4, 3, 3}, g -> {
                    String mean = g.node("ReduceMean", new String[] {"x"}, "axes", new long[] {1});
                    String centred = g.node("Sub", new String[] {"x", mean});
                    String var = g.node("ReduceMean", new String[] {g.node("Pow", new String[] {centred,
                            g.initializer(new float[] {2f})})}, "axes", new long[] {1});
                    String std = g.node("Sqrt", new String[] {g.node("Add", new String[] {var, g.initializer(new float[] {1e-6f})})});
                    return g.node("Div", new String[] {centred, std});
                }));
        v.add(new Variant("max [N,C,H,W] with [C,1,1], then min with [W] (torch.maximum / minimum)", new int[] {2, 3, 4, 5},
                g -> g.node("Min", new String[] {g.node("Max", new String[] {"x", g.uniform(-0.5, 0.5, 3, 1, 1)}),
                        g.uniform(-0.2, 0.8, 5)})));
        v.add(new Variant("pow: a tensor of exponents, broadcast; sqrt of its square", new int[] {2, 3, 4}, g -> {
            String positive = g.node("Sqrt", new String[] {g.node("Mul", new String[] {"x", "x"})});
            return g.node("Pow", new String[] {positive, g.uniform(-2, 3, 3, 1)});
        }));
        v.add(new Variant("layernormalization over the last axis with scale and bias (opset 17)", new int[] {2, 3, 8},
                g -> g.node("LayerNormalization", new String[] {"x", g.uniform(0.5, 1.5, 8), g.uniform(-1, 1, 8)},
                        "epsilon", 1e-6f), 17));
        v.add(new Variant("layernormalization over the last two axes, no bias (opset 17)", new int[] {2, 3, 4, 5},
                g -> g.node("LayerNormalization", new String[] {"x", g.uniform(0.5, 1.5, 4, 5)}, "axis", -2), 17));
        v.add(new Variant("conv+bn folded", new int[] {2, 3, 8, 8}, g -> g.batchNorm(g.conv("x", 3, 5, 3, 1, 1, 1, true), 5)));
        v.add(new Variant("conv+bn+relu fused", new int[] {2, 3, 8, 8}, g -> g.convBn("x", 3, 5, 3, 1, 1, "relu")));
        v.add(new Variant("conv+clip fused", new int[] {2, 3, 8, 8}, g -> g.relu6(g.conv("x", 3, 5, 3, 1, 1, 1, true))));
        v.add(new Variant("conv output used twice (no fusion)", new int[] {1, 3, 6, 6}, g -> {
            String c = g.conv("x", 3, 4, 3, 1, 1, 1, true);
            return g.node("Add", new String[] {g.relu(c), c});
        }));
        // a residual block's add and relu: one fused pass, cut over the threads from 2^15 elements
        v.add(new Variant("residual add+relu fused, 32768 elements", new int[] {1, 8, 64, 64},
                g -> g.relu(g.node("Add", new String[] {g.conv("x", 8, 8, 3, 1, 1, 1, true), "x"}))));
        v.add(new Variant("add+relu fused, 60 elements", new int[] {1, 3, 4, 5},
                g -> g.relu(g.node("Add", new String[] {"x", g.node("Sigmoid", new String[] {"x"})}))));
        v.add(new Variant("add [N,C,H,W]+[C,1,1] + clip fused", new int[] {2, 3, 4, 5},
                g -> g.relu6(g.node("Add", new String[] {"x", g.uniform(-1, 1, 3, 1, 1)}))));
        v.add(new Variant("batchnorm alone", new int[] {2, 4, 3, 5}, g -> g.batchNorm("x", 4)));
        v.add(new Variant("maxpool ceil_mode k3 s2", new int[] {2, 2, 10, 10}, g -> g.node("MaxPool", new String[] {"x"},
                "kernel_shape", new int[] {3, 3}, "strides", new int[] {2, 2}, "ceil_mode", 1)));
        v.add(new Variant("maxpool dilations 2 pads 1", new int[] {2, 2, 9, 10}, g -> g.node("MaxPool", new String[] {"x"},
                "kernel_shape", new int[] {3, 3}, "dilations", new int[] {2, 2}, "pads", new int[] {1, 1, 1, 1})));
        v.add(new Variant("avgpool count_include_pad ceil_mode", new int[] {2, 2, 9, 9}, g -> g.node("AveragePool",
                new String[] {"x"}, "kernel_shape", new int[] {3, 3}, "strides", new int[] {2, 2}, "pads", new int[] {1, 1, 1, 1},
                "count_include_pad", 1, "ceil_mode", 1)));
        v.add(new Variant("avgpool dilations 2 (opset 19) pads 1", new int[] {2, 2, 9, 10}, g -> g.node("AveragePool",
                new String[] {"x"}, "kernel_shape", new int[] {3, 3}, "dilations", new int[] {2, 2}, "pads", new int[] {1, 1, 1, 1})));
        v.add(new Variant("avgpool asymmetric pads excluded", new int[] {2, 2, 7, 8}, g -> g.node("AveragePool",
                new String[] {"x"}, "kernel_shape", new int[] {3, 2}, "pads", new int[] {0, 1, 2, 0})));
        v.add(new Variant("reducemean axes [2, 3] keepdims (pytorch x.mean([2, 3], keepdim=True))", new int[] {2, 5, 4, 7},
                g -> g.node("ReduceMean", new String[] {"x"}, "axes", new long[] {2, 3})));
        v.add(new Variant("reducemean axes [-1, -2] keepdims=0 (mnasnet's head)", new int[] {2, 5, 4, 7},
                g -> g.node("ReduceMean", new String[] {"x"}, "axes", new long[] {-1, -2}, "keepdims", 0)));
        v.add(new Variant("reducemean axes [1, 2] of NHWC (keras global pooling), opset 18 axes input", new int[] {2, 4, 3, 6},
                g -> g.node("ReduceMean", new String[] {"x", g.longs(1, 2)}, "keepdims", 0), 18));
        v.add(new Variant("reducesum axes input [2, 3] (opset 13)", new int[] {2, 3, 4, 5},
                g -> g.node("ReduceSum", new String[] {"x", g.longs(2, 3)})));
        v.add(new Variant("reducemax over channels keepdims=0, reducemin of it over the last axis", new int[] {2, 3, 4, 5},
                g -> g.node("ReduceMin", new String[] {g.node("ReduceMax", new String[] {"x"}, "axes", new long[] {1},
                        "keepdims", 0)}, "axes", new long[] {-1})));
        v.add(new Variant("embedding / its reducel2 over features (face recognition's normalization)", new int[] {3, 16},
                g -> g.node("Div", new String[] {"x", g.node("ReduceL2", new String[] {"x"}, "axes", new long[] {1})})));
        v.add(new Variant("reducemean every axis (no axes)", new int[] {3, 4, 5},
                g -> g.node("ReduceMean", new String[] {"x"})));
        v.add(new Variant("global max pool", new int[] {3, 5, 4, 7}, g -> g.node("GlobalMaxPool", new String[] {"x"})));
        v.add(new Variant("add [N,C,H,W]+[C,1,1]", new int[] {2, 3, 4, 5}, g -> g.node("Add", new String[] {"x", g.uniform(-1, 1, 3, 1, 1)})));
        v.add(new Variant("mul [N,C,H,W]*[W]", new int[] {2, 3, 4, 5}, g -> g.node("Mul", new String[] {"x", g.uniform(-1, 1, 5)})));
        v.add(new Variant("sub and div: (x - mean[C,1,1]) / std[C,1,1], then 1 / that", new int[] {2, 3, 4, 5}, g -> {
            String centred = g.node("Sub", new String[] {"x", g.uniform(-1, 1, 3, 1, 1)});
            String scaled = g.node("Div", new String[] {centred, g.uniform(0.5, 2, 3, 1, 1)});
            return g.node("Div", new String[] {g.initializer(new float[] {1f}), g.node("Sub", new String[] {scaled, g.initializer(
                    new float[] {3f})})});
        }));
        v.add(new Variant("sub [N,1,H,1] - [N,C,H,W] (other side broadcast)", new int[] {2, 3, 4, 5}, g -> g.node("Sub",
                new String[] {g.uniform(-1, 1, 2, 1, 4, 1), "x"})));
        v.add(new Variant("pytorch chunk's int64 arithmetic: Shape, Gather, Add, Div, Mul, Sub, then Slice", new int[] {2, 6, 3, 3},
                g -> {
                    String channels = g.node("Gather", new String[] {g.node("Shape", new String[] {"x"}), g.longs(1)}, "axis", 0);
                    String half = g.node("Div", new String[] {g.node("Add", new String[] {channels, g.longs(1)}), g.longs(2)});
                    String end = g.node("Mul", new String[] {half, g.longs(2)});
                    String start = g.node("Sub", new String[] {end, half});
                    return g.node("Slice", new String[] {"x", start, end, g.longs(1)});
                }));
        v.add(new Variant("add [1]+[N,C,H,W]", new int[] {2, 3, 4, 5}, g -> g.node("Add", new String[] {g.uniform(-1, 1, 1), "x"})));
        v.add(new Variant("mul [N,1,H,1]*[N,C,H,W]", new int[] {2, 3, 4, 5}, g -> g.node("Mul",
                new String[] {g.uniform(-1, 1, 2, 1, 4, 1), "x"})));
        v.add(new Variant("gemm transA alpha beta matrix C", new int[] {7, 5}, g -> g.node("Gemm",
                new String[] {"x", g.normal(0.5, 7, 6), g.uniform(-1, 1, 5, 6)}, "transA", 1, "alpha", 0.5f, "beta", 2f)));
        v.add(new Variant("gemm transB row bias + relu fused", new int[] {4, 9}, g -> g.relu(g.linear("x", 9, 6))));
        v.add(new Variant("gemm column bias [M,1]", new int[] {4, 9}, g -> g.node("Gemm",
                new String[] {"x", g.normal(0.5, 9, 3), g.uniform(-1, 1, 4, 1)})));
        v.add(new Variant("matmul 2-D", new int[] {5, 8}, g -> g.node("MatMul", new String[] {"x", g.normal(0.5, 8, 3)})));
        v.add(new Variant("softmax axis 1 of 4-D", new int[] {2, 5, 3, 4}, g -> g.node("Softmax", new String[] {"x"}, "axis", 1)));
        v.add(new Variant("logsoftmax last axis", new int[] {3, 7}, g -> g.node("LogSoftmax", new String[] {"x"}, "axis", -1)));
        v.add(new Variant("leakyrelu 0.2", new int[] {2, 3, 4}, g -> g.node("LeakyRelu", new String[] {"x"}, "alpha", 0.2f)));
        v.add(new Variant("sigmoid", new int[] {2, 3, 4}, g -> g.node("Sigmoid", new String[] {"x"})));
        // inputs in [-1, 1): scaled by 4 to reach both saturated ends
        v.add(new Variant("hardsigmoid default alpha beta", new int[] {2, 3, 4},
                g -> g.node("HardSigmoid", new String[] {g.node("Mul", new String[] {"x", g.initializer(new float[] {4f})})})));
        v.add(new Variant("hardsigmoid 1/6, 1/2 (pytorch's export) times x: hardswish before opset 14", new int[] {2, 3, 4},
                g -> {
                    String x4 = g.node("Mul", new String[] {"x", g.initializer(new float[] {4f})});
                    return g.node("Mul", new String[] {x4, g.node("HardSigmoid", new String[] {x4}, "alpha", 1f / 6, "beta", 0.5f)});
                }));
        v.add(new Variant("hardswish", new int[] {2, 3, 4},
                g -> g.node("HardSwish", new String[] {g.node("Mul", new String[] {"x", g.initializer(new float[] {4f})})}), 14));
        v.add(new Variant("concat axis 1 of three", new int[] {2, 3, 4, 4}, g -> g.node("Concat", new String[] {"x",
                g.relu("x"), g.node("Sigmoid", new String[] {"x"})}, "axis", 1)));
        // Batch 1: a Concat along the channels gathers contiguous slices, so planning has the
        // producers write straight into them where every input qualifies, and copies otherwise.
        v.add(new Variant("concat batch 1 in place (squeezenet fire)", new int[] {1, 3, 6, 6}, g -> {
            String squeeze = g.relu(g.conv("x", 3, 4, 1, 1, 0, 1, true));
            return g.node("Concat", new String[] {g.relu(g.conv(squeeze, 4, 5, 1, 1, 0, 1, true)),
                    g.relu(g.conv(squeeze, 4, 6, 3, 1, 1, 1, true))}, "axis", 1);
        }));
        v.add(new Variant("concat batch 1 in place, an input read on (densenet)", new int[] {1, 3, 5, 5}, g -> {
            String a = g.conv("x", 3, 4, 3, 1, 1, 1, true);
            String b = g.relu(g.conv(a, 4, 4, 3, 1, 1, 1, true));
            String joined = g.node("Concat", new String[] {a, b}, "axis", 1);
            return g.node("Add", new String[] {g.conv(joined, 8, 4, 1, 1, 0, 1, true), a});
        }));
        v.add(new Variant("concat batch 1 of a graph input and one value twice (copied)", new int[] {1, 3, 4, 4},
                g -> {
                    String r = g.relu(g.conv("x", 3, 3, 3, 1, 1, 1, true));
                    return g.node("Concat", new String[] {"x", r, r}, "axis", 1);
                }));
        v.add(new Variant("concat batch 1 of one value twice (copied)", new int[] {1, 2, 4, 4}, g -> {
            String r = g.relu(g.conv("x", 2, 3, 3, 1, 1, 1, true));
            return g.node("Concat", new String[] {r, r}, "axis", 1);
        }));
        v.add(new Variant("concat batch 1 of a concat (inner in place, outer copied)", new int[] {1, 2, 4, 4}, g -> {
            String inner = g.node("Concat", new String[] {g.conv("x", 2, 3, 1, 1, 0, 1, true),
                    g.conv("x", 2, 2, 3, 1, 1, 1, true)}, "axis", 1);
            return g.relu(g.node("Concat", new String[] {inner, g.conv("x", 2, 4, 1, 1, 0, 1, true)}, "axis", 1));
        }));
        v.add(new Variant("split channels in two equal parts (shufflenet), one minus the other", new int[] {2, 6, 3, 3}, g -> {
            String[] parts = g.nodeWithOutputs("Split", 2, new String[] {"x"}, "axis", 1);
            return g.node("Sub", new String[] {parts[0], parts[1]});
        }));
        v.add(new Variant("split sizes [1, 3, 2] from input 1, concatenated back in another order", new int[] {2, 6, 3, 3}, g -> {
            String[] parts = g.nodeWithOutputs("Split", 3, new String[] {"x", g.longs(1, 3, 2)}, "axis", -3);
            return g.node("Concat", new String[] {parts[2], g.relu(parts[0]), parts[1]}, "axis", 1);
        }));
        v.add(new Variant("split attribute [2, 3] of the last axis (opset 11), second part", new int[] {3, 4, 5}, g -> {
            String[] parts = g.nodeWithOutputs("Split", 2, new String[] {"x"}, "axis", 2, "split", new long[] {2, 3});
            return g.node("Mul", new String[] {parts[1], parts[1]});
        }, 11));
        v.add(new Variant("split num_outputs 3 of 7 rows (opset 18): 3, 3, 1", new int[] {7, 4}, g -> {
            String[] parts = g.nodeWithOutputs("Split", 3, new String[] {"x"}, "num_outputs", 3);
            return g.node("Add", new String[] {g.node("Sub", new String[] {parts[0], parts[1]}), parts[2]});
        }, 18));
        v.add(new Variant("flatten axis 2 then gemm", new int[] {2, 3, 4, 5}, g -> {
            String f = g.node("Reshape", new String[] {"x", g.longs(6, 20)});
            return g.node("Gemm", new String[] {f, g.normal(0.3, 20, 4)});
        }));
        v.add(new Variant("shape as a graph output (int64 returned as float)", new int[] {3, 2, 5, 4},
                g -> g.node("Shape", new String[] {"x"})));
        v.add(new Variant("pytorch F.pad chain (ConstantOfShape, Slice step -1, Transpose) + conv", new int[] {2, 3, 6, 7},
                g -> g.conv(g.pytorchPad("x", 1, 2, 0, 3, 0.5f), 3, 4, 3, 1, 0, 1, true)));
        v.add(new Variant("pad reflect (pytorch's ReflectionPad2d (2, 1, 3, 0)) + conv", new int[] {2, 3, 5, 6},
                g -> g.conv(g.node("Pad", new String[] {"x", g.longs(0, 0, 3, 2, 0, 0, 0, 1)}, "mode", "reflect"), 3, 4, 3, 1, 0, 1, true)));
        v.add(new Variant("pad edge (ReplicationPad2d) with a crop", new int[] {2, 3, 5, 6},
                g -> g.node("Pad", new String[] {"x", g.longs(0, 0, 2, -1, 0, 0, 3, 2)}, "mode", "edge")));
        v.add(new Variant("pytorch softmax over channels before opset 13 (Transpose, Softmax, Transpose)", new int[] {2, 5, 3, 4},
                g -> {
                    int[] perm = {0, 3, 2, 1};
                    String t = g.node("Transpose", new String[] {"x"}, "perm", perm);
                    return g.node("Transpose", new String[] {g.node("Softmax", new String[] {t}, "axis", 3)}, "perm", perm);
                }, 11));
        v.add(new Variant("channel shuffle: Reshape, Transpose, Reshape, then conv", new int[] {2, 6, 5, 4}, g -> {
            String split = g.node("Reshape", new String[] {"x", g.longs(2, 2, 3, 5, 4)});
            String swapped = g.node("Transpose", new String[] {split}, "perm", new int[] {0, 2, 1, 3, 4});
            return g.conv(g.node("Reshape", new String[] {swapped, g.longs(2, 6, 5, 4)}), 6, 3, 1, 1, 0, 1, false);
        }));
        v.add(new Variant("expand [3,1] to [2,3,4] (and a 1 in the shape kept from the input)", new int[] {3, 1},
                g -> g.node("Expand", new String[] {"x", g.longs(2, 1, 4)})));
        v.add(new Variant("f.normalize as exported: x / expand(clip(reducel2(x)))", new int[] {3, 16}, g -> {
            String norm = g.node("Clip", new String[] {g.node("ReduceL2", new String[] {"x"}, "axes", new long[] {1}),
                    g.initializer(new float[] {1e-12f}), ""});
            return g.node("Div", new String[] {"x", g.node("Expand", new String[] {norm, g.node("Shape", new String[] {"x"})})});
        }));
        v.add(new Variant("depthtospace blocksize 2 DCR", new int[] {2, 8, 3, 4},
                g -> g.node("DepthToSpace", new String[] {"x"}, "blocksize", 2)));
        v.add(new Variant("depthtospace blocksize 3 CRD (pytorch's pixel_shuffle)", new int[] {1, 18, 2, 3},
                g -> g.node("DepthToSpace", new String[] {"x"}, "blocksize", 3, "mode", "CRD")));
        v.add(new Variant("spacetodepth blocksize 2 (yolov2's reorg)", new int[] {2, 3, 4, 6},
                g -> g.node("SpaceToDepth", new String[] {"x"}, "blocksize", 2)));
        v.add(new Variant("transpose default perm (axes reversed) of a 3-D input", new int[] {3, 4, 5},
                g -> g.node("Transpose", new String[] {"x"})));
        v.add(new Variant("slice channels 1:5:2 and columns 1: (ends past the axis)", new int[] {2, 6, 5, 4},
                g -> g.node("Slice", new String[] {"x", g.longs(1, 1), g.longs(5, Long.MAX_VALUE), g.longs(1, 3), g.longs(2, 1)})));
        v.add(new Variant("slice negative steps and axes (flip, every other row from the end)", new int[] {2, 3, 7, 4},
                g -> g.node("Slice", new String[] {"x", g.longs(-1, 100), g.longs(Long.MIN_VALUE, -100), g.longs(-1, -2),
                        g.longs(-1, -2)})));
        v.add(new Variant("slice default axes and steps, negative start, empty-free", new int[] {4, 5},
                g -> g.node("Slice", new String[] {"x", g.longs(-3, 1), g.longs(-1, 4)})));
        v.add(new Variant("slice starting past the axis: an empty output (onnx's slice_start_out_of_bounds)", new int[] {4, 3, 2},
                g -> g.node("Slice", new String[] {"x", g.longs(1000), g.longs(1000), g.longs(1), g.longs(1)})));
        v.add(new Variant("slice opset 9 attributes", new int[] {2, 3, 6, 5}, g -> g.node("Slice", new String[] {"x"},
                "starts", new long[] {1, -4}, "ends", new long[] {3, 1000}, "axes", new long[] {1, 2}), 9));
        v.add(new Variant("constantofshape of the input's shape, float value, added", new int[] {2, 3, 4},
                g -> g.node("Add", new String[] {"x", g.node("ConstantOfShape", new String[] {g.node("Shape", new String[] {"x"})},
                        "value", dev.striate.onnx.proto.OnnxProto.TensorProto.newBuilder()
                                .setDataType(dev.striate.onnx.proto.OnnxProto.TensorProto.DataType.FLOAT_VALUE).addDims(1)
                                .addFloatData(0.25f).build())})));
        v.add(new Variant("pytorch flatten chain, batch 3", new int[] {3, 2, 3, 3}, g -> g.linear(g.pytorchFlatten("x"), 18, 4)));
        List<DynamicTest> tests = new ArrayList<>();
        long seed = 11;
        for (Variant variant : v) {
            long s = seed++;
            tests.add(DynamicTest.dynamicTest(variant.name, () -> {
                OnnxGraphBuilder g = new OnnxGraphBuilder(variant.name, variant.opset, s);
                g.input("x", variant.input);
                g.output(variant.body.apply(g));
                Map<String, int[]> dims = new LinkedHashMap<>();
                dims.put("x", variant.input);
                OnnxChecks.compare(variant.name, g.build(), OnnxChecks.randomInputs(dims, s), TOLERANCE);
            }));
        }
        return tests.stream();
    }
}
