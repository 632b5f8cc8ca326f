package org.crest.report;

import org.crest.UsageException;

/**
 * What {@code crest report} (or {@code label --report}) was asked for.
 *
 * @param input a label output: plain, or a --resume output of dt= partitions
 * @param output where report.html, report.md, report.json and alerts.json go; null = INPUT/_crest_report
 * @param baselineDays a day is compared with the days in the {@code baselineDays} calendar days before it
 * @param top how many of the most confident unsafe messages to list
 * @param redact leave the texts of those messages out
 * @param langCol the language column; null = crest_lang when the output has it
 * @param textCol the text column; null = crest_text (chats), else text, when the output has it
 * @param alertThreshold alert when the robust z of a rate above its baseline is at least this
 * @param trendLanguages per-day rates (and their own trailing baselines) of this many largest languages, in
 *     partitioned outputs; 0 = none
 */
public record ReportOptions(
        String input,
        String output,
        int baselineDays,
        int top,
        boolean redact,
        String langCol,
        String textCol,
        double alertThreshold,
        int trendLanguages) {
    public static final int DEFAULT_BASELINE_DAYS = 14;
    public static final int DEFAULT_TREND_LANGUAGES = 8;
    /** More small charts than this would not be read. */
    public static final int MAX_TREND_LANGUAGES = 50;

    public static final int DEFAULT_TOP = 20;
    public static final double DEFAULT_ALERT_THRESHOLD = 3.0;

    public ReportOptions {
        if (baselineDays < 1) {
            throw new UsageException("Cannot use --baseline-days " + baselineDays + ": expected 1 or more days");
        }
        if (top < 0) {
            throw new UsageException("Cannot use --top " + top + ": expected 0 or more messages");
        }
        if (!(alertThreshold > 0) || Double.isInfinite(alertThreshold)) {
            throw new UsageException("Cannot use --alert-threshold " + alertThreshold
                    + ": expected a positive number of " + "standard deviations, e.g. 3");
        }
        if (trendLanguages < 0 || trendLanguages > MAX_TREND_LANGUAGES) {
            throw new UsageException("Cannot use --trend-languages " + trendLanguages + ": expected 0 (none) to "
                    + MAX_TREND_LANGUAGES + " languages");
        }
    }

    /** The options without the trend setting: per-day trends of the {@value #DEFAULT_TREND_LANGUAGES} largest. */
    public ReportOptions(
            String input,
            String output,
            int baselineDays,
            int top,
            boolean redact,
            String langCol,
            String textCol,
            double alertThreshold) {
        this(input, output, baselineDays, top, redact, langCol, textCol, alertThreshold, DEFAULT_TREND_LANGUAGES);
    }

    /** These options with per-day trends of the {@code n} largest languages (0 = none). */
    public ReportOptions withTrendLanguages(int n) {
        return new ReportOptions(input, output, baselineDays, top, redact, langCol, textCol, alertThreshold, n);
    }

    /** The defaults, as {@code label --report} uses them. */
    public static ReportOptions defaults(String input) {
        return new ReportOptions(
                input, null, DEFAULT_BASELINE_DAYS, DEFAULT_TOP, false, null, null, DEFAULT_ALERT_THRESHOLD);
    }
}
