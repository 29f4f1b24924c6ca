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
        shared.awaitPortFree(Duration.ofSeconds(30)); // the other test's pool may still be going away
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
     * A compromised worker opening connection after connection: a process in a worker's PID namespace gets
     * at most the namespace's cap (the worker's own connection included); the rest are closed at once, one
     * line is logged for the whole flood, and the pool serves on and still restores workers that connect.
     */
    @Test
    void a_flood_of_connections_from_inside_a_worker_is_capped_logged_once_and_costs_the_pool_nothing(SampleAppImage shared)
            throws Exception {
        int port = shared.port();
        shared.awaitPortFree(Duration.ofSeconds(30)); // the other test's pool may still be going away
        shared.copyTo(work.resolve("img"));
        Path socket = work.resolve("control.sock");
        try (Pool pool = Pool.start(work, work.resolve("img"), socket, "--workers", "2")) {
            Set<Long> serving = pool.awaitReady(2, Set.of(), BOUND);
            long inside = serving.iterator().next();
            Path flood = Files.writeString(work.resolve("Flood.java"), """
                    import java.nio.ByteBuffer;
                    import java.nio.channels.SocketChannel;
                    import java.util.ArrayList;
                    import java.util.List;
                    public class Flood {
                        public static void main(String[] args) throws Exception {
                            List<SocketChannel> open = new ArrayList<>();
                            for (int i = 0; i < Integer.parseInt(args[1]); i++) {
                                SocketChannel c = SocketChannel.open(java.net.StandardProtocolFamily.UNIX);
                                c.connect(java.net.UnixDomainSocketAddress.of(args[0]));
                                open.add(c);
                            }
                            Thread.sleep(2000); // the server closes a refused connection as it accepts it
                            int refused = 0;
                            for (SocketChannel c : open) {
                                c.configureBlocking(false);
                                refused += c.read(ByteBuffer.allocate(1)) < 0 ? 1 : 0;
                            }
                            System.out.println("refused " + refused + " held " + (open.size() - refused));
                        }
                    }
                    """);
            Process p = new ProcessBuilder("nsenter", "-t", Long.toString(inside), "--pid", "--", Environment.JAVA.toString(),
                    flood.toString(), socket.toString(), "60").redirectErrorStream(true).start();
            String said = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8).strip();
            assertEquals(0, p.waitFor(), said);
            java.util.regex.Matcher m = java.util.regex.Pattern.compile("refused (\\d+) held (\\d+)").matcher(said);
            assertTrue(m.find(), said);
            int held = Integer.parseInt(m.group(2));
            assertTrue(held >= 7 && held <= 8, "the worker's namespace holds at most 8 with the worker's own: " + said);
            assertEquals(60 - held, Integer.parseInt(m.group(1)), said);

            String capped = "control socket: PID namespace pid:\\[\\d+\\] \\(uid 0\\) holds 8 connections, the most it may";
            pool.thaw().awaitLine(capped, Duration.ofSeconds(10));
            assertEquals(1, pool.thaw().count(capped), "one line for the whole flood:\n" + pool.thaw().output());
            assertEquals(200, dev.thaw.testkit.Http.get(port, "/health").status(), pool.thaw().output());
            long other = serving.stream().filter(pid -> pid != inside).findFirst().orElseThrow();
            Pool.signal("KILL", other); // its replacement, in a namespace of its own, connects as any worker does
            pool.awaitReady(2, Set.of(other), BOUND);
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
