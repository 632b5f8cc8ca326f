package org.crest.tools.langid;

import com.github.pemistahl.lingua.api.Language;
import com.github.pemistahl.lingua.api.LanguageDetectorBuilder;
import com.optimaize.langdetect.DetectedLanguage;
import com.optimaize.langdetect.LanguageDetector;
import com.optimaize.langdetect.ngram.NgramExtractors;
import com.optimaize.langdetect.profiles.LanguageProfileReader;
import com.optimaize.langdetect.text.CommonTextObjectFactories;
import com.optimaize.langdetect.text.TextObjectFactory;
import java.io.IOException;
import java.io.InputStream;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;
import opennlp.tools.langdetect.LanguageDetectorME;
import opennlp.tools.langdetect.LanguageDetectorModel;

/** The candidates, by name. */
final class Candidates {
  static final List<String> NAMES = List.of("lingua-high", "lingua-low", "opennlp", "optimaize");

  private Candidates() {}

  static Candidate create(String name) throws IOException {
    switch (name) {
      case "lingua-high":
        return new Lingua(false);
      case "lingua-low":
        return new Lingua(true);
      case "opennlp":
        return new OpenNlp();
      case "optimaize":
        return new Optimaize();
      default:
        throw new IllegalArgumentException("Unknown candidate " + name + ", expected one of " + NAMES);
    }
  }

  /** Total size of the jars that hold these classes or resources (each jar once). */
  static long jarBytes(String... classesOrResources) {
    Set<Path> jars = new LinkedHashSet<>();
    for (String n : classesOrResources) {
      URL u = Candidates.class.getClassLoader().getResource(n.endsWith(".bin") ? n : n.replace('.', '/') + ".class");
      if (u != null && u.getProtocol().equals("jar")) {
        String s = u.getPath();
        jars.add(Path.of(java.net.URI.create(s.substring(0, s.indexOf("!/")))));
      }
    }
    long total = 0;
    for (Path p : jars) {
      try {
        total += Files.size(p);
      } catch (IOException e) {
        throw LangIdBench.unchecked(e);
      }
    }
    return total;
  }

  /** Lingua 1.2.2 (Kotlin), all 75 languages, models preloaded. */
  static final class Lingua implements Candidate {
    private final com.github.pemistahl.lingua.api.LanguageDetector detector;
    private final boolean low;

    Lingua(boolean low) {
      LanguageDetectorBuilder b = LanguageDetectorBuilder.fromAllLanguages().withPreloadedLanguageModels();
      this.detector = (low ? b.withLowAccuracyMode() : b).build();
      this.low = low;
    }

    @Override
    public String library() {
      return "Lingua 1.2.2 (" + (low ? "low" : "high") + " accuracy mode)";
    }

    @Override
    public long artifactBytes() {
      return jarBytes("com.github.pemistahl.lingua.api.Language", "kotlin.Unit", "kotlin.reflect.full.KClasses",
          "kotlin.jvm.JvmInline", "kotlin.jdk7.AutoCloseableKt", "kotlin.collections.jdk8.CollectionsJDK8Kt",
          "com.squareup.moshi.Moshi", "com.squareup.moshi.kotlin.reflect.KotlinJsonAdapterFactory", "okio.Buffer",
          "it.unimi.dsi.fastutil.objects.Object2FloatOpenHashMap", "org.jetbrains.annotations.NotNull");
    }

    @Override
    public Set<String> supported() {
      Set<String> s = new TreeSet<>();
      for (Language l : Language.values()) {
        if (l != Language.UNKNOWN) {
          s.add(l.getIsoCode639_1().name().toLowerCase(Locale.ROOT));
        }
      }
      return s;
    }

    @Override
    public String predict(String text) {
      Language l = detector.detectLanguageOf(text);
      return l == Language.UNKNOWN ? null : l.getIsoCode639_1().name().toLowerCase(Locale.ROOT);
    }
  }

  /** Apache OpenNLP 2.5.6 LanguageDetectorME with the langdetect-183 model (103 languages, ISO 639-3). */
  static final class OpenNlp implements Candidate {
    private final LanguageDetectorME detector;

    OpenNlp() throws IOException {
      try (InputStream in = Candidates.class.getClassLoader().getResourceAsStream("langdetect-183.bin")) {
        if (in == null) {
          throw new IOException("Cannot find langdetect-183.bin on the class path (opennlp-models-langdetect)");
        }
        detector = new LanguageDetectorME(new LanguageDetectorModel(in));
      }
    }

    @Override
    public String library() {
      return "Apache OpenNLP 2.5.6 + opennlp-models-langdetect 1.1.0 (langdetect-183.bin)";
    }

    @Override
    public long artifactBytes() {
      return jarBytes("opennlp.tools.langdetect.LanguageDetectorME", "langdetect-183.bin");
    }

    @Override
    public Set<String> supported() {
      return new TreeSet<>(List.of(detector.getSupportedLanguages()));
    }

    @Override
    public String predict(String text) {
      return detector.predictLanguage(text).getLang();
    }

    @Override
    public double[] topTwo(String text) {
      opennlp.tools.langdetect.Language[] l = detector.predictLanguages(text);
      return new double[] {l[0].getConfidence(), l[1].getConfidence()};
    }
  }

  /** optimaize language-detector 0.6 (2016), its 71 built-in profiles. */
  static final class Optimaize implements Candidate {
    private final LanguageDetector detector;
    private final TextObjectFactory texts = CommonTextObjectFactories.forDetectingOnLargeText();
    private final Set<String> supported = new TreeSet<>();

    Optimaize() throws IOException {
      var profiles = new LanguageProfileReader().readAllBuiltIn();
      profiles.forEach(p -> supported.add(p.getLocale().toString()));
      detector = com.optimaize.langdetect.LanguageDetectorBuilder.create(NgramExtractors.standard())
          .withProfiles(profiles).build();
    }

    @Override
    public String library() {
      return "optimaize language-detector 0.6";
    }

    @Override
    public long artifactBytes() {
      return jarBytes("com.optimaize.langdetect.LanguageDetector", "com.google.common.base.Optional",
          "net.arnx.jsonic.JSON", "com.intellij.lang.annotations.Language");
    }

    @Override
    public Set<String> supported() {
      return supported;
    }

    @Override
    public String predict(String text) {
      List<DetectedLanguage> p = detector.getProbabilities(texts.forText(text));
      return p.isEmpty() ? null : p.get(0).getLocale().toString();
    }
  }
}
