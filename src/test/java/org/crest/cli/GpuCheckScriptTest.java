package org.crest.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.crest.Fixtures;
import org.junit.jupiter.api.Test;

/**
 * tools/gpu-check.sh's first step, {@code --check-only}: it names what is missing (driver, CUDA 12, cuDNN 9) with
 * exit code 3 instead of failing later, and passes when a driver and the libraries are there. The driver is a
 * stand-in nvidia-smi script and the libraries empty files on LD_LIBRARY_PATH, which is all the check looks at.
 */
class GpuCheckScriptTest {
    private static final Path SCRIPT = Path.of("tools/gpu-check.sh");
    private static final List<String> LIBS = List.of(
            "libcudart.so.12",
            "libcublas.so.12",
            "libcublasLt.so.12",
            "libcufft.so.11",
            "libcurand.so.10",
            "libcudnn.so.9");

    record Run(int exit, String out) {}

    private static Path fakeDriver(Path dir, String gpuList, String cudaVersion) throws IOException {
        Path bin = Files.createDirectories(dir.resolve("bin"));
        Path smi = bin.resolve("nvidia-smi");
        Files.writeString(
                smi,
                "#!/bin/sh\n"
                        + "case \"$1\" in\n"
                        + "  -L) " + gpuList + " ;;\n"
                        + "  --query-gpu=*) echo 550.54.15 ;;\n"
                        + "  *) echo '| NVIDIA-SMI 550.54.15   Driver Version: 550.54.15   CUDA Version: " + cudaVersion
                        + " |' ;;\n"
                        + "esac\n");
        Files.setPosixFilePermissions(smi, PosixFilePermissions.fromString("rwxr-xr-x"));
        return bin;
    }

    private static Run run(Path bin, Path libs) throws Exception {
        ProcessBuilder pb = new ProcessBuilder("bash", SCRIPT.toString(), "--check-only").redirectErrorStream(true);
        pb.environment().put("PATH", bin + ":" + System.getenv("PATH"));
        pb.environment().put("LD_LIBRARY_PATH", libs.toString());
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        return new Run(p.exitValue(), out);
    }

    @Test
    void aMachineWithoutAWorkingDriverOrLibrariesIsToldWhatIsMissing() throws Exception {
        Path dir = Fixtures.tempDir("gpu-check-missing-");
        Path bin = fakeDriver(
                dir,
                "echo 'NVIDIA-SMI has failed because it could not communicate with the NVIDIA driver.'; exit 9",
                "12.4");
        Path libs = Files.createDirectories(dir.resolve("lib"));
        Run r = run(bin, libs);
        assertThat(r.exit()).as(r.out()).isEqualTo(3);
        assertThat(r.out())
                .contains("gpu-check: cannot run, missing:")
                .contains("NVIDIA GPU: nvidia-smi -L lists none (NVIDIA-SMI has failed")
                .doesNotContain("nothing missing");
    }

    @Test
    void anOldDriverAndMissingCudnnAreNamed() throws Exception {
        Path dir = Fixtures.tempDir("gpu-check-old-");
        Path bin = fakeDriver(dir, "echo 'GPU 0: NVIDIA Test (UUID: GPU-1)'", "11.8");
        Path libs = Files.createDirectories(dir.resolve("lib"));
        for (String l : LIBS.subList(0, 5)) {
            Files.createFile(libs.resolve(l));
        }
        Run r = run(bin, libs);
        assertThat(r.exit()).as(r.out()).isEqualTo(3);
        assertThat(r.out())
                .contains("a driver for CUDA 12: this one supports CUDA 11.8")
                .contains("found:  " + libs.resolve("libcudart.so.12"));
        // (a machine with a real cuDNN 9 that ldconfig knows finds it there)
        assertThat(r.out()).containsAnyOf("cuDNN 9: libcudnn.so.9 (install", "/libcudnn.so.9\n");
    }

    @Test
    void aMachineWithDriverAndLibrariesPassesTheCheck() throws Exception {
        Path dir = Fixtures.tempDir("gpu-check-ok-");
        Path bin = fakeDriver(dir, "echo 'GPU 0: NVIDIA Test (UUID: GPU-1)'", "12.4");
        Path libs = Files.createDirectories(dir.resolve("lib"));
        for (String l : LIBS) {
            Files.createFile(libs.resolve(l));
        }
        Run r = run(bin, libs);
        assertThat(r.exit()).as(r.out()).isZero();
        assertThat(r.out())
                .contains("GPU:    GPU 0: NVIDIA Test")
                .contains("supports CUDA 12.4")
                .contains("found:  " + libs.resolve("libcudnn.so.9"))
                .contains("nothing missing");
    }
}
