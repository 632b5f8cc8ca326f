package org.crest.cluster;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Locale;
import javax.imageio.ImageIO;

/**
 * Scatter plot of 2-D points labelled with language codes and coloured by cluster, as PNG (java.awt,
 * headless) and as SVG text. Both are drawn from the same layout so they show the same picture.
 */
public final class ClusterPlot {
    public record Point(String label, int cluster, double x, double y) {}

    private static final int W = 1100;
    private static final int H = 820;
    private static final int MARGIN = 70;
    private static final int LEGEND = 150;
    private static final String[] PALETTE = {
        "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf",
        "#393b79", "#637939", "#8c6d31", "#843c39", "#7b4173", "#3182bd", "#e6550d", "#31a354", "#756bb1", "#636363"
    };

    private ClusterPlot() {}

    public static String color(int cluster) {
        return PALETTE[Math.floorMod(cluster - 1, PALETTE.length)];
    }

    private static double[] bounds(List<Point> pts) {
        double x0 = Double.POSITIVE_INFINITY;
        double x1 = Double.NEGATIVE_INFINITY;
        double y0 = Double.POSITIVE_INFINITY;
        double y1 = Double.NEGATIVE_INFINITY;
        for (Point p : pts) {
            x0 = Math.min(x0, p.x());
            x1 = Math.max(x1, p.x());
            y0 = Math.min(y0, p.y());
            y1 = Math.max(y1, p.y());
        }
        if (pts.isEmpty()) {
            return new double[] {-1, 1, -1, 1};
        }
        double px = Math.max((x1 - x0) * 0.05, 1e-9);
        double py = Math.max((y1 - y0) * 0.05, 1e-9);
        return new double[] {x0 - px, x1 + px, y0 - py, y1 + py};
    }

    private static double sx(double[] b, double x) {
        return MARGIN + (x - b[0]) / (b[1] - b[0]) * (W - LEGEND - 2 * MARGIN);
    }

    private static double sy(double[] b, double y) {
        return H - MARGIN - (y - b[2]) / (b[3] - b[2]) * (H - 2 * MARGIN);
    }

    public static byte[] png(List<Point> pts, String title, String xLabel, String yLabel, int clusters) {
        System.setProperty("java.awt.headless", "true");
        BufferedImage img = new BufferedImage(W, H, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        try {
            g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
            g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
            g.setColor(Color.WHITE);
            g.fillRect(0, 0, W, H);
            double[] b = bounds(pts);
            g.setColor(new Color(0x99, 0x99, 0x99));
            g.setStroke(new BasicStroke(1f));
            g.drawRect(MARGIN, MARGIN, W - LEGEND - 2 * MARGIN, H - 2 * MARGIN);
            g.setColor(Color.BLACK);
            g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 18));
            g.drawString(title, MARGIN, 40);
            g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 13));
            g.drawString(xLabel, MARGIN + (W - LEGEND - 2 * MARGIN) / 2 - 40, H - 25);
            Graphics2D gr = (Graphics2D) g.create();
            gr.rotate(-Math.PI / 2);
            gr.drawString(yLabel, -H / 2 - 40, 30);
            gr.dispose();
            g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 11));
            for (Point p : pts) {
                int x = (int) Math.round(sx(b, p.x()));
                int y = (int) Math.round(sy(b, p.y()));
                g.setColor(Color.decode(color(p.cluster())));
                g.fillOval(x - 4, y - 4, 9, 9);
                g.drawString(p.label(), x + 6, y - 4);
            }
            g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 13));
            for (int c = 1; c <= clusters; c++) {
                int y = MARGIN + 10 + (c - 1) * 22;
                g.setColor(Color.decode(color(c)));
                g.fillOval(W - LEGEND - MARGIN + 90, y - 9, 11, 11);
                g.setColor(Color.BLACK);
                g.drawString("cluster " + c, W - LEGEND - MARGIN + 108, y);
            }
        } finally {
            g.dispose();
        }
        try {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            ImageIO.write(img, "png", out);
            return out.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot encode the cluster plot as PNG", e);
        }
    }

    public static String svg(List<Point> pts, String title, String xLabel, String yLabel, int clusters) {
        double[] b = bounds(pts);
        StringBuilder s = new StringBuilder();
        s.append("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"")
                .append(W)
                .append("\" height=\"")
                .append(H)
                .append("\" viewBox=\"0 0 ")
                .append(W)
                .append(' ')
                .append(H)
                .append("\" font-family=\"sans-serif\">\n");
        s.append("<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n");
        s.append(String.format(
                Locale.ROOT,
                "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"none\" " + "stroke=\"#999\"/>%n",
                MARGIN,
                MARGIN,
                W - LEGEND - 2 * MARGIN,
                H - 2 * MARGIN));
        s.append(String.format(
                Locale.ROOT,
                "<text x=\"%d\" y=\"40\" font-size=\"18\" font-weight=\"bold\">%s</text>%n",
                MARGIN,
                esc(title)));
        s.append(String.format(
                Locale.ROOT,
                "<text x=\"%d\" y=\"%d\" font-size=\"13\">%s</text>%n",
                MARGIN + (W - LEGEND - 2 * MARGIN) / 2 - 40,
                H - 25,
                esc(xLabel)));
        s.append(String.format(
                Locale.ROOT,
                "<text x=\"30\" y=\"%d\" font-size=\"13\" transform=\"rotate(-90 30 %d)\">" + "%s</text>%n",
                H / 2 + 40,
                H / 2 + 40,
                esc(yLabel)));
        for (Point p : pts) {
            double x = sx(b, p.x());
            double y = sy(b, p.y());
            String c = color(p.cluster());
            s.append(String.format(
                    Locale.ROOT,
                    "<g><title>%s (cluster %d)</title><circle cx=\"%.1f\" cy=\"%.1f\" "
                            + "r=\"4.5\" fill=\"%s\"/><text x=\"%.1f\" y=\"%.1f\" font-size=\"11\" fill=\"%s\">%s</text></g>%n",
                    esc(p.label()),
                    p.cluster(),
                    x,
                    y,
                    c,
                    x + 6,
                    y - 4,
                    c,
                    esc(p.label())));
        }
        for (int c = 1; c <= clusters; c++) {
            int y = MARGIN + 10 + (c - 1) * 22;
            s.append(String.format(
                    Locale.ROOT,
                    "<circle cx=\"%d\" cy=\"%d\" r=\"5.5\" fill=\"%s\"/><text x=\"%d\" "
                            + "y=\"%d\" font-size=\"13\">cluster %d</text>%n",
                    W - LEGEND - MARGIN + 95,
                    y - 4,
                    color(c),
                    W - LEGEND - MARGIN + 108,
                    y,
                    c));
        }
        s.append("</svg>\n");
        return s.toString();
    }

    private static String esc(String t) {
        return t.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }
}
