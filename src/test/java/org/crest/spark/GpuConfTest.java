package org.crest.spark;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.FileReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;
import org.junit.jupiter.api.Test;

/**
 * conf/spark-defaults.gpu.conf names a discovery script executors can resolve (an absolute path, not one relative
 * to wherever the executor happens to start), and conf/gpu-discovery.sh prints what Spark expects.
 */
class GpuConfTest {
    @Test
    void discoveryScriptIsAnAbsolutePathAndTheScriptPrintsSparkResourceJson() throws Exception {
        Properties p =
                new Properties(); // spark-defaults.conf is whitespace-separated key value, as Properties reads it
        try (FileReader r = new FileReader("conf/spark-defaults.gpu.conf", StandardCharsets.UTF_8)) {
            p.load(r);
        }
        String script = p.getProperty("spark.executor.resource.gpu.discoveryScript");
        assertThat(script).as("discovery script").isNotNull().startsWith("/").endsWith("/gpu-discovery.sh");
        assertThat(p.getProperty("spark.executor.resource.gpu.amount")).isEqualTo("1");
        assertThat(p.getProperty("spark.executor.resource.gpu.vendor")).isEqualTo("nvidia.com");
        assertThat(Double.parseDouble(p.getProperty("spark.task.resource.gpu.amount")))
                .isBetween(0.0, 1.0);
        assertThat(Files.readString(Path.of("conf/spark-defaults.gpu.conf")))
                .contains("spark.worker.resource.gpu.discoveryScript", "--files conf/gpu-discovery.sh");

        Path local = Path.of("conf/gpu-discovery.sh");
        assertThat(Files.isExecutable(local))
                .as("conf/gpu-discovery.sh is executable")
                .isTrue();
        Process proc =
                new ProcessBuilder(local.toString()).redirectErrorStream(true).start();
        String out = new String(proc.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(proc.waitFor()).as(out).isZero();
        JsonNode json = new ObjectMapper().readTree(out);
        assertThat(json.get("name").asText()).isEqualTo("gpu");
        assertThat(json.get("addresses").isArray()).as(out).isTrue();
    }
}
