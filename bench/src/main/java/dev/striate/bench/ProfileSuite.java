package dev.striate.bench;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.striate.onnx.LayerTime;
import dev.striate.onnx.Session;
import dev.striate.onnx.SessionOptions;
import dev.striate.tensor.Tensor;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * Where a model's time goes, layer by layer, in both engines: Striate's per-step times
 * ({@link Session#profile}) beside ONNX Runtime's per-node kernel times (its own profiler), on the
 * same model in one process, the two sessions run alternately after a warm-up, means per layer over
 * the timed runs. Not JMH: a
 * map of the differences to read beside {@link ModelSuite}'s latencies, not a measurement with
 * errors.
 *
 * <p>The two engines fuse differently — ONNX Runtime runs a residual Add and a Concat inside its
 * NCHWc convolutions, Striate writes a Concat's inputs in place and runs the Add (its Relu fused)
 * after the convolution — so layers are aligned on the ones both run as steps of their own (convolutions,
 * pools, GEMMs), in execution order, each with the element-wise steps after it folded in
 * ({@link #align}). Where the two orders differ (ONNX Runtime runs a residual block's downsample
 * first) the rows of such a pair are to be read together.
 *
 * <p>Usage: {@code ProfileSuite [--models a,b] [--threads 1,2] [--runs N] [--warmup N] [--out DIR]}.
 */
public final class ProfileSuite {

    static final String USAGE = "./striate bench profile [--models a,b] [--threads 1,2] [--runs N] [--warmup N] [--out DIR]";

    /** Op types both engines run as a step of their own; what follows one until the next is folded into it. */
    private static final Set<String> ANCHORS = Set.of("Conv", "MaxPool", "AveragePool", "GlobalAveragePool", "GlobalMaxPool",
            "Gemm", "MatMul");

    /** Runs of one engine before the other's turn ({@link #profile}). */
    private static final int BLOCK = 50;

    /**
     * The pause between the two engines' blocks, longer than either's idle workers spin. With blocks
     * of 10 and no pause, Striate's two-thread SqueezeNet steps took 1.9–2.2× their time in a
     * Striate-only loop (conv1 421 µs against 190, the last 1x1 layer 913 against 457; sums 2.16× ONNX
     * Runtime's where JMH measured 1.29×); paused, 1.56×; paused blocks of 50, 1.26× (conv1 210 µs).
     */
    private static final long SPIN_OUT_MILLIS = 20;

    private ProfileSuite() {
    }

    /** One layer's mean time: its name, op types ('+'-joined where fused) and output dims (empty where unknown). */
    record Layer(String name, String operator, String output, double micros) {
    }

    /** One aligned row: Striate's step and ONNX Runtime's node, each with what was folded into it. */
    record Row(Layer striate, Layer onnxRuntime) {
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> opt = SuiteOptions.parseOrExit(args, Set.of(), USAGE);
        String[] models = opt.getOrDefault("models", "resnet18,mobilenetv2,squeezenet11").split(",");
        int runs = Integer.parseInt(opt.getOrDefault("runs", "200"));
        int warmup = Integer.parseInt(opt.getOrDefault("warmup", "50"));
        Path out = Path.of(opt.getOrDefault("out", "bench/results"));
        Files.createDirectories(out);
        StringBuilder report = new StringBuilder();
        for (String model : models) {
            byte[] bytes = ModelBenchmark.graph(model).toByteArray();
            int[] dims = model.equals("lenet5") ? new int[] {1, 1, 28, 28} : new int[] {1, 3, 224, 224};
            for (String t : opt.getOrDefault("threads", "1").split(",")) {
                int threads = Integer.parseInt(t);
                List<List<Layer>> both = profile(bytes, dims, threads, warmup, runs);
                report.append(render(model, threads, runs, align(both.get(0), both.get(1)), both.get(0), both.get(1)))
                        .append('\n');
            }
        }
        Files.writeString(out.resolve("profile.md"), report);
        System.out.println(report);
        System.out.println("Written: " + out.resolve("profile.md"));
    }

    /**
     * Both engines' layers, Striate's first: the two sessions run alternately, {@value #BLOCK} runs
     * each at a time with a pause of {@value #SPIN_OUT_MILLIS} ms between, so that a machine whose
     * load drifts slows both alike. Not one run each: both engines' idle workers spin for a while
     * after a run (ours 0.5 ms, ONNX Runtime's by default), and on two cores each one's spinning
     * slowed the other's next run (ResNet-18's layers on two threads took 2.2× ONNX Runtime's that
     * way, 1.3× in blocks); a block's first run, after the pause, still finds colder caches.
     */
    private static List<List<Layer>> profile(byte[] model, int[] dims, int threads, int warmup, int runs)
            throws OrtException, IOException, InterruptedException {
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        Path dir = Files.createTempDirectory("striate-ort-profile");
        Tensor x = input(dims);
        try (Session striate = Session.load(model, SessionOptions.defaults().withIntraOpThreads(threads).withProfiling(true));
             OrtSession.SessionOptions options = OrtSupport.options(threads)) {
            options.enableProfiling(dir.resolve("ort").toString());
            Map<String, Tensor> in = Map.of(striate.inputNames().get(0), x);
            Map<String, Tensor> outputs = striate.run(in);
            String trace;
            try (OrtSession ort = env.createSession(model, options);
                 OnnxTensor ortX = OrtSupport.tensor(env, x.data(), dims)) {
                Map<String, OnnxTensor> ortIn = Map.of(ort.getInputNames().iterator().next(), ortX);
                for (int done = -warmup; done < runs; done += BLOCK) {
                    if (done == 0) {
                        striate.resetProfile();
                    }
                    int n = Math.min(BLOCK, done < 0 ? -done : runs - done);
                    for (int i = 0; i < n; i++) {
                        striate.run(in, outputs);
                    }
                    Thread.sleep(SPIN_OUT_MILLIS);
                    for (int i = 0; i < n; i++) {
                        ort.run(ortIn).close();
                    }
                    Thread.sleep(SPIN_OUT_MILLIS);
                }
                trace = Files.readString(Path.of(ort.endProfiling()));
            }
            List<Layer> ours = new ArrayList<>();
            for (LayerTime l : striate.profile()) {
                ours.add(new Layer(l.layer().node(), l.layer().operator(),
                        Arrays.toString(l.layer().outputDims()).replace(" ", ""), l.meanMicros()));
            }
            return List.of(ours, onnxRuntimeLayers(trace, runs));
        } finally {
            try (var files = Files.list(dir)) {
                for (Path p : files.toList()) {
                    Files.deleteIfExists(p);
                }
            }
            Files.deleteIfExists(dir);
        }
    }

    /**
     * ONNX Runtime's profile (a Chrome trace: events of category "Node" named {@code <node>_kernel_time},
     * durations in µs) as each node's mean over its last {@code runs} occurrences, in order of first
     * occurrence.
     */
    static List<Layer> onnxRuntimeLayers(String trace, int runs) {
        Map<String, List<Double>> times = new LinkedHashMap<>();
        Map<String, String> ops = new LinkedHashMap<>();
        for (JsonElement e : JsonParser.parseString(trace).getAsJsonArray()) {
            JsonObject event = e.getAsJsonObject();
            String name = event.has("name") ? event.get("name").getAsString() : "";
            if (!"Node".equals(event.has("cat") ? event.get("cat").getAsString() : "") || !name.endsWith("_kernel_time")) {
                continue;
            }
            String node = name.substring(0, name.length() - "_kernel_time".length());
            times.computeIfAbsent(node, k -> new ArrayList<>()).add(event.get("dur").getAsDouble());
            ops.put(node, event.getAsJsonObject("args").get("op_name").getAsString());
        }
        List<Layer> layers = new ArrayList<>();
        times.forEach((node, t) -> {
            List<Double> last = t.subList(Math.max(0, t.size() - runs), t.size());
            layers.add(new Layer(node, ops.get(node), "", last.stream().mapToDouble(Double::doubleValue).average().orElse(0)));
        });
        return layers;
    }

    /**
     * The two lists' anchor layers paired in order, each with the time of the non-anchor layers
     * after it added (and their op types appended in parentheses); layers before the first anchor
     * are folded into it. Empty when the engines run different numbers of anchors: then there is no
     * order to pair by.
     */
    static List<Row> align(List<Layer> striate, List<Layer> onnxRuntime) {
        List<Layer> a = folded(striate);
        List<Layer> b = folded(onnxRuntime);
        List<Row> rows = new ArrayList<>();
        if (a.size() != b.size()) {
            return rows;
        }
        for (int i = 0; i < a.size(); i++) {
            rows.add(new Row(a.get(i), b.get(i)));
        }
        return rows;
    }

    private static List<Layer> folded(List<Layer> layers) {
        List<Layer> out = new ArrayList<>();
        double before = 0;
        String beforeOps = "";
        for (Layer l : layers) {
            if (ANCHORS.contains(l.operator.split("\\+")[0])) {
                out.add(new Layer(l.name, beforeOps + l.operator, l.output, l.micros + before));
                before = 0;
                beforeOps = "";
            } else if (out.isEmpty()) {
                before += l.micros;
                beforeOps += "(" + l.operator + ")";
            } else {
                Layer last = out.removeLast();
                out.add(new Layer(last.name, last.operator + "(+" + l.operator + ")", last.output, last.micros + l.micros));
            }
        }
        return out;
    }

    static String render(String model, int threads, int runs, List<Row> rows, List<Layer> striate, List<Layer> onnxRuntime) {
        StringBuilder s = new StringBuilder();
        double ours = striate.stream().mapToDouble(Layer::micros).sum();
        double theirs = onnxRuntime.stream().mapToDouble(Layer::micros).sum();
        s.append(String.format("## %s, %d thread%s (mean µs over %d runs)%n%n", model, threads, threads > 1 ? "s" : "", runs));
        if (rows.isEmpty()) {
            s.append("The engines run different numbers of convolutions, pools and GEMMs: listed apart.\n\n");
            s.append("| Striate step | operators | µs |\n|---|---|---|\n");
            striate.forEach(l -> s.append(String.format("| %s | %s | %.1f |%n", l.name, l.operator, l.micros)));
            s.append("\n| ONNX Runtime node | operator | µs |\n|---|---|---|\n");
            onnxRuntime.forEach(l -> s.append(String.format("| %s | %s | %.1f |%n", l.name, l.operator, l.micros)));
        } else {
            s.append("| # | Striate step | operators | output | Striate µs | ONNX Runtime node | ONNX Runtime µs | ratio |\n");
            s.append("|---|---|---|---|---|---|---|---|\n");
            for (int i = 0; i < rows.size(); i++) {
                Layer a = rows.get(i).striate();
                Layer b = rows.get(i).onnxRuntime();
                s.append(String.format("| %d | %s | %s | %s | %.1f | %s | %.1f | %.2f |%n", i, a.name, a.operator, a.output,
                        a.micros, b.name + (b.operator.equals("Conv") ? "" : " " + b.operator), b.micros, a.micros / b.micros));
            }
        }
        s.append(String.format("%nSum of the layers: Striate %.0f µs, ONNX Runtime %.0f µs (%.2f).%n", ours, theirs, ours / theirs));
        return s.toString();
    }

    /** The same seeded input for both engines. */
    private static Tensor input(int[] dims) {
        Tensor x = Tensor.zeros(dims);
        SplittableRandom random = new SplittableRandom(7);
        for (int i = 0; i < x.size(); i++) {
            x.data()[i] = (float) random.nextGaussian();
        }
        return x;
    }
}
