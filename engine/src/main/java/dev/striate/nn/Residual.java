package dev.striate.nn;

import dev.striate.elementwise.Broadcast;
import dev.striate.gemm.Sgemm;
import dev.striate.tensor.Shape;
import dev.striate.tensor.Tensor;

import java.util.Map;

/**
 * A residual block, {@code y = body(x) + shortcut(x)}: the shortcut is the identity or a layer (a 1x1
 * strided convolution when the body changes the shape, as in ResNet). The gradient of x is the sum of
 * the two branches' gradients. Parameters are named {@code body.*} and {@code shortcut.*}. ResNet's
 * final ReLU is the next layer of the enclosing {@link Sequential}.
 *
 * <p>Thread-safety: as every {@link Layer}, one thread at a time.
 */
public final class Residual extends Layer {

    private final Layer body;
    private final Layer shortcut;
    private BatchBuffer output;
    private BatchBuffer inputGradient;
    private Tensor savedOutput;

    /** {@code y = body(x) + x}. */
    public Residual(Layer body) {
        this(body, null);
    }

    /** {@code y = body(x) + shortcut(x)}; a null shortcut is the identity. */
    public Residual(Layer body, Layer shortcut) {
        if (body == null) {
            throw new IllegalArgumentException("Residual: body must not be null");
        }
        this.body = body;
        this.shortcut = shortcut;
    }

    public Layer body() {
        return body;
    }

    /** The shortcut layer, or null for the identity. */
    public Layer shortcut() {
        return shortcut;
    }

    @Override
    protected Shape configure(Shape input, Sgemm gemm) {
        Shape main = body.build(input, gemm);
        Shape side = shortcut == null ? input : shortcut.build(input, gemm);
        if (!main.equals(side)) {
            throw new IllegalArgumentException("Residual: the body maps " + input + " to " + main + " but the "
                    + (shortcut == null ? "identity shortcut" : "shortcut " + shortcut) + " gives " + side
                    + ": the sum needs equal shapes");
        }
        output = new BatchBuffer(main);
        inputGradient = new BatchBuffer(input);
        return main;
    }

    @Override
    public Tensor forward(Tensor x, boolean training) {
        int n = batchOf("x", x, inputShape());
        Tensor main = body.forward(x, training);
        Tensor side = shortcut == null ? x : shortcut.forward(x, training);
        Tensor y = output.get(n);
        Broadcast.add(main, side, y);
        savedOutput = y;
        return y;
    }

    @Override
    public Tensor backward(Tensor dy, boolean inputGradient) {
        requireForward(this, savedOutput, dy, outputShape());
        Tensor main = body.backward(dy, inputGradient);
        Tensor side = shortcut == null ? dy : shortcut.backward(dy, inputGradient);
        if (!inputGradient) {
            return null;
        }
        Tensor dx = this.inputGradient.get(dy.dim(0));
        Broadcast.add(main, side, dx);
        return dx;
    }

    @Override
    protected void collectParameters(String prefix, Map<String, Parameter> into) {
        body.collectParameters(prefix + "body.", into);
        if (shortcut != null) {
            shortcut.collectParameters(prefix + "shortcut.", into);
        }
    }

    @Override
    public void initialize(Init init) {
        body.initialize(init);
        if (shortcut != null) {
            shortcut.initialize(init);
        }
    }

    @Override
    public String toString() {
        String s = "Residual(\n  (body): " + body.toString().replace("\n", "\n  ");
        if (shortcut != null) {
            s += "\n  (shortcut): " + shortcut.toString().replace("\n", "\n  ");
        }
        return s + "\n)";
    }
}
