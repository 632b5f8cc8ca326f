package org.crest.report;

import static org.crest.report.Text.html;

import java.util.List;
import java.util.Locale;
import org.crest.report.AuditReport.Bin;
import org.crest.report.AuditReport.Day;
import org.crest.report.AuditReport.Group;

/** The report's charts as inline SVG elements (no script, no external reference). */
final class Svg {
    private static final String RED = "#c62828";
    private static final String BLUE = "#2f6db5";
    private static final String GREY = "#8a94a6";

    private Svg() {}

    /** Unsafe rate per day as a line, the baseline median dashed, alert days as red dots. */
    static String days(List<Day> days) {
        int w = 960;
        int h = 220;
        int left = 56;
        int right = 16;
        int top = 12;
        int bottom = 36;
        double max = 0;
        for (Day d : days) {
            max = Math.max(max, d.labeled().rate() == null ? 0 : d.labeled().rate());
            max = Math.max(max, d.labeled().baseline() == null ? 0 : d.labeled().baseline());
        }
        max = niceMax(max);
        StringBuilder b = open(w, h, "Unsafe rate per day");
        axisY(b, left, top, w - right, h - bottom, max);
        int n = days.size();
        double step = n <= 1 ? 0 : (double) (w - left - right) / (n - 1);
        StringBuilder line = new StringBuilder();
        StringBuilder base = new StringBuilder();
        StringBuilder dots = new StringBuilder();
        for (int i = 0; i < n; i++) {
            Group g = days.get(i).labeled();
            double x = left + (n <= 1 ? (w - left - right) / 2.0 : i * step);
            if (g.rate() != null) {
                double y = y(g.rate(), max, top, h - bottom);
                line.append(line.length() == 0 ? "M" : " L")
                        .append(f(x))
                        .append(',')
                        .append(f(y));
                dots.append("<circle cx=\"")
                        .append(f(x))
                        .append("\" cy=\"")
                        .append(f(y))
                        .append("\" r=\"")
                        .append(g.alert() ? "4.5" : "2.5")
                        .append("\" fill=\"")
                        .append(g.alert() ? RED : BLUE)
                        .append("\"><title>")
                        .append(html(days.get(i).dt()))
                        .append(": ")
                        .append(HtmlReport.pct(g.rate()))
                        .append(" of ")
                        .append(g.rows())
                        .append("</title></circle>");
            }
            if (g.baseline() != null) {
                base.append(base.length() == 0 ? "M" : " L")
                        .append(f(x))
                        .append(',')
                        .append(f(y(g.baseline(), max, top, h - bottom)));
            }
            if (i == 0 || i == n - 1 || g.alert()) {
                b.append("<text x=\"")
                        .append(f(x))
                        .append("\" y=\"")
                        .append(h - bottom + 16)
                        .append("\" text-anchor=\"")
                        .append(n > 1 && i == n - 1 ? "end" : n > 1 && i == 0 ? "start" : "middle")
                        .append('"')
                        .append(g.alert() ? " style=\"fill:" + RED + "\"" : "")
                        .append('>')
                        .append(html(days.get(i).dt()))
                        .append("</text>");
            }
        }
        if (base.length() > 0) {
            b.append("<path d=\"")
                    .append(base)
                    .append("\" fill=\"none\" stroke=\"")
                    .append(GREY)
                    .append("\" stroke-width=\"1.5\" stroke-dasharray=\"5 4\"/>");
        }
        if (line.length() > 0) {
            b.append("<path d=\"")
                    .append(line)
                    .append("\" fill=\"none\" stroke=\"")
                    .append(BLUE)
                    .append("\" stroke-width=\"1.8\"/>");
        }
        b.append(dots).append("</svg>\n");
        return b.toString();
    }

    /**
     * Small multiples: one panel per language, its unsafe rate per day as a line (gaps where it has no rows), its own
     * baseline dashed, alert days as red dots. Each panel has its own y scale, written in its corner.
     */
    static String smallMultiples(List<AuditReport.LanguageTrend> trends) {
        int cols = 4;
        int pw = 240;
        int ph = 132;
        int rows = (trends.size() + cols - 1) / cols;
        int w = cols * pw;
        int h = Math.max(1, rows) * ph;
        StringBuilder b = open(w, h, "Unsafe rate per day of the largest languages");
        for (int i = 0; i < trends.size(); i++) {
            AuditReport.LanguageTrend t = trends.get(i);
            int px = (i % cols) * pw;
            int py = (i / cols) * ph;
            int left = px + 10;
            int right = px + pw - 14;
            int top = py + 26;
            int bottom = py + ph - 26;
            double max = 0;
            for (AuditReport.LanguageDay d : t.days()) {
                Group g = d.labeled();
                max = Math.max(max, g.rate() == null ? 0 : g.rate());
                max = Math.max(max, g.baseline() == null ? 0 : g.baseline());
            }
            max = niceMax(max);
            b.append("<rect x=\"")
                    .append(left)
                    .append("\" y=\"")
                    .append(top)
                    .append("\" width=\"")
                    .append(right - left)
                    .append("\" height=\"")
                    .append(bottom - top)
                    .append("\" fill=\"none\" stroke=\"#e6e9ef\"/>");
            b.append("<text x=\"")
                    .append(left)
                    .append("\" y=\"")
                    .append(py + 16)
                    .append("\" style=\"font-weight:600\">")
                    .append(html(Text.clip(t.key(), 18)))
                    .append("</text><text x=\"")
                    .append(right)
                    .append("\" y=\"")
                    .append(py + 16)
                    .append("\" text-anchor=\"end\">")
                    .append(t.unsafe())
                    .append('/')
                    .append(t.rows())
                    .append(" &middot; top ")
                    .append(HtmlReport.pct(max))
                    .append("</text>");
            int n = t.days().size();
            double step = n <= 1 ? 0 : (double) (right - left) / (n - 1);
            StringBuilder line = new StringBuilder();
            StringBuilder base = new StringBuilder();
            StringBuilder dots = new StringBuilder();
            boolean gap = true;
            for (int j = 0; j < n; j++) {
                AuditReport.LanguageDay d = t.days().get(j);
                Group g = d.labeled();
                double x = left + (n <= 1 ? (right - left) / 2.0 : j * step);
                if (g.rate() == null) {
                    gap = true;
                } else {
                    double y = y(g.rate(), max, top, bottom);
                    line.append(gap ? " M" : " L").append(f(x)).append(',').append(f(y));
                    gap = false;
                    if (g.alert() || n == 1) {
                        dots.append("<circle cx=\"")
                                .append(f(x))
                                .append("\" cy=\"")
                                .append(f(y))
                                .append("\" r=\"")
                                .append(g.alert() ? "3.5" : "2")
                                .append("\" fill=\"")
                                .append(g.alert() ? RED : BLUE)
                                .append("\"><title>")
                                .append(html(d.dt()))
                                .append(": ")
                                .append(HtmlReport.pct(g.rate()))
                                .append(" (")
                                .append(g.unsafe())
                                .append(" of ")
                                .append(g.rows())
                                .append(")</title></circle>");
                    }
                }
                if (g.baseline() != null) {
                    base.append(base.length() == 0 ? "M" : " L")
                            .append(f(x))
                            .append(',')
                            .append(f(y(g.baseline(), max, top, bottom)));
                }
            }
            if (base.length() > 0) {
                b.append("<path d=\"")
                        .append(base)
                        .append("\" fill=\"none\" stroke=\"")
                        .append(GREY)
                        .append("\" stroke-width=\"1.2\" stroke-dasharray=\"4 3\"/>");
            }
            if (line.length() > 0) {
                b.append("<path d=\"")
                        .append(line.toString().trim())
                        .append("\" fill=\"none\" stroke=\"")
                        .append(BLUE)
                        .append("\" stroke-width=\"1.5\"/>");
            }
            b.append(dots);
            if (n > 0) {
                b.append("<text x=\"")
                        .append(left)
                        .append("\" y=\"")
                        .append(bottom + 14)
                        .append("\">")
                        .append(html(t.days().get(0).dt()))
                        .append("</text>");
            }
            if (n > 1) {
                b.append("<text x=\"")
                        .append(right)
                        .append("\" y=\"")
                        .append(bottom + 14)
                        .append("\" text-anchor=\"end\">")
                        .append(html(t.days().get(n - 1).dt()))
                        .append("</text>");
            }
        }
        b.append("</svg>\n");
        return b.toString();
    }

    /** Horizontal bars: the unsafe rate of each group with its 95 % interval as a whisker; alerts in red. */
    static String bars(List<Group> groups) {
        int rowH = 20;
        int left = 150;
        int w = 960;
        int right = 80;
        int h = 24 + rowH * Math.max(1, groups.size());
        double max = 0;
        for (Group g : groups) {
            max = Math.max(max, g.rows() == 0 ? 0 : g.ciHigh());
        }
        max = niceMax(max);
        StringBuilder b = open(w, h, "Unsafe rate per group with 95% interval");
        int plotW = w - left - right;
        for (int t = 0; t <= 4; t++) {
            double v = max * t / 4;
            double x = left + plotW * t / 4.0;
            b.append("<line x1=\"")
                    .append(f(x))
                    .append("\" y1=\"4\" x2=\"")
                    .append(f(x))
                    .append("\" y2=\"")
                    .append(h - 18)
                    .append("\" stroke=\"#e6e9ef\"/><text x=\"")
                    .append(f(x))
                    .append("\" y=\"")
                    .append(h - 4)
                    .append("\" text-anchor=\"middle\">")
                    .append(HtmlReport.pct(v))
                    .append("</text>");
        }
        for (int i = 0; i < groups.size(); i++) {
            Group g = groups.get(i);
            double y = 6 + i * rowH;
            b.append("<text x=\"")
                    .append(left - 8)
                    .append("\" y=\"")
                    .append(f(y + 12))
                    .append("\" text-anchor=\"end\">")
                    .append(html(Text.clip(g.key(), 22)))
                    .append("</text>");
            if (g.rows() == 0) {
                continue;
            }
            double bw = plotW * g.rate() / max;
            b.append("<rect x=\"")
                    .append(left)
                    .append("\" y=\"")
                    .append(f(y + 2))
                    .append("\" width=\"")
                    .append(f(bw))
                    .append("\" height=\"")
                    .append(rowH - 6)
                    .append("\" fill=\"")
                    .append(g.alert() ? RED : BLUE)
                    .append("\" opacity=\"0.8\"><title>")
                    .append(html(Text.clip(g.key(), 60)))
                    .append(": ")
                    .append(g.unsafe())
                    .append(" of ")
                    .append(g.rows())
                    .append("</title></rect>");
            double x1 = left + plotW * g.ciLow() / max;
            double x2 = left + plotW * g.ciHigh() / max;
            double ym = y + 2 + (rowH - 6) / 2.0;
            b.append("<path d=\"M")
                    .append(f(x1))
                    .append(',')
                    .append(f(ym))
                    .append(" L")
                    .append(f(x2))
                    .append(',')
                    .append(f(ym))
                    .append(" M")
                    .append(f(x1))
                    .append(',')
                    .append(f(ym - 4))
                    .append(" L")
                    .append(f(x1))
                    .append(',')
                    .append(f(ym + 4))
                    .append(" M")
                    .append(f(x2))
                    .append(',')
                    .append(f(ym - 4))
                    .append(" L")
                    .append(f(x2))
                    .append(',')
                    .append(f(ym + 4))
                    .append("\" stroke=\"#1d2430\" stroke-width=\"1\"/>");
            b.append("<text x=\"")
                    .append(f(x2 + 6))
                    .append("\" y=\"")
                    .append(f(y + 12))
                    .append("\">")
                    .append(g.unsafe())
                    .append('/')
                    .append(g.rows())
                    .append("</text>");
        }
        b.append("</svg>\n");
        return b.toString();
    }

    /** Labeled rows per score bin, the unsafe part in red. */
    static String histogram(List<Bin> bins) {
        int w = 960;
        int h = 200;
        int left = 56;
        int right = 16;
        int top = 12;
        int bottom = 30;
        long max = 1;
        for (Bin x : bins) {
            max = Math.max(max, x.rows());
        }
        double ymax = niceMax(max);
        StringBuilder b = open(w, h, "Labeled rows per score bin");
        int plotW = w - left - right;
        int plotH = h - top - bottom;
        for (int t = 0; t <= 4; t++) {
            double v = ymax * t / 4;
            double y = h - bottom - plotH * t / 4.0;
            b.append("<line x1=\"")
                    .append(left)
                    .append("\" y1=\"")
                    .append(f(y))
                    .append("\" x2=\"")
                    .append(w - right)
                    .append("\" y2=\"")
                    .append(f(y))
                    .append("\" stroke=\"#e6e9ef\"/><text x=\"")
                    .append(left - 6)
                    .append("\" y=\"")
                    .append(f(y + 4))
                    .append("\" text-anchor=\"end\">")
                    .append(String.format(Locale.ROOT, "%,d", Math.round(v)))
                    .append("</text>");
        }
        double bw = (double) plotW / bins.size();
        for (int i = 0; i < bins.size(); i++) {
            Bin x = bins.get(i);
            double x0 = left + i * bw;
            double hAll = plotH * x.rows() / ymax;
            double hUnsafe = plotH * x.unsafe() / ymax;
            b.append("<rect x=\"")
                    .append(f(x0 + 1))
                    .append("\" y=\"")
                    .append(f(h - bottom - hAll))
                    .append("\" width=\"")
                    .append(f(bw - 2))
                    .append("\" height=\"")
                    .append(f(hAll - hUnsafe))
                    .append("\" fill=\"")
                    .append(BLUE)
                    .append("\" opacity=\"0.8\"><title>")
                    .append(f(x.from()))
                    .append('-')
                    .append(f(x.to()))
                    .append(": ")
                    .append(x.rows())
                    .append(" rows</title></rect>");
            if (x.unsafe() > 0) {
                b.append("<rect x=\"")
                        .append(f(x0 + 1))
                        .append("\" y=\"")
                        .append(f(h - bottom - hUnsafe))
                        .append("\" width=\"")
                        .append(f(bw - 2))
                        .append("\" height=\"")
                        .append(f(hUnsafe))
                        .append("\" fill=\"")
                        .append(RED)
                        .append("\" opacity=\"0.85\"><title>")
                        .append(x.unsafe())
                        .append(" unsafe</title></rect>");
            }
            if (i % 2 == 0) {
                b.append("<text x=\"")
                        .append(f(x0))
                        .append("\" y=\"")
                        .append(h - bottom + 14)
                        .append("\" text-anchor=\"middle\">")
                        .append(f(x.from()))
                        .append("</text>");
            }
        }
        b.append("<text x=\"")
                .append(w - right)
                .append("\" y=\"")
                .append(h - bottom + 14)
                .append("\" text-anchor=\"end\">1.0</text></svg>\n");
        return b.toString();
    }

    private static StringBuilder open(int w, int h, String title) {
        return new StringBuilder()
                .append("<svg width=\"")
                .append(w)
                .append("\" height=\"")
                .append(h)
                .append("\" viewBox=\"0 0 ")
                .append(w)
                .append(' ')
                .append(h)
                .append("\" role=\"img\"><title>")
                .append(title)
                .append("</title>");
    }

    private static void axisY(StringBuilder b, int left, int top, int x2, int yBottom, double max) {
        for (int t = 0; t <= 4; t++) {
            double v = max * t / 4;
            double y = yBottom - (yBottom - top) * t / 4.0;
            b.append("<line x1=\"")
                    .append(left)
                    .append("\" y1=\"")
                    .append(f(y))
                    .append("\" x2=\"")
                    .append(x2)
                    .append("\" y2=\"")
                    .append(f(y))
                    .append("\" stroke=\"#e6e9ef\"/><text x=\"")
                    .append(left - 6)
                    .append("\" y=\"")
                    .append(f(y + 4))
                    .append("\" text-anchor=\"end\">")
                    .append(HtmlReport.pct(v))
                    .append("</text>");
        }
    }

    private static double y(double v, double max, int top, int bottom) {
        return bottom - (bottom - top) * v / max;
    }

    /** 1, 2 or 5 times a power of ten, at least v (and above 0). */
    static double niceMax(double v) {
        if (!(v > 0)) {
            return 1e-3;
        }
        double p = Math.pow(10, Math.floor(Math.log10(v)));
        for (double m : new double[] {1, 2, 5, 10}) {
            if (m * p >= v) {
                return m * p;
            }
        }
        return 10 * p;
    }

    private static String f(double v) {
        return String.format(Locale.ROOT, "%.2f", v).replaceAll("\\.?0+$", "");
    }
}
