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
            assertThat(s.has("Name") && s.has("ActionOnFailure") && s.has("Jar") && s.has("Args"))
                    .as(s.toString())
                    .isTrue();
        }
        JsonNode submit = steps.get(steps.size() - 1).get("Args");
        assertThat(submit.get(0).asText()).isEqualTo("spark-submit");
        assertThat(submit.toString()).contains("org.crest.cli.Main", "crest-spark-cluster.jar");
        LabelCommand cmd = parse(labelArgs(submit));
        assertThat(cmd.resume).isTrue();
        assertThat(cmd.dates).containsExactly("yesterday");
        assertThat(cmd.options().inputs().get(0)).startsWith("s3a://");
        assertThat(cmd.options().model())
                .as("model copied by the first step")
                .contains(steps.get(0).get("Args").get(2).asText().replaceAll(".* (/mnt/\\S+?)/?$", "$1"));
    }

    @Test
    void databricksJobRunsLabelResumeNightlyAsAJarTask() throws Exception {
        for (String file : new String[] {
            "jobs/databricks-job.json", "jobs/databricks-job.gpu.json", "jobs/databricks-job.table.json"
        }) {
            JsonNode job = JSON.readTree(Path.of(file).toFile());
            assertThat(job.at("/schedule/quartz_cron_expression").asText())
                    .as(file)
                    .isNotBlank();
            assertThat(job.at("/max_concurrent_runs").asInt())
                    .as("one run per output")
                    .isEqualTo(1);
            assertThat(job.at("/email_notifications/on_failure").size())
                    .as(file)
                    .isPositive();
            assertThat(job.at("/webhook_notifications/on_failure").size())
                    .as(file)
                    .isPositive();
            JsonNode task = job.at("/tasks/0");
            assertThat(task.has("spark_submit_task"))
                    .as("spark_submit_task is deprecated on Databricks")
                    .isFalse();
            assertThat(task.get("max_retries").asInt()).isPositive();
            String main = task.at("/spark_jar_task/main_class_name").asText();
            assertThat(main).isEqualTo(JarTask.class.getName());
            assertThat(Class.forName(main).getMethod("main", String[].class)).isNotNull();
            assertThat(task.at("/libraries/0/jar").asText())
                    .as(file)
                    .startsWith("/Volumes/")
                    .endsWith(".jar");
            JsonNode cluster = null;
            for (JsonNode c : job.get("job_clusters")) {
                if (c.get("job_cluster_key")
                        .asText()
                        .equals(task.get("job_cluster_key").asText())) {
                    cluster = c.get("new_cluster");
                }
            }
            assertThat(cluster).as("the task's job cluster in %s", file).isNotNull();
            assertThat(cluster.get("data_security_mode").asText()).isEqualTo("SINGLE_USER");
            assertThat(cluster.at("/spark_env_vars/HF_HOME").asText()).isNotBlank();
            assertThat(cluster.at("/aws_attributes/instance_profile_arn").asText())
                    .contains("instance-profile");
            assertThat(cluster.at("/spark_conf/spark.executor.memoryOverhead").asText())
                    .isNotBlank();
            JsonNode params = task.at("/spark_jar_task/parameters");
            assertThat(params.get(0).asText())
                    .as("JarTask takes the CLI's arguments")
                    .isEqualTo("label");
            LabelCommand cmd = parse(labelArgs(params));
            assertThat(cmd.resume).isTrue();
            assertThat(cmd.dates).containsExactly("yesterday");
            assertThat(cmd.options().model()).startsWith("/Volumes/");
            if (file.contains("table")) {
                org.crest.label.TableOutput t = cmd.tableOptions.tables();
                assertThat(t.table()).endsWith(".crest.chat_labels");
                assertThat(t.quarantineTable()).endsWith(".crest.chat_quarantine");
            }
            if (file.contains("gpu")) {
                assertThat(cmd.options().device()).isEqualTo(org.crest.inference.Device.CUDA);
                assertThat(cluster.at("/spark_conf/spark.executor.resource.gpu.amount")
                                .asText())
                        .isEqualTo("1");
            }
        }
    }

    @Test
    void emrServerlessAndEksRunsReadTheModelFromS3() throws IOException {
        for (String[] f : new String[][] {
            {"jobs/emr-serverless-start-job-run.json", "/jobDriver/sparkSubmit"},
            {"jobs/emr-eks-start-job-run.json", "/jobDriver/sparkSubmitJobDriver"}
        }) {
            JsonNode job = JSON.readTree(Path.of(f[0]).toFile());
            JsonNode driver = job.at(f[1]);
            assertThat(driver.get("entryPoint").asText()).as(f[0]).endsWith("crest-spark-cluster.jar");
            assertThat(driver.get("sparkSubmitParameters").asText())
                    .contains("--class org.crest.cli.Main", "spark.executor.memoryOverhead");
            assertThat(job.get("executionRoleArn").asText()).contains(":role/");
            LabelCommand cmd = parse(labelArgs(driver.get("entryPointArguments")));
            assertThat(cmd.resume).isTrue();
            assertThat(cmd.options().model())
                    .as("no local disk to copy to: the model comes from S3")
                    .startsWith("s3a://");
        }
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
