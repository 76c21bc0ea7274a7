package dev.striate.onnx;

import dev.striate.tensor.Tensor;

/**
 * A tensor with the name a TensorProto file gave it ("" when it has none).
 *
 * <p>Thread-safety: the record is immutable; the tensor is not (share it read-only or copy it).
 */
public record NamedTensor(String name, Tensor tensor) {
}
