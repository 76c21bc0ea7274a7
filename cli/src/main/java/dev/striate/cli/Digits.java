package dev.striate.cli;

import dev.striate.nn.Dataset;
import dev.striate.tensor.Shape;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.zip.GZIPInputStream;

/**
 * The bundled handwritten digits: 1,797 grey 8x8 images (pixels 0..16), labels 0..9, from the test set
 * of the UCI "Optical Recognition of Handwritten Digits" data set (E. Alpaydin, C. Kaynak, 1998),
 * CC BY 4.0; see {@code DIGITS-README.md} beside the data.
 */
final class Digits {

    static final int SIDE = 8;
    static final int CLASSES = 10;
    private static final String RESOURCE = "digits.csv.gz";

    private Digits() {
    }

    /** All images as {@code [1, 8, 8]} samples scaled to [0, 1]. */
    static Dataset load() {
        try (InputStream raw = Digits.class.getResourceAsStream(RESOURCE)) {
            if (raw == null) {
                throw new IllegalStateException("digits: resource " + RESOURCE + " missing from the jar");
            }
            return parse(new GZIPInputStream(raw));
        } catch (IOException e) {
            throw new UncheckedIOException("digits: cannot read " + RESOURCE, e);
        }
    }

    static Dataset parse(InputStream in) throws IOException {
        int pixels = SIDE * SIDE;
        var images = new java.io.ByteArrayOutputStream();
        var labels = new java.util.ArrayList<Integer>();
        try (BufferedReader lines = new BufferedReader(new InputStreamReader(in, StandardCharsets.US_ASCII))) {
            String line;
            int number = 0;
            while ((line = lines.readLine()) != null) {
                number++;
                if (line.isBlank()) {
                    continue;
                }
                String[] fields = line.split(",");
                if (fields.length != pixels + 1) {
                    throw new IOException("digits line " + number + ": " + fields.length + " fields, expected " + (pixels + 1));
                }
                for (int i = 0; i <= pixels; i++) {
                    int v = Integer.parseInt(fields[i].trim());
                    int max = i < pixels ? 16 : CLASSES - 1;
                    if (v < 0 || v > max) {
                        throw new IOException("digits line " + number + ", field " + (i + 1) + ": " + v + " not in [0, " + max + "]");
                    }
                    if (i < pixels) {
                        images.write(v);
                    } else {
                        labels.add(v);
                    }
                }
            }
        }
        byte[] b = images.toByteArray();
        float[] x = new float[b.length];
        for (int i = 0; i < b.length; i++) {
            x[i] = b[i] / 16f;
        }
        return new Dataset(x, Shape.of(1, SIDE, SIDE), labels.stream().mapToInt(Integer::intValue).toArray(), CLASSES);
    }
}
