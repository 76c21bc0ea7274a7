package dev.striate.cli;

import dev.striate.nn.Trainer;
import dev.striate.tensor.Tensor;

import javax.imageio.ImageIO;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.function.ToDoubleFunction;

/** The demo's two pictures, drawn with Java2D (headless) and written as PNG. */
final class Charts {

    private static final Color INK = new Color(40, 40, 40);
    private static final Color GRID = new Color(225, 225, 225);

    private Charts() {
    }

    /**
     * The first layer's filters {@code [F, 1, kh, kw]} as a grid of grey squares, each filter scaled
     * symmetrically around zero (mid-grey 0, white its largest positive weight, black its most negative).
     */
    static void filters(Tensor weights, Path file) throws IOException {
        int count = weights.dim(0);
        int kh = weights.dim(2);
        int kw = weights.dim(3);
        int cell = 12;
        int gap = 6;
        int columns = count % 8 == 0 ? 8 : (int) Math.ceil(Math.sqrt(count));
        int rows = (count + columns - 1) / columns;
        int title = 28;
        int width = gap + columns * (kw * cell + gap);
        int height = title + gap + rows * (kh * cell + gap);
        BufferedImage image = new BufferedImage(Math.max(width, 260), height, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = start(image);
        g.setColor(INK);
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
        g.drawString("conv1: " + count + " learned " + kh + "x" + kw + " filters (white +, black −)", gap, 18);
        float[] w = weights.data();
        int size = kh * kw;
        for (int f = 0; f < count; f++) {
            float scale = 0;
            for (int i = 0; i < size; i++) {
                scale = Math.max(scale, Math.abs(w[weights.offset() + f * size + i]));
            }
            int x0 = gap + (f % columns) * (kw * cell + gap);
            int y0 = title + gap + (f / columns) * (kh * cell + gap);
            for (int r = 0; r < kh; r++) {
                for (int c = 0; c < kw; c++) {
                    float v = w[weights.offset() + f * size + r * kw + c];
                    int grey = Math.round(127.5f + 127.5f * (scale == 0 ? 0 : v / scale));
                    g.setColor(new Color(grey, grey, grey));
                    g.fillRect(x0 + c * cell, y0 + r * cell, cell, cell);
                }
            }
        }
        g.dispose();
        ImageIO.write(image, "png", file.toFile());
    }

    /** Loss (left axis) and train/test accuracy (right axis) per epoch. */
    static void training(List<Trainer.Epoch> history, Path file) throws IOException {
        int width = 760;
        int height = 420;
        int left = 64;
        int right = 64;
        int top = 40;
        int bottom = 48;
        int plotW = width - left - right;
        int plotH = height - top - bottom;
        BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = start(image);
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
        int epochs = history.size();
        double maxLoss = history.stream().mapToDouble(Trainer.Epoch::loss).max().orElse(1);
        double minAccuracy = Math.floor(10 * history.stream()
                .mapToDouble(e -> Math.min(e.trainAccuracy(), Double.isNaN(e.testAccuracy()) ? 1 : e.testAccuracy()))
                .min().orElse(0)) / 10;
        for (int i = 0; i <= 5; i++) {
            int y = top + plotH - i * plotH / 5;
            g.setColor(GRID);
            g.drawLine(left, y, left + plotW, y);
            g.setColor(INK);
            g.drawString(String.format(Locale.ROOT, "%.3f", maxLoss * i / 5), 8, y + 4);
            g.drawString(String.format(Locale.ROOT, "%.0f%%", 100 * (minAccuracy + (1 - minAccuracy) * i / 5)), left + plotW + 8, y + 4);
        }
        g.setColor(INK);
        g.drawRect(left, top, plotW, plotH);
        int step = Math.max(1, epochs / 10);
        for (int e = step; e <= epochs; e += step) {
            int x = xOf(e, epochs, left, plotW);
            g.drawLine(x, top + plotH, x, top + plotH + 4);
            g.drawString(Integer.toString(e), x - 6, top + plotH + 18);
        }
        g.drawString("epoch", left + plotW / 2 - 16, height - 10);
        g.drawString("Striate: LeNet-style CNN on 8x8 handwritten digits", left, 24);
        Color lossColor = new Color(200, 60, 40);
        Color trainColor = new Color(40, 110, 200);
        Color testColor = new Color(30, 150, 70);
        plot(g, history, Trainer.Epoch::loss, 0, maxLoss, lossColor, left, top, plotW, plotH);
        plot(g, history, Trainer.Epoch::trainAccuracy, minAccuracy, 1, trainColor, left, top, plotW, plotH);
        plot(g, history, Trainer.Epoch::testAccuracy, minAccuracy, 1, testColor, left, top, plotW, plotH);
        legend(g, left + plotW - 170, top + plotH / 2 - 30, new String[] {"loss (left axis)", "train accuracy", "test accuracy"},
                new Color[] {lossColor, trainColor, testColor});
        g.dispose();
        ImageIO.write(image, "png", file.toFile());
    }

    private static Graphics2D start(BufferedImage image) {
        Graphics2D g = image.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
        g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, image.getWidth(), image.getHeight());
        return g;
    }

    private static int xOf(int epoch, int epochs, int left, int plotW) {
        return left + (epochs <= 1 ? plotW / 2 : (int) Math.round((double) (epoch - 1) * plotW / (epochs - 1)));
    }

    private static void plot(Graphics2D g, List<Trainer.Epoch> history, ToDoubleFunction<Trainer.Epoch> value,
                             double min, double max, Color color, int left, int top, int plotW, int plotH) {
        g.setColor(color);
        g.setStroke(new BasicStroke(2f));
        int epochs = history.size();
        int px = -1;
        int py = -1;
        for (Trainer.Epoch e : history) {
            double v = value.applyAsDouble(e);
            if (Double.isNaN(v)) {
                continue;
            }
            int x = xOf(e.epoch(), epochs, left, plotW);
            int y = top + plotH - (int) Math.round((v - min) / (max - min) * plotH);
            if (px >= 0) {
                g.drawLine(px, py, x, y);
            }
            g.fillOval(x - 3, y - 3, 6, 6);
            px = x;
            py = y;
        }
        g.setStroke(new BasicStroke(1f));
    }

    private static void legend(Graphics2D g, int x, int y, String[] labels, Color[] colors) {
        g.setColor(Color.WHITE);
        g.fillRect(x - 8, y - 16, 170, 22 * labels.length + 8);
        g.setColor(GRID);
        g.drawRect(x - 8, y - 16, 170, 22 * labels.length + 8);
        for (int i = 0; i < labels.length; i++) {
            g.setColor(colors[i]);
            g.fillRect(x, y + i * 22 - 8, 18, 4);
            g.setColor(INK);
            g.drawString(labels[i], x + 26, y + i * 22);
        }
    }
}
