package org.crest.io;

/**
 * CSV quoting as crest reads it, byte by byte, shared by the ledger ({@link Ledger}) and the reader
 * ({@link CsvRecords}) so that both split records alike. A quote opens a quoted field only at the start of a field
 * (after nothing but spaces or tabs, or the file's byte order mark); inside a quoted field a doubled quote is a
 * quote and a single one closes it; anywhere else a quote is an ordinary character. So {@code 5" screen} is one
 * field, and a stray inch mark no longer opens a quote that swallows the next lines into one record.
 */
final class CsvQuotes {
    private boolean quoted;
    private boolean afterQuote;
    private boolean fieldStart = true;
    private boolean badClose;

    /**
     * Takes one byte ({@code bomByte}: a byte of the byte order mark at the file's start, which is no content);
     * returns whether the byte was inside quotes before it was read, so a newline then does not end a record.
     */
    boolean feed(int b, boolean bomByte) {
        boolean was = quoted;
        badClose = afterQuote && b != '"' && b != ',' && b != '\n' && b != '\r' && b != ' ' && b != '\t';
        if (quoted) {
            if (b == '"') {
                quoted = false;
                afterQuote = true;
            }
            return was;
        }
        if (b == '"' && (afterQuote || fieldStart)) {
            quoted = true; // a field's opening quote, or the second of a doubled quote
            afterQuote = false;
            fieldStart = false;
            return was;
        }
        afterQuote = false;
        if (b == ',' || b == '\n') {
            fieldStart = true;
        } else if (b != ' ' && b != '\t' && !bomByte) {
            fieldStart = false;
        }
        return was;
    }

    boolean inQuotes() {
        return quoted;
    }

    /**
     * Whether the byte just fed follows a closing quote without a delimiter ({@code "never closed ... "quoted}): the
     * quote that opened the field was most likely never meant to be closed there. Where such a field spans lines, the
     * callers treat its opening quote as unbalanced (the line it opened on is one record, reading resumes after it),
     * as they do for a quote still open at the end of the file.
     */
    boolean badClose() {
        return badClose;
    }

    void reset() {
        badClose = false;
        quoted = false;
        afterQuote = false;
        fieldStart = true;
    }
}
