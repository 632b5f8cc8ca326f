package org.crest.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;
import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.core.LogEvent;
import org.apache.logging.log4j.core.impl.Log4jLogEvent;
import org.apache.logging.log4j.core.layout.PatternLayout;
import org.apache.logging.log4j.message.SimpleMessage;
import org.junit.jupiter.api.Test;

/** conf/log4j2.properties, the file every crest run logs with, masks secrets in messages and stack traces. */
class LogRedactionTest {

    /**
     * Formats one event with the console layout of the shipped conf/log4j2.properties: its pattern and
     * alwaysWriteExceptions, read as log4j reads a properties file. No logger context is involved, so other
     * tests' logging settings in the same JVM cannot change the result.
     */
    private static String logThroughShippedConfig(String message, Throwable error) throws Exception {
        Properties conf = new Properties();
        try (InputStream in = Files.newInputStream(Path.of("conf/log4j2.properties"))) {
            conf.load(in);
        }
        String pattern = conf.getProperty("appender.console.layout.pattern");
        assertThat(pattern).as("the console pattern in conf/log4j2.properties").isNotNull();
        PatternLayout layout = PatternLayout.newBuilder()
                .withPattern(pattern)
                .withAlwaysWriteExceptions(
                        Boolean.parseBoolean(conf.getProperty("appender.console.layout.alwaysWriteExceptions", "true")))
                .build();
        LogEvent event = Log4jLogEvent.newBuilder()
                .setLoggerName("org.crest.Example")
                .setLevel(Level.WARN)
                .setMessage(new SimpleMessage(message))
                .setThrown(error)
                .build();
        return layout.toSerializable(event);
    }

    @Test
    void secretValuesAfterSecretKeysAreMasked() throws Exception {
        String out = logThroughShippedConfig(
                "conf spark.hadoop.fs.s3a.secret.key=Pl4ntedS3cret/x+y, "
                        + "fs.s3a.access.key=PlantedAccess1 and \"token\": \"PlantedJsonToken\" password:hunter2pw",
                null);
        assertThat(out)
                .as("logged line")
                .contains("conf spark.hadoop.fs.s3a.secret.key=*****")
                .doesNotContain("Pl4ntedS3cret", "PlantedAccess1", "PlantedJsonToken", "hunter2pw");
    }

    @Test
    void tokenShapedValuesAreMaskedAnywhere() throws Exception {
        String out =
                logThroughShippedConfig("calling hub with hf_AbCdEfGhIjKlMnOpQrStUv for AKIAABCDEFGHIJKLMNOP", null);
        assertThat(out)
                .as("logged line")
                .contains("calling hub with *****")
                .doesNotContain("hf_AbCdEfGhIjKlMnOpQrStUv", "AKIAABCDEFGHIJKLMNOP");
    }

    @Test
    void stackTracesAreMaskedToo() throws Exception {
        Exception e = new IllegalStateException("bad credentials secret_key=InsideTheTrace99");
        String out = logThroughShippedConfig("request failed", e);
        assertThat(out)
                .as("logged trace")
                .contains("request failed", "IllegalStateException", "LogRedactionTest")
                .doesNotContain("InsideTheTrace99");
    }

    @Test
    void ordinaryMessagesAreUnchanged() throws Exception {
        String msg = "Labeled 42 rows (5 unsafe), quarantined 3 {missing_text=3}, tokens/s 461.2; windows 512/256";
        assertThat(logThroughShippedConfig(msg, null)).as("logged line").contains(msg);
    }
}
