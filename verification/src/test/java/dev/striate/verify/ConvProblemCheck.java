package dev.striate.verify;

import static org.junit.jupiter.api.Assertions.assertNull;

import dev.striate.conv.ConvAlgorithm;
import dev.striate.conv.ConvParams;
import dev.striate.conv.ConvProblem;
import dev.striate.conv.Convolution;
import dev.striate.gemm.Sgemm;
import dev.striate.tensor.Tensor;
import java.util.SplittableRandom;

/**
 * One convolution problem with seeded random input, weights, bias and output gradient, checked
 * against {@link ReferenceConv}: forward (with and without bias, with a fused ReLU), dx, dw and db.
 */
final class ConvProblemCheck {

    final ConvProblem problem;
    final ConvParams p;
    final int n, h, w, oh, ow;
    final float[] x, weights, bias, dy;

    ConvProblemCheck(ConvProblem problem, long seed) {
        this.problem = problem;
        this.p = problem.params();
        this.n = problem.batch();
        this.h = problem.height();
        this.w = problem.width();
        this.oh = problem.outputHeight();
        this.ow = problem.outputWidth();
        SplittableRandom random = new SplittableRandom(seed);
        x = RandomData.uniform(random, n * p.inChannels() * h * w);
        weights = RandomData.uniform(random, p.weightSize());
        bias = RandomData.uniform(random, p.outChannels());
        dy = RandomData.uniform(random, n * p.outChannels() * oh * ow);
    }

    static ConvProblemCheck of(String descriptor) {
        return new ConvProblemCheck(ConvProblem.parse(descriptor), descriptor.hashCode());
    }

    Tensor input() {
        return Tensor.of(x.clone(), n, p.inChannels(), h, w);
    }

    /**
     * Forward, dx, dw, db of {@code algorithm} on {@code gemm} all within the oracle's bound for the
     * algorithm it resolves to (AUTO may take Winograd).
     */
    void checkAll(ConvAlgorithm algorithm, Sgemm gemm) {
        String name = problem + " " + algorithm;
        Convolution plain = new Convolution(p, weights, null).withAlgorithm(algorithm).withGemm(gemm);
        Convolution biased = new Convolution(p, weights, bias).withAlgorithm(algorithm).withGemm(gemm);
        ConvAlgorithm used = plain.algorithmFor(h, w);

        assertNull(ConvCheck.mismatch(name + " y (no bias)", plain.forward(input()).data(), 0,
                bound(used, ReferenceConv.forward(p, n, h, w, x, weights, null), oh, ow, x, false)));
        ReferenceConv.Result withBias = bound(used, ReferenceConv.forward(p, n, h, w, x, weights, bias), oh, ow, x,
                false);
        assertNull(ConvCheck.mismatch(name + " y", biased.forward(input()).data(), 0, withBias));
        assertNull(ConvCheck.mismatch(name + " relu(y)", biased.withRelu().forward(input()).data(), 0,
                withBias, 0, Double.POSITIVE_INFINITY));
        assertNull(ConvCheck.mismatch(name + " clip(y, -0.5, 0.5)", biased.withClamp(-0.5f, 0.5f).forward(input()).data(),
                0, withBias, -0.5, 0.5));

        Tensor dx = Tensor.of(filledWithNaN(x.length), n, p.inChannels(), h, w);
        biased.backwardData(Tensor.of(dy.clone(), n, p.outChannels(), oh, ow), dx);
        assertNull(ConvCheck.mismatch(name + " dx", dx.data(), 0,
                bound(used, ReferenceConv.backwardData(p, n, h, w, weights, dy), h, w, dy, true)));

        Tensor dw = Tensor.of(filledWithNaN(weights.length), p.weightShape());
        Tensor db = Tensor.of(filledWithNaN(bias.length), p.outChannels());
        biased.backwardWeights(input(), Tensor.of(dy.clone(), n, p.outChannels(), oh, ow), dw, db);
        assertNull(ConvCheck.mismatch(name + " dw", dw.data(), 0, ReferenceConv.backwardWeights(p, n, h, w, x, dy)));
        assertNull(ConvCheck.mismatch(name + " db", db.data(), 0, ReferenceConv.backwardBias(p, n, oh, ow, dy)));
    }

    /**
     * F(4x4)'s rounding beyond the direct sum's, in terms of its plane's normwise scale
     * ({@link ReferenceConv#normwiseScales}): its transforms scale by up to 8 and 1/24 and mix every
     * value of a tile's window, an error that does not shrink with an element's own sum (a one-channel
     * layer's sparse edge outputs missed the tiled bound by up to 230 terms of their own magnitude).
     * Measured over 200,000 random layers of 1–4 channels in and out, 1–14 pixels a side, pads 0–3,
     * batch 1–2 (forward and dx): at most 41 such terms beyond the tiled bound; 96 leaves over twice that.
     */
    static final double F4_TRANSFORM_TERMS = 96;

    /**
     * F(2x2)'s rounding beyond the direct sum's, in the same terms: its transforms only add, subtract
     * and halve, yet they still mix a tile's window, so an output whose own sum is small (one term, or
     * a window mostly in the padding) can miss its own bound — 2.5% of forward and dx passes did, by up
     * to 0.61 terms of the plane's scale, and CI met one (a 3x3 image, one output pixel: dx off by 3.05e-8
     * against a one-term bound of 1.18e-8). Measured over 450,000 random layers as for F(4x4): at most
     * 0.40 terms beyond the tiled bound; 1 leaves over twice that.
     */
    static final double F2_TRANSFORM_TERMS = 1;

    /**
     * The oracle's bound for algorithm: Winograd's F(m×m) is held to its tile's magnitude
     * ({@link ReferenceConv.Result#tiled}) plus its transform terms of the plane's scale (input: x, or
     * dy for dx); every other algorithm to each element's own.
     */
    private ReferenceConv.Result bound(ConvAlgorithm algorithm, ReferenceConv.Result oracle, int planeH, int planeW,
                                       float[] input, boolean dataGradient) {
        int tile;
        double transformTerms;
        switch (algorithm) {
            case WINOGRAD -> {
                tile = 2;
                transformTerms = F2_TRANSFORM_TERMS;
            }
            case WINOGRAD_F4 -> {
                tile = 4;
                transformTerms = F4_TRANSFORM_TERMS;
            }
            default -> {
                return oracle;
            }
        }
        return oracle.tiled(planeH, planeW, tile).withTransformError(planeH * planeW,
                ReferenceConv.normwiseScales(p, n, h, w, input, weights, dataGradient), transformTerms);
    }

    /** Gradient buffers start as NaN: an element the engine forgets to write fails the check. */
    static float[] filledWithNaN(int size) {
        float[] a = new float[size];
        java.util.Arrays.fill(a, Float.NaN);
        return a;
    }
}
