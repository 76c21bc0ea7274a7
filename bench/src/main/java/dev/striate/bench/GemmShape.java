package dev.striate.bench;

/**
 * A GEMM problem named as the benchmarks' {@code @Param}: a square size ({@code "1024"}) or the GEMM a
 * convolution layer lowers to, named after the layer in oneDNN's style.
 */
record GemmShape(String name, int m, int n, int k) {

    static GemmShape parse(String name) {
        return switch (name) {
            // AlexNet conv2: 256 filters of 48x5x5 (groups folded) over 27x27 outputs.
            case "alexnet-conv2" -> new GemmShape(name, 256, 729, 2400);
            // ResNet 3x3 conv, 64->64 channels at 56x56: K = 64·9.
            case "resnet-3x3-64" -> new GemmShape(name, 64, 3136, 576);
            // ResNet bottleneck 1x1 conv, 256->64 channels at 56x56.
            case "resnet-1x1-256-64" -> new GemmShape(name, 64, 3136, 256);
            default -> {
                int size;
                try {
                    size = Integer.parseInt(name);
                } catch (NumberFormatException e) {
                    throw new IllegalArgumentException("unknown GEMM shape '" + name + "'", e);
                }
                yield new GemmShape(name, size, size, size);
            }
        };
    }

    /** Floating-point operations of one multiply: 2·M·N·K. */
    double flops() {
        return 2.0 * m * n * k;
    }
}
