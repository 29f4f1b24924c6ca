package dev.thaw.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The guardrail with real offenders, through the real CLI and real CRIU: a leader holding a PostgreSQL
 * connection, a listening socket, a log file open for writing and an outbound HTTP keep-alive connection
 * is refused with one error naming each; the same app, once it closes them in beforeCheckpoint, is
 * checkpointed; a refusal leaves the previous image as it was.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class GuardrailEndToEndTest {
    private static final Duration BOUND = Duration.ofMinutes(3);

    private Path work;
    private Offenders offenders;

    @BeforeAll
    void startServers() throws Exception {
        work = Files.createTempDirectory("thaw-it-guardrail-");
        Environment.requireCriu();
        offenders = Offenders.start(work);
    }

    @AfterAll
    void stopServers() throws Exception {
        if (offenders != null) {
            offenders.close();
        }
        TempFiles.delete(work);
    }

    @Test
    void every_offender_is_refused_in_one_error_and_the_previous_image_is_untouched() throws Exception {
        Path image = work.resolve("image");
        ThawProcess.Result good = checkpoint(image, true);
        assertEquals(0, good.exitCode(), "the app that closes its resources must be checkpointed:\n" + good.output());
        byte[] manifest = Files.readAllBytes(image.resolve("manifest.json"));

        ThawProcess.Result refused = checkpoint(image, false, "--force");

        assertEquals(1, refused.exitCode(), refused.output());
        String error = errorBlock(refused);
        assertTrue(error.startsWith("thaw: error: guardrail: 4 offenders still open after beforeCheckpoint; checkpoint refused"), error);
        assertTrue(error.contains("TCP connection 127.0.0.1:" + offenders.postgres.port + " "), "PostgreSQL connection:\n" + error);
        assertTrue(error.contains("TCP connection 127.0.0.1:" + offenders.upstreamPort() + " "), "HTTP keep-alive connection:\n" + error);
        assertTrue(error.contains("listening TCP socket 127.0.0.1:" + offenders.appPort + " "), "listener:\n" + error);
        assertTrue(error.contains("file open for writing " + offenders.log + " "), "log file:\n" + error);
        assertTrue(error.contains("the previous image, if any, is untouched"), error);
        assertEquals(new String(manifest), Files.readString(image.resolve("manifest.json")), "the old image must be untouched");
    }

    @Test
    void detective_mode_shows_the_app_frame_that_created_each_offender() throws Exception {
        ThawProcess.Result refused = checkpoint(work.resolve("detective"), false, "--detective");

        assertEquals(1, refused.exitCode(), refused.output());
        String error = errorBlock(refused);
        System.out.println(error); // the report as users see it, kept in the test's output
        for (String method : List.of("openDatabase", "listen", "openLog", "callUpstream")) {
            assertTrue(error.contains("dev.thaw.it.apps.OffendersApp." + method + "(OffendersApp.java:"),
                    "no creating frame in " + method + ":\n" + error);
        }
        assertTrue(!Files.exists(work.resolve("detective")), "a refused checkpoint writes no image");
    }

    @Test
    void an_allowlisted_offender_is_let_through_with_its_reason() throws Exception {
        ThawProcess.Result refused = checkpoint(work.resolve("allow"), false,
                "--allow", "listen:127.0.0.1:" + offenders.appPort + "=readiness port of the test",
                "--allow", "file:" + offenders.log + "=test log");

        String error = errorBlock(refused);
        assertTrue(error.startsWith("thaw: error: guardrail: 2 offenders still open"), error);
        assertTrue(error.contains("allowed: readiness port of the test") && error.contains("allowed: test log"), error);
    }

    private ThawProcess.Result checkpoint(Path image, boolean close, String... options) throws Exception {
        List<String> args = new ArrayList<>(List.of("checkpoint", "--image", image.toString(),
                "--warmup-url", offenders.readinessUrl(), "--warmup-requests", "1"));
        args.addAll(List.of(options));
        args.add("--");
        args.addAll(offenders.javaCommand(close));
        return ThawProcess.run(work, Map.of(), BOUND, args.toArray(new String[0]));
    }

    /** The error line and the lines of the report that follow it. */
    static String errorBlock(ThawProcess.Result r) {
        List<String> lines = r.lines();
        int start = lines.indexOf(r.errorLine());
        return String.join("\n", lines.subList(start, lines.size()));
    }
}
