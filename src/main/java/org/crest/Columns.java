package org.crest;

/** Names of the columns and files that crest adds to an output; every room uses these, none defines its own. */
public final class Columns {
    public static final String QUARANTINE_DIR = "_quarantine";
    public static final String SUMMARY_FILE = "_crest_summary.json";
    /** {@code label --report}: report.html, report.md, report.json and alerts.json (org.crest.report). */
    public static final String REPORT_DIR = "_crest_report";
    /** The per-file ledger when there are too many input files to list in the summary. */
    public static final String FILES_LEDGER = "_crest_files.parquet";

    public static final String SCORE_COL = "crest_score";
    public static final String LABEL_COL = "crest_label";
    public static final String WINDOWS_COL = "crest_windows";
    public static final String TOKENS_COL = "crest_tokens";
    public static final String MODEL_COL = "crest_model";
    /** With --detect-language: the text's language, ISO 639-1 else 639-3, null when unsure (LanguageId). */
    public static final String LANG_COL = "crest_lang";

    public static final String ERROR_COL = "crest_error";
    public static final String RECORD_COL = "crest_record";
    public static final String TURN_COL = "crest_turn";
    public static final String ROLE_COL = "crest_role";
    public static final String TEXT_COL = "crest_text";
    /**
     * JSON input: the record's top-level fields that are not columns (keys missing from the sampled
     * columns, empty keys, case variants, repeated keys, values of another type), as one JSON object; null
     * when there are none.
     */
    public static final String EXTRA_COL = "crest_extra";
    /** Input columns named crest_* are kept under this prefix when crest writes its own (relabeling). */
    public static final String PREV_PREFIX = "crest_prev_";

    private Columns() {}
}
