package dev.striate.cli;

import dev.striate.onnx.NamedTensor;
import dev.striate.onnx.TensorFiles;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code striate run | info MODEL | bench MODEL} on one of ONNX's own node cases (the onnx module's test data). */
class ModelCommandsTest {

    static final Path CASE = Path.of("../onnx/src/test/resources/onnx-node-tests/test_conv_with_strides_and_asymmetric_padding");
    static final Path DATA = CASE.resolve("test_data_set_0");

    @TempDir
    Path dir;

    private String[] run(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        PrintStream stdout = System.out;
        PrintStream stderr = System.err;
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
        try {
            int status = Striate.run(args);
            return new String[] {Integer.toString(status), out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8)};
        } finally {
            System.setOut(stdout);
            System.setErr(stderr);
        }
    }

    @Test
    void runWritesOnnxBackendLayoutThatMatchesTheExpectedOutput() throws Exception {
        // Inputs given in reverse order with explicit names: NAME= decides, not the order.
        String[] r = run("run", CASE.resolve("model.onnx").toString(), "--input", "W=" + DATA.resolve("input_1.pb"),
                "--input", "x=" + DATA.resolve("input_0.pb"), "--output-dir", dir.toString());
        assertEquals("0", r[0], r[2]);
        NamedTensor expected = TensorFiles.read(DATA.resolve("output_0.pb"));
        NamedTensor got = TensorFiles.read(dir.resolve("output_0.pb"));
        assertEquals(expected.name(), got.name());
        assertArrayEquals(expected.tensor().shape().toArray(), got.tensor().shape().toArray());
        for (int i = 0; i < got.tensor().size(); i++) {
            float e = expected.tensor().data()[i];
            assertTrue(Math.abs(got.tensor().data()[i] - e) <= 1e-5 + 1e-4 * Math.abs(e), "element " + i);
        }
        assertTrue(r[1].contains("output_0.pb"), r[1]);
    }

    @Test
    void badModelsAndArgumentsEndInOneLineAndStatusOne() throws Exception {
        Path junk = dir.resolve("junk.onnx");
        Files.write(junk, new byte[] {8, 7, 0x3a, 90, 1, 2});
        String[] r = run("run", junk.toString(), "--input", DATA.resolve("input_0.pb").toString(), "--output-dir", dir.toString());
        assertEquals("1", r[0]);
        assertTrue(r[2].startsWith("striate run: ") && r[2].strip().lines().count() == 1, r[2]);
        String[] twice = run("run", CASE.resolve("model.onnx").toString(), "--input", DATA.resolve("input_0.pb").toString(),
                "--input", DATA.resolve("input_0.pb").toString(), "--output-dir", dir.toString());
        assertEquals("1", twice[0]);
        assertTrue(twice[2].contains("given twice"), twice[2]);
    }

    @Test
    void infoListsLayersWithFlops() {
        String[] r = run("info", "../onnx/src/test/resources/onnx-node-tests/test_maxpool_2d_strides/model.onnx");
        assertEquals("0", r[0], r[2]);
        assertTrue(r[1].contains("operators:  {MaxPool=1}") && r[1].contains("MFLOPs") && r[1].contains("total:"), r[1]);
    }

    @Test
    void benchReportsPercentiles() {
        String[] r = run("bench", "../onnx/src/test/resources/onnx-node-tests/test_relu/model.onnx", "--warmup", "2", "--runs", "5");
        assertEquals("0", r[0], r[2]);
        assertTrue(r[1].contains("p50") && r[1].contains("p99") && r[1].contains("images/s"), r[1]);
    }

    @Test
    void benchPerLayerAddsEachStepsTime() {
        String[] r = run("bench", CASE.resolve("model.onnx").toString(), "--warmup", "2", "--runs", "5", "--per-layer");
        assertEquals("0", r[0], r[2]);
        assertTrue(r[1].contains("p50") && r[1].contains("mean us") && r[1].contains(" Conv ") && r[1].contains("steps' total"),
                r[1]);
    }
}
