package dev.striate.nn;

import dev.striate.gemm.Sgemm;
import dev.striate.pool.PoolParams;
import dev.striate.pool.Pooling;
import dev.striate.runtime.ThreadPool;
import dev.striate.tensor.Shape;

/** What the max and average pooling layers share: the shapes, the output and input-gradient buffers. */
abstract class PoolLayer<K extends Pooling> extends BufferedLayer {

    final PoolParams params;
    K kernel;

    PoolLayer(PoolParams params) {
        if (params == null) {
            throw new IllegalArgumentException("pooling: params must not be null");
        }
        this.params = params;
    }

    /** The pooling kernel for this layer on {@code threads}. */
    abstract K kernel(ThreadPool threads);

    public PoolParams params() {
        return params;
    }

    @Override
    Shape prepare(Shape input, Sgemm gemm) {
        if (input.rank() != 3) {
            throw new IllegalArgumentException(this + ": expected input [C, H, W], got " + input);
        }
        kernel = kernel(gemm.pool());
        int[] out = kernel.outputShape(new int[] {1, input.dim(0), input.dim(1), input.dim(2)});
        return Shape.of(out[1], out[2], out[3]);
    }

    /** PyTorch's repr arguments: kernel_size, stride, padding, dilation, ceil_mode where not default. */
    String describe(String name) {
        StringBuilder s = new StringBuilder(name).append("(kernel_size=(").append(params.kernelH()).append(", ")
                .append(params.kernelW()).append("), stride=(").append(params.strideH()).append(", ")
                .append(params.strideW()).append(')');
        if (params.padTop() != 0 || params.padLeft() != 0 || params.padBottom() != 0 || params.padRight() != 0) {
            s.append(", padding=(").append(params.padTop()).append(", ").append(params.padLeft());
            if (params.padTop() != params.padBottom() || params.padLeft() != params.padRight()) {
                s.append(", ").append(params.padBottom()).append(", ").append(params.padRight());
            }
            s.append(')');
        }
        if (params.dilationH() != 1 || params.dilationW() != 1) {
            s.append(", dilation=(").append(params.dilationH()).append(", ").append(params.dilationW()).append(')');
        }
        if (params.ceilMode()) {
            s.append(", ceil_mode=True");
        }
        return s.append(')').toString();
    }
}
