package dev.striate.nn;

import java.util.Collection;

/**
 * PyTorch's {@code torch.optim.SGD} (dampening 0): {@code g = grad + weightDecay·p};
 * with momentum {@code b = g} on the first step, then {@code b = momentum·b + g}, and
 * {@code g = b} (or {@code g + momentum·b} when Nesterov); {@code p = p − lr·g}.
 *
 * <p>Thread-safety: not thread-safe (momentum buffers).
 */
public final class Sgd extends Optimizer {

    private final float lr;
    private final float momentum;
    private final float weightDecay;
    private final boolean nesterov;
    private final float[][] buffers;

    /** Plain SGD. */
    public Sgd(Collection<Parameter> parameters, float lr) {
        this(parameters, lr, 0f, 0f, false);
    }

    public Sgd(Collection<Parameter> parameters, float lr, float momentum, float weightDecay, boolean nesterov) {
        super("SGD(lr=" + lr + ", momentum=" + momentum + ", weight_decay=" + weightDecay + (nesterov ? ", nesterov=True" : "") + ")",
                parameters);
        check(toString(), "lr", lr, 0, Float.MAX_VALUE);
        check(toString(), "momentum", momentum, 0, 1);
        check(toString(), "weight_decay", weightDecay, 0, Float.MAX_VALUE);
        if (nesterov && momentum == 0f) {
            throw new IllegalArgumentException(this + ": Nesterov momentum needs momentum > 0");
        }
        this.lr = lr;
        this.momentum = momentum;
        this.weightDecay = weightDecay;
        this.nesterov = nesterov;
        buffers = new float[parameters().size()][];
        for (int i = 0; i < buffers.length; i++) {
            buffers[i] = momentum == 0f ? null : new float[parameters().get(i).value().size()];
        }
    }

    @Override
    void update(int index, long step, float[] value, float[] grad, int size) {
        float[] b = buffers[index];
        boolean first = step == 1;
        for (int i = 0; i < size; i++) {
            float g = weightDecay == 0f ? grad[i] : grad[i] + weightDecay * value[i];
            if (b != null) {
                b[i] = first ? g : momentum * b[i] + g;
                g = nesterov ? g + momentum * b[i] : b[i];
            }
            value[i] = value[i] - lr * g;
        }
    }
}
