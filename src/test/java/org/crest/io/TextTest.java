package org.crest.io;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class TextTest {
    @Test
    void whitespaceAndZeroWidthCharactersAreBlank() {
        for (String blank : new String[] {
            null,
            "",
            " ",
            "\t\n\r",
            "\u00A0",
            "\u2007\u202F",
            "\u3000",
            "\u200B",
            "\u200C\u200D",
            "\u2060",
            "\uFEFF",
            "\u180E",
            "\u000B\u000C\u001C",
            "\u2028\u2029",
            " \u200B\t\u00A0 "
        }) {
            assertThat(Text.isBlank(blank))
                    .as("%s", blank == null ? null : blank.codePoints().boxed().toList())
                    .isTrue();
        }
        for (String text : new String[] {"a", " a ", "\u200Bx", "\u00A0.", "\uD83D\uDE00", "\u0301", "0"}) {
            assertThat(Text.isBlank(text)).as(text).isFalse();
        }
    }
}
