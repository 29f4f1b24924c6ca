package dev.thaw.lifecycle.guardrail;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;

/**
 * The live platform threads the app started: those in the {@code main} thread group or below it,
 * except {@code main} itself, the JVM's {@code DestroyJavaVM} and thaw's own ({@code thaw-*}). The
 * JVM's service threads live in the {@code system} group.
 */
final class AppThreads {
    private AppThreads() {
    }

    static List<Offender> list(Origins origins, java.util.Set<Thread> ignored) {
        List<Offender> out = new ArrayList<>();
        Thread self = Thread.currentThread();
        for (Map.Entry<Thread, StackTraceElement[]> e : Thread.getAllStackTraces().entrySet()) {
            Thread t = e.getKey();
            if (t == self || ignored.contains(t) || !startedByApp(t)) {
                continue;
            }
            out.add(new Offender(Kind.THREAD, t.getName(), describe(t, e.getValue()), origins.of(t)));
        }
        out.sort(Comparator.comparing(Offender::target));
        return out;
    }

    static boolean startedByApp(Thread t) {
        String name = t.getName();
        if (name.equals("main") || name.equals("DestroyJavaVM") || name.startsWith("thaw-")) {
            return false;
        }
        for (ThreadGroup g = t.getThreadGroup(); g != null; g = g.getParent()) {
            if (g.getName().equals("main")) {
                return true;
            }
        }
        return false;
    }

    private static String describe(Thread t, StackTraceElement[] stack) {
        StringBuilder s = new StringBuilder("(").append(t.getState()).append(t.isDaemon() ? ", daemon" : "");
        if (stack.length > 0) {
            s.append(", at ").append(frame(stack[0]));
            for (StackTraceElement f : stack) {
                if (!Origins.isPlatform(f.getClassName())) {
                    if (f != stack[0]) {
                        s.append(" in ").append(frame(f));
                    }
                    break;
                }
            }
        }
        return s.append(')').toString();
    }

    private static String frame(StackTraceElement f) {
        return f.getClassName() + "." + f.getMethodName() + "(" + (f.isNativeMethod() ? "Native Method"
                : f.getFileName() + ":" + f.getLineNumber()) + ")";
    }
}
