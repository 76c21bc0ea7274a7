package dev.striate.nn;

import dev.striate.tensor.Operands;
import dev.striate.tensor.Shape;
import dev.striate.tensor.Tensor;

/**
 * Softmax cross-entropy fused, PyTorch's {@code nn.CrossEntropyLoss()} on logits {@code [N, C]} and
 * class-index targets {@code [N]} (floats holding integers), mean over the batch:
 * {@code −(1/N)·Σ log softmax(x_i)[t_i]}, with gradient {@code (softmax(x_i) − onehot(t_i))/N}.
 * Stable: each row is shifted by its max before exp, and the log-sum-exp is in double, so no logit
 * overflows.
 *
 * <p>Thread-safety: immutable.
 */
public final class CrossEntropyLoss implements Loss {

    private static final String NAME = "CrossEntropyLoss";

    @Override
    public double forward(Tensor logits, Tensor target, Tensor gradient) {
        Operands.contiguous(NAME, "logits", logits);
        Operands.contiguous(NAME, "target", target);
        if (logits.rank() != 2 || target.rank() != 1 || target.dim(0) != logits.dim(0) || logits.dim(1) == 0) {
            throw new IllegalArgumentException(NAME + ": expected logits [N, C] with C > 0 and targets [N], got "
                    + logits.shape() + " and " + target.shape());
        }
        if (gradient != null) {
            Operands.sameShape(NAME, "gradient", gradient, "logits", logits);
            Operands.disjoint(NAME, "gradient", gradient, "logits", logits);
            Operands.disjoint(NAME, "gradient", gradient, "target", target);
        }
        int n = logits.dim(0);
        int classes = logits.dim(1);
        float[] x = logits.data();
        for (int i = 0; i < n; i++) {
            float t = target.data()[target.offset() + i];
            if (!(t >= 0 && t < classes && t == (int) t)) {
                throw new IllegalArgumentException(NAME + ": target " + t + " of sample " + i + " is not a class index in [0, " + classes + ")");
            }
        }
        double total = 0;
        for (int i = 0; i < n; i++) {
            int row = logits.offset() + i * classes;
            int label = (int) target.data()[target.offset() + i];
            float max = Float.NEGATIVE_INFINITY;
            for (int j = 0; j < classes; j++) {
                max = Math.max(max, x[row + j]);
            }
            double sum = 0;
            for (int j = 0; j < classes; j++) {
                sum += Math.exp((double) x[row + j] - max);
            }
            double logSum = Math.log(sum);
            total += logSum - ((double) x[row + label] - max);
            if (gradient != null) {
                int g = gradient.offset() + i * classes;
                for (int j = 0; j < classes; j++) {
                    double p = Math.exp((double) x[row + j] - max - logSum);
                    gradient.data()[g + j] = (float) ((p - (j == label ? 1 : 0)) / n);
                }
            }
        }
        return n == 0 ? 0 : total / n;
    }

    @Override
    public Shape labelTargetShape(Shape output) {
        return Shape.of();
    }

    /** Class indices as floats. */
    @Override
    public void encodeLabels(int[] labels, Tensor target) {
        Operands.contiguous(NAME, "target", target);
        for (int i = 0, n = target.size(); i < n; i++) {
            target.data()[target.offset() + i] = labels[i];
        }
    }

    @Override
    public String toString() {
        return NAME + "()";
    }
}
