package dev.striate.nn;

import dev.striate.activation.Activation;
import dev.striate.gemm.Sgemm;
import dev.striate.tensor.Shape;
import dev.striate.tensor.Tensor;

import java.util.List;
import java.util.Map;

/**
 * PyTorch's {@code nn.Sequential}: layers applied in order, gradients sent back in reverse. Parameters
 * are named {@code "<index>.<name>"} as in PyTorch's {@code state_dict}.
 *
 * <p>Built for an input sample shape, each layer from its predecessor's output shape: a layer that
 * cannot take that shape fails at build time, naming its index and both shapes. The first layer
 * of a network is never asked for its input gradient.
 *
 * <p>Thread-safety: as every {@link Layer}, one thread at a time.
 */
public final class Sequential extends Layer {

    private final List<Layer> layers;

    /** An unbuilt container (to nest in a {@link Residual}, or {@link #build} later). */
    public Sequential(Layer... layers) {
        if (layers == null || layers.length == 0) {
            throw new IllegalArgumentException("Sequential: needs at least one layer");
        }
        for (int i = 0; i < layers.length; i++) {
            if (layers[i] == null) {
                throw new IllegalArgumentException("Sequential: layer " + i + " is null");
            }
        }
        this.layers = List.of(layers);
    }

    /**
     * A network built for samples of shape {@code input} on the shared GEMM, with its weights
     * initialized by {@link Init#heNormal(long) He normal} from seed 0.
     *
     * @throws IllegalArgumentException naming the first layer that cannot take its input shape
     */
    public static Sequential of(Shape input, Layer... layers) {
        Sequential network = new Sequential(layers);
        network.build(input, Sgemm.shared());
        network.initialize(Init.heNormal(0));
        return network;
    }

    /** An activation as a layer, for building networks inline. */
    public static Layer layer(Activation activation) {
        return new ActivationLayer(activation);
    }

    public List<Layer> layers() {
        return layers;
    }

    @Override
    protected Shape configure(Shape input, Sgemm gemm) {
        Shape shape = input;
        for (int i = 0; i < layers.size(); i++) {
            Layer layer = layers.get(i);
            try {
                shape = layer.build(shape, gemm);
            } catch (IllegalArgumentException e) {
                String from = i == 0 ? "the input" : "layer " + (i - 1) + " (" + layers.get(i - 1) + ")";
                throw new IllegalArgumentException("Sequential: layer " + i + " (" + layer + ") cannot take shape "
                        + shape + " from " + from + ": " + e.getMessage(), e);
            }
        }
        return shape;
    }

    @Override
    public Tensor forward(Tensor x, boolean training) {
        batchOf("x", x, inputShape());
        Tensor t = x;
        for (int i = 0; i < layers.size(); i++) { // indexed: an iterator per call would allocate
            t = layers.get(i).forward(t, training);
        }
        return t;
    }

    @Override
    public Tensor backward(Tensor dy, boolean inputGradient) {
        requireBuilt();
        Tensor g = dy;
        for (int i = layers.size() - 1; i >= 0; i--) {
            g = layers.get(i).backward(g, i > 0 || inputGradient);
        }
        return g;
    }

    @Override
    protected void collectParameters(String prefix, Map<String, Parameter> into) {
        for (int i = 0; i < layers.size(); i++) {
            layers.get(i).collectParameters(prefix + i + ".", into);
        }
    }

    @Override
    public void initialize(Init init) {
        for (Layer layer : layers) {
            layer.initialize(init);
        }
    }

    @Override
    public String toString() {
        StringBuilder s = new StringBuilder("Sequential(\n");
        for (int i = 0; i < layers.size(); i++) {
            s.append("  (").append(i).append("): ").append(layers.get(i).toString().replace("\n", "\n  ")).append('\n');
        }
        return s.append(')').toString();
    }
}
