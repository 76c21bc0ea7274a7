package dev.striate.bench;

import dev.striate.bench.GemmSuite.Measurement;
import dev.striate.gemm.GemmConfig;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.openjdk.jmh.results.RunResult;

/** Renders the GEMM suite's results as one Markdown table, one row per shape and thread count. */
final class GemmTable {

    private GemmTable() {
    }

    /** The suite's measurements: FMA peak, Striate and scalar by {@code shape@threads}, each OpenBLAS variant's. */
    record Parsed(double peak, Map<String, Measurement> striate, Map<String, Measurement> scalar,
                  Map<String, Map<String, Measurement>> references) {
    }

    static Parsed parse(List<RunResult> results, Map<String, ? extends Collection<RunResult>> openblas) {
        double peak = Double.NaN;
        Map<String, Measurement> striate = new LinkedHashMap<>();
        Map<String, Measurement> scalar = new LinkedHashMap<>();
        for (RunResult r : results) {
            String label = r.getParams().getBenchmark();
            if (label.endsWith("FmaPeakBenchmark.fma")) {
                peak = Measurement.of(r, FmaPeakBenchmark.flopsPerOperation(), true).gflops();
            } else if (label.endsWith("GemmBenchmark.striate")) {
                striate.put(key(r), measure(r));
            } else if (label.endsWith("ScalarGemmBenchmark.scalarLoop")) {
                scalar.put(r.getParams().getParam("shape"), measure(r));
            }
        }
        Map<String, Map<String, Measurement>> references = new LinkedHashMap<>();
        for (Map.Entry<String, ? extends Collection<RunResult>> v : openblas.entrySet()) {
            Map<String, Measurement> byKey = new LinkedHashMap<>();
            for (RunResult r : v.getValue()) {
                byKey.put(key(r), measure(r));
            }
            references.put(v.getKey(), byKey);
        }
        return new Parsed(peak, striate, scalar, references);
    }

    static String render(List<RunResult> results, Map<String, ? extends Collection<RunResult>> openblas, boolean gc) {
        Parsed parsed = parse(results, openblas);
        double peak = parsed.peak;
        Map<String, Measurement> striate = parsed.striate;
        Map<String, Measurement> scalar = parsed.scalar;
        Map<String, Map<String, Measurement>> references = parsed.references;
        StringBuilder md = new StringBuilder();
        md.append(String.format(Locale.ROOT,
                "GEMM, C = A·B row-major, GFLOPS = 2·M·N·K / time (median fork; ± JMH 99.9%% error; fork range).%n"
                        + "Striate %s. FMA peak (1 core, register-resident FloatVector.fma): %.1f GFLOPS.%n%n",
                GemmConfig.defaults(), peak));
        md.append("| shape | M×N×K | threads | Striate | forks | % peak |");
        for (String v : references.keySet()) {
            md.append(' ').append(v).append(" |");
        }
        md.append(" Striate / best OpenBLAS | scalar loop |");
        if (gc) {
            md.append(" Striate B/op |");
        }
        md.append('\n').append("|---|---|---|---|---|---|");
        md.append("---|".repeat(references.size())).append("---|---|").append(gc ? "---|" : "").append('\n');
        for (Map.Entry<String, Measurement> e : striate.entrySet()) {
            String[] parts = e.getKey().split("@");
            GemmShape shape = GemmShape.parse(parts[0]);
            int threads = Integer.parseInt(parts[1]);
            Measurement s = e.getValue();
            md.append(String.format(Locale.ROOT, "| %s | %d×%d×%d | %d | %s | %s | %.0f%% |", shape.name(), shape.m(),
                    shape.n(), shape.k(), threads, s.format(), s.spread(), 100 * s.gflops() / (peak * threads)));
            double best = 0;
            for (Map<String, Measurement> ref : references.values()) {
                Measurement r = ref.get(e.getKey());
                md.append(' ').append(r == null ? "–" : r.format()).append(" |");
                best = r == null ? best : Math.max(best, r.gflops());
            }
            md.append(best > 0 ? String.format(Locale.ROOT, " %.2f× |", s.gflops() / best) : " – |");
            Measurement sc = threads == 1 ? scalar.get(shape.name()) : null;
            md.append(' ').append(sc == null ? "–" : sc.format()).append(" |");
            if (gc) {
                md.append(String.format(Locale.ROOT, " %.0f |", s.allocBytes()));
            }
            md.append('\n');
        }
        return md.toString();
    }

    private static String key(RunResult r) {
        return r.getParams().getParam("shape") + "@" + r.getParams().getParam("threads");
    }

    private static Measurement measure(RunResult r) {
        return Measurement.of(r, GemmShape.parse(r.getParams().getParam("shape")).flops(), false);
    }
}
