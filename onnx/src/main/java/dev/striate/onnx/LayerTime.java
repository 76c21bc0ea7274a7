package dev.striate.onnx;

/**
 * One step's share of a profiled session's runs ({@link Session#profile}): what the step computes
 * and the time it took.
 *
 * <p>Thread-safety: a snapshot, immutable as {@link PlannedLayer} is.
 *
 * @param layer      the step: its node, fused op types, output dims and flops
 * @param runs       the runs it was timed in
 * @param totalNanos its wall time summed over those runs
 */
public record LayerTime(PlannedLayer layer, long runs, long totalNanos) {

    /** Microseconds per run (0 before the first run). */
    public double meanMicros() {
        return runs == 0 ? 0 : totalNanos / 1e3 / runs;
    }

    /** GFLOPS at the mean time (0 before the first run or for a step without arithmetic). */
    public double gflops() {
        return totalNanos == 0 ? 0 : (double) layer.flops() * runs / totalNanos;
    }
}
