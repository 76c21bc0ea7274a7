package dev.striate.onnx;

/**
 * What one node does for one set of input shapes: its output values (shape, and elements when
 * known while planning) and how they are computed at run time.
 *
 * <ul>
 *   <li>{@code kernel} computes the outputs; null when every output is a constant or a view.</li>
 *   <li>{@code gathers}: output 0 is the inputs' elements end to end (a Concat whose slices are
 *       contiguous), so planning may have each input's producer write straight into its slice and
 *       drop the kernel.</li>
 *   <li>{@code viewOf}: output 0 is input {@code viewOf}'s elements under another shape (Reshape,
 *       Flatten, Identity), sharing its memory; -1 otherwise.</li>
 *   <li>{@code inPlace}: the kernel may write output 0 over input 0 (same shape), which planning
 *       does when input 0 is not needed afterwards.</li>
 *   <li>{@code inputViews} / {@code outputViews}: per tensor, the shape the kernel sees instead of
 *       the value's own (a 1-D convolution seen as 2-D with height 1); null entries keep it.</li>
 * </ul>
 */
final class Step {

    final Value[] outputs;
    final Kernel kernel;
    final int viewOf;
    final boolean inPlace;
    final boolean gathers;
    final int[][] inputViews;
    final int[][] outputViews;
    /** Multiply-adds count twice; for {@code info}'s per-layer report. */
    final long flops;

    private Step(Value[] outputs, Kernel kernel, int viewOf, boolean inPlace, boolean gathers, int[][] inputViews,
                 int[][] outputViews, long flops) {
        this.outputs = outputs;
        this.kernel = kernel;
        this.viewOf = viewOf;
        this.inPlace = inPlace;
        this.gathers = gathers;
        this.inputViews = inputViews;
        this.outputViews = outputViews;
        this.flops = flops;
    }

    /** Outputs computed by {@code kernel}. */
    static Step compute(Kernel kernel, long flops, Value... outputs) {
        return new Step(outputs, kernel, -1, false, false, null, null, flops);
    }

    /** One output that is {@code kernel}'s copy of the inputs end to end, which planning may elide. */
    static Step gather(Kernel kernel, Value output) {
        return new Step(new Value[] {output}, kernel, -1, false, true, null, null, 0);
    }

    /** This gather with its inputs already in place: nothing to run, as for outputs known while planning. */
    Step elided() {
        return constant(outputs);
    }

    /** One output of input 0's shape that {@code kernel} may write over input 0. */
    static Step inPlace(Kernel kernel, long flops, Value output) {
        return new Step(new Value[] {output}, kernel, -1, true, false, null, null, flops);
    }

    /** Output 0 is input {@code input} reshaped: no computation, shared memory. */
    static Step view(int input, Value output) {
        return new Step(new Value[] {output}, null, input, false, false, null, null, 0);
    }

    /** Outputs known while planning. */
    static Step constant(Value... outputs) {
        return new Step(outputs, null, -1, false, false, null, null, 0);
    }

    /** This step with the kernel seeing other shapes for its tensors (null entries unchanged). */
    Step seenAs(int[][] inputViews, int[][] outputViews) {
        return new Step(outputs, kernel, viewOf, inPlace, gathers, inputViews, outputViews, flops);
    }
}
