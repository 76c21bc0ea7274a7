package dev.striate.verify;

import dev.striate.conv.ConvParams;

/**
 * The convolution oracle: forward, dx, dw and db written as the definitions' nested loops over
 * every output pixel and kernel tap, accumulating in {@code double}. Shares no code with the engine
 * (no im2col, no GEMM); the backward passes are scatter loops derived from the forward sum, not
 * transposed GEMMs. NCHW, weights {@code [OC][C/g][KH][KW]}, PyTorch / ONNX semantics.
 *
 * <p>Each result comes with, per element, the magnitude {@code Σ|term|} it is built from — the
 * scale of the rounding error a float implementation may make — and the number of terms.
 */
public final class ReferenceConv {

    /** Oracle values, their {@code Σ|term|} magnitudes, and the longest sum (the accumulation length). */
    public record Result(double[] value, double[] magnitude, int terms) {

        /**
         * The same values with each element's magnitude raised to the largest in its m×m output tile
         * (planes of {@code h×w}, tiles from the top-left): the bound for Winograd's F(m×m, 3x3),
         * which computes a tile's outputs from shared transformed products, so that an output's
         * rounding error follows its tile's inputs, not its own window's — an output whose window
         * lies in the padding is exactly 0 directly and about 1e-8 by F(4x4).
         */
        public Result tiled(int h, int w, int m) {
            double[] tileMag = magnitude.clone();
            for (int plane = 0; plane < magnitude.length / (h * w); plane++) {
                for (int ty = 0; ty < h; ty += m) {
                    for (int tx = 0; tx < w; tx += m) {
                        double most = 0;
                        for (int y = ty; y < Math.min(ty + m, h); y++) {
                            for (int x = tx; x < Math.min(tx + m, w); x++) {
                                most = Math.max(most, magnitude[(plane * h + y) * w + x]);
                            }
                        }
                        for (int y = ty; y < Math.min(ty + m, h); y++) {
                            for (int x = tx; x < Math.min(tx + m, w); x++) {
                                tileMag[(plane * h + y) * w + x] = most;
                            }
                        }
                    }
                }
            }
            return new Result(value, tileMag, terms);
        }

        /**
         * The same values with an error of {@code transformTerms} terms of its plane's scale added
         * to each element's bound (planes of {@code planeSize} elements, scales from
         * {@link #normwiseScales}): a transform's rounding, which does not shrink with the element's
         * own sum.
         */
        public Result withTransformError(int planeSize, double[] scale, double transformTerms) {
            double[] raised = magnitude.clone();
            for (int i = 0; i < raised.length; i++) {
                raised[i] += transformTerms / (terms + 2) * scale[i / planeSize];
            }
            return new Result(value, raised, terms);
        }
    }

    private ReferenceConv() {
    }

    /**
     * Each output plane's normwise scale, {@code Σ over its taps |w| · max |input|} (the input's
     * largest magnitude over the image, per channel): the largest {@code Σ|term|} any of its elements
     * could have, which bounds the magnitude of every value a Winograd transform mixes into the plane.
     * Forward: planes {@code [N][OC]} of the input x. dx ({@code dataGradient}): planes {@code [N][C]}, the
     * "input" being dy, read through the same weights.
     */
    public static double[] normwiseScales(ConvParams p, int batch, int h, int w, float[] input, float[] weights,
                                          boolean dataGradient) {
        int oh = p.outputHeight(h);
        int ow = p.outputWidth(w);
        int cg = p.groupInChannels();
        int ocg = p.groupOutChannels();
        int kernel = p.kernelH() * p.kernelW();
        int inPlanes = dataGradient ? p.outChannels() : p.inChannels();
        int inPlane = dataGradient ? oh * ow : h * w;
        double[] largest = new double[batch * inPlanes];
        for (int i = 0; i < largest.length; i++) {
            for (int j = 0; j < inPlane; j++) {
                largest[i] = Math.max(largest[i], Math.abs(input[i * inPlane + j]));
            }
        }
        int outPlanes = dataGradient ? p.inChannels() : p.outChannels();
        double[] scale = new double[batch * outPlanes];
        for (int n = 0; n < batch; n++) {
            for (int oc = 0; oc < p.outChannels(); oc++) {
                int g = oc / ocg;
                for (int c = 0; c < cg; c++) {
                    double taps = 0;
                    for (int k = 0; k < kernel; k++) {
                        taps += Math.abs(weights[(oc * cg + c) * kernel + k]);
                    }
                    if (dataGradient) {
                        scale[n * outPlanes + g * cg + c] += taps * largest[n * inPlanes + oc];
                    } else {
                        scale[n * outPlanes + oc] += taps * largest[n * inPlanes + g * cg + c];
                    }
                }
            }
        }
        return scale;
    }

    /** Input row (or column) read by output index o at tap t; may fall in the padding. */
    private static int inputIndex(int o, int stride, int pad, int t, int dilation) {
        return o * stride - pad + t * dilation;
    }

    /** {@code y[n][oc][oh][ow] = b[oc] + Σ w[oc][c][kh][kw]·x[n][g·C/g + c][ih][iw]}; bias may be null. */
    public static Result forward(ConvParams p, int batch, int h, int w, float[] x, float[] weights, float[] bias) {
        int oh = p.outputHeight(h);
        int ow = p.outputWidth(w);
        int cg = p.groupInChannels();
        int ocg = p.groupOutChannels();
        double[] y = new double[batch * p.outChannels() * oh * ow];
        double[] mag = new double[y.length];
        for (int n = 0; n < batch; n++) {
            for (int oc = 0; oc < p.outChannels(); oc++) {
                int g = oc / ocg;
                for (int yo = 0; yo < oh; yo++) {
                    for (int xo = 0; xo < ow; xo++) {
                        double sum = bias == null ? 0 : bias[oc];
                        double abs = Math.abs(sum);
                        for (int c = 0; c < cg; c++) {
                            for (int kh = 0; kh < p.kernelH(); kh++) {
                                int ih = inputIndex(yo, p.strideH(), p.padTop(), kh, p.dilationH());
                                for (int kw = 0; kw < p.kernelW(); kw++) {
                                    int iw = inputIndex(xo, p.strideW(), p.padLeft(), kw, p.dilationW());
                                    if (ih < 0 || ih >= h || iw < 0 || iw >= w) {
                                        continue;
                                    }
                                    double term = (double) weights[((oc * cg + c) * p.kernelH() + kh) * p.kernelW() + kw]
                                            * x[((n * p.inChannels() + g * cg + c) * h + ih) * w + iw];
                                    sum += term;
                                    abs += Math.abs(term);
                                }
                            }
                        }
                        int at = ((n * p.outChannels() + oc) * oh + yo) * ow + xo;
                        y[at] = sum;
                        mag[at] = abs;
                    }
                }
            }
        }
        return new Result(y, mag, cg * p.kernelH() * p.kernelW() + 1);
    }

    /** {@code dx = ∂L/∂x} for {@code dy = ∂L/∂y}: each output's gradient scattered back through every tap. */
    public static Result backwardData(ConvParams p, int batch, int h, int w, float[] weights, float[] dy) {
        int oh = p.outputHeight(h);
        int ow = p.outputWidth(w);
        int cg = p.groupInChannels();
        int ocg = p.groupOutChannels();
        double[] dx = new double[batch * p.inChannels() * h * w];
        double[] mag = new double[dx.length];
        int[] count = new int[dx.length];
        for (int n = 0; n < batch; n++) {
            for (int oc = 0; oc < p.outChannels(); oc++) {
                int g = oc / ocg;
                for (int yo = 0; yo < oh; yo++) {
                    for (int xo = 0; xo < ow; xo++) {
                        double grad = dy[((n * p.outChannels() + oc) * oh + yo) * ow + xo];
                        for (int c = 0; c < cg; c++) {
                            for (int kh = 0; kh < p.kernelH(); kh++) {
                                int ih = inputIndex(yo, p.strideH(), p.padTop(), kh, p.dilationH());
                                for (int kw = 0; kw < p.kernelW(); kw++) {
                                    int iw = inputIndex(xo, p.strideW(), p.padLeft(), kw, p.dilationW());
                                    if (ih < 0 || ih >= h || iw < 0 || iw >= w) {
                                        continue;
                                    }
                                    int at = ((n * p.inChannels() + g * cg + c) * h + ih) * w + iw;
                                    double term = grad * weights[((oc * cg + c) * p.kernelH() + kh) * p.kernelW() + kw];
                                    dx[at] += term;
                                    mag[at] += Math.abs(term);
                                    count[at]++;
                                }
                            }
                        }
                    }
                }
            }
        }
        return new Result(dx, mag, max(count));
    }

    /** {@code dw = ∂L/∂w}, summed over the batch. */
    public static Result backwardWeights(ConvParams p, int batch, int h, int w, float[] x, float[] dy) {
        int oh = p.outputHeight(h);
        int ow = p.outputWidth(w);
        int cg = p.groupInChannels();
        int ocg = p.groupOutChannels();
        double[] dw = new double[p.weightSize()];
        double[] mag = new double[dw.length];
        for (int oc = 0; oc < p.outChannels(); oc++) {
            int g = oc / ocg;
            for (int c = 0; c < cg; c++) {
                for (int kh = 0; kh < p.kernelH(); kh++) {
                    for (int kw = 0; kw < p.kernelW(); kw++) {
                        double sum = 0;
                        double abs = 0;
                        for (int n = 0; n < batch; n++) {
                            for (int yo = 0; yo < oh; yo++) {
                                int ih = inputIndex(yo, p.strideH(), p.padTop(), kh, p.dilationH());
                                for (int xo = 0; xo < ow; xo++) {
                                    int iw = inputIndex(xo, p.strideW(), p.padLeft(), kw, p.dilationW());
                                    if (ih < 0 || ih >= h || iw < 0 || iw >= w) {
                                        continue;
                                    }
                                    double term = (double) dy[((n * p.outChannels() + oc) * oh + yo) * ow + xo]
                                            * x[((n * p.inChannels() + g * cg + c) * h + ih) * w + iw];
                                    sum += term;
                                    abs += Math.abs(term);
                                }
                            }
                        }
                        int at = ((oc * cg + c) * p.kernelH() + kh) * p.kernelW() + kw;
                        dw[at] = sum;
                        mag[at] = abs;
                    }
                }
            }
        }
        return new Result(dw, mag, batch * oh * ow);
    }

    /** {@code db[oc] = Σ_n Σ_pixels dy[n][oc]}. */
    public static Result backwardBias(ConvParams p, int batch, int oh, int ow, float[] dy) {
        double[] db = new double[p.outChannels()];
        double[] mag = new double[db.length];
        for (int n = 0; n < batch; n++) {
            for (int oc = 0; oc < p.outChannels(); oc++) {
                for (int i = 0; i < oh * ow; i++) {
                    double g = dy[(n * p.outChannels() + oc) * oh * ow + i];
                    db[oc] += g;
                    mag[oc] += Math.abs(g);
                }
            }
        }
        return new Result(db, mag, batch * oh * ow);
    }

    /** The loss {@code ½‖y − d‖²} of the oracle's forward output: what finite differences differentiate. */
    public static double halfSquaredError(ConvParams p, int batch, int h, int w, float[] x, float[] weights,
                                          float[] bias, double[] target) {
        double[] y = forward(p, batch, h, w, x, weights, bias).value();
        double loss = 0;
        for (int i = 0; i < y.length; i++) {
            double d = y[i] - target[i];
            loss += 0.5 * d * d;
        }
        return loss;
    }

    private static int max(int[] values) {
        int m = 0;
        for (int v : values) {
            m = Math.max(m, v);
        }
        return m;
    }
}
