package dev.striate.conv;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A convolution problem (hyperparameters plus batch and image size) named by a oneDNN benchdnn
 * descriptor such as {@code mb1ic64ih56oc64oh56kh3ph1}: the one vocabulary used for layer shapes in
 * tests, benchmarks and reports.
 *
 * <p>Keys as benchdnn: {@code g mb ic ih iw oc oh ow kh kw sh sw ph pw dh dw}; {@code iw}, {@code kw},
 * {@code sw}, {@code pw}, {@code dw} default to their height twin; {@code g}, {@code mb}, strides
 * default to 1, padding to 0, and {@code dh}/{@code dw} count the gaps between kernel taps as benchdnn
 * does ({@code dh0} is a dense kernel, PyTorch's {@code dilation=1}). {@code oh}/{@code ow}, when
 * given, must equal the computed output size. Asymmetric padding, which benchdnn cannot name, adds
 * the Striate keys {@code pb} (bottom) and {@code pr} (right), defaulting to {@code ph}/{@code pw}.
 *
 * <p>Thread-safety: immutable.
 *
 * @param batch  images per call (benchdnn's {@code mb})
 * @param height input height
 * @param width  input width
 * @param params the layer's hyperparameters
 */
public record ConvProblem(int batch, int height, int width, ConvParams params) {

    private static final Pattern TOKEN = Pattern.compile("([a-z]+)(\\d+)");
    private static final String[] KEYS = {"g", "mb", "ic", "ih", "iw", "oc", "oh", "ow", "kh", "kw",
        "sh", "sw", "ph", "pw", "pb", "pr", "dh", "dw"};

    /** @throws IllegalArgumentException if the batch is not positive or the image gives no output */
    public ConvProblem {
        if (params == null) {
            throw new IllegalArgumentException("conv problem needs its params");
        }
        if (batch <= 0) {
            throw new IllegalArgumentException("conv problem " + params + ": batch must be > 0, got " + batch);
        }
        params.outputHeight(height);
        params.outputWidth(width);
    }

    /**
     * Parses a benchdnn-style descriptor (an optional {@code name:} prefix, as in {@code
     * resnet-3x3:mb1ic64ih56oc64oh56kh3ph1}, is ignored).
     *
     * @throws IllegalArgumentException naming the descriptor and what is wrong with it
     */
    public static ConvProblem parse(String descriptor) {
        if (descriptor == null) {
            throw new IllegalArgumentException("conv descriptor must not be null");
        }
        String body = descriptor.substring(descriptor.indexOf(':') + 1);
        Map<String, Integer> values = new LinkedHashMap<>();
        Matcher m = TOKEN.matcher(body);
        int at = 0;
        while (m.lookingAt()) {
            String key = m.group(1);
            if (!java.util.Arrays.asList(KEYS).contains(key)) {
                throw bad(descriptor, "unknown key '" + key + "'");
            }
            int value;
            try {
                value = Integer.parseInt(m.group(2));
            } catch (NumberFormatException e) {
                throw bad(descriptor, "value of '" + key + "' does not fit an int");
            }
            if (values.put(key, value) != null) {
                throw bad(descriptor, "key '" + key + "' given twice");
            }
            at = m.end();
            m.region(at, body.length());
        }
        if (at != body.length() || values.isEmpty()) {
            throw bad(descriptor, "expected key/number pairs like mb1ic64ih56oc64oh56kh3ph1, stuck at '"
                    + body.substring(at) + "'");
        }
        for (String required : new String[] {"ic", "ih", "oc", "kh"}) {
            if (!values.containsKey(required)) {
                throw bad(descriptor, "missing '" + required + "'");
            }
        }
        int ih = values.get("ih");
        int kh = values.get("kh");
        int sh = values.getOrDefault("sh", 1);
        int ph = values.getOrDefault("ph", 0);
        int pw = values.getOrDefault("pw", ph);
        int dh = values.getOrDefault("dh", 0);
        int dw = values.getOrDefault("dw", dh);
        ConvParams params;
        ConvProblem problem;
        try {
            params = new ConvParams(values.get("ic"), values.get("oc"), kh, values.getOrDefault("kw", kh),
                    sh, values.getOrDefault("sw", sh), ph, pw, values.getOrDefault("pb", ph), values.getOrDefault("pr", pw),
                    dh + 1, dw + 1, values.getOrDefault("g", 1));
            problem = new ConvProblem(values.getOrDefault("mb", 1), ih, values.getOrDefault("iw", ih), params);
        } catch (IllegalArgumentException e) {
            throw bad(descriptor, e.getMessage());
        }
        checkGiven(descriptor, values, "oh", problem.outputHeight());
        checkGiven(descriptor, values, "ow", problem.outputWidth());
        return problem;
    }

    public int outputHeight() {
        return params.outputHeight(height);
    }

    public int outputWidth() {
        return params.outputWidth(width);
    }

    /** Multiply-adds of the forward pass. */
    public long macs() {
        return (long) batch * params.outChannels() * outputHeight() * outputWidth() * params.groupPatchSize();
    }

    /** Floating-point operations of the forward pass, {@code 2·macs}: the numerator of GFLOPS. */
    public long flops() {
        return 2 * macs();
    }

    /** The canonical descriptor: benchdnn's keys, defaults left out, output size always shown. */
    @Override
    public String toString() {
        ConvParams p = params;
        StringBuilder s = new StringBuilder();
        if (p.groups() != 1) {
            s.append('g').append(p.groups());
        }
        s.append("mb").append(batch).append("ic").append(p.inChannels()).append("ih").append(height);
        if (width != height) {
            s.append("iw").append(width);
        }
        s.append("oc").append(p.outChannels()).append("oh").append(outputHeight());
        if (width != height || outputWidth() != outputHeight()) {
            s.append("ow").append(outputWidth());
        }
        s.append("kh").append(p.kernelH());
        appendIfDiffers(s, "kw", p.kernelW(), p.kernelH());
        appendIfDiffers(s, "sh", p.strideH(), 1);
        appendIfDiffers(s, "sw", p.strideW(), p.strideH());
        appendIfDiffers(s, "ph", p.padTop(), 0);
        appendIfDiffers(s, "pw", p.padLeft(), p.padTop());
        appendIfDiffers(s, "pb", p.padBottom(), p.padTop());
        appendIfDiffers(s, "pr", p.padRight(), p.padLeft());
        appendIfDiffers(s, "dh", p.dilationH() - 1, 0);
        appendIfDiffers(s, "dw", p.dilationW() - 1, p.dilationH() - 1);
        return s.toString();
    }

    private static void appendIfDiffers(StringBuilder s, String key, int value, int implied) {
        if (value != implied) {
            s.append(key).append(value);
        }
    }

    private static void checkGiven(String descriptor, Map<String, Integer> values, String key, int computed) {
        Integer given = values.get(key);
        if (given != null && given != computed) {
            throw bad(descriptor, key + given + " does not match the computed output size " + computed);
        }
    }

    private static IllegalArgumentException bad(String descriptor, String why) {
        return new IllegalArgumentException("conv descriptor '" + descriptor + "': " + why);
    }
}
