package org.crest.report;

/**
 * Makes user strings (message texts, language and role values, reasons, paths) safe to put into HTML and Markdown.
 * Texts come from hostile chat logs: markup, bidi overrides that reorder what follows, control characters, broken
 * surrogates, megabyte strings. So: HTML-escape {@code & < > " '}; show controls and invisible bidi/format marks as
 * visible {@code [U+202E]}; replace unpaired surrogates with U+FFFD; clip long values.
 */
public final class Text {
    private Text() {}

    /** Escaped for HTML text and attribute values (double or single quoted). */
    public static String html(String s) {
        if (s == null) {
            return "";
        }
        StringBuilder b = new StringBuilder(s.length() + 16);
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '&' -> b.append("&amp;");
                case '<' -> b.append("&lt;");
                case '>' -> b.append("&gt;");
                case '"' -> b.append("&quot;");
                case '\'' -> b.append("&#39;");
                case '\n', '\t' -> b.append(c);
                default -> {
                    if (Character.isHighSurrogate(c)
                            && i + 1 < s.length()
                            && Character.isLowSurrogate(s.charAt(i + 1))) {
                        b.append(c).append(s.charAt(++i));
                    } else if (Character.isSurrogate(c)) {
                        b.append('\uFFFD');
                    } else if (invisible(c)) {
                        b.append(String.format("[U+%04X]", (int) c));
                    } else {
                        b.append(c);
                    }
                }
            }
        }
        return b.toString();
    }

    /** Escaped for a Markdown table cell: HTML-escaped, Markdown punctuation backslashed, line breaks shown as ⏎. */
    public static String md(String s) {
        String h = html(s);
        StringBuilder b = new StringBuilder(h.length() + 16);
        for (int i = 0; i < h.length(); i++) {
            char c = h.charAt(i);
            if (c == '\n') {
                b.append(" \u23CE ");
            } else if (c == '\t') {
                b.append(' ');
            } else if ("\\`*_[]|~".indexOf(c) >= 0) {
                b.append('\\').append(c);
            } else {
                b.append(c);
            }
        }
        return b.toString();
    }

    /** At most {@code max} code points, with … when cut. */
    public static String clip(String s, int max) {
        if (s == null) {
            return null;
        }
        if (s.codePointCount(0, s.length()) <= max) {
            return s;
        }
        return s.substring(0, s.offsetByCodePoints(0, max)) + "\u2026";
    }

    /** Controls (C0 but tab/newline, DEL, C1) and format characters: bidi marks, embeddings, overrides, isolates. */
    static boolean invisible(char c) {
        return c < 0x20
                || (c >= 0x7f && c <= 0x9f)
                || c == 0x061c
                || c == 0x200e
                || c == 0x200f
                || (c >= 0x202a && c <= 0x202e)
                || (c >= 0x2066 && c <= 0x2069)
                || c == 0xfeff
                || (c >= 0x200b && c <= 0x200d)
                || (c >= 0xfff9 && c <= 0xfffb);
    }
}
