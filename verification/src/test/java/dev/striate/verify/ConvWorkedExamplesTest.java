package dev.striate.verify;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.striate.conv.ConvAlgorithm;
import dev.striate.conv.ConvParams;
import dev.striate.conv.Convolution;
import dev.striate.tensor.Tensor;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The two worked examples of the classic CNN lectures ({@code shared/examples/conv-worked-example.md}),
 * as golden values. Small integers: every algorithm must give them exactly.
 */
class ConvWorkedExamplesTest {

    @ParameterizedTest
    @EnumSource(value = ConvAlgorithm.class, names = {"AUTO", "IM2COL"})
    void binaryImageWithXTemplate(ConvAlgorithm algorithm) {
        float[] image = {
            1, 1, 1, 0, 0,
            0, 1, 1, 1, 0,
            0, 0, 1, 1, 1,
            0, 0, 1, 1, 0,
            0, 1, 1, 0, 0};
        float[] template = {1, 0, 1, 0, 1, 0, 1, 0, 1};
        Convolution conv = new Convolution(ConvParams.of(1, 1, 3), template, null).withAlgorithm(algorithm);
        Tensor y = conv.forward(Tensor.of(image, 1, 1, 5, 5));
        assertEquals(4f, y.get(0, 0, 0, 0), "the lecture's top-left value");
        assertArrayEquals(new float[] {4, 3, 4, 2, 4, 3, 2, 3, 4}, y.data());
    }

    @ParameterizedTest
    @EnumSource(value = ConvAlgorithm.class, names = {"AUTO", "IM2COL"})
    void threeChannelsPaddedStrideTwoTwoFilters(ConvAlgorithm algorithm) {
        float[] x = {
            // channel 0
            1, 1, 1, 2, 2, 2, 0, 2, 1, 1, 1, 2, 2, 2, 1, 1, 0, 2, 1, 1, 0, 1, 1, 2, 0,
            // channel 1
            2, 0, 2, 2, 0, 0, 0, 1, 2, 2, 1, 0, 2, 2, 1, 0, 0, 2, 0, 2, 0, 2, 2, 2, 2,
            // channel 2
            1, 2, 0, 0, 2, 2, 0, 0, 1, 0, 1, 0, 0, 2, 2, 2, 1, 1, 0, 0, 2, 1, 1, 0, 2};
        float[] w = {
            // W0: channels 0, 1, 2
            -1, 0, 1, 1, 1, 1, 0, -1, 0,
            1, 1, 0, 0, -1, -1, -1, -1, -1,
            0, 0, 0, -1, 1, 1, -1, -1, -1,
            // W1
            -1, 0, -1, 1, -1, 1, -1, 1, -1,
            1, 0, 1, 1, 1, -1, -1, 1, 0,
            -1, 0, 0, 1, 1, 0, -1, 0, -1};
        float[] bias = {1, 0};
        Convolution conv = new Convolution(ConvParams.of(3, 2, 3).padding(1).stride(2), w, bias)
                .withAlgorithm(algorithm);
        Tensor y = conv.forward(Tensor.of(x, 1, 3, 5, 5));
        assertArrayEquals(new float[] {
            0, -7, 1, 0, 1, 3, 3, 4, 4,
            5, 5, 3, 3, 5, 10, 1, 4, 7}, y.data());
    }
}
