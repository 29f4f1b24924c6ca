package dev.thaw.resources.scoped;

import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.net.http.HttpClient;
import java.util.Objects;
import java.util.function.Consumer;
import java.util.function.Supplier;

import org.crac.Context;
import org.crac.Core;
import org.crac.Resource;

/**
 * An object that lives for one process: closed before every checkpoint and built anew, for this
 * process, after every restore. For clients that hold connections (an HTTP client, an SDK client, a
 * cache client) and cannot be told to reconnect.
 *
 * <pre>{@code
 * static final RestoreScoped<HttpClient> HTTP = RestoreScoped.of(HttpClient::newHttpClient);
 * HTTP.get().send(request, BodyHandlers.ofString());
 * }</pre>
 *
 * <p>{@link #get} builds the instance on first use and returns the same one until the next checkpoint.
 * {@code beforeCheckpoint} closes it (with the closer given, or {@link AutoCloseable#close} when it is
 * one) so that none of its sockets is in the image; {@code get} then blocks until {@code afterRestore},
 * since an instance built in between would be checkpointed with whatever it opened. After the restore
 * the next {@code get} builds a fresh instance, whose connections are this worker's own.
 *
 * <p>Code that keeps the object itself in a static field, and cannot be changed to call {@code get()},
 * takes a stand-in instead: {@link #proxy} for an interface, {@link #httpClient} for the JDK's
 * {@link HttpClient}. Every call on the stand-in goes to the current instance.
 *
 * <p>It registers itself with org.crac when created. org.crac holds resources weakly, so it lives as
 * long as the caller keeps it (or the stand-in) reachable, which using it does.
 */
public final class RestoreScoped<T> implements Supplier<T>, Resource {

    private enum State { SERVING, CLOSED_FOR_CHECKPOINT }

    private final Supplier<? extends T> factory;
    private final Consumer<? super T> closer;
    private final boolean eager;
    private State state = State.SERVING;
    private T current;
    private int builds;

    private RestoreScoped(Supplier<? extends T> factory, Consumer<? super T> closer, boolean eager) {
        this.factory = Objects.requireNonNull(factory, "factory");
        this.closer = Objects.requireNonNull(closer, "closer");
        this.eager = eager;
    }

    /** Built on first use, closed with {@link AutoCloseable#close} if it is one. */
    public static <T> RestoreScoped<T> of(Supplier<? extends T> factory) {
        return of(factory, RestoreScoped::closeIfCloseable);
    }

    /** Built on first use, closed with {@code closer} before every checkpoint. */
    public static <T> RestoreScoped<T> of(Supplier<? extends T> factory, Consumer<? super T> closer) {
        return register(new RestoreScoped<>(factory, closer, false));
    }

    /**
     * Built now and again in every {@code afterRestore}, for things that must be running without being
     * asked, such as a server: {@code RestoreScoped.eager(() -> startServer(port), s -> s.stop(1))}.
     * A failure to build it after a restore fails the restore.
     */
    public static <T> RestoreScoped<T> eager(Supplier<? extends T> factory, Consumer<? super T> closer) {
        RestoreScoped<T> scoped = register(new RestoreScoped<>(factory, closer, true));
        scoped.get();
        return scoped;
    }

    /**
     * A stand-in implementing {@code type} whose every call goes to the current instance, for code that
     * keeps the object in a static field: {@code static final Cache CACHE = RestoreScoped.proxy(Cache.class, Cache::connect)}.
     */
    public static <I> I proxy(Class<I> type, Supplier<? extends I> factory) {
        return of(factory).asProxy(type);
    }

    /** A stand-in for the JDK's {@link HttpClient} (an abstract class, not an interface) that always uses the current client. */
    public static HttpClient httpClient(Supplier<HttpClient> factory) {
        return new RestoreScopedHttpClient(of(factory));
    }

    /** The current instance; built if there is none yet; waits while a checkpoint is in progress. */
    @Override
    public synchronized T get() {
        boolean interrupted = false;
        while (state == State.CLOSED_FOR_CHECKPOINT) {
            try {
                wait();
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) Thread.currentThread().interrupt();
        if (current == null) {
            current = Objects.requireNonNull(factory.get(), "the factory of a RestoreScoped returned null");
            builds++;
        }
        return current;
    }

    /** How many instances have been built in this process's history, the leader's included. */
    public synchronized int builds() {
        return builds;
    }

    /** A stand-in implementing {@code type} that forwards every call to {@link #get()}. */
    public <I> I asProxy(Class<I> type) {
        if (!type.isInterface()) {
            throw new IllegalArgumentException(type.getName() + " is not an interface: a proxy needs one"
                    + " (for java.net.http.HttpClient use RestoreScoped.httpClient)");
        }
        return type.cast(Proxy.newProxyInstance(type.getClassLoader(), new Class<?>[] {type}, new Forwarder(this)));
    }

    /** The RestoreScoped behind a stand-in made by {@link #asProxy}, for tests. */
    static RestoreScoped<?> behind(Object proxy) {
        return ((Forwarder) Proxy.getInvocationHandler(proxy)).scoped;
    }

    /** Sends every call of a proxy to the current instance; the proxy's own identity stays stable. */
    private static final class Forwarder implements InvocationHandler {
        private final RestoreScoped<?> scoped;

        Forwarder(RestoreScoped<?> scoped) {
            this.scoped = scoped;
        }

        @Override
        public Object invoke(Object proxy, Method method, Object[] args) throws Throwable {
            if (method.getDeclaringClass() == Object.class) {
                switch (method.getName()) {
                    case "equals": return proxy == args[0];
                    case "hashCode": return System.identityHashCode(proxy);
                    case "toString": return "RestoreScoped proxy of " + scoped.get();
                    default: break;
                }
            }
            try {
                return method.invoke(scoped.get(), args);
            } catch (InvocationTargetException e) {
                throw e.getCause();
            }
        }
    }

    @Override
    public void beforeCheckpoint(Context<? extends Resource> context) {
        T old;
        synchronized (this) {
            state = State.CLOSED_FOR_CHECKPOINT;
            old = current;
            current = null;
        }
        // Outside the lock: closing may wait for calls in progress, which must not need the lock.
        if (old != null) closer.accept(old);
    }

    @Override
    public void afterRestore(Context<? extends Resource> context) {
        synchronized (this) {
            state = State.SERVING;
            notifyAll();
        }
        if (eager) get();
    }

    private static <T> RestoreScoped<T> register(RestoreScoped<T> scoped) {
        Core.getGlobalContext().register(scoped);
        return scoped;
    }

    private static void closeIfCloseable(Object instance) {
        if (!(instance instanceof AutoCloseable closeable)) return;
        try {
            closeable.close();
        } catch (Exception e) {
            if (e instanceof InterruptedException) Thread.currentThread().interrupt();
            throw new IllegalStateException("closing " + instance + " before the checkpoint failed: " + e, e);
        }
    }
}
