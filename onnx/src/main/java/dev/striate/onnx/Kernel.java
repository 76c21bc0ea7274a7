package dev.striate.onnx;

import dev.striate.tensor.Tensor;

/**
 * One planned operator's computation: {@code out := f(in)} on tensors whose shapes planning fixed.
 * Absent inputs and int64 constants are null. Implementations are immutable and safe for
 * concurrent calls on different tensors; steady-state calls allocate nothing.
 */
@FunctionalInterface
interface Kernel {
    void run(Tensor[] in, Tensor[] out);
}
