package dev.striate.onnx;

import dev.striate.tensor.Tensor;

/**
 * One run's workspace: the arena that holds a plan's intermediate tensors, and the tensor views
 * every step reads and writes, built once per plan so that a run allocates nothing. Used by one
 * thread at a time (sessions pool them).
 */
final class Frame {

    private final Tensor[] given;
    private Plan plan;
    private float[] arena = new float[0];
    private Tensor[] inputs;
    private Tensor[] outputs;
    private Tensor[][] stepInputs;
    private Tensor[][] stepOutputs;

    Frame(int graphInputs) {
        this.given = new Tensor[graphInputs];
    }

    /** Scratch for the caller's input tensors of one run, in graph order. */
    Tensor[] given() {
        return given;
    }

    Plan plan() {
        return plan;
    }

    /** Points every view at this frame's arena for {@code p}, growing the arena if needed. */
    void bind(Plan p) {
        if (arena.length < p.arenaFloats) {
            arena = new float[p.arenaFloats];
        }
        Tensor[] tensors = new Tensor[p.values.length];
        for (int v = 0; v < tensors.length; v++) {
            tensors[v] = p.offsets[v] >= 0 ? Tensor.wrap(arena, p.offsets[v], p.values[v].dims) : p.constantTensors[v];
        }
        inputs = pick(tensors, p.inputIds, null);
        outputs = pick(tensors, p.outputIds, null);
        stepInputs = new Tensor[p.steps.length][];
        stepOutputs = new Tensor[p.steps.length][];
        for (int s = 0; s < p.steps.length; s++) {
            stepInputs[s] = pick(tensors, p.stepInputs[s], p.steps[s].inputViews);
            stepOutputs[s] = pick(tensors, p.stepOutputs[s], p.steps[s].outputViews);
        }
        plan = p;
    }

    private static Tensor[] pick(Tensor[] tensors, int[] ids, int[][] views) {
        Tensor[] out = new Tensor[ids.length];
        for (int j = 0; j < ids.length; j++) {
            out[j] = ids[j] < 0 || tensors[ids[j]] == null ? null : Plan.view(tensors[ids[j]], views, j);
        }
        return out;
    }

    /** Graph input {@code i}'s tensor in the arena, to copy the caller's data into. */
    Tensor input(int i) {
        return inputs[i];
    }

    /** Graph output {@code i} after {@link #run}: in the arena, or a constant. */
    Tensor output(int i) {
        return outputs[i];
    }

    /** Runs every step of the bound plan; when {@code timed}, adds each step's time to the plan's profile. */
    void run(boolean timed) {
        Step[] steps = plan.steps;
        for (int s = 0; s < steps.length; s++) {
            if (steps[s].kernel != null) {
                long start = timed ? System.nanoTime() : 0;
                steps[s].kernel.run(stepInputs[s], stepOutputs[s]);
                if (timed) {
                    plan.stepNanos.addAndGet(s, System.nanoTime() - start);
                }
            }
        }
        if (timed) {
            plan.timedRuns.incrementAndGet();
        }
    }
}
