package dev.striate.bench;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A benchmark run as the regression gate reads it: the machine that ran it and, per benchmark
 * (method and parameters), the JMH mode, score, score error (99.9% half-width) and unit.
 *
 * <p>File format: {@code {"machine": {...}, "jmh": [JMH's own JSON result array]}}, written by
 * {@link GateSuite}; a bare JMH result array is read too (machine unknown).
 */
record BenchReport(Machine machine, Map<String, Result> results) {

    /** One benchmark's primary result. */
    record Result(String mode, double score, double error, String unit) {
        /** Whether a larger score is better (throughput modes). */
        boolean higherIsBetter() {
            return mode.equals("thrpt");
        }
    }

    /** Thrown for a file the gate cannot use; the message names the file and the problem. */
    static final class Unusable extends Exception {
        private static final long serialVersionUID = 1L;

        Unusable(String message) {
            super(message);
        }
    }

    static BenchReport read(Path file) throws Unusable {
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new Unusable(file + ": cannot read: " + e);
        }
        try {
            JsonElement root = JsonParser.parseString(text);
            Machine machine = Machine.UNKNOWN;
            JsonArray jmh;
            if (root.isJsonObject()) {
                JsonObject o = root.getAsJsonObject();
                if (!o.has("jmh") || !o.get("jmh").isJsonArray()) {
                    throw new Unusable(file + ": no \"jmh\" result array");
                }
                jmh = o.getAsJsonArray("jmh");
                if (o.has("machine")) {
                    machine = new Gson().fromJson(o.get("machine"), Machine.class);
                }
            } else if (root.isJsonArray()) {
                jmh = root.getAsJsonArray();
            } else {
                throw new Unusable(file + ": neither a gate report nor a JMH result array");
            }
            Map<String, Result> results = new TreeMap<>();
            for (JsonElement e : jmh) {
                JsonObject r = e.getAsJsonObject();
                String key = key(r.get("benchmark").getAsString(), r.has("params") ? r.getAsJsonObject("params") : null);
                JsonObject metric = r.getAsJsonObject("primaryMetric");
                double score = metric.get("score").getAsDouble();
                JsonElement err = metric.get("scoreError");
                double error = err == null || !err.isJsonPrimitive() || !err.getAsJsonPrimitive().isNumber() ? Double.NaN
                        : err.getAsDouble();
                if (results.put(key, new Result(r.get("mode").getAsString(), score, error,
                        metric.get("scoreUnit").getAsString())) != null) {
                    throw new Unusable(file + ": benchmark " + key + " appears twice");
                }
            }
            if (results.isEmpty()) {
                throw new Unusable(file + ": no benchmark results");
            }
            return new BenchReport(machine, results);
        } catch (JsonParseException | IllegalStateException | NullPointerException | UnsupportedOperationException
                 | ClassCastException | NumberFormatException e) {
            throw new Unusable(file + ": malformed results: " + e.getMessage());
        }
    }

    /** {@code Class.method} then {@code [p=v, ...]} in parameter-name order: stable across runs. */
    static String key(String benchmark, JsonObject params) {
        String shortName = benchmark.substring(benchmark.lastIndexOf('.', benchmark.lastIndexOf('.') - 1) + 1);
        if (params == null || params.isEmpty()) {
            return shortName;
        }
        Map<String, String> sorted = new TreeMap<>();
        params.entrySet().forEach(e -> sorted.put(e.getKey(), e.getValue().getAsString()));
        List<String> parts = new ArrayList<>();
        sorted.forEach((k, v) -> parts.add(k + "=" + v));
        return shortName + " [" + String.join(", ", parts) + "]";
    }

    /** Writes {@code {"machine": ..., "jmh": jmhJson}} to {@code file}. */
    static void write(Path file, Machine machine, String jmhJson) throws IOException {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("machine", machine);
        out.put("jmh", JsonParser.parseString(jmhJson));
        Gson gson = new GsonBuilder().setPrettyPrinting().serializeSpecialFloatingPointValues().create();
        Files.writeString(file, gson.toJson(out), StandardCharsets.UTF_8);
    }
}
