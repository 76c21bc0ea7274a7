package dev.striate.cli;

import dev.striate.onnx.Session;
import dev.striate.onnx.SessionOptions;
import dev.striate.onnx.TensorRun;
import dev.striate.tensor.Tensor;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/** {@code striate run MODEL --input [NAME=]FILE … --output-dir DIR}: ONNX's backend test layout in and out. */
@Command(name = "run", mixinStandardHelpOptions = true,
        description = {"Run an ONNX model on TensorProto input files; write DIR/output_<i>.pb in graph-output order.",
            "An input file feeds the graph input NAME= names, else the one its own name field names, else the next in order."})
final class RunCommand implements Callable<Integer> {

    @Parameters(index = "0", paramLabel = "MODEL", description = "The .onnx file.")
    Path model;

    @Option(names = "--input", paramLabel = "[NAME=]FILE", required = true, description = "A serialized TensorProto (repeatable).")
    List<String> inputs;

    @Option(names = "--output-dir", paramLabel = "DIR", required = true, description = "Where output_<i>.pb files go.")
    Path outputDir;

    @Option(names = "--threads", description = "Intra-op threads; 0 = all cores (default: ${DEFAULT-VALUE}).")
    int threads;

    @Override
    public Integer call() throws Exception {
        try (Session session = Session.load(model, SessionOptions.defaults().withIntraOpThreads(threads))) {
            Map<String, Tensor> outputs = session.run(TensorRun.readInputs(session, inputs, Integer.MAX_VALUE));
            List<Path> files = TensorRun.writeOutputs(session, outputs, outputDir);
            for (int i = 0; i < files.size(); i++) {
                String name = session.outputNames().get(i);
                System.out.println(name + " " + outputs.get(name).shape() + " -> " + files.get(i));
            }
        }
        return 0;
    }
}
