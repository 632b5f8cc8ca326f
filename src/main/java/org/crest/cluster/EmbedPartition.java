package org.crest.cluster;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.crest.inference.Device;
import org.crest.inference.Encoder;
import org.crest.inference.LengthBatcher;
import org.crest.inference.ModelBundle;
import org.crest.inference.ModelSession;
import org.crest.inference.SessionCache;
import org.crest.spark.JobSupport;

/**
 * Executor side of {@code cluster}: (lang, text) rows → (lang, tokens, truncated, embedding), in chunks
 * of {@code chunkRows} through the JVM's cached encoder session and the length batcher.
 */
final class EmbedPartition implements MapPartitionsFunction<Row, Row> {
    private static final long serialVersionUID = 1L;
    static final String LANG = "lang";
    static final String TEXT = "text";
    static final String TOKENS = "tokens";
    static final String TRUNCATED = "truncated";
    static final String EMBEDDING = "embedding";
    static final StructType SCHEMA = new StructType()
            .add(LANG, DataTypes.StringType, false)
            .add(TOKENS, DataTypes.IntegerType, false)
            .add(TRUNCATED, DataTypes.BooleanType, false)
            .add(EMBEDDING, DataTypes.createArrayType(DataTypes.DoubleType, false), false);

    private final ModelBundle bundle;
    private final String shippedAs;
    private final int maxTokens;
    private final int batchTokens;
    private final int maxBatchSize;
    private final int chunkRows;
    private final Device device;
    private final int intraOpThreads;

    EmbedPartition(
            ModelBundle bundle,
            String shippedAs,
            int maxTokens,
            int batchTokens,
            int maxBatchSize,
            int chunkRows,
            Device device,
            int intraOpThreads) {
        this.bundle = bundle;
        this.shippedAs = shippedAs;
        this.maxTokens = maxTokens;
        this.batchTokens = batchTokens;
        this.maxBatchSize = maxBatchSize;
        this.chunkRows = chunkRows;
        this.device = device;
        this.intraOpThreads = intraOpThreads;
    }

    @Override
    public Iterator<Row> call(Iterator<Row> rows) {
        ModelBundle local = JobSupport.localBundle(bundle, shippedAs);
        ModelSession session =
                SessionCache.get(local, ModelSession.Kind.ENCODER, device, intraOpThreads, JobSupport.assignedGpu());
        Encoder encoder = new Encoder(
                session, maxTokens, new LengthBatcher(batchTokens, maxBatchSize).forDevice(session.device()));
        return new Iterator<>() {
            private final ArrayDeque<Row> ready = new ArrayDeque<>();

            @Override
            public boolean hasNext() {
                if (ready.isEmpty() && rows.hasNext()) {
                    List<String> langs = new ArrayList<>(chunkRows);
                    List<String> texts = new ArrayList<>(chunkRows);
                    while (langs.size() < chunkRows && rows.hasNext()) {
                        Row r = rows.next();
                        langs.add(r.getString(0));
                        texts.add(r.getString(1));
                    }
                    Encoder.Embeddings e = encoder.embed(texts);
                    for (int i = 0; i < langs.size(); i++) {
                        // the Row encoder wants a Seq for an array column; ArraySeq wraps the double[] without copying
                        ready.add(RowFactory.create(
                                langs.get(i),
                                e.tokens[i],
                                e.truncated[i],
                                scala.collection.immutable.ArraySeq.unsafeWrapArray(e.vectors[i])));
                    }
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
        };
    }
}
