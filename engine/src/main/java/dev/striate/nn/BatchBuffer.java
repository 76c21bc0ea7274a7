package dev.striate.nn;

import dev.striate.tensor.Shape;
import dev.striate.tensor.Tensor;

/**
 * A layer-owned tensor of shape {@code [N, ...sample]}: the array grows when a batch outgrows it and is
 * reused otherwise; the view is rebuilt only when N changes, so steady-state calls allocate nothing.
 */
final class BatchBuffer {

    private final int[] dims;
    private final int sampleSize;
    private float[] data = new float[0];
    private Tensor view;

    BatchBuffer(Shape sample) {
        dims = new int[sample.rank() + 1];
        System.arraycopy(sample.toArray(), 0, dims, 1, sample.rank());
        sampleSize = sample.size();
    }

    Tensor get(int batch) {
        if (view != null && view.dim(0) == batch) {
            return view;
        }
        long size = (long) batch * sampleSize;
        if (size > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("a batch of " + batch + " samples of " + sampleSize
                    + " floats exceeds the largest Java array");
        }
        if (size > data.length) {
            data = new float[(int) size];
        }
        dims[0] = batch;
        view = Tensor.wrap(data, 0, dims);
        return view;
    }
}
