package org.crest.report;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.reflect.Constructor;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * notebooks/audit.py is a Databricks source notebook, and every crest class and method it calls through py4j exists
 * with the arity it uses (it cannot run here: no Python Spark). A rename in Java fails this test, not a user's night.
 */
class AuditNotebookTest {
    private static final Pattern CALL = Pattern.compile("jvm\\.(org\\.crest(?:\\.\\w+)+)\\(");

    @Test
    void notebookCallsExistingJvmEntryPoints() throws Exception {
        String nb = Files.readString(Path.of("notebooks/audit.py"));
        assertThat(nb)
                .startsWith("# Databricks notebook source\n")
                .contains("\n# COMMAND ----------\n")
                .contains("dbutils.widgets.text(\"output\"")
                .contains("displayHTML(");
        // code only: comment lines (and # MAGIC markdown) may name what is not there yet, such as issue 10's
        // CrestLabeler
        String code =
                nb.lines().filter(l -> !l.strip().startsWith("#")).collect(java.util.stream.Collectors.joining("\n"));
        Matcher m = CALL.matcher(code);
        int calls = 0;
        while (m.find()) {
            String name = m.group(1);
            int args = arity(code, m.end());
            calls++;
            Class<?> c = load(name);
            if (c != null) {
                assertThat(Arrays.stream(c.getConstructors()).map(Constructor::getParameterCount))
                        .as("a public constructor of %s with %d parameters", name, args)
                        .contains(args);
            } else {
                int dot = name.lastIndexOf('.');
                Class<?> owner = load(name.substring(0, dot));
                assertThat(owner).as("class of %s", name).isNotNull();
                String method = name.substring(dot + 1);
                assertThat(Arrays.stream(owner.getMethods())
                                .filter(x -> Modifier.isStatic(x.getModifiers())
                                        && x.getName().equals(method))
                                .map(Method::getParameterCount))
                        .as("a static %s with %d parameters", name, args)
                        .contains(args);
            }
        }
        assertThat(calls).as("JVM calls checked").isGreaterThanOrEqualTo(6);
    }

    private static Class<?> load(String name) {
        try {
            return Class.forName(name);
        } catch (ClassNotFoundException e) {
            return null;
        }
    }

    /** Number of top-level arguments of the call whose "(" ends at {@code from}. */
    private static int arity(String s, int from) {
        int depth = 0;
        int args = 0;
        boolean any = false;
        boolean str = false;
        for (int i = from; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '"') {
                str = !str;
            }
            if (str) {
                any = true;
                continue;
            }
            if (c == '#') { // a comment to the end of the line
                while (i < s.length() && s.charAt(i) != '\n') {
                    i++;
                }
                continue;
            }
            if (c == '(' || c == '[') {
                depth++;
            } else if (c == ')' || c == ']') {
                if (depth == 0) {
                    return any ? args + 1 : 0;
                }
                depth--;
            } else if (c == ',' && depth == 0) {
                args++;
            } else if (!Character.isWhitespace(c)) {
                any = true;
            }
        }
        throw new IllegalStateException("unclosed call at " + from);
    }
}
