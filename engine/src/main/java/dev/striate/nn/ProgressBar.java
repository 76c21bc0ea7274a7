package dev.striate.nn;

import java.io.PrintStream;
import java.util.Locale;

/**
 * The training progress of one epoch: on a terminal, a bar redrawn in place at most ten times a second
 * (batches done, batch/s, running loss, ETA); everywhere, one plain summary line at the end.
 */
final class ProgressBar {

    private static final int WIDTH = 24;
    private static final long REDRAW_NANOS = 100_000_000L;

    private final PrintStream out;
    private final boolean terminal;
    private final String label;
    private final int batches;
    private final long start = System.nanoTime();
    private long lastDraw;

    ProgressBar(PrintStream out, int epoch, int epochs, int batches) {
        this.out = out;
        this.terminal = out == System.out && System.console() != null && System.console().isTerminal();
        int digits = Integer.toString(epochs).length();
        this.label = String.format(Locale.ROOT, "epoch %" + digits + "d/%d", epoch, epochs);
        this.batches = batches;
    }

    void update(int done, double loss) {
        if (!terminal) {
            return;
        }
        long now = System.nanoTime();
        if (now - lastDraw < REDRAW_NANOS && done < batches) {
            return;
        }
        lastDraw = now;
        double seconds = (now - start) / 1e9;
        double rate = done / Math.max(seconds, 1e-9);
        int filled = (int) ((long) WIDTH * done / batches);
        out.print(String.format(Locale.ROOT, "\r%s [%s%s] %d/%d  %.0f batch/s  loss %.4f  ETA %.1f s\u001b[K", label,
                "#".repeat(filled), "-".repeat(WIDTH - filled), done, batches, rate, loss, (batches - done) / rate));
        out.flush();
    }

    void finish(Trainer.Epoch e) {
        out.print(String.format(Locale.ROOT, "%s%s  loss %.4f  train %.2f%%  test %.2f%%  %.0f images/s  %.2f s%s%n",
                terminal ? "\r" : "", label, e.loss(), 100 * e.trainAccuracy(), 100 * e.testAccuracy(), e.imagesPerSecond(),
                e.seconds(), terminal ? "\u001b[K" : ""));
        out.flush();
    }
}
