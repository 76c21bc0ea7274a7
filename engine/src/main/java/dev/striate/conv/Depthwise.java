package dev.striate.conv;

import dev.striate.simd.FloatSpecies;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * Direct kernels for depthwise convolution ({@code groups == inChannels}; output channel {@code oc}
 * reads input channel {@code oc / (outChannels/inChannels)} only). Lowered to GEMM, each group would
 * be an M=1 product with no reuse; here a vector of output pixels accumulates all kernel taps in a
 * register instead.
 *
 * <p>Per output element the taps are summed in (kh, kw) order from zero, then bias and clamp: the
 * same float operations whichever thread computes it, so results do not depend on the thread count.
 *
 * <p>Thread-safety: stateless; callers own the arrays.
 */
final class Depthwise {

    private static final VectorSpecies<Float> S = FloatSpecies.PREFERRED;
    private static final int L = FloatSpecies.LANES;

    private Depthwise() {
    }

    /**
     * One output channel of one image | x: the image's channel {@code h×w} at xOff; y: {@code oh×ow}
     * at yOff; weights of channel oc at wOff | y must not alias x | allocates nothing.
     */
    static void forwardChannel(ConvParams p, float[] x, int xOff, int h, int w, float[] weights, int wOff,
                               float bias, float min, float max, float[] y, int yOff, int oh, int ow) {
        int kh = p.kernelH();
        int kw = p.kernelW();
        int sw = p.strideW();
        // Output columns whose every tap lies inside the row: the vectorized interior.
        int lo = Math.min(ow, Im2col.firstInside(-p.padLeft(), sw));
        int hi = Math.max(lo, Im2col.lastInsideExclusive((kw - 1) * p.dilationW() - p.padLeft(), sw, w, ow));
        FloatVector vBias = FloatVector.broadcast(S, bias);
        FloatVector vMin = FloatVector.broadcast(S, min);
        FloatVector vMax = FloatVector.broadcast(S, max);
        for (int yo = 0; yo < oh; yo++) {
            int out = yOff + yo * ow;
            int ihBase = yo * p.strideH() - p.padTop();
            int xo = 0;
            for (; xo < lo; xo++) {
                y[out + xo] = pixel(p, x, xOff, h, w, weights, wOff, ihBase, xo, bias, min, max);
            }
            if (sw == 1) {
                for (; xo + L <= hi; xo += L) {
                    FloatVector acc = FloatVector.zero(S);
                    for (int i = 0; i < kh; i++) {
                        int ih = ihBase + i * p.dilationH();
                        if (ih < 0 || ih >= h) {
                            continue;
                        }
                        int row = xOff + ih * w + xo - p.padLeft();
                        for (int j = 0; j < kw; j++) {
                            FloatVector in = FloatVector.fromArray(S, x, row + j * p.dilationW());
                            acc = in.fma(FloatVector.broadcast(S, weights[wOff + i * kw + j]), acc);
                        }
                    }
                    acc.add(vBias).max(vMin).min(vMax).intoArray(y, out + xo);
                }
            }
            for (; xo < ow; xo++) {
                y[out + xo] = pixel(p, x, xOff, h, w, weights, wOff, ihBase, xo, bias, min, max);
            }
        }
    }

    /** One output pixel with every tap bounds-checked: the edges and strided columns. */
    private static float pixel(ConvParams p, float[] x, int xOff, int h, int w, float[] weights, int wOff,
                               int ihBase, int xo, float bias, float min, float max) {
        int kw = p.kernelW();
        int iwBase = xo * p.strideW() - p.padLeft();
        float acc = 0f;
        for (int i = 0; i < p.kernelH(); i++) {
            int ih = ihBase + i * p.dilationH();
            if (ih < 0 || ih >= h) {
                continue;
            }
            for (int j = 0; j < kw; j++) {
                int iw = iwBase + j * p.dilationW();
                if (iw >= 0 && iw < w) {
                    acc = Math.fma(x[xOff + ih * w + iw], weights[wOff + i * kw + j], acc);
                }
            }
        }
        return Math.min(Math.max(acc + bias, min), max);
    }

    /**
     * For one image and output channel: {@code dx += ∂/∂x} when dx is not null, {@code dw += ∂/∂w}
     * when dw is not null | dy: {@code oh×ow} at dyOff; x, dx: the input channel {@code h×w}; weights,
     * dw: the channel's {@code KH×KW} taps | no aliasing | allocates nothing.
     */
    static void backwardChannel(ConvParams p, int h, int w, int oh, int ow, float[] dy, int dyOff,
                                float[] weights, int wOff, float[] dx, int dxOff,
                                float[] x, int xOff, float[] dw, int dwOff) {
        int kh = p.kernelH();
        int kw = p.kernelW();
        for (int yo = 0; yo < oh; yo++) {
            int ihBase = yo * p.strideH() - p.padTop();
            for (int xo = 0; xo < ow; xo++) {
                float g = dy[dyOff + yo * ow + xo];
                int iwBase = xo * p.strideW() - p.padLeft();
                for (int i = 0; i < kh; i++) {
                    int ih = ihBase + i * p.dilationH();
                    if (ih < 0 || ih >= h) {
                        continue;
                    }
                    for (int j = 0; j < kw; j++) {
                        int iw = iwBase + j * p.dilationW();
                        if (iw < 0 || iw >= w) {
                            continue;
                        }
                        int at = ih * w + iw;
                        int tap = i * kw + j;
                        if (dx != null) {
                            dx[dxOff + at] = Math.fma(weights[wOff + tap], g, dx[dxOff + at]);
                        }
                        if (dw != null) {
                            dw[dwOff + tap] = Math.fma(x[xOff + at], g, dw[dwOff + tap]);
                        }
                    }
                }
            }
        }
    }
}
