package org.crest.api;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.NoSuchElementException;
import java.util.Set;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.crest.inference.Classifier;
import org.crest.inference.ModelBundle;
import org.crest.io.Units;
import org.crest.label.ScorePartition;
import org.crest.label.ScoringSettings;

/**
 * Executor side of {@link CrestLabeler}: every input row comes out once, in order, with the six crest columns
 * appended. Rows are taken in chunks (as {@code label} does), their texts scored together by the JVM's cached
 * session with windows and length-sorted batches ({@link ScorePartition#classifier}); a row without a text to
 * score gets a reason code in {@code crest_error} and null scores.
 *
 * <p>With a messages column a row is a conversation: its score is the maximum over its selected messages (those
 * whose role is in {@code roles}, all when empty), its windows and tokens the sums.
 */
final class RowScorer implements MapPartitionsFunction<Row, Row> {
    private static final long serialVersionUID = 1L;
    /** crest_error of a conversation none of whose messages has a selected role. */
    static final String NO_SELECTED_MESSAGES = "no_selected_messages";

    private final ModelBundle bundle;
    private final String shippedAs;
    private final ScoringSettings settings;
    private final int textIndex; // flat rows, else -1
    private final int messagesIndex; // conversations, else -1
    private final Set<String> roles; // lower case; empty = all

    RowScorer(
            ModelBundle bundle,
            String shippedAs,
            ScoringSettings settings,
            int textIndex,
            int messagesIndex,
            Set<String> roles) {
        this.bundle = bundle;
        this.shippedAs = shippedAs;
        this.settings = settings;
        this.textIndex = textIndex;
        this.messagesIndex = messagesIndex;
        this.roles = roles;
    }

    @Override
    public Iterator<Row> call(Iterator<Row> rows) {
        if (!rows.hasNext()) {
            return rows; // an empty partition loads no model
        }
        Classifier classifier = ScorePartition.classifier(bundle, shippedAs, settings, () -> {});
        return new Iterator<>() {
            private final ArrayDeque<Row> ready = new ArrayDeque<>();

            @Override
            public boolean hasNext() {
                if (ready.isEmpty() && rows.hasNext()) {
                    fill(rows, classifier, ready);
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

    /** The texts of one row to score, or the reason it has none. */
    private record Texts(List<String> texts, String error) {}

    private Texts textsOf(Row r) {
        if (textIndex >= 0) {
            if (r.isNullAt(textIndex)) {
                return new Texts(List.of(), Units.NULL_TEXT);
            }
            String t = r.getString(textIndex);
            if (org.crest.io.Text.isBlank(t)) {
                return new Texts(List.of(), Units.EMPTY_TEXT); // as crest label: nothing to score
            }
            return t.indexOf('\u0000') >= 0 ? new Texts(List.of(), Units.NUL_BYTE) : new Texts(List.of(t), null);
        }
        if (r.isNullAt(messagesIndex)) {
            return new Texts(List.of(), Units.MESSAGES_MISSING);
        }
        List<Row> messages = r.getList(messagesIndex);
        if (messages.isEmpty()) {
            return new Texts(List.of(), Units.EMPTY_CONVERSATION);
        }
        List<String> texts = new ArrayList<>();
        boolean selected = false;
        String problem = null;
        for (Row m : messages) {
            if (m == null) {
                problem = Units.MESSAGE_NOT_OBJECT;
                continue;
            }
            int ri = m.schema().getFieldIndex("role").isDefined() ? m.fieldIndex("role") : -1;
            String role = ri < 0 || m.isNullAt(ri) ? null : m.get(ri).toString();
            if (!roles.isEmpty() && (role == null || !roles.contains(role.toLowerCase(Locale.ROOT)))) {
                continue;
            }
            selected = true;
            int ci = m.fieldIndex("content");
            if (m.isNullAt(ci)) {
                problem = Units.NULL_TEXT;
            } else if (m.getString(ci).indexOf('\u0000') >= 0) {
                problem = Units.NUL_BYTE;
            } else if (org.crest.io.Text.isBlank(m.getString(ci))) {
                problem = Units.EMPTY_TEXT;
            } else {
                texts.add(m.getString(ci));
            }
        }
        if (texts.isEmpty()) {
            return new Texts(List.of(), selected ? problem == null ? Units.NULL_TEXT : problem : NO_SELECTED_MESSAGES);
        }
        return new Texts(texts, null);
    }

    private void fill(Iterator<Row> in, Classifier classifier, ArrayDeque<Row> out) {
        List<Row> chunk = new ArrayList<>();
        List<Texts> perRow = new ArrayList<>();
        List<String> all = new ArrayList<>();
        long chars = 0;
        while (chunk.size() < settings.chunkRows() && chars < ScorePartition.MAX_CHUNK_CHARS && in.hasNext()) {
            Row r = in.next();
            Texts t = textsOf(r);
            chunk.add(r);
            perRow.add(t);
            for (String s : t.texts()) {
                all.add(s);
                chars += s.length();
            }
        }
        Classifier.Scores s = all.isEmpty() ? null : classifier.score(all);
        int k = 0;
        for (int i = 0; i < chunk.size(); i++) {
            Row r = chunk.get(i);
            Texts t = perRow.get(i);
            Object[] v = new Object[r.length() + 6];
            for (int j = 0; j < r.length(); j++) {
                v[j] = r.get(j);
            }
            if (t.error() == null) {
                double p = Double.NEGATIVE_INFINITY;
                int windows = 0;
                int tokens = 0;
                for (int n = 0; n < t.texts().size(); n++, k++) {
                    p = Math.max(p, s.pUnsafe[k]);
                    windows += s.windows[k];
                    tokens += s.tokens[k];
                }
                v[r.length()] = p;
                v[r.length() + 1] = p >= settings.threshold() ? "unsafe" : "safe";
                v[r.length() + 2] = windows;
                v[r.length() + 3] = tokens;
            }
            v[r.length() + 4] = bundle.id();
            v[r.length() + 5] = t.error();
            out.add(RowFactory.create(v));
        }
    }
}
