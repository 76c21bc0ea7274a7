package dev.striate.onnx;

import dev.striate.tensor.Shape;

import java.util.Arrays;

/**
 * Transpose, Slice, Expand, Tile, DepthToSpace and SpaceToDepth: every output element is one input
 * element at an affine offset ({@code start + Σ index_d·stride_d}), so one walk serves them all —
 * on values known while planning
 * (PyTorch exports {@code F.pad} as ConstantOfShape → Concat → Reshape → Slice(step −1) →
 * Transpose → Reshape → Pad on int64 constants) and on float tensors at run time (PyTorch's
 * Softmax over a non-last axis before opset 13 is Transpose → Softmax → Transpose).
 */
final class StridedOperators {

    private StridedOperators() {
    }

    /**
     * Output {@code dims}; the input offset of output element 0; per output axis, how far the input
     * offset moves for one step along it. Copies row by row (the last axis), one
     * {@link System#arraycopy} per row where that axis is contiguous in the input.
     */
    private record Walk(int[] dims, int start, int[] strides) {

        /** The input offset of the first element of output row {@code row} (rows over every axis but the last). */
        private int rowStart(int row) {
            int at = start;
            for (int d = dims.length - 2; d >= 0; d--) {
                at += (row % dims[d]) * strides[d];
                row /= dims[d];
            }
            return at;
        }

        private int rowLength() {
            return dims.length == 0 ? 1 : dims[dims.length - 1];
        }

        private int rowStride() {
            return dims.length == 0 ? 0 : strides[dims.length - 1];
        }

        /** dst[dstOff ..] := the walked elements of src[srcOff ..] | no allocation. */
        void copy(float[] src, int srcOff, float[] dst, int dstOff) {
            int length = rowLength();
            int stride = rowStride();
            int rows = length == 0 ? 0 : Shape.checkedSize(dims) / length;
            for (int r = 0, to = dstOff; r < rows; r++, to += length) {
                int from = srcOff + rowStart(r);
                if (stride == 1) {
                    System.arraycopy(src, from, dst, to, length);
                } else {
                    for (int i = 0; i < length; i++, from += stride) {
                        dst[to + i] = src[from];
                    }
                }
            }
        }

        /** The walked elements of an int64 constant. */
        long[] copy(long[] src) {
            int length = rowLength();
            int stride = rowStride();
            long[] dst = new long[Shape.checkedSize(dims)];
            int rows = length == 0 ? 0 : dst.length / length;
            for (int r = 0, to = 0; r < rows; r++, to += length) {
                for (int i = 0, from = rowStart(r); i < length; i++, from += stride) {
                    dst[to + i] = src[from];
                }
            }
            return dst;
        }

        /** The step: a constant when x is one, else a run-time copy. */
        Step apply(Value x) {
            return apply(x, dims);
        }

        /** As {@link #apply(Value)}, the walked elements row-major under {@code outputDims} (the same count). */
        Step apply(Value x, int[] outputDims) {
            if (x.longs != null) {
                return Step.constant(Value.longs(outputDims, copy(x.longs)));
            }
            if (x.floats != null) {
                float[] out = new float[Shape.checkedSize(dims)];
                copy(x.floats, 0, out, 0);
                return Step.constant(Value.floats(outputDims, out));
            }
            return Step.compute((i, o) -> copy(i[0].data(), i[0].offset(), o[0].data(), o[0].offset()), 0,
                    Value.runtime(outputDims));
        }
    }

    /** Transpose: output axis i is input axis perm[i]; perm defaults to the axes reversed. */
    static Operator transpose(Node node) {
        String name = node.toString();
        long[] permAttribute = node.getInts("perm");
        return in -> {
            Value x = in[0];
            int rank = x.rank();
            long[] perm = permAttribute;
            if (perm == null) {
                perm = new long[rank];
                for (int i = 0; i < rank; i++) {
                    perm[i] = rank - 1 - i;
                }
            }
            boolean[] seen = new boolean[rank];
            if (perm.length != rank) {
                throw new OnnxException(name + ": perm " + Arrays.toString(perm) + " is not a permutation of input " + x + "'s axes");
            }
            int[] inStrides = Shape.of(x.dims).rowMajorStrides();
            int[] dims = new int[rank];
            int[] strides = new int[rank];
            for (int i = 0; i < rank; i++) {
                long p = perm[i];
                if (p < 0 || p >= rank || seen[(int) p]) {
                    throw new OnnxException(name + ": perm " + Arrays.toString(perm) + " is not a permutation of input " + x
                            + "'s axes");
                }
                seen[(int) p] = true;
                dims[i] = x.dims[(int) p];
                strides[i] = inStrides[(int) p];
            }
            return new Walk(dims, 0, strides).apply(x);
        };
    }

    /**
     * Slice: before opset 10 starts, ends and axes are attributes (steps 1); from 10 they are
     * inputs 1–4, known while planning. Per the specification, negative starts and ends count
     * from the end of the axis, then clamp to {@code [0, dim]} for positive steps and
     * {@code [−1, dim − 1]} for negative ones (so INT64_MAX and INT64_MIN mean "to the end").
     */
    static Operator slice(Node node) {
        String name = node.toString();
        long[][] attributes = node.opset < 10
                ? new long[][] {node.getInts("starts"), node.getInts("ends"), node.getInts("axes")}
                : null;
        if (attributes != null && (attributes[0] == null || attributes[1] == null)) {
            throw node.unsupported("attributes 'starts' and 'ends' are required");
        }
        return Operator.readingWhilePlanning(new int[] {1, 2, 3, 4}, in -> {
            Value x = in[0];
            long[] starts = attributes != null ? attributes[0] : in[1].asLongs();
            long[] ends = attributes != null ? attributes[1] : in[2].asLongs();
            long[] axes = attributes != null ? attributes[2] : in.length > 3 && in[3] != null ? in[3].asLongs() : null;
            long[] steps = attributes == null && in.length > 4 && in[4] != null ? in[4].asLongs() : null;
            int n = starts.length;
            if (ends.length != n || axes != null && axes.length != n || steps != null && steps.length != n) {
                throw new OnnxException(name + ": starts " + Arrays.toString(starts) + ", ends " + Arrays.toString(ends)
                        + ", axes " + Arrays.toString(axes) + " and steps " + Arrays.toString(steps) + " differ in length");
            }
            int rank = x.rank();
            int[] inStrides = Shape.of(x.dims).rowMajorStrides();
            int[] dims = x.dims.clone();
            int[] strides = inStrides.clone();
            boolean[] sliced = new boolean[rank];
            long start = 0;
            for (int j = 0; j < n; j++) {
                long a = axes == null ? j : axes[j] < 0 ? axes[j] + rank : axes[j];
                if (a < 0 || a >= rank || sliced[(int) a]) {
                    throw new OnnxException(name + ": axes " + Arrays.toString(axes) + " are invalid for input " + x);
                }
                int axis = (int) a;
                sliced[axis] = true;
                long dim = x.dims[axis];
                long given = steps == null ? 1 : steps[j];
                if (given == 0) {
                    throw new OnnxException(name + ": step 0 on axis " + axis);
                }
                // a step as long as the axis or longer takes one element at most: no overflow below
                long step = Math.clamp(given, -Math.max(dim, 1), Math.max(dim, 1));
                long first = clampedBound(starts[j], dim, step);
                long end = clampedBound(ends[j], dim, step);
                long count = step > 0 ? Math.max(0, (end - first + step - 1) / step)
                        : Math.max(0, (first - end - step - 1) / -step);
                dims[axis] = (int) count;
                strides[axis] = Math.toIntExact(inStrides[axis] * step);
                start += count == 0 ? 0 : first * inStrides[axis];
            }
            return new Walk(dims, (int) start, strides).apply(x);
        });
    }

    /** A start or end resolved against an axis of {@code dim}: from the end if negative, then clamped (see {@link #slice}). */
    private static long clampedBound(long bound, long dim, long step) {
        long b = bound < 0 ? bound + dim : bound;
        return step > 0 ? Math.clamp(b, 0, dim) : Math.clamp(b, -1, dim - 1);
    }

    /**
     * Expand: the input broadcast (NumPy's rules, both ways) against the shape input 1 holds, known
     * while planning — an affine walk whose stride is 0 along every repeated axis (PyTorch exports
     * {@code F.normalize} with one, the norm expanded back to the input's shape).
     */
    static Operator expand(Node node) {
        String name = node.toString();
        return Operator.readingWhilePlanning(new int[] {1}, in -> {
            Value x = in[0];
            long[] shape = in[1].asLongs();
            int rank = Math.max(x.rank(), shape.length);
            int[] dims = new int[rank];
            int[] strides = new int[rank];
            int[] inStrides = Shape.of(x.dims).rowMajorStrides();
            for (int d = 0; d < rank; d++) {
                int xd = d - (rank - x.rank());
                int sd = d - (rank - shape.length);
                long have = xd < 0 ? 1 : x.dims[xd];
                long want = sd < 0 ? 1 : shape[sd];
                if (want < 0 || want > Integer.MAX_VALUE || have != want && have != 1 && want != 1) {
                    throw new OnnxException(name + ": input " + x + " does not broadcast to shape " + Arrays.toString(shape));
                }
                dims[d] = (int) (have == 1 ? want : have);
                strides[d] = xd < 0 || have == 1 ? 0 : inStrides[xd];
            }
            Shape.checkedSize(dims);
            return new Walk(dims, 0, strides).apply(x);
        });
    }

    /**
     * Tile with repeats known while planning: the walk over {@code [r₀, d₀, r₁, d₁, …]} with stride 0
     * on each repeat axis, read back as {@code [r₀·d₀, r₁·d₁, …]}.
     */
    static Operator tile(Node node) {
        String name = node.toString();
        return Operator.readingWhilePlanning(new int[] {1}, in -> {
            Value x = in[0];
            long[] repeats = in[1].asLongs();
            int rank = x.rank();
            if (repeats.length != rank) {
                throw new OnnxException(name + ": repeats " + Arrays.toString(repeats) + " for input " + x);
            }
            int[] inStrides = Shape.of(x.dims).rowMajorStrides();
            int[] dims = new int[2 * rank];
            int[] strides = new int[2 * rank];
            int[] out = new int[rank];
            for (int d = 0; d < rank; d++) {
                if (repeats[d] < 0 || repeats[d] > Integer.MAX_VALUE) {
                    throw new OnnxException(name + ": repeats " + Arrays.toString(repeats) + " must be non-negative");
                }
                dims[2 * d] = (int) repeats[d];
                dims[2 * d + 1] = x.dims[d];
                strides[2 * d + 1] = inStrides[d];
                out[d] = Math.multiplyExact(x.dims[d], (int) repeats[d]);
            }
            Shape.checkedSize(out);
            return new Walk(dims, 0, strides).apply(x, out);
        });
    }

    /**
     * Col2Im (opset 18; PyTorch's {@code fold}) on 2-D images: input {@code [N, C·kh·kw, L]} of L
     * blocks, image_shape {@code [H, W]} and block_shape {@code [kh, kw]} known while planning,
     * dilations, pads {@code [top, left, bottom, right]} and strides; each block's column added into
     * the {@code [N, C, H, W]} output where its window lies inside the image (a sum: not a walk).
     */
    static Operator col2im(Node node) {
        String name = node.toString();
        long[] dilations = node.getInts("dilations");
        long[] pads = node.getInts("pads");
        long[] strides = node.getInts("strides");
        return Operator.readingWhilePlanning(new int[] {1, 2}, in -> {
            Value x = in[0];
            long[] image = in[1].asLongs();
            long[] block = in[2].asLongs();
            if (image.length != 2 || block.length != 2 || x.rank() != 3
                    || dilations != null && dilations.length != 2 || strides != null && strides.length != 2
                    || pads != null && pads.length != 4) {
                throw new OnnxException(name + ": only 2-D images: input " + x + " [N, C·kh·kw, L], image_shape "
                        + Arrays.toString(image) + ", block_shape " + Arrays.toString(block));
            }
            int[] g = new int[10]; // kh, kw, sh, sw, dh, dw, top, left, bottom, right
            for (int d = 0; d < 2; d++) {
                long k = block[d];
                long st = strides == null ? 1 : strides[d];
                long dl = dilations == null ? 1 : dilations[d];
                long begin = pads == null ? 0 : pads[d];
                long end = pads == null ? 0 : pads[2 + d];
                if (k < 1 || st < 1 || dl < 1 || begin < 0 || end < 0 || image[d] < 1
                        || Math.max(Math.max(k, image[d]), Math.max(begin, end)) > Integer.MAX_VALUE / 4) {
                    throw new OnnxException(name + ": block_shape, image_shape, strides, dilations and pads must be positive sizes");
                }
                g[d] = (int) k;
                g[2 + d] = (int) st;
                g[4 + d] = (int) dl;
                g[6 + d] = (int) begin;
                g[8 + d] = (int) end;
            }
            int h = (int) image[0];
            int w = (int) image[1];
            int oh = (h + g[6] + g[8] - g[4] * (g[0] - 1) - 1) / g[2] + 1;
            int ow = (w + g[7] + g[9] - g[5] * (g[1] - 1) - 1) / g[3] + 1;
            int taps = g[0] * g[1];
            if (oh < 1 || ow < 1 || x.dims[1] % taps != 0 || (long) oh * ow != x.dims[2]) {
                throw new OnnxException(name + ": input " + x + " is not " + oh + "x" + ow + " blocks of " + taps
                        + "-tap columns of an image " + h + "x" + w);
            }
            int channels = x.dims[1] / taps;
            int[] out = {x.dims[0], channels, h, w};
            Shape.checkedSize(out);
            return Step.compute((i, o) -> {
                float[] xs = i[0].data();
                float[] ys = o[0].data();
                java.util.Arrays.fill(ys, o[0].offset(), o[0].offset() + o[0].size(), 0f);
                for (int plane = 0; plane < out[0] * channels; plane++) {
                    int to = o[0].offset() + plane * h * w;
                    for (int ki = 0; ki < g[0]; ki++) {
                        for (int kj = 0; kj < g[1]; kj++) {
                            int from = i[0].offset() + (plane * taps + ki * g[1] + kj) * oh * ow;
                            for (int bh = 0; bh < oh; bh++) {
                                int ih = bh * g[2] - g[6] + ki * g[4];
                                for (int bw = 0; ih >= 0 && ih < h && bw < ow; bw++) {
                                    int iw = bw * g[3] - g[7] + kj * g[5];
                                    if (iw >= 0 && iw < w) {
                                        ys[to + ih * w + iw] += xs[from + bh * ow + bw];
                                    }
                                }
                            }
                        }
                    }
                }
            }, x.size(), Value.runtime(out));
        });
    }

    /**
     * DepthToSpace (DCR or CRD; PyTorch's {@code pixel_shuffle} is CRD) and SpaceToDepth (DCR, or CRD from opset 28) on
     * {@code [N, C, H, W]} with {@code blocksize} b: the specification's reshape to six axes,
     * transpose and reshape back, as one walk over the transposed six-axis view.
     */
    static Operator depthSpace(Node node, boolean toSpace) {
        String name = node.toString();
        long blocksize = node.getInt("blocksize", 0);
        String mode = node.getString("mode", "DCR"); // SpaceToDepth reads it from opset 28
        if (blocksize < 1 || blocksize > 1 << 15 || !mode.equals("DCR") && !mode.equals("CRD")) {
            throw node.unsupported("blocksize " + blocksize + " and mode '" + mode + "' (blocksize >= 1, DCR or CRD)");
        }
        int b = (int) blocksize;
        return in -> {
            Value x = in[0];
            if (x.rank() != 4) {
                throw new OnnxException(name + ": input " + x + " must be [N, C, H, W]");
            }
            int n = x.dims[0];
            int c = x.dims[1];
            int h = x.dims[2];
            int w = x.dims[3];
            int[] view;
            int[] perm;
            int[] out;
            if (toSpace) {
                if (c % (b * b) != 0) {
                    throw new OnnxException(name + ": channels of " + x + " are not a multiple of blocksize² " + b * b);
                }
                int cb = c / (b * b);
                view = mode.equals("DCR") ? new int[] {n, b, b, cb, h, w} : new int[] {n, cb, b, b, h, w};
                perm = mode.equals("DCR") ? new int[] {0, 3, 4, 1, 5, 2} : new int[] {0, 1, 4, 2, 5, 3};
                out = new int[] {n, cb, Math.multiplyExact(h, b), Math.multiplyExact(w, b)};
            } else {
                if (h % b != 0 || w % b != 0) {
                    throw new OnnxException(name + ": height and width of " + x + " are not multiples of blocksize " + b);
                }
                view = new int[] {n, c, h / b, b, w / b, b};
                perm = mode.equals("DCR") ? new int[] {0, 3, 5, 1, 2, 4} : new int[] {0, 1, 3, 5, 2, 4};
                out = new int[] {n, Math.multiplyExact(c, b * b), h / b, w / b};
            }
            int[] viewStrides = Shape.of(view).rowMajorStrides();
            int[] dims = new int[6];
            int[] strides = new int[6];
            for (int i = 0; i < 6; i++) {
                dims[i] = view[perm[i]];
                strides[i] = viewStrides[perm[i]];
            }
            return new Walk(dims, 0, strides).apply(x, out);
        };
    }

    /**
     * ConstantOfShape: a tensor of the shape input 0 holds (known while planning), every element
     * the one-element {@code value} attribute (float 0 by default; float or int64).
     */
    static Operator constantOfShape(Node node, TensorCodec codec) {
        String name = node.toString();
        Value value = node.has("value") ? codec.decode(node.getTensor("value"), node + " value")
                : Value.floats(new int[] {1}, new float[] {0f});
        if (value.size() != 1) {
            throw node.unsupported("value must have one element, got " + value);
        }
        return Operator.readingWhilePlanning(new int[] {0}, in -> {
            long[] shape = in[0].asLongs();
            int[] dims = new int[shape.length];
            for (int i = 0; i < dims.length; i++) {
                if (shape[i] < 0 || shape[i] > Integer.MAX_VALUE) {
                    throw new OnnxException(name + ": shape " + Arrays.toString(shape) + " has dimension " + shape[i]);
                }
                dims[i] = (int) shape[i];
            }
            int size = Shape.checkedSize(dims);
            if (value.longs != null) {
                long[] out = new long[size];
                Arrays.fill(out, value.longs[0]);
                return Step.constant(Value.longs(dims, out));
            }
            float[] out = new float[size];
            Arrays.fill(out, value.floats[0]);
            return Step.constant(Value.floats(dims, out));
        });
    }
}
