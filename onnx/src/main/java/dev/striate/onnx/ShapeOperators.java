package dev.striate.onnx;

import dev.striate.tensor.Shape;
import dev.striate.tensor.Tensor;

import java.util.Arrays;

/**
 * Operators that move or reinterpret elements: views that share memory (Flatten, Reshape,
 * Squeeze, Unsqueeze, Identity, inference Dropout), copies (Concat, Split, Pad), and the shape arithmetic
 * PyTorch exports around a flatten (Shape, Gather, Cast, Concat on int64), which planning
 * evaluates because it depends only on shapes.
 */
final class ShapeOperators {

    private ShapeOperators() {
    }

    /** Output 0 = input 0 under {@code dims}: a view, or a constant when the input is one. */
    private static Step reshaped(Value x, int[] dims) {
        if (x.floats != null) {
            return Step.constant(Value.floats(dims, x.floats));
        }
        if (x.longs != null) {
            return Step.constant(Value.longs(dims, x.longs));
        }
        return Step.view(0, Value.runtime(dims));
    }

    static Operator identity() {
        return in -> reshaped(in[0], in[0].dims);
    }

    /**
     * Dropout in inference: the identity (a view), and the optional mask all true. Training mode
     * (is_test=0 before opset 7, the training_mode input from 12) is accepted only with ratio 0,
     * where it is the identity too; any other ratio's output is random.
     */
    static Operator dropout(Node node) {
        node.ignore("seed");
        String name = node.toString();
        boolean testMode = node.opset >= 7 || node.getInt("is_test", 0) != 0;
        float ratioAttribute = node.opset < 12 ? node.getFloat("ratio", 0.5f) : 0.5f;
        boolean mask = node.hasOutput(1);
        return Operator.readingWhilePlanning(new int[] {1, 2}, in -> {
            boolean training = !testMode || in.length > 2 && in[2] != null && in[2].scalar() != 0;
            float ratio = node.opset >= 12 && in.length > 1 && in[1] != null ? in[1].scalar() : ratioAttribute;
            if (training && ratio != 0) {
                throw new OnnxException(name + ": training mode with ratio " + ratio + " is not supported (its output is random)");
            }
            if (!mask) {
                return reshaped(in[0], in[0].dims);
            }
            return Step.compute((i, o) -> {
                System.arraycopy(i[0].data(), i[0].offset(), o[0].data(), o[0].offset(), o[0].size());
                java.util.Arrays.fill(o[1].data(), o[1].offset(), o[1].offset() + o[1].size(), 1f);
            }, in[0].size(), Value.runtime(in[0].dims), Value.runtimeBool(in[0].dims));
        });
    }

    static Operator flatten(Node node) {
        String name = node.toString();
        long axis = node.getInt("axis", 1);
        return in -> {
            Value x = in[0];
            int rank = x.rank();
            if (axis < -rank || axis > rank) {
                throw new OnnxException(name + ": axis " + axis + " is out of range for input " + x);
            }
            int a = (int) (axis < 0 ? axis + rank : axis);
            long outer = 1;
            for (int d = 0; d < a; d++) {
                outer *= x.dims[d];
            }
            return reshaped(x, new int[] {(int) outer, outer == 0 ? 0 : (int) (x.size() / outer)});
        };
    }

    /** Reshape: target from the second input (opset 5+), 0 copies the input's dim unless allowzero, -1 inferred. */
    static Operator reshape(Node node) {
        String name = node.toString();
        boolean allowZero = node.getInt("allowzero", 0) != 0;
        return Operator.readingWhilePlanning(new int[] {1}, in -> {
            Value x = in[0];
            long[] target = in[1].asLongs();
            int[] dims = new int[target.length];
            int inferred = -1;
            long known = 1;
            for (int i = 0; i < target.length; i++) {
                long t = target[i];
                if (t == 0 && !allowZero) {
                    if (i >= x.rank()) {
                        throw new OnnxException(name + ": shape " + Arrays.toString(target) + " copies dimension " + i
                                + " that input " + x + " lacks");
                    }
                    t = x.dims[i];
                }
                if (t == -1) {
                    if (inferred >= 0) {
                        throw new OnnxException(name + ": shape " + Arrays.toString(target) + " has more than one -1");
                    }
                    inferred = i;
                    continue;
                }
                if (t < 0 || t > Integer.MAX_VALUE) {
                    throw new OnnxException(name + ": shape " + Arrays.toString(target) + " has dimension " + t);
                }
                dims[i] = (int) t;
                known *= t;
                if (known > Integer.MAX_VALUE) {
                    throw new OnnxException(name + ": shape " + Arrays.toString(target) + " is too large");
                }
            }
            if (inferred >= 0) {
                if (known == 0 || x.size() % known != 0) {
                    throw new OnnxException(name + ": cannot infer the -1 of " + Arrays.toString(target) + " for input " + x);
                }
                dims[inferred] = (int) (x.size() / known);
                known = x.size();
            }
            if (known != x.size()) {
                throw new OnnxException(name + ": input " + x + " of " + x.size() + " elements cannot be reshaped to "
                        + Arrays.toString(dims));
            }
            return reshaped(x, dims);
        });
    }

    /** Squeeze (drop size-1 axes) or Unsqueeze (insert them); axes from the attribute (opset &lt; 13) or input 1. */
    static Operator squeeze(Node node, boolean unsqueeze) {
        String name = node.toString();
        long[] attribute = node.opset < 13 ? node.getInts("axes") : null;
        return Operator.readingWhilePlanning(new int[] {1}, in -> {
            Value x = in[0];
            long[] axes = attribute != null ? attribute : in.length > 1 && in[1] != null ? in[1].asLongs() : null;
            if (unsqueeze && axes == null) {
                throw new OnnxException(name + ": axes are required");
            }
            int rank = unsqueeze ? x.rank() + axes.length : x.rank();
            boolean[] marked = new boolean[rank];
            if (axes != null) {
                for (long a : axes) {
                    long n = a < 0 ? a + rank : a;
                    if (n < 0 || n >= rank || marked[(int) n]) {
                        throw new OnnxException(name + ": axes " + Arrays.toString(axes) + " are invalid for input " + x);
                    }
                    marked[(int) n] = true;
                }
            }
            int[] dims;
            if (unsqueeze) {
                dims = new int[rank];
                for (int d = 0, src = 0; d < rank; d++) {
                    dims[d] = marked[d] ? 1 : x.dims[src++];
                }
            } else {
                dims = new int[rank];
                int n = 0;
                for (int d = 0; d < rank; d++) {
                    boolean drop = axes == null ? x.dims[d] == 1 : marked[d];
                    if (drop && x.dims[d] != 1) {
                        throw new OnnxException(name + ": axis " + d + " of input " + x + " is not 1");
                    }
                    if (!drop) {
                        dims[n++] = x.dims[d];
                    }
                }
                dims = Arrays.copyOf(dims, n);
            }
            return reshaped(x, dims);
        });
    }

    /** Shape (opset 15: start and end): the input's dims as int64, known while planning. */
    static Operator shape(Node node) {
        long start = node.getInt("start", 0);
        long end = node.getInt("end", Long.MAX_VALUE);
        return in -> {
            int rank = in[0].rank();
            int s = (int) Math.clamp(start < 0 ? start + rank : start, 0, rank);
            int e = (int) Math.clamp(end < 0 ? end + rank : end, 0, rank);
            long[] dims = new long[Math.max(0, e - s)];
            for (int i = 0; i < dims.length; i++) {
                dims[i] = in[0].dims[s + i];
            }
            return Step.constant(Value.longs(new int[] {dims.length}, dims));
        };
    }

    /** Size: the input's element count, an int64 scalar known while planning. */
    static Operator size(Node node) {
        return in -> Step.constant(Value.longs(new int[0], new long[] {in[0].size()}));
    }

    /**
     * Range on scalars known while planning: {@code max(⌈(limit − start)/delta⌉, 0)} elements
     * {@code start + i·delta}, int64 when every input is, else float.
     */
    static Operator range(Node node) {
        String name = node.toString();
        return Operator.readingWhilePlanning(new int[] {0, 1, 2}, in -> {
            for (Value v : in) {
                if (v.size() != 1) {
                    throw new OnnxException(name + ": start, limit and delta must be scalars, got " + v);
                }
            }
            boolean integer = in[0].longs != null && in[1].longs != null && in[2].longs != null;
            double start = integer ? in[0].longs[0] : in[0].scalar();
            double limit = integer ? in[1].longs[0] : in[1].scalar();
            double delta = integer ? in[2].longs[0] : in[2].scalar();
            double count = Math.ceil((limit - start) / delta);
            if (delta == 0 || !(count < 1 << 24)) {
                throw new OnnxException(name + ": range " + start + " to " + limit + " by " + delta + " is empty-stepped or too long");
            }
            int n = (int) Math.max(count, 0);
            if (integer) {
                long[] values = new long[n];
                for (int i = 0; i < n; i++) {
                    values[i] = in[0].longs[0] + i * in[2].longs[0];
                }
                return Step.constant(Value.longs(new int[] {n}, values));
            }
            float[] values = new float[n];
            for (int i = 0; i < n; i++) {
                values[i] = (float) (start + i * delta);
            }
            return Step.constant(Value.floats(new int[] {n}, values));
        });
    }

    /** Gather on values known while planning (shape arithmetic). */
    static Operator gather(Node node) {
        String name = node.toString();
        long axisAttribute = node.getInt("axis", 0);
        return Operator.readingWhilePlanning(new int[] {0, 1}, in -> {
            Value data = in[0];
            long[] indices = in[1].asLongs();
            int rank = data.rank();
            if (axisAttribute < -rank || axisAttribute >= rank) {
                throw new OnnxException(name + ": axis " + axisAttribute + " is out of range for " + data);
            }
            int axis = (int) (axisAttribute < 0 ? axisAttribute + rank : axisAttribute);
            int[] dims = new int[rank - 1 + in[1].rank()];
            System.arraycopy(data.dims, 0, dims, 0, axis);
            System.arraycopy(in[1].dims, 0, dims, axis, in[1].rank());
            System.arraycopy(data.dims, axis + 1, dims, axis + in[1].rank(), rank - axis - 1);
            int outer = Shape.checkedSize(Arrays.copyOf(data.dims, axis));
            int inner = Shape.checkedSize(Arrays.copyOfRange(data.dims, axis + 1, rank));
            int extent = data.dims[axis];
            int total = Shape.checkedSize(dims);
            float[] f = data.floats != null ? new float[total] : null;
            long[] l = data.longs != null ? new long[total] : null;
            int at = 0;
            for (int o = 0; o < outer; o++) {
                for (long index : indices) {
                    long i = index < 0 ? index + extent : index;
                    if (i < 0 || i >= extent) {
                        throw new OnnxException(name + ": index " + index + " is out of range for axis " + axis + " of " + data);
                    }
                    int from = (o * extent + (int) i) * inner;
                    if (f != null) {
                        System.arraycopy(data.floats, from, f, at, inner);
                    } else {
                        System.arraycopy(data.longs, from, l, at, inner);
                    }
                    at += inner;
                }
            }
            return Step.constant(f != null ? Value.floats(dims, f) : Value.longs(dims, l));
        });
    }

    /** Cast between float and int64 of values known while planning; a float-to-float cast at run time is a view. */
    static Operator cast(Node node) {
        String name = node.toString();
        long to = node.getInt("to", 0);
        if (to != 1 && to != 6 && to != 7 && to != 9) {
            throw node.unsupported("cast to " + TensorCodec.typeName((int) to) + " is not supported (FLOAT, INT32, INT64, BOOL)");
        }
        return in -> castTo(name, in[0], (int) to);
    }

    /**
     * CastLike: Cast to the element type of input 1 (float32 or int64 here, so a function body's
     * CastLike of a constant to its float input's type, or of shape arithmetic to int64).
     */
    static Operator castLike(Node node) {
        String name = node.toString();
        return in -> castTo(name, in[0], in[1].type == Value.Type.FLOAT ? 1 : 7);
    }

    /**
     * x cast to ONNX type {@code to}: FLOAT (1), INT32 (6, narrowed, kept as int64), INT64 (7) or
     * BOOL (9: 1 and 0, int64 while planning, float32 at run time). Run-time data only to float or bool.
     */
    private static Step castTo(String name, Value x, int to) {
        if (!x.isConstant()) {
            if (to == 9) {
                return Step.compute((i, o) -> {
                    float[] xs = i[0].data();
                    float[] ys = o[0].data();
                    for (int j = 0, n = o[0].size(); j < n; j++) {
                        ys[o[0].offset() + j] = xs[i[0].offset() + j] != 0 ? 1 : 0;
                    }
                }, x.size(), Value.runtimeBool(x.dims));
            }
            if (to != 1) {
                throw new OnnxException(name + ": a cast of run-time data to an integer type is not supported");
            }
            return Step.view(0, Value.runtime(x.dims));
        }
        if (to == 1) {
            float[] f = new float[x.size()];
            for (int i = 0; i < f.length; i++) {
                f[i] = x.floats != null ? x.floats[i] : x.longs[i];
            }
            return Step.constant(Value.floats(x.dims, f));
        }
        long[] l = to == 9 && x.floats != null ? new long[x.size()] : x.asLongs().clone();
        for (int i = 0; i < l.length; i++) {
            if (to == 9) {
                l[i] = (x.floats != null ? x.floats[i] != 0 : l[i] != 0) ? 1 : 0;
            } else if (to == 6) {
                l[i] = (int) l[i];
            }
        }
        return Step.constant(Value.longs(x.dims, l));
    }

    /** Concat along an axis: int64 values while planning, float tensors at run time. */
    static Operator concat(Node node) {
        String name = node.toString();
        if (!node.has("axis")) {
            throw node.unsupported("attribute 'axis' is required");
        }
        long axisAttribute = node.getInt("axis", 0);
        return in -> {
            Value first = in[0];
            int rank = first.rank();
            if (axisAttribute < -rank || axisAttribute >= rank) {
                throw new OnnxException(name + ": axis " + axisAttribute + " is out of range for " + first);
            }
            int axis = (int) (axisAttribute < 0 ? axisAttribute + rank : axisAttribute);
            int[] dims = first.dims.clone();
            long extent = 0;
            boolean constant = true;
            for (Value v : in) {
                if (v == null || v.rank() != rank || v.type != first.type) {
                    throw new OnnxException(name + ": inputs " + Arrays.toString(in) + " differ in rank or type");
                }
                for (int d = 0; d < rank; d++) {
                    if (d != axis && v.dims[d] != dims[d]) {
                        throw new OnnxException(name + ": inputs " + Arrays.toString(in) + " differ outside axis " + axis);
                    }
                }
                extent += v.dims[axis];
                constant &= v.isConstant();
            }
            if (extent > Integer.MAX_VALUE) {
                throw new OnnxException(name + ": concatenated axis of " + extent + " is too large");
            }
            dims[axis] = (int) extent;
            int outer = Shape.checkedSize(Arrays.copyOf(dims, axis));
            int total = Shape.checkedSize(dims);
            int[] inners = new int[in.length];
            for (int j = 0; j < in.length; j++) {
                inners[j] = total == 0 ? 0 : in[j].size() / Math.max(1, outer);
            }
            int rowLength = outer == 0 ? 0 : total / outer;
            if (first.type == Value.Type.INT64) {
                if (!constant) {
                    throw new OnnxException(name + ": int64 inputs must be known while planning");
                }
                long[] out = new long[total];
                for (int o = 0, at = 0; o < outer; o++) {
                    for (int j = 0; j < in.length; j++) {
                        System.arraycopy(in[j].longs, o * inners[j], out, at, inners[j]);
                        at += inners[j];
                    }
                }
                return Step.constant(Value.longs(dims, out));
            }
            Kernel copy = (i, o) -> {
                Tensor y = o[0];
                for (int j = 0, column = 0; j < i.length; column += inners[j], j++) {
                    for (int r = 0; r < outer; r++) {
                        System.arraycopy(i[j].data(), i[j].offset() + r * inners[j], y.data(), y.offset() + r * rowLength + column,
                                inners[j]);
                    }
                }
            };
            // one row (batch 1 along the channels, say): every input is one contiguous slice of the output
            return outer == 1 ? Step.gather(copy, Value.runtime(dims)) : Step.compute(copy, 0, Value.runtime(dims));
        };
    }

    /**
     * Split along an axis into the node's outputs: sizes from the {@code split} attribute (before
     * opset 13) or input 1 (from 13), else equal parts — one per output, or {@code num_outputs}
     * (opset 18) of {@code ceil(dim / n)} with a smaller last. Float tensors at run time, int64
     * values while planning.
     */
    static Operator split(Node node) {
        String name = node.toString();
        long axisAttribute = node.getInt("axis", 0);
        long[] splitAttribute = node.opset < 13 ? node.getInts("split") : null;
        long numOutputs = node.getInt("num_outputs", 0);
        int outputs = node.outputs.size();
        if (numOutputs != 0 && numOutputs != outputs) {
            throw node.unsupported("num_outputs " + numOutputs + " differs from its " + outputs + " outputs");
        }
        return Operator.readingWhilePlanning(new int[] {1}, in -> {
            Value x = in[0];
            int rank = x.rank();
            if (axisAttribute < -rank || axisAttribute >= rank) {
                throw new OnnxException(name + ": axis " + axisAttribute + " is out of range for " + x);
            }
            int axis = (int) (axisAttribute < 0 ? axisAttribute + rank : axisAttribute);
            int extent = x.dims[axis];
            long[] sizes = splitAttribute != null ? splitAttribute : in.length > 1 && in[1] != null ? in[1].asLongs() : null;
            if (sizes == null) {
                sizes = new long[outputs];
                long part = numOutputs != 0 ? (extent + outputs - 1) / outputs : extent / outputs;
                if (numOutputs == 0 && extent % outputs != 0) {
                    throw new OnnxException(name + ": axis " + axis + " of " + x + " does not split into " + outputs + " equal parts");
                }
                for (int j = 0; j < outputs; j++) {
                    sizes[j] = Math.max(0, Math.min(part, extent - j * part));
                }
            }
            long total = 0;
            for (long size : sizes) {
                if (size < 0) {
                    throw new OnnxException(name + ": split " + Arrays.toString(sizes) + " has a negative size");
                }
                total += size;
            }
            if (sizes.length != outputs || total != extent) {
                throw new OnnxException(name + ": split " + Arrays.toString(sizes) + " does not cut axis " + axis + " of " + x
                        + " into its " + outputs + " outputs");
            }
            int outer = Shape.checkedSize(Arrays.copyOf(x.dims, axis));
            int inner = Shape.checkedSize(Arrays.copyOfRange(x.dims, axis + 1, rank));
            Value[] values = new Value[outputs];
            int[] rows = new int[outputs];
            for (int j = 0; j < outputs; j++) {
                int[] dims = x.dims.clone();
                dims[axis] = (int) sizes[j];
                rows[j] = dims[axis] * inner;
                values[j] = x.longs != null ? Value.longs(dims, new long[Shape.checkedSize(dims)]) : Value.runtime(dims);
            }
            int rowLength = extent * inner;
            if (x.longs != null) {
                for (int o = 0; o < outer; o++) {
                    for (int j = 0, column = 0; j < outputs; column += rows[j], j++) {
                        System.arraycopy(x.longs, o * rowLength + column, values[j].longs, o * rows[j], rows[j]);
                    }
                }
                return Step.constant(values);
            }
            return Step.compute((i, o) -> {
                for (int j = 0, column = 0; j < o.length; column += rows[j], j++) {
                    if (o[j] == null) {
                        continue;
                    }
                    for (int r = 0; r < outer; r++) {
                        System.arraycopy(i[0].data(), i[0].offset() + r * rowLength + column, o[j].data(),
                                o[j].offset() + r * rows[j], rows[j]);
                    }
                }
            }, 0, values);
        });
    }

    /**
     * Pad: before opset 11 from attributes, after from inputs (pads, optional constant_value,
     * optional axes from opset 18). Negative pads crop. Modes constant, reflect (the edge row not
     * repeated: PyTorch's {@code ReflectionPad2d}, each pad smaller than its axis) and edge
     * ({@code ReplicationPad2d}); the last two gather through a source index per output index of
     * each axis, fixed while planning.
     */
    static Operator pad(Node node) {
        String name = node.toString();
        String mode = node.getString("mode", "constant");
        if (!mode.equals("constant") && !mode.equals("reflect") && !mode.equals("edge")) {
            throw node.unsupported("mode '" + mode + "' is not supported (constant, reflect, edge)");
        }
        long[] padsAttribute = node.opset < 11 ? node.getInts(node.opset < 2 ? "paddings" : "pads") : null;
        float valueAttribute = node.opset < 11 ? node.getFloat("value", 0f) : 0f;
        return Operator.readingWhilePlanning(new int[] {1, 3}, in -> {
            Value x = in[0];
            int rank = x.rank();
            long[] given = padsAttribute != null ? padsAttribute : in[1].asLongs();
            long[] pads = new long[2 * rank];
            if (in.length > 3 && in[3] != null) {
                long[] axes = in[3].asLongs();
                if (given.length != 2 * axes.length) {
                    throw new OnnxException(name + ": " + given.length + " pads for " + axes.length + " axes");
                }
                for (int j = 0; j < axes.length; j++) {
                    long a = axes[j] < 0 ? axes[j] + rank : axes[j];
                    if (a < 0 || a >= rank) {
                        throw new OnnxException(name + ": axis " + axes[j] + " is out of range for " + x);
                    }
                    pads[(int) a] = given[j];
                    pads[rank + (int) a] = given[axes.length + j];
                }
            } else if (given.length == 2 * rank) {
                pads = given;
            } else {
                throw new OnnxException(name + ": " + given.length + " pads for input " + x + " of rank " + rank);
            }
            int[] dims = new int[rank];
            int[] before = new int[rank];
            for (int d = 0; d < rank; d++) {
                long size = x.dims[d] + pads[d] + pads[rank + d];
                if (size < 0 || size > Integer.MAX_VALUE || Math.abs(pads[d]) > Integer.MAX_VALUE) {
                    throw new OnnxException(name + ": pads " + Arrays.toString(pads) + " give dimension " + size + " for " + x);
                }
                dims[d] = (int) size;
                before[d] = (int) pads[d];
            }
            Shape.checkedSize(dims);
            Value constant = in.length > 2 ? in[2] : null;
            boolean fixed = constant == null || constant.isConstant();
            float value = padsAttribute != null ? valueAttribute : constant == null ? 0f : fixed ? constant.scalar() : 0f;
            int[] inStrides = Shape.of(x.dims).rowMajorStrides();
            int[] outStrides = Shape.of(dims).rowMajorStrides();
            if (!mode.equals("constant") && rank > 0) {
                // per axis, each output index's source offset in x
                int[][] sources = new int[rank][];
                for (int d = 0; d < rank; d++) {
                    int n = x.dims[d];
                    if (n == 0 || mode.equals("reflect") && dims[d] > 0 && (before[d] >= n || pads[rank + d] >= n)) {
                        throw new OnnxException(name + ": " + mode + " pads " + Arrays.toString(pads) + " need each pad smaller "
                                + "than its axis of " + x);
                    }
                    sources[d] = new int[dims[d]];
                    for (int j = 0; j < dims[d]; j++) {
                        int at = j - before[d];
                        at = mode.equals("edge") ? Math.clamp(at, 0, n - 1) : at < 0 ? -at : at >= n ? 2 * (n - 1) - at : at;
                        sources[d][j] = at * inStrides[d];
                    }
                }
                return Step.compute((i, o) -> gather(i[0], o[0], sources, dims), 0, Value.runtime(dims));
            }
            return Step.compute((i, o) -> {
                float v = fixed ? value : i[2].data()[i[2].offset()];
                Arrays.fill(o[0].data(), o[0].offset(), o[0].offset() + o[0].size(), v);
                copyRegion(i[0], o[0], 0, 0, 0, x.dims, dims, before, inStrides, outStrides);
            }, 0, Value.runtime(dims));
        });
    }

    /** {@code y[j₀, …, jₖ] := x[Σ sources_d[j_d]]} (rank ≥ 1), row by row over y's last axis | allocates nothing. */
    private static void gather(Tensor x, Tensor y, int[][] sources, int[] dims) {
        int rank = dims.length;
        float[] xs = x.data();
        float[] ys = y.data();
        int width = dims[rank - 1];
        int[] last = sources[rank - 1];
        for (int row = 0, rows = width == 0 ? 0 : y.size() / width; row < rows; row++) {
            int base = x.offset();
            for (int d = rank - 2, rest = row; d >= 0; d--) {
                base += sources[d][rest % dims[d]];
                rest /= dims[d];
            }
            for (int j = 0, to = y.offset() + row * width; j < width; j++) {
                ys[to + j] = xs[base + last[j]];
            }
        }
    }

    /** Copies the part of {@code x} that lands inside {@code y} when x is shifted by {@code before} per axis. */
    private static void copyRegion(Tensor x, Tensor y, int d, int xAt, int yAt, int[] xDims, int[] yDims, int[] before,
                                   int[] xStrides, int[] yStrides) {
        if (xDims.length == 0) {
            y.data()[y.offset()] = x.data()[x.offset()];
            return;
        }
        int from = Math.max(0, before[d]);
        int to = Math.min(yDims[d], before[d] + xDims[d]);
        if (d == xDims.length - 1) {
            if (to > from) {
                System.arraycopy(x.data(), x.offset() + xAt + from - before[d], y.data(), y.offset() + yAt + from, to - from);
            }
            return;
        }
        for (int o = from; o < to; o++) {
            copyRegion(x, y, d + 1, xAt + (o - before[d]) * xStrides[d], yAt + o * yStrides[d], xDims, yDims, before,
                    xStrides, yStrides);
        }
    }
}
