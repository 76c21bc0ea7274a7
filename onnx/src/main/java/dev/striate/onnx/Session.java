package dev.striate.onnx;

import dev.striate.gemm.GemmConfig;
import dev.striate.gemm.Sgemm;
import dev.striate.runtime.ThreadPool;
import dev.striate.runtime.WorkspacePool;
import dev.striate.tensor.Tensor;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * An ONNX model loaded for inference: {@code Session.load(path, options)}, then
 * {@link #run(Map)} with named float32 inputs, any number of times, from any number of threads.
 * A bool input is given, and a bool or int64 output returned, as float32 (ones and zeros; integers
 * exact up to 2^24).
 *
 * <p>Loading parses and checks the whole model first (every unsupported operator, attribute or
 * data type in one {@link OnnxException}), then rewrites it: BatchNormalization folded into the
 * preceding Conv, Relu and constant Clip fused into Conv and Gemm outputs. Each distinct set of
 * input shapes (the batch size may vary between runs) is planned once: shapes checked, shape-only
 * subgraphs and constant subexpressions folded, intermediate tensors laid out by liveness in one
 * arena so that tensors that are never alive together share memory.
 *
 * <p>Thread-safety: {@link #run} may be called concurrently; each call borrows a workspace (an
 * arena and the tensor views of its plan) from a pool, so steady-state runs allocate only the
 * returned outputs, or nothing when the caller passes output tensors. Results are bitwise the same
 * whatever the concurrency and thread count. Lifecycle: {@link #close} after the last run; it
 * stops the session's own thread pool, if it has one, and later runs fail.
 *
 * <p>Profiling ({@link SessionOptions#withProfiling}, as ONNX Runtime's): every run adds each
 * step's wall time to its plan's totals, read by {@link #profile} from any thread, concurrent runs
 * included.
 */
public final class Session implements AutoCloseable {

    /** Plans kept for distinct input shapes; the least recently planned is dropped beyond this. */
    private static final int MAX_PLANS = 16;

    private final Graph graph;
    private final SessionOptions options;
    private final ThreadPool ownedPool;
    private final WorkspacePool<Frame> frames = new WorkspacePool<>();
    private final List<Plan> plans = new ArrayList<>();
    /** The plan of the latest run, whose times {@link #profile} reports. */
    private volatile Plan latestPlan;
    private volatile boolean closed;

    private Session(byte[] model, Path baseDirectory, SessionOptions options) {
        this.options = options;
        this.ownedPool = options.intraOpThreads() > 0 ? new ThreadPool(options.intraOpThreads()) : null;
        ThreadPool pool = ownedPool != null ? ownedPool : ThreadPool.common();
        try {
            this.graph = Graph.load(model, baseDirectory, options, new Execution(pool, new Sgemm(GemmConfig.defaults(), pool)));
        } catch (RuntimeException e) {
            if (ownedPool != null) {
                ownedPool.close();
            }
            throw e;
        }
    }

    /** Loads a model file with {@link SessionOptions#defaults()}. @see #load(Path, SessionOptions) */
    public static Session load(Path model) throws IOException {
        return load(model, SessionOptions.defaults());
    }

    /**
     * Loads a model file; external tensor data is read from files beside it.
     *
     * @throws OnnxException if the file is larger than {@code options.maxModelBytes()}, malformed or
     *                       unsupported
     * @throws IOException   if it cannot be read
     */
    public static Session load(Path model, SessionOptions options) throws IOException {
        long size = Files.size(model);
        if (size > options.maxModelBytes()) {
            throw new OnnxException(model + ": " + size + " bytes exceed the model limit of " + options.maxModelBytes());
        }
        return new Session(Files.readAllBytes(model), model.toAbsolutePath().getParent(), options);
    }

    /** Loads a serialized model from memory (no external data). @throws OnnxException as {@link #load(Path, SessionOptions)} */
    public static Session load(byte[] model, SessionOptions options) {
        if (model.length > options.maxModelBytes()) {
            throw new OnnxException("model of " + model.length + " bytes exceeds the limit of " + options.maxModelBytes());
        }
        return new Session(model, null, options);
    }

    /** The graph inputs the caller feeds, in declaration order (initializers excluded). */
    public List<String> inputNames() {
        return graph.inputs.stream().map(Graph.Input::name).toList();
    }

    /** Declared dims of an input, -1 where free (e.g. the batch); null when the model declares no shape. */
    public int[] inputDims(String name) {
        for (Graph.Input in : graph.inputs) {
            if (in.name().equals(name)) {
                return in.dims() == null ? null : in.dims().clone();
            }
        }
        throw new IllegalArgumentException("no input '" + name + "'; the model's inputs are " + inputNames());
    }

    public List<String> outputNames() {
        return graph.outputs;
    }

    /** Nodes per op type as the model file has them (before fusion). */
    public Map<String, Integer> operatorCounts() {
        return graph.operatorCounts;
    }

    /** Float elements in the model's initializers (weights, biases, normalization statistics). */
    public long parameterCount() {
        return graph.parameterCount;
    }

    /**
     * What runs for the given input shapes, step by step, after fusion and folding: for reports
     * ({@code ./striate info MODEL}). Nothing is executed.
     *
     * @param inputDims every graph input's dims by name
     * @throws IllegalArgumentException if an input is missing or does not fit its declared shape, or
     *                                  the model has value inputs (whose contents shape the plan)
     * @throws OnnxException            if the shapes do not fit the operators
     */
    public List<PlannedLayer> layers(Map<String, int[]> inputDims) {
        Tensor[] shapes = new Tensor[graph.inputs.size()];
        for (int i = 0; i < shapes.length; i++) {
            Graph.Input in = graph.inputs.get(i);
            int[] dims = inputDims.get(in.name());
            if (dims == null) {
                throw new IllegalArgumentException("missing dims for input '" + in.name() + "'");
            }
            if (in.valueInput()) {
                throw new IllegalArgumentException("input '" + in.name() + "' is read while planning; its values are needed");
            }
            shapes[i] = Tensor.zeros(dims);
        }
        return planFor(shapes).layers();
    }

    /**
     * Per step, the time it took in the runs so far for the input shapes of the latest run, as
     * {@code ./striate bench MODEL --per-layer} prints it: the steps that compute (fused nodes as
     * one; views, constants and Concats whose inputs were written in place take none), in execution
     * order. Concurrent runs add up; {@link #resetProfile} starts over (after a warm-up).
     *
     * @throws IllegalStateException if the session was loaded without {@link SessionOptions#profiling},
     *                               or has not run yet
     */
    public List<LayerTime> profile() {
        Plan plan = profiledPlan();
        List<PlannedLayer> layers = plan.layers();
        List<LayerTime> times = new ArrayList<>();
        long runs = plan.timedRuns.get();
        for (int s = 0; s < layers.size(); s++) {
            if (plan.steps[s].kernel != null) {
                times.add(new LayerTime(layers.get(s), runs, plan.stepNanos.get(s)));
            }
        }
        return times;
    }

    /** Zeroes {@link #profile}'s times and runs (of the latest run's input shapes). @throws IllegalStateException as profile */
    public void resetProfile() {
        Plan plan = profiledPlan();
        for (int s = 0; s < plan.stepNanos.length(); s++) {
            plan.stepNanos.set(s, 0);
        }
        plan.timedRuns.set(0);
    }

    private Plan profiledPlan() {
        if (!options.profiling()) {
            throw new IllegalStateException("this session does not profile: load it with SessionOptions.withProfiling(true)");
        }
        Plan plan = latestPlan;
        if (plan == null) {
            throw new IllegalStateException("this session has not run yet: nothing to profile");
        }
        return plan;
    }

    /**
     * Runs the model.
     *
     * @param inputs every graph input by name; tensors are read, never kept or written
     * @return every graph output by name, in graph order, in new tensors
     * @throws IllegalArgumentException if an input is missing, unknown, or of the wrong shape
     * @throws OnnxException if the input shapes do not fit the model's operators
     */
    public Map<String, Tensor> run(Map<String, Tensor> inputs) {
        Map<String, Tensor> outputs = new LinkedHashMap<>();
        execute(inputs, outputs, true);
        return outputs;
    }

    /**
     * Runs the model into the caller's tensors: each entry of {@code outputs} (a graph output name)
     * receives that output and must have its shape; outputs not named are computed but not copied.
     * Allocates nothing in steady state.
     *
     * @throws IllegalArgumentException as {@link #run(Map)}, or when an output tensor has another shape
     */
    public void run(Map<String, Tensor> inputs, Map<String, Tensor> outputs) {
        execute(inputs, outputs, false);
    }

    private void execute(Map<String, Tensor> inputs, Map<String, Tensor> outputs, boolean allocate) {
        if (closed) {
            throw new IllegalStateException("session is closed");
        }
        Frame frame = frames.take();
        if (frame == null) {
            frame = new Frame(graph.inputs.size());
        }
        try {
            Tensor[] given = frame.given();
            checkInputs(inputs, given);
            if (frame.plan() == null || !matches(frame.plan(), given)) {
                frame.bind(planFor(given));
            }
            for (int i = 0; i < given.length; i++) {
                if (!graph.inputs.get(i).valueInput()) {
                    copy(given[i], frame.input(i));
                }
            }
            frame.run(options.profiling());
            if (options.profiling()) {
                latestPlan = frame.plan();
            }
            for (int i = 0; i < graph.outputs.size(); i++) {
                String name = graph.outputs.get(i);
                Tensor result = frame.output(i);
                if (allocate) {
                    outputs.put(name, result.copy());
                } else {
                    Tensor target = outputs.get(name);
                    if (target != null) {
                        if (!target.shape().equals(result.shape())) {
                            throw new IllegalArgumentException("output '" + name + "' is " + result.shape()
                                    + ", the tensor given for it is " + target.shape());
                        }
                        copy(result, target);
                    }
                }
            }
        } finally {
            Arrays.fill(frame.given(), null); // keep no caller tensor alive
            frames.give(frame);
        }
    }

    /** Fills {@code given} with the caller's inputs in graph order. */
    private void checkInputs(Map<String, Tensor> inputs, Tensor[] given) {
        for (int i = 0; i < given.length; i++) {
            Graph.Input in = graph.inputs.get(i);
            Tensor t = inputs.get(in.name());
            if (t == null) {
                throw new IllegalArgumentException("missing input '" + in.name() + "'; the model's inputs are " + inputNames());
            }
            given[i] = t;
        }
        if (inputs.size() != given.length) {
            for (String name : inputs.keySet()) {
                if (!inputNames().contains(name)) {
                    throw new IllegalArgumentException("unknown input '" + name + "'; the model's inputs are " + inputNames());
                }
            }
        }
    }

    /** Whether {@code plan} was made for these input shapes (and value inputs' contents). Allocates nothing. */
    private static boolean matches(Plan plan, Tensor[] given) {
        for (int i = 0; i < given.length; i++) {
            int[] dims = plan.inputDims[i];
            if (given[i].rank() != dims.length) {
                return false;
            }
            for (int d = 0; d < dims.length; d++) {
                if (given[i].dim(d) != dims[d]) {
                    return false;
                }
            }
            float[] values = plan.inputValues[i];
            if (values != null) {
                Tensor t = given[i].isContiguous() ? given[i] : given[i].copy();
                if (!Arrays.equals(values, 0, values.length, t.data(), t.offset(), t.offset() + values.length)) {
                    return false;
                }
            }
        }
        return true;
    }

    private Plan planFor(Tensor[] given) {
        synchronized (plans) {
            for (Plan p : plans) {
                if (matches(p, given)) {
                    return p;
                }
            }
            int[][] dims = new int[given.length][];
            float[][] values = new float[given.length][];
            for (int i = 0; i < given.length; i++) {
                dims[i] = given[i].shape().toArray();
                if (graph.inputs.get(i).valueInput()) {
                    values[i] = given[i].copy().data();
                }
                int[] declared = graph.inputs.get(i).dims();
                if (declared != null && !fits(declared, dims[i])) {
                    throw new IllegalArgumentException("input '" + graph.inputs.get(i).name() + "' has shape "
                            + given[i].shape() + ", the model declares " + Arrays.toString(declared).replace("-1", "?"));
                }
            }
            Plan plan = Plan.compile(graph, dims, values, options.memoryLimitBytes());
            plans.addFirst(plan);
            if (plans.size() > MAX_PLANS) {
                plans.removeLast();
            }
            return plan;
        }
    }

    private static boolean fits(int[] declared, int[] dims) {
        if (declared.length != dims.length) {
            return false;
        }
        for (int d = 0; d < dims.length; d++) {
            if (declared[d] >= 0 && declared[d] != dims[d]) {
                return false;
            }
        }
        return true;
    }

    /** Same-shape copy; dst is contiguous. */
    private static void copy(Tensor src, Tensor dst) {
        Tensor s = src.isContiguous() ? src : src.copy();
        System.arraycopy(s.data(), s.offset(), dst.data(), dst.offset(), s.size());
    }

    /** Stops the session's own thread pool (if it has one); later runs throw {@link IllegalStateException}. */
    @Override
    public void close() {
        closed = true;
        if (ownedPool != null) {
            ownedPool.close();
        }
    }
}
