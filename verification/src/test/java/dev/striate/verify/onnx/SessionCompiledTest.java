package dev.striate.verify.onnx;

import dev.striate.onnx.Session;
import dev.striate.onnx.SessionOptions;
import dev.striate.onnx.proto.OnnxProto.ModelProto;
import dev.striate.tensor.Tensor;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.lang.management.ManagementFactory;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Steady-state sessions allocate nothing, on any thread, when the caller passes output tensors: run
 * in the compiled-kernels fork (-Xbatch) so the measured runs are JIT-compiled code.
 */
class SessionCompiledTest {

    private static final int WARM_UP_RUNS = 1500;

    private final com.sun.management.ThreadMXBean threads =
            (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

    static Stream<Arguments> models() {
        return Stream.of(
                Arguments.of("mobilenet_v2", OnnxArchitectures.mobilenetV2(10, 2), new int[] {1, 3, 32, 32}),
                Arguments.of("squeezenet1_1", OnnxArchitectures.squeezenet11(10, 3), new int[] {1, 3, 35, 35}),
                Arguments.of("lenet5", OnnxArchitectures.leNet5(4), new int[] {4, 1, 28, 28}),
                Arguments.of("decoder", OnnxArchitectures.decoder(5), new int[] {2, 3, 16, 16}));
    }


    @ParameterizedTest(name = "{0}")
    @MethodSource("models")
    void runsIntoCallerOutputsAllocateNothing(String name, ModelProto model, int[] dims) {
        for (int intraOp : new int[] {1, 2}) {
            try (Session session = Session.load(model.toByteArray(), SessionOptions.defaults().withIntraOpThreads(intraOp))) {
                Map<String, Tensor> inputs = OnnxChecks.randomInputs(Map.of("input", dims), 1);
                Map<String, Tensor> outputs = session.run(inputs);
                for (int i = 0; i < WARM_UP_RUNS; i++) {
                    session.run(inputs, outputs);
                }
                long[] workers = Thread.getAllStackTraces().keySet().stream()
                        .filter(t -> t.getName().startsWith("striate-worker-")).mapToLong(Thread::threadId).toArray();
                long before = allocatedBy(workers);
                for (int i = 0; i < 10; i++) {
                    session.run(inputs, outputs);
                }
                assertEquals(0, allocatedBy(workers) - before, name + ", " + intraOp + " intra-op threads: bytes allocated by 10 runs");
            }
        }
    }

    private long allocatedBy(long[] threadIds) {
        long sum = threads.getCurrentThreadAllocatedBytes();
        for (long id : threadIds) {
            sum += threads.getThreadAllocatedBytes(id);
        }
        return sum;
    }
}
