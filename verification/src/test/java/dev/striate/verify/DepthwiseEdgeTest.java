package dev.striate.verify;

import dev.striate.conv.ConvParams;
import dev.striate.conv.Convolution;
import dev.striate.tensor.Tensor;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The depthwise kernels work on whole vectors past a row's last output column (the plane has room
 * for them); what those lanes read must never reach a result. An infinite input in the image's last
 * column is paired, for the left taps, only with such out-of-row lanes: the true weight gradient of
 * those taps stays finite, and must.
 */
class DepthwiseEdgeTest {

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
