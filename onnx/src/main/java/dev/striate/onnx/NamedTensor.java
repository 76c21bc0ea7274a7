package dev.striate.onnx;

import dev.striate.tensor.Tensor;

/** A tensor with the name a TensorProto file gave it ("" when it has none). */
public record NamedTensor(String name, Tensor tensor) {
}
