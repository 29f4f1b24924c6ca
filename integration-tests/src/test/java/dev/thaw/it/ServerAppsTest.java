package dev.thaw.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.thaw.testkit.FreePort;
import dev.thaw.testkit.Http;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Apps that know nothing of thaw, one per web server, under real CRIU with 2 workers: thaw's agent
 * recognizes the server and counts every request, so --max-requests recycles, --refork-after reforks,
 * --timeout replaces a worker stuck in a request, and /metrics has each worker's requests and latency
 * (issue 19). When thaw retires a worker of an app that has no graceful shutdown of its own, the agent
 * drains it: a rolling restart under keep-alive load fails no request. An app on a server thaw does not
 * know still serves, and thaw says what cannot work. Each app is checkpointed once; its image serves both tests (the refork test, which
 * replaces the image it serves, runs on a copy).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ServerAppsTest {
    private static final Duration BOUND = Duration.ofSeconds(90);
    private static final int COUNTED = 100;

    /**
     * An app: how to start it on a port, what the agent should say it recognized, its two paths, and whether
     * it is a Spring Boot app (which shuts its server down gracefully itself).
     */
    record App(String name, String recognized, boolean spring, String hello, String sleep, List<String> command) {
        List<String> commandOn(int port, String jdbcUrl) {
            List<String> c = new ArrayList<>();
            c.add(Environment.JAVA.toString());
            c.add("-Xmx192m");
            c.add("-XX:+UseSerialGC");
            c.add("-Dapp.port=" + port);
            c.add("-Dserver.port=" + port);
            if (jdbcUrl != null) {
                c.add("-Dspring.datasource.url=" + jdbcUrl);
            }
            c.addAll(command);
            return c;
        }

        @Override
        public String toString() {
            return name;
        }
    }

    static Stream<App> apps() {
        String cp = Environment.SERVER_APPS_JAR.toString();
        return Stream.of(
                new App("JDK HttpServer", "JDK HttpServer", false, "/hello", "/sleep?ms=", List.of("-Dthaw.reuse-port=true", "-cp", cp,
                        "dev.thaw.apps.JdkServerApp")),
                new App("Jetty 12", "Jetty \\(Server.handle\\)", false, "/hello", "/sleep?ms=", List.of("-cp", cp, "dev.thaw.apps.JettyApp")),
                new App("Undertow", "Undertow", false, "/hello", "/sleep?ms=", List.of("-Dthaw.reuse-port=true", "-cp", cp,
                        "dev.thaw.apps.UndertowApp")),
                // Reactor Netty prefers its native epoll transport, which opens sockets past NIO and so past thaw's
                // reuse-port option: the NIO transport, as an app sets it with this property. Netty still extracts
                // its epoll library to /tmp, loads it and deletes it while mapped: CRIU dumps it as a ghost file,
                // which the two workers' restores at the same time recreate under names of their own (thaw's CRIU
                // patch 0008; before it they collided: "Can't create ghost regfile: File exists").
                new App("Spring WebFlux", "Netty", true, "/hello", "/sleep?ms=", List.of("-Dthaw.reuse-port=true",
                        "-Dreactor.netty.native=false", "-jar", Environment.WEBFLUX_JAR.toString())),
                new App("Spring Boot Tomcat", "Tomcat", true, "/health", "/sleep?ms=", List.of("-Dthaw.reuse-port=true", "-jar",
                        Environment.SPRING_JAR.toString())));
    }

    private Path work;
    private PostgresServer postgres;
    private final Map<String, Path> images = new HashMap<>();
    private final Map<String, Integer> ports = new HashMap<>();

    @BeforeAll
    void requirements() throws Exception {
        Environment.requireCriu();
        for (Path jar : List.of(Environment.SERVER_APPS_JAR, Environment.WEBFLUX_JAR, Environment.SPRING_JAR)) {
            assertTrue(Files.isRegularFile(jar), "build the test apps first (scripts/build): " + jar);
        }
        work = Files.createTempDirectory("thaw-servers-");
    }

    @AfterAll
    void cleanUp() throws Exception {
        if (postgres != null) {
            postgres.close();
        }
        TempFiles.delete(work);
    }

    /** The app's image, checkpointed the first time a test asks for it; the checkpoint says which server it recognized. */
    private Path image(App app) throws Exception {
        Path image = images.get(app.name());
        if (image != null) {
            return image;
        }
        String jdbcUrl = null;
        if (app.name().contains("Tomcat")) { // the Spring sample's pool connects to PostgreSQL
            if (postgres == null) {
                postgres = PostgresServer.start();
            }
            jdbcUrl = postgres.jdbcUrl();
        }
        int port = FreePort.pick();
        image = work.resolve(app.name().replaceAll("\\W", "-"));
        List<String> args = new ArrayList<>(List.of("checkpoint", "--image", image.toString(), "--warmup-url",
                "http://127.0.0.1:" + port + app.hello(), "--warmup-requests", "200", "--"));
        args.addAll(app.commandOn(port, jdbcUrl));
        ThawProcess.Result r = ThawProcess.run(work, Map.of(), Duration.ofMinutes(3), args.toArray(String[]::new));
        assertEquals(0, r.exitCode(), "checkpoint of " + app + " failed:\n" + r.output());
        assertTrue(Pattern.compile("^thaw: requests: counted by thaw's agent in .*" + app.recognized(), Pattern.MULTILINE)
                .matcher(r.output()).find(), "the checkpoint names the server it recognized:\n" + r.output());
        if (app.name().equals("Spring WebFlux")) { // what the workers of its tests, restored at once, must each recreate
            try (Stream<Path> files = Files.list(image.resolve("criu"))) {
                assertTrue(files.anyMatch(f -> f.getFileName().toString().startsWith("ghost-file-")),
                        "Netty's epoll library, deleted while mapped, is in the image as a CRIU ghost file: " + image);
            }
        }
        images.put(app.name(), image);
        ports.put(app.name(), port);
        return image;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("apps")
    void every_request_is_counted_and_timed_a_hung_request_and_the_200th_replace_the_worker(App app) throws Exception {
        Path image = image(app);
        int port = ports.get(app.name());
        try (Pool pool = Pool.start(work, image, work.resolve("pool.sock"), "--workers", "2", "--max-requests", "200",
                "--timeout", "4")) {
            pool.thaw().awaitLine("all 2 workers ready", BOUND);
            Set<Long> first = pool.awaitReady(2, Set.of(), Duration.ofSeconds(10));

            // Every request counted: the heartbeats (1 s apart) add up to exactly what was sent.
            for (int i = 0; i < COUNTED; i++) {
                assertEquals(200, Http.get(port, app.hello()).status());
            }
            JsonNode status = awaitTotal(pool, COUNTED, Duration.ofSeconds(5));
            for (JsonNode w : status.path("workers")) {
                assertTrue(w.path("requests").asLong() > 0, "both workers served (SO_REUSEPORT): " + status);
            }

            // /metrics: each worker's requests and latency histogram.
            String metrics = pool.endpoint("/metrics").body();
            for (long pid : first) {
                assertTrue(sample(metrics, "thaw_worker_requests_total", pid) > 0, "requests of pid " + pid + ":\n" + metrics);
                assertTrue(sample(metrics, "thaw_worker_request_duration_seconds_count", pid) > 0, "latency of pid " + pid + ":\n" + metrics);
                assertTrue(sample(metrics, "thaw_worker_request_duration_seconds_sum", pid) > 0, "latency of pid " + pid + ":\n" + metrics);
            }

            // A request that hangs past --timeout (4 s) gets its worker replaced, though its heartbeat goes on.
            CompletableFuture<Void> hung = CompletableFuture.runAsync(() -> {
                try {
                    Http.get(port, app.sleep() + "12000");
                } catch (Exception cut) {
                    // the worker was replaced under it: that is the point
                }
            });
            Matcher stuck = pool.thaw().awaitLine("pid=(\\d+) timeout: a request has run for \\d+ ms \\(timeout 4000 ms\\): replacing it",
                    Duration.ofSeconds(15));
            long stuckPid = Long.parseLong(stuck.group(1));
            assertTrue(first.contains(stuckPid), stuck.group());
            Set<Long> second = pool.awaitReady(2, Set.of(stuckPid), Duration.ofSeconds(30));
            hung.cancel(true);

            // --max-requests 200: each worker is recycled once it served 200, its replacement ready first.
            try (Load load = new Load(port, app.hello(), 2, Duration.ofSeconds(60))) {
                for (long pid : second) {
                    pool.thaw().awaitLine("pid=" + pid + " stopping \\(max-requests: served \\d+ of 200\\)", Duration.ofSeconds(60));
                }
            }
            String out = pool.thaw().output();
            for (long pid : second) {
                int replacementReady = out.indexOf("(replacing pid " + pid + ")");
                int stopping = out.indexOf("pid=" + pid + " stopping (max-requests");
                assertTrue(replacementReady >= 0 && replacementReady < stopping, "the replacement of " + pid + " was ready first:\n" + out);
            }
            assertTrue(!out.contains("no server recognized"), out);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("apps")
    void refork_after_counts_the_apps_requests(App app) throws Exception {
        Path served = TempFiles.copyDirectory(image(app), work.resolve("refork-" + app.name().replaceAll("\\W", "-")));
        int port = ports.get(app.name());
        try (Pool pool = Pool.start(work, served, work.resolve("refork.sock"), "--workers", "2", "--refork-after", "150,1000000")) {
            pool.thaw().awaitLine("all 2 workers ready", BOUND);
            try (Load load = new Load(port, app.hello(), 2, Duration.ofSeconds(90))) {
                pool.thaw().awaitLine("served (\\d+) requests: reforking it into generation 2", Duration.ofSeconds(60));
                pool.thaw().awaitLine("refork: generation 2 made from worker \\d+ of generation 1", Duration.ofSeconds(60));
            }
        }
    }

    static Stream<App> appsWithoutGracefulShutdownOfTheirOwn() {
        return apps().filter(app -> !app.spring());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("appsWithoutGracefulShutdownOfTheirOwn")
    void a_rolling_restart_under_keep_alive_load_fails_no_request_and_cuts_no_connection(App app) throws Exception {
        Path image = image(app);
        int port = ports.get(app.name());
        try (Pool pool = Pool.start(work, image, work.resolve("hup.sock"), "--workers", "2")) {
            pool.thaw().awaitLine("all 2 workers ready", BOUND);
            Set<Long> before = pool.awaitReady(2, Set.of(), Duration.ofSeconds(10));
            Load load = Load.keepAlive(port, app.hello(), 16, Duration.ofSeconds(90));
            try {
                Thread.sleep(1_000);
                pool.signal("HUP");
                pool.awaitReady(2, before, Duration.ofSeconds(60));
                for (long pid : before) {
                    pool.thaw().awaitLine("pid=" + pid + " exited", Duration.ofSeconds(40));
                }
                Thread.sleep(1_000);
            } finally {
                load.close();
            }
            System.out.println(app + ", HUP under keep-alive load: " + load.report());
            assertTrue(load.ok() > 100, load.report());
            assertEquals(0, load.failed(), load.report());
            assertEquals(0, load.cut(), load.report());
            assertTrue(pool.thaw().output().contains("thaw: drained in"), "the agent drained the old workers:\n" + pool.thaw().output());
        }
    }

    @Test
    void an_app_on_a_server_thaw_does_not_know_still_serves_and_thaw_says_which_settings_cannot_work() throws Exception {
        int port = FreePort.pick();
        Path image = work.resolve("plain-socket");
        ThawProcess.Result made = ThawProcess.run(work, Map.of(), Duration.ofMinutes(2), "checkpoint", "--image", image.toString(),
                "--warmup-url", "http://127.0.0.1:" + port + "/hello", "--warmup-requests", "20", "--", Environment.JAVA.toString(),
                "-Xmx64m", "-Dapp.port=" + port, "-cp", Environment.SERVER_APPS_JAR.toString(), "dev.thaw.apps.PlainSocketApp");
        assertEquals(0, made.exitCode(), made.output());
        assertTrue(made.output().contains("thaw: requests: no server recognized"), made.output());
        try (Pool pool = Pool.start(work, image, work.resolve("plain.sock"), "--workers", "2", "--max-requests", "10")) {
            pool.thaw().awaitLine("no server recognized in the app, so thaw cannot count its requests: --max-requests and"
                    + " --refork-after never trigger", BOUND);
            pool.thaw().awaitLine("all 2 workers ready", BOUND);
            for (int i = 0; i < 30; i++) {
                assertEquals(200, Http.get(port, "/hello").status());
            }
            assertEquals(1, pool.thaw().count("no server recognized in the app"), "said once");
        }
    }

    /** Polls the pool's /status until its workers' requests add up to {@code total}; fails if they pass it or never get there. */
    private static JsonNode awaitTotal(Pool pool, long total, Duration bound) throws Exception {
        long deadline = System.nanoTime() + bound.toNanos();
        JsonNode status;
        long sum;
        do {
            Thread.sleep(200);
            status = pool.endpoint("/status").json();
            sum = 0;
            for (JsonNode w : status.path("workers")) {
                sum += w.path("requests").asLong();
            }
            assertTrue(sum <= total, "counted " + sum + " of " + total + " requests sent: " + status);
        } while (sum < total && System.nanoTime() < deadline);
        assertEquals(total, sum, "requests counted: " + status);
        return status;
    }

    /** The value of {@code metric} for the worker of {@code pid}, 0 when absent. */
    private static double sample(String metrics, String metric, long pid) {
        Matcher m = Pattern.compile("^" + metric + "\\{[^}]*pid=\"" + pid + "\"[^}]*\\} (\\S+)$", Pattern.MULTILINE).matcher(metrics);
        return m.find() ? Double.parseDouble(m.group(1)) : 0;
    }
}
