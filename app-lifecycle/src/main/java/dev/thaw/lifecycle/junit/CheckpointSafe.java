package dev.thaw.lifecycle.junit;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Marks a test (or every test of a class) whose body starts the app: when the test has run, thaw runs
 * the app's beforeCheckpoint callbacks and the guardrail, and fails the test if anything the test opened
 * would be refused at {@code thaw checkpoint}. See {@link CheckpointSafetyExtension}.
 *
 * <pre>{@code
 * @Test
 * @CheckpointSafe
 * void startupIsCheckpointSafe() throws Exception {
 *     app = MyApp.start(testConfig());   // the real startup: pools, servers, clients, warm-up
 * }
 * }</pre>
 */
@Target({ElementType.TYPE, ElementType.METHOD})
@Retention(RetentionPolicy.RUNTIME)
@ExtendWith(CheckpointSafetyExtension.class)
public @interface CheckpointSafe {
}
