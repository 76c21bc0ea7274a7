package dev.striate.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The arithmetic behind the GEMM table: shapes, flop counts, GFLOPS from JMH scores, medians. */
class GemmSuiteTest {

    @Test
    void convolutionShapesAreTheLayersGemms() {
        GemmShape alexnet = GemmShape.parse("alexnet-conv2");
        assertEquals(List.of(256, 729, 2400), List.of(alexnet.m(), alexnet.n(), alexnet.k()));
        GemmShape resnet = GemmShape.parse("resnet-3x3-64");
        assertEquals(List.of(64, 3136, 576), List.of(resnet.m(), resnet.n(), resnet.k()));
        assertEquals(2.0 * 1024 * 1024 * 1024, GemmShape.parse("1024").flops());
        assertThrows(IllegalArgumentException.class, () -> GemmShape.parse("vgg"));
    }

    @Test
    void gflopsFromAverageTimeAndThroughput() {
        // 2·1024³ flops in 25 000 µs = 85.9 GFLOPS.
        assertEquals(85.899, GemmSuite.Measurement.toGflops(25_000, GemmShape.parse("1024").flops(), false), 1e-3);
        // 5e9 vector FMAs per second × 16 flops each = 80 GFLOPS.
        assertEquals(80.0, GemmSuite.Measurement.toGflops(5e9, 16, true), 1e-9);
    }

    @Test
    void medianOfForks() {
        assertEquals(2.0, GemmSuite.Measurement.median(List.of(1.0, 2.0, 10.0)));
        assertEquals(2.5, GemmSuite.Measurement.median(List.of(1.0, 2.0, 3.0, 10.0)));
    }

    @Test
    void theGflopsChartDrawsEveryShapeAndReference(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception {
        GemmSuite.Measurement a = new GemmSuite.Measurement(60, 3, 58, 62, Double.NaN);
        GemmSuite.Measurement b = new GemmSuite.Measurement(90, 2, 89, 91, Double.NaN);
        GemmTable.Parsed parsed = new GemmTable.Parsed(95, java.util.Map.of("256@1", a, "512@2", b), java.util.Map.of(),
                java.util.Map.of("openblas", java.util.Map.of("256@1", b)));
        java.nio.file.Path file = dir.resolve("gemm.png");
        GemmChart.png(parsed, file);
        java.awt.image.BufferedImage image = javax.imageio.ImageIO.read(file.toFile());
        int striate = 0;
        for (int x = 0; x < image.getWidth(); x++) {
            for (int y = 0; y < image.getHeight(); y++) {
                striate += (image.getRGB(x, y) & 0xFFFFFF) == 0x1F77B4 ? 1 : 0;
            }
        }
        org.junit.jupiter.api.Assertions.assertTrue(striate > 1000, "Striate's bars are drawn: " + striate + " pixels");
    }
}
