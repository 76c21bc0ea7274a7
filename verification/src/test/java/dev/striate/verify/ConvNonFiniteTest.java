package dev.striate.verify;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.striate.conv.ConvParams;
import dev.striate.conv.Convolution;
import dev.striate.tensor.Tensor;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Infinite inputs reach only the weight-gradient entries whose taps read them: kernels that compute
 * whole vectors past a row's last output (the depthwise weight gradient's tail columns: lanes no
 * output owns read the image's last columns under the first taps) must keep those lanes out of the
 * sums, since 0·∞ is NaN. Taps that never see an infinite pixel must match the oracle; the others
 * must be non-finite there too.
 */
class ConvNonFiniteTest {

    @Test
    void infiniteLastColumnsLeaveTheTapsThatNeverReadThemFinite() {
        // one input channel, six outputs: the depthwise kernel (channel multiplier 6); rows of 12
        // outputs end in a partial vector on 8- and 16-lane machines alike
        for (int width : new int[] {12, 28}) {
            ConvParams p = ConvParams.of(1, 6, 5).padding(2);
            int h = 24; // 256 output pixels or more: the depthwise kernel, not the pixel-major one
            SplittableRandom r = new SplittableRandom(width);
            float[] x = RandomData.uniform(r, h * width);
            for (int row = 0; row < h; row++) {
                x[row * width + width - 1] = row % 2 == 0 ? Float.POSITIVE_INFINITY : Float.NEGATIVE_INFINITY;
            }
            float[] dy = RandomData.uniform(r, 6 * h * width);
            Convolution conv = new Convolution(p, RandomData.uniform(r, p.weightSize()), new float[6]);
            Tensor dw = Tensor.zeros(p.weightShape());
            conv.backwardWeights(Tensor.of(x, 1, 1, h, width), Tensor.of(dy, 1, 6, h, width), dw, null);
            ReferenceConv.Result ref = ReferenceConv.backwardWeights(p, 1, h, width, x, dy);
            int finite = 0;
            for (int i = 0; i < dw.size(); i++) {
                double want = ref.value()[i];
                float got = dw.data()[i];
                if (Double.isFinite(want)) {
                    finite++;
                    // a sum of h·width products in float: 2·terms·eps of the magnitudes summed
                    double bound = 2.0 * h * width * 0x1p-24 * ref.magnitude()[i] + 1e-30;
                    assertTrue(Math.abs(got - want) <= bound,
                            "width " + width + ": dw[" + i + "] = " + got + ", oracle " + want + " (tap kw " + i % 5 + ")");
                } else {
                    assertTrue(!Float.isFinite(got), "width " + width + ": dw[" + i + "] = " + got + " where the oracle's is " + want);
                }
            }
            // with padding 2, taps kw = 0 and 1 never read the last column: 6 channels x 5 rows x 2 stay finite
            assertEquals(6 * 5 * 2, finite, "width " + width + ": finite oracle entries");
        }
    }

    /**
     * A strided depthwise layer's dx gathered per column pair (3x3, stride 2, padded by one): the
     * last odd column of each row has no output to its right, so an infinite first tap must not
     * reach it through that output's zero gradient (∞·0 is NaN). The oracle is finite there, and in
     * every even column (tap 1 only); elsewhere both are non-finite.
     */
    @Test
    void infiniteFirstTapLeavesTheColumnsItDoesNotReachFinite() {
        int channels = 4;
        int h = 20;
        for (int width : new int[] {34, 40}) {
            ConvParams p = ConvParams.of(channels, channels, 3).stride(2).padding(1).groups(channels);
            SplittableRandom r = new SplittableRandom(width);
            float[] weights = RandomData.uniform(r, p.weightSize());
            for (int c = 0; c < channels; c++) {
                for (int kh = 0; kh < 3; kh++) {
                    weights[c * 9 + kh * 3] = Float.POSITIVE_INFINITY;
                }
            }
            int oh = p.outputHeight(h);
            int ow = p.outputWidth(width);
            float[] dy = RandomData.uniform(r, channels * oh * ow);
            Convolution conv = new Convolution(p, weights, null);
            Tensor dx = Tensor.zeros(1, channels, h, width);
            conv.backwardData(Tensor.of(dy, 1, channels, oh, ow), dx);
            ReferenceConv.Result ref = ReferenceConv.backwardData(p, 1, h, width, weights, dy);
            int finite = 0;
            for (int i = 0; i < dx.size(); i++) {
                double want = ref.value()[i];
                float got = dx.data()[i];
                if (Double.isFinite(want)) {
                    finite++;
                    // at most 4 products summed: 2·terms·eps of the magnitudes
                    double bound = 2.0 * 4 * 0x1p-24 * ref.magnitude()[i] + 1e-30;
                    assertTrue(Math.abs(got - want) <= bound, "width " + width + ": dx[" + i + "] = " + got + ", oracle " + want);
                } else {
                    assertTrue(!Float.isFinite(got), "width " + width + ": dx[" + i + "] = " + got + " where the oracle's is " + want);
                }
            }
            // per row: the even columns and the last (odd) one
            assertEquals(channels * h * (width / 2 + 1), finite, "width " + width + ": finite oracle entries");
        }
    }
}
