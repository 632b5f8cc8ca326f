package org.crest.io;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * Looks at one raw JSON Lines record without building a tree: is it a well-formed object, and what
 * JSON type does a top-level field have. Spark's JSON reader turns numbers and objects into strings
 * when the schema says string; this tells them apart so they can be quarantined.
 */
public final class RawJson {
    private static final JsonFactory FACTORY = JsonRecords.FACTORY;

    /** JSON type of a top-level field, or what is wrong with the record as a whole. */
    public enum Kind {
        MISSING,
        NULL,
        STRING,
        NUMBER,
        BOOLEAN,
        OBJECT,
        ARRAY,
        /** the line is not valid JSON */
        MALFORMED,
        /** valid JSON, but not an object */
        NOT_OBJECT
    }

    private RawJson() {}

    /** Strips a UTF-8 byte order mark that a producer left at the start of a file. */
    public static String stripBom(String line) {
        return line != null && !line.isEmpty() && line.charAt(0) == '\uFEFF' ? line.substring(1) : line;
    }

    /** Type of top-level field {@code field} in {@code line}, reading the whole line to validate it. */
    public static Kind kindOf(String line, String field) {
        Kind found = Kind.MISSING;
        try (JsonParser p = FACTORY.createParser(stripBom(line))) {
            JsonToken t = p.nextToken();
            if (t == null) {
                return Kind.MALFORMED;
            }
            if (t != JsonToken.START_OBJECT) {
                p.skipChildren();
                return p.nextToken() == null ? Kind.NOT_OBJECT : Kind.MALFORMED;
            }
            while ((t = p.nextToken()) == JsonToken.FIELD_NAME) {
                String name = p.currentName();
                JsonToken v = p.nextToken();
                if (name.equals(field) && found == Kind.MISSING) {
                    // the first occurrence, as the reader's column holds it ({"text":null,"text":"x"} is null_text)
                    found = kindOf(v);
                }
                p.skipChildren();
            }
            if (t != JsonToken.END_OBJECT || p.nextToken() != null) {
                return Kind.MALFORMED;
            }
            if (found == Kind.MISSING && ColumnPath.isPath(field)) {
                // no top-level key of that name: a path into nested objects (a.b, `a.b`)
                return find(line, ColumnPath.parse(field)).kind();
            }
            return found;
        } catch (JsonProcessingException e) {
            return Kind.MALFORMED;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** What a path leads to in a record: the value's kind and its text (a string's value, else its JSON text). */
    public record Found(Kind kind, String value) {}

    /**
     * The value at {@code path} in a JSON object record (the first occurrence of each key, as the reader's columns
     * take it); MISSING when a key is absent or a step is not an object; MALFORMED or NOT_OBJECT for such records.
     */
    public static Found find(String line, java.util.List<String> path) {
        String text = stripBom(line);
        try (JsonParser p = FACTORY.createParser(text)) {
            JsonToken t = p.nextToken();
            if (t == null) {
                return new Found(Kind.MALFORMED, null);
            }
            if (t != JsonToken.START_OBJECT) {
                return new Found(Kind.NOT_OBJECT, null);
            }
            int depth = 0;
            while ((t = p.nextToken()) == JsonToken.FIELD_NAME) {
                String name = p.currentName();
                JsonToken v = p.nextToken();
                if (!name.equals(path.get(depth))) {
                    p.skipChildren();
                    continue;
                }
                if (depth == path.size() - 1) {
                    Kind k = kindOf(v);
                    if (v == JsonToken.VALUE_STRING) {
                        return new Found(k, p.getText());
                    }
                    if (v == JsonToken.VALUE_NULL) {
                        return new Found(k, null);
                    }
                    if (v == JsonToken.START_OBJECT || v == JsonToken.START_ARRAY) {
                        int start = (int) p.currentTokenLocation().getCharOffset();
                        p.skipChildren();
                        return new Found(k, text.substring(start, (int)
                                p.currentLocation().getCharOffset()));
                    }
                    return new Found(k, p.getText());
                }
                if (v != JsonToken.START_OBJECT) {
                    return new Found(Kind.MISSING, null);
                }
                depth++; // into the object: its fields come next
            }
            return new Found(Kind.MISSING, null);
        } catch (JsonProcessingException e) {
            return new Found(Kind.MALFORMED, null);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static Kind kindOf(JsonToken v) {
        switch (v) {
            case VALUE_NULL:
                return Kind.NULL;
            case VALUE_STRING:
                return Kind.STRING;
            case VALUE_NUMBER_INT:
            case VALUE_NUMBER_FLOAT:
                return Kind.NUMBER;
            case VALUE_TRUE:
            case VALUE_FALSE:
                return Kind.BOOLEAN;
            case START_OBJECT:
                return Kind.OBJECT;
            case START_ARRAY:
                return Kind.ARRAY;
            default:
                return Kind.MALFORMED;
        }
    }
}
