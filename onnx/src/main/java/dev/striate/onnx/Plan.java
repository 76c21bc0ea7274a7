package dev.striate.onnx;

import dev.striate.onnx.proto.OnnxProto.TensorProto;
import dev.striate.tensor.Tensor;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * A graph compiled for one set of input shapes: every value's shape, the steps that run, what is
 * constant (folded while planning), and where each run-time tensor lives in a frame's arena.
 *
 * <p>Arena layout: values that share memory (views, and in-place results whose input is not read
 * again) form one buffer; each buffer lives from the step that writes it first to the step that
 * reads it last, and buffers whose lifetimes overlap get disjoint ranges, placed largest first at
 * the lowest free offset. Immutable once compiled, shared by every frame.
 */
final class Plan {

    /** Arena offsets are multiples of this many floats (64 bytes). */
    private static final int ALIGN = 16;

    final int[][] inputDims;
    /** The contents of value inputs this plan was made for; null for data inputs. */
    final float[][] inputValues;
    final Value[] values;
    /** Arena offset of each run-time value; -1 for constants and absent inputs. */
    final int[] offsets;
    /** Float constants as tensors, shared read-only by all frames; null elsewhere. */
    final Tensor[] constantTensors;
    final int arenaFloats;
    final Step[] steps;
    /** Per step: the node's name and the op types it computes (fused ones joined by '+'). */
    final String[] stepNodes;
    final String[] stepOperators;
    final int[][] stepInputs;
    final int[][] stepOutputs;
    final int[] inputIds;
    final int[] outputIds;
    /** A profiled session's time per step, summed over its timed runs ({@link Frame#run}), and those runs. */
    final AtomicLongArray stepNanos;
    final AtomicLong timedRuns = new AtomicLong();

    /** One step while planning: what runs, for which node, on which value ids. */
    private record Planned(Step step, String node, String operator, int[] in, int[] out) {
    }

    private Plan(int[][] inputDims, float[][] inputValues, Value[] values, int[] offsets, Tensor[] constantTensors, int arenaFloats,
                 List<Planned> steps, int[] inputIds, int[] outputIds) {
        this.inputDims = inputDims;
        this.inputValues = inputValues;
        this.values = values;
        this.offsets = offsets;
        this.constantTensors = constantTensors;
        this.arenaFloats = arenaFloats;
        this.steps = new Step[steps.size()];
        this.stepNodes = new String[steps.size()];
        this.stepOperators = new String[steps.size()];
        this.stepInputs = new int[steps.size()][];
        this.stepOutputs = new int[steps.size()][];
        for (int s = 0; s < steps.size(); s++) {
            Planned r = steps.get(s);
            this.steps[s] = r.step;
            this.stepNodes[s] = r.node;
            this.stepOperators[s] = r.operator;
            this.stepInputs[s] = r.in;
            this.stepOutputs[s] = r.out;
        }
        this.inputIds = inputIds;
        this.outputIds = outputIds;
        this.stepNanos = new AtomicLongArray(steps.size());
    }

    /** This plan's steps, for reports. */
    List<PlannedLayer> layers() {
        List<PlannedLayer> layers = new ArrayList<>();
        for (int s = 0; s < steps.length; s++) {
            int out = stepOutputs[s][0];
            layers.add(new PlannedLayer(stepNodes[s], stepOperators[s], out < 0 ? new int[0] : values[out].dims.clone(),
                    steps[s].flops));
        }
        return layers;
    }

    /**
     * Plans {@code graph} for inputs of the given dims (in graph input order).
     *
     * @throws OnnxException naming the node whose shapes do not fit, or when the arena would exceed
     *                       {@code memoryLimitBytes}
     */
    static Plan compile(Graph graph, int[][] inputDims, float[][] inputValues, long memoryLimitBytes) {
        Map<String, Integer> ids = new HashMap<>();
        List<Value> values = new ArrayList<>();
        int[] inputIds = new int[inputDims.length];
        for (int i = 0; i < inputDims.length; i++) {
            Graph.Input input = graph.inputs.get(i);
            ids.put(input.name(), values.size());
            inputIds[i] = values.size();
            values.add(inputValues[i] != null ? valueInput(input, inputDims[i], inputValues[i])
                    : input.elementType() == TensorProto.DataType.BOOL_VALUE ? Value.runtimeBool(inputDims[i].clone())
                    : Value.runtime(inputDims[i].clone()));
        }
        List<Planned> steps = new ArrayList<>();
        for (Graph.Entry e : graph.entries) {
            Value[] in = new Value[e.inputs.length];
            int[] inIds = new int[e.inputs.length];
            boolean constantInputs = true;
            for (int j = 0; j < in.length; j++) {
                inIds[j] = -1;
                if (e.inputs[j].isEmpty()) {
                    continue;
                }
                Integer id = ids.get(e.inputs[j]);
                if (id == null) {
                    id = values.size();
                    ids.put(e.inputs[j], id);
                    values.add(graph.constants.get(e.inputs[j]));
                }
                inIds[j] = id;
                in[j] = values.get(id);
                constantInputs &= in[j].isConstant();
            }
            Step step;
            try {
                step = e.operator.plan(in);
            } catch (IllegalArgumentException | ArithmeticException ex) {
                throw new OnnxException(e.node + ": " + ex.getMessage(), ex);
            }
            if (step.kernel != null) {
                requireFloatData(e, in);
            }
            if (step.kernel != null && constantInputs) {
                step = fold(e, step, in);
            }
            int[] outIds = new int[e.outputs.length];
            for (int j = 0; j < outIds.length; j++) {
                outIds[j] = -1;
                if (j < step.outputs.length && !e.outputs[j].isEmpty()) {
                    outIds[j] = values.size();
                    ids.put(e.outputs[j], values.size());
                    values.add(step.outputs[j]);
                }
            }
            if (step.kernel != null || step.viewOf >= 0) {
                steps.add(new Planned(step, e.node.name, e.label, inIds, outIds));
            }
        }
        int[] outputIds = new int[graph.outputs.size()];
        for (int i = 0; i < outputIds.length; i++) {
            Integer id = ids.get(graph.outputs.get(i));
            if (id == null) {
                id = values.size();
                values.add(graph.constants.get(graph.outputs.get(i)));
            }
            outputIds[i] = id;
        }
        Value[] all = values.toArray(Value[]::new);
        Tensor[] constants = new Tensor[all.length];
        for (int v = 0; v < all.length; v++) {
            if (all[v] != null && all[v].floats != null) {
                constants[v] = all[v].tensor();
            }
        }
        for (int id : outputIds) {
            // An int64 graph output (a Shape, say) is returned as float32 elements, exact up to 2^24.
            if (all[id] != null && all[id].longs != null) {
                float[] f = new float[all[id].longs.length];
                for (int i = 0; i < f.length; i++) {
                    f[i] = all[id].longs[i];
                }
                constants[id] = Tensor.of(f, all[id].dims);
            }
        }
        int[] offsets = new int[all.length];
        int arena = layout(all, steps, inputIds, outputIds, offsets);
        if ((long) arena * Float.BYTES > memoryLimitBytes) {
            throw new OnnxException("graph '" + graph.name + "' for inputs " + Arrays.deepToString(inputDims) + " needs "
                    + (long) arena * Float.BYTES + " bytes of intermediate tensors; the session's limit is " + memoryLimitBytes);
        }
        return new Plan(inputDims, inputValues, all, offsets, constants, arena, steps, inputIds, outputIds);
    }

    /** Kernels compute on float32: an int64 value may only feed the positions read while planning. */
    private static void requireFloatData(Graph.Entry e, Value[] in) {
        int[] planned = e.operator.staticInputs();
        for (int j = 0; j < in.length; j++) {
            boolean readWhilePlanning = false;
            for (int p : planned) {
                readWhilePlanning |= p == j;
            }
            if (in[j] != null && in[j].type != Value.Type.FLOAT && !readWhilePlanning) {
                throw new OnnxException(e.node + ": input " + j + " ('" + e.inputs[j] + "') is " + in[j]
                        + "; this operator computes on float32");
            }
        }
    }

    /** A value input's contents as a constant of its declared type. */
    private static Value valueInput(Graph.Input input, int[] dims, float[] data) {
        if (input.elementType() == TensorProto.DataType.FLOAT_VALUE) {
            return Value.floats(dims.clone(), data);
        }
        long[] longs = new long[data.length];
        for (int k = 0; k < data.length; k++) {
            longs[k] = (long) data[k];
        }
        return Value.longs(dims.clone(), longs);
    }

    /** Runs a step whose inputs are all constants now, once, and turns it into constants. */
    private static Step fold(Graph.Entry e, Step step, Value[] in) {
        Tensor[] inputs = new Tensor[in.length];
        for (int j = 0; j < in.length; j++) {
            if (in[j] != null && in[j].floats != null) {
                inputs[j] = view(in[j].tensor(), step.inputViews, j);
            }
        }
        Tensor[] outputs = new Tensor[step.outputs.length];
        Value[] folded = new Value[outputs.length];
        for (int j = 0; j < outputs.length; j++) {
            float[] data = new float[step.outputs[j].size()];
            outputs[j] = view(Tensor.of(data, step.outputs[j].dims), step.outputViews, j);
            folded[j] = Value.floats(step.outputs[j].dims, data);
        }
        try {
            step.kernel.run(inputs, outputs);
        } catch (IllegalArgumentException ex) {
            throw new OnnxException(e.node + ": " + ex.getMessage(), ex);
        }
        return Step.constant(folded);
    }

    /** {@code t} under the step's view shape for tensor {@code j}, if it has one. */
    static Tensor view(Tensor t, int[][] views, int j) {
        return views == null || j >= views.length || views[j] == null ? t : Tensor.wrap(t.data(), t.offset(), views[j]);
    }

    /** Assigns arena offsets to run-time values; returns the arena's size in floats. */
    private static int layout(Value[] values, List<Planned> steps, int[] inputIds, int[] outputIds, int[] offsets) {
        int end = steps.size();
        int[] lastUse = new int[values.length];
        Arrays.fill(lastUse, -1);
        for (int s = 0; s < steps.size(); s++) {
            for (int id : steps.get(s).in) {
                if (id >= 0) {
                    lastUse[id] = s;
                }
            }
        }
        for (int id : outputIds) {
            lastUse[id] = end;
        }
        int[] buffer = new int[values.length];
        Arrays.fill(buffer, -1);
        int[] gatheredInto = new int[values.length];
        int[] within = new int[values.length];
        gatherInPlace(values, steps, outputIds, gatheredInto, within);
        List<int[]> buffers = new ArrayList<>(); // {size, first step, last step}
        for (int id : inputIds) {
            buffer[id] = newBuffer(buffers, values[id], -1);
        }
        for (int s = 0; s < steps.size(); s++) {
            Step step = steps.get(s).step;
            int[] in = steps.get(s).in;
            int[] out = steps.get(s).out;
            for (int j = 0; j < out.length; j++) {
                if (out[j] < 0 || buffer[out[j]] >= 0) {
                    continue; // an elided gather's output, made by its first input's producer
                }
                int target = gatheredInto[out[j]];
                if (target >= 0) {
                    if (buffer[target] < 0) {
                        buffer[target] = newBuffer(buffers, values[target], s);
                    }
                    buffer[out[j]] = buffer[target];
                    continue;
                }
                int shared = -1;
                if (j == 0 && step.viewOf >= 0) {
                    shared = buffer[in[step.viewOf]];
                } else if (j == 0 && step.inPlace && in[0] >= 0 && buffer[in[0]] >= 0
                        && values[in[0]].size() == values[out[0]].size() && diesAt(buffer, lastUse, buffer[in[0]], s)) {
                    shared = buffer[in[0]];
                }
                buffer[out[j]] = shared >= 0 ? shared : newBuffer(buffers, values[out[j]], s);
            }
        }
        for (int v = 0; v < values.length; v++) {
            if (buffer[v] >= 0) {
                int[] b = buffers.get(buffer[v]);
                b[2] = Math.max(b[2], Math.max(lastUse[v], b[1]));
            }
        }
        int[] bufferOffsets = place(buffers);
        int arena = 0;
        for (int v = 0; v < values.length; v++) {
            offsets[v] = buffer[v] >= 0 ? bufferOffsets[buffer[v]] + within[v] : -1;
        }
        for (int b = 0; b < buffers.size(); b++) {
            arena = Math.max(arena, bufferOffsets[b] + buffers.get(b)[0]);
        }
        return arena;
    }

    /**
     * Elides the gathers (Concats of contiguous slices) whose inputs can all be written in place:
     * each input then lives inside the output, {@code gatheredInto[v]} naming it and {@code
     * within[v]} the offset, and the gather's step runs nothing. An input qualifies when a step
     * with a kernel makes it (not a view, not a gather elided before), it is no graph output, and it
     * is gathered once: SqueezeNet's eight Concats copied 3% of its run.
     */
    private static void gatherInPlace(Value[] values, List<Planned> steps, int[] outputIds, int[] gatheredInto,
                                      int[] within) {
        Arrays.fill(gatheredInto, -1);
        int[] producer = new int[values.length];
        Arrays.fill(producer, -1);
        for (int s = 0; s < steps.size(); s++) {
            Planned p = steps.get(s);
            for (int id : p.out) {
                if (id >= 0) {
                    producer[id] = s;
                }
            }
            if (!p.step.gathers || p.out[0] < 0) {
                continue;
            }
            boolean all = true;
            for (int j = 0; j < p.in.length && all; j++) {
                int id = p.in[j];
                all = id >= 0 && producer[id] >= 0 && gatheredInto[id] < 0
                        && steps.get(producer[id]).step.kernel != null && steps.get(producer[id]).step.viewOf < 0;
                for (int o : outputIds) {
                    all &= o != id;
                }
                for (int k = 0; k < j; k++) {
                    all &= p.in[k] != id;
                }
            }
            if (!all) {
                continue;
            }
            for (int j = 0, at = 0; j < p.in.length; at += values[p.in[j]].size(), j++) {
                gatheredInto[p.in[j]] = p.out[0];
                within[p.in[j]] = at;
            }
            steps.set(s, new Planned(p.step.elided(), p.node, p.operator, p.in, p.out));
        }
    }

    /** Whether no value of buffer {@code b} is read after step {@code s} (nor is a graph output). */
    private static boolean diesAt(int[] buffer, int[] lastUse, int b, int s) {
        for (int v = 0; v < buffer.length; v++) {
            if (buffer[v] == b && lastUse[v] > s) {
                return false;
            }
        }
        return true;
    }

    private static int newBuffer(List<int[]> buffers, Value v, int step) {
        long size = ((long) v.size() + ALIGN - 1) / ALIGN * ALIGN;
        if (size > Integer.MAX_VALUE) {
            throw new OnnxException("tensor " + v + " is too large");
        }
        buffers.add(new int[] {(int) size, step, step});
        return buffers.size() - 1;
    }

    /** Offsets for buffers {size, first, last}: largest first, lowest offset free over its lifetime. */
    private static int[] place(List<int[]> buffers) {
        Integer[] order = new Integer[buffers.size()];
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        Arrays.sort(order, (a, b) -> Integer.compare(buffers.get(b)[0], buffers.get(a)[0]));
        int[] offsets = new int[buffers.size()];
        List<Integer> placed = new ArrayList<>();
        for (int b : order) {
            int[] me = buffers.get(b);
            List<int[]> busy = new ArrayList<>(); // {offset, end} of live-overlapping placed buffers
            for (int p : placed) {
                int[] other = buffers.get(p);
                if (other[1] <= me[2] && me[1] <= other[2]) {
                    busy.add(new int[] {offsets[p], offsets[p] + other[0]});
                }
            }
            busy.sort((x, y) -> Integer.compare(x[0], y[0]));
            long at = 0;
            for (int[] range : busy) {
                if (at + me[0] <= range[0]) {
                    break;
                }
                at = Math.max(at, range[1]);
            }
            if (at + me[0] > Integer.MAX_VALUE) {
                throw new OnnxException("intermediate tensors need more than " + Integer.MAX_VALUE + " floats");
            }
            offsets[b] = (int) at;
            placed.add(b);
        }
        return offsets;
    }
}
