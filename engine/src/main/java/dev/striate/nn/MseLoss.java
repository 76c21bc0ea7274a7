package dev.striate.nn;

import dev.striate.tensor.Operands;
import dev.striate.tensor.Shape;
import dev.striate.tensor.Tensor;

/**
 * Squared error against targets of the output's shape, in three reductions: the classic
 * backpropagation objective {@code E = ½‖y − d‖²} (gradient {@code y − d}), PyTorch's
 * {@code MSELoss(reduction='sum')} {@code ‖y − d‖²}, and its default {@code 'mean'},
 * {@code ‖y − d‖²/numel}. Sums in double. Class labels become one-hot targets.
 *
 * <p>Thread-safety: immutable.
 */
public final class MseLoss implements Loss {

    /** How the squared errors are reduced. */
    public enum Reduction {
        /** {@code ½·Σ(y − d)²}. */
        HALF_SUM,
        /** {@code Σ(y − d)²}. */
        SUM,
        /** {@code Σ(y − d)²/numel}. */
        MEAN
    }

    private final Reduction reduction;
    private final String name;

    public MseLoss(Reduction reduction) {
        if (reduction == null) {
            throw new IllegalArgumentException("MseLoss: reduction must not be null");
        }
        this.reduction = reduction;
        this.name = "MseLoss(" + reduction + ")";
    }

    @Override
    public double forward(Tensor output, Tensor target, Tensor gradient) {
        Operands.contiguous(name, "output", output);
        Operands.sameShape(name, "target", target, "output", output);
        if (gradient != null) {
            Operands.sameShape(name, "gradient", gradient, "output", output);
            Operands.disjoint(name, "gradient", gradient, "output", output);
            Operands.disjoint(name, "gradient", gradient, "target", target);
        }
        int n = output.size();
        double factor = switch (reduction) {
            case HALF_SUM -> 0.5;
            case SUM -> 1;
            case MEAN -> n == 0 ? 0 : 1.0 / n;
        };
        float gradientScale = (float) (2 * factor);
        float[] y = output.data();
        float[] d = target.data();
        double sum = 0;
        for (int i = 0; i < n; i++) {
            float e = y[output.offset() + i] - d[target.offset() + i];
            sum += (double) e * e;
            if (gradient != null) {
                gradient.data()[gradient.offset() + i] = gradientScale * e;
            }
        }
        return factor * sum;
    }

    @Override
    public Shape labelTargetShape(Shape output) {
        return output;
    }

    /** One-hot rows: {@code target[i, labels[i]] = 1}, zero elsewhere. */
    @Override
    public void encodeLabels(int[] labels, Tensor target) {
        Operands.contiguous(name, "target", target);
        int n = target.dim(0);
        int classes = n == 0 ? 0 : target.size() / n;
        java.util.Arrays.fill(target.data(), target.offset(), target.offset() + target.size(), 0f);
        for (int i = 0; i < n; i++) {
            if (labels[i] < 0 || labels[i] >= classes) {
                throw new IllegalArgumentException(name + ": label " + labels[i] + " of sample " + i + " is not in [0, " + classes + ")");
            }
            target.data()[target.offset() + i * classes + labels[i]] = 1f;
        }
    }

    @Override
    public String toString() {
        return name;
    }
}
