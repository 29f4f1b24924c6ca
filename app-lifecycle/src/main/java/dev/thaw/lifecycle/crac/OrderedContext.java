package dev.thaw.lifecycle.crac;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * A context that notifies its resources in CRaC's order: {@code beforeCheckpoint} in reverse
 * registration order (last opened, first closed), {@code afterRestore} in registration order.
 *
 * <p>Resources are held strongly. The CRaC JDK holds them weakly, so a lambda registered and
 * referenced nowhere else silently disappears there; org.crac already wraps its resources in weak
 * proxies, so this does not keep an org.crac user's objects alive, while thaw's own hook API
 * ({@code Thaw.beforeCheckpoint}) can promise that a hook is never lost.
 *
 * <p>Every failure is collected, not just the first: one exception carries them all as suppressed
 * exceptions, so a user sees every resource that refused in one report.
 */
public final class OrderedContext extends Context<Resource> {
    private final List<Resource> resources = new ArrayList<>();

    @Override
    public synchronized void register(Resource resource) {
        if (resource == null) {
            throw new NullPointerException("resource");
        }
        resources.add(resource);
    }

    /** Resources registered so far, in registration order. */
    public synchronized List<Resource> resources() {
        return List.copyOf(resources);
    }

    @Override
    public void beforeCheckpoint(Context<? extends Resource> context) throws CheckpointException {
        List<Resource> order = new ArrayList<>(resources());
        Collections.reverse(order);
        Map<Resource, Exception> failures = new LinkedHashMap<>();
        for (Resource resource : order) {
            try {
                resource.beforeCheckpoint(this);
            } catch (Exception e) {
                failures.put(resource, e);
            }
        }
        if (!failures.isEmpty()) {
            throw withCauses(new CheckpointException("beforeCheckpoint failed in " + names(failures)), failures);
        }
    }

    @Override
    public void afterRestore(Context<? extends Resource> context) throws RestoreException {
        Map<Resource, Exception> failures = new LinkedHashMap<>();
        for (Resource resource : resources()) {
            try {
                resource.afterRestore(this);
            } catch (Exception e) {
                failures.put(resource, e);
            }
        }
        if (!failures.isEmpty()) {
            throw withCauses(new RestoreException("afterRestore failed in " + names(failures)), failures);
        }
    }

    private static String names(Map<Resource, Exception> failures) {
        return failures.keySet().stream().map(String::valueOf).collect(Collectors.joining(", "));
    }

    private static <E extends Exception> E withCauses(E aggregate, Map<Resource, Exception> failures) {
        failures.values().forEach(e -> addCauses(aggregate, e));
        return aggregate;
    }

    /** A nested context's aggregate is flattened so that the top-level report lists each cause once. */
    private static void addCauses(Exception aggregate, Exception e) {
        if ((e instanceof CheckpointException || e instanceof RestoreException) && e.getSuppressed().length > 0) {
            for (Throwable t : e.getSuppressed()) {
                aggregate.addSuppressed(t);
            }
        } else {
            aggregate.addSuppressed(e);
        }
    }
}
