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
                if (name.equals(field)) {
                    found = kindOf(v);
                }
                p.skipChildren();
            }
            if (t != JsonToken.END_OBJECT || p.nextToken() != null) {
                return Kind.MALFORMED;
            }
            return found;
        } catch (JsonProcessingException e) {
            return Kind.MALFORMED;
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
