package org.crest.report;

import static org.crest.report.HtmlReport.pct;
import static org.crest.report.Text.md;

import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.crest.report.AuditReport.Alert;
import org.crest.report.AuditReport.Day;
import org.crest.report.AuditReport.Group;
import org.crest.report.AuditReport.Message;

/** report.md: the same report as Markdown tables (for a ticket, a chat message or a git repository). */
public final class MarkdownReport {
    private MarkdownReport() {}

    public static String render(AuditReport r) {
        AuditReport.Totals t = r.totals();
        StringBuilder b = new StringBuilder(32 * 1024);
        b.append("# crest audit report\n\n")
                .append(md(r.input()))
                .append(" · ")
                .append(r.layout())
                .append(" output · generated ")
                .append(md(r.generatedAt()))
                .append(" · model ")
                .append(md(String.join(", ", t.models())))
                .append(t.modelIsDemo() ? " **(demo model: labels mean nothing)**" : "")
                .append("\n\n");
        if (r.alerts().isEmpty()) {
            b.append("**No alerts.**\n\n");
        } else {
            b.append("## ")
                    .append(r.alerts().size())
                    .append(" alert")
                    .append(r.alerts().size() == 1 ? "" : "s")
                    .append("\n\n");
            for (Alert a : r.alerts()) {
                b.append("- ").append(md(a.message())).append('\n');
            }
            b.append('\n');
        }
        if (!r.checks().isEmpty()) {
            b.append("## Needs attention\n\n");
            for (String c : r.checks()) {
                b.append("- ").append(md(c)).append('\n');
            }
            b.append('\n');
        }
        b.append("## Totals\n\n| | |\n|---|---|\n");
        b.append("| records in | ").append(t.rowsIn()).append(" |\n");
        b.append("| labeled | ").append(t.rowsLabeled()).append(" |\n");
        b.append("| quarantined | ").append(t.rowsQuarantined()).append(" |\n");
        b.append("| not selected | ")
                .append(t.rowsNotSelected() == null ? "not recorded" : t.rowsNotSelected())
                .append(" |\n");
        b.append("| unsafe | ")
                .append(t.unsafe())
                .append(" (")
                .append(pct(t.unsafeRate()))
                .append(", 95% CI ")
                .append(pct(t.ciLow()))
                .append("–")
                .append(pct(t.ciHigh()))
                .append(") |\n");
        b.append("| model | ").append(md(String.join(", ", t.models()))).append(" |\n");
        if (!t.modelSha256().isEmpty()) {
            b.append("| model SHA-256 | ")
                    .append(md(String.join(", ", t.modelSha256())))
                    .append(" |\n");
        }
        b.append("| threshold | ").append(t.thresholds()).append(" |\n");
        b.append("| input files | ").append(t.inputFiles()).append(" |\n");
        if (t.partitions() != null) {
            b.append("| dt= partitions | ")
                    .append(t.partitions())
                    .append(" committed, ")
                    .append(t.partitionsLeftOut().size())
                    .append(" left out |\n");
        }
        if (t.status() != null) {
            b.append("| last run | ")
                    .append(md(t.status()))
                    .append(", ")
                    .append(md(t.startedAt()))
                    .append(" → ")
                    .append(md(t.finishedAt()))
                    .append(t.elapsedSeconds() == null ? "" : " (" + t.elapsedSeconds() + " s)")
                    .append(" |\n");
        }
        b.append("| skipped corrupt files | ").append(t.skippedFiles().size()).append(" |\n\n");
        if (!t.quarantineReasons().isEmpty()) {
            b.append("### Quarantined, by reason\n\n| reason | rows |\n|---|---:|\n");
            for (Map.Entry<String, Long> e : t.quarantineReasons().entrySet()) {
                b.append("| ")
                        .append(md(e.getKey()))
                        .append(" | ")
                        .append(e.getValue())
                        .append(" |\n");
            }
            b.append('\n');
        }
        if (r.days() != null) {
            b.append(
                    "## Per day\n\n| day | records in | labeled | quarantined | unsafe | rate | 95% CI | baseline | spread "
                            + "| z | alert |\n|---|---:|---:|---:|---:|---:|---|---:|---:|---:|---|\n");
            for (Day d : r.days()) {
                Group g = d.labeled();
                b.append("| ")
                        .append(d.dt())
                        .append(" | ")
                        .append(d.rowsIn())
                        .append(" | ")
                        .append(g.rows())
                        .append(" | ")
                        .append(d.rowsQuarantined())
                        .append(" | ");
                cells(b, g);
            }
            b.append('\n');
        }
        if (r.languageTrends() != null && !r.languageTrends().isEmpty()) {
            List<AuditReport.LanguageTrend> trends = r.languageTrends();
            b.append("## Per language, per day\n\nUnsafe rate (unsafe/labeled) of the ")
                    .append(trends.size())
                    .append(" largest languages; each language-day is compared with the same language's trailing days.")
                    .append("\n\n| day |");
            StringBuilder rule = new StringBuilder("|---|");
            for (AuditReport.LanguageTrend lt : trends) {
                b.append(' ').append(md(Text.clip(lt.key(), 16))).append(" |");
                rule.append("---:|");
            }
            b.append('\n').append(rule).append('\n');
            for (int i = 0; i < r.days().size(); i++) {
                b.append("| ").append(r.days().get(i).dt()).append(" |");
                for (AuditReport.LanguageTrend lt : trends) {
                    Group g = lt.days().get(i).labeled();
                    b.append(' ')
                            .append(g.rows() == 0 ? "–" : pct(g.rate()) + " (" + g.unsafe() + "/" + g.rows() + ")")
                            .append(g.alert() ? " **ALERT**" : "")
                            .append(" |");
                }
                b.append('\n');
            }
            b.append('\n');
        }
        if (r.languages() != null) {
            b.append("## Per language (").append(md(r.settings().langCol())).append(")\n\n");
            table(b, "language", r.languages(), true);
            b.append("## Per language cluster (Table 8)\n\n");
            table(b, "cluster", r.clusters(), false);
        }
        if (r.roles() != null) {
            b.append("## Per role\n\n");
            table(b, "role", r.roles(), false);
        }
        b.append("## Scores\n\n| crest_score | labeled | unsafe |\n|---|---:|---:|\n");
        for (AuditReport.Bin x : r.histogram()) {
            b.append(String.format(Locale.ROOT, "| %.2f–%.2f | %d | %d |%n", x.from(), x.to(), x.rows(), x.unsafe()));
        }
        b.append("\n## Most confident unsafe messages\n\n");
        if (r.topUnsafe().isEmpty()) {
            b.append("None.\n");
        } else {
            boolean text = r.settings().textCol() != null;
            b.append("| score | day | lang | role | turn | chars |")
                    .append(text ? " text |" : "")
                    .append("\n")
                    .append("|---:|---|---|---|---:|---:|")
                    .append(text ? "---|" : "")
                    .append('\n');
            for (Message m : r.topUnsafe()) {
                b.append(String.format(Locale.ROOT, "| %.4f | ", m.score()))
                        .append(md(m.dt()))
                        .append(" | ")
                        .append(md(Text.clip(m.lang(), 24)))
                        .append(" | ")
                        .append(md(Text.clip(m.role(), 24)))
                        .append(" | ")
                        .append(m.turn() == null ? "" : m.turn())
                        .append(" | ")
                        .append(m.textChars() == null ? "" : m.textChars())
                        .append(" |");
                if (text) {
                    b.append(' ')
                            .append(md(m.text()))
                            .append(m.textChars() != null && m.textChars() > ReportJob.MAX_CHARS ? "…" : "")
                            .append(" |");
                }
                b.append('\n');
            }
            if (r.settings().redact()) {
                b.append("\nTexts left out (--redact).\n");
            }
        }
        b.append("\nRates are unsafe / labeled; intervals are 95% Wilson intervals. An alert: the rate lies at least ")
                .append(HtmlReport.num(r.settings().alertThreshold()))
                .append(" standard deviations above its baseline " + "(docs/REPORT.md).\n");
        return b.toString();
    }

    private static void table(StringBuilder b, String what, List<Group> groups, boolean cluster) {
        b.append("| ")
                .append(what)
                .append(cluster ? " | cluster" : "")
                .append(" | labeled | unsafe | rate | 95% CI | baseline | spread | z | alert |\n|---|")
                .append(cluster ? "---|" : "")
                .append("---:|---:|---:|---|---:|---:|---:|---|\n");
        for (Group g : groups) {
            b.append("| ").append(md(Text.clip(g.key(), 40))).append(" | ");
            if (cluster) {
                b.append(md(g.cluster())).append(" | ");
            }
            b.append(g.rows()).append(" | ");
            cells(b, g);
        }
        b.append('\n');
    }

    private static void cells(StringBuilder b, Group g) {
        b.append(g.unsafe())
                .append(" | ")
                .append(pct(g.rate()))
                .append(" | ")
                .append(pct(g.ciLow()))
                .append("–")
                .append(pct(g.ciHigh()))
                .append(" | ")
                .append(pct(g.baseline()))
                .append(" | ")
                .append(pct(g.spread()))
                .append(" | ")
                .append(g.z() == null ? "" : String.format(Locale.ROOT, "%.1f", g.z()))
                .append(" | ")
                .append(g.alert() ? "**ALERT**" : "")
                .append(" |\n");
    }
}
