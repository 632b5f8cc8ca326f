package org.crest;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;

/**
 * The project version: the jar manifest's Implementation-Version when there is one, else {@code crest/version.properties}
 * (written by Maven resource filtering, so it is there in the jar and in target/classes alike).
 */
public final class Version {
    static final String RESOURCE = "/crest/version.properties";

    private Version() {}

    /** The version, e.g. 0.1.0-SNAPSHOT; a parenthesised note when neither source has one. */
    public static String get() {
        String v = Version.class.getPackage().getImplementationVersion();
        if (v != null) {
            return v;
        }
        try (InputStream in = Version.class.getResourceAsStream(RESOURCE)) {
            Properties p = new Properties();
            if (in != null) {
                p.load(in);
            }
            return p.getProperty("version", "(unknown version: " + RESOURCE + " is missing)");
        } catch (IOException e) {
            return "(unknown version: " + e.getMessage() + ")";
        }
    }
}
