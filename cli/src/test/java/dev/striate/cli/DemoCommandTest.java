package dev.striate.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DemoCommandTest {

    @TempDir
    Path dir;

    @Test
    void theBundledDigitsAreWhole() {
        var digits = Digits.load();
        assertEquals(1797, digits.size());
        int[] perClass = new int[10];
        for (int label : digits.labels()) {
            perClass[label]++;
        }
        for (int count : perClass) {
            assertTrue(count > 170 && count < 190, "about 180 images per class");
        }
    }

    @Test
    void aMalformedLineIsRejectedWithItsNumber() {
        String bad = "0,".repeat(64) + "3\n" + "1,2\n";
        IOException e = assertThrows(IOException.class,
                () -> Digits.parse(new ByteArrayInputStream(bad.getBytes(StandardCharsets.US_ASCII))));
        assertTrue(e.getMessage().contains("line 2"), e.getMessage());
        String outOfRange = "0,".repeat(63) + "17,3\n";
        IOException range = assertThrows(IOException.class,
                () -> Digits.parse(new ByteArrayInputStream(outOfRange.getBytes(StandardCharsets.US_ASCII))));
        assertTrue(range.getMessage().contains("17 not in [0, 16]"), range.getMessage());
    }

    @Test
    void oneEpochWritesBothPicturesTheCheckpointAndTheSummaryLine() throws IOException {
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        PrintStream original = System.out;
        int status;
        try {
            System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
            status = Striate.run("demo", "--epochs", "1", "--out", dir.toString());
        } finally {
            System.setOut(original);
        }
        String out = captured.toString(StandardCharsets.UTF_8);
        assertEquals(0, status, out);
        String[] lines = out.strip().split("\n");
        assertTrue(lines[lines.length - 1].matches(
                "demo: test accuracy \\d+\\.\\d%, \\d+\\.\\d s, \\d+ images/s training, p50 \\d+\\.\\d\\d ms, p99 \\d+\\.\\d\\d ms"),
                lines[lines.length - 1]);
        assertTrue(out.contains("identical outputs on all 360 test images"), out);
        assertTrue(ImageIO.read(dir.resolve("filters.png").toFile()).getWidth() > 100);
        assertTrue(ImageIO.read(dir.resolve("training.png").toFile()).getHeight() > 100);
        assertTrue(Files.size(dir.resolve("digits-cnn.ckpt")) > 1000);
    }

    @Test
    void badOptionsAreRejectedWithUsage() {
        PrintStream original = System.err;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        try {
            System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
            assertEquals(2, Striate.run("demo", "--epochs", "0"));
            assertEquals(2, Striate.run("demo", "--lr", "-1"));
        } finally {
            System.setErr(original);
        }
        assertTrue(captured.toString(StandardCharsets.UTF_8).contains("--epochs=0"), captured.toString(StandardCharsets.UTF_8));
    }

    @Test
    void helpListsTheSubcommands() {
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        PrintStream original = System.out;
        try {
            System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
            assertEquals(0, Striate.run("--help"));
        } finally {
            System.setOut(original);
        }
        String help = captured.toString(StandardCharsets.UTF_8);
        assertTrue(help.contains("demo") && help.contains("info"), help);
    }
}
