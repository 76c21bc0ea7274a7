package dev.striate.verify.onnx;

import dev.striate.conv.ConvParams;
import dev.striate.gemm.Transpose;
import dev.striate.onnx.proto.OnnxProto.AttributeProto;
import dev.striate.onnx.proto.OnnxProto.ModelProto;
import dev.striate.onnx.proto.OnnxProto.NodeProto;
import dev.striate.onnx.proto.OnnxProto.TensorProto;
import dev.striate.pool.PoolParams;
import dev.striate.verify.ReferenceActivations;
import dev.striate.verify.ReferenceConv;
import dev.striate.verify.ReferenceElementwise;
import dev.striate.verify.ReferenceGemm;
import dev.striate.verify.ReferencePool;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The oracle of an ONNX graph: each node computed in double by the verification module's plain-loop
 * references (or a few lines here), rounded to float32 where the value is stored, as any float32
 * runtime stores it. Written from the ONNX operator specifications for opset 13, independently of
 * the importer: its own attribute defaults, auto_pad arithmetic and broadcasting; no fusion, no
 * folding. Integer tensors (shapes) are held as floats, exact at these sizes.
 */
public final class ReferenceOnnx {

    /** A value: dims and elements, row-major. */
    public record Data(int[] dims, float[] values) {
        int size() {
            return values.length;
        }
    }

    private ReferenceOnnx() {
    }

    /** Runs the graph on named inputs; returns the graph outputs by name. */
    public static Map<String, Data> run(ModelProto model, Map<String, Data> inputs) {
        Map<String, Data> env = new HashMap<>(inputs);
        for (TensorProto t : model.getGraph().getInitializerList()) {
            env.put(t.getName(), decode(t));
        }
        for (NodeProto n : model.getGraph().getNodeList()) {
            Data[] in = new Data[n.getInputCount()];
            for (int i = 0; i < in.length; i++) {
                in[i] = n.getInput(i).isEmpty() ? null : env.get(n.getInput(i));
            }
            if (n.getOpType().equals("Split")) {
                Data[] parts = split(n, in);
                for (int j = 0; j < parts.length; j++) {
                    env.put(n.getOutput(j), parts[j]);
                }
            } else {
                env.put(n.getOutput(0), evaluate(n, in));
            }
        }
        Map<String, Data> out = new LinkedHashMap<>();
        model.getGraph().getOutputList().forEach(v -> out.put(v.getName(), env.get(v.getName())));
        return out;
    }

    static Data decode(TensorProto t) {
        int[] dims = t.getDimsList().stream().mapToInt(Long::intValue).toArray();
        int n = Arrays.stream(dims).reduce(1, (a, b) -> a * b);
        float[] v = new float[n];
        ByteBuffer raw = t.getRawData().asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < n; i++) {
            v[i] = switch (t.getDataType()) {
                case TensorProto.DataType.FLOAT_VALUE -> t.getRawData().isEmpty() ? t.getFloatData(i) : raw.getFloat(4 * i);
                case TensorProto.DataType.INT64_VALUE -> t.getRawData().isEmpty() ? t.getInt64Data(i) : raw.getLong(8 * i);
                default -> throw new IllegalArgumentException("reference: type " + t.getDataType());
            };
        }
        return new Data(dims, v);
    }

    private static Data evaluate(NodeProto n, Data[] in) {
        Data x = in[0];
        return switch (n.getOpType()) {
            case "Conv" -> conv(n, x, in[1], in.length > 2 ? in[2] : null);
            case "ConvTranspose" -> convTranspose(n, x, in[1], in.length > 2 ? in[2] : null);
            case "MaxPool", "AveragePool" -> pool(n, x);
            case "GlobalAveragePool", "GlobalMaxPool" -> globalPool(n.getOpType().equals("GlobalMaxPool"), x);
            case "BatchNormalization" -> {
                int plane = x.size() / (x.dims[0] * x.dims[1]);
                yield rounded(x.dims, ReferenceElementwise.batchNorm(x.values, x.dims[0], x.dims[1], plane, in[1].values,
                        in[2].values, in[3].values, in[4].values, (float) f(n, "epsilon", 1e-5)));
            }
            case "Relu" -> map(x, v -> Math.max(v, 0));
            case "LeakyRelu" -> {
                double alpha = f(n, "alpha", 0.01);
                yield map(x, v -> v >= 0 ? v : alpha * v);
            }
            case "Sigmoid" -> map(x, ReferenceActivations::sigmoid);
            case "Tanh" -> map(x, ReferenceActivations::tanh);
            case "HardSigmoid" -> {
                double alpha = f(n, "alpha", 0.2);
                double beta = f(n, "beta", 0.5);
                yield map(x, v -> Math.max(0, Math.min(1, alpha * v + beta)));
            }
            case "HardSwish" -> map(x, v -> v * Math.max(0, Math.min(1, v / 6 + 0.5)));
            case "Erf" -> map(x, ReferenceActivations::erf);
            case "Gelu" -> str(n, "approximate", "none").equals("tanh") ? map(x, ReferenceActivations::gelu)
                    : map(x, v -> 0.5 * v * (1 + ReferenceActivations.erf(v / Math.sqrt(2))));
            case "Sqrt" -> map(x, Math::sqrt);
            case "LRN" -> {
                int size = (int) i(n, "size", 0);
                double alpha = f(n, "alpha", 1e-4);
                double beta = f(n, "beta", 0.75);
                double bias = f(n, "bias", 1);
                int c = x.dims[1];
                int plane = product(x.dims, 2, x.dims.length);
                double[] y = new double[x.size()];
                for (int k = 0; k < y.length; k++) {
                    int ch = k / plane % c;
                    double squares = 0;
                    for (int other = ch - (size - 1) / 2; other <= ch + size / 2; other++) {
                        if (other >= 0 && other < c) {
                            double v = x.values[k + (other - ch) * plane];
                            squares += v * v;
                        }
                    }
                    y[k] = x.values[k] / Math.pow(bias + alpha / size * squares, beta);
                }
                yield rounded(x.dims, y);
            }
            case "Abs" -> map(x, Math::abs);
            case "Neg" -> map(x, v -> -v);
            case "Exp" -> map(x, Math::exp);
            case "Log" -> map(x, Math::log);
            case "Reciprocal" -> map(x, v -> 1 / v);
            case "Softplus" -> map(x, v -> Math.log(1 + Math.exp(v)));
            case "Floor" -> map(x, Math::floor);
            case "Ceil" -> map(x, Math::ceil);
            case "Softsign" -> map(x, v -> v / (1 + Math.abs(v)));
            case "Elu" -> {
                double alpha = f(n, "alpha", 1);
                yield map(x, v -> v > 0 ? v : alpha * (Math.exp(v) - 1));
            }
            case "Celu" -> {
                double alpha = f(n, "alpha", 1);
                yield map(x, v -> Math.max(0, v) + Math.min(0, alpha * (Math.exp(v / alpha) - 1)));
            }
            case "Selu" -> {
                double alpha = f(n, "alpha", 1.67326319217681884765625);
                double gamma = f(n, "gamma", 1.05070102214813232421875);
                yield map(x, v -> v > 0 ? gamma * v : gamma * alpha * (Math.exp(v) - 1));
            }
            case "ThresholdedRelu" -> {
                double alpha = f(n, "alpha", 1);
                yield map(x, v -> v > alpha ? v : 0);
            }
            case "PRelu" -> {
                // slope broadcast to x by multiplying with ones (exact), then the definition
                float[] ones = new float[x.size()];
                Arrays.fill(ones, 1f);
                double[] slopes = ReferenceElementwise.binary('*', ones, x.dims, in[1].values, in[1].dims);
                double[] y = new double[x.size()];
                for (int k = 0; k < y.length; k++) {
                    y[k] = x.values[k] < 0 ? slopes[k] * x.values[k] : x.values[k];
                }
                yield rounded(x.dims, y);
            }
            case "InstanceNormalization" -> {
                int plane = product(x.dims, 2, x.dims.length);
                double[] y = new double[x.size()];
                for (int p = 0; p < x.size() / plane; p++) {
                    double[] z = standardized(x.values, p * plane, plane, f(n, "epsilon", 1e-5));
                    int c = p % x.dims[1];
                    for (int j = 0; j < plane; j++) {
                        y[p * plane + j] = z[j] * in[1].values[c] + in[2].values[c];
                    }
                }
                yield rounded(x.dims, y);
            }
            case "Pow", "Max", "Min" -> {
                // both operands broadcast to the output (by adding zeros, exact), then the function in double
                int[] dims = ReferenceElementwise.broadcastShape(x.dims, in[1].dims);
                float[] zeros = new float[product(dims, 0, dims.length)];
                double[] as = ReferenceElementwise.binary('+', x.values, x.dims, zeros, dims);
                double[] bs = ReferenceElementwise.binary('+', zeros, dims, in[1].values, in[1].dims);
                double[] y = new double[zeros.length];
                for (int k = 0; k < y.length; k++) {
                    y[k] = switch (n.getOpType()) {
                        case "Max" -> Math.max(as[k], bs[k]);
                        case "Min" -> Math.min(as[k], bs[k]);
                        default -> Math.pow(as[k], bs[k]);
                    };
                }
                yield rounded(dims, y);
            }
            case "LayerNormalization" -> {
                int axis = (int) i(n, "axis", -1);
                int width = product(x.dims, axis < 0 ? axis + x.dims.length : axis, x.dims.length);
                double[] y = new double[x.size()];
                for (int row = 0; row < x.size() / width; row++) {
                    double[] z = standardized(x.values, row * width, width, f(n, "epsilon", 1e-5));
                    for (int j = 0; j < width; j++) {
                        y[row * width + j] = z[j] * in[1].values[j] + (in.length > 2 && in[2] != null ? in[2].values[j] : 0);
                    }
                }
                yield rounded(x.dims, y);
            }
            case "Clip" -> {
                double lo = in.length > 1 && in[1] != null ? in[1].values[0] : Double.NEGATIVE_INFINITY;
                double hi = in.length > 2 && in[2] != null ? in[2].values[0] : Double.POSITIVE_INFINITY;
                yield map(x, v -> Math.min(Math.max(v, lo), hi));
            }
            case "Softmax", "LogSoftmax" -> {
                int axis = axis(n, x, -1);
                int outer = product(x.dims, 0, axis);
                int inner = product(x.dims, axis + 1, x.dims.length);
                yield rounded(x.dims, ReferenceActivations.softmax(x.values, outer, x.dims[axis], inner,
                        n.getOpType().equals("LogSoftmax")));
            }
            case "Add", "Sub", "Mul", "Div" -> rounded(ReferenceElementwise.broadcastShape(x.dims, in[1].dims),
                    ReferenceElementwise.binary("+-*/".charAt(List.of("Add", "Sub", "Mul", "Div").indexOf(n.getOpType())),
                            x.values, x.dims, in[1].values, in[1].dims));
            case "Gemm" -> gemm(n, x, in[1], in.length > 2 ? in[2] : null);
            case "MatMul" -> {
                int m = x.dims[0];
                int k = x.dims[1];
                int cols = in[1].dims[1];
                yield rounded(new int[] {m, cols}, ReferenceGemm.multiply(Transpose.N, Transpose.N, m, cols, k, 1f, x.values, 0, k,
                        in[1].values, 0, cols, 0f, null, 0, cols));
            }
            case "Dropout", "Identity" -> x;
            case "Flatten" -> {
                int axis = axis(n, x, 1);
                yield new Data(new int[] {product(x.dims, 0, axis), product(x.dims, axis, x.dims.length)}, x.values);
            }
            case "Reshape" -> reshape(x, in[1]);
            case "Shape" -> {
                float[] d = new float[x.dims.length];
                for (int i = 0; i < d.length; i++) {
                    d[i] = x.dims[i];
                }
                yield new Data(new int[] {d.length}, d);
            }
            case "Gather" -> {
                if (x.dims.length != 1) {
                    throw new IllegalArgumentException("reference Gather: indices into a 1-D tensor only");
                }
                float[] picked = new float[in[1].size()];
                for (int k = 0; k < picked.length; k++) {
                    int index = (int) in[1].values[k];
                    picked[k] = x.values[index < 0 ? index + x.dims[0] : index];
                }
                yield new Data(in[1].dims, picked);
            }
            case "Unsqueeze" -> {
                int[] d = new int[x.dims.length + 1];
                int axis = (int) in[1].values[0];
                for (int i = 0, s = 0; i < d.length; i++) {
                    d[i] = i == axis ? 1 : x.dims[s++];
                }
                yield new Data(d, x.values);
            }
            case "Concat" -> concat(n, in);
            case "Cast" -> i(n, "to", 1) == TensorProto.DataType.FLOAT_VALUE ? x : map(x, v -> (long) v);
            case "Transpose" -> transpose(n, x);
            case "DepthToSpace", "SpaceToDepth" -> {
                // the specification's index formulas, element by element
                int b = (int) i(n, "blocksize", 0);
                boolean toSpace = n.getOpType().equals("DepthToSpace");
                boolean crd = str(n, "mode", "DCR").equals("CRD");
                int nn = x.dims[0];
                int c = x.dims[1];
                int h = x.dims[2];
                int w = x.dims[3];
                int[] dims = toSpace ? new int[] {nn, c / (b * b), h * b, w * b} : new int[] {nn, c * b * b, h / b, w / b};
                float[] y = new float[x.size()];
                for (int flat = 0; flat < y.length; flat++) {
                    int[] o = unflatten(flat, dims);
                    int[] src;
                    if (toSpace) {
                        int bh = o[2] % b;
                        int bw = o[3] % b;
                        int channel = crd ? o[1] * b * b + bh * b + bw : (bh * b + bw) * dims[1] + o[1];
                        src = new int[] {o[0], channel, o[2] / b, o[3] / b};
                    } else {
                        int block = o[1] / c;
                        src = new int[] {o[0], o[1] % c, o[2] * b + block / b, o[3] * b + block % b};
                    }
                    y[flat] = x.values[flatten(src, x.dims)];
                }
                yield new Data(dims, y);
            }
            case "Expand" -> {
                // x broadcast against the shape: the output shape of x + zeros of that shape
                int[] shape = Arrays.stream(longs(in[1])).mapToInt(v -> (int) v).toArray();
                int[] dims = ReferenceElementwise.broadcastShape(x.dims, shape);
                yield rounded(dims, ReferenceElementwise.binary('+', x.values, x.dims, new float[product(shape, 0, shape.length)], shape));
            }
            case "Resize", "Upsample" -> resize(n, in);
            case "ReduceMean", "ReduceSum", "ReduceMax", "ReduceMin", "ReduceL2" -> reduce(n, x, in.length > 1 ? in[1] : null);
            case "Slice" -> in.length == 1 // opset < 10: attributes, steps 1
                    ? slice(x, longs(ints(n, "starts")), longs(ints(n, "ends")), longs(ints(n, "axes")), new long[0])
                    : slice(x, longs(in[1]), longs(in[2]), in.length > 3 ? longs(in[3]) : new long[0],
                            in.length > 4 ? longs(in[4]) : new long[0]);
            case "Pad" -> pad(n, x, in);
            case "ConstantOfShape" -> {
                int[] d = new int[x.size()];
                for (int i = 0; i < d.length; i++) {
                    d[i] = (int) x.values[i];
                }
                AttributeProto value = attr(n, "value");
                float[] v = new float[product(d, 0, d.length)];
                Arrays.fill(v, value == null ? 0f : decode(value.getT()).values[0]);
                yield new Data(d, v);
            }
            default -> throw new IllegalArgumentException("reference: no " + n.getOpType());
        };
    }

    private static Data conv(NodeProto n, Data x, Data w, Data b) {
        int[] k = {w.dims[2], w.dims[3]};
        int[] s = ints(n, "strides", 1, 1);
        int[] d = ints(n, "dilations", 1, 1);
        int[] p = pads(n, x, k, s, d);
        int group = (int) i(n, "group", 1);
        ConvParams params = ConvParams.of(x.dims[1], w.dims[0], k[0], k[1]).stride(s[0], s[1]).dilation(d[0], d[1])
                .padding(p[0], p[1], p[2], p[3]).groups(group);
        int h = x.dims[2];
        int wi = x.dims[3];
        double[] y = ReferenceConv.forward(params, x.dims[0], h, wi, x.values, w.values, b == null ? null : b.values).value();
        return rounded(new int[] {x.dims[0], w.dims[0], params.outputHeight(h), params.outputWidth(wi)}, y);
    }

    /**
     * ONNX ConvTranspose on [N, C, H, W] (or [N, C, W]), by its definition: every input element
     * scattered through the kernel, {@code y[n][g·M/g + m][ih·s − pad + kh·d] += x[n][c][ih]·W[c][m][kh]},
     * in double; pads from the attribute, or from output_shape / SAME_* (total = s·(in − 1) +
     * output_padding + d·(k − 1) + 1 − out, the odd one at the end for SAME_UPPER, else at the start).
     */
    private static Data convTranspose(NodeProto n, Data x, Data w, Data b) {
        boolean oneD = x.dims.length == 3;
        int[] xd = oneD ? new int[] {x.dims[0], x.dims[1], 1, x.dims[2]} : x.dims;
        int rank = oneD ? 1 : 2;
        int[] k = oneD ? new int[] {1, w.dims[2]} : new int[] {w.dims[2], w.dims[3]};
        int[] s = widen(ints(n, "strides", oneD ? new int[] {1} : new int[] {1, 1}), oneD, 1);
        int[] d = widen(ints(n, "dilations", oneD ? new int[] {1} : new int[] {1, 1}), oneD, 1);
        int[] op = widen(ints(n, "output_padding", oneD ? new int[] {0} : new int[] {0, 0}), oneD, 0);
        int[] given = ints(n, "pads");
        int[] outShape = ints(n, "output_shape");
        String auto = str(n, "auto_pad", "NOTSET");
        int group = (int) i(n, "group", 1);
        int[] begin = new int[2];
        int[] out = new int[2];
        for (int a = 0; a < 2; a++) {
            int full = s[a] * (xd[2 + a] - 1) + op[a] + d[a] * (k[a] - 1) + 1;
            boolean spatial = !oneD || a == 1;
            int at = oneD ? 0 : a;
            if (spatial && (outShape.length > 0 || auto.startsWith("SAME"))) {
                int target = outShape.length > 0 ? outShape[outShape.length - rank + at] : xd[2 + a] * s[a];
                int total = full - target;
                begin[a] = auto.equals("SAME_UPPER") ? total / 2 : total - total / 2;
                out[a] = target;
            } else {
                int pb = spatial && given.length > 0 && !auto.equals("VALID") ? given[at] : 0;
                int pe = spatial && given.length > 0 && !auto.equals("VALID") ? given[rank + at] : 0;
                begin[a] = pb;
                out[a] = full - pb - pe;
            }
        }
        int c = xd[1];
        int perGroupOut = w.dims[1];
        int m = perGroupOut * group;
        double[] y = new double[xd[0] * m * out[0] * out[1]];
        for (int nn = 0; nn < xd[0]; nn++) {
            for (int ci = 0; ci < c; ci++) {
                int g = ci / (c / group);
                for (int ih = 0; ih < xd[2]; ih++) {
                    for (int iw = 0; iw < xd[3]; iw++) {
                        double v = x.values[((nn * c + ci) * xd[2] + ih) * xd[3] + iw];
                        for (int mo = 0; mo < perGroupOut; mo++) {
                            for (int kh = 0; kh < k[0]; kh++) {
                                int oh = ih * s[0] - begin[0] + kh * d[0];
                                for (int kw = 0; kw < k[1]; kw++) {
                                    int ow = iw * s[1] - begin[1] + kw * d[1];
                                    if (oh >= 0 && oh < out[0] && ow >= 0 && ow < out[1]) {
                                        y[((nn * m + g * perGroupOut + mo) * out[0] + oh) * out[1] + ow] +=
                                                v * w.values[((ci * perGroupOut + mo) * k[0] + kh) * k[1] + kw];
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        if (b != null) {
            for (int i = 0; i < y.length; i++) {
                y[i] += b.values[(i / (out[0] * out[1])) % m];
            }
        }
        return rounded(oneD ? new int[] {xd[0], m, out[1]} : new int[] {xd[0], m, out[0], out[1]}, y);
    }

    /** A 1-D attribute as 2-D: {@code fill} for the height. */
    private static int[] widen(int[] values, boolean oneD, int fill) {
        return oneD ? new int[] {fill, values[0]} : values;
    }

    private static Data pool(NodeProto n, Data x) {
        int[] k = ints(n, "kernel_shape", 0, 0);
        int[] s = ints(n, "strides", 1, 1);
        int[] d = ints(n, "dilations", 1, 1);
        int[] p = pads(n, x, k, s, d);
        PoolParams params = PoolParams.of(k[0], k[1], s[0], s[1]).dilation(d[0], d[1]).padding(p[0], p[1], p[2], p[3])
                .ceilMode(i(n, "ceil_mode", 0) != 0);
        int planes = x.dims[0] * x.dims[1];
        int h = x.dims[2];
        int w = x.dims[3];
        int[] dims = {x.dims[0], x.dims[1], ReferencePool.outputHeight(params, h), ReferencePool.outputWidth(params, w)};
        if (n.getOpType().equals("MaxPool")) {
            return new Data(dims, ReferencePool.maxForward(params, planes, h, w, x.values).value());
        }
        return rounded(dims, ReferencePool.avgForward(params, i(n, "count_include_pad", 0) != 0, planes, h, w, x.values));
    }

    private static Data globalPool(boolean max, Data x) {
        int planes = x.dims[0] * x.dims[1];
        int size = x.size() / planes;
        int[] dims = {x.dims[0], x.dims[1], 1, 1};
        return max ? new Data(dims, ReferencePool.globalMax(planes, size, x.values).value())
                : rounded(dims, ReferencePool.globalAvg(planes, size, x.values));
    }

    /** Pads as {top, left, bottom, right}, from pads or auto_pad (SAME: output = ceil(in / stride)). */
    private static int[] pads(NodeProto n, Data x, int[] k, int[] s, int[] d) {
        String auto = str(n, "auto_pad", "NOTSET");
        if (auto.equals("NOTSET")) {
            return ints(n, "pads", 0, 0, 0, 0);
        }
        int[] p = new int[4];
        if (auto.startsWith("SAME")) {
            for (int a = 0; a < 2; a++) {
                int in = x.dims[2 + a];
                int out = (in + s[a] - 1) / s[a];
                int total = Math.max(0, (out - 1) * s[a] + (k[a] - 1) * d[a] + 1 - in);
                int small = total / 2;
                p[a] = auto.equals("SAME_UPPER") ? small : total - small;
                p[a + 2] = total - p[a];
            }
        }
        return p;
    }

    private static Data gemm(NodeProto n, Data a, Data b, Data c) {
        boolean ta = i(n, "transA", 0) != 0;
        boolean tb = i(n, "transB", 0) != 0;
        int m = ta ? a.dims[1] : a.dims[0];
        int k = ta ? a.dims[0] : a.dims[1];
        int cols = tb ? b.dims[0] : b.dims[1];
        double alpha = f(n, "alpha", 1);
        double beta = f(n, "beta", 1);
        double[] y = ReferenceGemm.multiply(ta ? Transpose.T : Transpose.N, tb ? Transpose.T : Transpose.N, m, cols, k,
                (float) alpha, a.values, 0, a.dims[1], b.values, 0, b.dims[1], 0f, null, 0, cols);
        if (c != null) {
            double[] bias = ReferenceElementwise.binary('+', new float[m * cols], new int[] {m, cols}, c.values, c.dims);
            for (int i = 0; i < y.length; i++) {
                y[i] += beta * bias[i];
            }
        }
        return rounded(new int[] {m, cols}, y);
    }

    private static Data reshape(Data x, Data shape) {
        int[] d = new int[shape.size()];
        int free = -1;
        int known = 1;
        for (int i = 0; i < d.length; i++) {
            d[i] = (int) shape.values[i];
            if (d[i] == 0) {
                d[i] = x.dims[i];
            }
            if (d[i] == -1) {
                free = i;
            } else {
                known *= d[i];
            }
        }
        if (free >= 0) {
            d[free] = x.size() / known;
        }
        return new Data(d, x.values);
    }

    private static Data concat(NodeProto n, Data[] in) {
        int rank = in[0].dims.length;
        int axis = (int) i(n, "axis", 0);
        axis = axis < 0 ? axis + rank : axis;
        int[] dims = in[0].dims.clone();
        dims[axis] = 0;
        for (Data v : in) {
            dims[axis] += v.dims[axis];
        }
        int outer = product(dims, 0, axis);
        float[] out = new float[product(dims, 0, rank)];
        int at = 0;
        for (int o = 0; o < outer; o++) {
            for (Data v : in) {
                int chunk = product(v.dims, axis, rank);
                System.arraycopy(v.values, o * chunk, out, at, chunk);
                at += chunk;
            }
        }
        return new Data(dims, out);
    }

    /** Output element at multi-index i is input element at i permuted: {@code y[i] = x[j]} with {@code j[perm[k]] = i[k]}. */
    private static Data transpose(NodeProto n, Data x) {
        int rank = x.dims.length;
        int[] perm = ints(n, "perm");
        if (perm.length == 0) {
            perm = new int[rank];
            for (int k = 0; k < rank; k++) {
                perm[k] = rank - 1 - k;
            }
        }
        int[] dims = new int[rank];
        for (int k = 0; k < rank; k++) {
            dims[k] = x.dims[perm[k]];
        }
        float[] y = new float[x.size()];
        int[] j = new int[rank];
        for (int flat = 0; flat < y.length; flat++) {
            int[] i = unflatten(flat, dims);
            for (int k = 0; k < rank; k++) {
                j[perm[k]] = i[k];
            }
            y[flat] = x.values[flatten(j, x.dims)];
        }
        return new Data(dims, y);
    }

    /**
     * ONNX Split: sizes from the attribute (opset &lt; 13) or input 1, else equal parts, one per
     * output, or {@code num_outputs} parts of ceil(dim / n) with a smaller last (opset 18).
     */
    private static Data[] split(NodeProto n, Data[] in) {
        Data x = in[0];
        int rank = x.dims.length;
        int axis = (int) i(n, "axis", 0);
        axis = axis < 0 ? axis + rank : axis;
        int parts = n.getOutputCount();
        int[] sizes = in.length > 1 && in[1] != null ? Arrays.stream(longs(in[1])).mapToInt(v -> (int) v).toArray()
                : ints(n, "split");
        if (sizes.length == 0) {
            sizes = new int[parts];
            int part = (x.dims[axis] + parts - 1) / parts;
            for (int j = 0; j < parts; j++) {
                sizes[j] = Math.min(part, x.dims[axis] - j * part);
            }
        }
        Data[] out = new Data[parts];
        for (int j = 0, start = 0; j < parts; start += sizes[j], j++) {
            int[] dims = x.dims.clone();
            dims[axis] = sizes[j];
            float[] v = new float[product(dims, 0, rank)];
            for (int flat = 0; flat < v.length; flat++) {
                int[] index = unflatten(flat, dims);
                index[axis] += start;
                v[flat] = x.values[flatten(index, x.dims)];
            }
            out[j] = new Data(dims, v);
        }
        return out;
    }

    /**
     * ONNX Resize (opset 11+ inputs: X, roi, scales, sizes) and Upsample (X, scales), nearest or
     * linear on the last two axes, from the specification's formulas: the source coordinate of each
     * output index by the coordinate transformation, then the nearest_mode rounding, or linear
     * interpolation between the two neighbours with the coordinate clamped to the axis, in double.
     */
    private static Data resize(NodeProto n, Data[] in) {
        Data x = in[0];
        boolean legacy = n.getOpType().equals("Upsample") || in.length == 2;
        Data scales = legacy ? in[1] : in.length > 2 && in[2] != null && in[2].size() > 0 ? in[2] : null;
        Data sizes = !legacy && in.length > 3 && in[3] != null ? in[3] : null;
        String coordinates = legacy ? "asymmetric" : str(n, "coordinate_transformation_mode", "half_pixel");
        String rounding = legacy ? "floor" : str(n, "nearest_mode", "round_prefer_floor");
        boolean linear = str(n, "mode", "nearest").contains("linear");
        int rank = x.dims.length;
        int[] dims = new int[rank];
        double[] scale = new double[rank];
        for (int d = 0; d < rank; d++) {
            dims[d] = sizes != null ? (int) sizes.values[d] : (int) Math.floor(x.dims[d] * scales.values[d]); // float product
            scale[d] = sizes != null ? (double) dims[d] / x.dims[d] : scales.values[d];
        }
        double[] y = new double[product(dims, 0, rank)];
        for (int flat = 0; flat < y.length; flat++) {
            int[] o = unflatten(flat, dims);
            // the two spatial axes' neighbours and weights (one axis for rank 3: the other fixed at 0)
            int[][] near = new int[rank][2];
            double[] weight = new double[rank];
            for (int d = 0; d < rank; d++) {
                if (d < 2) {
                    near[d][0] = near[d][1] = o[d];
                    continue;
                }
                double source = switch (coordinates) {
                    case "half_pixel" -> (o[d] + 0.5) / scale[d] - 0.5;
                    case "pytorch_half_pixel" -> dims[d] > 1 ? (o[d] + 0.5) / scale[d] - 0.5 : 0;
                    case "align_corners" -> dims[d] == 1 ? 0 : o[d] * (x.dims[d] - 1.0) / (dims[d] - 1.0);
                    case "tf_half_pixel_for_nn" -> (o[d] + 0.5) / scale[d];
                    default -> o[d] / scale[d];
                };
                int last = x.dims[d] - 1;
                if (linear) {
                    double c = Math.min(Math.max(source, 0), last);
                    near[d][0] = (int) Math.floor(c);
                    near[d][1] = Math.min(near[d][0] + 1, last);
                    weight[d] = c - near[d][0];
                } else {
                    double f = source - Math.floor(source);
                    double r = switch (rounding) {
                        case "floor" -> Math.floor(source);
                        case "ceil" -> Math.ceil(source);
                        case "round_prefer_ceil" -> f == 0.5 ? Math.ceil(source) : Math.round(source);
                        default -> f == 0.5 ? Math.floor(source) : Math.round(source);
                    };
                    near[d][0] = near[d][1] = (int) Math.min(Math.max(r, 0), last);
                }
            }
            double sum = 0;
            for (int corner = 0; corner < 1 << rank; corner++) {
                double w = 1;
                int[] at = new int[rank];
                for (int d = 0; d < rank; d++) {
                    int bit = corner >> d & 1;
                    at[d] = near[d][bit];
                    w *= d < 2 || !linear ? (bit == 0 ? 1 : 0) : bit == 0 ? 1 - weight[d] : weight[d];
                }
                if (w != 0) {
                    sum += w * x.values[flatten(at, x.dims)];
                }
            }
            y[flat] = sum;
        }
        return rounded(dims, y);
    }

    /**
     * ONNX ReduceMean, ReduceSum, ReduceMax, ReduceMin, ReduceL2 in double over the axes (attribute,
     * or input 1; none: all).
     */
    private static Data reduce(NodeProto n, Data x, Data axesInput) {
        String kind = n.getOpType();
        int rank = x.dims.length;
        int[] axes = axesInput != null ? Arrays.stream(longs(axesInput)).mapToInt(a -> (int) a).toArray() : ints(n, "axes");
        boolean[] reduced = new boolean[rank];
        for (int a : axes) {
            reduced[a < 0 ? a + rank : a] = true;
        }
        if (axes.length == 0) {
            Arrays.fill(reduced, true);
        }
        boolean keep = i(n, "keepdims", 1) != 0;
        int[] kept = new int[rank];
        for (int k = 0; k < rank; k++) {
            kept[k] = reduced[k] ? 1 : x.dims[k];
        }
        double[] sums = new double[product(kept, 0, rank)];
        boolean extreme = kind.equals("ReduceMax") || kind.equals("ReduceMin");
        Arrays.fill(sums, kind.equals("ReduceMax") ? Double.NEGATIVE_INFINITY : kind.equals("ReduceMin") ? Double.POSITIVE_INFINITY : 0);
        for (int flat = 0; flat < x.size(); flat++) {
            int[] i = unflatten(flat, x.dims);
            for (int k = 0; k < rank; k++) {
                i[k] = reduced[k] ? 0 : i[k];
            }
            int at = flatten(i, kept);
            double v = x.values[flat];
            sums[at] = switch (kind) {
                case "ReduceMax" -> Math.max(sums[at], v);
                case "ReduceMin" -> Math.min(sums[at], v);
                case "ReduceL2" -> sums[at] + v * v;
                default -> sums[at] + v;
            };
        }
        double count = (double) x.size() / sums.length;
        for (int k = 0; k < sums.length && !extreme; k++) {
            sums[k] = kind.equals("ReduceMean") ? sums[k] / count : kind.equals("ReduceL2") ? Math.sqrt(sums[k]) : sums[k];
        }
        int[] dims = kept;
        if (!keep) {
            int[] squeezed = new int[rank];
            int m = 0;
            for (int k = 0; k < rank; k++) {
                if (!reduced[k]) {
                    squeezed[m++] = x.dims[k];
                }
            }
            dims = Arrays.copyOf(squeezed, m);
        }
        return rounded(dims, sums);
    }

    /** ONNX Slice (absent axes or steps: empty arrays): per sliced axis, output index i reads start + i·step. */
    private static Data slice(Data x, long[] starts, long[] ends, long[] axes, long[] steps) {
        int rank = x.dims.length;
        long[] first = new long[rank];
        long[] step = new long[rank];
        int[] dims = x.dims.clone();
        Arrays.fill(step, 1);
        for (int k = 0; k < starts.length; k++) {
            int axis = axes.length > 0 ? (int) axes[k] : k;
            axis = axis < 0 ? axis + rank : axis;
            long s = steps.length > 0 ? steps[k] : 1;
            long dim = x.dims[axis];
            long start = starts[k];
            long end = ends[k];
            start = start < 0 ? start + dim : start;
            end = end < 0 ? end + dim : end;
            start = s > 0 ? Math.min(Math.max(start, 0), dim) : Math.min(Math.max(start, -1), dim - 1);
            end = s > 0 ? Math.min(Math.max(end, 0), dim) : Math.min(Math.max(end, -1), dim - 1);
            long count = 0;
            for (long at = start; s > 0 ? at < end : at > end; at += s) {
                count++;
            }
            first[axis] = start;
            step[axis] = s;
            dims[axis] = (int) count;
        }
        float[] y = new float[product(dims, 0, rank)];
        int[] j = new int[rank];
        for (int flat = 0; flat < y.length; flat++) {
            int[] i = unflatten(flat, dims);
            for (int k = 0; k < rank; k++) {
                j[k] = (int) (first[k] + i[k] * step[k]);
            }
            y[flat] = x.values[flatten(j, x.dims)];
        }
        return new Data(dims, y);
    }

    /**
     * ONNX Pad, pads and the constant from inputs (opset 11+): negative pads crop; constant mode
     * fills, reflect mirrors about the edge element ({@code -1 → 1}), edge repeats it.
     */
    private static Data pad(NodeProto n, Data x, Data[] in) {
        String mode = str(n, "mode", "constant");
        int rank = x.dims.length;
        int[] dims = new int[rank];
        for (int k = 0; k < rank; k++) {
            dims[k] = x.dims[k] + (int) in[1].values[k] + (int) in[1].values[rank + k];
        }
        float value = in.length > 2 && in[2] != null ? in[2].values[0] : 0f;
        float[] y = new float[product(dims, 0, rank)];
        int[] j = new int[rank];
        for (int flat = 0; flat < y.length; flat++) {
            int[] i = unflatten(flat, dims);
            boolean inside = true;
            for (int k = 0; k < rank; k++) {
                j[k] = i[k] - (int) in[1].values[k];
                int last = x.dims[k] - 1;
                if (mode.equals("reflect")) {
                    j[k] = j[k] < 0 ? -j[k] : j[k] > last ? 2 * last - j[k] : j[k];
                } else if (mode.equals("edge")) {
                    j[k] = Math.min(Math.max(j[k], 0), last);
                }
                inside &= j[k] >= 0 && j[k] <= last;
            }
            y[flat] = inside ? x.values[flatten(j, x.dims)] : value;
        }
        return new Data(dims, y);
    }

    private static long[] longs(Data d) {
        long[] out = new long[d == null ? 0 : d.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = (long) d.values[i];
        }
        return out;
    }

    private static long[] longs(int[] ints) {
        return Arrays.stream(ints).asLongStream().toArray();
    }

    /** {@code (x − mean)/√(var + eps)} over {@code values[from, from + width)}, the biased variance, in double. */
    private static double[] standardized(float[] values, int from, int width, double eps) {
        double mean = 0;
        for (int j = 0; j < width; j++) {
            mean += values[from + j];
        }
        mean /= width;
        double var = 0;
        for (int j = 0; j < width; j++) {
            var += (values[from + j] - mean) * (values[from + j] - mean);
        }
        var /= width;
        double[] z = new double[width];
        for (int j = 0; j < width; j++) {
            z[j] = (values[from + j] - mean) / Math.sqrt(var + eps);
        }
        return z;
    }

    private static int[] unflatten(int flat, int[] dims) {
        int[] i = new int[dims.length];
        for (int k = dims.length - 1; k >= 0; k--) {
            i[k] = flat % dims[k];
            flat /= dims[k];
        }
        return i;
    }

    private static int flatten(int[] index, int[] dims) {
        int flat = 0;
        for (int k = 0; k < dims.length; k++) {
            flat = flat * dims[k] + index[k];
        }
        return flat;
    }

    private static Data map(Data x, java.util.function.DoubleUnaryOperator f) {
        double[] y = new double[x.size()];
        for (int i = 0; i < y.length; i++) {
            y[i] = f.applyAsDouble(x.values[i]);
        }
        return rounded(x.dims, y);
    }

    private static Data rounded(int[] dims, double[] y) {
        float[] v = new float[y.length];
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) y[i];
        }
        return new Data(dims, v);
    }

    private static int product(int[] dims, int from, int to) {
        int p = 1;
        for (int i = from; i < to; i++) {
            p *= dims[i];
        }
        return p;
    }

    private static int axis(NodeProto n, Data x, long fallback) {
        long a = i(n, "axis", fallback);
        return (int) (a < 0 ? a + x.dims.length : a);
    }

    private static AttributeProto attr(NodeProto n, String name) {
        return n.getAttributeList().stream().filter(a -> a.getName().equals(name)).findFirst().orElse(null);
    }

    private static long i(NodeProto n, String name, long fallback) {
        AttributeProto a = attr(n, name);
        return a == null ? fallback : a.getI();
    }

    private static double f(NodeProto n, String name, double fallback) {
        AttributeProto a = attr(n, name);
        return a == null ? fallback : a.getF();
    }

    private static String str(NodeProto n, String name, String fallback) {
        AttributeProto a = attr(n, name);
        return a == null ? fallback : a.getS().toStringUtf8();
    }

    private static int[] ints(NodeProto n, String name, int... fallback) {
        AttributeProto a = attr(n, name);
        return a == null ? fallback : a.getIntsList().stream().mapToInt(Long::intValue).toArray();
    }
}
