package dev.striate.nn;

import dev.striate.tensor.Shape;
import dev.striate.tensor.Tensor;

/**
 * A training objective: the loss of a batch of network outputs against targets, and its gradient
 * with respect to the outputs in the same pass.
 *
 * <p>Thread-safety: implementations are immutable and may be shared.
 */
public interface Loss {

    /**
     * The loss of {@code output} against {@code target}; when {@code gradient} is not null it is set
     * to {@code ∂loss/∂output} (same shape as output, not overlapping either input).
     *
     * @throws IllegalArgumentException naming the loss when shapes or target values do not fit
     */
    double forward(Tensor output, Tensor target, Tensor gradient);

    /** The sample shape of the targets {@link #encodeLabels} writes for outputs of sample shape {@code output}. */
    Shape labelTargetShape(Shape output);

    /** Writes the targets of a batch of class labels: class indices or one-hot rows, as the loss takes them. */
    void encodeLabels(int[] labels, Tensor target);
}
