package org.crest.tools.langid;

import java.util.HashMap;
import java.util.Locale;
import java.util.Map;

/** Maps a library's language code (ISO 639-1, 639-3, or with a region/script suffix) to an XLM-R code. */
final class Codes {
  /** ISO 639-3 (macro)language codes -> XLM-R code; from ../shared/data/xlmr_language_coverage.tsv plus synonyms. */
  private static final String TABLE = "afr af amh am ara ar arb ar asm as aze az azj az bel be bul bg ben bn bre br "
      + "bos bs cat ca ces cs cym cy dan da deu de ell el eng en epo eo spa es ekk et est et eus eu pes fa fas fa "
      + "prs fa fin fi fra fr fry fy gle ga gla gd glg gl guj gu hau ha heb he hin hi hrv hr hun hu hye hy ind id "
      + "isl is ita it jpn ja jav jv kat ka kaz kk khm km kan kn kor ko kmr ku ckb ku kur ku kir ky lat la lao lo "
      + "lit lt lvs lv lav lv plt mg mlg mg mkd mk mal ml khk mn mon mn mar mr zsm ms zlm ms msa ms mya my npi ne "
      + "nep ne nld nl nob no nor no gaz om orm om ory or ori or pan pa pol pl pbu ps pus ps por pt ron ro rus ru "
      + "san sa snd sd sin si slk sk slv sl som so als sq sqi sq srp sr sun su swe sv swh sw swa sw tam ta tel te "
      + "tha th tgl tl fil tl tur tr uig ug ukr uk urd ur uzn uz uzb uz vie vi xho xh ydd yi yid yi cmn zh zho zh";
  private static final Map<String, String> THREE = new HashMap<>();
  private static final java.util.Set<String> XLMR = new java.util.HashSet<>();

  static {
    String[] t = TABLE.split(" ");
    for (int i = 0; i < t.length; i += 2) {
      THREE.put(t[i], t[i + 1]);
      XLMR.add(t[i + 1]);
    }
  }

  private Codes() {}

  /** The XLM-R code for a library code (zh for any Chinese), or the code itself when XLM-R has no such language. */
  static String toXlmr(String raw) {
    if (raw == null) {
      return null;
    }
    String c = raw.trim().toLowerCase(Locale.ROOT).replace('_', '-');
    if (c.startsWith("zh")) {
      return "zh";
    }
    int dash = c.indexOf('-');
    String base = dash > 0 ? c.substring(0, dash) : c;
    switch (base) {
      case "nb":
        return "no";
      case "iw":
        return "he";
      case "in":
        return "id";
      case "ji":
        return "yi";
      default:
        break;
    }
    if (base.length() == 2) {
      return base;
    }
    String x = THREE.get(base);
    return x != null ? x : base;
  }

  /** zh-Hans and zh-Hant compare as zh. */
  static String base(String xlmr) {
    return xlmr.startsWith("zh") ? "zh" : xlmr;
  }
}
