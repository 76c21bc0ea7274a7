package dev.striate.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.ToDoubleFunction;
import org.openjdk.jmh.results.BenchmarkResult;
import org.openjdk.jmh.results.IterationResult;
import org.openjdk.jmh.results.Result;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.util.ListStatistics;

/**
 * The passes of {@link ConvBenchmark#trainingStep}, iteration by iteration (every fork's): each
 * figure is a statistic of per-iteration values, so a pass's GFLOPS and the backward/forward ratio
 * come from the same steps. Immutable.
 *
 * @param iterations one entry per measured iteration: its steps and each pass's nanoseconds
 */
record StepPasses(List<Iteration> iterations) {

    /** One iteration's steps and the nanoseconds its forward, backward-data and backward-weights passes took. */
    record Iteration(long steps, double forwardNanos, double backwardDataNanos, double backwardWeightsNanos) {

        double backwardOverForward() {
            return (backwardDataNanos + backwardWeightsNanos) / forwardNanos;
        }
    }

    /** A mean over the iterations with JMH's 99.9% confidence half-width (Student's t); NaN, and not printed, under three iterations. */
    record Estimate(double mean, double error) {

        String format(String pattern) {
            return Double.isNaN(error) ? String.format(Locale.ROOT, pattern, mean)
                    : String.format(Locale.ROOT, pattern + " ± " + pattern, mean, error);
        }
    }

    /** @throws IllegalArgumentException if an iteration lacks the pass counters */
    static StepPasses of(RunResult run) {
        List<Iteration> iterations = new ArrayList<>();
        for (BenchmarkResult fork : run.getBenchmarkResults()) {
            for (IterationResult it : fork.getIterationResults()) {
                iterations.add(new Iteration(it.getMetadata().getMeasuredOps(), counter(it, "forwardNanos"),
                        counter(it, "backwardDataNanos"), counter(it, "backwardWeightsNanos")));
            }
        }
        return new StepPasses(iterations);
    }

    private static double counter(IterationResult it, String name) {
        Result<?> r = it.getSecondaryResults().get(name);
        if (r == null) {
            throw new IllegalArgumentException("trainingStep iteration without its " + name + " counter");
        }
        return r.getScore();
    }

    /** (backward-data + backward-weights) / forward time, per iteration. */
    Estimate backwardOverForward() {
        return estimate(Iteration::backwardOverForward);
    }

    /**
     * GFLOPS of one pass over the iterations, for a pass of {@code flops}: {@code
     * gflops(Iteration::backwardDataNanos, flops)} (the backward-weights pass includes the bias's gradient).
     */
    Estimate gflops(ToDoubleFunction<Iteration> passNanos, double flops) {
        return estimate(i -> flops * i.steps() / passNanos.applyAsDouble(i));
    }

    /** The conv table's step columns for a pass of {@code flops}: forward, dx and dw+db GFLOPS, then bwd/fwd. */
    String tableCells(double flops) {
        return gflops(Iteration::forwardNanos, flops).format("%.1f") + " | "
                + gflops(Iteration::backwardDataNanos, flops).format("%.1f") + " | "
                + gflops(Iteration::backwardWeightsNanos, flops).format("%.1f") + " | "
                + backwardOverForward().format("%.2f");
    }

    private Estimate estimate(ToDoubleFunction<Iteration> value) {
        ListStatistics s = new ListStatistics();
        for (Iteration i : iterations) {
            s.addValue(value.applyAsDouble(i));
        }
        return new Estimate(s.getMean(), s.getMeanErrorAt(0.999));
    }
}
