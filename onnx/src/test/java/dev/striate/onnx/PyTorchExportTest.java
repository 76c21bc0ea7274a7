package dev.striate.onnx;

import dev.striate.tensor.Tensor;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * PyTorch's own ONNX exports (PyTorch 1.13's {@code torch.onnx.export} at opsets 11 and 17, written
 * by {@code verification/reference/pytorch_exports.py} into {@code src/test/resources/pytorch-exports},
 * LIST.txt names them) run through the {@code ./striate run} path against PyTorch's eager outputs:
 * operators with attribute variants and the patterns the exporter emits around them ({@code F.pad}'s
 * ConstantOfShape/Slice/Transpose chain, {@code chunk}'s int64 arithmetic, softmax over channels by
 * Transpose, {@code F.interpolate} (nearest, bilinear, bicubic), {@code F.normalize}, Mish, exact GELU,
 * LayerNorm, GroupNorm, pixel shuffle, ConvTranspose, a U-Net up block, hardshrink's Where, var's
 * int64 ReduceProd, arange's Range). What the opt-in script checks with PyTorch installed, kept here as
 * files so every build checks it.
 *
 * <p>Tolerance 2e-5 of the output's largest magnitude, the script's: float32 sums of at most a few
 * hundred terms in either engine, while a wrong pad, axis, coordinate transform or constant is an
 * error of order one.
 */
class PyTorchExportTest {

    static final Path CASES = Path.of("src/test/resources/pytorch-exports");

    @TempDir
    Path out;

    @TestFactory
    Stream<DynamicTest> everyExport() throws IOException {
        List<DynamicTest> tests = new ArrayList<>();
        for (String line : Files.readAllLines(CASES.resolve("LIST.txt"))) {
            String name = line.split("\t")[0];
            tests.add(DynamicTest.dynamicTest(line.split("\t")[1],
                    () -> OnnxNodeTest.runCase(CASES, name, out.resolve(name), PyTorchExportTest::assertClose)));
        }
        assertTrue(tests.size() >= 202, "LIST.txt cases: " + tests.size());
        return tests.stream();
    }

    private static void assertClose(String what, Tensor expected, Tensor got) {
        assertArrayEquals(expected.shape().toArray(), got.shape().toArray(), what + ": shape");
        Tensor e = expected.copy();
        Tensor g = got.copy();
        double scale = Float.MIN_NORMAL;
        for (int i = 0; i < e.size(); i++) {
            scale = Math.max(scale, Math.abs(e.data()[i]));
        }
        for (int i = 0; i < e.size(); i++) {
            float x = e.data()[i];
            float y = g.data()[i];
            int at = i;
            double bound = 2e-5 * scale;
            assertTrue(Math.abs(y - x) <= bound || Float.isNaN(x) && Float.isNaN(y),
                    () -> what + ": element " + at + " is " + y + ", PyTorch " + x + " (bound " + bound + ")");
        }
    }
}
