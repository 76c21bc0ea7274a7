package dev.striate.verify;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import dev.striate.conv.ConvAlgorithm;
import dev.striate.conv.ConvProblem;
import dev.striate.conv.Convolution;
import dev.striate.gemm.GemmConfig;
import dev.striate.gemm.Sgemm;
import dev.striate.runtime.ThreadPool;
import dev.striate.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Forward and both backward passes give the same bits on 1, 2 and 3 threads (reproducible training):
 * large images split each GEMM over the threads, batches of small ones split by image (their weight
 * gradient in chunks of 8 images, the last of 19 partial), a first layer's weight gradient by chunks
 * of pixels, and the dx of a large strided layer by bands of output rows.
 */
class ConvThreadsTest {

    @ParameterizedTest
    @ValueSource(strings = {"mb2ic16ih23oc24kh3ph1", "g12mb2ic12ih31oc24kh3sh2ph1", "mb3ic32ih17oc40kh1",
        "g2mb1ic8ih29oc6kh5sh2ph2dh1", "mb19ic6ih14oc16kh5", "g2mb11ic4ih9oc6kh3sh2ph1", "mb10ic8ih6oc12kh1",
        "mb1ic3ih131iw127oc5kh3sh2ph1pw0pb2pr1", "g12mb3ic12ih9oc12kh3ph1",
        "mb1ic3ih96oc8kh3ph1", "mb1ic3ih130oc8kh7sh2ph3", "g2mb2ic16ih170iw160oc4kh5sh3dh1ph2pw1pb0pr3"})
    void sameBitsForOneTwoAndThreeThreads(String descriptor) {
        sameBits(descriptor, ConvAlgorithm.AUTO);
    }

    /** Winograd runs its (m+2)² products as tasks, one GEMM per thread at a time, or (F(2x2) on tall maps) a band of tile rows per thread. */
    @ParameterizedTest
    @EnumSource(value = ConvAlgorithm.class, names = {"WINOGRAD", "WINOGRAD_F4"})
    void winogradSameBitsForOneTwoAndThreeThreads(ConvAlgorithm algorithm) {
        sameBits("mb2ic16ih23oc24kh3ph1", algorithm);
        sameBits("mb2ic16ih7oc40kh3ph1", algorithm); // 16 tiles, fewer than a register tile is wide
        sameBits("mb2ic64ih45iw47oc64kh3ph1", algorithm); // F(2x2)'s weight gradient at 552 tiles
        // 29 tile rows of 23: F(2x2) in bands of tile rows, one per thread, a band's last vector of tiles spilled
        sameBits("mb2ic16ih57iw45oc24kh3ph1", algorithm);
    }

    /**
     * Implicit im2col where two threads split C by rows: B's panels, gathered from the image, are
     * packed once on all threads and shared (384 output channels, 289 pixels: an odd number of
     * panels at 8 and 16 lanes, so a row split is the cheaper grid).
     */
    @Test
    void implicitIm2colSharedPanelsSameBitsForOneTwoAndThreeThreads() {
        sameBits("mb1ic24ih17oc384kh3ph1", ConvAlgorithm.IM2COL);
    }

    /**
     * The transposed product on few pixels (49 here, 192 channels): two threads split its channels,
     * and its A panels, gathered from the image, are packed once on all threads and shared.
     */
    @Test
    void transposedProductSharedPanelsSameBitsForOneTwoAndThreeThreads() {
        sameBits("mb1ic256ih7oc192kh3ph1", ConvAlgorithm.IM2COL);
    }

    private static void sameBits(String descriptor, ConvAlgorithm algorithm) {
        ConvProblemCheck c = ConvProblemCheck.of(descriptor);
        int[][] results = new int[3][];
        for (int threads = 1; threads <= 3; threads++) {
            try (ThreadPool pool = new ThreadPool(threads)) {
                Convolution conv = new Convolution(c.p, c.weights, c.bias).withRelu().withAlgorithm(algorithm)
                        .withGemm(new Sgemm(GemmConfig.of("3x3v", 48, 100, 240), pool));
                Tensor y = conv.forward(c.input());
                Tensor dyT = Tensor.of(c.dy.clone(), c.n, c.p.outChannels(), c.oh, c.ow);
                Tensor dx = Tensor.zeros(c.n, c.p.inChannels(), c.h, c.w);
                Tensor dw = Tensor.zeros(c.p.weightShape());
                Tensor db = Tensor.zeros(c.p.outChannels());
                conv.backwardData(dyT, dx);
                conv.backwardWeights(c.input(), dyT, dw, db);
                results[threads - 1] = bits(y.data(), dx.data(), dw.data(), db.data());
            }
        }
        assertArrayEquals(results[0], results[1], ConvProblem.parse(descriptor) + ": 2 threads differ from 1");
        assertArrayEquals(results[0], results[2], ConvProblem.parse(descriptor) + ": 3 threads differ from 1");
    }

    private static int[] bits(float[]... arrays) {
        return java.util.Arrays.stream(arrays)
                .flatMapToInt(a -> java.util.stream.IntStream.range(0, a.length).map(i -> Float.floatToRawIntBits(a[i])))
                .toArray();
    }
}
