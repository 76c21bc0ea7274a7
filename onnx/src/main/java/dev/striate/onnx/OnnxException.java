package dev.striate.onnx;

/**
 * An ONNX model, tensor file or graph that cannot be loaded or planned: a malformed file (truncated,
 * inconsistent sizes, past the configured limits), an unsupported operator, attribute or data type
 * (one exception lists every offending node), or shapes that do not fit the operators. Nothing is
 * left half-built when it is thrown.
 *
 * <p>Thread-safety: immutable once thrown.
 */
public class OnnxException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    public OnnxException(String message) {
        super(message);
    }

    public OnnxException(String message, Throwable cause) {
        super(message, cause);
    }
}
