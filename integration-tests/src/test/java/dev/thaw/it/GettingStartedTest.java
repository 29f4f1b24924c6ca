package dev.thaw.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.thaw.testkit.FreePort;
import dev.thaw.testkit.Http;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * docs/getting-started.md, followed literally: every block marked {@code <!-- file: PATH -->} is
 * written to PATH in a throwaway Maven project outside the reactor (in /tmp), built offline with
 * {@code mvn -o package} against the local repository, where the reactor's {@code mvn install} put
 * {@code dev.thaw:crac-resources}. Its jar, which registers the ready-made JettyConnectors
 * resource, is then checkpointed by thaw and restored as one worker, which must answer 200.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class GettingStartedTest {
    private static final Path GUIDE = Environment.REPO.resolve("docs/getting-started.md");
    private static final Pattern FILE_BLOCK = Pattern.compile("<!-- file: (\\S+) -->\\n```\\w*\\n(.*?)\\n```", Pattern.DOTALL);

    private String guide;
    private Map<String, String> files;
    private Path project;
    private ProcessResult build;
    private ThawProcess.Result checkpoint;
    private Http.Response answer;
    private String poolOutput = "";

    record ProcessResult(int exitCode, String output) {
    }

    @BeforeAll
    void buildTheGuidesAppThenCheckpointAndRestoreIt() throws Exception {
        guide = Files.readString(GUIDE, StandardCharsets.UTF_8);
        files = filesOf(guide);
        Environment.requireCriu();
        project = Files.createTempDirectory(Path.of("/tmp"), "thaw-getting-started-");
        for (Map.Entry<String, String> f : files.entrySet()) {
            Path target = project.resolve(f.getKey());
            Files.createDirectories(target.getParent());
            Files.writeString(target, f.getValue() + "\n", StandardCharsets.UTF_8);
        }
        build = mavenPackage(project);
        assertEquals(0, build.exitCode(), "mvn -o package of the guide's project failed:\n" + build.output());

        int port = FreePort.pick();
        checkpoint = ThawProcess.run(project, Map.of(), Duration.ofMinutes(3), "checkpoint", "--image", project.resolve("image").toString(),
                "--warmup-url", "http://127.0.0.1:" + port + "/", "--warmup-requests", "200", "--",
                Environment.JAVA.toString(), "-Dport=" + port, "-jar", project.resolve("target/hello.jar").toString());
        assertEquals(0, checkpoint.exitCode(), "checkpoint of the guide's app failed:\n" + checkpoint.output());

        try (ThawProcess pool = ThawProcess.start(project, Map.of(), "run", "--image", project.resolve("image").toString(), "--workers", "1",
                "--socket", project.resolve("thaw.sock").toString())) {
            pool.awaitLine("all 1 workers ready", Duration.ofSeconds(90));
            answer = Http.get(port, "/");
            pool.stop(Duration.ofSeconds(60));
            poolOutput = pool.output();
        }
    }

    @AfterAll
    void cleanUp() throws Exception {
        TempFiles.delete(project);
    }

    private static Map<String, String> filesOf(String markdown) {
        Map<String, String> out = new LinkedHashMap<>();
        Matcher m = FILE_BLOCK.matcher(markdown);
        while (m.find()) {
            out.put(m.group(1), m.group(2));
        }
        return out;
    }

    /** mvn -o package with the JDK running the tests, as a user's build would run: offline, so only ~/.m2 can supply thaw. */
    private static ProcessResult mavenPackage(Path dir) throws Exception {
        ProcessBuilder pb = new ProcessBuilder("mvn", "-o", "-B", "-ntp", "-q", "package").directory(dir.toFile()).redirectErrorStream(true);
        pb.environment().put("JAVA_HOME", Path.of(System.getProperty("java.home")).toString());
        Process mvn = pb.start();
        byte[] out = mvn.getInputStream().readAllBytes();
        assertTrue(mvn.waitFor(5, TimeUnit.MINUTES), "mvn package did not finish within 5 minutes");
        return new ProcessResult(mvn.exitValue(), new String(out, StandardCharsets.UTF_8));
    }

    /** The reactor's version, from the root POM: the guide's coordinates and archive name must match it. */
    private static String reactorVersion() throws Exception {
        Matcher m = Pattern.compile("<artifactId>thaw-parent</artifactId>\\s*<version>([^<]+)</version>")
                .matcher(Files.readString(Environment.REPO.resolve("pom.xml")));
        assertTrue(m.find(), "no thaw-parent version in pom.xml");
        return m.group(1);
    }

    @Test
    void the_guide_gives_a_pom_and_an_app() {
        assertEquals(java.util.List.of("pom.xml", "src/main/java/com/example/App.java"), java.util.List.copyOf(files.keySet()));
    }

    @Test
    void the_guides_versions_are_the_poms() throws Exception {
        String version = reactorVersion();
        Pattern dependency = Pattern.compile("<groupId>dev\\.thaw</groupId>\\s*<artifactId>([\\w-]+)</artifactId>\\s*<version>([^<]+)</version>"
                + "|dev\\.thaw:([\\w-]+):(\\d[^\"\\s`]*)");
        for (String doc : java.util.List.of("getting-started.md", "resources.md")) {
            Matcher deps = dependency.matcher(Files.readString(Environment.REPO.resolve("docs").resolve(doc)));
            int seen = 0;
            while (deps.find()) {
                String artifact = deps.group(1) != null ? deps.group(1) : deps.group(3);
                String given = deps.group(2) != null ? deps.group(2) : deps.group(4);
                assertEquals(version, given, "docs/" + doc + " gives dev.thaw:" + artifact + ":" + given
                        + " but the POM's version is " + version + ": update the snippet");
                seen++;
            }
            assertTrue(seen >= 2, "docs/" + doc + " shows the dependency snippets");
        }
        Matcher archives = Pattern.compile("thaw-(\\d[^/\\s]*?)(\\.tar\\.gz|/bin)").matcher(guide);
        while (archives.find()) {
            assertEquals(version, archives.group(1), "docs/getting-started.md names thaw-" + archives.group(1) + ": the archive is thaw-" + version);
        }
    }

    @Test
    void the_project_is_built_offline_from_the_local_repository() {
        assertTrue(Files.isRegularFile(project.resolve("target/hello.jar")), build.output());
        assertFalse(project.startsWith(Environment.REPO), "the project must be outside the reactor");
    }

    @Test
    void the_restored_worker_answers_through_the_reopened_connector() {
        assertEquals(200, answer.status(), poolOutput);
        assertEquals("hello from worker 0", answer.body().strip(), poolOutput);
        assertTrue(checkpoint.output().contains("thaw: image written:"), checkpoint.output());
    }
}
