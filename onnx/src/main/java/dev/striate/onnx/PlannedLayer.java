package dev.striate.onnx;

/**
 * One step of a planned model, for reports.
 *
 * <p>Thread-safety: immutable but for {@code outputDims}, a copy made for this record that its
 * holder may change.
 *
 * @param node       the ONNX node's name ({@code #i} for unnamed nodes, i its index)
 * @param operator   the op types it computes, fused ones joined by '+' ({@code Conv+BatchNormalization+Relu})
 * @param outputDims its first output's dims
 * @param flops      floating-point operations, a multiply-add counting two
 */
public record PlannedLayer(String node, String operator, int[] outputDims, long flops) {
}
