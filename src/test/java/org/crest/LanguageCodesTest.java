package org.crest;

import static org.assertj.core.api.Assertions.assertThat;

import org.crest.langid.Table8;
import org.junit.jupiter.api.Test;

class LanguageCodesTest {

    @Test
    void oneFormPerLanguageWithBcp47Case() {
        assertThat(LanguageCodes.normalise(" EN ")).isEqualTo("en");
        assertThat(LanguageCodes.normalise("en")).isEqualTo("en");
        assertThat(LanguageCodes.normalise("ZH_hant")).isEqualTo("zh-Hant");
        assertThat(LanguageCodes.normalise("pt-br")).isEqualTo("pt-BR");
        assertThat(LanguageCodes.normalise("FIL")).isEqualTo("fil");
        assertThat(LanguageCodes.normalise("  ")).isNull();
        assertThat(LanguageCodes.normalise(null)).isNull();
    }

    @Test
    void baseIsTheLanguageAlone() {
        assertThat(LanguageCodes.base("pt-BR")).isEqualTo("pt");
        assertThat(LanguageCodes.base("zh_Hans")).isEqualTo("zh");
        assertThat(LanguageCodes.base("fil")).isEqualTo("tl");
        assertThat(LanguageCodes.base(null)).isEmpty();
    }

    @Test
    void table8IsReadOnceWithTheSameKeys() {
        assertThat(Table8.byCode()).hasSize(92).containsKeys("en", "tl", "zh");
        assertThat(Table8.clusters().get(LanguageCodes.base("FIL")))
                .isEqualTo(Table8.byCode().get("tl").cluster());
        assertThat(Table8.byCode().get("es").role()).isEqualTo("train");
    }
}
