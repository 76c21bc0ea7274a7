package dev.striate.onnx;

import dev.striate.pool.AvgPool2d;
import dev.striate.pool.GlobalAvgPool;
import dev.striate.pool.GlobalMaxPool;
import dev.striate.pool.GlobalPooling;
import dev.striate.pool.MaxPool2d;
import dev.striate.pool.PoolParams;
import dev.striate.pool.Pooling;

import java.util.Arrays;

/**
 * ONNX MaxPool and AveragePool (1-D and 2-D; pads, auto_pad, dilations, ceil_mode,
 * count_include_pad) on the engine's pooling kernels, and GlobalMaxPool / GlobalAveragePool over
 * any number of spatial axes.
 */
final class PoolOperator implements Operator {

    private final String node;
    private final boolean max;
    private final Window window;
    private final boolean ceil;
    private final boolean countIncludePad;
    private final Execution execution;
    private volatile Pooling cached;

    /** MaxPool or AveragePool. */
    PoolOperator(Node node, boolean max, Execution execution) {
        this.node = node.toString();
        this.max = max;
        this.execution = execution;
        this.window = new Window(node);
        if (window.kernel == null) {
            throw node.unsupported("kernel_shape is required");
        }
        this.ceil = node.getInt("ceil_mode", 0) != 0;
        if (max) {
            node.getInt("storage_order", 0); // only shapes the Indices output, which is rejected
            if (node.hasOutput(1)) {
                throw node.unsupported("the Indices output is not supported");
            }
            countIncludePad = false;
        } else {
            countIncludePad = node.getInt("count_include_pad", 0) != 0;
        }
    }

    @Override
    public Step plan(Value[] in) {
        Value x = in[0];
        if (x.rank() < 3) {
            throw new OnnxException(node + ": input " + x + " must be [N, C, spatial...]");
        }
        int[] g = window.resolve(Arrays.copyOfRange(x.dims, 2, x.rank()), window.kernel);
        int[] x4 = Window.as2d(x.dims);
        Pooling pool;
        int[] y4;
        try {
            PoolParams params = PoolParams.of(g[0], g[1], g[2], g[3]).dilation(g[4], g[5])
                    .padding(g[6], g[7], g[8], g[9]).ceilMode(ceil);
            pool = layer(params);
            y4 = pool.outputShape(x4);
        } catch (IllegalArgumentException e) {
            throw new OnnxException(node + ": input " + x + ": " + e.getMessage(), e);
        }
        int[] yDims = x.rank() == 3 ? new int[] {y4[0], y4[1], y4[3]} : y4;
        long flops = (long) y4[0] * y4[1] * y4[2] * y4[3] * g[0] * g[1];
        return Step.compute((i, o) -> pool.forward(i[0], o[0]), flops, Value.runtime(yDims))
                .seenAs(new int[][] {x4}, new int[][] {y4});
    }

    private Pooling layer(PoolParams params) {
        Pooling last = cached;
        if (last != null && last.params().equals(params)) {
            return last;
        }
        Pooling p = max ? new MaxPool2d(params, execution.pool()) : new AvgPool2d(params, countIncludePad, execution.pool());
        cached = p;
        return p;
    }

    /** GlobalMaxPool or GlobalAveragePool: {@code [N, C, spatial...]} to {@code [N, C, 1, ...]}. */
    static Operator global(Node node, boolean max, Execution execution) {
        String name = node.toString();
        GlobalPooling pool = max ? new GlobalMaxPool(execution.pool()) : new GlobalAvgPool(execution.pool());
        return in -> {
            Value x = in[0];
            if (x.rank() < 3) {
                throw new OnnxException(name + ": input " + x + " must be [N, C, spatial...]");
            }
            int[] yDims = new int[x.rank()];
            Arrays.fill(yDims, 1);
            yDims[0] = x.dims[0];
            yDims[1] = x.dims[1];
            int plane = x.size() / Math.max(1, x.dims[0] * x.dims[1]);
            if (plane == 0) {
                throw new OnnxException(name + ": input " + x + " has an empty spatial extent");
            }
            return Step.compute((i, o) -> pool.forward(i[0], o[0]), x.size(), Value.runtime(yDims))
                    .seenAs(new int[][] {{x.dims[0], x.dims[1], plane, 1}}, new int[][] {{x.dims[0], x.dims[1], 1, 1}});
        };
    }
}
