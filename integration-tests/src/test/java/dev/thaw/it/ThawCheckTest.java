package dev.thaw.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.thaw.testkit.FreePort;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** {@code thaw check}: the guardrail as a build step. It needs neither CRIU nor root and writes nothing. */
class ThawCheckTest {
    private static final Duration BOUND = Duration.ofMinutes(3);

    private Path work;

    @BeforeEach
    void makeWorkDir() throws Exception {
        work = Files.createTempDirectory("thaw-it-check-");
    }

    @AfterEach
    void deleteWorkDir() throws Exception {
        TempFiles.delete(work);
    }

    @Test
    void check_exits_1_for_an_unsafe_app_and_lists_its_offenders() throws Exception {
        try (Offenders offenders = Offenders.start(work)) {
            List<String> args = new ArrayList<>(List.of("check", "--warmup-url", offenders.readinessUrl(), "--"));
            args.addAll(offenders.javaCommand(false));

            ThawProcess.Result r = ThawProcess.run(work, Map.of(), BOUND, args.toArray(new String[0]));

            assertEquals(1, r.exitCode(), r.output());
            assertTrue(r.output().contains("thaw: guardrail: 4 offenders still open after beforeCheckpoint; checkpoint refused"), r.output());
            assertTrue(r.output().contains("listening TCP socket 127.0.0.1:" + offenders.appPort), r.output());
            assertTrue(r.output().contains("thaw: check failed"), r.output());
        }
    }

    @Test
    void check_exits_0_for_the_sample_app() throws Exception {
        int port = FreePort.pick();
        ThawProcess.Result r = ThawProcess.run(work, Map.of(), BOUND, "check",
                "--warmup-url", "http://127.0.0.1:" + port + "/health", "--warmup-requests", "20", "--",
                Environment.JAVA.toString(), "-Xmx256m", "-Dsample.port=" + port, "-Dsample.dataset.mb=5",
                "-jar", Environment.SAMPLE_JAR.toString());

        assertEquals(0, r.exitCode(), r.output());
        assertTrue(r.output().contains("thaw: guardrail: passed"), r.output());
        assertTrue(r.output().contains("thaw: check passed"), r.output());
        assertTrue(r.output().contains("thaw: the leader served again after its afterRestore"), r.output());
        try (var files = Files.list(work)) {
            assertEquals(0, files.count(), "thaw check writes nothing");
        }
    }

    @Test
    void check_fails_in_one_line_for_an_app_that_does_not_serve_again_after_afterRestore_unless_the_rehearsal_is_off() throws Exception {
        int port = FreePort.pick();
        List<String> app = List.of(Environment.JAVA.toString(), "-Xmx64m", "-cp", Offenders.classPath(dev.thaw.it.apps.NoResumeApp.class),
                dev.thaw.it.apps.NoResumeApp.class.getName(), Integer.toString(port));
        List<String> check = new ArrayList<>(List.of("check", "--warmup-url", "http://127.0.0.1:" + port + "/", "--warmup-requests", "20",
                "--leader-ready-timeout", "10"));

        List<String> rehearsed = new ArrayList<>(check);
        rehearsed.add("--");
        rehearsed.addAll(app);
        ThawProcess.Result r = ThawProcess.run(work, Map.of(), BOUND, rehearsed.toArray(new String[0]));
        assertTrue(r.exitCode() != 0, r.output());
        assertTrue(r.output().contains("did not answer 200 within 10 s of the leader's afterRestore after the checkpoint's rehearsal")
                && r.output().contains("give --checkpoint-rehearsal false"), r.output());

        List<String> off = new ArrayList<>(check);
        off.addAll(List.of("--checkpoint-rehearsal", "false", "--"));
        off.addAll(app);
        ThawProcess.Result passed = ThawProcess.run(work, Map.of(), BOUND, off.toArray(new String[0]));
        assertEquals(0, passed.exitCode(), passed.output());
        assertTrue(passed.output().contains("thaw: check passed"), passed.output());
    }
}
