package dev.striate.cli;

import dev.striate.gemm.Sgemm;
import dev.striate.simd.FloatSpecies;
import picocli.CommandLine.Command;

/** What the engine sees on this machine. */
@Command(name = "info", mixinStandardHelpOptions = true, description = "Print the JVM, vector width, threads and GEMM blocking.")
final class InfoCommand implements Runnable {

    @Override
    public void run() {
        System.out.println("java:    " + System.getProperty("java.vm.name") + " " + Runtime.version());
        System.out.println("cpu:     " + Runtime.getRuntime().availableProcessors() + " hardware threads");
        System.out.println("vectors: " + FloatSpecies.PREFERRED.vectorBitSize() + " bits, " + FloatSpecies.LANES + " float lanes");
        System.out.println("threads: " + Sgemm.shared().pool().parallelism());
        System.out.println("gemm:    " + Sgemm.shared().config());
    }
}
