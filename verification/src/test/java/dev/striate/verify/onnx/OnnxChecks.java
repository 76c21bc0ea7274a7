package dev.striate.verify.onnx;

import dev.striate.onnx.Session;
import dev.striate.onnx.SessionOptions;
import dev.striate.onnx.proto.OnnxProto.ModelProto;
import dev.striate.tensor.Tensor;
import dev.striate.verify.RandomData;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Runs a model through a Session and through {@link ReferenceOnnx}, and compares. */
final class OnnxChecks {

    private OnnxChecks() {
    }

    static Map<String, Tensor> randomInputs(Map<String, int[]> dims, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        Map<String, Tensor> inputs = new LinkedHashMap<>();
        dims.forEach((name, d) -> inputs.put(name, Tensor.of(RandomData.uniform(random, Arrays.stream(d).reduce(1, (a, b) -> a * b)), d)));
        return inputs;
    }

    /**
     * Session output against the reference; every element within {@code relative · max|reference|}
     * of it (the error of float32 accumulations scales with the magnitudes summed, which the
     * output's largest magnitude bounds for these well-scaled networks).
     *
     * @return the largest error relative to max|reference|, for reports
     */
    static double compare(String what, ModelProto model, Map<String, Tensor> inputs, double relative) {
        Map<String, ReferenceOnnx.Data> refInputs = new LinkedHashMap<>();
        inputs.forEach((k, t) -> refInputs.put(k, new ReferenceOnnx.Data(t.shape().toArray(), t.copy().data())));
        Map<String, ReferenceOnnx.Data> expected = ReferenceOnnx.run(model, refInputs);
        Map<String, Tensor> got;
        try (Session session = Session.load(model.toByteArray(), SessionOptions.defaults())) {
            got = session.run(inputs);
        }
        double worst = 0;
        for (Map.Entry<String, ReferenceOnnx.Data> e : expected.entrySet()) {
            ReferenceOnnx.Data ref = e.getValue();
            Tensor t = got.get(e.getKey());
            assertArrayEquals(ref.dims(), t.shape().toArray(), what + ": shape of " + e.getKey());
            double scale = 0;
            for (float v : ref.values()) {
                scale = Math.max(scale, Math.abs(v));
            }
            scale = Math.max(scale, Float.MIN_NORMAL);
            for (int i = 0; i < ref.values().length; i++) {
                double error = Math.abs(t.data()[t.offset() + i] - ref.values()[i]) / scale;
                worst = Math.max(worst, error);
                double err = error;
                int at = i;
                assertTrue(err <= relative, () -> what + ": " + e.getKey() + "[" + at + "] = " + t.data()[t.offset() + at]
                        + ", reference " + ref.values()[at] + " (error " + err + " of max|ref| " + ")");
            }
        }
        return worst;
    }
}
