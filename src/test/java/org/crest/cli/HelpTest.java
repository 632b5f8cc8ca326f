package org.crest.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** The help of every command: descriptions for every option, examples that run as written, no picocli warnings. */
class HelpTest {

    private static List<CommandLine> all(CommandLine cl) {
        List<CommandLine> out = new ArrayList<>();
        out.add(cl);
        cl.getSubcommands().values().forEach(c -> out.addAll(all(c)));
        return out;
    }

    @Test
    void everyOptionOfEveryCommandHasADescription() {
        for (CommandLine c : all(CrestCommand.commandLine())) {
            for (CommandLine.Model.OptionSpec o : c.getCommandSpec().options()) {
                assertThat(String.join(" ", o.description()).trim())
                        .as("%s %s", c.getCommandSpec().qualifiedName(), o.longestName())
                        .isNotEmpty();
            }
        }
    }

    @Test
    void helpPrintsWithoutWarningsAndExamplesUseTheLauncherAndFilesThatExist() {
        Pattern examplesFile = Pattern.compile("examples/\\S+");
        PrintStream saved = System.err;
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
        try {
            for (CommandLine c : all(CrestCommand.commandLine())) {
                String name = c.getCommandSpec().qualifiedName();
                if (name.endsWith(" help")) {
                    continue;
                }
                String help = c.getUsageMessage();
                assertThat(help).as(name).doesNotContainPattern("(?m)^\\s+crest ");
                Matcher m = examplesFile.matcher(help);
                while (m.find()) {
                    assertThat(Path.of(m.group()))
                            .as("%s names %s", name, m.group())
                            .exists();
                }
            }
        } finally {
            System.setErr(saved);
        }
        assertThat(err.toString(StandardCharsets.UTF_8)).as("picocli warnings").doesNotContain("WARN");
    }

    @Test
    void versionIsTheProjectVersion() throws Exception {
        String[] r = InProcessCli.run("--version");
        assertThat(r[0]).isEqualTo("0");
        assertThat(r[1].trim()).matches("crest-spark \\d+\\.\\d+\\.\\d+\\S*").doesNotContain("development");
        String pom = Files.readString(Path.of("pom.xml"));
        Matcher v = Pattern.compile("<artifactId>crest-spark</artifactId>\\s*<version>([^<]+)</version>")
                .matcher(pom);
        assertThat(v.find()).isTrue();
        assertThat(r[1].trim()).isEqualTo("crest-spark " + v.group(1));
    }

    @Test
    void everyWriteModeRefusalReadsTheSame() {
        for (String cmd : new String[] {"cluster", "evaluate", "relabel"}) {
            List<String> args =
                    new ArrayList<>(List.of(cmd, "--input", "in.jsonl", "--output", "/tmp/never", "--mode", "append"));
            if (cmd.equals("cluster")) {
                args.addAll(List.of("--embedder", "demo-embedder"));
            }
            String[] r = InProcessCli.run(args.toArray(String[]::new));
            assertThat(r[0]).as(cmd).isEqualTo("2");
            assertThat(r[2]).as(cmd).contains("Unknown --mode append, expected error or overwrite");
        }
    }
}
