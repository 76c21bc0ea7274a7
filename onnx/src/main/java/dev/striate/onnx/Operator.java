package dev.striate.onnx;

/**
 * One ONNX node, attributes read and checked at load time. Planning calls {@link #plan} with the
 * input values for a given set of graph input shapes; it checks the shapes and returns the outputs
 * and their kernel. Implementations are immutable and may cache what they build per shape.
 */
interface Operator {

    /**
     * @param inputs the node's inputs in order, null where absent
     * @throws OnnxException naming the node, the shapes and what was expected when they do not fit
     */
    Step plan(Value[] inputs);

    /** Input positions whose value must be known before run time (weights, shapes, axes). */
    default int[] staticInputs() {
        return new int[0];
    }

    /** {@code plan}, declaring that it reads the values at {@code positions} while planning. */
    static Operator readingWhilePlanning(int[] positions, Operator plan) {
        return new Operator() {
            @Override
            public int[] staticInputs() {
                return positions.clone();
            }

            @Override
            public Step plan(Value[] inputs) {
                return plan.plan(inputs);
            }
        };
    }
}
