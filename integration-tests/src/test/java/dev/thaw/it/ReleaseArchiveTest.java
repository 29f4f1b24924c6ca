package dev.thaw.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.thaw.testkit.FreePort;
import dev.thaw.testkit.Http;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The release archive as a user installs it: dist/target/thaw-VERSION.tar.gz (built by scripts/build)
 * is unpacked with tar into a temporary directory outside the checkout, the sample app's jar is copied
 * next to it, and only the archive's bin/thaw runs: doctor, checkpoint, run. A restored worker must
 * answer 200, and the image must record the agent from the archive's lib/, not the checkout's.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ReleaseArchiveTest {
    private static final Duration BOUND = Duration.ofSeconds(90);

    private Path install;
    private Path thaw;
    private String version;
    private ThawProcess.Result doctor;
    private ThawProcess.Result versionOut;
    private ThawProcess.Result checkpoint;
    private JsonNode manifest;
    private int status = -1;
    private JsonNode whoami;
    private String poolOutput = "";
    private int stopExitCode = -1;

    @BeforeAll
    void unpackCheckpointAndRestore() throws Exception {
        Environment.requireCriu();
        Path archive = archive();
        version = archive.getFileName().toString().replaceFirst("^thaw-", "").replaceFirst("\\.tar\\.gz$", "");
        install = Files.createTempDirectory(Path.of("/tmp"), "thaw-release-");
        assertTrue(!install.startsWith(Environment.REPO), install + " must be outside the checkout " + Environment.REPO);
        Process tar = new ProcessBuilder("tar", "xzf", archive.toString(), "-C", install.toString()).inheritIO().start();
        assertTrue(tar.waitFor(60, TimeUnit.SECONDS) && tar.exitValue() == 0, "tar xzf " + archive);
        thaw = install.resolve("thaw-" + version).resolve("bin/thaw");
        Path app = Files.copy(Environment.SAMPLE_JAR, install.resolve("app.jar"));
        Path work = Files.createDirectories(install.resolve("work"));

        versionOut = ThawProcess.runInstalled(thaw, work, BOUND, "--version");
        doctor = ThawProcess.runInstalled(thaw, work, BOUND, "doctor");
        int port = FreePort.pick();
        String base = "http://127.0.0.1:" + port;
        Path image = install.resolve("image");
        checkpoint = ThawProcess.runInstalled(thaw, work, Duration.ofMinutes(3), "checkpoint", "--image", image.toString(),
                "--warmup-url", base + "/health", "--warmup-url", base + "/items/7", "--warmup-requests", "100", "--",
                Environment.JAVA.toString(), "-Xmx256m", "-Dsample.port=" + port, "-Dsample.dataset.mb=10", "-jar", app.toString());
        assertEquals(0, checkpoint.exitCode(), "checkpoint from the archive failed:\n" + checkpoint.output());
        manifest = new ObjectMapper().readTree(image.resolve("manifest.json").toFile());

        try (ThawProcess pool = ThawProcess.startInstalled(thaw, work, Map.of(), "run", "--image", image.toString(), "--workers", "1",
                "--socket", work.resolve("thaw.sock").toString())) {
            pool.awaitLine("all 1 workers ready", BOUND);
            Http.Response r = Http.get(port, "/whoami");
            status = r.status();
            whoami = r.json();
            stopExitCode = pool.stop(Duration.ofSeconds(60));
            poolOutput = pool.output();
        }
    }

    @AfterAll
    void cleanUp() throws Exception {
        TempFiles.delete(install);
    }

    /** The one archive scripts/build made: its name carries the POM's version. */
    private static Path archive() throws Exception {
        Path target = Environment.REPO.resolve("dist/target");
        assertTrue(Files.isDirectory(target), "no release archive: " + target + " does not exist (build it with scripts/build)");
        List<Path> found;
        try (Stream<Path> files = Files.list(target)) {
            found = files.filter(f -> f.getFileName().toString().matches("thaw-.+\\.tar\\.gz")).toList();
        }
        assertEquals(1, found.size(), "expected one release archive in " + target + " (build it with scripts/build): " + found);
        return found.get(0);
    }

    @Test
    void the_archive_is_bin_lib_licence_and_docs() {
        Path top = install.resolve("thaw-" + version);
        for (String f : List.of("bin/thaw", "lib/thaw.jar", "lib/thaw-agent.jar", "lib/thaw-bench.jar", "lib/jdk.sh", "LICENSE", "README.md",
                "docs/getting-started.md", "docs/resources.md", "deploy/systemd/thaw.service")) {
            assertTrue(Files.isRegularFile(top.resolve(f)), f + " is missing from the archive");
        }
        assertTrue(Files.isExecutable(top.resolve("bin/thaw")), "bin/thaw must be executable");
    }

    @Test
    void version_is_the_poms() {
        assertEquals(0, versionOut.exitCode(), versionOut.output());
        assertTrue(versionOut.output().startsWith("thaw " + version + " (Java "), versionOut.output());
    }

    @Test
    void doctor_runs_from_the_archive() {
        assertEquals(0, doctor.exitCode(), doctor.output());
        assertTrue(doctor.output().contains("thaw doctor: all checks passed"), doctor.output());
    }

    @Test
    void the_image_records_the_archives_agent() {
        Path agent = install.resolve("thaw-" + version).resolve("lib/thaw-agent.jar");
        boolean recorded = false;
        for (JsonNode f : manifest.path("appFiles")) {
            recorded |= f.path("path").asText().equals(agent.toString());
        }
        assertTrue(recorded, "the leader ran with " + agent + "; the manifest lists " + manifest.path("appFiles"));
    }

    @Test
    void a_worker_restored_by_the_archives_thaw_answers_200() {
        assertEquals(200, status, poolOutput);
        assertEquals("0", whoami.path("worker").asText(), whoami.toString());
        assertEquals(2, whoami.path("afterRestoreCalls").asInt(), "once in the checkpoint's rehearsal, once at the restore: " + whoami);
        assertEquals(0, stopExitCode, poolOutput);
    }
}
