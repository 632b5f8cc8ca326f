package org.crest.io;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class ColumnPathTest {
    @Test
    void dotsSplitAndBackquotesAreLiteral() {
        assertThat(ColumnPath.parse("text")).containsExactly("text");
        assertThat(ColumnPath.parse("a.b.c")).containsExactly("a", "b", "c");
        assertThat(ColumnPath.parse("`a.b`")).containsExactly("a.b");
        assertThat(ColumnPath.parse("`a.b`.c")).containsExactly("a.b", "c");
        assertThat(ColumnPath.parse("`a``b`")).containsExactly("a`b");
        assertThat(ColumnPath.isPath("text")).isFalse();
        assertThat(ColumnPath.isPath("a.b")).isTrue();
        assertThat(ColumnPath.isPath("`a`")).isTrue();
        for (String bad : new String[] {"", ".a", "a.", "a..b", "`a", "`a`b"}) {
            assertThat(ColumnPath.parse(bad)).as(bad).isNull();
            assertThat(ColumnPath.isPath(bad)).as(bad).isFalse();
        }
        assertThat(ColumnPath.sparkPath(List.of("a.b", "c`d"))).isEqualTo("`a.b`.`c``d`");
    }

    @Test
    void findFollowsTheFirstOccurrenceOfEachKey() {
        String line = "{\"a\":{\"b\":\"x\",\"b\":\"y\",\"n\":{\"m\":[1,2]}},\"a.b\":\"top\",\"s\":\"str\"}";
        assertThat(RawJson.find(line, List.of("a", "b"))).isEqualTo(new RawJson.Found(RawJson.Kind.STRING, "x"));
        assertThat(RawJson.find(line, List.of("a", "n", "m")))
                .isEqualTo(new RawJson.Found(RawJson.Kind.ARRAY, "[1,2]"));
        assertThat(RawJson.find(line, List.of("s", "x")).kind()).isEqualTo(RawJson.Kind.MISSING);
        assertThat(RawJson.find(line, List.of("a", "zz")).kind()).isEqualTo(RawJson.Kind.MISSING);
        assertThat(RawJson.kindOf(line, "a.b")).as("the top-level key a.b wins").isEqualTo(RawJson.Kind.STRING);
        assertThat(RawJson.kindOf("{\"a\":{\"b\":5}}", "a.b")).isEqualTo(RawJson.Kind.NUMBER);
        assertThat(RawJson.kindOf("{\"a\":{\"b\":5}", "a.b")).isEqualTo(RawJson.Kind.MALFORMED);
    }

    @Test
    void escapedNulIsFoundButAnEscapedBackslashIsNot() {
        assertThat(JsonRecords.hasEscapedNul("{\"t\":\"a\\u0000b\"}")).isTrue();
        assertThat(JsonRecords.hasEscapedNul("{\"t\":\"a\\\\u0000b\"}")).isFalse();
        assertThat(JsonRecords.hasEscapedNul("{\"t\":\"a\\\\\\u0000b\"}")).isTrue();
        assertThat(JsonRecords.hasEscapedNul("{\"t\":\"a\\u0001b\"}")).isFalse();
    }
}
