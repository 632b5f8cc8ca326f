package org.crest.report;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The 95 % Wilson interval, the robust baseline and the escaping, with exact expectations. */
class WilsonTest {

    @Test
    void wilsonIntervalsMatchTheClosedForm() {
        // reference values: the textbook formula evaluated independently (and the usual tables: 0/10 -> [0, 0.2775])
        assertInterval(2, 3, 0.20765960080204782, 0.9385080552796038);
        assertInterval(0, 10, 0.0, 0.27753279986288926);
        assertInterval(10, 10, 0.7224672001371109, 1.0);
        assertInterval(1, 1, 0.20654931437723745, 1.0);
        assertInterval(50, 1000, 0.03813026239274881, 0.06531382024425081);
        assertInterval(0, 1, 0.0, 0.7934506856227626);
        assertThat(Wilson.interval(0, 0)).as("nothing known").containsExactly(0.0, 1.0);
        assertThat(Wilson.interval(0, 10)[0]).as("never below 0").isEqualTo(0.0);
        assertThatThrownBy(() -> Wilson.interval(4, 3)).hasMessageContaining("4 of 3");
    }

    private static void assertInterval(long k, long n, double lo, double hi) {
        double[] ci = Wilson.interval(k, n);
        assertThat(ci[0]).as("low of %d/%d", k, n).isCloseTo(lo, within(1e-12));
        assertThat(ci[1]).as("high of %d/%d", k, n).isCloseTo(hi, within(1e-12));
    }

    @Test
    void baselineIsTheMedianAndScaledMad() {
        Baseline b = Baseline.of(List.of(0.05, 0.04, 0.06, 0.05, 0.90));
        assertThat(b.peers()).isEqualTo(5);
        assertThat(b.median()).as("median ignores the 0.90 outlier").isEqualTo(0.05);
        // |x - 0.05| = 0, 0.01, 0.01, 0, 0.85 -> median 0.01
        assertThat(b.spread()).isCloseTo(1.4826 * 0.01, within(1e-12));
        assertThat(Baseline.of(List.of(0.1, 0.3)).median()).isCloseTo(0.2, within(1e-12));
        // z: (0.25 - 0.05) / sqrt(spread^2 + 0.05 * 0.95 / 400)
        double sd = Math.sqrt(Math.pow(1.4826 * 0.01, 2) + 0.05 * 0.95 / 400);
        assertThat(b.z(100, 400)).isCloseTo(0.20 / sd, within(1e-9));
        // a baseline of exactly 0 with no spread: the floor q = 1/n makes z = the number of unsafe rows (about)
        Baseline zero = Baseline.of(List.of(0.0, 0.0, 0.0));
        assertThat(zero.z(2, 1000)).isCloseTo(2 / Math.sqrt(1 - 1e-3), within(1e-9));
        assertThat(Baseline.of(List.of()).z(1, 2)).isNaN();
    }

    @Test
    void userStringsAreEscapedAndInvisibleCharactersShown() {
        assertThat(Text.html("<script>alert('x')</script> & \"q\""))
                .isEqualTo("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;q&quot;");
        assertThat(Text.html("abc\u202Edef\u2066\u0000")).isEqualTo("abc[U+202E]def[U+2066][U+0000]");
        assertThat(Text.html("a\uD800b")).as("an unpaired surrogate").isEqualTo("a\uFFFDb");
        assertThat(Text.html("\uD83D\uDE00")).as("a pair stays").isEqualTo("\uD83D\uDE00");
        assertThat(Text.md("a|b <i>*x*</i>\nc")).isEqualTo("a\\|b &lt;i&gt;\\*x\\*&lt;/i&gt; \u23CE c");
        assertThat(Text.clip("\uD83D\uDE00\uD83D\uDE00\uD83D\uDE00", 2)).isEqualTo("\uD83D\uDE00\uD83D\uDE00\u2026");
    }

    @Test
    void table8ClustersIncludeAliases() {
        var m = LanguageClusters.byCode();
        assertThat(m)
                .containsEntry("en", "cluster 2")
                .containsEntry("es", "cluster 1")
                .containsEntry("nb", "cluster 2")
                .containsEntry("fil", "cluster 8")
                .containsEntry("zh", "cluster 5");
        assertThat(ReportJob.clusterName(m, "pt-BR")).isEqualTo("cluster 1");
        assertThat(ReportJob.clusterName(m, "zh_Hant")).isEqualTo("cluster 5");
        assertThat(ReportJob.clusterName(m, "xx")).isEqualTo(LanguageClusters.NOT_IN_TABLE);
        assertThat(ReportJob.clusterName(m, "und")).isEqualTo("und");
    }
}
