/**
 * Languages: identification of a text's language with OpenNLP (LanguageId, and DetectLanguage as a Spark function),
 * the normaliser as a Spark function (NormaliseLanguage) and the CREST paper's Table 8 (Table8). Used by label,
 * cluster and evaluate; may use the rooms below them.
 */
package org.crest.langid;
