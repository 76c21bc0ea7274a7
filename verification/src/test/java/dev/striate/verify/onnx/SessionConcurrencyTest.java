package dev.striate.verify.onnx;

import dev.striate.onnx.Session;
import dev.striate.onnx.SessionOptions;
import dev.striate.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

/**
 * One session shared by 8 request threads, 200 runs each, on mixed inputs (different images and
 * batch sizes, so plans and workspaces are switched under load): every output bitwise equal to
 * the same input run serially.
 */
class SessionConcurrencyTest {

    @Test
    void eightThreadsTimesTwoHundredRunsMatchSerialBits() throws Exception {
        int[][] shapes = {{1, 3, 32, 32}, {2, 3, 32, 32}, {1, 3, 40, 36}, {3, 3, 32, 32}};
        try (Session session = Session.load(OnnxArchitectures.squeezenet11(10, 5).toByteArray(),
                SessionOptions.defaults().withIntraOpThreads(2))) {
            List<Map<String, Tensor>> inputs = new ArrayList<>();
            List<float[]> serial = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                Map<String, Tensor> in = OnnxChecks.randomInputs(Map.of("input", shapes[i % shapes.length]), 100 + i);
                inputs.add(in);
                serial.add(session.run(in).get(session.outputNames().get(0)).data());
            }
            ExecutorService pool = Executors.newFixedThreadPool(8);
            try {
                List<Future<?>> done = new ArrayList<>();
                for (int t = 0; t < 8; t++) {
                    int thread = t;
                    done.add(pool.submit(() -> {
                        for (int run = 0; run < 200; run++) {
                            int which = (thread + run) % inputs.size();
                            float[] got = session.run(inputs.get(which)).get(session.outputNames().get(0)).data();
                            assertArrayEquals(serial.get(which), got, "thread " + thread + " run " + run + " input " + which);
                        }
                        return null;
                    }));
                }
                for (Future<?> f : done) {
                    f.get();
                }
            } finally {
                pool.shutdown();
            }
        }
    }
}
