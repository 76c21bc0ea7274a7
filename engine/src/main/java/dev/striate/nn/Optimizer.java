package dev.striate.nn;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

/**
 * Updates the trainable parameters of a network from their gradients; buffers (running statistics)
 * are left alone. Every update is element-wise in a fixed order, so training is bitwise reproducible.
 *
 * <p>Thread-safety: not thread-safe; it holds per-parameter state (momentum, moments).
 */
public abstract class Optimizer {

    private final List<Parameter> parameters;
    private final String name;
    private long steps;

    Optimizer(String name, Collection<Parameter> parameters) {
        if (parameters == null) {
            throw new IllegalArgumentException(name + ": parameters must not be null");
        }
        this.name = name;
        this.parameters = new ArrayList<>();
        for (Parameter p : parameters) {
            if (p.isTrainable()) {
                this.parameters.add(p);
            }
        }
    }

    /** The parameters it updates, in order. */
    public final List<Parameter> parameters() {
        return parameters;
    }

    /** One update of every parameter from its current gradient. */
    public final void step() {
        steps++;
        for (int i = 0; i < parameters.size(); i++) {
            Parameter p = parameters.get(i);
            update(i, steps, p.value().data(), p.grad().data(), p.value().size());
            p.changed();
        }
    }

    /** Updates parameter number {@code index} at step {@code step} (1 for the first): {@code value[0, size)} from {@code grad[0, size)}. */
    abstract void update(int index, long step, float[] value, float[] grad, int size);

    static void check(String name, String what, double value, double min, double max) {
        if (!(value >= min && value <= max)) {
            throw new IllegalArgumentException(name + ": " + what + " must be in [" + min + ", " + max + "], got " + value);
        }
    }

    @Override
    public String toString() {
        return name;
    }
}
