package dev.striate.bench;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import dev.striate.conv.ConvProblem;
import dev.striate.conv.Convolution;
import dev.striate.tensor.Tensor;
import java.nio.FloatBuffer;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The hand-written ONNX model is the layer Striate computes: ONNX Runtime's output for it agrees with
 * Striate's forward on every hyperparameter the benchmarks use (and asymmetric padding, dilation,
 * groups). If an attribute were mis-encoded the benchmark would compare different layers.
 */
class OnnxConvModelTest {

    @ParameterizedTest
    @ValueSource(strings = {"mb1ic3ih11oc4kh3ph1", "mb2ic4ih9iw7oc6kh3kw2sh2sw1ph0pw1pb2pr1dh1dw0",
        "g2mb1ic4ih8oc6kh3ph1", "g8mb1ic8ih13oc8kh3sh2ph1", "mb1ic16ih6oc8kh1"})
    void onnxRuntimeAgreesWithStriate(String descriptor) throws Exception {
        ConvProblem problem = ConvProblem.parse(descriptor);
        var p = problem.params();
        SplittableRandom random = new SplittableRandom(5);
        float[] w = GemmBenchmark.random(random, p.weightSize());
        float[] b = GemmBenchmark.random(random, p.outChannels());
        float[] x = GemmBenchmark.random(random, problem.batch() * p.inChannels() * problem.height() * problem.width());
        Tensor striate = new Convolution(p, w, b).forward(Tensor.of(x.clone(), problem.batch(), p.inChannels(),
                problem.height(), problem.width()));

        OrtEnvironment env = OrtEnvironment.getEnvironment();
        try (OrtSession session = env.createSession(OnnxConvModel.conv(problem, w, b), new OrtSession.SessionOptions());
             OnnxTensor input = OnnxTensor.createTensor(env, FloatBuffer.wrap(x),
                     new long[] {problem.batch(), p.inChannels(), problem.height(), problem.width()});
             OrtSession.Result result = session.run(Map.of("x", input))) {
            OnnxTensor y = (OnnxTensor) result.get("y").orElseThrow();
            assertArrayEquals(new long[] {problem.batch(), p.outChannels(), problem.outputHeight(), problem.outputWidth()},
                    y.getInfo().getShape());
            float[] ort = new float[striate.size()];
            y.getFloatBuffer().get(ort);
            // Both are float sums of k ≤ 28 terms |w·x| ≤ 1: the error bound 2·2⁻²⁴·(k+2)·Σ|w·x| is
            // at most 1e-4, while a mis-encoded attribute changes outputs by order 1.
            for (int i = 0; i < ort.length; i++) {
                int at = i;
                assertTrue(Math.abs(ort[i] - striate.data()[i]) <= 1e-4,
                        () -> descriptor + " y[" + at + "]: onnxruntime " + ort[at] + ", striate " + striate.data()[at]);
            }
        }
    }
}
