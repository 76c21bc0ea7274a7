package dev.striate.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The training step's figures: statistics of per-iteration values, never of passes from different iterations. */
class StepPassesTest {

    @Test
    void theRatioIsEachIterationsOwnThenAveraged() {
        // A slow forward in the first iteration and slow backward passes in the second: from the
        // totals the ratio would read (6 + 12 + 6) / 12 = 2.0; per iteration it is 1.0, 5.0 and 2.0.
        StepPasses step = new StepPasses(List.of(new StepPasses.Iteration(10, 6e6, 2e6, 4e6),
                new StepPasses.Iteration(10, 3e6, 4e6, 11e6), new StepPasses.Iteration(10, 3e6, 2e6, 4e6)));
        assertEquals(8.0 / 3, step.backwardOverForward().mean(), 1e-12);
        assertTrue(step.backwardOverForward().error() > 0, "different iterations leave an error");
    }

    @Test
    void gflopsArePerPassFromEachIterationsSteps() {
        // 1e9 flops a pass, 10 steps in 5e9 ns of backward-data: 2 GFLOPS; in 2.5e9 ns: 4 GFLOPS (twice).
        StepPasses step = new StepPasses(List.of(new StepPasses.Iteration(10, 1e9, 5e9, 1e10),
                new StepPasses.Iteration(10, 1e9, 2.5e9, 1e10), new StepPasses.Iteration(10, 1e9, 2.5e9, 1e10)));
        assertEquals(10.0 / 3, step.gflops(StepPasses.Iteration::backwardDataNanos, 1e9).mean(), 1e-12);
        StepPasses.Estimate weights = step.gflops(StepPasses.Iteration::backwardWeightsNanos, 1e9);
        assertEquals(1.0, weights.mean(), 1e-12);
        assertEquals(0.0, weights.error(), 1e-12, "equal iterations: no spread");
        assertEquals("1.00 ± 0.00", weights.format("%.2f"));
        StepPasses two = new StepPasses(step.iterations().subList(0, 2));
        assertEquals("3.00", two.gflops(StepPasses.Iteration::backwardDataNanos, 1e9).format("%.2f"), "no error printed from two iterations");
    }
}
