package dev.striate.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.striate.activation.Relu;
import dev.striate.conv.ConvParams;
import dev.striate.gemm.GemmConfig;
import dev.striate.gemm.Sgemm;
import dev.striate.runtime.ThreadPool;
import dev.striate.tensor.Shape;
import dev.striate.tensor.Tensor;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class SequentialTest {

    @Test
    void shapesAreInferredAtBuildTime() {
        Sequential net = TestNetworks.small(Sgemm.shared(), 1);
        assertEquals(Shape.of(4, 8, 8), net.layers().get(0).outputShape());
        assertEquals(Shape.of(4, 4, 4), net.layers().get(3).outputShape());
        assertEquals(Shape.of(64), net.layers().get(5).outputShape());
        assertEquals(Shape.of(10), net.outputShape());
        assertEquals(List.of("0.weight", "0.bias", "1.weight", "1.bias", "1.running_mean", "1.running_var",
                "4.body.0.weight", "7.weight", "7.bias"), new ArrayList<>(net.namedParameters().keySet()));
    }

    @Test
    void aWrongLayerOrderFailsAtBuildNamingTheLayerAndBothShapes() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Sequential.of(Shape.of(1, 8, 8),
                new Conv2d(ConvParams.of(1, 4, 3), true), new MaxPool2d(2), new Linear(36, 10)));
        assertTrue(e.getMessage().contains("layer 2 (Linear(in_features=36, out_features=10))")
                && e.getMessage().contains("[4, 3, 3]") && e.getMessage().contains("layer 1 (MaxPool2d")
                && e.getMessage().contains("expected input [36]") && e.getMessage().contains("Flatten"), e.getMessage());
        IllegalArgumentException channels = assertThrows(IllegalArgumentException.class, () -> Sequential.of(Shape.of(3, 8, 8),
                new Conv2d(ConvParams.of(1, 4, 3), true)));
        assertTrue(channels.getMessage().contains("layer 0") && channels.getMessage().contains("[3, 8, 8]")
                && channels.getMessage().contains("expected input [1, H, W]"), channels.getMessage());
        IllegalArgumentException residual = assertThrows(IllegalArgumentException.class, () -> Sequential.of(Shape.of(2, 8, 8),
                new Residual(new Conv2d(ConvParams.of(2, 3, 3).padding(1), true))));
        assertTrue(residual.getMessage().contains("[3, 8, 8]") && residual.getMessage().contains("identity shortcut"),
                residual.getMessage());
    }

    @Test
    void aBatchOfTheWrongShapeIsRejectedBeforeAnyWork() {
        Sequential net = TestNetworks.small(Sgemm.shared(), 1);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> net.forward(Tensor.zeros(2, 1, 8, 9), false));
        assertTrue(e.getMessage().contains("[N, 1, 8, 8]") && e.getMessage().contains("[2, 1, 8, 9]"), e.getMessage());
        Sequential fresh = TestNetworks.small(Sgemm.shared(), 1);
        assertThrows(IllegalStateException.class, () -> fresh.backward(Tensor.zeros(2, 10), false));
    }

    /** Weights after a few steps of training with dropout, batch norm and Adam. */
    private static float[] trainedWeights(int threads, long seed, int steps) {
        try (ThreadPool pool = new ThreadPool(threads)) {
            Sequential net = TestNetworks.small(new Sgemm(GemmConfig.defaults(), pool), seed);
            Trainer trainer = new Trainer(net, new CrossEntropyLoss(), new Adam(net.namedParameters().values(), 0.01f), 8, seed);
            Tensor x = Tensor.zeros(8, 1, 8, 8);
            Tensor target = Tensor.zeros(8);
            for (int step = 0; step < steps; step++) {
                for (int i = 0; i < x.size(); i++) {
                    x.data()[i] = (float) Math.sin(i * 0.7 + step);
                }
                for (int i = 0; i < 8; i++) {
                    target.data()[i] = (i + step) % 10;
                }
                trainer.step(x, target);
            }
            float[] all = new float[0];
            for (Parameter p : net.namedParameters().values()) {
                float[] v = p.value().data();
                all = Arrays.copyOf(all, all.length + v.length);
                System.arraycopy(v, 0, all, all.length - v.length, v.length);
            }
            return all;
        }
    }

    @Test
    void trainingIsBitwiseReproducibleAcrossRunsAndThreadCounts() {
        // The reference runs first, interpreted; a long run then gets the kernels compiled by C2, whose
        // intrinsics must not change a bit (an ADD lane reduction once did: its order is the JIT's choice).
        float[] reference = trainedWeights(1, 7, 5);
        trainedWeights(2, 9, 400);
        for (int threads : new int[] {1, 2, 3}) {
            assertArrayEquals(reference, trainedWeights(threads, 7, 5), threads + " threads");
        }
        float[] other = trainedWeights(1, 8, 5);
        assertTrue(!Arrays.equals(reference, other), "another seed trains other weights");
    }

    @Test
    void activationsAsLayersKeepTheirName() {
        assertEquals("ReLU", Sequential.layer(new Relu()).toString());
    }
}
