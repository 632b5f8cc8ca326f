package org.crest.job;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import org.apache.spark.SparkFiles;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.resource.ResourceInformation;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.util.LongAccumulator;
import org.crest.inference.Classifier;
import org.crest.inference.ModelBundle;
import org.crest.inference.ModelSession;
import org.crest.inference.SessionCache;

/**
 * Executor side of {@code label}: per partition, rows are taken in chunks of {@code chunkRows} (or
 * {@link #MAX_CHUNK_CHARS} characters of text, whichever comes first),
 * scored with the JVM's cached session, and emitted with the crest_* columns appended. Rows stream:
 * memory holds one chunk at a time.
 */
final class ScorePartition implements MapPartitionsFunction<Row, Row> {
  private static final long serialVersionUID = 1L;

  /**
   * A chunk also ends once its texts reach this many characters (about 250k tokens), so a partition
   * with many very long texts holds a bounded amount of tokens and windows at a time.
   */
  static final int MAX_CHUNK_CHARS = 1 << 20;

  private final ModelBundle bundle;
  private final String shippedAs; // name under SparkFiles, or null to use the bundle's own path
  private final ScoringSettings settings;
  private final int textIndex;
  private final Metrics metrics;

  /** Accumulators the driver reads for the summary (exact on success; retried tasks add again). */
  static final class Metrics implements java.io.Serializable {
    private static final long serialVersionUID = 1L;
    final LongAccumulator realTokens;
    final LongAccumulator computedTokens;
    final LongAccumulator batches;
    final LongAccumulator sessions;

    Metrics(org.apache.spark.SparkContext sc) {
      realTokens = sc.longAccumulator("crest.tokens.real");
      computedTokens = sc.longAccumulator("crest.tokens.computed");
      batches = sc.longAccumulator("crest.batches");
      sessions = sc.longAccumulator("crest.sessions.created");
    }
  }

  ScorePartition(ModelBundle bundle, String shippedAs, ScoringSettings settings, int textIndex, Metrics metrics) {
    this.bundle = bundle;
    this.shippedAs = shippedAs;
    this.settings = settings;
    this.textIndex = textIndex;
    this.metrics = metrics;
  }

  @Override
  public Iterator<Row> call(Iterator<Row> rows) {
    ModelBundle local = JobSupport.localBundle(bundle, shippedAs);
    ModelSession session = SessionCache.get(local, ModelSession.Kind.CLASSIFIER, settings.device(),
        settings.intraOpThreads(), assignedGpu(), () -> metrics.sessions.add(1));
    Classifier classifier = new Classifier(session, settings.windowing(local.bosId(), local.eosId()),
        settings.batcher(), settings.unsafeIndex());
    return new Chunks(rows, classifier, bundle.id());
  }

  /** The first GPU address Spark assigned to this task, or -1. */
  static int assignedGpu() {
    TaskContext tc = TaskContext.get();
    if (tc == null) {
      return -1;
    }
    Map<String, ResourceInformation> res = tc.resourcesJMap();
    ResourceInformation gpu = res == null ? null : res.get("gpu");
    if (gpu == null || gpu.addresses().length == 0) {
      return -1;
    }
    try {
      return Integer.parseInt(gpu.addresses()[0].trim());
    } catch (NumberFormatException e) {
      return -1;
    }
  }

  private final class Chunks implements Iterator<Row> {
    private final Iterator<Row> in;
    private final Classifier classifier;
    private final String modelId;
    private final ArrayDeque<Row> ready = new ArrayDeque<>();

    Chunks(Iterator<Row> in, Classifier classifier, String modelId) {
      this.in = in;
      this.classifier = classifier;
      this.modelId = modelId;
    }

    @Override
    public boolean hasNext() {
      if (ready.isEmpty() && in.hasNext()) {
        fill();
      }
      return !ready.isEmpty();
    }

    @Override
    public Row next() {
      if (!hasNext()) {
        throw new NoSuchElementException();
      }
      return ready.poll();
    }

    private void fill() {
      List<Row> chunk = new ArrayList<>(settings.chunkRows());
      List<String> texts = new ArrayList<>(settings.chunkRows());
      long chars = 0;
      while (chunk.size() < settings.chunkRows() && chars < MAX_CHUNK_CHARS && in.hasNext()) {
        Row r = in.next();
        chunk.add(r);
        String text = r.getString(textIndex);
        texts.add(text);
        chars += text.length();
      }
      Classifier.Scores s = classifier.score(texts);
      metrics.realTokens.add(s.realTokens);
      metrics.computedTokens.add(s.computedTokens);
      metrics.batches.add(s.batches);
      for (int i = 0; i < chunk.size(); i++) {
        Row r = chunk.get(i);
        Object[] v = new Object[r.length() + 5];
        for (int j = 0; j < r.length(); j++) {
          v[j] = r.get(j);
        }
        double p = s.pUnsafe[i];
        v[r.length()] = p;
        v[r.length() + 1] = p >= settings.threshold() ? "unsafe" : "safe";
        v[r.length() + 2] = s.windows[i];
        v[r.length() + 3] = s.tokens[i];
        v[r.length() + 4] = modelId;
        ready.add(RowFactory.create(v));
      }
    }
  }
}
