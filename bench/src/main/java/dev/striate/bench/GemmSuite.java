package dev.striate.bench;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.openjdk.jmh.profile.GCProfiler;
import org.openjdk.jmh.results.BenchmarkResult;
import org.openjdk.jmh.results.Result;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.results.format.ResultFormatFactory;
import org.openjdk.jmh.results.format.ResultFormatType;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.ChainedOptionsBuilder;
import org.openjdk.jmh.runner.options.Options;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;

/**
 * Runs the GEMM suite — {@link FmaPeakBenchmark}, {@link GemmBenchmark} (Striate and OpenBLAS) and
 * {@link ScalarGemmBenchmark} — and prints a Markdown table: GFLOPS (2·M·N·K / time) of the median
 * fork, the JMH error, the per-fork spread, % of the measured FMA peak and the ratio to OpenBLAS.
 *
 * <p>OpenBLAS runs twice, each time in forks started through a small launcher script that sets its
 * environment: once with {@code OPENBLAS_CORETYPE} and {@code OPENBLAS_L2_SIZE} unset (OpenBLAS picks
 * the kernel for this CPU: SKYLAKEX on AVX-512 machines, ZEN or HASWELL on AVX2 ones), once with
 * {@code OPENBLAS_CORETYPE=Haswell} (its 256-bit kernel). Nothing here changes the environment of
 * tests or CI.
 *
 * <p>Usage: {@code GemmSuite [--forks N] [--warmup N] [--iterations N] [--time MEASUREMENT_SECONDS]
 * [--shapes 1024,alexnet-conv2,...] [--threads 1,2] [--gc] [--out DIR]}; {@code --quick} is one fork
 * of short iterations on a few shapes, a smoke test rather than a measurement.
 */
public final class GemmSuite {

    static final String USAGE = "./striate bench [gemm] [--forks N] [--warmup N] [--iterations N] [--time SECONDS] "
            + "[--shapes 1024,alexnet-conv2,...] [--threads 1,2] [--gc] [--out DIR] [--quick]";

    private GemmSuite() {
    }

    public static void main(String[] args) throws RunnerException, IOException {
        Map<String, String> opt = SuiteOptions.parseOrExit(args, Set.of("quick", "gc"), USAGE);
        boolean quick = opt.containsKey("quick");
        int forks = Integer.parseInt(opt.getOrDefault("forks", quick ? "1" : "3"));
        int warmup = Integer.parseInt(opt.getOrDefault("warmup", quick ? "1" : "2"));
        int iterations = Integer.parseInt(opt.getOrDefault("iterations", quick ? "2" : "3"));
        // Measurement iterations of 2 s: a 2048³ multiply takes ~0.2 s, and 1 s iterations on this
        // shared machine showed ±20% errors.
        int seconds = Integer.parseInt(opt.getOrDefault("time", quick ? "1" : "2"));
        String[] shapes = opt.getOrDefault("shapes", quick ? "256,resnet-1x1-256-64"
                : "64,128,256,512,1024,2048,alexnet-conv2,resnet-3x3-64,resnet-1x1-256-64").split(",");
        String[] threads = opt.getOrDefault("threads", "1,2").split(",");
        boolean gc = opt.containsKey("gc");
        Path out = Path.of(opt.getOrDefault("out", "bench/results"));
        Files.createDirectories(out);

        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        String[] scalarShapes = Arrays.stream(shapes).filter(s -> s.matches("\\d+") && Integer.parseInt(s) <= 512)
                .toArray(String[]::new);

        ChainedOptionsBuilder common = new OptionsBuilder()
                .forks(forks).warmupIterations(warmup).measurementIterations(iterations)
                .warmupTime(TimeValue.seconds(1)).measurementTime(TimeValue.seconds(seconds))
                .param("threads", threads).shouldFailOnError(true);
        if (gc) {
            common.addProfiler(GCProfiler.class);
        }
        // Each run gets its own builder over this base: a JMH child builder adds its includes to its parent's.
        Options base = common.build();
        Map<String, Path> launchers = new LinkedHashMap<>();
        launchers.put("openblas", launcher(out, "openblas", "unset OPENBLAS_CORETYPE OPENBLAS_L2_SIZE", java));
        launchers.put("openblas-haswell", launcher(out, "openblas-haswell", "export OPENBLAS_CORETYPE=Haswell", java));

        List<RunResult> results = new ArrayList<>(run(base, null, FmaPeakBenchmark.class.getName() + ".fma$", null));
        Map<String, List<RunResult>> openblas = new LinkedHashMap<>();
        launchers.keySet().forEach(v -> openblas.put(v, new ArrayList<>()));
        // Shape by shape, Striate then each OpenBLAS variant: on a shared machine whose load drifts,
        // the results compared in one table row are measured minutes apart, not half an hour.
        for (String shape : shapes) {
            results.addAll(run(base, shape, GemmBenchmark.class.getName() + ".striate$", null));
            if (Arrays.asList(scalarShapes).contains(shape)) {
                results.addAll(run(base, shape, ScalarGemmBenchmark.class.getName(), null));
            }
            for (Map.Entry<String, Path> v : launchers.entrySet()) {
                openblas.get(v.getKey()).addAll(run(base, shape, GemmBenchmark.class.getName() + ".openblas$", v.getValue()));
            }
        }
        writeJson(out.resolve("gemm-striate.json"), results);
        for (Map.Entry<String, List<RunResult>> v : openblas.entrySet()) {
            writeJson(out.resolve("gemm-" + v.getKey() + ".json"), v.getValue());
        }
        String table = GemmTable.render(results, openblas, gc);
        Files.writeString(out.resolve("gemm.md"), table);
        GemmChart.png(GemmTable.parse(results, openblas), out.resolve("gemm.png"));
        System.out.println();
        System.out.println(table);
        System.out.println("Written: " + out.resolve("gemm.md") + ", gemm.png (GFLOPS across sizes) and the JMH JSON files beside them.");
    }

    private static Collection<RunResult> run(Options base, String shape, String include, Path jvm) throws RunnerException {
        ChainedOptionsBuilder options = new OptionsBuilder().parent(base).include(include);
        if (shape != null) {
            options.param("shape", shape);
        }
        if (jvm != null) {
            options.jvm(jvm.toString());
        }
        return new Runner(options.build()).run();
    }

    private static void writeJson(Path file, Collection<RunResult> results) throws IOException {
        try (PrintStream stream = new PrintStream(Files.newOutputStream(file), true, StandardCharsets.UTF_8)) {
            ResultFormatFactory.getInstance(ResultFormatType.JSON, stream).writeOut(results);
        }
    }

    /** A java launcher that sets OpenBLAS's environment for the forked JVM and reports the chosen kernel. */
    private static Path launcher(Path dir, String name, String environment, String java) throws IOException {
        Path script = dir.resolve(name + "-java.sh");
        Files.writeString(script, "#!/bin/sh\n" + environment + "\nexport OPENBLAS_VERBOSE=2\nexec '" + java + "' \"$@\"\n");
        Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwxr-xr-x"));
        return script;
    }

    /** GFLOPS numbers derived from one benchmark's JMH result (score in µs per multiply, or ops/s). */
    record Measurement(double gflops, double error, double forkMin, double forkMax, double allocBytes) {

        static Measurement of(RunResult run, double flopsPerOp, boolean throughput) {
            Result<?> primary = run.getPrimaryResult();
            List<Double> forkScores = new ArrayList<>();
            for (BenchmarkResult fork : run.getBenchmarkResults()) {
                forkScores.add(fork.getPrimaryResult().getScore());
            }
            forkScores.sort(null);
            double median = median(forkScores);
            double gflops = toGflops(median, flopsPerOp, throughput);
            double relError = primary.getScoreError() / primary.getScore();
            double a = toGflops(forkScores.get(0), flopsPerOp, throughput);
            double b = toGflops(forkScores.get(forkScores.size() - 1), flopsPerOp, throughput);
            Result<?> alloc = run.getSecondaryResults().get("gc.alloc.rate.norm");
            return new Measurement(gflops, Double.isNaN(relError) ? 0 : gflops * relError,
                    Math.min(a, b), Math.max(a, b), alloc == null ? Double.NaN : alloc.getScore());
        }

        /** GFLOPS from a JMH score: µs per operation (average time) or operations per second (throughput). */
        static double toGflops(double score, double flopsPerOp, boolean throughput) {
            return throughput ? score * flopsPerOp / 1e9 : flopsPerOp / (score * 1e-6) / 1e9;
        }

        static double median(List<Double> sorted) {
            int n = sorted.size();
            return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
        }

        String format() {
            return String.format(Locale.ROOT, "%.1f ± %.1f", gflops, error);
        }

        String spread() {
            return String.format(Locale.ROOT, "%.0f–%.0f", forkMin, forkMax);
        }
    }
}
