package dev.striate.onnx;

import com.google.protobuf.CodedInputStream;
import com.google.protobuf.InvalidProtocolBufferException;
import dev.striate.onnx.proto.OnnxProto.TensorProto;
import dev.striate.tensor.Tensor;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * Serialized ONNX {@code TensorProto} files ({@code input_0.pb}, {@code output_0.pb} in ONNX's
 * backend test layout) to and from float32 tensors. Integer files (int64, int32, bool: target
 * shapes, pads) read as floats when every element is exact in float32.
 *
 * <p>Thread-safety: stateless.
 */
public final class TensorFiles {

    private TensorFiles() {
    }

    /**
     * Reads a float32 tensor file.
     *
     * @param maxBytes the largest file accepted, checked before reading
     * @throws OnnxException if the file is not a float32 TensorProto or its sizes are inconsistent
     * @throws IOException   if it cannot be read
     */
    public static NamedTensor read(Path file, long maxBytes) throws IOException {
        long size = Files.size(file);
        if (size > maxBytes) {
            throw new OnnxException(file + ": " + size + " bytes exceed the limit of " + maxBytes);
        }
        TensorProto proto;
        try {
            proto = TensorProto.parseFrom(CodedInputStream.newInstance(Files.readAllBytes(file)));
        } catch (InvalidProtocolBufferException e) {
            throw new OnnxException(file + ": not a TensorProto: " + e.getMessage(), e);
        }
        Value v = new TensorCodec(file.toAbsolutePath().getParent(), maxBytes).decode(proto, file.toString());
        if (v.floats != null) {
            return new NamedTensor(proto.getName(), v.tensor());
        }
        float[] exact = new float[v.longs.length];
        for (int i = 0; i < exact.length; i++) {
            if (Math.abs(v.longs[i]) > 1 << 24) {
                throw new OnnxException(file + ": " + TensorCodec.typeName(proto.getDataType()) + " element " + i + " = "
                        + v.longs[i] + " has no exact float32 value");
            }
            exact[i] = v.longs[i];
        }
        return new NamedTensor(proto.getName(), Tensor.of(exact, v.dims));
    }

    /** {@link #read(Path, long)} with a 2 GiB limit. */
    public static NamedTensor read(Path file) throws IOException {
        return read(file, Integer.MAX_VALUE);
    }

    /** Writes {@code tensor} as a float32 TensorProto named {@code name}, atomically (temp file, then rename). */
    public static void write(Path file, String name, Tensor tensor) throws IOException {
        Path dir = file.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        Path tmp = Files.createTempFile(dir, file.getFileName().toString(), ".tmp");
        try {
            try (OutputStream out = Files.newOutputStream(tmp)) {
                TensorCodec.encode(name, tensor).writeTo(out);
            }
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }
}
