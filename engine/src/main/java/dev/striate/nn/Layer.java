package dev.striate.nn;

import dev.striate.gemm.Sgemm;
import dev.striate.tensor.Shape;
import dev.striate.tensor.Tensor;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A network layer: built once for a sample shape, then run forward and backward on batches.
 *
 * <p>Shapes: {@link #build} takes the shape of one sample (no batch dimension, e.g. {@code [1, 28, 28]})
 * and returns the shape of one output sample, or throws naming what the layer expected. At run time
 * tensors carry the batch first ({@code [N, ...sample]}), and N may change from call to call.
 *
 * <p>Training: {@link #forward} keeps what {@link #backward} needs (its input, max-pooling indices, a
 * dropout mask, normalized activations), and {@link #backward} sets — overwrites, does not accumulate —
 * the gradients of the layer's {@link #parameters()} and returns the gradient of its input. Outputs and
 * input gradients live in buffers the layer owns: valid until its next call, never to be written by
 * the caller; the layer never writes the tensors it is given. The buffers grow with the batch and are
 * then reused, so steady-state training allocates nothing.
 *
 * <p>Thread-safety: a layer is stateful (saved activations, buffers) and must be used by one thread at
 * a time; its kernels may use the GEMM's thread pool internally.
 */
public abstract class Layer {

    private Shape inputShape;
    private Shape outputShape;

    /**
     * Prepares the layer for samples of shape {@code input} on {@code gemm} (its blocking and threads)
     * and returns the output sample shape.
     *
     * @throws IllegalArgumentException naming the layer and the shape it expected
     */
    public final Shape build(Shape input, Sgemm gemm) {
        if (input == null || gemm == null) {
            throw new IllegalArgumentException(this + ": input shape and gemm must not be null");
        }
        Shape output = configure(input, gemm);
        inputShape = input;
        outputShape = output;
        return output;
    }

    /** {@link #build}'s work: check {@code input}, allocate what depends on it, return the output sample shape. */
    protected abstract Shape configure(Shape input, Sgemm gemm);

    /** The sample shape this layer was built for. @throws IllegalStateException before {@link #build} */
    public final Shape inputShape() {
        requireBuilt();
        return inputShape;
    }

    /** The sample shape of its output. @throws IllegalStateException before {@link #build} */
    public final Shape outputShape() {
        requireBuilt();
        return outputShape;
    }

    /**
     * The output for a batch {@code x} of shape {@code [N, ...inputShape]}; in training mode (batch
     * statistics, dropout) the layer also keeps what {@link #backward} needs.
     *
     * @throws IllegalArgumentException if x's shape is not {@code [N, ...inputShape]} or x is not contiguous
     */
    public abstract Tensor forward(Tensor x, boolean training);

    /**
     * Sets the parameters' gradients from {@code dy} (the gradient of the last forward output) and
     * returns the input's gradient, or null when {@code inputGradient} is false (a network's first
     * layer: nothing upstream needs it, and skipping it saves a convolution's data gradient).
     *
     * @throws IllegalStateException if no forward pass preceded it
     * @throws IllegalArgumentException if dy's shape is not the last output's
     */
    public abstract Tensor backward(Tensor dy, boolean inputGradient);

    /** The layer's own tensors (weights, running statistics), named as in PyTorch's {@code state_dict}. */
    public List<Parameter> parameters() {
        return List.of();
    }

    /**
     * Every parameter of this layer and the layers inside it, keyed by its PyTorch-style path
     * ({@code "0.weight"}, {@code "3.body.1.running_mean"}), in a fixed order.
     */
    public final Map<String, Parameter> namedParameters() {
        Map<String, Parameter> all = new LinkedHashMap<>();
        collectParameters("", all);
        return all;
    }

    /** Adds this layer's parameters under {@code prefix}; containers recurse with their children's keys. */
    protected void collectParameters(String prefix, Map<String, Parameter> into) {
        for (Parameter p : parameters()) {
            into.put(prefix + p.name(), p);
        }
    }

    /** Re-initializes the weights from {@code init}; layers without weights do nothing. */
    public void initialize(Init init) {
    }

    /** PyTorch's module repr, e.g. {@code Conv2d(1, 16, kernel_size=(5, 5), padding=(2, 2))}. */
    @Override
    public abstract String toString();

    final void requireBuilt() {
        if (outputShape == null) {
            throw new IllegalStateException(this + ": not built (add it to a Sequential or call build)");
        }
    }

    /**
     * Checks that {@code x} is a contiguous batch of samples of {@code sample}'s shape and returns its batch
     * size; allocates nothing unless it throws.
     */
    final int batchOf(String name, Tensor x, Shape sample) {
        requireBuilt();
        if (x == null) {
            throw new IllegalArgumentException(this + ": " + name + " must not be null");
        }
        boolean fits = x.rank() == sample.rank() + 1 && x.isContiguous();
        for (int i = 0; fits && i < sample.rank(); i++) {
            fits = x.dim(i + 1) == sample.dim(i);
        }
        if (!fits) {
            String inner = sample.toString();
            throw new IllegalArgumentException(this + ": " + name + " must be a contiguous [N"
                    + (sample.rank() == 0 ? "" : ", " + inner.substring(1, inner.length() - 1)) + "], got " + x.shape()
                    + (x.isContiguous() ? "" : " (not contiguous)"));
        }
        return x.dim(0);
    }

    /** Checks that a backward pass follows a forward pass of the same batch size. */
    static void requireForward(Layer layer, Tensor saved, Tensor dy, Shape sample) {
        if (saved == null) {
            throw new IllegalStateException(layer + ": backward called before forward");
        }
        int n = layer.batchOf("dy", dy, sample);
        if (n != saved.dim(0)) {
            throw new IllegalArgumentException(layer + ": dy has batch " + n + " but the last forward had " + saved.dim(0));
        }
    }
}
