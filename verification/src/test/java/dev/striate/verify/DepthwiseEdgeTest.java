package dev.striate.verify;

import dev.striate.conv.ConvParams;
import dev.striate.conv.Convolution;
import dev.striate.tensor.Tensor;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The depthwise kernels work on whole vectors past a row's last output column (the plane has room
 * for them); what those lanes read or multiply must never reach a result. Infinite values placed
 * where only such lanes use them leave the true gradients finite, and Striate's must match them.
 */
class DepthwiseEdgeTest {

    @Test
    void weightsOnlyOutOfRowLanesUseDoNotReachTheDataGradient() {
        // Stride 2, 14x14 -> 7x7: every output row is one partial vector. The left tap of each row
        // reaches the image's last column only through lanes past the row; the right tap reaches it
        // for real. With the left taps infinite, that column's true gradient stays finite.
        int c = 4, h = 14, w = 14, batch = 2;
        ConvParams p = ConvParams.of(c, c, 3).stride(2).padding(1).groups(c);
        SplittableRandom random = new SplittableRandom(11);
        float[] weights = RandomData.uniform(random, p.weightSize());
        for (int i = 0; i < weights.length; i += 3) {
            weights[i] = Float.POSITIVE_INFINITY;
        }
        float[] dy = RandomData.uniform(random, batch * c * 7 * 7);
        Convolution conv = new Convolution(p, weights, new float[c]);
        Tensor dx = Tensor.zeros(batch, c, h, w);
        conv.backwardData(Tensor.wrap(dy, 0, batch, c, 7, 7), dx);
        ReferenceConv.Result ref = ReferenceConv.backwardData(p, batch, h, w, weights, dy);
        int checked = 0;
        for (int i = 0; i < dx.size(); i++) {
            double expected = ref.value()[i];
            if (!Double.isFinite(expected)) {
                continue; // reached by an infinite tap for real: not this test's question
            }
            double bound = ref.terms() * 0x1p-24 * ref.magnitude()[i];
            assertTrue(Math.abs(dx.data()[i] - expected) <= bound,
                    "dx[" + i + "] = " + dx.data()[i] + ", expected " + expected + " ± " + bound);
            checked += i % w == w - 1 ? 1 : 0;
        }
        assertTrue(checked > 0, "the last column has finite gradients to compare");
    }

    @Test
    void inputsOnlyOutOfRowLanesReadDoNotReachTheWeightGradient() {
        // LeNet-5's first layer: one input channel, six outputs (multiplier 6), 5x5, padding 2, 28x28:
        // 28 output columns = 3 whole vectors of 8 + 4.
        ConvParams p = ConvParams.of(1, 6, 5).padding(2).groups(1);
        int h = 28, w = 28, batch = 2;
        SplittableRandom random = new SplittableRandom(7);
        float[] x = RandomData.uniform(random, batch * h * w);
        for (int n = 0; n < batch; n++) {
            for (int r = 0; r < h; r++) {
                x[(n * h + r) * w + w - 1] = Float.POSITIVE_INFINITY;
            }
        }
        float[] dy = RandomData.uniform(random, batch * 6 * h * w);
        Convolution conv = new Convolution(p, new float[p.weightSize()], new float[6]);
        Tensor dw = Tensor.zeros(6, 1, 5, 5);
        conv.backwardWeights(Tensor.wrap(x, 0, batch, 1, h, w), Tensor.wrap(dy, 0, batch, 6, h, w), dw, null);
        ReferenceConv.Result ref = ReferenceConv.backwardWeights(p, batch, h, w, x, dy);
        for (int oc = 0; oc < 6; oc++) {
            for (int kh = 0; kh < 5; kh++) {
                // Tap kw = 0 reads image columns up to w - 3 for valid outputs: the infinite column is
                // out of its reach except through lanes past the row.
                int at = (oc * 5 + kh) * 5;
                double expected = ref.value()[at];
                double got = dw.data()[at];
                // Worst-case recursive summation: terms · 2^-24 · Σ|dy·x| (float32 unit roundoff).
                double bound = ref.terms() * 0x1p-24 * ref.magnitude()[at];
                assertTrue(Double.isFinite(expected), "the oracle's tap is finite");
                assertTrue(Math.abs(got - expected) <= bound,
                        "dw[" + oc + "][0][" + kh + "][0] = " + got + ", expected " + expected + " ± " + bound);
            }
        }
    }
}
