package dev.striate.nn;

import dev.striate.gemm.Sgemm;
import dev.striate.runtime.ThreadPool;
import dev.striate.tensor.Shape;
import dev.striate.tensor.Tensor;

import java.util.Arrays;
import java.util.List;

/**
 * PyTorch's {@code nn.BatchNorm2d(C)} with its defaults ({@code eps = 1e-5}, {@code momentum = 0.1},
 * affine, running statistics tracked). Training normalizes with the batch's mean and biased variance
 * per channel and updates {@code running_mean} and {@code running_var} (the latter with the unbiased
 * variance, as PyTorch); inference normalizes with the running statistics.
 *
 * <p>Sums are in double, per channel in a fixed order; channels run in parallel on the GEMM's thread
 * pool, so results are bitwise identical for any thread count.
 *
 * <p>Thread-safety: as every {@link Layer}, one thread at a time.
 */
public final class BatchNorm2d extends Layer {

    private static final int FORWARD = 0;
    private static final int BACKWARD = 1;

    private final int channels;
    private final float eps;
    private final float momentum;
    private final Parameter weight;
    private final Parameter bias;
    private final Parameter runningMean;
    private final Parameter runningVar;
    private final Kernel kernel = new Kernel();
    private ThreadPool threads;
    private BatchBuffer output;
    private BatchBuffer normalized;
    private BatchBuffer inputGradient;
    private Tensor savedInput;
    private boolean batchStatistics;
    /** Per channel: the mean and 1/√(var + eps) the last forward normalized with. */
    private final float[] mean;
    private final float[] invStd;

    public BatchNorm2d(int channels) {
        this(channels, 1e-5f, 0.1f);
    }

    public BatchNorm2d(int channels, float eps, float momentum) {
        if (channels <= 0) {
            throw new IllegalArgumentException("BatchNorm2d: channels must be > 0, got " + channels);
        }
        if (!(eps > 0f) || Float.isInfinite(eps) || !(momentum >= 0f && momentum <= 1f)) {
            throw new IllegalArgumentException("BatchNorm2d(" + channels + "): eps must be finite and > 0 and momentum in [0, 1], got eps="
                    + eps + ", momentum=" + momentum);
        }
        this.channels = channels;
        this.eps = eps;
        this.momentum = momentum;
        weight = Parameter.trainable("weight", () -> { }, channels);
        bias = Parameter.trainable("bias", () -> { }, channels);
        runningMean = Parameter.buffer("running_mean", channels);
        runningVar = Parameter.buffer("running_var", channels);
        Arrays.fill(weight.value().data(), 1f);
        Arrays.fill(runningVar.value().data(), 1f);
        mean = new float[channels];
        invStd = new float[channels];
    }

    public int channels() {
        return channels;
    }

    public float eps() {
        return eps;
    }

    public float momentum() {
        return momentum;
    }

    /** γ, {@code [C]}. */
    public Parameter weight() {
        return weight;
    }

    /** β, {@code [C]}. */
    public Parameter bias() {
        return bias;
    }

    @Override
    protected Shape configure(Shape input, Sgemm gemm) {
        if (input.rank() != 3 || input.dim(0) != channels) {
            throw new IllegalArgumentException(this + ": expected input [" + channels + ", H, W], got " + input);
        }
        threads = gemm.pool();
        output = new BatchBuffer(input);
        normalized = new BatchBuffer(input);
        inputGradient = new BatchBuffer(input);
        return input;
    }

    @Override
    public Tensor forward(Tensor x, boolean training) {
        int n = batchOf("x", x, inputShape());
        if (training && (long) n * x.dim(2) * x.dim(3) < 2) {
            throw new IllegalArgumentException(this + ": training needs more than one value per channel, got input " + x.shape());
        }
        Tensor y = output.get(n);
        batchStatistics = training;
        if (!training) {
            float[] rm = runningMean.value().data();
            float[] rv = runningVar.value().data();
            for (int c = 0; c < channels; c++) {
                mean[c] = rm[c];
                invStd[c] = (float) (1 / Math.sqrt((double) rv[c] + eps));
            }
        }
        kernel.run(FORWARD, x, y, normalized.get(n), null);
        savedInput = x;
        return y;
    }

    @Override
    public Tensor backward(Tensor dy, boolean inputGradient) {
        requireForward(this, savedInput, dy, outputShape());
        Tensor dx = inputGradient ? this.inputGradient.get(dy.dim(0)) : null;
        kernel.run(BACKWARD, savedInput, dy, normalized.get(dy.dim(0)), dx);
        return dx;
    }

    @Override
    public List<Parameter> parameters() {
        return List.of(weight, bias, runningMean, runningVar);
    }

    @Override
    public void initialize(Init init) {
        Arrays.fill(weight.value().data(), 1f);
        Arrays.fill(bias.value().data(), 0f);
        Arrays.fill(runningMean.value().data(), 0f);
        Arrays.fill(runningVar.value().data(), 1f);
    }

    @Override
    public String toString() {
        return "BatchNorm2d(" + channels + ", eps=" + eps + ", momentum=" + momentum + ")";
    }

    /** One channel per task; the tensors of the current call are set in fields, so dispatch allocates nothing. */
    private final class Kernel implements ThreadPool.ParallelTask {
        private int mode;
        private Tensor x;
        private Tensor yOrDy;
        private Tensor xhat;
        private Tensor dx;

        void run(int mode, Tensor x, Tensor yOrDy, Tensor xhat, Tensor dx) {
            this.mode = mode;
            this.x = x;
            this.yOrDy = yOrDy;
            this.xhat = xhat;
            this.dx = dx;
            try {
                threads.parallelFor(channels, this);
            } finally {
                this.x = null;
                this.yOrDy = null;
                this.xhat = null;
                this.dx = null;
            }
        }

        @Override
        public void run(int c) {
            if (mode == FORWARD) {
                forwardChannel(c, x, yOrDy, xhat);
            } else {
                backwardChannel(c, x, yOrDy, xhat, dx);
            }
        }
    }

    private void forwardChannel(int c, Tensor x, Tensor y, Tensor xhat) {
        int n = x.dim(0);
        int plane = x.dim(2) * x.dim(3);
        float[] in = x.data();
        float[] out = y.data();
        float[] hat = xhat.data();
        if (batchStatistics) {
            double sum = 0;
            for (int i = 0; i < n; i++) {
                int at = x.offset() + (i * channels + c) * plane;
                for (int j = 0; j < plane; j++) {
                    sum += in[at + j];
                }
            }
            long count = (long) n * plane;
            double mu = sum / count;
            double squares = 0;
            for (int i = 0; i < n; i++) {
                int at = x.offset() + (i * channels + c) * plane;
                for (int j = 0; j < plane; j++) {
                    double d = in[at + j] - mu;
                    squares += d * d;
                }
            }
            double variance = squares / count;
            mean[c] = (float) mu;
            invStd[c] = (float) (1 / Math.sqrt(variance + eps));
            float[] rm = runningMean.value().data();
            float[] rv = runningVar.value().data();
            rm[c] = (1 - momentum) * rm[c] + momentum * (float) mu;
            rv[c] = (1 - momentum) * rv[c] + momentum * (float) (squares / (count - 1));
        }
        float mu = mean[c];
        float s = invStd[c];
        float gamma = weight.value().data()[c];
        float beta = bias.value().data()[c];
        for (int i = 0; i < n; i++) {
            int at = (i * channels + c) * plane;
            for (int j = 0; j < plane; j++) {
                float h = (in[x.offset() + at + j] - mu) * s;
                hat[at + j] = h;
                out[y.offset() + at + j] = gamma * h + beta;
            }
        }
    }

    /**
     * dγ = Σ dy·x̂, dβ = Σ dy; dx = γ·s·(dy − (dβ + x̂·dγ)/M) with batch statistics (the mean and
     * variance depend on x), dx = γ·s·dy with running ones.
     */
    private void backwardChannel(int c, Tensor x, Tensor dy, Tensor xhat, Tensor dx) {
        int n = x.dim(0);
        int plane = x.dim(2) * x.dim(3);
        float[] g = dy.data();
        float[] hat = xhat.data();
        double sumDy = 0;
        double sumDyHat = 0;
        for (int i = 0; i < n; i++) {
            int at = (i * channels + c) * plane;
            for (int j = 0; j < plane; j++) {
                float d = g[dy.offset() + at + j];
                sumDy += d;
                sumDyHat += (double) d * hat[at + j];
            }
        }
        weight.grad().data()[c] = (float) sumDyHat;
        bias.grad().data()[c] = (float) sumDy;
        if (dx == null) {
            return;
        }
        float[] out = dx.data();
        float scale = weight.value().data()[c] * invStd[c];
        long count = (long) n * plane;
        float meanDy = batchStatistics ? (float) (sumDy / count) : 0f;
        float meanDyHat = batchStatistics ? (float) (sumDyHat / count) : 0f;
        for (int i = 0; i < n; i++) {
            int at = (i * channels + c) * plane;
            for (int j = 0; j < plane; j++) {
                out[dx.offset() + at + j] = scale * (g[dy.offset() + at + j] - meanDy - hat[at + j] * meanDyHat);
            }
        }
    }
}
