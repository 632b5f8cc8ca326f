package org.crest.io;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
import org.crest.io.FileCheck.Shape;

/**
 * The per-file ledger: how many records each input file holds, counted from its bytes by
 * {@link FileCheck} (the same read that checks the file), independently of the reader that labels it.
 *
 * <ul>
 *   <li>JSON Lines: lines split on {@code \n}; a line whose bytes are all {@code <= 0x20} (blank,
 *       whitespace, a lone CR) is not a record; a UTF-8 byte order mark at the file's start is ignored.
 *   <li>.json holding arrays: the elements of every top-level array, plus one per other top-level
 *       value; a file that does not parse to its end is one record (it is quarantined whole).
 *   <li>CSV: RFC 4180 records (a newline inside a quoted field does not end one), less the header
 *       record; empty lines between records are not records. A quote that never closes makes the rest of
 *       the file one record.
 *   <li>Parquet: the row counts in the footer.
 * </ul>
 */
public final class Ledger {
    /** The UTF-8 byte order mark. */
    static final byte[] BOM = {(byte) 0xef, (byte) 0xbb, (byte) 0xbf};

    private Ledger() {}

    /** Counts records from the bytes fed to it. */
    public interface Counter {
        void feed(byte[] b, int n);

        long records();

        /** After the end of the data (or when feed stops taking bytes): the offset to resume counting at, or -1. */
        default long resumeAt() {
            return -1;
        }

        /**
         * True once feed takes no more bytes (a quote open too long): the caller stops reading and asks
         * {@link #resumeAt()}. Unlike resumeAt, it never treats the data so far as the end of the file, so a quoted
         * field that merely spans two reads is not taken for an unclosed one.
         */
        default boolean stopped() {
            return false;
        }

        /** Continue counting from {@code offset} of the file (after {@link #resumeAt()}). */
        default void restartAt(long offset) {}
    }

    static Counter counter(InputFormat format, Shape shape) {
        return format == InputFormat.CSV ? new CsvCounter() : new LineCounter();
    }

    /** JSON Lines: lines holding a byte above 0x20 (the UTF-8 byte order mark at the start excepted). */
    static final class LineCounter implements Counter {
        private long records;
        private boolean content;
        private long offset;
        private int bomLeft = 3;

        @Override
        public void feed(byte[] b, int n) {
            for (int i = 0; i < n; i++, offset++) {
                int x = b[i] & 0xff;
                if (bomLeft > 0 && offset < 3) {
                    int expected = offset == 0 ? 0xef : offset == 1 ? 0xbb : 0xbf;
                    if (x == expected) {
                        bomLeft--;
                        if (bomLeft == 0) {
                            continue; // a whole BOM: not content
                        }
                        // a partial BOM so far; decided at the third byte
                        continue;
                    }
                    if (bomLeft < 3) {
                        content = true; // ef or ef bb without the rest: bytes of the line
                    }
                    bomLeft = 0;
                }
                if (x == '\n') {
                    records += content ? 1 : 0;
                    content = false;
                } else if (x > 0x20) {
                    content = true;
                }
            }
        }

        @Override
        public long records() {
            return records + (content ? 1 : 0);
        }
    }

    /**
     * CSV per RFC 4180: a record ends at a newline outside quotes ({@link CsvQuotes}: a quote opens quoting only at
     * a field's start); a record of
     * nothing but a CR is a blank line; the first record is the header. A quote still open at the end of
     * the file, or after {@link CsvRecords#CAP} bytes, makes the line it opened on one record, and counting
     * resumes after that line ({@link #resumeAt()}: the caller reopens the file there).
     */
    static final class CsvCounter implements Counter {
        private long records;
        private boolean inQuotes;
        private final CsvQuotes quotes = new CsvQuotes();
        private boolean any; // bytes in the current record other than a CR
        private boolean header = true;
        private long offset;
        private long recStart;
        private long firstNl = -1;
        private long resume = -1;

        @Override
        public void feed(byte[] b, int n) {
            for (int i = 0; i < n && resume < 0; i++, offset++) {
                int x = b[i] & 0xff;
                if (x == '\n' && firstNl < 0) {
                    firstNl = offset;
                }
                boolean bomByte = offset < 3 && (byte) x == BOM[(int) offset];
                boolean wasQuoted = quotes.feed(x, bomByte);
                inQuotes = quotes.inQuotes();
                if (x == '\n' && !wasQuoted) {
                    end();
                    recStart = offset + 1;
                    firstNl = -1;
                    continue;
                } else if (x != '\r' && !bomByte) {
                    any = true; // a CR or the file's byte order mark alone is a blank line
                }
                if (firstNl >= 0 && (quotes.badClose() || inQuotes && offset - recStart + 1 > CsvRecords.CAP)) {
                    unbalanced();
                }
            }
        }

        private void unbalanced() {
            any = true;
            end();
            resume = firstNl + 1;
        }

        private void end() {
            if (any) {
                if (header) {
                    header = false;
                } else {
                    records++;
                }
            }
            any = false;
        }

        @Override
        public boolean stopped() {
            return resume >= 0;
        }

        @Override
        public long resumeAt() {
            if (resume < 0 && inQuotes && firstNl >= 0) {
                unbalanced(); // at the end of the file
            }
            return resume;
        }

        @Override
        public void restartAt(long at) {
            offset = at;
            recStart = at;
            firstNl = -1;
            inQuotes = false;
            quotes.reset();
            any = false;
            resume = -1;
        }

        @Override
        public long records() {
            return records + (any && !header ? 1 : 0);
        }
    }

    /** Elements of the top-level arrays of a .json file (other top-level values one each); 1 if it does not parse. */
    static long jsonArrayRecords(byte[] all) {
        try {
            return jsonArrayRecords(new java.io.ByteArrayInputStream(all));
        } catch (IOException e) {
            return 1; // not reached: a byte array does not fail to read
        }
    }

    /**
     * As {@link #jsonArrayRecords(byte[])}, streaming (a UTF-8 byte order mark is skipped by the parser); reads up to
     * the end of the JSON or the first place it stops being JSON, and never closes {@code in}. A failure to read the
     * stream (a truncated gzip) is thrown, not counted as JSON that does not parse.
     */
    static long jsonArrayRecords(java.io.InputStream in) throws IOException {
        long n = 0;
        try (JsonParser p = JsonRecords.FACTORY.createParser(in)) {
            p.disable(JsonParser.Feature.AUTO_CLOSE_SOURCE);
            JsonToken t;
            while ((t = p.nextToken()) != null) {
                if (t == JsonToken.START_ARRAY) {
                    while ((t = p.nextToken()) != JsonToken.END_ARRAY) {
                        if (t == null) {
                            return 1;
                        }
                        p.skipChildren();
                        n++;
                    }
                } else {
                    p.skipChildren();
                    n++;
                }
            }
            return n;
        } catch (com.fasterxml.jackson.core.JsonProcessingException | RuntimeException e) {
            return 1;
        }
    }
}
