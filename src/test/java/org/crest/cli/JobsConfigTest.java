package org.crest.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** The job definitions in jobs/ parse, and the label command lines in them are ones the CLI accepts. */
class JobsConfigTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  /** The arguments after "label" in a list of strings. */
  private static List<String> labelArgs(JsonNode array) {
    List<String> all = new ArrayList<>();
    array.forEach(n -> all.add(n.asText()));
    int i = all.indexOf("label");
    assertThat(i).as("a label command in %s", all).isNotNegative();
    return all.subList(i + 1, all.size());
  }

  private static LabelCommand parse(List<String> args) {
    LabelCommand cmd = new LabelCommand();
    new CommandLine(cmd).parseArgs(args.toArray(new String[0]));
    cmd.options(); // the same checks as a run, before Spark
    return cmd;
  }

  @Test
  void emrStepsRunLabelResumeOverYesterday() throws IOException {
    JsonNode steps = JSON.readTree(Path.of("jobs/emr-steps.json").toFile());
    assertThat(steps.isArray()).isTrue();
    for (JsonNode s : steps) {
      assertThat(s.has("Name") && s.has("ActionOnFailure") && s.has("Jar") && s.has("Args")).as(s.toString()).isTrue();
    }
    JsonNode submit = steps.get(steps.size() - 1).get("Args");
    assertThat(submit.get(0).asText()).isEqualTo("spark-submit");
    assertThat(submit.toString()).contains("org.crest.cli.Main", "crest-spark-cluster.jar");
    LabelCommand cmd = parse(labelArgs(submit));
    assertThat(cmd.resume).isTrue();
    assertThat(cmd.dates).containsExactly("yesterday");
    assertThat(cmd.options().inputs().get(0)).startsWith("s3a://");
    assertThat(cmd.options().model()).as("model copied by the first step").contains(
        steps.get(0).get("Args").get(2).asText().replaceAll(".* (/mnt/\\S+?)/?$", "$1"));
  }

  @Test
  void databricksJobRunsLabelResumeNightly() throws IOException {
    JsonNode job = JSON.readTree(Path.of("jobs/databricks-job.json").toFile());
    assertThat(job.at("/schedule/quartz_cron_expression").asText()).isNotBlank();
    assertThat(job.at("/max_concurrent_runs").asInt()).as("one run per output").isEqualTo(1);
    JsonNode params = job.at("/tasks/0/spark_submit_task/parameters");
    assertThat(params.toString()).contains("org.crest.cli.Main", "crest-spark-cluster.jar");
    LabelCommand cmd = parse(labelArgs(params));
    assertThat(cmd.resume).isTrue();
    assertThat(cmd.dates).containsExactly("yesterday");
  }

  @Test
  void nightlyScriptUsesOnlyLabelOptionsThatExist() throws IOException {
    String script = Files.readString(Path.of("jobs/nightly.sh"));
    Matcher m = Pattern.compile("args=\\(label ([^)]*)\\)").matcher(script);
    assertThat(m.find()).as("the label command line in nightly.sh").isTrue();
    CommandLine.Model.CommandSpec spec = new CommandLine(new LabelCommand()).getCommandSpec();
    List<String> options = new ArrayList<>();
    Matcher o = Pattern.compile("--[a-z-]+").matcher(script.substring(m.start()));
    while (o.find()) {
      options.add(o.group());
    }
    assertThat(options).contains("--resume", "--dt", "--input", "--output", "--model", "--master");
    for (String opt : options) {
      assertThat(spec.findOption(opt)).as("label has %s", opt).isNotNull();
    }
  }
}
