package dev.thaw.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.thaw.testkit.FreePort;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A process that binds the warm-up port with SO_REUSEPORT after thaw checkpoint looked (before the
 * leader started, nothing served it) takes the warm-up, or part of it: the checkpoint is refused rather
 * than dumping a cold leader over the previous image. Real leader (the sample app), real CRIU for the
 * previous image.
 */
@ExtendWith(SampleAppImageExtension.class)
class SharedPortCheckpointTest {
    private static final Duration BOUND = Duration.ofMinutes(3);
    /** Fifteen listeners against the leader's one: the leader gets about 1 in 16 of the warm-up's connections. */
    private static final int OTHER_LISTENERS = 15;

    private Path work;
    private Path image;
    private byte[] manifest;
    private int port;

    @BeforeEach
    void copyTheImage(SampleAppImage shared) throws Exception {
        Environment.requireCriu();
        work = Files.createTempDirectory("thaw-it-shared-port-");
        image = shared.copyTo(work.resolve("image"));
        manifest = Files.readAllBytes(image.resolve("manifest.json"));
        port = FreePort.pick();
    }

    @AfterEach
    void deleteWorkDir() throws Exception {
        TempFiles.delete(work);
    }

    @Test
    void a_warmup_answered_while_the_leader_still_starts_is_refused_and_the_old_image_kept() throws Exception {
        // A dataset that takes the leader seconds to build before it listens (5 MB took 0.7-1.6 s here): the other
        // process has answered the whole warm-up long before.
        List<String> slowLeader = new java.util.ArrayList<>(List.of(SampleCheckpoint.args(image, port, 200, "--force")));
        slowLeader.replaceAll(arg -> arg.equals("-Dsample.dataset.mb=5") ? "-Dsample.dataset.mb=60" : arg);
        assertTrue(slowLeader.contains("-Dsample.dataset.mb=60"), slowLeader.toString());
        try (ThawProcess thaw = ThawProcess.start(work, Map.of(), slowLeader.toArray(String[]::new))) {
            thaw.awaitLine("leader starting", BOUND); // thaw found nothing on the port before this line
            try (ReusePortResponder other = ReusePortResponder.bind(port, OTHER_LISTENERS)) {
                other.answerFromNowOn();

                String error = refusal(thaw);
                assertTrue(other.answered() > 0, "the other process answered nothing:\n" + thaw.output());
                assertTrue(error.startsWith("thaw: error: another process answered the "), error);
                assertTrue(error.contains(" warm-up requests on port 127.0.0.1:" + port + ": the leader did not even listen there yet"), error);
            }
        }
        assertOldImageKept();
    }

    @Test
    void a_warmup_shared_with_another_listener_on_the_port_is_refused_by_the_leaders_own_count() throws Exception {
        try (ThawProcess thaw = ThawProcess.start(work, Map.of(), SampleCheckpoint.args(image, port, 200, "--force"))) {
            thaw.awaitLine("leader starting", BOUND);
            try (ReusePortResponder other = ReusePortResponder.bind(port, OTHER_LISTENERS)) {
                thaw.awaitLine("leader \\| sample: listening on", BOUND); // the leader serves too, from now on
                other.answerFromNowOn();

                String error = refusal(thaw);
                assertTrue(other.answered() > 0, "the other process answered nothing:\n" + thaw.output());
                assertTrue(error.matches("thaw: error: another process answered \\d+ of the \\d+ warm-up requests on port 127\\.0\\.0\\.1:"
                        + port + " \\(the leader served \\d+\\), so the leader is still cold: .*"), error);
            }
        }
        assertOldImageKept();
    }

    /** thaw's error line, once it exited 2 with the fix in that line. */
    private static String refusal(ThawProcess thaw) throws InterruptedException {
        assertTrue(thaw.process().waitFor(BOUND.toSeconds(), TimeUnit.SECONDS), "thaw checkpoint did not finish:\n" + thaw.output());
        String error = thaw.awaitLine("^thaw: error: .*", Duration.ofSeconds(10)).group();
        assertEquals(2, thaw.process().exitValue(), thaw.output());
        assertTrue(error.contains("stop that process") && error.contains("pick another port"), error);
        assertTrue(error.contains("the previous one, if any, is untouched"), error);
        return error;
    }

    private void assertOldImageKept() throws Exception {
        assertEquals(new String(manifest), Files.readString(image.resolve("manifest.json")), "the old image must be untouched");
        try (var siblings = Files.list(work)) {
            assertEquals(List.of(), siblings.filter(p -> p.getFileName().toString().contains(".staging-")).toList(),
                    "no staging directory is left next to the image");
        }
    }
}
