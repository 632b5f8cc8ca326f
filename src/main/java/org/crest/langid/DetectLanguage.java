package org.crest.langid;

import org.apache.spark.sql.api.java.UDF1;
import org.crest.LanguageCodes;

/**
 * Spark function text → language code (ISO 639-1, else 639-3, in {@link LanguageCodes#normalise}'s form) or null
 * when unsure. Runs on executors
 * with the JVM's one {@link LanguageId#shared()} detector, loaded by the first row that needs it.
 */
public final class DetectLanguage implements UDF1<String, String> {
    private static final long serialVersionUID = 1L;
    /** Key of the summary's {@code languages} map for rows whose language was not detected. */
    public static final String UNDETERMINED = "und";

    @Override
    public String call(String text) {
        return LanguageCodes.normalise(LanguageId.shared().detect(text));
    }
}
