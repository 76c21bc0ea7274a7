package dev.striate.verify.onnx;

import dev.striate.onnx.PlannedLayer;
import dev.striate.onnx.Session;
import dev.striate.onnx.SessionOptions;
import dev.striate.onnx.proto.OnnxProto.ModelProto;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Whole architectures as exporters write them (ResNet-18, MobileNetV2, SqueezeNet 1.1, LeNet-5, a
 * decoder of ConvTranspose, Resize, LayerNormalization and the rest of the exporters' operators),
 * seeded weights, batch > 1, run through a Session (with BatchNormalization folded, Relu/ReLU6
 * fused, the flatten's shape chain folded) and through the reference interpreter.
 *
 * <p>Tolerance: each layer's float32 accumulation of K terms errs by about √K·ε of the magnitudes
 * summed (ε = 6e-8, K ≤ 4608 here: ≈ 4e-6), and folding BatchNormalization into the weights adds
 * a rounding of each weight (ε). Over ≤ 53 layers that is ≤ 2.5e-4 of the output's scale; 5e-4
 * leaves a factor 2.
 */
class OnnxArchitectureOracleTest {

    private static final double TOLERANCE = 5e-4;

    @Test
    void resnet18() {
        check("resnet18", OnnxArchitectures.resnet18(10, 1), 2, 3, 64, 64);
    }

    @Test
    void mobilenetV2() {
        check("mobilenet_v2", OnnxArchitectures.mobilenetV2(10, 2), 2, 3, 64, 64);
    }

    @Test
    void squeezenet11() {
        check("squeezenet1_1", OnnxArchitectures.squeezenet11(10, 3), 2, 3, 67, 67);
    }

    @Test
    void squeezenet11BatchOne() {
        // batch 1: the fire modules' Concats are elided, each expand conv writing its channel slice
        check("squeezenet1_1", OnnxArchitectures.squeezenet11(10, 3), 1, 3, 67, 67);
    }

    @Test
    void leNet5() {
        check("lenet5", OnnxArchitectures.leNet5(4), 3, 1, 28, 28);
    }

    @Test
    void decoder() {
        check("decoder", OnnxArchitectures.decoder(5), 2, 3, 16, 16);
    }

    @Test
    void loadRewritesFoldAndFuse() {
        try (Session s = Session.load(OnnxArchitectures.resnet18(10, 1).toByteArray(), SessionOptions.defaults())) {
            List<PlannedLayer> layers = s.layers(Map.of("input", new int[] {1, 3, 64, 64}));
            long fused = layers.stream().filter(l -> l.operator().equals("Conv+BatchNormalization+Relu")).count();
            assertEquals(9, fused, "ResNet-18: stem + 8 first convs of basic blocks fused with BN and ReLU");
            assertTrue(layers.stream().noneMatch(l -> l.operator().equals("BatchNormalization")), "every BN folded");
            assertTrue(layers.stream().noneMatch(l -> l.operator().startsWith("Shape") || l.operator().startsWith("Gather")),
                    "the flatten's shape chain is folded while planning");
        }
        try (Session s = Session.load(OnnxArchitectures.mobilenetV2(10, 2).toByteArray(), SessionOptions.defaults())) {
            List<PlannedLayer> layers = s.layers(Map.of("input", new int[] {1, 3, 64, 64}));
            assertEquals(35, layers.stream().filter(l -> l.operator().equals("Conv+BatchNormalization+Clip")).count(),
                    "MobileNetV2: every ReLU6 fused into its conv");
        }
    }

    private static void check(String name, ModelProto model, int... dims) {
        double worst = OnnxChecks.compare(name, model, OnnxChecks.randomInputs(Map.of("input", dims), 7), TOLERANCE);
        System.out.printf("%s %s: largest error %.2e of max|reference|%n", name, java.util.Arrays.toString(dims), worst);
    }
}
