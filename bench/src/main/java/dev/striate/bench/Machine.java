package dev.striate.bench;

import dev.striate.simd.FloatSpecies;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;

/**
 * What a benchmark result depends on besides the code: CPU model, hardware threads, JDK, and the
 * vector width the engine uses. Two runs are compared only on the same identity.
 *
 * <p>A virtual machine's model name can be generic ("AMD EPYC" on Zen 3, Zen 4 and Zen 5 hosts
 * alike, where Zen 4 runs 512-bit FMAs at half Zen 5's rate: the quick gate's 256³ GEMM took 180 µs
 * on one and 312 on the other), so the identity also holds the CPU family and model numbers of
 * {@code /proc/cpuinfo}. A baseline recorded before those were (or where they are unknown) names
 * no model, and then the family alone must match.
 *
 * <p>Thread-safety: immutable.
 */
record Machine(String cpu, Integer cpuFamily, Integer cpuModel, int cores, String jdk, int vectorBits) {

    static final Machine UNKNOWN = new Machine("unknown", null, null, 0, "unknown", 0);

    /** This machine. */
    static Machine current() {
        List<String> cpuinfo = cpuinfo();
        String name = field(cpuinfo, "model name");
        return new Machine(name != null ? name : System.getProperty("os.arch"), number(field(cpuinfo, "cpu family")),
                number(field(cpuinfo, "model")), Runtime.getRuntime().availableProcessors(), Runtime.version().toString(),
                FloatSpecies.PREFERRED.vectorBitSize());
    }

    /**
     * Whether results of the two machines may be compared: same CPU name and family (and model number
     * where both name one), cores and vector width, same JDK feature release.
     */
    boolean comparableWith(Machine other) {
        return cpu.equals(other.cpu) && Objects.equals(cpuFamily, other.cpuFamily)
                && (cpuModel == null || other.cpuModel == null || cpuModel.equals(other.cpuModel))
                && cores == other.cores && vectorBits == other.vectorBits && feature(jdk).equals(feature(other.jdk));
    }

    private static String feature(String jdk) {
        int dot = jdk.indexOf('.');
        int plus = jdk.indexOf('+');
        int end = dot >= 0 ? dot : plus >= 0 ? plus : jdk.length();
        return jdk.substring(0, end);
    }

    @Override
    public String toString() {
        String id = cpuFamily == null ? "" : " (family " + cpuFamily + (cpuModel == null ? "" : " model " + cpuModel) + ")";
        return cpu + id + ", " + cores + " hardware threads, JDK " + jdk + ", " + vectorBits + "-bit vectors";
    }

    private static List<String> cpuinfo() {
        try {
            return Files.readAllLines(Path.of("/proc/cpuinfo"));
        } catch (IOException | RuntimeException e) {
            return List.of(); // not Linux: the architecture names the CPU, no family or model
        }
    }

    /** The value of the first {@code key : value} line of /proc/cpuinfo with that key, or null. */
    private static String field(List<String> cpuinfo, String key) {
        for (String line : cpuinfo) {
            int colon = line.indexOf(':');
            if (colon > 0 && line.substring(0, colon).strip().equals(key)) {
                return line.substring(colon + 1).strip();
            }
        }
        return null;
    }

    private static Integer number(String value) {
        try {
            return value == null ? null : Integer.valueOf(value);
        } catch (NumberFormatException e) {
            return null;
        }
    }
}
