package dev.striate.verify;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

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

    /** Run in a child JVM that lacks the flag. */
    public static void main(String[] args) {
        try {
            float[] a = new float[4];
            Sgemm.sgemm(Transpose.N, Transpose.N, 2, 2, 2, 1f, a, 0, 2, a.clone(), 0, 2, 0f, a.clone(), 0, 2);
            System.out.println("NO EXCEPTION");
        } catch (Throwable t) {
            System.out.println(t.getClass().getName() + ": " + t.getMessage());
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
        assertTrue(out.startsWith("java.lang.UnsupportedOperationException: "), out);
        assertTrue(out.contains("--add-modules jdk.incubator.vector"), out);
        assertFalse(out.contains("NoClassDefFoundError"), out);
    }
}
