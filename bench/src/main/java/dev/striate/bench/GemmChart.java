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
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * GFLOPS across sizes as a PNG: per shape and thread count, Striate's bar beside each OpenBLAS
 * variant's, JMH error as whiskers, and the measured FMA peak (× threads) as a dashed line.
 */
final class GemmChart {

    private static final int BAR = 14;
    private static final int LABEL = 260;
    private static final int PLOT = 560;
    private static final Color STRIATE = new Color(0x1F77B4);
    private static final Color[] REFERENCES = {new Color(0x7F7F7F), new Color(0xBCBCBC), new Color(0x555555)};

    private GemmChart() {
    }

    static void png(GemmTable.Parsed parsed, Path file) throws IOException {
        List<String> keys = new ArrayList<>(parsed.striate().keySet());
        List<String> variants = new ArrayList<>(parsed.references().keySet());
        int bars = 1 + variants.size();
        double max = Double.isNaN(parsed.peak()) ? 0 : parsed.peak() * 2;
        for (String k : keys) {
            max = Math.max(max, parsed.striate().get(k).gflops() + parsed.striate().get(k).error());
            for (Map<String, GemmSuite.Measurement> ref : parsed.references().values()) {
                if (ref.get(k) != null) {
                    max = Math.max(max, ref.get(k).gflops());
                }
            }
        }
        max = Math.ceil(max / 20) * 20;
        int top = 46;
        int group = bars * BAR + 10;
        int width = LABEL + PLOT + 30;
        int height = top + keys.size() * group + 30;
        BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = Png.canvas(image, "GEMM GFLOPS by shape and threads (whiskers: JMH error; dashes: FMA peak × threads)");
        try {
            int legend = 8;
            g.setColor(STRIATE);
            g.fillRect(legend, 26, 10, 10);
            g.setColor(Color.BLACK);
            g.drawString("Striate", legend + 14, 36);
            legend += 80;
            for (int v = 0; v < variants.size(); v++) {
                g.setColor(REFERENCES[v % REFERENCES.length]);
                g.fillRect(legend, 26, 10, 10);
                g.setColor(Color.BLACK);
                g.drawString(variants.get(v), legend + 14, 36);
                legend += 30 + g.getFontMetrics().stringWidth(variants.get(v));
            }
            double scale = PLOT / max;
            int bottom = top + keys.size() * group;
            Png.grid(g, 0, max, 4, LABEL, scale, top, bottom, "%.0f");
            for (int i = 0; i < keys.size(); i++) {
                String key = keys.get(i);
                double y = top + i * group;
                g.setColor(Color.BLACK);
                g.drawString(key.replace("@", ", threads "), 6, (float) (y + bars * BAR / 2.0 + 5));
                bar(g, parsed.striate().get(key), STRIATE, y, scale);
                for (int v = 0; v < variants.size(); v++) {
                    bar(g, parsed.references().get(variants.get(v)).get(key), REFERENCES[v % REFERENCES.length],
                            y + (v + 1) * BAR, scale);
                }
                if (!Double.isNaN(parsed.peak())) {
                    double px = LABEL + parsed.peak() * Integer.parseInt(key.substring(key.indexOf('@') + 1)) * scale;
                    g.setColor(Color.RED);
                    float[] dash = {3f, 3f};
                    g.setStroke(new BasicStroke(1f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 10f, dash, 0f));
                    g.draw(new Line2D.Double(px, y, px, y + bars * BAR));
                    g.setStroke(new BasicStroke());
                }
            }
        } finally {
            g.dispose();
        }
        ImageIO.write(image, "png", file.toFile());
    }

    private static void bar(Graphics2D g, GemmSuite.Measurement m, Color color, double y, double scale) {
        if (m == null) {
            return;
        }
        g.setColor(color);
        g.fill(new Rectangle2D.Double(LABEL, y + 1, m.gflops() * scale, BAR - 2));
        g.setColor(Color.BLACK);
        double e = Double.isNaN(m.error()) ? 0 : m.error() * scale;
        double x = LABEL + m.gflops() * scale;
        g.draw(new Line2D.Double(Math.max(LABEL, x - e), y + BAR / 2.0, x + e, y + BAR / 2.0));
    }
}
