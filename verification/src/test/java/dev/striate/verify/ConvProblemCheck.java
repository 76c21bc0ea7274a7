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

    /** Forward, dx, dw, db of {@code algorithm} on {@code gemm} all within the oracle's bound. */
    void checkAll(ConvAlgorithm algorithm, Sgemm gemm) {
        String name = problem + " " + algorithm;
        Convolution plain = new Convolution(p, weights, null).withAlgorithm(algorithm).withGemm(gemm);
        Convolution biased = new Convolution(p, weights, bias).withAlgorithm(algorithm).withGemm(gemm);

        // F(4x4) is held to its tile's magnitude (ReferenceConv.Result#tiled); every other algorithm,
        // F(2x2) included, to each element's own.
        int tile = algorithm == ConvAlgorithm.WINOGRAD_F4 ? 4 : 1;
        assertNull(ConvCheck.mismatch(name + " y (no bias)", plain.forward(input()).data(), 0,
                ReferenceConv.forward(p, n, h, w, x, weights, null).tiled(oh, ow, tile)));
        ReferenceConv.Result withBias = ReferenceConv.forward(p, n, h, w, x, weights, bias).tiled(oh, ow, tile);
        assertNull(ConvCheck.mismatch(name + " y", biased.forward(input()).data(), 0, withBias));
        assertNull(ConvCheck.mismatch(name + " relu(y)", biased.withRelu().forward(input()).data(), 0,
                withBias, 0, Double.POSITIVE_INFINITY));
        assertNull(ConvCheck.mismatch(name + " clip(y, -0.5, 0.5)", biased.withClamp(-0.5f, 0.5f).forward(input()).data(),
                0, withBias, -0.5, 0.5));

        Tensor dx = Tensor.of(filledWithNaN(x.length), n, p.inChannels(), h, w);
        biased.backwardData(Tensor.of(dy.clone(), n, p.outChannels(), oh, ow), dx);
        assertNull(ConvCheck.mismatch(name + " dx", dx.data(), 0,
                ReferenceConv.backwardData(p, n, h, w, weights, dy).tiled(h, w, tile)));

        Tensor dw = Tensor.of(filledWithNaN(weights.length), p.weightShape());
        Tensor db = Tensor.of(filledWithNaN(bias.length), p.outChannels());
        biased.backwardWeights(input(), Tensor.of(dy.clone(), n, p.outChannels(), oh, ow), dw, db);
        assertNull(ConvCheck.mismatch(name + " dw", dw.data(), 0, ReferenceConv.backwardWeights(p, n, h, w, x, dy)));
        assertNull(ConvCheck.mismatch(name + " db", db.data(), 0, ReferenceConv.backwardBias(p, n, oh, ow, dy)));
    }

    /** Gradient buffers start as NaN: an element the engine forgets to write fails the check. */
    static float[] filledWithNaN(int size) {
        float[] a = new float[size];
        java.util.Arrays.fill(a, Float.NaN);
        return a;
    }
}
