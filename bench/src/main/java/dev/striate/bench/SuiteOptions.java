package dev.striate.bench;

import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The {@code --key value} / {@code --flag} command lines of the suites. */
final class SuiteOptions {

    private SuiteOptions() {
    }

    /**
     * {@link #parse} for a suite's {@code main}: {@code --help} or {@code -h} prints the usage and
     * exits 0; a malformed command line, or an option the usage does not name, prints one line naming
     * the problem and the usage, and exits 2 (no stack trace).
     */
    static Map<String, String> parseOrExit(String[] args, Set<String> flags, String usage) {
        for (String a : args) {
            if (a.equals("--help") || a.equals("-h")) {
                System.out.println("usage: " + usage);
                System.exit(0);
            }
        }
        try {
            return parseKnown(args, flags, usage);
        } catch (IllegalArgumentException e) {
            System.err.println("error: " + e.getMessage());
            System.err.println("usage: " + usage);
            System.exit(2);
            throw e; // not reached
        }
    }

    /**
     * {@link #parse}, refusing any option that {@code usage} does not name as {@code --option}.
     *
     * @throws IllegalArgumentException naming the first unknown option or malformed argument
     */
    static Map<String, String> parseKnown(String[] args, Set<String> flags, String usage) {
        Map<String, String> opt = parse(args, flags);
        Set<String> known = new HashSet<>();
        Matcher m = Pattern.compile("--([a-z-]+)").matcher(usage);
        while (m.find()) {
            known.add(m.group(1));
        }
        for (String key : opt.keySet()) {
            if (!known.contains(key)) {
                throw new IllegalArgumentException("unknown option --" + key);
            }
        }
        return opt;
    }

    /**
     * Parses {@code args} into key → value, flags mapping to {@code "true"}.
     *
     * @throws IllegalArgumentException for a stray argument or a key without its value
     */
    static Map<String, String> parse(String[] args, Set<String> flags) {
        Map<String, String> opt = new LinkedHashMap<>();
        for (int i = 0; i < args.length; i++) {
            if (!args[i].startsWith("--")) {
                throw new IllegalArgumentException("unexpected argument '" + args[i] + "'");
            }
            String key = args[i].substring(2);
            boolean flag = flags.contains(key);
            if (!flag && i + 1 >= args.length) {
                throw new IllegalArgumentException("--" + key + " needs a value");
            }
            opt.put(key, flag ? "true" : args[++i]);
        }
        return opt;
    }
}
