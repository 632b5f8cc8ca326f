package org.crest.report;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonUnwrapped;
import java.util.List;
import java.util.Map;

/**
 * Everything the audit report says, as written to {@code report.json}; report.html and report.md are renderings of
 * it. Rates are unsafe / labeled rows; intervals are 95 % Wilson intervals. docs/REPORT.md defines every field.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record AuditReport(
        @JsonProperty("format_version") int formatVersion,
        @JsonProperty("generated_at") String generatedAt,
        @JsonProperty("input") String input,
        @JsonProperty("layout") String layout,
        @JsonProperty("settings") Settings settings,
        @JsonProperty("totals") Totals totals,
        @JsonProperty("checks") List<String> checks,
        @JsonProperty("days") List<Day> days,
        @JsonProperty("language_trends") List<LanguageTrend> languageTrends,
        @JsonProperty("languages") List<Group> languages,
        @JsonProperty("languages_not_listed") Group languagesNotListed,
        @JsonProperty("clusters") List<Group> clusters,
        @JsonProperty("roles") List<Group> roles,
        @JsonProperty("histogram") List<Bin> histogram,
        @JsonProperty("top_unsafe") List<Message> topUnsafe,
        @JsonProperty("alerts") List<Alert> alerts) {

    public static final int FORMAT_VERSION = 1;
    public static final String PLAIN = "plain";
    public static final String PARTITIONED = "partitioned";

    /** What the report was asked for, and the columns it found. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Settings(
            @JsonProperty("baseline_days") int baselineDays,
            @JsonProperty("alert_threshold") double alertThreshold,
            @JsonProperty("min_rows") long minRows,
            @JsonProperty("top") int top,
            @JsonProperty("redact") boolean redact,
            @JsonProperty("max_chars") int maxChars,
            @JsonProperty("lang_col") String langCol,
            @JsonProperty("role_col") String roleCol,
            @JsonProperty("text_col") String textCol,
            @JsonProperty("trend_languages") int trendLanguages) {}

    /** Over the whole output (every committed partition). */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Totals(
            @JsonProperty("rows_in") long rowsIn,
            @JsonProperty("rows_labeled") long rowsLabeled,
            @JsonProperty("rows_quarantined") long rowsQuarantined,
            @JsonProperty("quarantine_reasons") Map<String, Long> quarantineReasons,
            @JsonProperty("rows_not_selected") Long rowsNotSelected,
            @JsonProperty("unsafe") long unsafe,
            @JsonProperty("unsafe_rate") Double unsafeRate,
            @JsonProperty("ci_low") double ciLow,
            @JsonProperty("ci_high") double ciHigh,
            @JsonProperty("models") List<String> models,
            @JsonProperty("model_sha256") List<String> modelSha256,
            @JsonProperty("model_is_demo") boolean modelIsDemo,
            @JsonProperty("thresholds") List<Double> thresholds,
            @JsonProperty("input_files") long inputFiles,
            @JsonProperty("skipped_files") List<SkippedFile> skippedFiles,
            @JsonProperty("partitions") Integer partitions,
            @JsonProperty("partitions_left_out") List<String> partitionsLeftOut,
            @JsonProperty("status") String status,
            @JsonProperty("started_at") String startedAt,
            @JsonProperty("finished_at") String finishedAt,
            @JsonProperty("elapsed_seconds") Double elapsedSeconds) {}

    /** A corrupt input file that label left out as asked (--skip-corrupt-files). */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record SkippedFile(
            @JsonProperty("partition") String partition,
            @JsonProperty("file") String file,
            @JsonProperty("reason") String reason,
            @JsonProperty("detail") String detail) {}

    /**
     * Labeled rows of one day, language, cluster or role: {@code rows} labeled, {@code unsafe} of them, the rate, its
     * interval, and (where there is one) the baseline it is compared with and the robust z of the alert rule.
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Group(
            @JsonProperty("key") String key,
            @JsonProperty("cluster") String cluster,
            @JsonProperty("rows") long rows,
            @JsonProperty("unsafe") long unsafe,
            @JsonProperty("unsafe_rate") Double rate,
            @JsonProperty("ci_low") double ciLow,
            @JsonProperty("ci_high") double ciHigh,
            @JsonProperty("baseline") Double baseline,
            @JsonProperty("baseline_spread") Double spread,
            @JsonProperty("baseline_peers") Integer peers,
            @JsonProperty("z") Double z,
            @JsonProperty("alert") boolean alert) {}

    /**
     * One dt= partition: its summary's counts, and its labeled rows as a {@link Group} (key = the date, rows = labeled
     * rows, baseline = the median rate of the trailing days).
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Day(
            @JsonProperty("dt") String dt,
            @JsonProperty("rows_in") long rowsIn,
            @JsonProperty("rows_quarantined") long rowsQuarantined,
            @JsonProperty("quarantine_reasons") Map<String, Long> quarantineReasons,
            @JsonUnwrapped Group labeled) {}

    /**
     * One of the largest languages, day by day (partitioned outputs): {@code rows} and {@code unsafe} over all its
     * days, and one {@link LanguageDay} per committed partition (also those where it has no rows).
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record LanguageTrend(
            @JsonProperty("key") String key,
            @JsonProperty("cluster") String cluster,
            @JsonProperty("rows") long rows,
            @JsonProperty("unsafe") long unsafe,
            @JsonProperty("days") List<LanguageDay> days) {}

    /**
     * A language's labeled rows on one day (key = the date), compared with its own rates on the days in the
     * baseline_days calendar days before.
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record LanguageDay(
            @JsonProperty("dt") String dt, @JsonUnwrapped Group labeled) {}

    /** Labeled rows with {@code from <= crest_score < to} (the last bin includes 1.0). */
    public record Bin(
            @JsonProperty("from") double from,
            @JsonProperty("to") double to,
            @JsonProperty("rows") long rows,
            @JsonProperty("unsafe") long unsafe) {}

    /** One of the most confident unsafe messages; {@code text} is absent with --redact. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Message(
            @JsonProperty("score") double score,
            @JsonProperty("dt") String dt,
            @JsonProperty("lang") String lang,
            @JsonProperty("role") String role,
            @JsonProperty("turn") Integer turn,
            @JsonProperty("text") String text,
            @JsonProperty("text_chars") Integer textChars) {}

    /**
     * A day, language, cluster, or a language on one day ({@code language-day}, with {@code dt}) whose unsafe rate lies
     * {@code z >= threshold} above its baseline.
     */
    public record Alert(
            @JsonProperty("kind") String kind,
            @JsonProperty("key") String key,

            @JsonInclude(JsonInclude.Include.NON_NULL) @JsonProperty("dt")
            String dt,

            @JsonProperty("rows") long rows,
            @JsonProperty("unsafe") long unsafe,
            @JsonProperty("unsafe_rate") double rate,
            @JsonProperty("ci_low") double ciLow,
            @JsonProperty("ci_high") double ciHigh,
            @JsonProperty("baseline") double baseline,
            @JsonProperty("baseline_spread") double spread,
            @JsonProperty("z") double z,
            @JsonProperty("threshold") double threshold,
            @JsonProperty("message") String message) {}
}
