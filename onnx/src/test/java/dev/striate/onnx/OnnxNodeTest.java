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
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * ONNX's own backend node tests (onnx 1.12.0 definitions, {@code src/test/resources/onnx-node-tests},
 * LIST.txt names them) run through the same path as {@code ./striate run}: input TensorProto files
 * in, {@code output_<i>.pb} files out, read back and compared with the expected files within ONNX's
 * backend tolerance {@code |got − expected| ≤ 1e-5 + 1e-4·|expected|}. Cases on 3-D data must be
 * refused at planning with an error that says so.
 */
class OnnxNodeTest {

    static final Path CASES = Path.of("src/test/resources/onnx-node-tests");

    @TempDir
    Path out;

    @TestFactory
    Stream<DynamicTest> everyCase() throws IOException {
        List<DynamicTest> tests = new ArrayList<>();
        for (String line : Files.readAllLines(CASES.resolve("LIST.txt"))) {
            String[] fields = line.split("\t");
            String name = fields[0];
            boolean threeD = line.contains("3d-spatial");
            tests.add(DynamicTest.dynamicTest(name, () -> {
                if (threeD) {
                    OnnxException e = assertThrows(OnnxException.class, () -> runCase(name));
                    assertTrue(e.getMessage().contains("3-D"), e.getMessage());
                } else {
                    runCase(name);
                }
            }));
        }
        assertEquals(120, tests.size(), "LIST.txt cases");
        return tests.stream();
    }

    private void runCase(String name) throws IOException {
        runCase(CASES, name, out.resolve(name), OnnxNodeTest::assertClose);
    }

    /** How a case's output is compared with the expected file. */
    interface Comparison {
        void check(String what, Tensor expected, Tensor got);
    }

    /**
     * Runs {@code cases/name} (ONNX's backend-test layout: model.onnx, test_data_set_k/input_i.pb
     * and output_i.pb) through {@link TensorRun}, the {@code ./striate run} path, writing each data
     * set's outputs into {@code outDir/k}, and compares each output file, name and values, with the
     * expected one.
     */
    static void runCase(Path cases, String name, Path outDir, Comparison comparison) throws IOException {
        Path dir = cases.resolve(name);
        try (Session session = Session.load(dir.resolve("model.onnx"))) {
            for (int k = 0; Files.isDirectory(dir.resolve("test_data_set_" + k)); k++) {
                Path data = dir.resolve("test_data_set_" + k);
                Path written = outDir.resolve(String.valueOf(k));
                List<String> inputs = new ArrayList<>();
                for (int i = 0; Files.exists(data.resolve("input_" + i + ".pb")); i++) {
                    inputs.add(data.resolve("input_" + i + ".pb").toString());
                }
                Map<String, Tensor> results = session.run(TensorRun.readInputs(session, inputs, Integer.MAX_VALUE));
                TensorRun.writeOutputs(session, results, written);
                for (int i = 0; i < session.outputNames().size(); i++) {
                    NamedTensor expected = TensorFiles.read(data.resolve("output_" + i + ".pb"));
                    NamedTensor got = TensorFiles.read(written.resolve("output_" + i + ".pb"));
                    assertEquals(session.outputNames().get(i), got.name(), "output name");
                    comparison.check(name + " data set " + k + " output " + i, expected.tensor(), got.tensor());
                }
            }
        }
    }

    static void assertClose(String what, Tensor expected, Tensor got) {
        assertClose(what, expected, got, 1e-5, 1e-4);
    }

    /** Every element within {@code atol + rtol·|expected|} (NaN for NaN, an infinity for itself). */
    static void assertClose(String what, Tensor expected, Tensor got, double atol, double rtol) {
        assertArrayEquals(expected.shape().toArray(), got.shape().toArray(), what + ": shape");
        Tensor e = expected.copy();
        Tensor g = got.copy();
        for (int i = 0; i < e.size(); i++) {
            float x = e.data()[i];
            float y = g.data()[i];
            if (!(Math.abs(y - x) <= atol + rtol * Math.abs(x)) && !(Float.isNaN(x) && Float.isNaN(y))
                    && !(Float.isInfinite(x) && x == y)) {
                fail(what + ": element " + i + " is " + y + ", expected " + x);
            }
        }
    }
}
