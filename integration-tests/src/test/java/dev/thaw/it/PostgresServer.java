package dev.thaw.it;

import dev.thaw.testkit.FreePort;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A throwaway PostgreSQL server on 127.0.0.1 for the tests: initdb into a temp directory, run as the
 * postgres user (PostgreSQL refuses root), trust authentication, stopped at the end.
 */
final class PostgresServer implements AutoCloseable {
    private final Path bin;
    private final Path dataDir;
    final int port;

    private PostgresServer(Path bin, Path dataDir, int port) {
        this.bin = bin;
        this.dataDir = dataDir;
        this.port = port;
    }

    static Optional<Path> installation() {
        try (Stream<Path> versions = Files.list(Path.of("/usr/lib/postgresql"))) {
            return versions.map(v -> v.resolve("bin")).filter(b -> Files.isExecutable(b.resolve("initdb")))
                    .max(Comparator.naturalOrder());
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    static PostgresServer start() throws Exception {
        Path bin = installation().orElseThrow(() -> new IllegalStateException("PostgreSQL not installed: run scripts/setup"));
        Path dir = Files.createTempDirectory("thaw-pg-", PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        run(List.of("chown", "postgres:postgres", dir.toString()));
        int port = FreePort.pick();
        run(List.of("runuser", "-u", "postgres", "--", bin.resolve("initdb").toString(), "-D", dir.toString(),
                "-A", "trust", "-U", "thaw", "--no-sync"));
        run(List.of("runuser", "-u", "postgres", "--", bin.resolve("pg_ctl").toString(), "-D", dir.toString(), "-w",
                "-l", dir.resolve("server.log").toString(), "-o",
                "-p " + port + " -k " + dir + " -c listen_addresses=127.0.0.1 -c fsync=off", "start"));
        return new PostgresServer(bin, dir, port);
    }

    String jdbcUrl() {
        return "jdbc:postgresql://127.0.0.1:" + port + "/postgres";
    }

    /** Number of client connections from the sample app (user thaw) the server has right now. */
    int clientConnections() throws Exception {
        Process p = new ProcessBuilder(bin.resolve("psql").toString(), "-h", "127.0.0.1", "-p", Integer.toString(port),
                "-U", "thaw", "-d", "postgres", "-Atc",
                "select count(*) from pg_stat_activity where backend_type = 'client backend' and pid <> pg_backend_pid()")
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes()).strip();
        p.waitFor(10, TimeUnit.SECONDS);
        return Integer.parseInt(out);
    }

    /** Waits up to 5 s for every client to disconnect (a stopped pool's connections close asynchronously); how many are left. */
    int awaitNoClientConnections() throws Exception {
        int n = clientConnections();
        for (int i = 0; i < 50 && n > 0; i++) {
            Thread.sleep(100);
            n = clientConnections();
        }
        return n;
    }

    /** PIDs of the server processes (backends) serving client connections right now, the asker's excluded. */
    java.util.Set<Integer> clientBackendPids() throws Exception {
        Process p = new ProcessBuilder(bin.resolve("psql").toString(), "-h", "127.0.0.1", "-p", Integer.toString(port),
                "-U", "thaw", "-d", "postgres", "-Atc",
                "select pid from pg_stat_activity where backend_type = 'client backend' and pid <> pg_backend_pid()")
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes()).strip();
        p.waitFor(10, TimeUnit.SECONDS);
        java.util.Set<Integer> pids = new java.util.TreeSet<>();
        for (String line : out.split("\n")) {
            if (!line.isBlank()) pids.add(Integer.parseInt(line.strip()));
        }
        return pids;
    }

    @Override
    public void close() throws Exception {
        run(List.of("runuser", "-u", "postgres", "--", bin.resolve("pg_ctl").toString(), "-D", dataDir.toString(),
                "-m", "immediate", "stop"));
        run(List.of("rm", "-rf", dataDir.toString()));
    }

    private static void run(List<String> command) throws Exception {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IllegalStateException(String.join(" ", command) + " failed:\n" + out);
        }
    }

}
