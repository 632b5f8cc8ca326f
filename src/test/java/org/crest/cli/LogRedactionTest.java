package org.crest.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.apache.logging.log4j.Logger;
import org.apache.logging.log4j.core.LoggerContext;
import org.junit.jupiter.api.Test;

/** conf/log4j2.properties, the file every crest run logs with, masks secrets in messages and stack traces. */
class LogRedactionTest {

  private static String logThroughShippedConfig(String message, Throwable error) {
    PrintStream saved = System.err;
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    System.setErr(new PrintStream(bytes, true, StandardCharsets.UTF_8));
    LoggerContext ctx = new LoggerContext("redaction-test");
    try {
      ctx.setConfigLocation(Path.of("conf/log4j2.properties").toUri());
      Logger log = ctx.getLogger("org.crest.Example");
      if (error == null) {
        log.info(message);
      } else {
        log.warn(message, error);
      }
    } finally {
      ctx.stop();
      System.setErr(saved);
    }
    return bytes.toString(StandardCharsets.UTF_8);
  }

  @Test
  void secretValuesAfterSecretKeysAreMasked() {
    String out = logThroughShippedConfig("conf spark.hadoop.fs.s3a.secret.key=Pl4ntedS3cret/x+y, "
        + "fs.s3a.access.key=PlantedAccess1 and \"token\": \"PlantedJsonToken\" password:hunter2pw", null);
    assertThat(out).as("logged line").contains("conf spark.hadoop.fs.s3a.secret.key=*****")
        .doesNotContain("Pl4ntedS3cret", "PlantedAccess1", "PlantedJsonToken", "hunter2pw");
  }

  @Test
  void tokenShapedValuesAreMaskedAnywhere() {
    String out = logThroughShippedConfig("calling hub with hf_AbCdEfGhIjKlMnOpQrStUv for AKIAABCDEFGHIJKLMNOP", null);
    assertThat(out).as("logged line").contains("calling hub with *****")
        .doesNotContain("hf_AbCdEfGhIjKlMnOpQrStUv", "AKIAABCDEFGHIJKLMNOP");
  }

  @Test
  void stackTracesAreMaskedToo() {
    Exception e = new IllegalStateException("bad credentials secret_key=InsideTheTrace99");
    String out = logThroughShippedConfig("request failed", e);
    assertThat(out).as("logged trace").contains("request failed", "IllegalStateException", "LogRedactionTest")
        .doesNotContain("InsideTheTrace99");
  }

  @Test
  void ordinaryMessagesAreUnchanged() {
    String msg = "Labeled 42 rows (5 unsafe), quarantined 3 {missing_text=3}, tokens/s 461.2; windows 512/256";
    assertThat(logThroughShippedConfig(msg, null)).as("logged line").contains(msg);
  }
}
