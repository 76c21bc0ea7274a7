package dev.striate.onnx;

import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * ONNX's node test cases as the onnx 1.23.1 package defines them (written by
 * {@code verification/reference/onnx_node_cases.py} into {@code src/test/resources/onnx-node-tests-1.23},
 * LIST.txt names them): every case, across opsets up to 28, whose operators and types this importer
 * supports — the operators CNNs export and the general ones around them — run through the
 * {@code ./striate run} path, every data set, within ONNX's backend-test tolerance
 * {@code |got − expected| ≤ 1e-7 + 1e-3·|expected|} (some expected files are NumPy results
 * written to four digits, e.g. {@code test_averagepool_2d_ceil_last_window_starts_on_pad}).
 *
 * <p>With {@code -Donnx.cases=DIR} (the script's full generation), every case there must pass or be
 * refused with an {@link OnnxException} — never another exception — and the passing ones are written
 * to {@code target/onnx-cases-passing.txt}.
 */
class OnnxConformanceTest {

    static final Path CASES = Path.of("src/test/resources/onnx-node-tests-1.23");

    @TempDir
    Path out;

    @TestFactory
    Stream<DynamicTest> everyListedCase() throws IOException {
        List<DynamicTest> tests = new ArrayList<>();
        for (String name : names(CASES)) {
            tests.add(DynamicTest.dynamicTest(name, () -> run(CASES, name)));
        }
        assertTrue(tests.size() >= 772, "LIST.txt cases: " + tests.size());
        return tests.stream();
    }

    @Test
    @EnabledIfSystemProperty(named = "onnx.cases", matches = ".+")
    void everyGeneratedCasePassesOrIsRefused() throws IOException {
        Path cases = Path.of(System.getProperty("onnx.cases"));
        List<String> passing = new ArrayList<>();
        Map<String, String> failed = new TreeMap<>();
        int refused = 0;
        for (String name : names(cases)) {
            try {
                run(cases, name);
                passing.add(name);
            } catch (OnnxException e) {
                refused++;
            } catch (Throwable e) {
                failed.put(name, e.toString());
            }
        }
        Files.write(Path.of("target/onnx-cases-passing.txt"), passing);
        System.out.printf("onnx cases in %s: %d pass, %d refused, %d fail%n", cases, passing.size(), refused, failed.size());
        if (!failed.isEmpty()) {
            fail(failed.size() + " cases neither pass nor are refused with an OnnxException: " + failed);
        }
    }

    private static List<String> names(Path cases) throws IOException {
        return Files.readAllLines(cases.resolve("LIST.txt")).stream().filter(l -> !l.isBlank() && !l.startsWith("#")).toList();
    }

    private void run(Path cases, String name) throws IOException {
        OnnxNodeTest.runCase(cases, name, out.resolve(name), (what, e, g) -> OnnxNodeTest.assertClose(what, e, g, 1e-7, 1e-3));
    }
}
