package dev.striate.bench;

import dev.striate.conv.ConvProblem;
import dev.striate.conv.Convolution;
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
 * Runs {@link ConvBenchmark} layer by layer (Striate's forward, ONNX Runtime's forward and Striate's
 * training step measured minutes apart, not half an hour) and prints a Markdown table: forward
 * GFLOPS (2·MACs / time) with the JMH error, ONNX Runtime's, their ratio, the backward passes' GFLOPS
 * and the backward/forward time ratio from the training step's timed passes (mean of the iterations'
 * ratios ± its 99.9% confidence half-width: {@link StepPasses}), the algorithm and its workspace.
 *
 * <p>Five warm-up iterations by default: the Winograd and depthwise kernels take 3–5 s of calls
 * before C2 has compiled them (measured: 131 ms per pass in the first second, 2.7 ms from the fifth).
 *
 * <p>Usage: {@code ConvSuite [--layers a,b,...] [--threads 1,2] [--batch 1,8] [--winograd-tile 2|4]
 * [--forks N] [--warmup N] [--iterations N] [--time SECONDS] [--out DIR] [--quick]}; {@code
 * --winograd-tile 4} lets {@code AUTO} pick F(4x4, 3x3) in every fork.
 */
public final class ConvSuite {

    static final String USAGE = "./striate bench conv [--layers a,b,...] [--threads 1,2] [--batch 1,8] [--winograd-tile 2|4] [--forks N] [--warmup N] "
            + "[--iterations N] [--time SECONDS] [--out DIR] [--quick]";

    private static final String[] PASSES = {"forward", "onnxruntime", "trainingStep"};

    private ConvSuite() {
    }

    public static void main(String[] args) throws RunnerException, IOException {
        Map<String, String> opt = SuiteOptions.parseOrExit(args, Set.of("quick"), USAGE);
        boolean quick = opt.containsKey("quick");
        String[] layers = opt.getOrDefault("layers", quick ? "resnet-1x1-256-64,mobilenetv2-dw-32"
                : String.join(",", ConvLayers.LAYERS.keySet())).split(",");
        String[] threads = opt.getOrDefault("threads", "1,2").split(",");
        String[] batches = opt.getOrDefault("batch", "1").split(",");
        Path out = Path.of(opt.getOrDefault("out", "bench/results"));
        Files.createDirectories(out);
        // The Winograd tile AUTO may pick (conv.winogradTile): here for the table, and in every fork.
        String tile = opt.get("winograd-tile");
        if (tile != null) {
            if (!tile.equals("2") && !tile.equals("4")) {
                System.err.println("error: --winograd-tile must be 2 or 4, got " + tile);
                System.err.println("usage: " + USAGE);
                System.exit(2);
            }
            System.setProperty("striate.conv.winogradTile", tile);
        }
        String[] forkArgs = tile == null ? new String[] {"--add-modules=jdk.incubator.vector"}
                : new String[] {"--add-modules=jdk.incubator.vector", "-Dstriate.conv.winogradTile=" + tile};
        List<RunResult> results = new ArrayList<>();
        for (String layer : layers) {
            ConvLayers.problem(layer, 1); // fail fast on an unknown name
            results.addAll(new Runner(new OptionsBuilder()
                    .include(ConvBenchmark.class.getName() + ".(" + String.join("|", PASSES) + ")$")
                    .param("layer", layer).param("threads", threads).param("batch", batches)
                    .jvmArgsAppend(forkArgs)
                    .forks(Integer.parseInt(opt.getOrDefault("forks", "1")))
                    .warmupIterations(Integer.parseInt(opt.getOrDefault("warmup", quick ? "3" : "5")))
                    .measurementIterations(Integer.parseInt(opt.getOrDefault("iterations", quick ? "2" : "5")))
                    .warmupTime(TimeValue.seconds(1))
                    .measurementTime(TimeValue.seconds(Integer.parseInt(opt.getOrDefault("time", "1"))))
                    .shouldFailOnError(true).build()).run());
        }
        try (PrintStream json = new PrintStream(Files.newOutputStream(out.resolve("conv.json")), true, StandardCharsets.UTF_8)) {
            ResultFormatFactory.getInstance(ResultFormatType.JSON, json).writeOut(results);
        }
        String table = render(results);
        Files.writeString(out.resolve("conv.md"), table);
        System.out.println();
        System.out.println(table);
        System.out.println("Written: " + out.resolve("conv.md") + " and conv.json beside it.");
    }

    static String render(List<RunResult> results) {
        Map<String, Map<String, RunResult>> rows = new LinkedHashMap<>();
        for (RunResult r : results) {
            var params = r.getParams();
            String key = params.getParam("layer") + "|" + params.getParam("batch") + "|" + params.getParam("threads");
            String bench = params.getBenchmark();
            rows.computeIfAbsent(key, k -> new LinkedHashMap<>()).put(bench.substring(bench.lastIndexOf('.') + 1), r);
        }
        StringBuilder s = new StringBuilder();
        s.append("| layer | problem | thr | algorithm | Striate fwd GFLOPS | ONNX Runtime GFLOPS | ratio | step: fwd GFLOPS | step: dx GFLOPS | step: dw+db GFLOPS | step: bwd/fwd time | workspace (floats) | one image's im2col (floats) |\n");
        s.append("|---|---|---|---|---|---|---|---|---|---|---|---|---|\n");
        for (Map.Entry<String, Map<String, RunResult>> row : rows.entrySet()) {
            String[] key = row.getKey().split("\\|");
            ConvProblem problem = ConvLayers.problem(key[0], Integer.parseInt(key[1]));
            Convolution conv = new Convolution(problem.params(), new float[problem.params().weightSize()], null);
            double flops = problem.flops();
            Map<String, RunResult> r = row.getValue();
            GemmSuite.Measurement fwd = measure(r.get("forward"), flops);
            GemmSuite.Measurement ort = measure(r.get("onnxruntime"), flops);
            StepPasses step = r.containsKey("trainingStep") ? StepPasses.of(r.get("trainingStep")) : null;
            s.append("| ").append(key[0]).append(" | `").append(problem).append("` | ").append(key[2])
                    .append(" | ").append(conv.algorithmFor(problem.height(), problem.width()))
                    .append(" | ").append(fwd == null ? "–" : fwd.format())
                    .append(" | ").append(ort == null ? "–" : ort.format())
                    .append(" | ").append(fwd == null || ort == null ? "–"
                            : String.format(Locale.ROOT, "%.2f", fwd.gflops() / ort.gflops()))
                    .append(" | ").append(step == null ? "– | – | – | –" : step.tableCells(flops))
                    .append(" | ").append(conv.workspaceFloats(problem.height(), problem.width()))
                    .append(" | ").append(ConvLayers.im2colFloats(problem))
                    .append(" |\n");
        }
        return s.toString();
    }

    private static GemmSuite.Measurement measure(RunResult r, double flops) {
        return r == null ? null : GemmSuite.Measurement.of(r, flops, false);
    }
}
