package dev.striate.bench;

import dev.striate.gemm.GemmConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;

/**
 * {@code ./striate bench tune}: sweeps the GEMM's micro-kernel and cache blocks (MC, KC, then NC for
 * the best) and the convolution's two algorithm thresholds (pixels from which Winograd runs, pixels
 * below which the product runs transposed) on this machine with JMH, within a time budget, printing
 * each candidate as it is measured; writes the best as a tuning profile that the engine picks up
 * ({@code -Dstriate.tuning=FILE}, or on the classpath as {@code striate-tuning.properties}); then
 * times the built-in GEMM blocking against the tuned one in one run and prints the table.
 *
 * <p>Score of a candidate: the geometric mean of its GFLOPS over the shapes (one thread), so no shape
 * dominates. Candidates run in a fixed order, the built-in default first; the sweep stops when the
 * budget is spent.
 *
 * <p>Usage: {@code TuneSuite [--minutes 10] [--shapes 512,resnet-3x3-64,resnet-1x1-256-64]
 * [--out striate-tuning.properties]}.
 */
public final class TuneSuite {

    static final String USAGE = "./striate bench tune [--minutes 10] [--shapes 512,resnet-3x3-64,resnet-1x1-256-64] "
            + "[--out striate-tuning.properties]";

    private record Candidate(String kernel, int mc, int kc, int nc) {
        String[] jvmArgs() {
            return new String[] {"-Dstriate.gemm.kernel=" + kernel, "-Dstriate.gemm.mc=" + mc, "-Dstriate.gemm.kc=" + kc,
                    "-Dstriate.gemm.nc=" + nc, "-Dstriate.tuning=/dev/null"};
        }

        @Override
        public String toString() {
            return "kernel=" + kernel + " mc=" + mc + " kc=" + kc + " nc=" + nc;
        }
    }

    private TuneSuite() {
    }

    public static void main(String[] args) throws RunnerException, IOException {
        Map<String, String> opt = SuiteOptions.parseOrExit(args, Set.of(), USAGE);
        double minutes = Double.parseDouble(opt.getOrDefault("minutes", "10"));
        String[] shapes = opt.getOrDefault("shapes", "512,resnet-3x3-64,resnet-1x1-256-64").split(",");
        for (String s : shapes) {
            GemmShape.parse(s); // fail fast on an unknown name
        }
        Path out = Path.of(opt.getOrDefault("out", "striate-tuning.properties"));
        List<Candidate> candidates = candidates(GemmConfig.defaults());
        long start = System.nanoTime();
        // The GEMM grid gets 60% of the budget; NC and the two convolution thresholds share the rest.
        long gemmDeadline = start + (long) (minutes * 0.6 * 60e9);
        long deadline = start + (long) (minutes * 60e9);
        List<double[]> scores = new ArrayList<>(); // {candidate index, geomean GFLOPS}
        for (int i = 0; i < candidates.size() && System.nanoTime() < gemmDeadline; i++) {
            scores.add(new double[] {i, score(candidates.get(i), shapes, start, minutes)});
        }
        scores.sort(Comparator.comparingDouble((double[] s) -> -s[1]));
        Candidate best = candidates.get((int) scores.get(0)[0]);
        double bestScore = scores.get(0)[1];
        for (int nc : new int[] {2040, 8160}) {
            Candidate c = new Candidate(best.kernel, best.mc, best.kc, nc);
            if (System.nanoTime() < deadline && !c.equals(best)) {
                candidates.add(c);
                double s = score(c, shapes, start, minutes);
                scores.add(new double[] {candidates.size() - 1, s});
                if (s > bestScore) {
                    best = c;
                    bestScore = s;
                }
            }
        }
        scores.sort(Comparator.comparingDouble((double[] s) -> -s[1]));
        int winogradMinPixels = convThreshold("winogradMinPixels", new int[] {196, 49, 784},
                new String[] {"resnet-3x3-512", "resnet-3x3-256", "resnet-3x3-128"}, best, new String[0], start, minutes, deadline);
        int transposedMaxPixels = convThreshold("transposedMaxPixels", new int[] {256, 64, 1024},
                new String[] {"resnet-3x3-512", "alexnet-conv3", "resnet-1x1-s2"}, best,
                new String[] {"-Dstriate.conv.winogradMinPixels=" + winogradMinPixels}, start, minutes, deadline);
        StringBuilder profile = new StringBuilder();
        profile.append("# Striate GEMM tuning profile, written by ./striate bench tune on ").append(LocalDate.now()).append('\n');
        profile.append("# Machine: ").append(Machine.current()).append('\n');
        profile.append("# Shapes: ").append(String.join(", ", shapes)).append("; one thread; best of ").append(scores.size())
                .append(" candidates by the geometric mean of GFLOPS:\n");
        for (int i = 0; i < Math.min(5, scores.size()); i++) {
            profile.append(String.format(Locale.ROOT, "#   %.1f GFLOPS  %s%n", scores.get(i)[1], candidates.get((int) scores.get(i)[0])));
        }
        profile.append("gemm.kernel=").append(best.kernel).append('\n').append("gemm.mc=").append(best.mc).append('\n')
                .append("gemm.kc=").append(best.kc).append('\n').append("gemm.nc=").append(best.nc).append('\n')
                .append("conv.winogradMinPixels=").append(winogradMinPixels).append('\n')
                .append("conv.transposedMaxPixels=").append(transposedMaxPixels).append('\n');
        Files.writeString(out, profile);
        System.out.println("Written: " + out + " (" + best + ")");

        // Default against tuned, measured together with longer iterations.
        Candidate def = candidates.get(0);
        List<RunResult> before = measure(def, shapes, 3, 5, 1000);
        List<RunResult> after = measure(best, shapes, 3, 5, 1000);
        StringBuilder table = new StringBuilder("| shape | default (" + def + ") GFLOPS | tuned (" + best + ") GFLOPS | tuned / default |\n"
                + "|---|---|---|---|\n");
        for (int i = 0; i < shapes.length; i++) {
            double flops = GemmShape.parse(shapes[i]).flops();
            GemmSuite.Measurement d = GemmSuite.Measurement.of(before.get(i), flops, false);
            GemmSuite.Measurement t = GemmSuite.Measurement.of(after.get(i), flops, false);
            table.append("| ").append(shapes[i]).append(" | ").append(d.format()).append(" | ").append(t.format())
                    .append(String.format(Locale.ROOT, " | %.2f |%n", t.gflops() / d.gflops()));
        }
        Path results = Path.of("bench/results");
        Files.createDirectories(results);
        Files.writeString(results.resolve("tune.md"), table);
        System.out.println();
        System.out.println(table);
        System.out.println("Use it: -Dstriate.tuning=" + out + " (or put it on the classpath as striate-tuning.properties).");
    }

    /** Measures candidate c on the shapes and prints the progress line; returns the geometric-mean GFLOPS. */
    private static double score(Candidate c, String[] shapes, long start, double minutes) throws RunnerException {
        double score = geomean(measure(c, shapes, 2, 3, 500));
        System.out.printf(Locale.ROOT, "[tune %.1f of %.1f min] %s: %.1f GFLOPS (geometric mean)%n",
                (System.nanoTime() - start) / 60e9, minutes, c, score);
        return score;
    }

    /**
     * The value of a convolution threshold ({@code striate.conv.NAME}) with the best geometric-mean
     * forward GFLOPS over {@code layers}, the built-in value (first) unless another measures better;
     * the built-in value when the budget is spent.
     */
    private static int convThreshold(String name, int[] values, String[] layers, Candidate gemm, String[] extra, long start,
                                     double minutes, long deadline) throws RunnerException {
        int best = values[0];
        double bestScore = 0;
        for (int value : values) {
            if (System.nanoTime() >= deadline) {
                System.out.println("[tune] conv." + name + ": budget spent, keeping " + best);
                break;
            }
            List<String> args = new ArrayList<>(List.of(gemm.jvmArgs()));
            args.addAll(List.of(extra));
            args.add("-Dstriate.conv." + name + "=" + value);
            double log = 0;
            for (String layer : layers) {
                RunResult r = new Runner(new OptionsBuilder().include(ConvBenchmark.class.getName() + ".forward$")
                        .param("layer", layer).param("threads", "1").forks(1).jvmArgsAppend(args.toArray(String[]::new))
                        .warmupIterations(3).measurementIterations(3).warmupTime(TimeValue.seconds(1))
                        .measurementTime(TimeValue.milliseconds(500)).shouldFailOnError(true).build()).run().iterator().next();
                log += Math.log(ConvLayers.problem(layer, 1).flops() / r.getPrimaryResult().getScore() / 1e3);
            }
            double score = Math.exp(log / layers.length);
            System.out.printf(Locale.ROOT, "[tune %.1f of %.1f min] conv.%s=%d: %.1f GFLOPS (geometric mean over %s)%n",
                    (System.nanoTime() - start) / 60e9, minutes, name, value, score, String.join(", ", layers));
            if (score > bestScore) {
                best = value;
                bestScore = score;
            }
        }
        return best;
    }

    /** The built-in default first, then the kernels × KC × MC grid (NC fixed: it matters least on small L3 shares). */
    private static List<Candidate> candidates(GemmConfig builtIn) {
        List<Candidate> list = new ArrayList<>();
        list.add(new Candidate(builtIn.kernel(), builtIn.mc(), builtIn.kc(), builtIn.nc()));
        for (String k : new String[] {"3x3v", "2x4v", "6x2v", "8x2v"}) {
            for (int kc : new int[] {256, 512, 768, 1024, 1536}) {
                for (int mc : new int[] {72, 144, 288}) {
                    Candidate c = new Candidate(k, mc, kc, builtIn.nc());
                    if (!list.contains(c)) {
                        list.add(c);
                    }
                }
            }
        }
        return list;
    }

    /** GemmBenchmark.striate on one thread for each shape, under candidate c's blocking; results in shape order. */
    private static List<RunResult> measure(Candidate c, String[] shapes, int warmup, int iterations, int millis)
            throws RunnerException {
        List<RunResult> results = new ArrayList<>();
        for (String shape : shapes) {
            results.addAll(new Runner(new OptionsBuilder().include(GemmBenchmark.class.getName() + ".striate$")
                    .param("shape", shape).param("threads", "1").forks(1).jvmArgsAppend(c.jvmArgs())
                    .warmupIterations(warmup).measurementIterations(iterations)
                    .warmupTime(TimeValue.milliseconds(millis)).measurementTime(TimeValue.milliseconds(millis))
                    .shouldFailOnError(true).build()).run());
        }
        return results;
    }

    private static double geomean(List<RunResult> results) {
        double log = 0;
        for (RunResult r : results) {
            log += Math.log(GemmShape.parse(r.getParams().getParam("shape")).flops() / r.getPrimaryResult().getScore() / 1e3);
        }
        return Math.exp(log / results.size());
    }
}
