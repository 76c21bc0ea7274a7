package dev.striate.bench;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collection;
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
 * Runs {@link TrainingBenchmark} and prints a Markdown table: milliseconds per training step with the
 * JMH error, images/s, and batch-1 inference latency.
 *
 * <p>Usage: {@code TrainingSuite [--models lenet5,resnet] [--threads 1,2] [--forks N] [--warmup N]
 * [--iterations N] [--time SECONDS] [--out DIR] [--quick]}.
 */
public final class TrainingSuite {

    static final String USAGE = "./striate bench training [--models lenet5,resnet] [--threads 1,2] [--forks N] [--warmup N] "
            + "[--iterations N] [--time SECONDS] [--out DIR] [--quick]";

    private TrainingSuite() {
    }

    public static void main(String[] args) throws RunnerException, IOException {
        Map<String, String> opt = SuiteOptions.parseOrExit(args, Set.of("quick"), USAGE);
        boolean quick = opt.containsKey("quick");
        Path out = Path.of(opt.getOrDefault("out", "bench/results"));
        Files.createDirectories(out);
        Collection<RunResult> results = new Runner(new OptionsBuilder()
                .include(TrainingBenchmark.class.getName() + ".")
                .param("model", opt.getOrDefault("models", "lenet5,resnet").split(","))
                .param("threads", opt.getOrDefault("threads", "1,2").split(","))
                .forks(Integer.parseInt(opt.getOrDefault("forks", "1")))
                .warmupIterations(Integer.parseInt(opt.getOrDefault("warmup", quick ? "2" : "3")))
                .measurementIterations(Integer.parseInt(opt.getOrDefault("iterations", quick ? "2" : "5")))
                .warmupTime(TimeValue.seconds(1))
                .measurementTime(TimeValue.seconds(Integer.parseInt(opt.getOrDefault("time", "2"))))
                .shouldFailOnError(true).build()).run();
        try (PrintStream json = new PrintStream(Files.newOutputStream(out.resolve("training.json")), true, StandardCharsets.UTF_8)) {
            ResultFormatFactory.getInstance(ResultFormatType.JSON, json).writeOut(results);
        }
        StringBuilder s = new StringBuilder();
        s.append("| model | batch | thr | training step ms | images/s | batch-1 inference ms |\n|---|---|---|---|---|---|\n");
        for (RunResult r : results) {
            var p = r.getParams();
            if (!p.getBenchmark().endsWith("trainingStep")) {
                continue;
            }
            String model = p.getParam("model");
            int n = TrainingBenchmark.batchSize(model);
            double ms = r.getPrimaryResult().getScore();
            RunResult inference = results.stream().filter(q -> q.getParams().getBenchmark().endsWith("inferenceBatch1")
                    && q.getParams().getParam("model").equals(model)
                    && q.getParams().getParam("threads").equals(p.getParam("threads"))).findFirst().orElse(null);
            s.append(String.format(Locale.ROOT, "| %s %s | %d | %s | %.3f ± %.3f | %.0f | %s |%n", model,
                    TrainingBenchmark.inputShape(model), n, p.getParam("threads"), ms, r.getPrimaryResult().getScoreError(),
                    n * 1000 / ms, inference == null ? "–" : String.format(Locale.ROOT, "%.4f ± %.4f",
                            inference.getPrimaryResult().getScore(), inference.getPrimaryResult().getScoreError())));
        }
        Files.writeString(out.resolve("training.md"), s.toString());
        System.out.println();
        System.out.println(s);
        System.out.println("Written: " + out.resolve("training.md") + " and training.json beside it.");
    }
}
