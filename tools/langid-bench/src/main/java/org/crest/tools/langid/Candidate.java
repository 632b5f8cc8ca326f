package org.crest.tools.langid;

import java.util.Set;

/** A language-identification library under test. */
interface Candidate {
  /** Name and version, e.g. "Lingua 1.2.2 (low accuracy)". */
  String library();

  /** Bytes of the jars (library, models, runtime dependencies) it adds to a class path. */
  long artifactBytes();

  /** The library's own codes of the languages it can return. */
  Set<String> supported();

  /** The library's code for the text, or null when it declines to answer. */
  String predict(String text);

  /** Confidences of the best and second-best language, where the library gives them; else NaN. */
  default double[] topTwo(String text) {
    return new double[] {Double.NaN, Double.NaN};
  }
}
