package dev.striate.bench;

import javax.imageio.ImageIO;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.geom.Line2D;
import java.awt.geom.Rectangle2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * The comparison as a PNG (Java2D, headless): one bar per benchmark, its change in percent (right =
 * slower), the combined error as a whisker (cut at the plot's edge), the threshold as dashed ticks,
 * regressions red and improvements green, the rest grey.
 */
final class CompareChart {

    private static final int ROW = 24;
    private static final int LABEL = 470;
    private static final int PLOT = 460;
    private static final Color REGRESSION = new Color(0xD62728);
    private static final Color IMPROVEMENT = new Color(0x2CA02C);
    private static final Color NEUTRAL = new Color(0x999999);

    private CompareChart() {
    }

    static void png(List<Compare.Row> rows, Path file) throws IOException {
        double span = 10;
        for (Compare.Row r : rows) {
            // The bars and thresholds set the scale; a whisker longer than that is cut at the edge.
            span = Math.max(span, Math.max(Math.abs(r.slowdown() * 100) * 1.1, r.threshold() * 2));
        }
        span = Math.min(Math.ceil(span / 10) * 10, 200);
        int top = 34;
        int width = LABEL + PLOT + 20;
        int height = top + rows.size() * ROW + 34;
        BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = Png.canvas(image, "Change against the baseline (right = slower; whisker: combined JMH error; dashes: threshold)");
        try {
            double zero = LABEL + PLOT / 2.0;
            double scale = PLOT / 2.0 / span;
            int bottom = top + rows.size() * ROW;
            Png.grid(g, -span, span, 8, zero, scale, top, bottom, "%+.0f%%");
            g.draw(new Line2D.Double(zero, top, zero, bottom));
            for (int i = 0; i < rows.size(); i++) {
                Compare.Row r = rows.get(i);
                double y = top + i * ROW;
                double value = Math.max(-span, Math.min(span, r.slowdown() * 100));
                g.setColor(Color.BLACK);
                g.drawString(fit(g, r.benchmark(), LABEL - 12), 6, (float) (y + 16));
                g.setColor(switch (r.verdict()) {
                    case REGRESSION -> REGRESSION;
                    case IMPROVEMENT -> IMPROVEMENT;
                    default -> NEUTRAL;
                });
                g.fill(new Rectangle2D.Double(Math.min(zero, zero + value * scale), y + 5, Math.abs(value * scale), ROW - 10));
                g.setColor(Color.BLACK);
                double cx = zero + value * scale;
                double e = errorPercent(r) * scale;
                g.draw(new Line2D.Double(Math.max(LABEL, cx - e), y + ROW / 2.0, Math.min(LABEL + PLOT, cx + e), y + ROW / 2.0));
                g.setStroke(new BasicStroke(1f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 10f, new float[] {2f, 2f}, 0f));
                g.setColor(new Color(0x555555));
                for (double t : new double[] {-r.threshold(), r.threshold()}) {
                    double tx = zero + t * scale;
                    g.draw(new Line2D.Double(tx, y + 2, tx, y + ROW - 2));
                }
                g.setStroke(new BasicStroke());
            }
        } finally {
            g.dispose();
        }
        ImageIO.write(image, "png", file.toFile());
    }

    /** The combined error as a percentage of the baseline score. */
    private static double errorPercent(Compare.Row r) {
        return r.combinedError() / r.baseline().score() * 100;
    }

    private static String fit(Graphics2D g, String text, int width) {
        String s = text;
        while (g.getFontMetrics().stringWidth(s) > width && s.length() > 4) {
            s = s.substring(0, s.length() - 2);
        }
        return s.equals(text) ? s : s + "…";
    }
}
