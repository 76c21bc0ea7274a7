package dev.striate.bench;

import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.geom.Line2D;
import java.awt.image.BufferedImage;
import java.util.Locale;

/** What the bench's PNG charts share: a white, antialiased canvas with a bold title line. */
final class Png {

    private Png() {
    }

    /** Graphics on a new {@code width×height} image, cleared to white, title drawn, plain 12-point font set. */
    static Graphics2D canvas(BufferedImage image, String title) {
        Graphics2D g = image.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
        g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, image.getWidth(), image.getHeight());
        g.setColor(Color.BLACK);
        g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 13));
        g.drawString(title, 8, 18);
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
        return g;
    }

    /**
     * Vertical grid lines splitting values {@code from..to} (x = {@code origin + value·scale}) into
     * {@code intervals} equal steps, between {@code top} and {@code bottom}, each labelled below with
     * {@code format}.
     */
    static void grid(Graphics2D g, double from, double to, int intervals, double origin, double scale, int top, int bottom,
                     String format) {
        double step = (to - from) / intervals;
        for (int i = 0; i <= intervals; i++) {
            double value = from + i * step;
            float x = (float) (origin + value * scale);
            g.setColor(new Color(0xDDDDDD));
            g.draw(new Line2D.Float(x, top, x, bottom));
            g.setColor(Color.BLACK);
            String label = String.format(Locale.ROOT, format, value);
            g.drawString(label, x - g.getFontMetrics().stringWidth(label) / 2f, bottom + 16);
        }
    }
}
