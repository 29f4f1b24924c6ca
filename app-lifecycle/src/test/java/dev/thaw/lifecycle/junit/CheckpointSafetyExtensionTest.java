package dev.thaw.lifecycle.junit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;

import dev.thaw.lifecycle.Thaw;
import java.net.InetAddress;
import java.net.ServerSocket;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIf;
import org.junit.platform.launcher.Launcher;
import org.junit.platform.launcher.core.LauncherDiscoveryRequestBuilder;
import org.junit.platform.launcher.core.LauncherFactory;
import org.junit.platform.launcher.listeners.SummaryGeneratingListener;
import org.junit.platform.launcher.listeners.TestExecutionSummary;

/** Runs small test classes that use {@link CheckpointSafe} through the JUnit Platform, as a build would. */
class CheckpointSafetyExtensionTest {

    @Test
    void fails_a_test_whose_app_leaves_a_listening_socket_open() {
        TestExecutionSummary summary = run(UnsafeStartup.class);

        assertEquals(1, summary.getTestsFailedCount());
        String message = summary.getFailures().get(0).getException().getMessage();
        assertTrue(message.startsWith("not checkpoint-safe: guardrail: 1 offender still open"), message);
        assertTrue(message.contains("listening TCP socket 127.0.0.1:" + UnsafeStartup.listener.getLocalPort()), message);
    }

    @Test
    void passes_a_test_whose_app_closes_its_socket_in_beforeCheckpoint() {
        TestExecutionSummary summary = run(SafeStartup.class);

        assertEquals(1, summary.getTestsSucceededCount(), () -> summary.getFailures().toString());
        assertEquals(0, summary.getTestsFailedCount(), () -> summary.getFailures().get(0).getException().toString());
    }

    /** The fixture classes below run only when launched from here, not when a build's test filter picks them up. */
    private static volatile boolean launching;

    static boolean launchedByThisTest() {
        return launching;
    }

    private static TestExecutionSummary run(Class<?> testClass) {
        launching = true;
        try {
            return launch(testClass);
        } finally {
            launching = false;
        }
    }

    private static TestExecutionSummary launch(Class<?> testClass) {
        Launcher launcher = LauncherFactory.create();
        SummaryGeneratingListener listener = new SummaryGeneratingListener();
        launcher.execute(LauncherDiscoveryRequestBuilder.request().selectors(selectClass(testClass)).build(), listener);
        return listener.getSummary();
    }

    /** An app whose startup opens a listener and never closes it. */
    @EnabledIf("dev.thaw.lifecycle.junit.CheckpointSafetyExtensionTest#launchedByThisTest")
    static class UnsafeStartup {
        static ServerSocket listener;

        @Test
        @CheckpointSafe
        void startup() throws Exception {
            listener = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        }
    }

    /** The same app with a Thaw hook that closes the listener before the checkpoint. */
    @EnabledIf("dev.thaw.lifecycle.junit.CheckpointSafetyExtensionTest#launchedByThisTest")
    static class SafeStartup {
        @Test
        @CheckpointSafe
        void startup() throws Exception {
            ServerSocket listener = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
            Thaw.beforeCheckpoint("safe-startup-listener", listener::close);
        }
    }
}
