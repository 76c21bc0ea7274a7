package dev.striate.cli;

import dev.striate.onnx.LayerTime;
import dev.striate.onnx.Session;
import dev.striate.onnx.SessionOptions;
import dev.striate.tensor.Tensor;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;

/**
 * {@code striate bench MODEL}: latency percentiles and throughput of one session on seeded random
 * inputs, after warm-up, and with {@code --per-layer} each step's mean time over the timed runs
 * ({@link Session#profile}). A quick look; JMH in bench/ gives the numbers with errors.
 */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = "Latency p50/p90/p99 and throughput of an ONNX model at a batch size and thread count.")
final class BenchCommand implements Callable<Integer> {

    @Parameters(index = "0", paramLabel = "MODEL", description = "An .onnx file.")
    Path model;

    @Mixin
    ModelInputs shapes;

    @Option(names = "--threads", description = "Intra-op threads (default: ${DEFAULT-VALUE}).")
    int threads = 1;

    @Option(names = "--warmup", description = "Untimed runs first (default: ${DEFAULT-VALUE}).")
    int warmup = 50;

    @Option(names = "--runs", description = "Timed runs (default: ${DEFAULT-VALUE}).")
    int runs = 200;

    @Option(names = "--per-layer", description = "Also print each layer's mean time, share and GFLOPS over the timed runs.")
    boolean perLayer;

    @Override
    public Integer call() throws Exception {
        if (threads < 1 || warmup < 0 || runs < 1) {
            throw new IllegalArgumentException("--threads and --runs must be >= 1 and --warmup >= 0");
        }
        try (Session session = Session.load(model,
                SessionOptions.defaults().withIntraOpThreads(threads).withProfiling(perLayer))) {
            Map<String, int[]> dims = shapes.resolve(session);
            Map<String, Tensor> inputs = new LinkedHashMap<>();
            SplittableRandom random = new SplittableRandom(42);
            dims.forEach((name, d) -> {
                Tensor t = Tensor.zeros(d);
                for (int i = 0; i < t.size(); i++) {
                    t.data()[i] = (float) random.nextDouble();
                }
                inputs.put(name, t);
            });
            Map<String, Tensor> outputs = session.run(inputs);
            for (int i = 0; i < warmup; i++) {
                session.run(inputs, outputs);
            }
            if (perLayer) {
                session.resetProfile();
            }
            long[] nanos = new long[runs];
            for (int i = 0; i < runs; i++) {
                long t0 = System.nanoTime();
                session.run(inputs, outputs);
                nanos[i] = System.nanoTime() - t0;
            }
            Arrays.sort(nanos);
            int batch = dims.values().iterator().next().length > 0 ? dims.values().iterator().next()[0] : 1;
            double mean = Arrays.stream(nanos).average().orElse(0) / 1e6;
            System.out.printf("%s: batch %d, %d thread%s, %d runs after %d warm-up%n", model.getFileName(), batch, threads,
                    threads > 1 ? "s" : "", runs, warmup);
            System.out.printf("latency ms: p50 %.3f  p90 %.3f  p99 %.3f  mean %.3f%n", pct(nanos, 50), pct(nanos, 90),
                    pct(nanos, 99), mean);
            System.out.printf("throughput: %.1f runs/s, %.1f images/s%n", 1e3 / mean, batch * 1e3 / mean);
            if (perLayer) {
                printLayers(session.profile());
            }
        }
        return 0;
    }

    /** The profile as a table, steps in execution order, each with its share of the steps' total. */
    private static void printLayers(List<LayerTime> layers) {
        double total = layers.stream().mapToDouble(LayerTime::meanMicros).sum();
        System.out.printf("%n%-28s %-36s %-20s %10s %7s %8s%n", "layer", "operators", "output", "mean us", "share", "GFLOPS");
        for (LayerTime t : layers) {
            System.out.printf("%-28s %-36s %-20s %10.1f %6.1f%% %8.1f%n", t.layer().node(), t.layer().operator(),
                    Arrays.toString(t.layer().outputDims()).replace(" ", ""), t.meanMicros(),
                    total == 0 ? 0 : 100 * t.meanMicros() / total, t.gflops());
        }
        System.out.printf("%-28s %-36s %-20s %10.1f%n", "steps' total", "", "", total);
    }

    private static double pct(long[] sorted, int p) {
        return sorted[Math.min(sorted.length - 1, (int) Math.ceil(p / 100.0 * sorted.length) - 1)] / 1e6;
    }
}
