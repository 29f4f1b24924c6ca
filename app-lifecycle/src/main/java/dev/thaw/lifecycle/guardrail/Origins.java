package dev.thaw.lifecycle.guardrail;

import java.io.FileDescriptor;
import java.lang.reflect.Field;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.WeakHashMap;
import java.util.stream.Collectors;

/**
 * Detective mode's memory: where the app created each socket, file opened for writing, thread and
 * {@code java.util.Random}. The agent's instrumented JDK methods call {@link #record} with the
 * {@link FileDescriptor}, {@link Thread} or {@link Random} they just made. Handles are held weakly:
 * recording must never keep a resource alive, and a file descriptor is read only when the guardrail
 * runs, so a closed and reused fd number can never point at the wrong creator.
 */
public final class Origins {
    private static final Origins INSTANCE = new Origins();
    /** Enough to get from a driver's socket code down to the app's own call (a JDBC connect is about 8 deep). */
    private static final int APP_FRAMES = 10;

    private final Map<Object, Origin> byHandle = Collections.synchronizedMap(new WeakHashMap<>());
    private final java.util.concurrent.atomic.AtomicLong sequence = new java.util.concurrent.atomic.AtomicLong();

    /** Where one handle was created, and in which order (see {@link #byFd}). */
    private record Origin(long sequence, List<String> frames) {
    }
    private final ThreadLocal<Boolean> inside = new ThreadLocal<>();
    private final StackWalker walker = StackWalker.getInstance(StackWalker.Option.RETAIN_CLASS_REFERENCE);
    private volatile boolean enabled;
    private volatile Field fdField;

    private Origins() {
    }

    public static Origins get() {
        return INSTANCE;
    }

    /** Turned on by the agent in detective mode, once it can read {@code FileDescriptor.fd}. */
    public void enable(Field fileDescriptorFd) {
        fdField = fileDescriptorFd;
        enabled = true;
    }

    public boolean enabled() {
        return enabled;
    }

    /** Called from instrumented JDK code: must not throw, and must not recurse into itself. */
    public void record(Object handle) {
        if (!enabled || inside.get() != null) {
            return;
        }
        if (handle instanceof Random && handle.getClass() != Random.class) {
            return; // SecureRandom and ThreadLocalRandom are thaw's to reseed; subclasses are the app's own
        }
        inside.set(Boolean.TRUE);
        try {
            if (handle instanceof Random && madeByTheJdk()) {
                return; // a JDK object's own Random (an HTTP client's, say): not the app's to reseed
            }
            byHandle.put(handle, new Origin(sequence.incrementAndGet(), appFrames()));
        } catch (RuntimeException | Error e) {
            // never break the app's I/O for a diagnostic
        } finally {
            inside.remove();
        }
    }

    private List<String> appFrames() {
        List<String> all = walker.walk(frames -> frames
                .map(f -> (isPlatform(f.getDeclaringClass()) ? "~" : "")
                        + f.getClassName() + "." + f.getMethodName() + "(" + f.getFileName() + ":" + f.getLineNumber() + ")")
                .collect(Collectors.toList()));
        List<String> app = new ArrayList<>();
        for (String frame : all) {
            if (!frame.startsWith("~") && app.size() < APP_FRAMES) {
                app.add(frame);
            }
        }
        Origin starter = app.isEmpty() ? byHandle.get(Thread.currentThread()) : null;
        List<String> thread = starter == null ? null : starter.frames();
        if (thread != null && !thread.isEmpty()) {
            // made by a JDK thread (an HTTP client's selector, a pool's worker): who started that thread is the clue
            List<String> started = new ArrayList<>(thread);
            started.set(0, started.get(0) + " (starting thread '" + Thread.currentThread().getName() + "')");
            return List.copyOf(started);
        }
        if (app.isEmpty()) {
            // made by the JDK on its own behalf: its last frames are the best clue there is
            for (int i = Math.max(0, all.size() - 3); i < all.size(); i++) {
                app.add(all.get(i).substring(1) + " (JDK)");
            }
        }
        return List.copyOf(app);
    }

    /** True when the code that called {@code new Random(...)} is the JDK's (not the app's, not thaw's hook). */
    private boolean madeByTheJdk() {
        return walker.walk(frames -> frames
                .map(StackWalker.StackFrame::getDeclaringClass)
                .filter(c -> c != Random.class && !c.getName().equals("jdk.internal.misc.ThawHooks") && !isThaw(c))
                .findFirst()
                .map(c -> c.getClassLoader() == null || c.getClassLoader() == ClassLoader.getPlatformClassLoader())
                .orElse(true));
    }

    private static boolean isThaw(Class<?> c) {
        java.security.CodeSource source = c.getProtectionDomain().getCodeSource();
        return source != null && source.equals(Origins.class.getProtectionDomain().getCodeSource());
    }

    /** JDK classes and thaw's own (loaded from the agent jar): the report wants the first frame of the app's code. */
    private static boolean isPlatform(Class<?> c) {
        ClassLoader loader = c.getClassLoader();
        if (loader == null || loader == ClassLoader.getPlatformClassLoader()) {
            return true;
        }
        return isThaw(c);
    }

    /** The same judgement by name, for stack traces of threads (which carry no classes). */
    static boolean isPlatform(String className) {
        return className.startsWith("java.") || className.startsWith("javax.") || className.startsWith("jdk.")
                || className.startsWith("sun.") || className.startsWith("com.sun.") || className.startsWith("dev.thaw.lifecycle.");
    }

    /** Creators of the file descriptors open right now, by fd number. */
    Map<Integer, List<String>> byFd() {
        Map<Integer, List<String>> out = new HashMap<>();
        Field fd = fdField;
        if (fd == null) {
            return out;
        }
        Map<Integer, Origin> newest = new HashMap<>();
        for (Map.Entry<Object, Origin> e : snapshot().entrySet()) {
            if (e.getKey() instanceof FileDescriptor d) {
                try {
                    int n = fd.getInt(d);
                    // Some close paths leave the number in a dead FileDescriptor (a FileChannel's, on JDK 17).
                    // The fd was reused after that close, so the newest creation is the live one.
                    if (n >= 0 && (!newest.containsKey(n) || newest.get(n).sequence() < e.getValue().sequence())) {
                        newest.put(n, e.getValue());
                        out.put(n, e.getValue().frames());
                    }
                } catch (IllegalAccessException ex) {
                    return out;
                }
            }
        }
        return out;
    }

    List<String> of(Object handle) {
        Origin origin = byHandle.get(handle);
        return origin == null ? List.of() : origin.frames();
    }

    /** Plain {@code java.util.Random} instances still reachable, and where each was made. */
    List<List<String>> liveRandoms() {
        List<List<String>> out = new ArrayList<>();
        for (Map.Entry<Object, Origin> e : snapshot().entrySet()) {
            List<String> frames = e.getValue().frames();
            if (e.getKey() instanceof Random && !frames.isEmpty() && !frames.get(0).endsWith("(JDK)")) {
                out.add(frames);
            }
        }
        return out;
    }

    private Map<Object, Origin> snapshot() {
        synchronized (byHandle) {
            return new HashMap<>(byHandle);
        }
    }
}
