package dev.striate.verify.onnx;

import dev.striate.onnx.Session;
import dev.striate.onnx.SessionOptions;
import dev.striate.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.util.Map;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * SegNet's unpooling path: MaxPool with its Indices output feeding MaxUnpool at run time (PyTorch
 * cannot export it, so the graph is built here), against plain loops: each 2x2 window's maximum back
 * at its own place, zeros elsewhere, and the indices flat over the whole tensor.
 */
class OnnxUnpoolTest {

    @Test
    void maxPoolIndicesFeedMaxUnpool() throws Exception {
        int n = 2, c = 3, h = 6, w = 8;
        OnnxGraphBuilder g = new OnnxGraphBuilder("segnet-unpool", 22, 1);
        g.input("x", n, c, h, w);
        String[] pooled = g.nodeWithOutputs("MaxPool", 2, new String[] {"x"}, "kernel_shape", new int[] {2, 2}, "strides", new int[] {2, 2});
        g.output(g.node("MaxUnpool", new String[] {pooled[0], pooled[1]}, "kernel_shape", new int[] {2, 2}, "strides", new int[] {2, 2}));
        g.output(pooled[1]);
        Tensor x = Tensor.zeros(n, c, h, w);
        SplittableRandom random = new SplittableRandom(11);
        for (int i = 0; i < x.size(); i++) {
            x.data()[i] = (float) random.nextDouble(-1, 1);
        }
        float[] expected = new float[x.size()];
        float[] expectedIndex = new float[x.size() / 4];
        for (int plane = 0, k = 0; plane < n * c; plane++) {
            for (int oh = 0; oh < h / 2; oh++) {
                for (int ow = 0; ow < w / 2; ow++, k++) {
                    int best = -1;
                    for (int dh = 0; dh < 2; dh++) {
                        for (int dw = 0; dw < 2; dw++) {
                            int at = plane * h * w + (2 * oh + dh) * w + 2 * ow + dw;
                            if (best < 0 || x.data()[at] > x.data()[best]) {
                                best = at;
                            }
                        }
                    }
                    expected[best] = x.data()[best];
                    expectedIndex[k] = best;
                }
            }
        }
        try (Session session = Session.load(g.build().toByteArray(), SessionOptions.defaults())) {
            Map<String, Tensor> out = session.run(Map.of("x", x));
            Tensor unpooled = out.get(session.outputNames().get(0));
            Tensor indices = out.get(session.outputNames().get(1));
            assertArrayEquals(new int[] {n, c, h, w}, unpooled.shape().toArray());
            assertArrayEquals(expected, unpooled.copy().data());
            assertEquals(expectedIndex.length, indices.size());
            assertArrayEquals(expectedIndex, indices.copy().data());
        }
    }
}
