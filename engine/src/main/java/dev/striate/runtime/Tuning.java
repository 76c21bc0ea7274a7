package dev.striate.runtime;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;

/**
 * The machine's tuning profile ({@code ./striate bench tune} writes one): a properties file named by
 * the {@code striate.tuning} system property, else the classpath resource
 * {@code /striate-tuning.properties}; without either every setting keeps its built-in default.
 * A system property set for one setting overrides the profile's value.
 *
 * <p>Keys: {@code gemm.kernel}, {@code gemm.mc}, {@code gemm.kc}, {@code gemm.nc} (read by
 * {@code GemmConfig.defaults()}), {@code conv.winogradMinPixels}, {@code conv.transposedMaxPixels}
 * (read once, when the convolution classes load).
 *
 * <p>Thread-safety: stateless; each call reads the profile.
 */
public final class Tuning {

    private Tuning() {
    }

    /**
     * The profile's properties; empty when there is none.
     *
     * @throws IllegalArgumentException naming the file when it cannot be read
     */
    public static Properties profile() {
        Properties profile = new Properties();
        String file = System.getProperty("striate.tuning");
        try {
            if (file != null && !file.isBlank()) {
                try (InputStream in = Files.newInputStream(Path.of(file))) {
                    profile.load(in);
                }
            } else {
                try (InputStream in = Tuning.class.getResourceAsStream("/striate-tuning.properties")) {
                    if (in != null) {
                        profile.load(in);
                    }
                }
            }
        } catch (IOException | IllegalArgumentException e) {
            throw new IllegalArgumentException("tuning profile " + (file != null ? "'" + file + "'"
                    : "striate-tuning.properties") + " cannot be read: " + e, e);
        }
        return profile;
    }

    /** The system property {@code name}, else the profile's {@code key}, else {@code fallback}. */
    public static String value(String name, Properties profile, String key, String fallback) {
        String v = System.getProperty(name);
        return v != null && !v.isBlank() ? v.trim() : profile.getProperty(key, fallback).trim();
    }

    /**
     * {@link #value} as an int.
     *
     * @throws IllegalArgumentException naming the property or profile key when the value is not an integer
     */
    public static int intValue(String name, Properties profile, String key, int fallback) {
        String v = System.getProperty(name);
        String source = name;
        if (v == null || v.isBlank()) {
            v = profile.getProperty(key);
            source = "tuning profile's " + key;
        }
        if (v == null || v.isBlank()) {
            return fallback;
        }
        try {
            return Integer.parseInt(v.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(source + " must be an integer, got '" + v + "'", e);
        }
    }

    /** {@link #intValue} against the current profile. */
    public static int intValue(String name, String key, int fallback) {
        return intValue(name, profile(), key, fallback);
    }
}
