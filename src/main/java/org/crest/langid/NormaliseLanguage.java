package org.crest.langid;

import org.apache.spark.sql.api.java.UDF1;
import org.crest.LanguageCodes;

/** Spark function language code → its normal form ({@link LanguageCodes#normalise}); null for null or blank. */
public final class NormaliseLanguage implements UDF1<String, String> {
    private static final long serialVersionUID = 1L;

    @Override
    public String call(String code) {
        return LanguageCodes.normalise(code);
    }
}
