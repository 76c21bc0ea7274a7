package dev.striate.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.striate.gemm.Sgemm;
import dev.striate.tensor.Tensor;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CheckpointTest {

    @TempDir
    Path dir;

    private static Map<String, float[]> snapshot(Layer net) {
        Map<String, float[]> values = new LinkedHashMap<>();
        net.namedParameters().forEach((k, p) -> values.put(k, p.value().data().clone()));
        return values;
    }

    private static void assertUnchanged(Map<String, float[]> before, Layer net) {
        net.namedParameters().forEach((k, p) -> assertArrayEquals(before.get(k), p.value().data(), k + " changed"));
    }

    private static float[] values(Tensor t) {
        return Arrays.copyOfRange(t.data(), t.offset(), t.offset() + t.size());
    }

    /** A trained-looking network: random weights and non-default running statistics. */
    private static Sequential trained(long seed) {
        Sequential net = TestNetworks.small(Sgemm.shared(), seed);
        Tensor x = Tensor.of(new float[4 * 64], 4, 1, 8, 8);
        for (int i = 0; i < x.size(); i++) {
            x.data()[i] = (float) Math.sin(i * 0.37 + seed);
        }
        net.forward(x, true); // moves the running statistics away from 0 and 1
        return net;
    }

    @Test
    void roundTripRestoresEveryTensorAndGivesIdenticalOutputs() throws IOException {
        Sequential source = trained(1);
        Path file = dir.resolve("net.ckpt");
        Checkpoint.save(source, file);
        Sequential copy = trained(2);
        Checkpoint.load(copy, file);
        source.namedParameters().forEach((k, p) ->
                assertArrayEquals(p.value().data(), copy.namedParameters().get(k).value().data(), k));
        Tensor x = Tensor.of(new float[3 * 64], 3, 1, 8, 8);
        for (int i = 0; i < x.size(); i++) {
            x.data()[i] = (float) Math.cos(i * 0.11);
        }
        assertArrayEquals(values(source.forward(x, false)), values(copy.forward(x, false)));
        assertEquals(0, Files.list(dir).filter(p -> !p.equals(file)).count(), "no temporary file left behind");
    }

    @Test
    void everyTruncationIsRejectedAndChangesNothing() throws IOException {
        Path file = dir.resolve("net.ckpt");
        Checkpoint.save(trained(1), file);
        byte[] bytes = Files.readAllBytes(file);
        Sequential target = trained(2);
        Map<String, float[]> before = snapshot(target);
        Path cut = dir.resolve("cut.ckpt");
        for (int length = 0; length < bytes.length; length++) {
            Files.write(cut, Arrays.copyOf(bytes, length));
            assertThrows(CheckpointException.class, () -> Checkpoint.load(target, cut), "truncated at " + length);
        }
        assertUnchanged(before, target);
    }

    @Test
    void everyFlippedByteIsRejectedAndChangesNothing() throws IOException {
        Path file = dir.resolve("net.ckpt");
        Checkpoint.save(trained(1), file);
        byte[] bytes = Files.readAllBytes(file);
        Sequential target = trained(2);
        Map<String, float[]> before = snapshot(target);
        Path bad = dir.resolve("bad.ckpt");
        for (int i = 0; i < bytes.length; i++) {
            byte[] corrupted = bytes.clone();
            corrupted[i] ^= (byte) (1 << (i % 8));
            Files.write(bad, corrupted);
            assertThrows(CheckpointException.class, () -> Checkpoint.load(target, bad), "flipped byte " + i);
        }
        assertUnchanged(before, target);
    }

    @Test
    void anotherArchitectureIsRejectedWithBothDescriptions() throws IOException {
        Path file = dir.resolve("net.ckpt");
        Checkpoint.save(trained(1), file);
        Sequential other = Sequential.of(dev.striate.tensor.Shape.of(1, 8, 8), new Flatten(), new Linear(64, 10));
        Map<String, float[]> before = snapshot(other);
        CheckpointException e = assertThrows(CheckpointException.class, () -> Checkpoint.load(other, file));
        assertTrue(e.getMessage().contains("another network") && e.getMessage().contains("Linear(in_features=64"), e.getMessage());
        assertUnchanged(before, other);
    }

    @Test
    void aFileOverTheLimitIsRefusedBeforeReading() throws IOException {
        Path file = dir.resolve("net.ckpt");
        Checkpoint.save(trained(1), file);
        CheckpointException e = assertThrows(CheckpointException.class, () -> Checkpoint.load(trained(2), file, 100));
        assertTrue(e.getMessage().contains("exceeds the limit"), e.getMessage());
    }

    @Test
    void savingReplacesAnExistingFileWhole() throws IOException {
        Path file = dir.resolve("net.ckpt");
        Files.write(file, new byte[1 << 20]);
        Checkpoint.save(trained(1), file);
        Sequential copy = trained(3);
        Checkpoint.load(copy, file);
        assertTrue(Files.size(file) < 1 << 20);
    }
}
