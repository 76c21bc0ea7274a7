package dev.striate.cli;

import dev.striate.nn.Dataset;
import dev.striate.nn.Layer;
import dev.striate.tensor.Tensor;

import java.util.Arrays;

/** Inference timing of a network: batch-1 latency percentiles and batch-64 throughput, after warm-up. */
record Latency(double p50Millis, double p99Millis, double batchImagesPerSecond) {

    private static final int WARMUP = 3000;
    private static final int SAMPLES = 5000;
    private static final int BATCH = 64;

    static Latency measure(Layer net, Dataset data) {
        int s = data.sampleShape().size();
        int[] dims = new int[data.sampleShape().rank() + 1];
        System.arraycopy(data.sampleShape().toArray(), 0, dims, 1, dims.length - 1);
        dims[0] = 1;
        Tensor[] singles = new Tensor[data.size()];
        for (int i = 0; i < singles.length; i++) {
            singles[i] = Tensor.wrap(data.inputs(), i * s, dims);
        }
        float sink = 0;
        for (int i = 0; i < WARMUP; i++) {
            sink += net.forward(singles[i % singles.length], false).data()[0];
        }
        long[] nanos = new long[SAMPLES];
        for (int i = 0; i < SAMPLES; i++) {
            long t0 = System.nanoTime();
            sink += net.forward(singles[i % singles.length], false).data()[0];
            nanos[i] = System.nanoTime() - t0;
        }
        Arrays.sort(nanos);

        dims[0] = BATCH;
        float[] batch = Arrays.copyOf(data.inputs(), BATCH * s); // the first 64 test images
        Tensor x = Tensor.wrap(batch, 0, dims);
        for (int i = 0; i < 200; i++) {
            sink += net.forward(x, false).data()[0];
        }
        int runs = 0;
        long t0 = System.nanoTime();
        long elapsed;
        do {
            sink += net.forward(x, false).data()[0];
            runs++;
            elapsed = System.nanoTime() - t0;
        } while (elapsed < 1_000_000_000L);
        if (Float.isNaN(sink)) {
            throw new IllegalStateException("inference produced NaN");
        }
        return new Latency(nanos[SAMPLES / 2] / 1e6, nanos[SAMPLES * 99 / 100] / 1e6, (double) runs * BATCH * 1e9 / elapsed);
    }
}
