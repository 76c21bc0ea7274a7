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
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.infra.BenchmarkParams;
import org.openjdk.jmh.results.BenchmarkResult;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.results.format.ResultFormatFactory;
import org.openjdk.jmh.results.format.ResultFormatType;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.WorkloadParams;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;

/**
 * Runs {@link ModelBenchmark} model by model and prints a Markdown table: Striate's and ONNX
 * Runtime's latency per run, median and mean (JMH error), their ratios, and the target.
 *
 * <p>Runs are timed one by one (JMH's sample mode, which the suite sets; the class's average-time
 * mode stays for the gate): latency targets are medians, as the reference figures are, and
 * on a shared core a few runs slowed several-fold by a neighbour move a mean far more than the
 * median. The table gives both, the ratio of medians against the target.
 *
 * <p>{@code --forks N} (default 1) runs each benchmark in N JVMs and pools their runs: on the shared
 * AVX-512 machine a layer's speed swung 1.5–2× within seconds (a depthwise layer's median 57–121 µs
 * from one half second to the next in one JVM), so more forks cover more of that time. The forks
 * are dealt out in rounds, one fork of each engine per round, the engine that goes first
 * alternating: JMH would run all of one engine's forks, then all of the other's, and a neighbour's
 * busy minutes (this machine has them: whole models 20–30% slower from one minute to the next)
 * would then land on one engine's forks only.
 *
 * <p>Usage: {@code ModelSuite [--models a,b] [--batch 1,8] [--threads 1,2] [--forks N] [--warmup N]
 * [--iterations N] [--out DIR] [--quick]}.
 */
public final class ModelSuite {

    static final String USAGE = "./striate bench models [--models a,b] [--batch 1,8] [--threads 1,2] [--forks N] [--warmup N] "
            + "[--iterations N] [--out DIR] [--quick]";

    private static final String[] ENGINES = {"striate", "onnxruntime"};
    private static final String[] ENGINES_REVERSED = {"onnxruntime", "striate"};

    private ModelSuite() {
    }

    public static void main(String[] args) throws RunnerException, IOException {
        Map<String, String> opt = SuiteOptions.parseOrExit(args, Set.of("quick"), USAGE);
        boolean quick = opt.containsKey("quick");
        String[] models = opt.getOrDefault("models", quick ? "squeezenet11,lenet5" : "resnet18,mobilenetv2,squeezenet11,lenet5")
                .split(",");
        Path out = Path.of(opt.getOrDefault("out", "bench/results"));
        Files.createDirectories(out);
        int forks = Integer.parseInt(opt.getOrDefault("forks", "1"));
        if (forks < 1) {
            throw new IllegalArgumentException("--forks must be at least 1, got " + forks);
        }
        List<RunResult> results = new ArrayList<>();
        for (String model : models) {
            ModelBenchmark.graph(model); // fail fast on an unknown name
            // one fork of each engine per round, the first engine alternating; the forks pooled after
            Map<String, List<BenchmarkResult>> forksOf = new LinkedHashMap<>();
            Map<String, BenchmarkParams> paramsOf = new LinkedHashMap<>();
            for (int round = 0; round < forks; round++) {
                for (String engine : round % 2 == 0 ? ENGINES : ENGINES_REVERSED) {
                    for (RunResult r : new Runner(new OptionsBuilder()
                            .include(ModelBenchmark.class.getName() + "." + engine + "$")
                            .param("model", model).param("threads", opt.getOrDefault("threads", "1,2").split(","))
                            .param("batch", opt.getOrDefault("batch", quick ? "1" : "1,8").split(","))
                            .mode(Mode.SampleTime).forks(1)
                            .warmupIterations(Integer.parseInt(opt.getOrDefault("warmup", quick ? "3" : "5")))
                            .measurementIterations(Integer.parseInt(opt.getOrDefault("iterations", quick ? "2" : "5")))
                            .warmupTime(TimeValue.seconds(1)).measurementTime(TimeValue.seconds(1))
                            .shouldFailOnError(true).build()).run()) {
                        paramsOf.putIfAbsent(r.getParams().id(), r.getParams());
                        forksOf.computeIfAbsent(r.getParams().id(), k -> new ArrayList<>()).addAll(r.getBenchmarkResults());
                    }
                }
            }
            forksOf.forEach((id, data) -> results.add(new RunResult(withForks(paramsOf.get(id), data.size()), data)));
        }
        try (PrintStream json = new PrintStream(Files.newOutputStream(out.resolve("models.json")), true, StandardCharsets.UTF_8)) {
            ResultFormatFactory.getInstance(ResultFormatType.JSON, json).writeOut(results);
        }
        String table = render(results);
        Files.writeString(out.resolve("models.md"), table);
        System.out.println();
        System.out.println(table);
        System.out.println("Written: " + out.resolve("models.md") + " and models.json beside it.");
    }

    /** p with {@code forks} forks: the pooled result's, for the JSON. */
    private static BenchmarkParams withForks(BenchmarkParams p, int forks) {
        WorkloadParams params = new WorkloadParams();
        int order = 0;
        for (String key : p.getParamsKeys()) {
            params.put(key, p.getParam(key), order++);
        }
        return new BenchmarkParams(p.getBenchmark(), p.generatedBenchmark(), p.shouldSynchIterations(), p.getThreads(),
                p.getThreadGroups(), p.getThreadGroupLabels(), forks, p.getWarmupForks(), p.getWarmup(), p.getMeasurement(),
                p.getMode(), params, p.getTimeUnit(), p.getOpsPerInvocation(), p.getJvm(), p.getJvmArgs(), p.getJdkVersion(),
                p.getVmName(), p.getVmVersion(), p.getJmhVersion(), p.getTimeout());
    }

    static String render(List<RunResult> results) {
        Map<String, Map<String, RunResult>> rows = new LinkedHashMap<>();
        for (RunResult r : results) {
            var p = r.getParams();
            String key = p.getParam("model") + "|" + p.getParam("batch") + "|" + p.getParam("threads");
            String bench = p.getBenchmark();
            rows.computeIfAbsent(key, k -> new LinkedHashMap<>()).put(bench.substring(bench.lastIndexOf('.') + 1), r);
        }
        StringBuilder s = new StringBuilder();
        s.append("| model | input | thr | Striate p50 ms | ORT p50 ms | Striate / ORT (p50) | target "
                + "| Striate mean ms | ORT mean ms | Striate / ORT (mean) |\n");
        s.append("|---|---|---|---|---|---|---|---|---|---|\n");
        for (Map.Entry<String, Map<String, RunResult>> row : rows.entrySet()) {
            String[] key = row.getKey().split("\\|");
            RunResult st = row.getValue().get("striate");
            RunResult ort = row.getValue().get("onnxruntime");
            int[] dims = ModelBenchmark.inputDims(key[0], Integer.parseInt(key[1]));
            s.append("| ").append(key[0]).append(" | ").append(String.join("x", java.util.Arrays.stream(dims)
                    .mapToObj(Integer::toString).toList())).append(" | ").append(key[2])
                    .append(" | ").append(formatMedian(st)).append(" | ").append(formatMedian(ort)).append(" | ")
                    .append(ratio(st, ort, true)).append(" | ")
                    .append(key[0].equals("mobilenetv2") ? "≤ 1.5" : key[0].equals("lenet5") ? "–" : "≤ 1.2")
                    .append(" | ").append(format(st)).append(" | ").append(format(ort)).append(" | ")
                    .append(ratio(st, ort, false)).append(" |\n");
        }
        return s.toString();
    }

    private static double latency(RunResult r, boolean median) {
        return median ? r.getPrimaryResult().getStatistics().getPercentile(50) : r.getPrimaryResult().getScore();
    }

    private static String formatMedian(RunResult r) {
        return r == null ? "–" : String.format(Locale.ROOT, "%.3f", latency(r, true));
    }

    private static String ratio(RunResult st, RunResult ort, boolean median) {
        return st == null || ort == null ? "–" : String.format(Locale.ROOT, "%.2f", latency(st, median) / latency(ort, median));
    }

    private static String format(RunResult r) {
        return r == null ? "–" : String.format(Locale.ROOT, "%.3f ± %.3f", r.getPrimaryResult().getScore(),
                r.getPrimaryResult().getScoreError());
    }
}
