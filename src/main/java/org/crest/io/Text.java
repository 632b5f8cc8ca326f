package org.crest.io;

/** What counts as text: the one blank-text rule of the commands that embed or score texts. */
public final class Text {
    private Text() {}

    /**
     * True when {@code s} is null or holds nothing a model should see: only Unicode whitespace (tabs, newlines, the
     * space separators, NBSP U+00A0, U+2007, U+202F, the ideographic space) and invisible zero-width characters
     * (U+200B–U+200D, U+2060 word joiner, U+FEFF byte order mark, U+180E Mongolian vowel separator).
     */
    public static boolean isBlank(String s) {
        if (s == null) {
            return true;
        }
        for (int i = 0; i < s.length(); ) {
            int cp = s.codePointAt(i);
            if (!(Character.isWhitespace(cp) || Character.isSpaceChar(cp) || isZeroWidth(cp))) {
                return false;
            }
            i += Character.charCount(cp);
        }
        return true;
    }

    /**
     * True when {@code s} holds a lone UTF-16 surrogate (from a JSON escape such as {@code "\\ud800"}): no UTF-8
     * encoding exists for it, so writing it would silently turn it into {@code ?}.
     */
    public static boolean hasLoneSurrogate(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
                i++;
            } else if (Character.isSurrogate(c)) {
                return true;
            }
        }
        return false;
    }

    private static boolean isZeroWidth(int cp) {
        return (cp >= 0x200B && cp <= 0x200D) || cp == 0x2060 || cp == 0xFEFF || cp == 0x180E;
    }
}
