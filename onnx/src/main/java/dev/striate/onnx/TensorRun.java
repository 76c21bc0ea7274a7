package dev.striate.onnx;

import dev.striate.tensor.Tensor;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Runs a session on TensorProto files and writes its outputs as TensorProto files, in ONNX's
 * backend test layout: what {@code ./striate run} does, so ONNX's own test cases run as they are.
 *
 * <p>Which input a file feeds: {@code NAME=FILE} names it; otherwise the file's own {@code name}
 * field, when it is one of the graph's inputs; files without a name feed the remaining graph
 * inputs in order. Outputs go to {@code DIR/output_<i>.pb} in graph-output order, each named.
 *
 * <p>Thread-safety: stateless.
 */
public final class TensorRun {

    private TensorRun() {
    }

    /**
     * The graph inputs fed by {@code arguments} ({@code FILE} or {@code NAME=FILE}).
     *
     * @throws IllegalArgumentException when a name is unknown, an input is fed twice or not at all
     * @throws OnnxException            when a file is not a float32 TensorProto
     */
    public static Map<String, Tensor> readInputs(Session session, List<String> arguments, long maxBytes) throws IOException {
        List<String> names = session.inputNames();
        Map<String, Tensor> inputs = new LinkedHashMap<>();
        List<Tensor> unnamed = new ArrayList<>();
        for (String argument : arguments) {
            int eq = argument.indexOf('=');
            String explicit = eq > 0 && names.contains(argument.substring(0, eq)) ? argument.substring(0, eq) : null;
            NamedTensor file = TensorFiles.read(Path.of(explicit == null ? argument : argument.substring(eq + 1)), maxBytes);
            String name = explicit != null ? explicit : names.contains(file.name()) ? file.name() : null;
            if (name == null && !file.name().isEmpty()) {
                throw new IllegalArgumentException(argument + ": tensor name '" + file.name()
                        + "' is not an input of the model " + names + "; write NAME=FILE");
            }
            if (name == null) {
                unnamed.add(file.tensor());
            } else if (inputs.put(name, file.tensor()) != null) {
                throw new IllegalArgumentException("input '" + name + "' is given twice");
            }
        }
        int next = 0;
        for (Tensor t : unnamed) {
            while (next < names.size() && inputs.containsKey(names.get(next))) {
                next++;
            }
            if (next == names.size()) {
                throw new IllegalArgumentException("more input files than the model's inputs " + names);
            }
            inputs.put(names.get(next), t);
        }
        for (String name : names) {
            if (!inputs.containsKey(name)) {
                throw new IllegalArgumentException("no file for input '" + name + "'");
            }
        }
        return inputs;
    }

    /** Writes {@code outputs} (a {@link Session#run} result) as {@code dir/output_<i>.pb}; returns the files. */
    public static List<Path> writeOutputs(Session session, Map<String, Tensor> outputs, Path dir) throws IOException {
        List<Path> files = new ArrayList<>();
        List<String> names = session.outputNames();
        for (int i = 0; i < names.size(); i++) {
            Path file = dir.resolve("output_" + i + ".pb");
            TensorFiles.write(file, names.get(i), outputs.get(names.get(i)));
            files.add(file);
        }
        return files;
    }
}
