package org.crest.evaluate;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.OutputStream;
import java.util.List;
import java.util.Map;
import javax.imageio.ImageIO;

/**
 * Draws precision, recall and F1 against the threshold (overall, thick) and F1 per language cluster (thin),
 * with the best-F1 threshold marked, as a PNG; java.awt in headless mode, no fonts beyond the JDK's logical ones.
 */
public final class ThresholdPlot {
    private static final int W = 960;
    private static final int H = 600;
    private static final int LEFT = 70;
    private static final int RIGHT = 220;
    private static final int TOP = 50;
    private static final int BOTTOM = 60;
    private static final Color[] CLUSTER_COLORS = {
        new Color(0x1f77b4),
        new Color(0xff7f0e),
        new Color(0x2ca02c),
        new Color(0xd62728),
        new Color(0x9467bd),
        new Color(0x8c564b),
        new Color(0xe377c2),
        new Color(0x7f7f7f),
        new Color(0xbcbd22),
        new Color(0x17becf)
    };

    private ThresholdPlot() {}

    /** @param sweeps scope → sweep; "overall" is drawn with P, R and F1, the others with F1 only */
    public static void write(OutputStream os, Map<String, List<ThresholdSweep.Point>> sweeps, String title)
            throws IOException {
        System.setProperty("java.awt.headless", "true");
        BufferedImage img = new BufferedImage(W, H, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        try {
            g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
            g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
            g.setColor(Color.WHITE);
            g.fillRect(0, 0, W, H);
            g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
            // grid and axes
            for (int i = 0; i <= 10; i++) {
                double v = i / 10.0;
                g.setColor(new Color(0xe6e6e6));
                g.drawLine(x(v), y(0), x(v), y(1));
                g.drawLine(x(0), y(v), x(1), y(v));
                g.setColor(Color.DARK_GRAY);
                String label = String.format("%.1f", v);
                g.drawString(label, x(v) - 8, y(0) + 18);
                g.drawString(label, x(0) - 30, y(v) + 4);
            }
            g.setColor(Color.BLACK);
            g.drawRect(x(0), y(1), x(1) - x(0), y(0) - y(1));
            g.drawString("threshold (unsafe when crest_score >= threshold)", x(0.25), H - 18);
            g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 14));
            g.drawString(title, LEFT, 28);
            g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));

            int legendY = TOP + 10;
            int ci = 0;
            for (Map.Entry<String, List<ThresholdSweep.Point>> e : sweeps.entrySet()) {
                if (e.getKey().equals(ThresholdSweep.OVERALL)) {
                    continue;
                }
                Color c = CLUSTER_COLORS[ci++ % CLUSTER_COLORS.length];
                g.setStroke(new BasicStroke(
                        1.2f, BasicStroke.CAP_ROUND, BasicStroke.JOIN_ROUND, 1f, new float[] {5f, 4f}, 0f));
                line(g, e.getValue(), 2, c);
                legendY = legend(g, legendY, c, "F1 " + e.getKey());
            }
            List<ThresholdSweep.Point> all = sweeps.get(ThresholdSweep.OVERALL);
            if (all != null) {
                g.setStroke(new BasicStroke(2.5f));
                line(g, all, 0, new Color(0x4c72b0));
                legendY = legend(g, legendY, new Color(0x4c72b0), "precision (overall)");
                line(g, all, 1, new Color(0xdd8452));
                legendY = legend(g, legendY, new Color(0xdd8452), "recall (overall)");
                line(g, all, 2, Color.BLACK);
                legendY = legend(g, legendY, Color.BLACK, "F1 (overall)");
                ThresholdSweep.Point best = ThresholdSweep.best(all);
                g.setStroke(new BasicStroke(
                        1f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 1f, new float[] {2f, 3f}, 0f));
                g.setColor(Color.RED);
                g.drawLine(x(best.threshold()), y(0), x(best.threshold()), y(1));
                g.drawString(
                        String.format("best F1 %.4f at %.2f", best.c().f1(), best.threshold()),
                        x(1) + 12,
                        legendY + 20);
            }
        } finally {
            g.dispose();
        }
        if (!ImageIO.write(img, "png", os)) {
            throw new IOException("Cannot write thresholds plot: no PNG writer in this JVM");
        }
    }

    private static void line(Graphics2D g, List<ThresholdSweep.Point> pts, int what, Color c) {
        g.setColor(c);
        for (int i = 1; i < pts.size(); i++) {
            g.drawLine(
                    x(pts.get(i - 1).threshold()),
                    y(value(pts.get(i - 1), what)),
                    x(pts.get(i).threshold()),
                    y(value(pts.get(i), what)));
        }
    }

    private static double value(ThresholdSweep.Point p, int what) {
        return what == 0 ? p.c().precision() : what == 1 ? p.c().recall() : p.c().f1();
    }

    private static int legend(Graphics2D g, int y, Color c, String text) {
        g.setColor(c);
        g.fillRect(x(1) + 12, y - 8, 18, 4);
        g.setColor(Color.BLACK);
        g.drawString(text, x(1) + 36, y - 2);
        return y + 18;
    }

    private static int x(double v) {
        return LEFT + (int) Math.round(v * (W - LEFT - RIGHT));
    }

    private static int y(double v) {
        return H - BOTTOM - (int) Math.round(v * (H - TOP - BOTTOM));
    }
}
