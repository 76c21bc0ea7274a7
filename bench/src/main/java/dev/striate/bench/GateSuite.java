package dev.striate.bench;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.results.format.ResultFormatFactory;
import org.openjdk.jmh.results.format.ResultFormatType;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.ChainedOptionsBuilder;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;

/**
 * The regression gate's runner: a named suite of the key benchmarks, JMH JSON plus the machine's
 * identity in one file for {@link Compare}.
 *
 * <ul>
 *   <li>{@code quick} (CI, about 2 minutes): GEMM 256³ and a ResNet 1x1 shape, ResNet's 3x3 conv
 *       layer forward, ReLU and 3x3/2 max pooling, SqueezeNet 1.1 and LeNet-5 batch 1 — one fork,
 *       one thread, 3 × 1 s warm-up, 3 × 1 s measured.</li>
 *   <li>{@code full} (release numbers, about 25 minutes): the same benchmarks over all their shapes
 *       and 1 and 2 threads, two forks, 5 × 1 s warm-up, 5 × 1 s measured.</li>
 * </ul>
 *
 * <p>Usage: {@code GateSuite quick|full [--out FILE.json]} (default {@code bench/results/gate-<suite>.json}).
 */
public final class GateSuite {

    private GateSuite() {
    }

    /** One benchmark method with the parameters the quick suite pins (the full suite takes all). */
    private record Entry(String method, Map<String, String[]> quickParams) {
    }

    private static final List<Entry> ENTRIES = List.of(
            new Entry(GemmBenchmark.class.getName() + ".striate", Map.of("shape", new String[] {"256", "resnet-1x1-256-64"},
                    "threads", new String[] {"1"})),
            new Entry(ConvBenchmark.class.getName() + ".forward", Map.of("layer", new String[] {"resnet-3x3-64"},
                    "threads", new String[] {"1"})),
            new Entry(LayerBenchmark.class.getName() + ".striate", Map.of("workload",
                    new String[] {"relu@1x64x112x112", "maxpool3s2@1x64x112x112"}, "threads", new String[] {"1"})),
            new Entry(ModelBenchmark.class.getName() + ".striate", Map.of("model", new String[] {"squeezenet11", "lenet5"},
                    "threads", new String[] {"1"}, "batch", new String[] {"1"})));

    public static void main(String[] args) throws RunnerException, IOException {
        String usage = "./striate bench gate quick|full [--out FILE.json]";
        if (args.length == 0 || !Set.of("quick", "full").contains(args[0])) {
            SuiteOptions.parseOrExit(args, Set.of(), usage); // --help
            System.err.println("error: the first argument names the suite, quick or full");
            System.err.println("usage: " + usage);
            System.exit(2);
        }
        boolean quick = args[0].equals("quick");
        Map<String, String> opt = SuiteOptions.parseOrExit(java.util.Arrays.copyOfRange(args, 1, args.length), Set.of(), usage);
        Path out = Path.of(opt.getOrDefault("out", "bench/results/gate-" + args[0] + ".json"));
        List<RunResult> results = new ArrayList<>();
        for (Entry e : ENTRIES) {
            ChainedOptionsBuilder b = new OptionsBuilder().include(e.method.replace(".", "\\.") + "$")
                    .forks(quick ? 1 : 2).warmupIterations(quick ? 3 : 5).measurementIterations(quick ? 3 : 5)
                    .warmupTime(TimeValue.seconds(1)).measurementTime(TimeValue.seconds(1)).shouldFailOnError(true);
            if (quick) {
                e.quickParams.forEach(b::param);
            }
            results.addAll(new Runner(b.build()).run());
        }
        ByteArrayOutputStream json = new ByteArrayOutputStream();
        try (PrintStream p = new PrintStream(json, true, StandardCharsets.UTF_8)) {
            ResultFormatFactory.getInstance(ResultFormatType.JSON, p).writeOut(results);
        }
        Files.createDirectories(out.toAbsolutePath().getParent());
        BenchReport.write(out, Machine.current(), json.toString(StandardCharsets.UTF_8));
        System.out.println("Written: " + out + " (" + results.size() + " benchmarks on " + Machine.current() + ")");
    }
}
