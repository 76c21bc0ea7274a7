package dev.striate.nn;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.zip.CRC32;

/**
 * Saves and loads a network's parameters (weights and buffers such as running statistics).
 *
 * <p>Format, version 1, little-endian:
 * <pre>
 *   magic        8 bytes  89 53 54 52 49 41 54 45 (0x89, then "STRIATE")
 *   version      u32      1
 *   architecture u32 length + UTF-8: the network's description ({@link Layer#toString()})
 *   count        u32      number of tensors
 *   count ×      u16 length + UTF-8 name ("0.weight"), u8 rank, rank × u32 dims,
 *                u8 kind (1 trainable, 0 buffer), then the values as float32
 *   crc          u32      CRC-32 of every byte before it
 * </pre>
 *
 * <p>Saving writes a temporary file in the target's directory, forces it to disk and renames it over
 * the target atomically, so a reader never sees a half-written checkpoint. Loading reads the whole
 * file (refusing one over the size limit before reading it), checks the CRC, parses every section
 * with its declared sizes checked against the bytes present, and compares the architecture, names,
 * shapes and kinds with the network; only when all of it matches are the values copied in. A file
 * that fails any check raises {@link CheckpointException} and leaves the network untouched.
 *
 * <p>Thread-safety: stateless; the network must not be in use by another thread while loading.
 */
public final class Checkpoint {

    public static final int VERSION = 1;
    /** Default limit on a checkpoint's size: 1 GiB. */
    public static final long DEFAULT_MAX_BYTES = 1L << 30;
    private static final byte[] MAGIC = {(byte) 0x89, 'S', 'T', 'R', 'I', 'A', 'T', 'E'};

    private Checkpoint() {
    }

    /** Writes every parameter of {@code network} to {@code file}, atomically. */
    public static void save(Layer network, Path file) throws IOException {
        Map<String, Parameter> parameters = network.namedParameters();
        byte[] architecture = network.toString().getBytes(StandardCharsets.UTF_8);
        long size = MAGIC.length + 4 + 4 + architecture.length + 4 + 4;
        for (Map.Entry<String, Parameter> e : parameters.entrySet()) {
            size += 2 + e.getKey().getBytes(StandardCharsets.UTF_8).length + 1 + 4L * e.getValue().value().rank() + 1
                    + 4L * e.getValue().value().size();
        }
        if (size > Integer.MAX_VALUE - 8) {
            throw new IOException("checkpoint of " + size + " bytes exceeds the largest Java array");
        }
        ByteBuffer out = ByteBuffer.allocate((int) size).order(ByteOrder.LITTLE_ENDIAN);
        out.put(MAGIC).putInt(VERSION).putInt(architecture.length).put(architecture).putInt(parameters.size());
        for (Map.Entry<String, Parameter> e : parameters.entrySet()) {
            byte[] name = e.getKey().getBytes(StandardCharsets.UTF_8);
            if (name.length > 0xFFFF) {
                throw new IOException("checkpoint: parameter name longer than 65535 bytes: " + e.getKey().substring(0, 80) + "...");
            }
            var value = e.getValue().value();
            out.putShort((short) name.length).put(name).put((byte) value.rank());
            for (int d = 0; d < value.rank(); d++) {
                out.putInt(value.dim(d));
            }
            out.put((byte) (e.getValue().isTrainable() ? 1 : 0));
            out.asFloatBuffer().put(value.data(), value.offset(), value.size());
            out.position(out.position() + 4 * value.size());
        }
        CRC32 crc = new CRC32();
        crc.update(out.array(), 0, out.position());
        out.putInt((int) crc.getValue());

        Path target = file.toAbsolutePath();
        Path temp = Files.createTempFile(target.getParent(), target.getFileName().toString(), ".tmp");
        try {
            try (var channel = java.nio.channels.FileChannel.open(temp, java.nio.file.StandardOpenOption.WRITE,
                    java.nio.file.StandardOpenOption.TRUNCATE_EXISTING)) {
                out.flip();
                while (out.hasRemaining()) {
                    channel.write(out);
                }
                channel.force(true);
            }
            try {
                Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(temp, target, StandardCopyOption.REPLACE_EXISTING);
            }
        } finally {
            Files.deleteIfExists(temp);
        }
    }

    /** {@link #load(Layer, Path, long)} with {@link #DEFAULT_MAX_BYTES}. */
    public static void load(Layer network, Path file) throws IOException {
        load(network, file, DEFAULT_MAX_BYTES);
    }

    /**
     * Replaces every parameter of {@code network} with the file's values, or changes nothing.
     *
     * @throws CheckpointException if the file is larger than {@code maxBytes}, truncated, corrupted,
     *         of another version, or holds another architecture, names or shapes
     * @throws IOException if the file cannot be read
     */
    public static void load(Layer network, Path file, long maxBytes) throws IOException {
        long size = Files.size(file);
        if (size > maxBytes || size > Integer.MAX_VALUE - 8) {
            throw new CheckpointException(file + ": " + size + " bytes exceeds the limit of " + Math.min(maxBytes, Integer.MAX_VALUE - 8));
        }
        byte[] bytes = Files.readAllBytes(file);
        List<float[]> values = parse(file.toString(), bytes, network);
        int i = 0;
        for (Parameter p : network.namedParameters().values()) {
            float[] v = values.get(i++);
            System.arraycopy(v, 0, p.value().data(), p.value().offset(), v.length);
            p.changed();
        }
    }

    /** Every check of the file against the network, and its values in the network's order. */
    private static List<float[]> parse(String file, byte[] bytes, Layer network) throws CheckpointException {
        int prefix = Math.min(bytes.length, MAGIC.length);
        if (!java.util.Arrays.equals(bytes, 0, prefix, MAGIC, 0, prefix)) {
            throw new CheckpointException(file + ": not a Striate checkpoint (bad magic number)");
        }
        if (bytes.length < MAGIC.length + 8) {
            throw new CheckpointException(file + ": truncated (" + bytes.length + " bytes, shorter than the header)");
        }
        ByteBuffer in = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        in.position(MAGIC.length);
        int version = in.getInt();
        if (version != VERSION) {
            throw new CheckpointException(file + ": checkpoint version " + Integer.toUnsignedString(version)
                    + ", this engine reads version " + VERSION);
        }
        CRC32 crc = new CRC32();
        crc.update(bytes, 0, bytes.length - 4);
        int stored = ByteBuffer.wrap(bytes, bytes.length - 4, 4).order(ByteOrder.LITTLE_ENDIAN).getInt();
        if (stored != (int) crc.getValue()) {
            throw new CheckpointException(file + ": checksum mismatch: the file is truncated or corrupted");
        }
        in.limit(bytes.length - 4);
        Reader r = new Reader(file, in);
        String architecture = r.string("architecture", r.u32("architecture length"));
        String expected = network.toString();
        if (!architecture.equals(expected)) {
            throw new CheckpointException(file + ": holds a checkpoint of another network:\n" + architecture
                    + "\nbut this network is:\n" + expected);
        }
        Map<String, Parameter> parameters = network.namedParameters();
        long count = r.u32("tensor count");
        if (count != parameters.size()) {
            throw new CheckpointException(file + ": holds " + count + " tensors, the network has " + parameters.size());
        }
        List<float[]> values = new ArrayList<>(parameters.size());
        for (Map.Entry<String, Parameter> e : parameters.entrySet()) {
            String name = r.string("tensor name", r.u16("name length"));
            var value = e.getValue().value();
            if (!name.equals(e.getKey())) {
                throw new CheckpointException(file + ": tensor " + values.size() + " is '" + name + "', the network expects '" + e.getKey() + "'");
            }
            int rank = r.u8(name + " rank");
            long[] dims = new long[rank];
            for (int d = 0; d < rank; d++) {
                dims[d] = r.u32(name + " dimension " + d);
            }
            if (!sameShape(dims, value.shape().toArray())) {
                throw new CheckpointException(file + ": '" + name + "' has shape " + java.util.Arrays.toString(dims)
                        + ", the network expects " + value.shape());
            }
            int kind = r.u8(name + " kind");
            if (kind != (e.getValue().isTrainable() ? 1 : 0)) {
                throw new CheckpointException(file + ": '" + name + "' is stored as a " + (kind == 1 ? "weight" : "buffer")
                        + ", the network has a " + (e.getValue().isTrainable() ? "weight" : "buffer"));
            }
            values.add(r.floats(name + " values", value.size()));
        }
        if (in.hasRemaining()) {
            throw new CheckpointException(file + ": " + in.remaining() + " unexpected bytes after the last tensor");
        }
        return values;
    }

    private static boolean sameShape(long[] dims, int[] expected) {
        if (dims.length != expected.length) {
            return false;
        }
        for (int i = 0; i < dims.length; i++) {
            if (dims[i] != expected[i]) {
                return false;
            }
        }
        return true;
    }

    /** Reads sections, checking each declared size against the bytes left before reading it. */
    private record Reader(String file, ByteBuffer in) {

        private void need(String what, long bytes) throws CheckpointException {
            if (bytes > in.remaining()) {
                throw new CheckpointException(file + ": truncated in " + what + " at byte " + in.position()
                        + " (needs " + bytes + " bytes, " + in.remaining() + " left)");
            }
        }

        long u32(String what) throws CheckpointException {
            need(what, 4);
            return Integer.toUnsignedLong(in.getInt());
        }

        int u16(String what) throws CheckpointException {
            need(what, 2);
            return Short.toUnsignedInt(in.getShort());
        }

        int u8(String what) throws CheckpointException {
            need(what, 1);
            return Byte.toUnsignedInt(in.get());
        }

        String string(String what, long length) throws CheckpointException {
            need(what, length);
            byte[] b = new byte[(int) length];
            in.get(b);
            return new String(b, StandardCharsets.UTF_8);
        }

        float[] floats(String what, int count) throws CheckpointException {
            need(what, 4L * count);
            float[] v = new float[count];
            in.asFloatBuffer().get(v);
            in.position(in.position() + 4 * count);
            return v;
        }
    }
}
