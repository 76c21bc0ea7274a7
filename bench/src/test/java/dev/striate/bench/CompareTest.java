package dev.striate.bench;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The regression gate on crafted JMH results: each verdict, each exit status, the chart. */
class CompareTest {

    @TempDir
    Path dir;

    private static final String MACHINE = "{\"cpu\": \"AMD EPYC 7B13\", \"cores\": 2, \"jdk\": \"25.0.1+8-LTS\", \"vectorBits\": 256}";

    /** One JMH result entry, as JMH writes it (trimmed to the fields the gate reads, plus one it ignores). */
    private static String result(String method, String shape, String mode, double score, String error, String unit) {
        return String.format(Locale.ROOT, """
                {"jmhVersion": "1.37", "benchmark": "dev.striate.bench.GemmBenchmark.%s", "mode": "%s", "threads": 1,
                 "params": {"shape": "%s", "threads": "1"},
                 "primaryMetric": {"score": %s, "scoreError": %s, "scoreUnit": "%s", "rawData": [[1.0]]}}""",
                method, mode, shape, score, error, unit);
    }

    private Path report(String name, String machine, String... results) throws IOException {
        Path file = dir.resolve(name);
        Files.writeString(file, "{\"machine\": " + machine + ", \"jmh\": [" + String.join(",", results) + "]}");
        return file;
    }

    private String[] gate(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        PrintStream o = System.out;
        PrintStream e = System.err;
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
        try {
            int status = Compare.run(args);
            return new String[] {Integer.toString(status), out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8)};
        } finally {
            System.setOut(o);
            System.setErr(e);
        }
    }

    @Test
    void aSlowdownBeyondThresholdAndErrorIsARegression() throws IOException {
        Path base = report("base.json", MACHINE, result("striate", "256", "avgt", 100, "2", "us/op"),
                result("striate", "512", "avgt", 800, "10", "us/op"));
        Path slower = report("cur.json", MACHINE, result("striate", "256", "avgt", 110, "2", "us/op"),
                result("striate", "512", "avgt", 801, "10", "us/op"));
        String[] r = gate(base.toString(), slower.toString(), "--chart", dir.resolve("c.png").toString());
        assertEquals("1", r[0], r[1] + r[2]);
        assertTrue(r[1].contains("GemmBenchmark.striate [shape=256, threads=1] | 100.0 ± 2.0 us/op | 110.0 ± 2.0 us/op | +10.0% slower")
                && r[1].contains("**regression**") && r[1].contains("1 regression"), r[1]);
        assertTrue(r[1].contains("[shape=512, threads=1]") && r[1].contains("unchanged"), r[1]);
        java.awt.image.BufferedImage chart = javax.imageio.ImageIO.read(dir.resolve("c.png").toFile());
        boolean red = false;
        for (int x = 0; x < chart.getWidth() && !red; x++) {
            for (int y = 0; y < chart.getHeight() && !red; y++) {
                red = (chart.getRGB(x, y) & 0xFFFFFF) == 0xD62728;
            }
        }
        assertTrue(red, "the regression's bar is drawn red");
    }

    @Test
    void anImprovementPassesAndSaysSo() throws IOException {
        Path base = report("base.json", MACHINE, result("striate", "256", "avgt", 100, "2", "us/op"));
        Path faster = report("cur.json", MACHINE, result("striate", "256", "avgt", 80, "2", "us/op"));
        String[] r = gate(base.toString(), faster.toString());
        assertEquals("0", r[0], r[1] + r[2]);
        assertTrue(r[1].contains("-20.0% faster") && r[1].contains("improvement") && r[1].contains("No regression"), r[1]);
    }

    @Test
    void aSlowdownWithinTheCombinedErrorIsNoise() throws IOException {
        // +10%, past the 5% threshold, but the 10 us difference is within the combined error sqrt(8² + 8²) = 11.3 us.
        Path base = report("base.json", MACHINE, result("striate", "256", "avgt", 100, "8", "us/op"));
        Path noisy = report("cur.json", MACHINE, result("striate", "256", "avgt", 110, "8", "us/op"));
        String[] r = gate(base.toString(), noisy.toString());
        assertEquals("0", r[0], r[1] + r[2]);
        assertTrue(r[1].contains("within error"), r[1]);
    }

    @Test
    void throughputIsWorseWhenLowerAndThresholdsAreConfigurablePerBenchmark() throws IOException {
        Path base = report("base.json", MACHINE, result("fmaPeak", "256", "thrpt", 1000, "5", "ops/us"));
        Path lower = report("cur.json", MACHINE, result("fmaPeak", "256", "thrpt", 920, "5", "ops/us"));
        assertEquals("1", gate(base.toString(), lower.toString())[0]);
        String[] relaxed = gate(base.toString(), lower.toString(), "--threshold-for", "fmaPeak=10");
        assertEquals("0", relaxed[0], relaxed[1]);
        assertTrue(relaxed[1].contains("+8.0% slower") && relaxed[1].contains("| 10% |"), relaxed[1]);
        assertEquals("0", gate(base.toString(), lower.toString(), "--threshold", "9")[0]);
    }

    @Test
    void aMissingBenchmarkMakesTheFilesIncomparable() throws IOException {
        Path base = report("base.json", MACHINE, result("striate", "256", "avgt", 100, "2", "us/op"),
                result("striate", "512", "avgt", 800, "10", "us/op"));
        Path fewer = report("cur.json", MACHINE, result("striate", "256", "avgt", 100, "2", "us/op"));
        String[] r = gate(base.toString(), fewer.toString());
        assertEquals("2", r[0]);
        assertTrue(r[1].contains("Cannot compare") && r[1].contains("only in baseline: GemmBenchmark.striate [shape=512, threads=1]"), r[1]);
    }

    @Test
    void anotherMachineIsReportedNotCompared() throws IOException {
        Path base = report("base.json", MACHINE, result("striate", "256", "avgt", 100, "2", "us/op"));
        Path other = report("cur.json", MACHINE.replace("\"cores\": 2", "\"cores\": 16"),
                result("striate", "256", "avgt", 100, "2", "us/op"));
        String[] r = gate(base.toString(), other.toString());
        assertEquals("2", r[0]);
        assertTrue(r[1].contains("different machines") && r[1].contains("16 hardware threads"), r[1]);
        assertEquals("0", gate(base.toString(), other.toString(), "--allow-other-machine")[0]);
    }

    @Test
    void theCpuFamilyAndModelTellApartHostsOfOneName() throws IOException {
        String zen4 = MACHINE.replace("\"cores\": 2", "\"cpuFamily\": 25, \"cpuModel\": 17, \"cores\": 2");
        Path current = report("cur.json", zen4, result("striate", "256", "avgt", 100, "2", "us/op"));
        String[][] baselines = {
                {"\"cpuFamily\": 26, ", "2"},                     // another family: not compared
                {"\"cpuFamily\": 25, \"cpuModel\": 1, ", "2"},    // the family's other model: not compared
                {"\"cpuFamily\": 25, ", "0"},                     // a baseline naming no model: the family decides
                {"", "2"}};                                       // one naming neither: not this machine
        for (String[] b : baselines) {
            Path base = report("base.json", MACHINE.replace("\"cores\": 2", b[0] + "\"cores\": 2"),
                    result("striate", "256", "avgt", 100, "2", "us/op"));
            String[] r = gate(base.toString(), current.toString());
            assertEquals(b[1], r[0], b[0] + ": " + r[1] + r[2]);
        }
        assertTrue(gate(report("base.json", MACHINE, result("striate", "256", "avgt", 100, "2", "us/op")).toString(),
                current.toString())[1].contains("(family 25 model 17)"), "the report names the family and model");
    }

    @Test
    void aBaselineDirectoryGivesTheBaselineOfThisKindOfMachine() throws IOException {
        Path baselines = Files.createDirectory(dir.resolve("baselines"));
        String xeon = MACHINE.replace("AMD EPYC 7B13", "Intel Xeon").replace("256}", "512}");
        Files.writeString(baselines.resolve("a-epyc.json"), "{\"machine\": " + MACHINE + ", \"jmh\": ["
                + result("striate", "256", "avgt", 100, "2", "us/op") + "]}");
        Files.writeString(baselines.resolve("b-xeon.json"), "{\"machine\": " + xeon + ", \"jmh\": ["
                + result("striate", "256", "avgt", 50, "1", "us/op") + "]}");
        Path slowOnXeon = report("cur.json", xeon, result("striate", "256", "avgt", 80, "1", "us/op"));
        String[] r = gate(baselines.toString(), slowOnXeon.toString());
        assertEquals("1", r[0], "80 us against the Xeon's 50 is a regression; against the EPYC's 100 it would not be");

        Path elsewhere = report("other.json", MACHINE.replace("\"cores\": 2", "\"cores\": 16"),
                result("striate", "256", "avgt", 80, "1", "us/op"));
        r = gate(baselines.toString(), elsewhere.toString());
        assertEquals("2", r[0]);
        assertTrue(r[2].contains("no baseline in") && r[2].contains("a-epyc.json") && r[2].contains("b-xeon.json"), r[2]);
    }

    @Test
    void malformedOrUnreadableFilesExitTwoWithTheirName() throws IOException {
        Path base = report("base.json", MACHINE, result("striate", "256", "avgt", 100, "2", "us/op"));
        Path broken = dir.resolve("broken.json");
        Files.writeString(broken, "{\"machine\": " + MACHINE + ", \"jmh\": [{\"benchmark\": \"x\", \"mode\": ");
        Path noScore = report("noscore.json", MACHINE, "{\"benchmark\": \"a.B.c\", \"mode\": \"avgt\", \"primaryMetric\": {}}");
        for (Path bad : new Path[] {broken, noScore, dir.resolve("missing.json")}) {
            String[] r = gate(base.toString(), bad.toString());
            assertEquals("2", r[0], bad + ": " + r[1]);
            assertTrue(r[2].contains(bad.getFileName().toString()), r[2]);
        }
        assertEquals("2", gate(base.toString())[0], "one file is a usage error");
    }

    @Test
    void aBareJmhResultArrayIsReadToo() throws IOException, BenchReport.Unusable {
        Path bare = dir.resolve("bare.json");
        Files.writeString(bare, "[" + result("striate", "256", "avgt", 100, "\"NaN\"", "us/op") + "]");
        BenchReport r = BenchReport.read(bare);
        assertEquals(Machine.UNKNOWN, r.machine());
        assertTrue(Double.isNaN(r.results().get("GemmBenchmark.striate [shape=256, threads=1]").error()), "JMH writes NaN as a string");
    }
}
