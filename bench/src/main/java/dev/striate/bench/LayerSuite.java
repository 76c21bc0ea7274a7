package dev.striate.bench;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.results.format.ResultFormatFactory;
import org.openjdk.jmh.results.format.ResultFormatType;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;

/**
 * Runs {@link LayerBenchmark} workload by workload (the engine, the scalar loop and the arraycopy of
 * one workload measured within a minute of each other) and prints a Markdown table of GB/s — bytes
 * the pass must move over its time — with the JMH error, and the ratios to the same-run arraycopy
 * and scalar loop.
 *
 * <p>Usage: {@code LayerSuite [--workloads a,b,...] [--threads 1] [--forks N] [--warmup N]
 * [--iterations N] [--time SECONDS] [--out DIR] [--quick]}.
 */
public final class LayerSuite {

    static final String USAGE = "./striate bench layers [--workloads a,b,...] [--threads 1] [--forks N] [--warmup N] "
            + "[--iterations N] [--time SECONDS] [--out DIR] [--quick]";

    private static final String[] METHODS = {"striate", "scalar", "arraycopy"};

    private LayerSuite() {
    }

    public static void main(String[] args) throws RunnerException, IOException {
        Map<String, String> opt = SuiteOptions.parseOrExit(args, Set.of("quick"), USAGE);
        boolean quick = opt.containsKey("quick");
        String[] workloads = opt.getOrDefault("workloads", quick ? "relu@1x64x112x112,maxpool3s2@1x64x112x112"
                : String.join(",", LayerWorkload.NAMES)).split(",");
        String[] threads = opt.getOrDefault("threads", "1").split(",");
        Path out = Path.of(opt.getOrDefault("out", "bench/results"));
        Files.createDirectories(out);
        List<RunResult> results = new ArrayList<>();
        for (String workload : workloads) {
            LayerBenchmark.bytes(workload); // fail fast on an unknown name
            results.addAll(new Runner(new OptionsBuilder()
                    .include(LayerBenchmark.class.getName() + ".(" + String.join("|", METHODS) + ")$")
                    .param("workload", workload).param("threads", threads)
                    .forks(Integer.parseInt(opt.getOrDefault("forks", "1")))
                    .warmupIterations(Integer.parseInt(opt.getOrDefault("warmup", quick ? "2" : "3")))
                    .measurementIterations(Integer.parseInt(opt.getOrDefault("iterations", quick ? "2" : "5")))
                    .warmupTime(TimeValue.seconds(1))
                    .measurementTime(TimeValue.seconds(Integer.parseInt(opt.getOrDefault("time", "1"))))
                    .shouldFailOnError(true).build()).run());
        }
        try (PrintStream json = new PrintStream(Files.newOutputStream(out.resolve("layers.json")), true, StandardCharsets.UTF_8)) {
            ResultFormatFactory.getInstance(ResultFormatType.JSON, json).writeOut(results);
        }
        String table = render(results);
        Files.writeString(out.resolve("layers.md"), table);
        System.out.println();
        System.out.println(table);
        System.out.println("Written: " + out.resolve("layers.md") + " and layers.json beside it.");
    }

    static String render(List<RunResult> results) {
        Map<String, Map<String, RunResult>> rows = new LinkedHashMap<>();
        for (RunResult r : results) {
            var params = r.getParams();
            String key = params.getParam("workload") + "|" + params.getParam("threads");
            String bench = params.getBenchmark();
            rows.computeIfAbsent(key, k -> new LinkedHashMap<>()).put(bench.substring(bench.lastIndexOf('.') + 1), r);
        }
        StringBuilder s = new StringBuilder();
        s.append("| workload | thr | bytes/pass | Striate GB/s | scalar loop GB/s | arraycopy GB/s | Striate / arraycopy | Striate / scalar |\n");
        s.append("|---|---|---|---|---|---|---|---|\n");
        for (Map.Entry<String, Map<String, RunResult>> row : rows.entrySet()) {
            String[] key = row.getKey().split("\\|");
            long bytes = LayerBenchmark.bytes(key[0]);
            GemmSuite.Measurement engine = measure(row.getValue().get("striate"), bytes);
            GemmSuite.Measurement scalar = measure(row.getValue().get("scalar"), bytes);
            GemmSuite.Measurement copy = measure(row.getValue().get("arraycopy"), bytes);
            s.append("| ").append(key[0]).append(" | ").append(key[1]).append(" | ").append(bytes)
                    .append(" | ").append(engine == null ? "–" : engine.format())
                    .append(" | ").append(scalar == null ? "–" : scalar.format())
                    .append(" | ").append(copy == null ? "–" : copy.format())
                    .append(" | ").append(ratio(engine, copy))
                    .append(" | ").append(ratio(engine, scalar))
                    .append(" |\n");
        }
        return s.toString();
    }

    private static String ratio(GemmSuite.Measurement a, GemmSuite.Measurement b) {
        return a == null || b == null ? "–" : String.format(Locale.ROOT, "%.2f", a.gflops() / b.gflops());
    }

    /** GB/s: the workload's bytes over the time per pass (the GFLOPS arithmetic with bytes for flops). */
    private static GemmSuite.Measurement measure(RunResult r, long bytes) {
        return r == null ? null : GemmSuite.Measurement.of(r, bytes, false);
    }
}
