package dev.striate.onnx;

import com.google.protobuf.ByteString;
import dev.striate.onnx.proto.OnnxProto.StringStringEntryProto;
import dev.striate.onnx.proto.OnnxProto.TensorProto;
import dev.striate.tensor.Tensor;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * TensorProto to and from {@link Value}: float32 tensors, and int64 / int32 / bool ones for shape
 * arithmetic. Elements come from {@code raw_data} (little-endian), the typed repeated fields, or an
 * external data file next to the model. Every declared size is checked against the bytes actually
 * present, and against the byte limit, before an array is allocated.
 */
final class TensorCodec {

    private final Path baseDirectory;
    private final long maxBytes;

    /**
     * @param baseDirectory where external data files are looked up; null when the tensor came from
     *                      memory and must carry its data inline
     * @param maxBytes      the most bytes one tensor may hold
     */
    TensorCodec(Path baseDirectory, long maxBytes) {
        this.baseDirectory = baseDirectory;
        this.maxBytes = maxBytes;
    }

    Value decode(TensorProto t, String what) {
        int[] dims = dims(t, what);
        long count = 1;
        for (int d : dims) {
            count *= d;
        }
        int type = t.getDataType();
        int width = switch (type) {
            case TensorProto.DataType.FLOAT_VALUE, TensorProto.DataType.INT32_VALUE -> 4;
            case TensorProto.DataType.INT64_VALUE -> 8;
            case TensorProto.DataType.BOOL_VALUE -> 1;
            default -> throw new OnnxException(what + ": data type " + typeName(type)
                    + " is not supported (float32, and int64/int32/bool for shapes and flags)");
        };
        if (count * width > Math.min(maxBytes, Integer.MAX_VALUE - 8)) {
            throw new OnnxException(what + ": " + count + " elements of " + width + " bytes exceed the limit of "
                    + maxBytes + " bytes");
        }
        if (t.hasSegment()) {
            throw new OnnxException(what + ": segmented tensors are not supported");
        }
        ByteBuffer raw = rawBytes(t, what, count * width);
        int n = (int) count;
        if (type == TensorProto.DataType.FLOAT_VALUE) {
            float[] data = new float[n];
            if (raw != null) {
                raw.asFloatBuffer().get(data);
            } else {
                requireCount(what, "float_data", t.getFloatDataCount(), n);
                for (int i = 0; i < n; i++) {
                    data[i] = t.getFloatData(i);
                }
            }
            return Value.floats(dims, data);
        }
        long[] data = new long[n];
        if (raw != null) {
            for (int i = 0; i < n; i++) {
                data[i] = switch (width) {
                    case 8 -> raw.getLong();
                    case 4 -> raw.getInt();
                    default -> raw.get() != 0 ? 1 : 0;
                };
            }
        } else if (type == TensorProto.DataType.INT64_VALUE) {
            requireCount(what, "int64_data", t.getInt64DataCount(), n);
            for (int i = 0; i < n; i++) {
                data[i] = t.getInt64Data(i);
            }
        } else {
            // int32 and bool are both stored in int32_data.
            requireCount(what, "int32_data", t.getInt32DataCount(), n);
            for (int i = 0; i < n; i++) {
                data[i] = type == TensorProto.DataType.BOOL_VALUE ? (t.getInt32Data(i) != 0 ? 1 : 0) : t.getInt32Data(i);
            }
        }
        return Value.longs(dims, data);
    }

    /** A float tensor as TensorProto with raw little-endian data. */
    static TensorProto encode(String name, Tensor tensor) {
        Tensor t = tensor.isContiguous() ? tensor : tensor.copy();
        ByteBuffer bytes = ByteBuffer.allocate(Math.multiplyExact(t.size(), 4)).order(ByteOrder.LITTLE_ENDIAN);
        bytes.asFloatBuffer().put(t.data(), t.offset(), t.size());
        TensorProto.Builder b = TensorProto.newBuilder().setDataType(TensorProto.DataType.FLOAT_VALUE)
                .setRawData(ByteString.copyFrom(bytes));
        for (int d : t.shape().toArray()) {
            b.addDims(d);
        }
        if (name != null) {
            b.setName(name);
        }
        return b.build();
    }

    static String typeName(int type) {
        TensorProto.DataType known = TensorProto.DataType.forNumber(type);
        return known == null ? "#" + type : known.name();
    }

    private static int[] dims(TensorProto t, String what) {
        int[] dims = new int[t.getDimsCount()];
        long count = 1;
        for (int i = 0; i < dims.length; i++) {
            long d = t.getDims(i);
            if (d < 0 || d > Integer.MAX_VALUE) {
                throw new OnnxException(what + ": dimension " + i + " is " + d + " (must be 0.." + Integer.MAX_VALUE + ")");
            }
            count *= d;
            if (count > Integer.MAX_VALUE) {
                throw new OnnxException(what + ": shape " + t.getDimsList() + " holds more than "
                        + Integer.MAX_VALUE + " elements");
            }
            dims[i] = (int) d;
        }
        return dims;
    }

    private static void requireCount(String what, String field, int present, int expected) {
        if (present != expected) {
            throw new OnnxException(what + ": " + field + " holds " + present + " elements, the shape needs " + expected);
        }
    }

    /** The raw bytes (little-endian, positioned at 0), or null when the typed fields hold the data. */
    private ByteBuffer rawBytes(TensorProto t, String what, long expectedBytes) {
        if (t.getDataLocation() == TensorProto.DataLocation.EXTERNAL) {
            return external(t, what, expectedBytes);
        }
        if (t.getRawData().isEmpty() && expectedBytes > 0) {
            return null;
        }
        if (t.getRawData().size() != expectedBytes) {
            throw new OnnxException(what + ": raw_data holds " + t.getRawData().size() + " bytes, the shape "
                    + t.getDimsList() + " of " + typeName(t.getDataType()) + " needs " + expectedBytes);
        }
        return t.getRawData().asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
    }

    private ByteBuffer external(TensorProto t, String what, long expectedBytes) {
        String location = null;
        long offset = 0;
        long length = -1;
        for (StringStringEntryProto e : t.getExternalDataList()) {
            try {
                switch (e.getKey()) {
                    case "location" -> location = e.getValue();
                    case "offset" -> offset = Long.parseLong(e.getValue());
                    case "length" -> length = Long.parseLong(e.getValue());
                    default -> { } // "checksum" and others: informational
                }
            } catch (NumberFormatException ex) {
                throw new OnnxException(what + ": external data " + e.getKey() + " is not a number: '" + e.getValue() + "'");
            }
        }
        if (location == null) {
            throw new OnnxException(what + ": external data without a location");
        }
        if (baseDirectory == null) {
            throw new OnnxException(what + ": external data '" + location + "' but the model was not loaded from a file");
        }
        Path base = baseDirectory.toAbsolutePath().normalize();
        Path file = base.resolve(location).normalize();
        if (!file.startsWith(base)) {
            throw new OnnxException(what + ": external data location '" + location + "' leaves the model's directory");
        }
        if (length < 0) {
            length = expectedBytes;
        }
        if (offset < 0 || length != expectedBytes) {
            throw new OnnxException(what + ": external data at offset " + offset + " with length " + length
                    + " for a tensor of " + expectedBytes + " bytes");
        }
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = channel.size();
            if (offset > size || size - offset < length) {
                throw new OnnxException(what + ": external data file '" + location + "' has " + size
                        + " bytes, the tensor needs " + length + " from offset " + offset);
            }
            ByteBuffer buffer = ByteBuffer.allocate((int) length);
            while (buffer.hasRemaining()) {
                if (channel.read(buffer, offset + buffer.position()) < 0) {
                    throw new OnnxException(what + ": external data file '" + location + "' ended early");
                }
            }
            return buffer.flip().order(ByteOrder.LITTLE_ENDIAN);
        } catch (IOException e) {
            throw new OnnxException(what + ": cannot read external data '" + location + "': " + e.getMessage(), e);
        }
    }
}
