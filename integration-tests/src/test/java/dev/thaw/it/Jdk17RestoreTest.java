package dev.thaw.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.thaw.testkit.FreePort;
import dev.thaw.testkit.MachineRequirement;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * An app launched on JDK 17 is checkpointed and restored by thaw (which itself runs on 25), and both of
 * its workers serve HTTP on one port. The app (src/test/java17) is compiled here with --release 17 and
 * runs on Debian's openjdk-17-jdk-headless, which scripts/setup installs. The leader's command line names
 * JDK 17's java: the image records that JDK and every worker runs on it.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class Jdk17RestoreTest {
    /** Debian's and Ubuntu's openjdk-17-jdk-headless, on any architecture (java-17-openjdk-amd64, -arm64...). */
    static final Path JDK17 = debianJdk17();
    private static final Path SOURCES = Environment.REPO.resolve("integration-tests/src/test/java17");

    private Path work;

    @AfterAll
    void removeWork() throws Exception {
        TempFiles.delete(work);
    }

    @Test
    void an_app_on_jdk_17_is_restored_and_its_workers_serve_http() throws Exception {
        Environment.requireCriu();
        requireJdk17();
        work = Files.createTempDirectory("thaw-jdk17-");
        Path classes = compileForRelease17(work.resolve("classes"));
        String classPath = classes + ":" + cracJar();
        int port = FreePort.pick();

        ThawProcess.Result checkpoint = ThawProcess.run(work, Map.of(), Duration.ofMinutes(3), "checkpoint",
                "--image", work.resolve("image").toString(), "--warmup-url", "http://127.0.0.1:" + port + "/",
                "--warmup-requests", "200", "--", JDK17.resolve("bin/java").toString(), "-Xmx64m", "-Dthaw.reuse-port=true",
                "-cp", classPath, "dev.thaw.it17.Jdk17App", Integer.toString(port));
        assertEquals(0, checkpoint.exitCode(), checkpoint.output());

        try (Pool pool = Pool.start(work, work.resolve("image"), work.resolve("pool.sock"), "--workers", "2")) {
            pool.thaw().awaitLine("^thaw: image .*: generation 1, .* 17\\.0\\.\\d+", Duration.ofSeconds(30));
            pool.thaw().awaitLine("all 2 workers ready", Duration.ofSeconds(60));
            Set<String> workers = new TreeSet<>();
            for (int i = 0; i < 400 && workers.size() < 2; i++) {
                String body = get(port);
                assertTrue(body.matches("java\\.version=17\\.0\\.\\d+ worker=[01]\n"), "answered on JDK 17 by a worker: " + body);
                workers.add(body.substring(body.indexOf("worker=")).strip());
            }
            assertEquals(Set.of("worker=0", "worker=1"), workers, "both workers serve the shared port (-Dthaw.reuse-port on JDK 17)");
            assertEquals(0, pool.thaw().stop(Duration.ofSeconds(60)), pool.thaw().output());
        }
    }

    /** Maven compiles test code for 25, which JDK 17 cannot load: the app is compiled here, for 17. */
    private static Path compileForRelease17(Path out) throws IOException {
        Files.createDirectories(out);
        List<String> sources;
        try (Stream<Path> files = Files.walk(SOURCES)) {
            sources = files.filter(p -> p.toString().endsWith(".java")).map(Path::toString).toList();
        }
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        List<String> args = new java.util.ArrayList<>(List.of("--release", "17", "-cp", cracJar().toString(), "-d", out.toString()));
        args.addAll(sources);
        assertEquals(0, javac.run(null, null, null, args.toArray(String[]::new)), "javac --release 17 of " + SOURCES);
        return out;
    }

    private static Path cracJar() {
        try {
            return Path.of(org.crac.Core.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        } catch (java.net.URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    /** One request on a connection of its own, so that the kernel picks a worker for each. */
    private static String get(int port) throws IOException {
        try (Socket s = new Socket("127.0.0.1", port)) {
            s.setSoTimeout(10_000);
            OutputStream out = s.getOutputStream();
            out.write(("GET / HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = s.getInputStream();
            String response = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(response.startsWith("HTTP/1.1 200"), response);
            return response.substring(response.indexOf("\r\n\r\n") + 4);
        }
    }

    private static Path debianJdk17() {
        try (Stream<Path> jvms = Files.list(Path.of("/usr/lib/jvm"))) {
            return jvms.filter(p -> p.getFileName().toString().startsWith("java-17-openjdk-")).sorted().findFirst()
                    .orElse(Path.of("/usr/lib/jvm/java-17-openjdk-amd64"));
        } catch (IOException e) {
            return Path.of("/usr/lib/jvm/java-17-openjdk-amd64");
        }
    }

    private static void requireJdk17() {
        if (Files.isExecutable(JDK17.resolve("bin/java"))) {
            return;
        }
        MachineRequirement.unmet("JDK 17 not found at " + JDK17 + ": run scripts/setup (it installs openjdk-17-jdk-headless)");
    }
}
