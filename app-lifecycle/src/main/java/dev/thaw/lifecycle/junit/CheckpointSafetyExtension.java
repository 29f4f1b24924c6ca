package dev.thaw.lifecycle.junit;

import dev.thaw.lifecycle.agent.ThawAgent;
import dev.thaw.lifecycle.crac.CheckpointException;
import dev.thaw.lifecycle.crac.RestoreException;
import dev.thaw.lifecycle.guardrail.Baseline;
import dev.thaw.lifecycle.guardrail.Guardrail;
import dev.thaw.lifecycle.guardrail.GuardrailReport;
import dev.thaw.lifecycle.guardrail.GuardrailSettings;
import dev.thaw.lifecycle.runtime.ThawRuntime;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A JUnit Jupiter extension that turns "this app cannot be checkpointed" into a failing test, so a
 * regression breaks the build instead of a deploy. Before each test it notes what the test JVM already
 * has open (the test framework's own pipes and sockets, the JDK's threads). After the test it does what
 * {@code thaw checkpoint} does in a leader: it runs every registered beforeCheckpoint (org.crac resources
 * and {@code Thaw} hooks, in CRaC order), runs the guardrail over what the test opened since, runs every
 * afterRestore so that the app can go on, and fails the test with the guardrail's report when it refuses.
 *
 * <p>The guardrail's settings (allowlist, strict threads) are read from the same system properties as in
 * a leader ({@code thaw.guardrail.*}, see docs/guardrails.md). org.crac reaches thaw only when
 * {@code -Dorg.crac.Core.Compat=dev.thaw.lifecycle.crac} is set before org.crac is first used; this
 * extension sets it when it is created, which is early enough unless the test class itself touched org.crac.
 */
public final class CheckpointSafetyExtension implements BeforeEachCallback, AfterEachCallback {
    private static final ExtensionContext.Namespace NAMESPACE = ExtensionContext.Namespace.create(CheckpointSafetyExtension.class);

    public CheckpointSafetyExtension() {
        if (System.getProperty(ThawAgent.COMPAT_PROPERTY) == null) {
            System.setProperty(ThawAgent.COMPAT_PROPERTY, ThawAgent.COMPAT_PACKAGE);
        }
    }

    @Override
    public void beforeEach(ExtensionContext context) {
        context.getStore(NAMESPACE).put(Baseline.class, Baseline.now());
    }

    @Override
    public void afterEach(ExtensionContext context) throws Exception {
        if (context.getExecutionException().isPresent()) {
            return; // the test already failed: its own failure is the one to show
        }
        Baseline before = context.getStore(NAMESPACE).remove(Baseline.class, Baseline.class);
        GuardrailReport report = check(before == null ? Baseline.NONE : before);
        if (!report.passed()) {
            throw new AssertionError("not checkpoint-safe: " + report.render());
        }
    }

    /** beforeCheckpoint, the guardrail, then afterRestore whatever happened, as a leader would. */
    static GuardrailReport check(Baseline before) throws CheckpointException, RestoreException {
        var context = ThawRuntime.get().globalContext();
        try {
            context.beforeCheckpoint(null);
            return Guardrail.check(GuardrailSettings.fromSystemProperties(), before);
        } finally {
            context.afterRestore(null);
        }
    }
}
