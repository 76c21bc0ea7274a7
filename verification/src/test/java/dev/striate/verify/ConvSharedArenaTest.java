package dev.striate.verify;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import dev.striate.conv.ConvAlgorithm;
import dev.striate.conv.Convolution;
import dev.striate.gemm.GemmConfig;
import dev.striate.gemm.Sgemm;
import dev.striate.runtime.ThreadPool;
import dev.striate.tensor.Tensor;
import java.util.Arrays;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Layers on one thread pool borrow their workspaces from its {@link dev.striate.runtime.FloatArena},
 * so a layer finds the arrays as another layer left them: a layer that ran before on the same pool,
 * its workspaces filled with NaN, must change no bit of the next layer's forward and backward passes.
 */
class ConvSharedArenaTest {

    @ParameterizedTest
    @CsvSource({
        "mb1ic24ih30oc40kh3ph1, mb2ic16ih23oc24kh3ph1, WINOGRAD",
        "mb1ic24ih30oc40kh3ph1, mb2ic16ih23oc24kh3ph1, WINOGRAD_F4",
        "mb1ic72ih48oc72kh3ph1, mb2ic64ih45iw47oc64kh3ph1, WINOGRAD",
    })
    void aLayerBeforeOnThePoolChangesNoBit(String before, String layer, ConvAlgorithm algorithm) {
        ConvProblemCheck c = ConvProblemCheck.of(layer);
        int[] alone = passes(c, algorithm, null);
        ConvProblemCheck poison = ConvProblemCheck.of(before);
        Arrays.fill(poison.x, Float.NaN);
        assertArrayEquals(alone, passes(c, algorithm, poison), layer + " after " + before + " on the same pool");
    }

    /** y, dx, dw, db of c's layer on a fresh pool, after {@code before}'s passes on NaN when given. */
    private static int[] passes(ConvProblemCheck c, ConvAlgorithm algorithm, ConvProblemCheck before) {
        try (ThreadPool pool = new ThreadPool(2)) {
            Sgemm gemm = new Sgemm(GemmConfig.of("3x3v", 48, 100, 240), pool);
            if (before != null) {
                Convolution b = new Convolution(before.p, before.weights, before.bias).withAlgorithm(algorithm).withGemm(gemm);
                Tensor dy = Tensor.of(before.dy.clone(), before.n, before.p.outChannels(), before.oh, before.ow);
                b.forward(before.input());
                b.backwardData(dy, Tensor.zeros(before.n, before.p.inChannels(), before.h, before.w));
                b.backwardWeights(before.input(), dy, Tensor.zeros(before.p.weightShape()), Tensor.zeros(before.p.outChannels()));
            }
            Convolution conv = new Convolution(c.p, c.weights, c.bias).withRelu().withAlgorithm(algorithm).withGemm(gemm);
            Tensor dy = Tensor.of(c.dy.clone(), c.n, c.p.outChannels(), c.oh, c.ow);
            Tensor y = conv.forward(c.input());
            Tensor dx = Tensor.zeros(c.n, c.p.inChannels(), c.h, c.w);
            Tensor dw = Tensor.zeros(c.p.weightShape());
            Tensor db = Tensor.zeros(c.p.outChannels());
            conv.backwardData(dy, dx);
            conv.backwardWeights(c.input(), dy, dw, db);
            return Arrays.stream(new float[][] {y.data(), dx.data(), dw.data(), db.data()})
                    .flatMapToInt(a -> java.util.stream.IntStream.range(0, a.length).map(i -> Float.floatToRawIntBits(a[i])))
                    .toArray();
        }
    }
}
