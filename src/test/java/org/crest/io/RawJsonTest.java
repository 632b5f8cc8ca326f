package org.crest.io;

import static org.assertj.core.api.Assertions.assertThat;

import org.crest.io.RawJson.Kind;
import org.junit.jupiter.api.Test;

class RawJsonTest {
    @Test
    void tellsFieldTypesApart() {
        assertThat(RawJson.kindOf("{\"text\": \"hi\", \"id\": 1}", "text")).isEqualTo(Kind.STRING);
        assertThat(RawJson.kindOf("{\"id\": 1, \"text\": 12345}", "text")).isEqualTo(Kind.NUMBER);
        assertThat(RawJson.kindOf("{\"text\": 1.5}", "text")).isEqualTo(Kind.NUMBER);
        assertThat(RawJson.kindOf("{\"text\": null}", "text")).isEqualTo(Kind.NULL);
        assertThat(RawJson.kindOf("{\"text\": true}", "text")).isEqualTo(Kind.BOOLEAN);
        assertThat(RawJson.kindOf("{\"text\": {\"a\": [1, {\"text\": \"x\"}]}}", "text"))
                .isEqualTo(Kind.OBJECT);
        assertThat(RawJson.kindOf("{\"text\": [\"a\"]}", "text")).isEqualTo(Kind.ARRAY);
        assertThat(RawJson.kindOf("{\"id\": \"x\"}", "text")).isEqualTo(Kind.MISSING);
        assertThat(RawJson.kindOf("{\"nested\": {\"text\": \"x\"}}", "text"))
                .as("only top-level")
                .isEqualTo(Kind.MISSING);
    }

    @Test
    void detectsMalformedAndNonObjectLines() {
        assertThat(RawJson.kindOf("{\"id\": \"bad1\", \"text\": \"unterminated", "text"))
                .isEqualTo(Kind.MALFORMED);
        assertThat(RawJson.kindOf("{\"text\": \"a\"} trailing", "text")).isEqualTo(Kind.MALFORMED);
        assertThat(RawJson.kindOf("{\"text\": \"a\"}{\"text\": \"b\"}", "text")).isEqualTo(Kind.MALFORMED);
        assertThat(RawJson.kindOf("", "text")).isEqualTo(Kind.MALFORMED);
        assertThat(RawJson.kindOf("[1, 2]", "text")).isEqualTo(Kind.NOT_OBJECT);
        assertThat(RawJson.kindOf("\"just a string\"", "text")).isEqualTo(Kind.NOT_OBJECT);
    }

    @Test
    void ignoresAByteOrderMark() {
        assertThat(RawJson.kindOf("\uFEFF{\"text\": \"hi\"}", "text")).isEqualTo(Kind.STRING);
    }
}
