package dev.striate.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * The regression gate: {@code compare BASELINE.json CURRENT.json} prints a Markdown table per
 * benchmark (baseline, current, change, both JMH errors, verdict) and exits 1 when any benchmark
 * regressed, 0 when none did, 2 when the files cannot be compared (unreadable, malformed, different
 * benchmark sets, units or modes, or different machines) — reported, never silently compared.
 *
 * <p>A change is a regression only when it is worse than the threshold (default 5%, per-benchmark
 * overrides by regular expression) <em>and</em> larger than the combined error
 * {@code sqrt(e₁² + e₂²)} of the two scores, so noise alone does not fail a build. Time modes (avgt,
 * sample, ss): higher is worse; throughput: lower is worse.
 *
 * <p>Usage: {@code Compare BASELINE CURRENT [--threshold PCT] [--threshold-for REGEX=PCT]...
 * [--chart FILE.png] [--out FILE.md] [--allow-other-machine]}. BASELINE may be a directory of
 * baselines: the one recorded on this kind of machine is used ({@link #baselineFor}).
 */
public final class Compare {

    static final int OK = 0;
    static final int REGRESSION = 1;
    static final int UNUSABLE = 2;

    enum Verdict { REGRESSION, IMPROVEMENT, NOISE, UNCHANGED }

    /** One benchmark in both runs; {@code slowdown} is relative, positive = slower. */
    record Row(String benchmark, BenchReport.Result baseline, BenchReport.Result current, double slowdown,
               double threshold, Verdict verdict) {

        /** {@code sqrt(e₁² + e₂²)} of the two JMH errors, in score units (NaN, too few samples, counts as 0). */
        double combinedError() {
            return combinedError(baseline, current);
        }

        static double combinedError(BenchReport.Result b, BenchReport.Result c) {
            return Math.sqrt(square(b.error()) + square(c.error()));
        }

        private static double square(double e) {
            return Double.isNaN(e) ? 0 : e * e;
        }
    }

    /** What comparing two reports gives: rows, or the reasons the files cannot be compared. */
    record Outcome(List<Row> rows, List<String> problems, String machines) {
        int exitStatus() {
            if (!problems.isEmpty()) {
                return UNUSABLE;
            }
            return rows.stream().anyMatch(r -> r.verdict == Verdict.REGRESSION) ? REGRESSION : OK;
        }
    }

    private Compare() {
    }

    public static void main(String[] args) {
        System.exit(run(args));
    }

    /**
     * The baseline in {@code dir} recorded on a machine comparable with {@code machine} (same CPU,
     * cores, vector width and JDK feature release), the first by file name when several are: CI runs
     * on more than one kind of machine, and each kind keeps its own baseline.
     *
     * @throws BenchReport.Unusable when none is, naming the machines the directory has baselines for
     */
    static BenchReport baselineFor(Path dir, Machine machine) throws BenchReport.Unusable {
        List<Path> files;
        try (var listing = Files.list(dir)) {
            files = listing.filter(f -> f.getFileName().toString().endsWith(".json")).sorted().toList();
        } catch (IOException e) {
            throw new BenchReport.Unusable("cannot list baselines in " + dir + ": " + e.getMessage());
        }
        List<String> seen = new ArrayList<>();
        for (Path f : files) {
            BenchReport report = BenchReport.read(f);
            if (report.machine().comparableWith(machine)) {
                return report;
            }
            seen.add(f.getFileName() + " (" + report.machine() + ")");
        }
        throw new BenchReport.Unusable("no baseline in " + dir + " was recorded on a machine like this one (" + machine
                + "); it has " + (seen.isEmpty() ? "none" : String.join(", ", seen)));
    }

    /** Runs the gate; returns the exit status. */
    static int run(String... args) {
        List<String> files = new ArrayList<>();
        List<String> rest = new ArrayList<>();
        for (int i = 0; i < args.length; i++) {
            if (args[i].startsWith("--")) {
                rest.add(args[i]);
                if (!args[i].equals("--allow-other-machine") && i + 1 < args.length) {
                    rest.add(args[++i]);
                }
            } else {
                files.add(args[i]);
            }
        }
        if (files.size() != 2) {
            System.err.println("usage: compare BASELINE.json CURRENT.json [--threshold PCT] [--threshold-for REGEX=PCT]... "
                    + "[--chart FILE.png] [--out FILE.md] [--allow-other-machine]");
            return UNUSABLE;
        }
        double threshold = 5;
        Map<Pattern, Double> overrides = new LinkedHashMap<>();
        String chart = null;
        String out = null;
        boolean otherMachine = false;
        try {
            for (int i = 0; i < rest.size(); i++) {
                String key = rest.get(i);
                switch (key) {
                    case "--allow-other-machine" -> otherMachine = true;
                    case "--threshold" -> threshold = percent(rest.get(++i));
                    case "--threshold-for" -> {
                        String spec = rest.get(++i);
                        int eq = spec.lastIndexOf('=');
                        if (eq <= 0) {
                            throw new IllegalArgumentException("--threshold-for wants REGEX=PCT, got '" + spec + "'");
                        }
                        overrides.put(Pattern.compile(spec.substring(0, eq)), percent(spec.substring(eq + 1)));
                    }
                    case "--chart" -> chart = rest.get(++i);
                    case "--out" -> out = rest.get(++i);
                    default -> throw new IllegalArgumentException("unknown option " + key);
                }
            }
        } catch (IllegalArgumentException | IndexOutOfBoundsException e) {
            System.err.println("compare: " + e.getMessage());
            return UNUSABLE;
        }
        Outcome outcome;
        try {
            BenchReport current = BenchReport.read(Path.of(files.get(1)));
            Path base = Path.of(files.get(0));
            BenchReport baseline = Files.isDirectory(base) ? baselineFor(base, current.machine()) : BenchReport.read(base);
            outcome = compare(baseline, current, threshold, overrides, otherMachine);
        } catch (BenchReport.Unusable e) {
            System.err.println("compare: " + e.getMessage());
            return UNUSABLE;
        }
        String table = markdown(outcome);
        System.out.println(table);
        try {
            if (out != null) {
                Files.writeString(Path.of(out), table);
            }
            if (chart != null && !outcome.rows.isEmpty()) {
                CompareChart.png(outcome.rows, Path.of(chart));
            }
        } catch (IOException e) {
            System.err.println("compare: cannot write: " + e);
            return UNUSABLE;
        }
        return outcome.exitStatus();
    }

    private static double percent(String text) {
        double v = Double.parseDouble(text);
        if (!(v >= 0) || Double.isInfinite(v)) {
            throw new IllegalArgumentException("a threshold must be a percentage >= 0, got " + text);
        }
        return v;
    }

    static Outcome compare(BenchReport baseline, BenchReport current, double threshold, Map<Pattern, Double> overrides,
                           boolean allowOtherMachine) {
        List<String> problems = new ArrayList<>();
        if (!allowOtherMachine && !baseline.machine().comparableWith(current.machine())) {
            problems.add("different machines: baseline on " + baseline.machine() + ", current on " + current.machine()
                    + " (--allow-other-machine compares anyway)");
        }
        TreeSet<String> names = new TreeSet<>(baseline.results().keySet());
        names.addAll(current.results().keySet());
        List<Row> rows = new ArrayList<>();
        for (String name : names) {
            BenchReport.Result b = baseline.results().get(name);
            BenchReport.Result c = current.results().get(name);
            if (b == null || c == null) {
                problems.add((b == null ? "only in current: " : "only in baseline: ") + name);
                continue;
            }
            if (!b.mode().equals(c.mode()) || !b.unit().equals(c.unit())) {
                problems.add(name + ": measured as " + b.mode() + " " + b.unit() + " in the baseline, " + c.mode() + " "
                        + c.unit() + " now");
                continue;
            }
            double limit = threshold;
            for (Map.Entry<Pattern, Double> o : overrides.entrySet()) {
                if (o.getKey().matcher(name).find()) {
                    limit = o.getValue();
                }
            }
            rows.add(row(name, b, c, limit));
        }
        String machines = baseline.machine().equals(current.machine()) ? current.machine().toString()
                : "baseline " + baseline.machine() + "; current " + current.machine();
        return new Outcome(rows, problems, machines);
    }

    static Row row(String name, BenchReport.Result b, BenchReport.Result c, double thresholdPercent) {
        double diff = c.score() - b.score();
        double slowdown = (b.higherIsBetter() ? -diff : diff) / b.score();
        boolean beyondNoise = Math.abs(diff) > Row.combinedError(b, c);
        boolean beyondThreshold = Math.abs(slowdown) * 100 > thresholdPercent;
        Verdict v = !beyondThreshold ? Verdict.UNCHANGED : !beyondNoise ? Verdict.NOISE
                : slowdown > 0 ? Verdict.REGRESSION : Verdict.IMPROVEMENT;
        return new Row(name, b, c, slowdown, thresholdPercent, v);
    }

    static String markdown(Outcome o) {
        StringBuilder s = new StringBuilder();
        s.append("Machine: ").append(o.machines).append("\n\n");
        if (!o.rows.isEmpty()) {
            s.append("| benchmark | baseline | current | change | threshold | verdict |\n|---|---|---|---|---|---|\n");
            for (Row r : o.rows) {
                s.append("| ").append(r.benchmark).append(" | ").append(score(r.baseline)).append(" | ").append(score(r.current))
                        .append(" | ").append(String.format(Locale.ROOT, "%+.1f%% %s", r.slowdown * 100,
                                r.slowdown > 0 ? "slower" : r.slowdown < 0 ? "faster" : ""))
                        .append(" | ").append(String.format(Locale.ROOT, "%.0f%%", r.threshold))
                        .append(" | ").append(switch (r.verdict) {
                            case REGRESSION -> "**regression**";
                            case IMPROVEMENT -> "improvement";
                            case NOISE -> "within error";
                            case UNCHANGED -> "unchanged";
                        }).append(" |\n");
            }
        }
        long regressions = o.rows.stream().filter(r -> r.verdict == Verdict.REGRESSION).count();
        if (!o.problems.isEmpty()) {
            s.append("\n**Cannot compare** (exit 2):\n");
            o.problems.forEach(p -> s.append("- ").append(p).append('\n'));
        } else {
            s.append("\n").append(regressions == 0 ? "No regression" : regressions + " regression" + (regressions > 1 ? "s" : ""))
                    .append(" (").append(o.rows.size()).append(" benchmarks; a regression is worse than its threshold and ")
                    .append("than the two runs' combined error).\n");
        }
        return s.toString();
    }

    private static String score(BenchReport.Result r) {
        return String.format(Locale.ROOT, "%.4g ± %s %s", r.score(), Double.isNaN(r.error()) ? "?"
                : String.format(Locale.ROOT, "%.2g", r.error()), r.unit());
    }
}
