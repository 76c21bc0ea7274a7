package dev.striate.bench;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/** The {@code --key value} / {@code --flag} command lines of the suites. */
final class SuiteOptions {

    private SuiteOptions() {
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
