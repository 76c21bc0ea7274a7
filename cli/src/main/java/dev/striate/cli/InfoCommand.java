package dev.striate.cli;

import dev.striate.gemm.Sgemm;
import dev.striate.onnx.PlannedLayer;
import dev.striate.onnx.Session;
import dev.striate.simd.FloatSpecies;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.Callable;

/** What the engine sees on this machine, or what an ONNX model holds and costs. */
@Command(name = "info", mixinStandardHelpOptions = true,
        description = {"Without MODEL: the JVM, vector width, threads and GEMM blocking.",
            "With MODEL: its inputs, outputs, operators, parameter count and FLOPs per layer."})
final class InfoCommand implements Callable<Integer> {

    @Parameters(index = "0", arity = "0..1", paramLabel = "MODEL", description = "An .onnx file.")
    Path model;

    @Mixin
    ModelInputs shapes;

    @Override
    public Integer call() throws Exception {
        if (model == null) {
            System.out.println("java:    " + System.getProperty("java.vm.name") + " " + Runtime.version());
            System.out.println("cpu:     " + Runtime.getRuntime().availableProcessors() + " hardware threads");
            System.out.println("vectors: " + FloatSpecies.PREFERRED.vectorBitSize() + " bits, " + FloatSpecies.LANES + " float lanes");
            System.out.println("threads: " + Sgemm.shared().pool().parallelism());
            System.out.println("gemm:    " + Sgemm.shared().config());
            return 0;
        }
        try (Session session = Session.load(model)) {
            System.out.println("model:      " + model);
            for (String in : session.inputNames()) {
                int[] d = session.inputDims(in);
                System.out.println("input:      " + in + " " + (d == null ? "(no shape)" : Arrays.toString(d).replace("-1", "?")));
            }
            System.out.println("outputs:    " + String.join(", ", session.outputNames()));
            System.out.println("operators:  " + session.operatorCounts());
            System.out.printf("parameters: %,d%n", session.parameterCount());
            Map<String, int[]> dims = shapes.resolve(session);
            System.out.println();
            System.out.printf("%-28s %-36s %-20s %12s%n", "node", "operator", "output", "MFLOPs");
            long total = 0;
            for (PlannedLayer layer : session.layers(dims)) {
                System.out.printf("%-28s %-36s %-20s %12.2f%n", layer.node(), layer.operator(),
                        Arrays.toString(layer.outputDims()).replace(" ", ""), layer.flops() / 1e6);
                total += layer.flops();
            }
            StringBuilder in = new StringBuilder();
            dims.forEach((k, v) -> in.append(in.isEmpty() ? "" : ", ").append(k).append(Arrays.toString(v)));
            System.out.printf("total: %.3f GFLOPs per run for %s%n", total / 1e9, in);
        }
        return 0;
    }
}
