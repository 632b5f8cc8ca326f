package org.crest.langid;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

class LanguageIdTest {
    /** Sentences written for this test, one per language, in the style of chat messages. */
    static final Map<String, String> SENTENCES = Map.ofEntries(
            Map.entry("en", "Could you please tell me how to reset my password? I forgot it yesterday evening."),
            Map.entry(
                    "de",
                    "Kannst du mir bitte sagen, wie ich mein Passwort zurücksetzen kann? Ich habe es gestern vergessen."),
            Map.entry("fr", "Pouvez-vous me dire comment réinitialiser mon mot de passe ? Je l'ai oublié hier soir."),
            Map.entry("es", "¿Me puedes decir cómo restablecer mi contraseña? La olvidé ayer por la noche."),
            Map.entry("it", "Mi puoi dire come reimpostare la mia password? L'ho dimenticata ieri sera."),
            Map.entry("pt", "Você pode me dizer como redefinir a minha senha? Eu esqueci ontem à noite."),
            Map.entry("ru", "Подскажите, пожалуйста, как сбросить мой пароль? Я забыл его вчера вечером."),
            Map.entry("zh", "你能告诉我怎么重置我的密码吗？我昨天晚上忘记了。"),
            Map.entry("ja", "パスワードをリセットする方法を教えてください。昨日の夜に忘れてしまいました。"),
            Map.entry("ar", "هل يمكنك أن تخبرني كيف أعيد تعيين كلمة المرور الخاصة بي؟ لقد نسيتها مساء أمس."),
            Map.entry(
                    "hi", "क्या आप मुझे बता सकते हैं कि मैं अपना पासवर्ड कैसे रीसेट करूं? मैं इसे कल रात भूल गया था।"),
            Map.entry("tr", "Şifremi nasıl sıfırlayabileceğimi söyler misiniz? Dün akşam unuttum."));

    private final LanguageId id = LanguageId.shared();

    @Test
    void detectsTwelveLanguagesAsIso6391() {
        SENTENCES.forEach((lang, text) ->
                assertThat(id.detect(text)).as("language of %s", text).isEqualTo(lang));
    }

    @Test
    void isUnsureOfTextsWithoutEnoughLetters() {
        assertThat(id.detect(null)).isNull();
        assertThat(id.detect("")).isNull();
        assertThat(id.detect("12345 !!! 678")).as("digits and punctuation").isNull();
        assertThat(id.detect("\uD83D\uDC4D\uD83D\uDC4D ok"))
                .as("two letters and emoji")
                .isNull();
        assertThat(id.detectWithConfidence("ab")).isNull();
    }

    @Test
    void isUnsureWhenTheBestLanguageIsNotClearlyAhead() {
        LanguageId.Detection d = id.detectWithConfidence("ok");
        assertThat(d).as("three letters are enough to ask the model").isNull();
        d = id.detectWithConfidence("taxi");
        assertThat(d.ratio())
                .as("ratio best/second of a word shared by many languages")
                .isLessThan(LanguageId.MIN_RATIO);
        assertThat(d.code()).isNull();
        assertThat(d.best()).as("the best guess is still reported").isNotNull();
    }

    @Test
    void mapsModelCodesToIso6391WhereThereIsOne() {
        assertThat(LanguageId.toIso("eng")).isEqualTo("en");
        assertThat(LanguageId.toIso("cmn")).isEqualTo("zh");
        assertThat(LanguageId.toIso("pes")).isEqualTo("fa");
        assertThat(LanguageId.toIso("nob")).isEqualTo("nb");
        assertThat(LanguageId.toIso("ceb")).as("no 639-1 code: stays 639-3").isEqualTo("ceb");
        assertThat(id.codes())
                .hasSize(100)
                .contains("en", "zh", "sw", "ceb", "gsw")
                .allMatch(c -> c.length() <= 3);
    }

    @Test
    void isThreadSafeAndOnePerJvm() throws Exception {
        assertThat(LanguageId.shared()).isSameAs(id);
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<String>> futures = new ArrayList<>();
            for (int i = 0; i < 200; i++) {
                String lang = i % 2 == 0 ? "de" : "ru";
                futures.add(pool.submit(() -> id.detect(SENTENCES.get(lang))));
            }
            for (int i = 0; i < futures.size(); i++) {
                assertThat(futures.get(i).get()).isEqualTo(i % 2 == 0 ? "de" : "ru");
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void readsOnlyTheFirstCharsOfLongTexts() {
        String text = SENTENCES.get("fr").repeat(40) + SENTENCES.get("en").repeat(200);
        assertThat(SENTENCES.get("fr").repeat(40).length()).isGreaterThan(LanguageId.MAX_CHARS);
        assertThat(id.detect(text))
                .as("mostly English, but the first %d chars are French", LanguageId.MAX_CHARS)
                .isEqualTo("fr");
        assertThat(id.detect(SENTENCES.get("en").repeat(500))).isEqualTo("en");
    }
}
