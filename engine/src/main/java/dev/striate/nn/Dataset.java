package dev.striate.nn;

import dev.striate.tensor.Shape;

import java.util.Arrays;

/**
 * Labelled samples for classification: {@code count} samples of {@code sampleShape} stored one after
 * another in {@code inputs}, and their class labels.
 *
 * <p>Thread-safety: the record is immutable but shares its arrays; do not change them while training.
 */
public record Dataset(float[] inputs, Shape sampleShape, int[] labels, int classes) {

    /** @throws IllegalArgumentException if the arrays disagree with the shape or a label is out of range */
    public Dataset {
        if (inputs == null || sampleShape == null || labels == null) {
            throw new IllegalArgumentException("Dataset: inputs, sample shape and labels must not be null");
        }
        if ((long) labels.length * sampleShape.size() != inputs.length) {
            throw new IllegalArgumentException("Dataset: " + labels.length + " samples of " + sampleShape + " need "
                    + (long) labels.length * sampleShape.size() + " floats, got " + inputs.length);
        }
        for (int i = 0; i < labels.length; i++) {
            if (labels[i] < 0 || labels[i] >= classes) {
                throw new IllegalArgumentException("Dataset: label " + labels[i] + " of sample " + i + " is not in [0, " + classes + ")");
            }
        }
    }

    public int size() {
        return labels.length;
    }

    /** The samples at {@code indices}, in that order, as a new dataset. */
    public Dataset subset(int[] indices) {
        int s = sampleShape.size();
        float[] x = new float[Math.multiplyExact(indices.length, s)];
        int[] y = new int[indices.length];
        for (int i = 0; i < indices.length; i++) {
            System.arraycopy(inputs, indices[i] * s, x, i * s, s);
            y[i] = labels[indices[i]];
        }
        return new Dataset(x, sampleShape, y, classes);
    }

    /** A permutation of {@code [0, n)} drawn from {@code seed} (Fisher–Yates on SplitMix64). */
    public static int[] permutation(int n, long seed) {
        int[] order = new int[n];
        Arrays.setAll(order, i -> i);
        shuffle(order, seed);
        return order;
    }

    static void shuffle(int[] order, long seed) {
        for (int i = order.length - 1; i > 0; i--) {
            int j = (int) Long.remainderUnsigned(Init.mix(seed + i * 0x9E3779B97F4A7C15L), i + 1);
            int t = order[i];
            order[i] = order[j];
            order[j] = t;
        }
    }

    @Override
    public String toString() {
        return "Dataset(" + size() + " × " + sampleShape + ", " + classes + " classes)";
    }
}
