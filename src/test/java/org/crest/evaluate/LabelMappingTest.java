package org.crest.evaluate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.crest.UsageException;
import org.junit.jupiter.api.Test;

class LabelMappingTest {

    @Test
    void usualEncodingsInAnyCase() {
        LabelMapping m = LabelMapping.defaults();
        for (Object v : new Object[] {0, 0L, "0", " 0 ", 0.0, "0.0", false, "FALSE", "Safe", "benign", "BENIGN"}) {
            assertThat(m.normalise(v)).as("%s", v).isEqualTo("safe");
        }
        for (Object v : new Object[] {1, 1L, "1", 1.0, "1.00", true, "True", "UNSAFE", "harmful", " Harmful "}) {
            assertThat(m.normalise(v)).as("%s", v).isEqualTo("unsafe");
        }
        for (Object v : new Object[] {2, "0.5", "maybe", "needs caution", ""}) {
            assertThat(m.normalise(v)).as("%s", v).isNull();
        }
        assertThat(m.normalise(null)).isNull();
    }

    @Test
    void userMapComesFirst() {
        LabelMapping m = LabelMapping.of(Map.of("Needs Caution", "UNSAFE", "0", "unsafe", "2", "safe"));
        assertThat(m.normalise("needs caution")).isEqualTo("unsafe");
        assertThat(m.normalise(0)).as("overrides the default").isEqualTo("unsafe");
        assertThat(m.normalise(2.0)).isEqualTo("safe");
        assertThat(m.normalise("1")).isEqualTo("unsafe");
        assertThatThrownBy(() -> LabelMapping.of(Map.of("x", "maybe")))
                .isInstanceOf(UsageException.class)
                .hasMessageContaining("safe or unsafe")
                .hasMessageContaining("x=maybe");
    }
}
