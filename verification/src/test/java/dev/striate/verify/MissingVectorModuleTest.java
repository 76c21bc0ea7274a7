package dev.striate.verify;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.striate.gemm.GemmConfig;
import dev.striate.gemm.Sgemm;
import dev.striate.gemm.Transpose;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Started without {@code --add-modules jdk.incubator.vector}, the engine must fail at first use with
 * one message naming the flag — not a NoClassDefFoundError from inside a kernel.
 */
class MissingVectorModuleTest {

    /** Run in a child JVM that lacks the flag: tries each public entry point, one line per outcome. */
    public static void main(String[] args) {
        List<Runnable> entryPoints = List.of(
                () -> {
                    float[] a = new float[4];
                    Sgemm.sgemm(Transpose.N, Transpose.N, 2, 2, 2, 1f, a, 0, 2, a.clone(), 0, 2, 0f, a.clone(), 0, 2);
                },
                GemmConfig::defaults,
                () -> GemmConfig.of("3x3v", 64, 64, 64),
                Sgemm::shared);
        for (Runnable entry : entryPoints) {
            try {
                entry.run();
                System.out.println("NO EXCEPTION");
            } catch (Throwable t) {
                System.out.println(t.getClass().getName() + ": " + t.getMessage());
            }
        }
    }

    @Test
    void firstUseNamesTheMissingFlag() throws IOException, InterruptedException {
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        Process p = new ProcessBuilder(List.of(java.toString(), "-cp", System.getProperty("java.class.path"),
                MissingVectorModuleTest.class.getName()))
                .redirectErrorStream(true).start();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "child JVM did not finish");
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        assertEquals(0, p.exitValue(), out);
        List<String> lines = out.lines().filter(l -> !l.startsWith("WARNING")).toList();
        assertEquals(4, lines.size(), out);
        for (String line : lines) {
            assertTrue(line.startsWith("java.lang.UnsupportedOperationException: "), line);
            assertTrue(line.contains("--add-modules jdk.incubator.vector"), line);
            assertFalse(line.contains("NoClassDefFoundError"), line);
        }
    }
}
