package dev.striate.bench;

import dev.striate.simd.FloatSpecies;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * What a benchmark result depends on besides the code: CPU model, hardware threads, JDK, and the
 * vector width the engine uses. Two runs are compared only on the same identity.
 */
record Machine(String cpu, int cores, String jdk, int vectorBits) {

    static final Machine UNKNOWN = new Machine("unknown", 0, "unknown", 0);

    /** This machine. */
    static Machine current() {
        return new Machine(cpuModel(), Runtime.getRuntime().availableProcessors(), Runtime.version().toString(),
                FloatSpecies.PREFERRED.vectorBitSize());
    }

    /** Whether results of the two machines may be compared: same CPU model, cores and vector width, same JDK feature release. */
    boolean comparableWith(Machine other) {
        return cpu.equals(other.cpu) && cores == other.cores && vectorBits == other.vectorBits
                && feature(jdk).equals(feature(other.jdk));
    }

    private static String feature(String jdk) {
        int dot = jdk.indexOf('.');
        int plus = jdk.indexOf('+');
        int end = dot >= 0 ? dot : plus >= 0 ? plus : jdk.length();
        return jdk.substring(0, end);
    }

    @Override
    public String toString() {
        return cpu + ", " + cores + " hardware threads, JDK " + jdk + ", " + vectorBits + "-bit vectors";
    }

    private static String cpuModel() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
                if (line.startsWith("model name")) {
                    return line.substring(line.indexOf(':') + 1).strip();
                }
            }
        } catch (IOException | RuntimeException e) {
            // not Linux: fall through to the architecture
        }
        return System.getProperty("os.arch");
    }
}
