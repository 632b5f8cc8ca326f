package org.crest.langid;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Arrays;
import java.util.Collections;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import opennlp.tools.langdetect.Language;
import opennlp.tools.langdetect.LanguageDetectorME;
import opennlp.tools.langdetect.LanguageDetectorModel;

/**
 * Language identification of one text, offline: Apache OpenNLP's maximum-entropy detector with the
 * {@code langdetect-183} model (103 languages) from the opennlp-models-langdetect jar. Chosen by
 * measurement on UDHR and NTREX-128 (docs/LANGID.md).
 *
 * <p>The rule, in this order:
 * <ol>
 *   <li>only the first {@link #MAX_CHARS} chars are read;</li>
 *   <li>null (unsure) when they hold fewer than {@link #MIN_LETTERS} letters (numbers, emoji, punctuation);</li>
 *   <li>null (unsure) when the best language's confidence is below {@link #MIN_RATIO} × the second's;</li>
 *   <li>else the best language as ISO 639-1 where it has one ({@code en}, {@code zh}, {@code nb}), else as
 *       ISO 639-3 ({@code ceb}, {@code gsw}). The model's individual codes collapse to their macrolanguage's
 *       639-1 code: {@code cmn} → zh, {@code pes} → fa, {@code ekk} → et, {@code lvs} → lv, {@code plt} → mg.</li>
 * </ol>
 *
 * <p>One model per JVM ({@link #shared()}, loaded on first use, ~35 MB heap); the model is immutable and
 * shared, each thread gets its own {@link LanguageDetectorME}, so {@link #detect} is thread-safe.
 */
public final class LanguageId {
    /** Resource name of the model inside opennlp-models-langdetect. */
    public static final String MODEL_RESOURCE = "langdetect-183.bin";

    public static final int MAX_CHARS = 2000;
    public static final int MIN_LETTERS = 3;
    public static final double MIN_RATIO = 1.2;

    /** langdetect-183's ISO 639-3 codes that have an ISO 639-1 code (or collapse to their macrolanguage's). */
    private static final Map<String, String> ISO1 = table("afr af ara ar aze az bak ba bel be ben bn bos bs bre br "
            + "bul bg cat ca ces cs che ce cmn zh cym cy dan da deu de ekk et ell el eng en epo eo est et eus eu fao fo "
            + "fas fa fin fi fra fr fry fy gle ga glg gl guj gu heb he hin hi hrv hr hun hu hye hy ind id isl is ita it "
            + "jav jv jpn ja kan kn kat ka kaz kk kir ky kor ko lat la lav lv lim li lit lt ltz lb lvs lv mal ml mar mr "
            + "mkd mk mlt mt mon mn mri mi msa ms nep ne nld nl nno nn nob nb oci oc pan pa pes fa plt mg pol pl por pt "
            + "pus ps ron ro rus ru san sa sin si slk sk slv sl som so spa es sqi sq srp sr sun su swa sw swe sv tam ta "
            + "tat tt tel te tgk tg tgl tl tha th tur tr ukr uk urd ur uzb uz vie vi vol vo zul zu");

    private static volatile LanguageId shared;

    private final LanguageDetectorModel model;
    private final ThreadLocal<LanguageDetectorME> detectors;
    private final Set<String> codes;

    private LanguageId(LanguageDetectorModel model) {
        this.model = model;
        this.detectors = ThreadLocal.withInitial(() -> new LanguageDetectorME(this.model));
        Set<String> c = new TreeSet<>();
        for (String l : detectors.get().getSupportedLanguages()) {
            c.add(toIso(l));
        }
        this.codes = Collections.unmodifiableSet(c);
    }

    /** The JVM's detector (an executor's), loaded once from the class path on first use. */
    public static LanguageId shared() {
        LanguageId s = shared;
        if (s == null) {
            synchronized (LanguageId.class) {
                s = shared;
                if (s == null) {
                    s = load();
                    shared = s;
                }
            }
        }
        return s;
    }

    /** A new detector with the model from the class path (tools and tests; jobs use {@link #shared()}). */
    public static LanguageId load() {
        try (InputStream in = LanguageId.class.getClassLoader().getResourceAsStream(MODEL_RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException(
                        "Cannot detect languages: the model " + MODEL_RESOURCE + " is not on the "
                                + "class path (expected it in org.apache.opennlp:opennlp-models-langdetect)");
            }
            return new LanguageId(new LanguageDetectorModel(in));
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot load the language model " + MODEL_RESOURCE, e);
        }
    }

    /** The language of {@code text} under the rule of this class, or null when unsure. */
    public String detect(String text) {
        Detection d = detectWithConfidence(text);
        return d == null ? null : d.code();
    }

    /** Best language with its confidence and the ratio to the second best; null when the text is too short. */
    public Detection detectWithConfidence(String text) {
        if (text == null) {
            return null;
        }
        String t = text.length() > MAX_CHARS ? text.substring(0, MAX_CHARS) : text;
        if (letters(t) < MIN_LETTERS) {
            return null;
        }
        Language[] ranked = detectors.get().predictLanguages(t);
        if (ranked.length == 0) {
            return null;
        }
        double best = ranked[0].getConfidence();
        double second = ranked.length > 1 ? ranked[1].getConfidence() : 0;
        double ratio = second > 0 ? best / second : Double.POSITIVE_INFINITY;
        return new Detection(
                ratio >= MIN_RATIO ? toIso(ranked[0].getLang()) : null, toIso(ranked[0].getLang()), best, ratio);
    }

    /**
     * @param code the answer under the rule (null when unsure)
     * @param best the best language whatever the rule says
     * @param confidence the model's probability of the best language
     * @param ratio its probability over the second best's
     */
    public record Detection(String code, String best, double confidence, double ratio) {}

    /** The codes {@link #detect} can return. */
    public Set<String> codes() {
        return codes;
    }

    /** ISO 639-1 for a langdetect-183 code where there is one, else the ISO 639-3 code itself. */
    public static String toIso(String iso639v3) {
        return ISO1.getOrDefault(iso639v3, iso639v3);
    }

    static int letters(String s) {
        int n = 0;
        for (int i = 0; i < s.length() && n < MIN_LETTERS; ) {
            int cp = s.codePointAt(i);
            if (Character.isLetter(cp)) {
                n++;
            }
            i += Character.charCount(cp);
        }
        return n;
    }

    private static Map<String, String> table(String pairs) {
        String[] t = pairs.split(" ");
        Map<String, String> m = new TreeMap<>();
        for (int i = 0; i < t.length; i += 2) {
            m.put(t[i], t[i + 1]);
        }
        if (m.size() * 2 != t.length) {
            throw new IllegalStateException("Duplicate code in " + Arrays.toString(t));
        }
        return Collections.unmodifiableMap(m);
    }
}
