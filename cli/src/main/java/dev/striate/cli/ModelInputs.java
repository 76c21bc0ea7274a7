package dev.striate.cli;

import dev.striate.onnx.Session;
import picocli.CommandLine.Option;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The {@code --shape} and {@code --batch} options: concrete dims for a model's inputs. */
final class ModelInputs {

    @Option(names = "--shape", paramLabel = "NAME=DIMS",
            description = "Dims of an input, like data=1x3x224x224 (repeatable); default: the model's declared shape.")
    Map<String, String> shapes = new LinkedHashMap<>();

    @Option(names = "--batch", description = "Batch size for inputs whose first dimension is free (default: ${DEFAULT-VALUE}).")
    int batch = 1;

    /** Every input's dims. @throws IllegalArgumentException naming an input whose dims are not given or unknown */
    Map<String, int[]> resolve(Session session) {
        if (batch < 1) {
            throw new IllegalArgumentException("--batch must be >= 1, got " + batch);
        }
        List<String> names = session.inputNames();
        for (String name : shapes.keySet()) {
            if (!names.contains(name)) {
                throw new IllegalArgumentException("--shape " + name + ": the model's inputs are " + names);
            }
        }
        Map<String, int[]> dims = new LinkedHashMap<>();
        for (String name : names) {
            int[] d;
            if (shapes.containsKey(name)) {
                d = parse(name, shapes.get(name));
            } else {
                d = session.inputDims(name);
                if (d == null) {
                    throw new IllegalArgumentException("input '" + name + "' has no declared shape: give --shape " + name + "=DIMS");
                }
                if (d.length > 0 && d[0] < 0) {
                    d[0] = batch;
                }
                if (Arrays.stream(d).anyMatch(x -> x < 0)) {
                    throw new IllegalArgumentException("input '" + name + "' has free dimensions " + Arrays.toString(d).replace("-1", "?")
                            + ": give --shape " + name + "=DIMS");
                }
            }
            dims.put(name, d);
        }
        return dims;
    }

    private static int[] parse(String name, String text) {
        try {
            int[] d = Arrays.stream(text.split("x")).mapToInt(Integer::parseInt).toArray();
            if (Arrays.stream(d).anyMatch(x -> x < 0)) {
                throw new NumberFormatException("negative");
            }
            return d;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("--shape " + name + "=" + text + ": expected dims like 1x3x224x224");
        }
    }
}
