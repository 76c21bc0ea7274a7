package dev.striate.onnx;

/**
 * An operator whose output pass can clamp as it writes, so that {@link Graph}'s fusion folds a
 * following Relu or constant Clip into it instead of running a pass of its own.
 */
interface ClampableOperator extends Operator {

    /** The same operator, its output also clamped to {@code [lo, hi]} (Math.min(Math.max(y, lo), hi)). */
    ClampableOperator clamped(float lo, float hi);
}
