package dev.thaw.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.thaw.testkit.HostileControlLines;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Random, truncated and hostile lines at a live pool's control socket for 10 s while it serves HTTP
 * load: no request fails, the same workers serve throughout, and every bad peer is dropped and logged.
 */
@ExtendWith(SampleAppImageExtension.class)
class ControlFuzzEndToEndTest {
    private static final Duration BOUND = Duration.ofMinutes(3);
    private static final Duration FUZZ = Duration.ofSeconds(10);

    private Path work;

    @BeforeEach
    void makeWorkDir() throws Exception {
        Environment.requireCriu();
        work = Files.createTempDirectory("thaw-it-control-fuzz-");
    }

    @AfterEach
    void deleteWorkDir() throws Exception {
        TempFiles.delete(work);
    }

    @Test
    void ten_seconds_of_garbage_at_the_control_socket_cost_the_pool_no_request_and_no_worker(SampleAppImage shared) throws Exception {
        int port = shared.port();
        shared.copyTo(work.resolve("img")); // a copy: were a fuzzed line to reach a command that writes the image, only this one would change
        Path socket = work.resolve("control.sock");
        try (Pool pool = Pool.start(work, work.resolve("img"), socket, "--workers", "2")) {
            Set<Long> serving = pool.awaitReady(2, Set.of(), BOUND);
            HostileControlLines hostile = new HostileControlLines(20261201);
            int connections = 0;
            try (Load load = new Load(port, "/health", 2, FUZZ.plusSeconds(30))) {
                long deadline = System.nanoTime() + FUZZ.toNanos();
                while (System.nanoTime() < deadline && connections < 20_000) {
                    HostileControlLines.sendAndClose(socket, hostile.next());
                    connections++;
                }
                load.close();
                assertEquals(0, load.failed(), load.report());
            }
            assertTrue(connections > 100, "fuzzed " + connections + " connections");
            assertEquals(serving, pool.readyPids(), "the same workers serve:\n" + pool.thaw().output());
            assertEquals(2, pool.status().path("targetWorkers").asInt(), "no fuzzed SCALE got through");
            String out = pool.thaw().output();
            assertTrue(out.contains("refused a control connection claiming to be worker="), out);
            assertTrue(out.contains("closed the control connection of"), out);
            assertEquals(0, pool.thaw().count("exited unexpectedly|internal error|Exception"), out);

            // Another user cannot even connect: the socket is root's, 0600.
            Process nobody = connectAsNobody(socket, work);
            String said = new String(nobody.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
            assertEquals(3, nobody.waitFor(), said);
            assertTrue(said.contains("Permission denied"), said);
        }
    }

    /**
     * Runs, as uid 65534, a one-file Java program (the JDK's source launcher) that connects to
     * {@code socket}; its exit code is 3 and it prints the error when the connection is refused. The
     * program lives in a directory of its own that anyone can read, so it runs wherever the checkout is.
     */
    private static Process connectAsNobody(Path socket, Path work) throws Exception {
        Path dir = Files.createDirectories(work.resolve("connect-as-nobody"));
        Files.setPosixFilePermissions(work, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
        Files.setPosixFilePermissions(dir, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
        Path source = Files.writeString(dir.resolve("Connect.java"), """
                public class Connect {
                    public static void main(String[] args) {
                        try (var c = java.nio.channels.SocketChannel.open(java.net.StandardProtocolFamily.UNIX)) {
                            c.connect(java.net.UnixDomainSocketAddress.of(args[0]));
                            System.out.println("connected");
                        } catch (java.io.IOException e) {
                            System.out.println(e.getMessage());
                            System.exit(3);
                        }
                    }
                }
                """);
        Files.setPosixFilePermissions(source, java.nio.file.attribute.PosixFilePermissions.fromString("rw-r--r--"));
        return new ProcessBuilder("setpriv", "--reuid", "65534", "--regid", "65534", "--clear-groups", "--",
                Environment.JAVA.toString(), source.toString(), socket.toString()).directory(dir.toFile()).redirectErrorStream(true).start();
    }
}
