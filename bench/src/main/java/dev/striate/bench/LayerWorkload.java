package dev.striate.bench;

import dev.striate.activation.Activation;
import dev.striate.activation.Relu;
import dev.striate.activation.Sigmoid;
import dev.striate.activation.Softmax;
import dev.striate.activation.Tanh;
import dev.striate.pool.AvgPool2d;
import dev.striate.pool.GlobalAvgPool;
import dev.striate.pool.MaxPool2d;
import dev.striate.pool.PoolParams;
import dev.striate.runtime.ThreadPool;
import dev.striate.tensor.Tensor;
import java.util.List;
import java.util.SplittableRandom;

/**
 * One memory-bound layer pass of {@link LayerBenchmark}, named like {@code maxpool3s2-backward@1x64x112x112}:
 * the engine's kernel, a plain scalar loop computing the same thing, and the bytes the pass must
 * move at least (every input read once, every output written once) for GB/s.
 *
 * <p>Thread-safety: one instance per benchmark thread.
 */
final class LayerWorkload {

    /** The workloads of the suite: the issue's shapes. */
    static final List<String> NAMES = List.of(
            "relu@1x64x112x112", "relu-backward@1x64x112x112", "relu@1x1000",
            "sigmoid@1x64x112x112", "sigmoid-backward@1x64x112x112", "sigmoid@1x1000",
            "tanh@1x64x112x112", "tanh-backward@1x64x112x112", "tanh@1x1000",
            "softmax@1x64x112x112", "softmax-backward@1x64x112x112", "softmax@1x1000", "softmax-backward@1x1000",
            "maxpool3s2@1x64x112x112", "maxpool3s2-train@1x64x112x112", "maxpool3s2-backward@1x64x112x112",
            "maxpool2s2@1x64x112x112", "maxpool2s2-backward@1x64x112x112",
            "maxpool3s2p0@1x64x111x111", "maxpool3s2p0@1x128x55x55",
            "avgpool3s2@1x64x112x112", "avgpool3s2-backward@1x64x112x112",
            "globalavg@1x2048x7x7", "globalavg-backward@1x2048x7x7");

    final String name;
    final long bytes;
    private final Runnable engine;
    private final Runnable scalar;

    private LayerWorkload(String name, long bytes, Runnable engine, Runnable scalar) {
        this.name = name;
        this.bytes = bytes;
        this.engine = engine;
        this.scalar = scalar;
    }

    void runEngine() {
        engine.run();
    }

    void runScalar() {
        scalar.run();
    }

    static LayerWorkload of(String name, ThreadPool threads) {
        String[] parts = name.split("@");
        String[] dims = parts[1].split("x");
        int[] shape = new int[dims.length];
        for (int i = 0; i < dims.length; i++) {
            shape[i] = Integer.parseInt(dims[i]);
        }
        String op = parts[0];
        Tensor x = random(shape, 1);
        int n = x.size();
        return switch (op) {
            case "relu" -> activation(name, new Relu(), x, false, v -> Math.max(v, 0f));
            case "sigmoid" -> activation(name, new Sigmoid(), x, false, v -> (float) (1 / (1 + Math.exp(-v))));
            case "tanh" -> activation(name, new Tanh(), x, false, v -> (float) Math.tanh(v));
            case "relu-backward" -> activation(name, new Relu(), x, true, null);
            case "sigmoid-backward" -> activation(name, new Sigmoid(), x, true, null);
            case "tanh-backward" -> activation(name, new Tanh(), x, true, null);
            case "softmax" -> softmax(name, x, shape, false);
            case "softmax-backward" -> softmax(name, x, shape, true);
            case "maxpool3s2", "maxpool3s2-train", "maxpool3s2-backward" ->
                    pool(name, op, PoolParams.of(3, 2).padding(1), x, threads);
            case "maxpool2s2", "maxpool2s2-backward" -> pool(name, op, PoolParams.of(2), x, threads);
            // unpadded, as SqueezeNet 1.1 and AlexNet pool: odd rows ending in a partial vector
            case "maxpool3s2p0" -> pool(name, op, PoolParams.of(3, 2), x, threads);
            case "avgpool3s2", "avgpool3s2-backward" -> pool(name, op, PoolParams.of(3, 2).padding(1), x, threads);
            case "globalavg" -> {
                Tensor y = Tensor.zeros(shape[0], shape[1], 1, 1);
                GlobalAvgPool g = new GlobalAvgPool();
                int plane = shape[2] * shape[3];
                yield new LayerWorkload(name, 4L * (n + y.size()), () -> g.forward(x, y), () -> {
                    for (int c = 0; c < y.size(); c++) {
                        float s = 0;
                        for (int i = 0; i < plane; i++) {
                            s += x.data()[c * plane + i];
                        }
                        y.data()[c] = s / plane;
                    }
                });
            }
            case "globalavg-backward" -> {
                Tensor dy = random(new int[] {shape[0], shape[1], 1, 1}, 2);
                Tensor dx = Tensor.zeros(shape);
                GlobalAvgPool g = new GlobalAvgPool();
                int plane = shape[2] * shape[3];
                yield new LayerWorkload(name, 4L * (n + dy.size()), () -> g.backward(dy, dx), () -> {
                    for (int i = 0; i < n; i++) {
                        dx.data()[i] = dy.data()[i / plane] / plane;
                    }
                });
            }
            default -> throw new IllegalArgumentException("unknown layer workload '" + name + "'; known: " + NAMES);
        };
    }

    private interface FloatOp {
        float apply(float v);
    }

    /** Forward in place (y = x, as a network runs it), or backward from y into dx. */
    private static LayerWorkload activation(String name, Activation a, Tensor x, boolean backward, FloatOp f) {
        int n = x.size();
        float[] d = x.data();
        if (!backward) {
            // in place: the bytes are one read and one write of x; f maps an already-mapped x to a
            // value in the same range, so repeated passes stay finite
            return new LayerWorkload(name, 8L * n, () -> a.forward(x, x), () -> {
                for (int i = 0; i < n; i++) {
                    d[i] = f.apply(d[i]);
                }
            });
        }
        Tensor y = a.forward(x);
        Tensor dy = random(x.shape().toArray(), 2);
        Tensor dx = Tensor.zeros(x.shape().toArray());
        float[] s = y.data();
        float[] g = dy.data();
        float[] out = dx.data();
        Runnable scalar = switch (a.toString()) {
            case "ReLU" -> () -> {
                for (int i = 0; i < n; i++) {
                    out[i] = s[i] <= 0 ? 0 : g[i];
                }
            };
            case "Sigmoid" -> () -> {
                for (int i = 0; i < n; i++) {
                    out[i] = g[i] * s[i] * (1 - s[i]);
                }
            };
            default -> () -> {
                for (int i = 0; i < n; i++) {
                    out[i] = g[i] * (1 - s[i] * s[i]);
                }
            };
        };
        return new LayerWorkload(name, 12L * n, () -> a.backward(y, dy, dx), scalar);
    }

    /** Over the channel axis of an image (ONNX/PyTorch dim 1), or the last axis of a row of scores. */
    private static LayerWorkload softmax(String name, Tensor x, int[] shape, boolean backward) {
        int axis = 1;
        int len = shape[1];
        int inner = x.size() / shape[0] / len;
        Softmax f = new Softmax(axis);
        Tensor y = f.forward(x);
        int n = x.size();
        float[] xs = x.data();
        float[] ys = y.data();
        if (!backward) {
            return new LayerWorkload(name, 8L * n, () -> f.forward(x, y), () -> {
                for (int o = 0; o < shape[0]; o++) {
                    for (int j = 0; j < inner; j++) {
                        int base = o * len * inner + j;
                        float max = Float.NEGATIVE_INFINITY;
                        for (int a = 0; a < len; a++) {
                            max = Math.max(max, xs[base + a * inner]);
                        }
                        float sum = 0;
                        for (int a = 0; a < len; a++) {
                            float e = (float) Math.exp(xs[base + a * inner] - max);
                            ys[base + a * inner] = e;
                            sum += e;
                        }
                        for (int a = 0; a < len; a++) {
                            ys[base + a * inner] /= sum;
                        }
                    }
                }
            });
        }
        Tensor dy = random(shape, 2);
        Tensor dx = Tensor.zeros(shape);
        float[] g = dy.data();
        float[] out = dx.data();
        return new LayerWorkload(name, 12L * n, () -> f.backward(y, dy, dx), () -> {
            for (int o = 0; o < shape[0]; o++) {
                for (int j = 0; j < inner; j++) {
                    int base = o * len * inner + j;
                    float dot = 0;
                    for (int a = 0; a < len; a++) {
                        dot += g[base + a * inner] * ys[base + a * inner];
                    }
                    for (int a = 0; a < len; a++) {
                        out[base + a * inner] = ys[base + a * inner] * (g[base + a * inner] - dot);
                    }
                }
            }
        });
    }

    private static LayerWorkload pool(String name, String op, PoolParams p, Tensor x, ThreadPool threads) {
        int[] s = x.shape().toArray();
        int planes = s[0] * s[1];
        int h = s[2];
        int w = s[3];
        int oh = p.outputHeight(h);
        int ow = p.outputWidth(w);
        Tensor y = Tensor.zeros(s[0], s[1], oh, ow);
        Tensor dy = random(new int[] {s[0], s[1], oh, ow}, 2);
        Tensor dx = Tensor.zeros(s);
        int[] indices = new int[y.size()];
        float[] xs = x.data();
        float[] ys = y.data();
        if (op.startsWith("max")) {
            MaxPool2d max = new MaxPool2d(p, threads);
            max.forward(x, y, indices);
            Runnable scalarForward = () -> scalarPool(p, true, planes, h, w, oh, ow, xs, ys, indices);
            if (op.endsWith("-train")) {
                return new LayerWorkload(name, 4L * (x.size() + 2L * y.size()), () -> max.forward(x, y, indices), scalarForward);
            }
            if (!op.endsWith("-backward")) {
                return new LayerWorkload(name, 4L * (x.size() + y.size()), () -> max.forward(x, y), scalarForward);
            }
            return new LayerWorkload(name, 4L * (x.size() + 2L * y.size()), () -> max.backward(dy, indices, dx), () -> {
                    float[] out = dx.data();
                    java.util.Arrays.fill(out, 0f);
                    for (int c = 0; c < planes; c++) {
                        for (int o = 0; o < oh * ow; o++) {
                            out[c * h * w + indices[c * oh * ow + o]] += dy.data()[c * oh * ow + o];
                        }
                    }
                });
        }
        AvgPool2d avg = new AvgPool2d(p, false, threads);
        if (!op.endsWith("backward")) {
            return new LayerWorkload(name, 4L * (x.size() + y.size()), () -> avg.forward(x, y),
                    () -> scalarPool(p, false, planes, h, w, oh, ow, xs, ys, null));
        }
        return new LayerWorkload(name, 4L * (x.size() + y.size()), () -> avg.backward(dy, dx), () -> {
            float[] out = dx.data();
            java.util.Arrays.fill(out, 0f);
            for (int c = 0; c < planes; c++) {
                for (int i = 0; i < oh; i++) {
                    for (int j = 0; j < ow; j++) {
                        int count = 0;
                        for (int kh = 0; kh < p.kernelH(); kh++) {
                            for (int kw = 0; kw < p.kernelW(); kw++) {
                                int ih = i * p.strideH() - p.padTop() + kh;
                                int iw = j * p.strideW() - p.padLeft() + kw;
                                count += ih >= 0 && ih < h && iw >= 0 && iw < w ? 1 : 0;
                            }
                        }
                        float share = dy.data()[(c * oh + i) * ow + j] / count;
                        for (int kh = 0; kh < p.kernelH(); kh++) {
                            for (int kw = 0; kw < p.kernelW(); kw++) {
                                int ih = i * p.strideH() - p.padTop() + kh;
                                int iw = j * p.strideW() - p.padLeft() + kw;
                                if (ih >= 0 && ih < h && iw >= 0 && iw < w) {
                                    out[(c * h + ih) * w + iw] += share;
                                }
                            }
                        }
                    }
                }
            }
        });
    }

    /** The plain loops: per output, every tap of its window; max (with its index) or the mean over the image taps. */
    private static void scalarPool(PoolParams p, boolean max, int planes, int h, int w, int oh, int ow,
                                   float[] x, float[] y, int[] indices) {
        for (int c = 0; c < planes; c++) {
            for (int i = 0; i < oh; i++) {
                for (int j = 0; j < ow; j++) {
                    float acc = max ? Float.NEGATIVE_INFINITY : 0;
                    int arg = -1;
                    int count = 0;
                    for (int kh = 0; kh < p.kernelH(); kh++) {
                        for (int kw = 0; kw < p.kernelW(); kw++) {
                            int ih = i * p.strideH() - p.padTop() + kh;
                            int iw = j * p.strideW() - p.padLeft() + kw;
                            if (ih < 0 || ih >= h || iw < 0 || iw >= w) {
                                continue;
                            }
                            float v = x[(c * h + ih) * w + iw];
                            count++;
                            if (!max) {
                                acc += v;
                            } else if (arg < 0 || v > acc) {
                                acc = v;
                                arg = ih * w + iw;
                            }
                        }
                    }
                    y[(c * oh + i) * ow + j] = max ? acc : acc / count;
                    if (indices != null) {
                        indices[(c * oh + i) * ow + j] = arg;
                    }
                }
            }
        }
    }

    private static Tensor random(int[] shape, long seed) {
        Tensor t = Tensor.zeros(shape);
        SplittableRandom r = new SplittableRandom(seed);
        for (int i = 0; i < t.size(); i++) {
            t.data()[i] = (float) (r.nextDouble() * 4 - 2);
        }
        return t;
    }
}
