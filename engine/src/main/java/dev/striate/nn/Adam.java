package dev.striate.nn;

import java.util.Collection;

/**
 * PyTorch's {@code torch.optim.Adam} (Kingma and Ba 2015), in PyTorch's order of operations:
 * {@code g = grad + weightDecay·p}; {@code m += (1 − β1)(g − m)}; {@code v = β2·v + (1 − β2)·g²};
 * {@code p −= (lr/(1 − β1ᵗ)) · m / (√v/√(1 − β2ᵗ) + eps)}, the bias corrections in double.
 *
 * <p>Thread-safety: not thread-safe (moment buffers).
 */
public final class Adam extends Optimizer {

    private final float lr;
    private final float beta1;
    private final float beta2;
    private final float eps;
    private final float weightDecay;
    private final float[][] first;
    private final float[][] second;

    /** PyTorch's defaults: β = (0.9, 0.999), eps = 1e-8, no weight decay. */
    public Adam(Collection<Parameter> parameters, float lr) {
        this(parameters, lr, 0.9f, 0.999f, 1e-8f, 0f);
    }

    public Adam(Collection<Parameter> parameters, float lr, float beta1, float beta2, float eps, float weightDecay) {
        super("Adam(lr=" + lr + ", betas=(" + beta1 + ", " + beta2 + "), eps=" + eps + ", weight_decay=" + weightDecay + ")",
                parameters);
        check(toString(), "lr", lr, 0, Float.MAX_VALUE);
        check(toString(), "beta1", beta1, 0, Math.nextDown(1f));
        check(toString(), "beta2", beta2, 0, Math.nextDown(1f));
        check(toString(), "eps", eps, Float.MIN_VALUE, Float.MAX_VALUE);
        check(toString(), "weight_decay", weightDecay, 0, Float.MAX_VALUE);
        this.lr = lr;
        this.beta1 = beta1;
        this.beta2 = beta2;
        this.eps = eps;
        this.weightDecay = weightDecay;
        int count = parameters().size();
        first = new float[count][];
        second = new float[count][];
        for (int i = 0; i < count; i++) {
            first[i] = new float[parameters().get(i).value().size()];
            second[i] = new float[first[i].length];
        }
    }

    @Override
    void update(int index, long step, float[] value, float[] grad, int size) {
        float stepSize = (float) (lr / (1 - Math.pow(beta1, step)));
        float correction2Sqrt = (float) Math.sqrt(1 - Math.pow(beta2, step));
        float[] m = first[index];
        float[] v = second[index];
        for (int i = 0; i < size; i++) {
            float g = weightDecay == 0f ? grad[i] : grad[i] + weightDecay * value[i];
            m[i] = m[i] + (1 - beta1) * (g - m[i]);
            v[i] = beta2 * v[i] + (1 - beta2) * g * g;
            float denominator = (float) Math.sqrt(v[i]) / correction2Sqrt + eps;
            value[i] = value[i] - stepSize * (m[i] / denominator);
        }
    }
}
