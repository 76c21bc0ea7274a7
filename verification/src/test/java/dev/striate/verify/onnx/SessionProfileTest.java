package dev.striate.verify.onnx;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.striate.onnx.LayerTime;
import dev.striate.onnx.PlannedLayer;
import dev.striate.onnx.Session;
import dev.striate.onnx.SessionOptions;
import dev.striate.tensor.Tensor;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A profiled session reports every computing step of its latest run's plan, with the runs it was
 * timed in; an unprofiled one refuses, as does one that has not run.
 */
class SessionProfileTest {

    static final int[] SMALL = {1, 3, 32, 32};
    static final int[] OTHER = {2, 3, 40, 36};

    @Test
    void profileTimesEveryComputingStepOfTheLatestRunsShapes() throws Exception {
        byte[] model = OnnxArchitectures.squeezenet11(10, 5).toByteArray();
        Map<String, Tensor> small = OnnxChecks.randomInputs(Map.of("input", SMALL), 1);
        Map<String, Tensor> other = OnnxChecks.randomInputs(Map.of("input", OTHER), 2);
        try (Session plain = Session.load(model, SessionOptions.defaults())) {
            plain.run(small);
            assertThrows(IllegalStateException.class, plain::profile);
        }
        try (Session session = Session.load(model, SessionOptions.defaults().withProfiling(true))) {
            assertThrows(IllegalStateException.class, session::profile, "no run yet");
            for (int i = 0; i < 3; i++) {
                session.run(small);
            }
            List<LayerTime> times = session.profile();
            List<PlannedLayer> planned = session.layers(Map.of("input", SMALL));
            List<String> plannedNodes = planned.stream().map(PlannedLayer::node).toList();
            int last = -1;
            for (LayerTime t : times) {
                int at = plannedNodes.indexOf(t.layer().node());
                assertTrue(at > last, t.layer().node() + " out of the plan's order");
                last = at;
                assertEquals(3, t.runs(), t.layer().node());
                assertTrue(t.totalNanos() > 0 && t.meanMicros() > 0, t.layer().node() + " was not timed");
            }
            // Concats written in place by their inputs' producers take no step of their own
            assertTrue(times.size() < planned.size() && times.size() > planned.size() / 2, times.size() + " of " + planned.size());
            assertTrue(times.stream().anyMatch(t -> t.layer().operator().equals("Conv+Relu") && t.gflops() > 0), "fused conv");

            session.run(other);
            List<LayerTime> second = session.profile();
            second.forEach(t -> assertEquals(1, t.runs(), "the latest shapes' plan: " + t.layer().node()));
            assertEquals(OTHER[0], second.get(0).layer().outputDims()[0]);

            session.resetProfile();
            session.profile().forEach(t -> assertEquals(0.0, t.meanMicros() + t.runs() + t.totalNanos() + t.gflops()));
            session.run(other);
            session.profile().forEach(t -> assertEquals(1, t.runs()));
        }
    }
}
