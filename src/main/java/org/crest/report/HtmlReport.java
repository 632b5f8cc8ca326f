package org.crest.report;

import static org.crest.report.Text.html;

import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.crest.report.AuditReport.Alert;
import org.crest.report.AuditReport.Day;
import org.crest.report.AuditReport.Group;
import org.crest.report.AuditReport.Message;

/**
 * report.html: one self-contained page (inline CSS and SVG; no script, font, image or link to fetch, and a
 * Content-Security-Policy that forbids them), so it opens offline and can be mailed. Every user string goes through
 * {@link Text#html}.
 */
public final class HtmlReport {
    /** Bars drawn in the language chart (the table lists all). */
    static final int CHART_BARS = 25;

    private static final String CSS = """
      body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,Arial,sans-serif;margin:24px auto;max-width:1040px;
      color:#1d2430;padding:0 16px}
      h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:28px 0 8px;border-bottom:1px solid #dde2ea;padding-bottom:4px}
      .sub{color:#5b6677;margin:0 0 16px;overflow-wrap:anywhere}
      table{border-collapse:collapse;margin:6px 0 10px;font-variant-numeric:tabular-nums}
      th,td{border-bottom:1px solid #e6e9ef;padding:3px 10px 3px 0;text-align:left;vertical-align:top}
      td.n,th.n{text-align:right}
      .kpis{display:flex;flex-wrap:wrap;gap:10px;margin:10px 0}
      .kpi{border:1px solid #dde2ea;border-radius:6px;padding:8px 12px;min-width:120px}
      .kpi b{display:block;font-size:20px}.kpi span{color:#5b6677;font-size:12px}
      .alerts{border-radius:6px;padding:8px 14px;margin:12px 0}
      .bad{background:#fdecec;border:1px solid #e7a3a3}.good{background:#eaf6ec;border:1px solid #a9d5b2}
      .warn{background:#fff7e0;border:1px solid #e8cf83;border-radius:6px;padding:6px 14px}
      tr.alert td{background:#fdecec}
      td.text{max-width:560px;white-space:pre-wrap;overflow-wrap:anywhere;unicode-bidi:isolate;font-size:13px}
      .muted{color:#5b6677}svg{display:block;margin:6px 0;max-width:100%;height:auto}
      svg text{font:11px system-ui,Arial,sans-serif;fill:#3b4554}
      """;

    private HtmlReport() {}

    public static String render(AuditReport r) {
        StringBuilder b = new StringBuilder(64 * 1024);
        AuditReport.Totals t = r.totals();
        b.append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n")
                .append(
                        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">\n")
                .append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n")
                .append("<title>crest audit report</title>\n<style>")
                .append(CSS)
                .append("</style></head><body>\n");
        b.append("<h1>crest audit report</h1>\n<p class=\"sub\">")
                .append(html(r.input()))
                .append(" &middot; ")
                .append(html(r.layout()))
                .append(" output &middot; generated ")
                .append(html(r.generatedAt()))
                .append(" &middot; model ")
                .append(html(String.join(", ", t.models())))
                .append(t.modelIsDemo() ? " <b>(demo model: its labels mean nothing)</b>" : "")
                .append("</p>\n");

        // alerts first: what someone opening the page in the morning needs
        if (r.alerts().isEmpty()) {
            b.append("<div class=\"alerts good\">No alerts: no day, language or cluster lies ")
                    .append(num(r.settings().alertThreshold()))
                    .append(" or more standard deviations above its baseline.</div>\n");
        } else {
            b.append("<div class=\"alerts bad\"><b>")
                    .append(r.alerts().size())
                    .append(" alert")
                    .append(r.alerts().size() == 1 ? "" : "s")
                    .append("</b><ul>\n");
            for (Alert a : r.alerts()) {
                b.append("<li>").append(html(a.message())).append("</li>\n");
            }
            b.append("</ul></div>\n");
        }
        if (!r.checks().isEmpty()) {
            b.append("<div class=\"warn\"><b>Needs attention</b><ul>\n");
            for (String c : r.checks()) {
                b.append("<li>").append(html(c)).append("</li>\n");
            }
            b.append("</ul></div>\n");
        }

        b.append("<h2>Totals</h2>\n<div class=\"kpis\">");
        kpi(b, String.format(Locale.ROOT, "%,d", t.rowsIn()), "records in");
        kpi(b, String.format(Locale.ROOT, "%,d", t.rowsLabeled()), "labeled");
        kpi(b, String.format(Locale.ROOT, "%,d", t.unsafe()), "unsafe");
        kpi(b, pct(t.unsafeRate()), "unsafe rate (95% CI " + pct(t.ciLow()) + "&ndash;" + pct(t.ciHigh()) + ")");
        kpi(b, String.format(Locale.ROOT, "%,d", t.rowsQuarantined()), "quarantined");
        b.append("</div>\n<table>\n");
        row(b, "records in", String.format(Locale.ROOT, "%,d", t.rowsIn()));
        row(b, "labeled", String.format(Locale.ROOT, "%,d", t.rowsLabeled()));
        row(b, "quarantined", String.format(Locale.ROOT, "%,d", t.rowsQuarantined()));
        row(
                b,
                "not selected (other roles)",
                t.rowsNotSelected() == null
                        ? "not recorded by this label version"
                        : String.format(Locale.ROOT, "%,d", t.rowsNotSelected()));
        row(
                b,
                "unsafe",
                String.format(Locale.ROOT, "%,d", t.unsafe()) + " (" + pct(t.unsafeRate()) + ", 95% CI "
                        + pct(t.ciLow()) + "&ndash;" + pct(t.ciHigh()) + ")");
        row(b, "model", html(String.join(", ", t.models())));
        if (!t.modelSha256().isEmpty()) {
            row(b, "model SHA-256", html(String.join(", ", t.modelSha256())));
        }
        row(b, "threshold", html(t.thresholds().toString()));
        row(b, "input files", String.format(Locale.ROOT, "%,d", t.inputFiles()));
        if (t.partitions() != null) {
            row(
                    b,
                    "dt= partitions",
                    t.partitions() + " committed"
                            + (t.partitionsLeftOut().isEmpty()
                                    ? ""
                                    : ", " + t.partitionsLeftOut().size() + " left out (not committed)"));
        }
        if (t.status() != null) {
            row(
                    b,
                    "last run",
                    html(t.status()) + ", " + html(t.startedAt()) + " &rarr; " + html(t.finishedAt())
                            + (t.elapsedSeconds() == null ? "" : " (" + num(t.elapsedSeconds()) + " s)"));
        }
        row(
                b,
                "skipped corrupt files",
                t.skippedFiles().isEmpty()
                        ? "none"
                        : Integer.toString(t.skippedFiles().size()));
        b.append("</table>\n");

        b.append("<h2>Quarantined, by reason</h2>\n");
        if (t.quarantineReasons().isEmpty()) {
            b.append("<p class=\"muted\">No row was quarantined.</p>\n");
        } else {
            b.append("<table><tr><th>reason</th><th class=\"n\">rows</th></tr>\n");
            for (Map.Entry<String, Long> e : t.quarantineReasons().entrySet()) {
                b.append("<tr><td>")
                        .append(html(e.getKey()))
                        .append("</td><td class=\"n\">")
                        .append(String.format(Locale.ROOT, "%,d", e.getValue()))
                        .append("</td></tr>\n");
            }
            b.append("</table>\n");
        }
        if (!t.skippedFiles().isEmpty()) {
            b.append("<h2>Skipped corrupt input files</h2>\n<table><tr><th>partition</th><th>file</th><th>reason</th>"
                    + "<th>detail</th></tr>\n");
            for (AuditReport.SkippedFile f : t.skippedFiles()) {
                b.append("<tr><td>")
                        .append(html(f.partition()))
                        .append("</td><td class=\"text\">")
                        .append(html(Text.clip(f.file(), 200)))
                        .append("</td><td>")
                        .append(html(f.reason()))
                        .append("</td><td class=\"text\">")
                        .append(html(Text.clip(f.detail(), 300)))
                        .append("</td></tr>\n");
            }
            b.append("</table>\n");
        }

        if (r.days() != null) {
            b.append(
                            "<h2>Per day</h2>\n<p class=\"muted\">Unsafe rate per dt= partition; dashed: the baseline (median of "
                                    + "the trailing ")
                    .append(r.settings().baselineDays())
                    .append(" days); red: an alert.</p>\n");
            b.append(Svg.days(r.days()));
            b.append("<table><tr><th>day</th><th class=\"n\">records in</th><th class=\"n\">labeled</th>"
                    + "<th class=\"n\">quarantined</th><th class=\"n\">unsafe</th><th class=\"n\">rate</th><th>95% CI</th>"
                    + "<th class=\"n\">baseline</th><th class=\"n\">spread</th><th class=\"n\">z</th></tr>\n");
            for (Day d : r.days()) {
                Group g = d.labeled();
                b.append(g.alert() ? "<tr class=\"alert\">" : "<tr>")
                        .append("<td>")
                        .append(html(d.dt()))
                        .append("</td><td class=\"n\">")
                        .append(d.rowsIn())
                        .append("</td><td class=\"n\">")
                        .append(g.rows())
                        .append("</td><td class=\"n\">")
                        .append(d.rowsQuarantined())
                        .append("</td>");
                groupCells(b, g);
                b.append("</tr>\n");
            }
            b.append("</table>\n");
        }
        if (r.languageTrends() != null && !r.languageTrends().isEmpty()) {
            languageTrends(b, r);
        }
        if (r.languages() != null) {
            b.append("<h2>Per language</h2>\n<p class=\"muted\">Column ")
                    .append(html(r.settings().langCol()))
                    .append(
                            "; und = no language (the detector was unsure). Bars: unsafe rate with its 95% interval, the ")
                    .append(HtmlReport.CHART_BARS)
                    .append(" largest languages. Baseline: the median rate of the other " + "languages with ")
                    .append(ReportJob.MIN_ROWS)
                    .append("+ rows.</p>\n");
            b.append(Svg.bars(
                    r.languages().subList(0, Math.min(CHART_BARS, r.languages().size()))));
            groupTable(b, "language", r.languages(), true);
            if (r.languagesNotListed() != null) {
                b.append("<p class=\"muted\">Values beyond the ")
                        .append(ReportJob.MAX_LANGUAGES)
                        .append(" largest: ")
                        .append(r.languagesNotListed().rows())
                        .append(" rows, ")
                        .append(r.languagesNotListed().unsafe())
                        .append(" unsafe.</p>\n");
            }
            b.append("<h2>Per language cluster (CREST paper, Table 8)</h2>\n");
            b.append(Svg.bars(r.clusters()));
            groupTable(b, "cluster", r.clusters(), false);
        }
        if (r.roles() != null) {
            b.append("<h2>Per role</h2>\n");
            groupTable(b, "role", r.roles(), false);
        }

        b.append("<h2>Scores</h2>\n<p class=\"muted\">Labeled rows by crest_score (P(unsafe)), in bins of ")
                .append(num(1.0 / ReportJob.BINS))
                .append("; red: labeled unsafe.</p>\n");
        b.append(Svg.histogram(r.histogram()));

        b.append("<h2>Most confident unsafe messages</h2>\n");
        if (r.topUnsafe().isEmpty()) {
            b.append("<p class=\"muted\">None.</p>\n");
        } else {
            boolean text = r.settings().textCol() != null;
            b.append("<p class=\"muted\">")
                    .append(r.topUnsafe().size())
                    .append(" highest crest_score among unsafe rows")
                    .append(
                            r.settings().redact()
                                    ? "; texts left out (--redact)"
                                    : text
                                            ? "; texts cut at " + ReportJob.MAX_CHARS
                                                    + " characters, control and bidi characters shown as [U+XXXX]"
                                            : "")
                    .append(".</p>\n<table><tr><th class=\"n\">score</th><th>day</th><th>lang</th><th>role</th>")
                    .append("<th class=\"n\">turn</th><th class=\"n\">chars</th>")
                    .append(text ? "<th>text</th>" : "")
                    .append("</tr>\n");
            for (Message m : r.topUnsafe()) {
                b.append("<tr><td class=\"n\">")
                        .append(String.format(Locale.ROOT, "%.4f", m.score()))
                        .append("</td><td>")
                        .append(html(m.dt()))
                        .append("</td><td>")
                        .append(html(Text.clip(m.lang(), 24)))
                        .append("</td><td>")
                        .append(html(Text.clip(m.role(), 24)))
                        .append("</td><td class=\"n\">")
                        .append(m.turn() == null ? "" : m.turn())
                        .append("</td><td class=\"n\">")
                        .append(m.textChars() == null ? "" : m.textChars())
                        .append("</td>");
                if (text) {
                    b.append("<td class=\"text\" dir=\"auto\">")
                            .append(html(m.text()))
                            .append(m.textChars() != null && m.textChars() > ReportJob.MAX_CHARS ? "&hellip;" : "")
                            .append("</td>");
                }
                b.append("</tr>\n");
            }
            b.append("</table>\n");
        }
        b.append(
                        "<h2>How to read this</h2>\n<p class=\"muted\">Rates are unsafe / labeled rows. Intervals are 95% Wilson "
                                + "score intervals: a language with 2 unsafe of 3 shows 67% but 21&ndash;94%. An alert means the rate lies "
                                + "at least ")
                .append(num(r.settings().alertThreshold()))
                .append(
                        " standard deviations above its baseline, "
                                + "where the deviation combines the baseline's robust spread (1.4826 &times; MAD) and the binomial noise of "
                                + "the group's own size. Days are compared with the trailing days, languages and clusters with the other "
                                + "languages and clusters, a language on one day with its own trailing days. See docs/REPORT.md in crest-spark.</p>\n");
        b.append("</body></html>\n");
        return b.toString();
    }

    /** The largest languages day by day: small multiples and a table of rates (days down, languages across). */
    private static void languageTrends(StringBuilder b, AuditReport r) {
        List<AuditReport.LanguageTrend> trends = r.languageTrends();
        b.append("<h2>Per language, per day</h2>\n<p class=\"muted\">The ")
                .append(trends.size())
                .append(" largest languages (column ")
                .append(html(r.settings().langCol()))
                .append("): unsafe rate per day; dashed: the language's own baseline (median of its trailing ")
                .append(r.settings().baselineDays())
                .append(" days); red: an alert. Each chart has its own scale (its top value is written on it).</p>\n");
        b.append(Svg.smallMultiples(trends));
        b.append("<table><tr><th>day</th>");
        for (AuditReport.LanguageTrend t : trends) {
            b.append("<th class=\"n\">").append(html(Text.clip(t.key(), 16))).append("</th>");
        }
        b.append("</tr>\n");
        for (int i = 0; i < r.days().size(); i++) {
            b.append("<tr><td>").append(html(r.days().get(i).dt())).append("</td>");
            for (AuditReport.LanguageTrend t : trends) {
                Group g = t.days().get(i).labeled();
                b.append(g.alert() ? "<td class=\"n\" style=\"background:#fdecec\">" : "<td class=\"n\">")
                        .append(g.rows() == 0 ? "&ndash;" : pct(g.rate()) + " (" + g.unsafe() + "/" + g.rows() + ")")
                        .append(g.alert() ? " <b>alert</b>" : "")
                        .append("</td>");
            }
            b.append("</tr>\n");
        }
        b.append("</table>\n");
    }

    private static void groupTable(StringBuilder b, String what, List<Group> groups, boolean cluster) {
        b.append("<table><tr><th>")
                .append(what)
                .append("</th>")
                .append(cluster ? "<th>cluster</th>" : "")
                .append(
                        "<th class=\"n\">labeled</th><th class=\"n\">unsafe</th><th class=\"n\">rate</th><th>95% CI</th>")
                .append("<th class=\"n\">baseline</th><th class=\"n\">spread</th><th class=\"n\">z</th></tr>\n");
        for (Group g : groups) {
            b.append(g.alert() ? "<tr class=\"alert\">" : "<tr>")
                    .append("<td>")
                    .append(html(Text.clip(g.key(), 40)))
                    .append("</td>");
            if (cluster) {
                b.append("<td>").append(html(g.cluster())).append("</td>");
            }
            b.append("<td class=\"n\">").append(g.rows()).append("</td>");
            groupCells(b, g);
            b.append("</tr>\n");
        }
        b.append("</table>\n");
    }

    private static void groupCells(StringBuilder b, Group g) {
        b.append("<td class=\"n\">")
                .append(g.unsafe())
                .append("</td><td class=\"n\">")
                .append(pct(g.rate()))
                .append("</td><td>")
                .append(pct(g.ciLow()))
                .append("&ndash;")
                .append(pct(g.ciHigh()))
                .append("</td><td class=\"n\">")
                .append(pct(g.baseline()))
                .append("</td><td class=\"n\">")
                .append(pct(g.spread()))
                .append("</td><td class=\"n\">")
                .append(g.z() == null ? "" : String.format(Locale.ROOT, "%.1f", g.z()))
                .append("</td>");
    }

    private static void kpi(StringBuilder b, String value, String label) {
        b.append("<div class=\"kpi\"><b>")
                .append(value)
                .append("</b><span>")
                .append(label)
                .append("</span></div>");
    }

    private static void row(StringBuilder b, String k, String escapedValue) {
        b.append("<tr><th>").append(k).append("</th><td>").append(escapedValue).append("</td></tr>\n");
    }

    static String pct(Double v) {
        return v == null
                ? ""
                : String.format(Locale.ROOT, v != 0 && Math.abs(v) < 0.001 ? "%.3f%%" : "%.2f%%", 100 * v);
    }

    static String num(double v) {
        return v == Math.rint(v) && Math.abs(v) < 1e15
                ? Long.toString((long) v)
                : String.format(Locale.ROOT, "%.3g", v);
    }
}
