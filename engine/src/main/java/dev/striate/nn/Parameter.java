package dev.striate.nn;

import dev.striate.tensor.Tensor;

/**
 * A named tensor a layer owns: a trainable weight with its gradient, or a buffer such as batch norm's
 * running mean (not trainable, no gradient, but saved in checkpoints).
 *
 * <p>Whoever changes {@link #value()} in place (an optimizer, a checkpoint load) calls {@link #changed()},
 * so a layer that derives data from its weights (a convolution's transformed weights) refreshes it.
 *
 * <p>Thread-safety: none; it belongs to its layer.
 */
public final class Parameter {

    private final String name;
    private final Tensor value;
    private final Tensor grad;
    private final Runnable onChange;

    private Parameter(String name, Tensor value, Tensor grad, Runnable onChange) {
        this.name = name;
        this.value = value;
        this.grad = grad;
        this.onChange = onChange;
    }

    /** A trainable tensor of shape {@code dims}, zero, with a gradient of the same shape. */
    static Parameter trainable(String name, Runnable onChange, int... dims) {
        return new Parameter(name, Tensor.zeros(dims), Tensor.zeros(dims), onChange);
    }

    /** A non-trainable buffer of shape {@code dims}, zero. */
    static Parameter buffer(String name, int... dims) {
        return new Parameter(name, Tensor.zeros(dims), null, () -> { });
    }

    /** The name within its layer, e.g. {@code weight} or {@code running_var}. */
    public String name() {
        return name;
    }

    public Tensor value() {
        return value;
    }

    /** The gradient from the last backward pass; null for a buffer. */
    public Tensor grad() {
        return grad;
    }

    public boolean isTrainable() {
        return grad != null;
    }

    /** Tells the owning layer that {@link #value()} was changed in place. */
    public void changed() {
        onChange.run();
    }

    @Override
    public String toString() {
        return name + value.shape();
    }
}
