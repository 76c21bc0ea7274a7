package dev.striate.bench;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import dev.striate.onnx.Session;
import dev.striate.onnx.SessionOptions;
import dev.striate.onnx.proto.OnnxProto.ModelProto;
import dev.striate.tensor.Tensor;
import dev.striate.verify.onnx.OnnxArchitectures;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.io.IOException;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

/**
 * Whole models, batch-1 and batch-8 inference: a Striate {@link Session} and ONNX Runtime's CPU
 * provider loading the <b>same .onnx file</b> (seeded weights, written once per trial), the same
 * input, the same intra-op thread count, each into a preallocated output. Setup checks that both
 * give the same output (within 1e-3 of its scale) before anything is timed. Score: milliseconds per
 * run.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Fork(value = 1, jvmArgsAppend = {"--add-modules=jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED"})
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 5, time = 1)
public class ModelBenchmark {

    @Param({"resnet18", "mobilenetv2", "squeezenet11", "lenet5"})
    public String model;

    @Param({"1"})
    public int batch;

    @Param({"1", "2"})
    public int threads;

    private Session striate;
    private Map<String, Tensor> inputs;
    private Map<String, Tensor> outputs;
    private OrtEnvironment env;
    private OrtSession ort;
    private OnnxTensor ortInput;
    private OnnxTensor ortOutput;
    private Map<String, OnnxTensor> ortInputs;
    private Map<String, OnnxTensor> ortOutputs;
    private Path file;

    /** The model's graph, seeded. */
    static ModelProto graph(String model) {
        return switch (model) {
            case "resnet18" -> OnnxArchitectures.resnet18(1000, 1);
            case "mobilenetv2" -> OnnxArchitectures.mobilenetV2(1000, 1);
            case "squeezenet11" -> OnnxArchitectures.squeezenet11(1000, 1);
            case "lenet5" -> OnnxArchitectures.leNet5(1);
            default -> throw new IllegalArgumentException("unknown model '" + model + "'");
        };
    }

    /** {@code [batch, 3, 224, 224]}; LeNet-5 {@code [batch, 1, 28, 28]}. */
    static int[] inputDims(String model, int batch) {
        return model.equals("lenet5") ? new int[] {batch, 1, 28, 28} : new int[] {batch, 3, 224, 224};
    }

    @Setup(Level.Trial)
    public void setUp() throws IOException, OrtException {
        file = Files.createTempFile("striate-" + model, ".onnx");
        Files.write(file, graph(model).toByteArray());
        int[] dims = inputDims(model, batch);
        float[] x = GemmBenchmark.random(new SplittableRandom(1), Math.multiplyExact(Math.multiplyExact(dims[0], dims[1]), dims[2] * dims[3]));
        striate = Session.load(file, SessionOptions.defaults().withIntraOpThreads(threads));
        inputs = Map.of("input", Tensor.of(x, dims));
        outputs = striate.run(inputs);
        Tensor y = outputs.values().iterator().next();

        env = OrtEnvironment.getEnvironment();
        try (OrtSession.SessionOptions options = OrtSupport.options(threads)) {
            ort = env.createSession(file.toString(), options);
        }
        ortInput = OrtSupport.tensor(env, x, dims);
        ortOutput = OrtSupport.tensor(env, new float[y.size()], y.shape().toArray());
        ortInputs = Map.of("input", ortInput);
        ortOutputs = Map.of(striate.outputNames().get(0), ortOutput);
        ort.run(ortInputs, ortOutputs).close();
        FloatBuffer reference = ortOutput.getFloatBuffer();
        double scale = 0;
        double worst = 0;
        for (int i = 0; i < y.size(); i++) {
            scale = Math.max(scale, Math.abs(reference.get(i)));
            worst = Math.max(worst, Math.abs(reference.get(i) - y.data()[i]));
        }
        if (worst > 1e-3 * scale) {
            throw new IllegalStateException(model + ": Striate and ONNX Runtime differ by " + worst + " (output scale " + scale + ")");
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() throws OrtException, IOException {
        striate.close();
        ortInput.close();
        ortOutput.close();
        ort.close();
        Files.deleteIfExists(file);
    }



    @Benchmark
    public Map<String, Tensor> striate() {
        striate.run(inputs, outputs);
        return outputs;
    }

    @Benchmark
    public OnnxTensor onnxruntime() throws OrtException {
        ort.run(ortInputs, ortOutputs).close();
        return ortOutput;
    }
}
