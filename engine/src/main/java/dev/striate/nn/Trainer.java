package dev.striate.nn;

import dev.striate.tensor.Shape;
import dev.striate.tensor.Tensor;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;

/**
 * Mini-batch training of a classifier: each epoch shuffles the training set (a permutation drawn from
 * the seed and the epoch number), runs forward, loss, backward and an optimizer step per batch (the
 * last batch may be smaller), then measures accuracy on the training and test sets in inference
 * mode. With the same seed, network initialization and thread-independent kernels, every run ends
 * with bitwise-identical weights.
 *
 * <p>Progress: given a stream, a progress bar (batches, batch/s, running loss, ETA) redrawn in place
 * on a terminal, and one plain line per epoch everywhere.
 *
 * <p>Steady state allocates nothing per batch: inputs, targets and gradients are gathered into
 * buffers reused across batches.
 *
 * <p>Thread-safety: one thread at a time (it drives a stateful network).
 */
public final class Trainer {

    /** What one epoch did. Accuracies are fractions in [0, 1]; the test accuracy is NaN without a test set. */
    public record Epoch(int epoch, double loss, double trainAccuracy, double testAccuracy, double seconds,
                        double imagesPerSecond) {
    }

    /** Changes a gathered training batch in place (data augmentation); {@code seed} differs per batch. */
    @FunctionalInterface
    public interface Augmentation {
        void apply(Tensor batch, long seed);
    }

    private final Layer network;
    private final Loss loss;
    private final Optimizer optimizer;
    private final int batchSize;
    private final long seed;
    private final BatchBuffer inputs;
    private final BatchBuffer targets;
    private final BatchBuffer gradients;
    private final int[] batchLabels;
    private Augmentation augmentation;
    private PrintStream progress;

    /** @throws IllegalArgumentException if the network is not built or the batch size is not positive */
    public Trainer(Layer network, Loss loss, Optimizer optimizer, int batchSize, long seed) {
        if (network == null || loss == null || optimizer == null) {
            throw new IllegalArgumentException("Trainer: network, loss and optimizer must not be null");
        }
        if (batchSize <= 0) {
            throw new IllegalArgumentException("Trainer: batch size must be > 0, got " + batchSize);
        }
        network.requireBuilt();
        this.network = network;
        this.loss = loss;
        this.optimizer = optimizer;
        this.batchSize = batchSize;
        this.seed = seed;
        inputs = new BatchBuffer(network.inputShape());
        targets = new BatchBuffer(loss.labelTargetShape(network.outputShape()));
        gradients = new BatchBuffer(network.outputShape());
        batchLabels = new int[batchSize];
    }

    /** Prints progress to {@code out} (null for silence); returns this. */
    public Trainer progress(PrintStream out) {
        this.progress = out;
        return this;
    }

    /** Applies {@code augmentation} to every training batch (null for none); returns this. */
    public Trainer augmentation(Augmentation augmentation) {
        this.augmentation = augmentation;
        return this;
    }

    /**
     * Trains for {@code epochs} epochs, evaluating on {@code test} (may be null) after each.
     *
     * @throws IllegalArgumentException if a dataset's sample shape is not the network's input shape
     */
    public List<Epoch> fit(Dataset train, Dataset test, int epochs) {
        checkData(train);
        if (test != null) {
            checkData(test);
        }
        List<Epoch> history = new ArrayList<>(epochs);
        for (int e = 1; e <= epochs; e++) {
            history.add(epoch(train, test, e, epochs));
        }
        return history;
    }

    private Epoch epoch(Dataset train, Dataset test, int epoch, int epochs) {
        int[] order = Dataset.permutation(train.size(), Init.mix(seed) + epoch);
        int batches = (train.size() + batchSize - 1) / batchSize;
        ProgressBar bar = progress == null ? null : new ProgressBar(progress, epoch, epochs, batches);
        long start = System.nanoTime();
        double lossSum = 0;
        for (int b = 0; b < batches; b++) {
            int from = b * batchSize;
            int n = Math.min(batchSize, train.size() - from);
            Tensor x = gather(train, order, from, n);
            if (augmentation != null) {
                augmentation.apply(x, Init.mix(seed ^ Init.mix(((long) epoch << 32) + b)));
            }
            Tensor target = targets.get(n);
            loss.encodeLabels(batchLabels, target);
            lossSum += step(x, target) * n;
            if (bar != null) {
                bar.update(b + 1, lossSum / (from + n));
            }
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        Epoch result = new Epoch(epoch, lossSum / train.size(), accuracy(train), test == null ? Double.NaN : accuracy(test),
                seconds, train.size() / seconds);
        if (bar != null) {
            bar.finish(result);
        }
        return result;
    }

    /**
     * One training step on a batch: forward (training mode), loss against {@code target}, backward,
     * optimizer update. Returns the batch's loss.
     */
    public double step(Tensor x, Tensor target) {
        Tensor y = network.forward(x, true);
        Tensor dy = gradients.get(y.dim(0));
        double value = loss.forward(y, target, dy);
        network.backward(dy, false);
        optimizer.step();
        return value;
    }

    /** The fraction of {@code data} whose highest-scoring output is its label (inference mode). */
    public double accuracy(Dataset data) {
        checkData(data);
        int correct = 0;
        int[] order = null;
        for (int from = 0; from < data.size(); from += batchSize) {
            int n = Math.min(batchSize, data.size() - from);
            Tensor x = gather(data, order, from, n);
            Tensor y = network.forward(x, false);
            for (int i = 0; i < n; i++) {
                if (argmax(y, i) == batchLabels[i]) {
                    correct++;
                }
            }
        }
        return data.size() == 0 ? Double.NaN : (double) correct / data.size();
    }

    /** The index of the largest value in row {@code i} of a {@code [N, classes]} output. */
    public static int argmax(Tensor y, int i) {
        int classes = y.size() / y.dim(0);
        int at = y.offset() + i * classes;
        int best = 0;
        for (int j = 1; j < classes; j++) {
            if (y.data()[at + j] > y.data()[at + best]) {
                best = j;
            }
        }
        return best;
    }

    /** Copies samples {@code order[from, from + n)} (or {@code [from, from + n)}) into the input buffer and their labels. */
    private Tensor gather(Dataset data, int[] order, int from, int n) {
        Tensor x = inputs.get(n);
        int s = data.sampleShape().size();
        for (int i = 0; i < n; i++) {
            int sample = order == null ? from + i : order[from + i];
            System.arraycopy(data.inputs(), sample * s, x.data(), i * s, s);
            batchLabels[i] = data.labels()[sample];
        }
        return x;
    }

    private void checkData(Dataset data) {
        Shape expected = network.inputShape();
        if (!data.sampleShape().equals(expected)) {
            throw new IllegalArgumentException("Trainer: samples of " + data.sampleShape() + " do not fit the network's input " + expected);
        }
    }
}
