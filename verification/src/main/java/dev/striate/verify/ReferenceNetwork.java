package dev.striate.verify;

import dev.striate.activation.Activation;
import dev.striate.activation.LeakyRelu;
import dev.striate.activation.Relu;
import dev.striate.activation.Sigmoid;
import dev.striate.activation.Tanh;
import dev.striate.conv.ConvParams;
import dev.striate.nn.ActivationLayer;
import dev.striate.nn.AvgPool2d;
import dev.striate.nn.BatchNorm2d;
import dev.striate.nn.Conv2d;
import dev.striate.nn.Flatten;
import dev.striate.nn.GlobalAvgPool2d;
import dev.striate.nn.Layer;
import dev.striate.nn.Linear;
import dev.striate.nn.MaxPool2d;
import dev.striate.nn.Parameter;
import dev.striate.nn.Residual;
import dev.striate.nn.Sequential;
import dev.striate.pool.PoolParams;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The oracle of a whole network: its forward pass in double with plain loops, reading only the engine
 * network's structure and hyperparameters (never running an engine kernel), with the parameter values
 * taken from a map that a test may perturb. Training-mode batch normalization uses the batch's
 * statistics (and leaves the running ones alone); dropout is not modelled.
 */
public final class ReferenceNetwork {

    /** A batch of activations: shape {@code [N, ...sample]} and values. */
    public record Batch(int[] shape, double[] values) {
        int n() {
            return shape[0];
        }

        int sampleSize() {
            return values.length / shape[0];
        }
    }

    private final Layer network;
    private final Map<String, double[]> parameters;
    private final boolean training;

    /**
     * @param parameters values by the engine's parameter names ({@link #parametersOf} gives a copy to perturb)
     * @param training batch statistics for batch norm when true, running statistics otherwise
     */
    public ReferenceNetwork(Layer network, Map<String, double[]> parameters, boolean training) {
        this.network = network;
        this.parameters = parameters;
        this.training = training;
    }

    /** The network's parameter values in double, by name. */
    public static Map<String, double[]> parametersOf(Layer network) {
        Map<String, double[]> values = new LinkedHashMap<>();
        for (Map.Entry<String, Parameter> e : network.namedParameters().entrySet()) {
            float[] v = e.getValue().value().data();
            double[] d = new double[e.getValue().value().size()];
            for (int i = 0; i < d.length; i++) {
                d[i] = v[e.getValue().value().offset() + i];
            }
            values.put(e.getKey(), d);
        }
        return values;
    }

    public Batch forward(Batch x) {
        return forward(network, "", x);
    }

    private Batch forward(Layer layer, String prefix, Batch x) {
        if (layer instanceof Sequential s) {
            Batch t = x;
            for (int i = 0; i < s.layers().size(); i++) {
                t = forward(s.layers().get(i), prefix + i + ".", t);
            }
            return t;
        }
        if (layer instanceof Residual r) {
            Batch main = forward(r.body(), prefix + "body.", x);
            Batch side = r.shortcut() == null ? x : forward(r.shortcut(), prefix + "shortcut.", x);
            double[] sum = new double[main.values().length];
            for (int i = 0; i < sum.length; i++) {
                sum[i] = main.values()[i] + side.values()[i];
            }
            return new Batch(main.shape(), sum);
        }
        if (layer instanceof Conv2d c) {
            return conv(c.params(), parameters.get(prefix + "weight"), c.bias() == null ? null : parameters.get(prefix + "bias"), x);
        }
        if (layer instanceof Linear l) {
            return linear(l.inFeatures(), l.outFeatures(), parameters.get(prefix + "weight"), parameters.get(prefix + "bias"), x);
        }
        if (layer instanceof BatchNorm2d b) {
            return batchNorm(b, prefix, x);
        }
        if (layer instanceof MaxPool2d p) {
            return pool(p.params(), true, false, x);
        }
        if (layer instanceof AvgPool2d p) {
            return pool(p.params(), false, p.countIncludePad(), x);
        }
        if (layer instanceof GlobalAvgPool2d) {
            int[] s = x.shape();
            return pool(PoolParams.of(s[2], s[3], 1, 1), false, true, x);
        }
        if (layer instanceof Flatten) {
            return new Batch(new int[] {x.n(), x.sampleSize()}, x.values());
        }
        if (layer instanceof ActivationLayer a) {
            return activation(a.activation(), x);
        }
        throw new UnsupportedOperationException("oracle: no reference for " + layer);
    }

    private static Batch conv(ConvParams p, double[] w, double[] bias, Batch x) {
        int n = x.shape()[0];
        int c = x.shape()[1];
        int h = x.shape()[2];
        int wd = x.shape()[3];
        int oh = (h + p.padTop() + p.padBottom() - p.dilationH() * (p.kernelH() - 1) - 1) / p.strideH() + 1;
        int ow = (wd + p.padLeft() + p.padRight() - p.dilationW() * (p.kernelW() - 1) - 1) / p.strideW() + 1;
        int oc = p.outChannels();
        int cg = c / p.groups();
        int ocg = oc / p.groups();
        double[] y = new double[n * oc * oh * ow];
        for (int b = 0; b < n; b++) {
            for (int o = 0; o < oc; o++) {
                int g = o / ocg;
                for (int i = 0; i < oh; i++) {
                    for (int j = 0; j < ow; j++) {
                        double s = bias == null ? 0 : bias[o];
                        for (int k = 0; k < cg; k++) {
                            for (int u = 0; u < p.kernelH(); u++) {
                                int ih = i * p.strideH() - p.padTop() + u * p.dilationH();
                                for (int v = 0; v < p.kernelW(); v++) {
                                    int iw = j * p.strideW() - p.padLeft() + v * p.dilationW();
                                    if (ih >= 0 && ih < h && iw >= 0 && iw < wd) {
                                        s += w[((o * cg + k) * p.kernelH() + u) * p.kernelW() + v]
                                                * x.values()[((b * c + g * cg + k) * h + ih) * wd + iw];
                                    }
                                }
                            }
                        }
                        y[((b * oc + o) * oh + i) * ow + j] = s;
                    }
                }
            }
        }
        return new Batch(new int[] {n, oc, oh, ow}, y);
    }

    private static Batch linear(int in, int out, double[] w, double[] bias, Batch x) {
        int n = x.n();
        double[] y = new double[n * out];
        for (int b = 0; b < n; b++) {
            for (int o = 0; o < out; o++) {
                double s = bias[o];
                for (int i = 0; i < in; i++) {
                    s += w[o * in + i] * x.values()[b * in + i];
                }
                y[b * out + o] = s;
            }
        }
        return new Batch(new int[] {n, out}, y);
    }

    private Batch batchNorm(BatchNorm2d layer, String prefix, Batch x) {
        int n = x.shape()[0];
        int c = x.shape()[1];
        int plane = x.shape()[2] * x.shape()[3];
        double[] gamma = parameters.get(prefix + "weight");
        double[] beta = parameters.get(prefix + "bias");
        double[] y = new double[x.values().length];
        for (int ch = 0; ch < c; ch++) {
            double mean;
            double variance;
            if (training) {
                double s = 0;
                for (int b = 0; b < n; b++) {
                    for (int j = 0; j < plane; j++) {
                        s += x.values()[(b * c + ch) * plane + j];
                    }
                }
                mean = s / (n * plane);
                double q = 0;
                for (int b = 0; b < n; b++) {
                    for (int j = 0; j < plane; j++) {
                        double d = x.values()[(b * c + ch) * plane + j] - mean;
                        q += d * d;
                    }
                }
                variance = q / (n * plane);
            } else {
                mean = parameters.get(prefix + "running_mean")[ch];
                variance = parameters.get(prefix + "running_var")[ch];
            }
            double inv = 1 / Math.sqrt(variance + layer.eps());
            for (int b = 0; b < n; b++) {
                for (int j = 0; j < plane; j++) {
                    int at = (b * c + ch) * plane + j;
                    y[at] = gamma[ch] * (x.values()[at] - mean) * inv + beta[ch];
                }
            }
        }
        return new Batch(x.shape(), y);
    }

    private static Batch pool(PoolParams p, boolean max, boolean countIncludePad, Batch x) {
        int n = x.shape()[0];
        int c = x.shape()[1];
        int h = x.shape()[2];
        int w = x.shape()[3];
        int oh = ReferencePool.outputHeight(p, h);
        int ow = ReferencePool.outputWidth(p, w);
        double[] y = new double[n * c * oh * ow];
        for (int plane = 0; plane < n * c; plane++) {
            for (int i = 0; i < oh; i++) {
                for (int j = 0; j < ow; j++) {
                    double acc = max ? Double.NEGATIVE_INFINITY : 0;
                    for (int u = 0; u < p.kernelH(); u++) {
                        int ih = i * p.strideH() - p.padTop() + u * p.dilationH();
                        for (int v = 0; v < p.kernelW(); v++) {
                            int iw = j * p.strideW() - p.padLeft() + v * p.dilationW();
                            if (ih >= 0 && ih < h && iw >= 0 && iw < w) {
                                double value = x.values()[(plane * h + ih) * w + iw];
                                acc = max ? Math.max(acc, value) : acc + value;
                            }
                        }
                    }
                    y[(plane * oh + i) * ow + j] = max ? acc : acc / ReferencePool.divisor(p, countIncludePad, h, w, i, j);
                }
            }
        }
        return new Batch(new int[] {n, c, oh, ow}, y);
    }

    private static Batch activation(Activation a, Batch x) {
        double[] y = new double[x.values().length];
        for (int i = 0; i < y.length; i++) {
            double v = x.values()[i];
            if (a instanceof Relu) {
                y[i] = Math.max(0, v);
            } else if (a instanceof LeakyRelu l) {
                y[i] = v >= 0 ? v : l.alpha() * v;
            } else if (a instanceof Tanh) {
                y[i] = Math.tanh(v);
            } else if (a instanceof Sigmoid) {
                y[i] = ReferenceActivations.sigmoid(v);
            } else {
                throw new UnsupportedOperationException("oracle: no reference for activation " + a);
            }
        }
        return new Batch(x.shape(), y);
    }

    /** {@code ½‖y − d‖²}. */
    public static double halfSquaredError(Batch y, double[] target) {
        double s = 0;
        for (int i = 0; i < target.length; i++) {
            double e = y.values()[i] - target[i];
            s += e * e;
        }
        return s / 2;
    }

    /** Mean over the batch of {@code −log softmax(y_i)[label_i]}. */
    public static double crossEntropy(Batch y, int[] labels) {
        int classes = y.sampleSize();
        double total = 0;
        for (int b = 0; b < y.n(); b++) {
            double max = Double.NEGATIVE_INFINITY;
            for (int j = 0; j < classes; j++) {
                max = Math.max(max, y.values()[b * classes + j]);
            }
            double sum = 0;
            for (int j = 0; j < classes; j++) {
                sum += Math.exp(y.values()[b * classes + j] - max);
            }
            total += Math.log(sum) + max - y.values()[b * classes + labels[b]];
        }
        return total / y.n();
    }
}
