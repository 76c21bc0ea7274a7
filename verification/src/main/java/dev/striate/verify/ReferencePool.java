package dev.striate.verify;

import dev.striate.pool.PoolParams;

/**
 * The pooling oracle: every output's window visited tap by tap in row-major order, sums in double,
 * gradients as scatter loops. Shares no code with the engine: its own output-size rule (PyTorch's
 * {@code pooling_output_shape}) and its own divisor count; the hyperparameters come from
 * {@link PoolParams} as plain numbers.
 */
public final class ReferencePool {

    /** Max pooling's values and, per output, the plane-local index of the maximum (−1: no tap in the image). */
    public record MaxResult(float[] value, int[] index) {
    }

    private ReferencePool() {
    }

    /** PyTorch's output size: floor or ceil, and in ceil mode no window may start in the end padding. */
    public static int outputSize(int in, int kernel, int stride, int padBefore, int padAfter, int dilation, boolean ceil) {
        long numerator = (long) in + padBefore + padAfter - (long) dilation * (kernel - 1) - 1;
        long out = Math.floorDiv(numerator + (ceil ? stride - 1 : 0), stride) + 1;
        if (ceil && (out - 1) * stride >= (long) in + padBefore) {
            out--;
        }
        return (int) out;
    }

    public static int outputHeight(PoolParams p, int h) {
        return outputSize(h, p.kernelH(), p.strideH(), p.padTop(), p.padBottom(), p.dilationH(), p.ceilMode());
    }

    public static int outputWidth(PoolParams p, int w) {
        return outputSize(w, p.kernelW(), p.strideW(), p.padLeft(), p.padRight(), p.dilationW(), p.ceilMode());
    }

    /** PyTorch's scan: {@code if (v > max || isnan(v))} over the window, starting from −∞ at the first in-image tap. */
    public static MaxResult maxForward(PoolParams p, int planes, int h, int w, float[] x) {
        int oh = outputHeight(p, h);
        int ow = outputWidth(p, w);
        float[] y = new float[planes * oh * ow];
        int[] index = new int[y.length];
        for (int c = 0; c < planes; c++) {
            for (int i = 0; i < oh; i++) {
                for (int j = 0; j < ow; j++) {
                    float max = Float.NEGATIVE_INFINITY;
                    int arg = -1;
                    for (int kh = 0; kh < p.kernelH(); kh++) {
                        for (int kw = 0; kw < p.kernelW(); kw++) {
                            int ih = i * p.strideH() - p.padTop() + kh * p.dilationH();
                            int iw = j * p.strideW() - p.padLeft() + kw * p.dilationW();
                            if (ih < 0 || ih >= h || iw < 0 || iw >= w) {
                                continue;
                            }
                            if (arg == -1) {
                                arg = ih * w + iw;  // PyTorch's initial index: the first valid tap
                            }
                            float v = x[c * h * w + ih * w + iw];
                            if (v > max || Float.isNaN(v)) {
                                max = v;
                                arg = ih * w + iw;
                            }
                        }
                    }
                    y[(c * oh + i) * ow + j] = max;
                    index[(c * oh + i) * ow + j] = arg;
                }
            }
        }
        return new MaxResult(y, index);
    }

    /** {@code dx[index[o]] += dy[o]} per plane. */
    public static double[] maxBackward(PoolParams p, int planes, int h, int w, int[] index, float[] dy) {
        int oh = outputHeight(p, h);
        int ow = outputWidth(p, w);
        double[] dx = new double[planes * h * w];
        for (int c = 0; c < planes; c++) {
            for (int o = 0; o < oh * ow; o++) {
                int at = index[c * oh * ow + o];
                if (at >= 0) {
                    dx[c * h * w + at] += dy[c * oh * ow + o];
                }
            }
        }
        return dx;
    }

    /** The divisor of output (i, j): taps in the image, or also in the padding when countIncludePad. */
    public static int divisor(PoolParams p, boolean countIncludePad, int h, int w, int i, int j) {
        int rows = 0;
        for (int kh = 0; kh < p.kernelH(); kh++) {
            int ih = i * p.strideH() - p.padTop() + kh * p.dilationH();
            if (countIncludePad ? ih >= -p.padTop() && ih < h + p.padBottom() : ih >= 0 && ih < h) {
                rows++;
            }
        }
        int cols = 0;
        for (int kw = 0; kw < p.kernelW(); kw++) {
            int iw = j * p.strideW() - p.padLeft() + kw * p.dilationW();
            if (countIncludePad ? iw >= -p.padLeft() && iw < w + p.padRight() : iw >= 0 && iw < w) {
                cols++;
            }
        }
        return Math.max(rows, 1) * Math.max(cols, 1);
    }

    /** Mean over each window (padding adds 0), in double. */
    public static double[] avgForward(PoolParams p, boolean countIncludePad, int planes, int h, int w, float[] x) {
        int oh = outputHeight(p, h);
        int ow = outputWidth(p, w);
        double[] y = new double[planes * oh * ow];
        for (int c = 0; c < planes; c++) {
            for (int i = 0; i < oh; i++) {
                for (int j = 0; j < ow; j++) {
                    double sum = 0;
                    for (int kh = 0; kh < p.kernelH(); kh++) {
                        for (int kw = 0; kw < p.kernelW(); kw++) {
                            int ih = i * p.strideH() - p.padTop() + kh * p.dilationH();
                            int iw = j * p.strideW() - p.padLeft() + kw * p.dilationW();
                            if (ih >= 0 && ih < h && iw >= 0 && iw < w) {
                                sum += x[c * h * w + ih * w + iw];
                            }
                        }
                    }
                    y[(c * oh + i) * ow + j] = sum / divisor(p, countIncludePad, h, w, i, j);
                }
            }
        }
        return y;
    }

    /** Each output's gradient divided by its divisor, added to every in-image tap of its window. */
    public static double[] avgBackward(PoolParams p, boolean countIncludePad, int planes, int h, int w, float[] dy) {
        int oh = outputHeight(p, h);
        int ow = outputWidth(p, w);
        double[] dx = new double[planes * h * w];
        for (int c = 0; c < planes; c++) {
            for (int i = 0; i < oh; i++) {
                for (int j = 0; j < ow; j++) {
                    double share = (double) dy[(c * oh + i) * ow + j] / divisor(p, countIncludePad, h, w, i, j);
                    for (int kh = 0; kh < p.kernelH(); kh++) {
                        for (int kw = 0; kw < p.kernelW(); kw++) {
                            int ih = i * p.strideH() - p.padTop() + kh * p.dilationH();
                            int iw = j * p.strideW() - p.padLeft() + kw * p.dilationW();
                            if (ih >= 0 && ih < h && iw >= 0 && iw < w) {
                                dx[c * h * w + ih * w + iw] += share;
                            }
                        }
                    }
                }
            }
        }
        return dx;
    }

    /** Plane means, in double. */
    public static double[] globalAvg(int planes, int size, float[] x) {
        double[] y = new double[planes];
        for (int c = 0; c < planes; c++) {
            double sum = 0;
            for (int i = 0; i < size; i++) {
                sum += x[c * size + i];
            }
            y[c] = sum / size;
        }
        return y;
    }

    /** Plane maxima (NaN if the plane holds one) and their first index, PyTorch's scan. */
    public static MaxResult globalMax(int planes, int size, float[] x) {
        float[] y = new float[planes];
        int[] index = new int[planes];
        for (int c = 0; c < planes; c++) {
            float max = Float.NEGATIVE_INFINITY;
            int arg = 0;
            for (int i = 0; i < size; i++) {
                float v = x[c * size + i];
                if (v > max || Float.isNaN(v)) {
                    max = v;
                    arg = i;
                }
            }
            y[c] = max;
            index[c] = arg;
        }
        return new MaxResult(y, index);
    }
}
