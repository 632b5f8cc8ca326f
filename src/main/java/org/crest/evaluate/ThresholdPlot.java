package org.crest.evaluate;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.geom.Line2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import javax.imageio.ImageIO;

/**
 * Draws precision, recall and F1 against the threshold (overall) and F1 per language cluster, with the best-F1
 * threshold marked: as a PNG (java.awt in headless mode, no fonts beyond the JDK's logical ones) and as an SVG
 * drawn from the same {@link Series}.
 *
 * <p>The overall lines have their own styles in black and grey (F1 solid black, precision dashed black, recall
 * dotted grey); the clusters are thin solid lines in a palette with neither black nor grey, so no cluster line can
 * be taken for precision or recall. Every line has a legend entry drawn with its own colour, dash and width.
 */
public final class ThresholdPlot {
    private static final int W = 960;
    private static final int H = 600;
    private static final int LEFT = 70;
    private static final int RIGHT = 220;
    private static final int TOP = 50;
    private static final int BOTTOM = 60;
    /** Cluster colours: Tableau's palette without its grey, and nothing near black. */
    private static final int[] CLUSTER_COLORS = {
        0x1f77b4, 0xff7f0e, 0x2ca02c, 0xd62728, 0x9467bd, 0x8c564b, 0xe377c2, 0xbcbd22, 0x17becf
    };
    /** Dashes for clusters beyond the palette's length (the palette repeats with the next pattern). */
    private static final float[][] CLUSTER_DASHES = {{}, {6f, 3f}, {1f, 3f}};

    static final int BLACK = 0x000000;
    static final int GREY = 0x707070;
    static final int BEST_MARK = 0xc00000;

    private ThresholdPlot() {}

    /** What a series draws: 0 precision, 1 recall, 2 F1. */
    enum Measure {
        PRECISION,
        RECALL,
        F1
    }

    /**
     * One line of the plot and its legend entry.
     *
     * @param scope "overall" or a cluster scope of the sweep
     * @param dash the dash pattern in pixels; empty = solid
     */
    record Series(String label, String scope, Measure measure, int rgb, float[] dash, float width) {
        boolean overall() {
            return scope.equals(ThresholdSweep.OVERALL);
        }
    }

    /** The lines to draw, in drawing order: the clusters first (thin), then precision, recall and F1 overall. */
    static List<Series> series(Map<String, List<ThresholdSweep.Point>> sweeps) {
        List<Series> out = new ArrayList<>();
        int ci = 0;
        for (String scope : sweeps.keySet()) {
            if (scope.equals(ThresholdSweep.OVERALL)) {
                continue;
            }
            int rgb = CLUSTER_COLORS[ci % CLUSTER_COLORS.length];
            float[] dash = CLUSTER_DASHES[(ci / CLUSTER_COLORS.length) % CLUSTER_DASHES.length];
            out.add(new Series("F1 " + scope, scope, Measure.F1, rgb, dash, 1.4f));
            ci++;
        }
        if (sweeps.containsKey(ThresholdSweep.OVERALL)) {
            String all = ThresholdSweep.OVERALL;
            out.add(new Series("precision (overall)", all, Measure.PRECISION, BLACK, new float[] {9f, 5f}, 2.2f));
            out.add(new Series("recall (overall)", all, Measure.RECALL, GREY, new float[] {2f, 3f}, 2.6f));
            out.add(new Series("F1 (overall)", all, Measure.F1, BLACK, new float[] {}, 3f));
        }
        return out;
    }

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
                g.drawLine(ix(v), iy(0), ix(v), iy(1));
                g.drawLine(ix(0), iy(v), ix(1), iy(v));
                g.setColor(Color.DARK_GRAY);
                String label = String.format(Locale.ROOT, "%.1f", v);
                g.drawString(label, ix(v) - 8, iy(0) + 18);
                g.drawString(label, ix(0) - 30, iy(v) + 4);
            }
            g.setColor(Color.BLACK);
            g.drawRect(ix(0), iy(1), ix(1) - ix(0), iy(0) - iy(1));
            g.drawString(AXIS_LABEL, ix(0.25), H - 18);
            g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 14));
            g.drawString(title, LEFT, 28);
            g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));

            int legendY = TOP + 10;
            for (Series s : series(sweeps)) {
                g.setStroke(stroke(s));
                g.setColor(new Color(s.rgb()));
                List<ThresholdSweep.Point> pts = sweeps.get(s.scope());
                for (int i = 1; i < pts.size(); i++) {
                    g.draw(new Line2D.Double(
                            x(pts.get(i - 1).threshold()),
                            y(value(pts.get(i - 1), s.measure())),
                            x(pts.get(i).threshold()),
                            y(value(pts.get(i), s.measure()))));
                }
                g.draw(new Line2D.Double(x(1) + 12, legendY - 6, x(1) + 40, legendY - 6));
                g.setColor(Color.BLACK);
                g.drawString(s.label(), ix(1) + 46, legendY - 2);
                legendY += 18;
            }
            List<ThresholdSweep.Point> all = sweeps.get(ThresholdSweep.OVERALL);
            if (all != null) {
                ThresholdSweep.Point best = ThresholdSweep.best(all);
                g.setStroke(new BasicStroke(
                        1f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 1f, new float[] {2f, 3f}, 0f));
                g.setColor(new Color(BEST_MARK));
                g.drawLine(ix(best.threshold()), iy(0), ix(best.threshold()), iy(1));
                g.drawString(bestLabel(best), ix(1) + 12, legendY + 20);
            }
        } finally {
            g.dispose();
        }
        if (!ImageIO.write(img, "png", os)) {
            throw new IOException("Cannot write thresholds plot: no PNG writer in this JVM");
        }
    }

    /**
     * The same plot as SVG: one {@code <polyline class="series">} per line and one {@code <g class="legend-entry">}
     * per line (a sample {@code <line>} with the same stroke, colour and dash, and its label), both carrying the
     * series' label in {@code data-series}.
     */
    public static void writeSvg(OutputStream os, Map<String, List<ThresholdSweep.Point>> sweeps, String title)
            throws IOException {
        StringBuilder svg = new StringBuilder();
        svg.append("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n")
                .append("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"")
                .append(W)
                .append("\" height=\"")
                .append(H)
                .append("\" viewBox=\"0 0 ")
                .append(W)
                .append(' ')
                .append(H)
                .append("\" font-family=\"sans-serif\" font-size=\"12\">\n");
        svg.append("<title>").append(escape(title)).append("</title>\n");
        svg.append("<rect width=\"100%\" height=\"100%\" fill=\"#ffffff\"/>\n<g class=\"grid\" stroke=\"#e6e6e6\">\n");
        for (int i = 0; i <= 10; i++) {
            double v = i / 10.0;
            svg.append(line(x(v), y(0), x(v), y(1))).append(line(x(0), y(v), x(1), y(v)));
        }
        svg.append("</g>\n<g class=\"ticks\" fill=\"#404040\">\n");
        for (int i = 0; i <= 10; i++) {
            double v = i / 10.0;
            String label = String.format(Locale.ROOT, "%.1f", v);
            svg.append(text(x(v) - 8, y(0) + 18, label)).append(text(x(0) - 30, y(v) + 4, label));
        }
        svg.append("</g>\n<rect class=\"frame\" x=\"")
                .append(num(x(0)))
                .append("\" y=\"")
                .append(num(y(1)))
                .append("\" width=\"")
                .append(num(x(1) - x(0)))
                .append("\" height=\"")
                .append(num(y(0) - y(1)))
                .append("\" fill=\"none\" stroke=\"#000000\"/>\n");
        svg.append(text(x(0.25), H - 18, AXIS_LABEL));
        svg.append("<text x=\"")
                .append(LEFT)
                .append("\" y=\"28\" font-size=\"14\" font-weight=\"bold\">")
                .append(escape(title))
                .append("</text>\n");
        List<Series> series = series(sweeps);
        for (Series s : series) {
            svg.append("<polyline class=\"series\" data-series=\"")
                    .append(escape(s.label()))
                    .append("\" points=\"");
            List<ThresholdSweep.Point> pts = sweeps.get(s.scope());
            for (int i = 0; i < pts.size(); i++) {
                svg.append(i == 0 ? "" : " ")
                        .append(num(x(pts.get(i).threshold())))
                        .append(',')
                        .append(num(y(value(pts.get(i), s.measure()))));
            }
            svg.append('"').append(strokeAttributes(s)).append("/>\n");
        }
        svg.append("<g class=\"legend\">\n");
        double legendY = TOP + 10;
        for (Series s : series) {
            svg.append("<g class=\"legend-entry\" data-series=\"")
                    .append(escape(s.label()))
                    .append("\"><line x1=\"")
                    .append(num(x(1) + 12))
                    .append("\" y1=\"")
                    .append(num(legendY - 6))
                    .append("\" x2=\"")
                    .append(num(x(1) + 40))
                    .append("\" y2=\"")
                    .append(num(legendY - 6))
                    .append('"')
                    .append(strokeAttributes(s))
                    .append("/>")
                    .append(text(x(1) + 46, legendY - 2, s.label()).strip())
                    .append("</g>\n");
            legendY += 18;
        }
        svg.append("</g>\n");
        List<ThresholdSweep.Point> all = sweeps.get(ThresholdSweep.OVERALL);
        if (all != null) {
            ThresholdSweep.Point best = ThresholdSweep.best(all);
            svg.append("<g class=\"best\" stroke=\"")
                    .append(hex(BEST_MARK))
                    .append("\" stroke-dasharray=\"2 3\" fill=\"")
                    .append(hex(BEST_MARK))
                    .append("\">")
                    .append(line(x(best.threshold()), y(0), x(best.threshold()), y(1))
                            .strip())
                    .append("<text x=\"")
                    .append(num(x(1) + 12))
                    .append("\" y=\"")
                    .append(num(legendY + 20))
                    .append("\" stroke=\"none\">")
                    .append(escape(bestLabel(best)))
                    .append("</text></g>\n");
        }
        svg.append("</svg>\n");
        os.write(svg.toString().getBytes(StandardCharsets.UTF_8));
    }

    private static final String AXIS_LABEL = "threshold (unsafe when crest_score >= threshold)";

    private static String bestLabel(ThresholdSweep.Point best) {
        return String.format(Locale.ROOT, "best F1 %.4f at %.2f", best.c().f1(), best.threshold());
    }

    private static BasicStroke stroke(Series s) {
        return s.dash().length == 0
                ? new BasicStroke(s.width(), BasicStroke.CAP_BUTT, BasicStroke.JOIN_ROUND)
                : new BasicStroke(s.width(), BasicStroke.CAP_BUTT, BasicStroke.JOIN_ROUND, 1f, s.dash(), 0f);
    }

    /** {@code stroke}, {@code stroke-width}, {@code stroke-dasharray} ("none" when solid), no fill. */
    static String strokeAttributes(Series s) {
        return " fill=\"none\" stroke=\"" + hex(s.rgb()) + "\" stroke-width=\"" + num(s.width())
                + "\" stroke-dasharray=\"" + dash(s.dash()) + "\"";
    }

    static String dash(float[] dash) {
        if (dash.length == 0) {
            return "none";
        }
        StringBuilder sb = new StringBuilder();
        for (float f : dash) {
            sb.append(sb.length() == 0 ? "" : " ").append(num(f));
        }
        return sb.toString();
    }

    static String hex(int rgb) {
        return String.format(Locale.ROOT, "#%06x", rgb & 0xffffff);
    }

    private static String line(double x1, double y1, double x2, double y2) {
        return "<line x1=\"" + num(x1) + "\" y1=\"" + num(y1) + "\" x2=\"" + num(x2) + "\" y2=\"" + num(y2) + "\"/>\n";
    }

    private static String text(double x, double y, String s) {
        return "<text x=\"" + num(x) + "\" y=\"" + num(y) + "\">" + escape(s) + "</text>\n";
    }

    private static String num(double v) {
        String s = String.format(Locale.ROOT, "%.2f", v);
        s = s.contains(".") ? s.replaceAll("0+$", "").replaceAll("\\.$", "") : s;
        return s.equals("-0") ? "0" : s;
    }

    private static String escape(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }

    private static double value(ThresholdSweep.Point p, Measure what) {
        return switch (what) {
            case PRECISION -> p.c().precision();
            case RECALL -> p.c().recall();
            case F1 -> p.c().f1();
        };
    }

    private static double x(double v) {
        return LEFT + v * (W - LEFT - RIGHT);
    }

    private static double y(double v) {
        return H - BOTTOM - v * (H - TOP - BOTTOM);
    }

    private static int ix(double v) {
        return (int) Math.round(x(v));
    }

    private static int iy(double v) {
        return (int) Math.round(y(v));
    }
}
